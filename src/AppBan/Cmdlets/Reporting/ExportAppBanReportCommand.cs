using System;
using System.IO;
using System.Management.Automation;
using System.Threading;
using AppBan.Engine;
using AppBan.Engine.Policy;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Writes a JSON, CSV or HTML report of whatever AppBan output arrives on the pipeline: findings, removal
    /// results, per-target compliance, exemption changes and error records. The file is written once, when the
    /// pipeline ends, or when it is stopped (Ctrl+C), in which case it holds everything that arrived before.
    /// </summary>
    [Cmdlet(VerbsData.Export, "AppBanReport", SupportsShouldProcess = true, DefaultParameterSetName = FileSet)]
    [OutputType(typeof(FileInfo))]
    public sealed partial class ExportAppBanReportCommand : PSCmdlet, IDisposable
    {
        private const string FileSet = "File";

        private ReportBuilder _builder;
        private string _historyPath;
        private string _fullPath;
        private ReportFormat _format;
        private int _written;
        private bool _whatIf;
        private volatile bool _ended;

        /// <summary>Anything AppBan emits.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public PSObject InputObject { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = FileSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>Json, Csv or Html; by default taken from the file extension.</summary>
        [Parameter]
        public ReportFormat Format { get; set; }

        /// <summary>The policy file the results come from: its name and SHA-256 go into the run metadata.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>A built-in policy by name ("TikTok", "ByteDance"), the results come from, instead of -PolicyPath or -Policy.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        /// <summary>The policy the results come from (Get-AppBanPolicy).</summary>
        [Parameter]
        [ValidateNotNull]
        public AppBanPolicy Policy { get; set; }

        /// <summary>
        /// Devices that must appear in the report: names, or objects with a Name, DNSHostName or ComputerName (Get-ADComputer).
        /// One that nothing arrived for is NotScanned, or NotReporting in a report that merges device reports.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public PSObject[] ExpectedTarget { get; set; }

        /// <summary>A device whose newest report is older than this is Stale (default 7 days, in a report that merges device reports).</summary>
        [Parameter]
        public TimeSpan StaleAfter { get; set; }

        /// <summary>
        /// A history file (JSON) kept beside the report: its points are charted with this report's counts, and this report's
        /// point is added to it. Created when missing.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string HistoryPath { get; set; }

        /// <summary>Refuse to overwrite an existing file.</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Write the FileInfo of the report to the pipeline.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            if (!BeginDeviceFolder())
            {
                _fullPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
                if (MyInvocation.BoundParameters.ContainsKey(nameof(Format))) _format = Format;
                else if (!ReportWriter.TryGetFormatFromPath(_fullPath, out _format))
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException("Cannot tell the report format from '" + Path + "': use a .json, .csv or .html file name, or -Format."),
                        ErrorIds.ReportFormatUnknown, ErrorCategory.InvalidArgument, Path));
                if (NoClobber && File.Exists(_fullPath))
                    ThrowTerminatingError(new ErrorRecord(
                        new IOException("The file '" + _fullPath + "' already exists and -NoClobber was given."),
                        ErrorIds.ReportFileExists, ErrorCategory.ResourceExists, _fullPath));
            }
            if (Policy != null && PolicyPath != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give either -Policy or -PolicyPath, not both."),
                    ErrorIds.PolicyAndPolicyPath, ErrorCategory.InvalidArgument, null));
            PolicyInput.RequireOneSource(this, Policy, PolicyPath, PolicyName);
            var policy = Policy ?? (PolicyPath != null || PolicyName != null ? PolicyInput.Load(this, PolicyPath, PolicyName) : null);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(StaleAfter)) && StaleAfter <= TimeSpan.Zero)
                ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(StaleAfter), StaleAfter, "-StaleAfter must be a positive time span, such as 7.00:00:00 or (New-TimeSpan -Days 7)."),
                    ErrorIds.StaleAfterInvalid, ErrorCategory.InvalidArgument, StaleAfter));
            var history = HistoryPath == null ? null : ReadHistory();
            // The builder exists only once the input is known good: a builder is what a stopped pipeline writes out.
            var builder = ReportSession.NewBuilder(this);
            if (policy != null)
            {
                builder.SetPolicy(policy.Name, policy.Sha256, policy.Source);
                builder.SetRules(policy);
            }
            builder.DeclareTargets(ReportSession.ExpectedNames(this, ExpectedTarget));
            if (MyInvocation.BoundParameters.ContainsKey(nameof(StaleAfter))) builder.SetStaleAfter(StaleAfter);
            if (history != null) builder.SetHistory(history);
            _builder = builder;
            // Read now: StopProcessing runs on another thread, where no PowerShell API may be called.
            _whatIf = WhatIfMode.IsRequested(this);
        }

        private System.Collections.Generic.List<ReportHistoryPoint> ReadHistory()
        {
            _historyPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(HistoryPath);
            try { return ReportHistory.Read(_historyPath); }
            catch (Exception ex) when (ex is InvalidDataException || ex is IOException || ex is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidDataException("The history file '" + _historyPath + "' cannot be used: " + ex.Message +
                    " Move it away to start a new history.", ex), ErrorIds.ReportHistoryUnreadable, ErrorCategory.InvalidData, _historyPath));
                return null;
            }
        }

        protected override void ProcessRecord()
        {
            var input = InputObject;
            if (input == null) return;
            if (ReportSession.Add(_builder, input)) return;
            if (input.BaseObject is ErrorRecord || input.TypeNames.Contains("Deserialized.System.Management.Automation.ErrorRecord"))
                WriteWarning("An error record that names no computer was left out of the report: " + input);
            else
                WriteError(new ErrorRecord(
                    new ArgumentException("Export-AppBanReport takes findings, removal results, compliance results, exemption changes and error records; it cannot use a " + input.BaseObject.GetType().FullName + "."),
                    ErrorIds.UnsupportedReportInput, ErrorCategory.InvalidType, input));
        }

        protected override void EndProcessing()
        {
            _ended = true;
            if (!ShouldProcess(_deviceFolder ?? _fullPath, _deviceFolder != null ? "Write device reports" : "Write " + _format + " report")) return;
            var info = Write(cancelled: false);
            if (info != null && PassThru) WriteObject(info);
        }

        /// <summary>Ctrl+C: write what arrived so far. Runs on another thread: no PowerShell API here.</summary>
        protected override void StopProcessing() => WriteStopped();

        /// <summary>
        /// A pipeline that ends without EndProcessing was stopped or failed upstream. PowerShell skips StopProcessing for a
        /// pipeline whose failure was recorded first (a stop that reached an upstream command), so the report is written here too.
        /// </summary>
        public void Dispose()
        {
            if (!_ended) WriteStopped();
        }

        private void WriteStopped()
        {
            if (_builder == null || _whatIf) return;
            try { Write(cancelled: true); }
            catch (Exception) { /* nothing can be reported from here; the stop goes on */ }
        }

        private FileInfo Write(bool cancelled)
        {
            if (Interlocked.Exchange(ref _written, 1) == 1) return null;
            if (cancelled) _builder.MarkCancelled();
            var report = _builder.Build();
            if (_deviceFolder != null) { WriteDeviceReports(report, cancelled); return null; }
            try
            {
                ReportWriter.Write(report, _fullPath, _format);
                // Not from a cancelled run: its counts would read as progress that did not happen.
                if (_historyPath != null && !cancelled) ReportHistory.Write(_historyPath, report.History);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                if (cancelled) throw;
                ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.ReportWriteFailed, ErrorCategory.WriteError, _fullPath));
            }
            return new FileInfo(_fullPath);
        }
    }
}
