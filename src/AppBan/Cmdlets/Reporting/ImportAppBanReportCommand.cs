using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Reads the reports device-side runs left in a collector folder. Every good file becomes a DeviceReport, every bad
    /// one a RejectedDeviceReport (and a warning); a bad file never stops the import. Pipe the result to
    /// Export-AppBanReport to merge it into a fleet report.
    /// </summary>
    [Cmdlet(VerbsData.Import, "AppBanReport")]
    [OutputType(typeof(DeviceReport), typeof(RejectedDeviceReport))]
    public sealed class ImportAppBanReportCommand : PSCmdlet
    {
        private const int ProgressActivityId = 21;
        /// <summary>Below this many files in one folder a progress bar would only flicker.</summary>
        private const int ProgressThreshold = 50;

        /// <summary>Files, folders (read non-recursively) or wildcards.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; }

        /// <summary>A larger file is refused without being read.</summary>
        [Parameter]
        [ValidateRange(1, 65536)]
        public int MaxFileSizeKB { get; set; } = DeviceReportReader.DefaultMaxFileSizeKB;

        protected override void ProcessRecord()
        {
            foreach (var path in Path)
            {
                var files = FilesOf(path);
                if (files.Count == 0)
                {
                    WriteError(new ErrorRecord(
                        new ItemNotFoundException("No device report was found at '" + path + "' (a .json file, or a folder holding some)."),
                        ErrorIds.NoDeviceReportFound, ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                Read(path, files);
            }
        }

        private void Read(string path, IReadOnlyList<string> files)
        {
            var showProgress = files.Count >= ProgressThreshold;
            var activity = "Reading device reports from " + path;
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < files.Count; i++)
            {
                if (showProgress && i % 25 == 0)
                    WriteProgress(new ProgressRecord(ProgressActivityId, activity, i + " of " + files.Count + " files read")
                    {
                        PercentComplete = (int)(100L * i / files.Count),
                    });
                if (DeviceReportReader.TryRead(files[i], MaxFileSizeKB, now, out var report, out var rejected))
                    WriteObject(report);
                else
                {
                    WriteWarning("Device report '" + rejected.Path + "' was not read: " + rejected.Reason);
                    WriteObject(rejected);
                }
            }
            if (showProgress)
                WriteProgress(new ProgressRecord(ProgressActivityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <summary>The report files one -Path names: a file as it is, a folder's *.json files, a wildcard's matches.</summary>
        private IReadOnlyList<string> FilesOf(string path)
        {
            var files = new List<string>();
            foreach (var resolved in Resolve(path))
            {
                if (Directory.Exists(resolved))
                {
                    try { files.AddRange(DeviceReportReader.ListReportFiles(resolved)); }
                    catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
                    {
                        WriteError(new ErrorRecord(ex, ErrorIds.NoDeviceReportFound, ErrorCategory.ReadError, resolved));
                    }
                }
                else if (File.Exists(resolved)) files.Add(resolved);
            }
            return files;
        }

        private static bool IsFileSystem(ProviderInfo provider) => string.Equals(provider?.Name, "FileSystem", StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// File-system paths for one -Path. A path that exists as written is taken literally (names from Get-ChildItem
        /// may hold '[' and ']'); anything else goes through the provider's wildcard expansion.
        /// </summary>
        private IEnumerable<string> Resolve(string path)
        {
            ProviderInfo provider;
            string literal = null;
            try { literal = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _); }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException || ex is ArgumentException)
            {
                return Array.Empty<string>();
            }
            if (!IsFileSystem(provider)) return Array.Empty<string>();
            if (File.Exists(literal) || Directory.Exists(literal)) return new[] { literal };
            if (!WildcardPattern.ContainsWildcardCharacters(path)) return Array.Empty<string>();
            try
            {
                var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
                return IsFileSystem(provider) ? (IEnumerable<string>)resolved : Array.Empty<string>();
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException)
            {
                return Array.Empty<string>();
            }
        }
    }
}
