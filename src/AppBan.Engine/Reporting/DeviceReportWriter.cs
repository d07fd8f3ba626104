using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;

namespace AppBan.Engine.Reporting
{
    /// <summary>What became of one target's device report: the file written, or why none was.</summary>
    public sealed class DeviceReportWriteResult
    {
        public DeviceReportWriteResult(string computerName, string path, string error, Exception exception = null)
        {
            ComputerName = computerName;
            Path = path;
            Error = error;
            Exception = exception;
        }

        /// <summary>The target as the run gave it.</summary>
        public string ComputerName { get; }
        /// <summary>The file written; null when none was.</summary>
        public string Path { get; }
        /// <summary>Why no file was written; null when one was.</summary>
        public string Error { get; }
        /// <summary>The failure behind <see cref="Error"/>, when there was one.</summary>
        public Exception Exception { get; }
        public bool Written => Path != null;

        public override string ToString() => Written ? ComputerName + ": " + Path : ComputerName + ": " + Error;
    }

    /// <summary>
    /// Device reports: one report per target, <c>&lt;name&gt;.json</c> in a collector's folder (a share), written atomically
    /// and nothing else ever written there. The file name comes from <see cref="TryGetFileName(TargetReport, out string, out string)"/>,
    /// which the reader checks too, so a device can only claim the file its own report names.
    /// </summary>
    public static class DeviceReportWriter
    {
        /// <summary>The longest machine name a report file is named after (a DNS label).</summary>
        public const int MaxNameLength = 63;

        // Win32 turns these names into devices whatever the extension ("NUL.json" opens NUL) [doc: Naming Files, Paths,
        // and Namespaces]. COM0 and LPT0 are on that page's list too.
        /// <summary>
        /// The file name of a target's device report, "&lt;name&gt;.json", where the name is the machine's own name
        /// (<see cref="TargetReport.MachineName"/>); without it, the target as it was given when that is a plain name (a
        /// DNS name gives its first label, the host name); for this computer ("localhost", ".", a loopback address or
        /// nothing, 127.0.0.1 or ::1), <see cref="Environment.MachineName"/>. An address names no machine and is refused. The name must be
        /// 1 to 63 letters, digits, '-', '_' or '.', not start or end with '.', and not be a Windows device name.
        /// </summary>
        public static bool TryGetFileName(TargetReport target, out string fileName, out string reason) =>
            TryGetFileName(target, Environment.MachineName, out fileName, out reason);

        /// <summary>
        /// As <see cref="TryGetFileName(TargetReport, out string, out string)"/>, with the name this computer goes by given
        /// (null: a report about "localhost" without a machine name is refused, as a collector must when it reads one).
        /// </summary>
        public static bool TryGetFileName(TargetReport target, string localMachineName, out string fileName, out string reason)
        {
            fileName = null;
            if (target == null) { reason = "the report names no target"; return false; }
            string name;
            if (!string.IsNullOrWhiteSpace(target.MachineName))
            {
                name = target.MachineName;
                if (!IsValidName(name, out reason)) { reason = "the machine name " + reason; return false; }
            }
            else
            {
                var given = StripPort((target.ComputerName ?? string.Empty).Trim());
                if (IsLocal(given))
                {
                    if (string.IsNullOrWhiteSpace(localMachineName))
                    {
                        reason = "the report is about the computer that ran it and names no machine";
                        return false;
                    }
                    name = localMachineName;
                    if (!IsValidName(name, out reason)) { reason = "this computer's name " + reason; return false; }
                }
                else if (IPAddress.TryParse(given.Trim('[', ']'), out _))
                {
                    reason = "the target '" + Shorten(target.ComputerName) + "' is an address and the machine's own name is not known";
                    return false;
                }
                else
                {
                    // A DNS name: its first label is the host name, which is what the machine calls itself.
                    var dot = given.IndexOf('.');
                    name = dot > 0 && dot < given.Length - 1 ? given.Substring(0, dot) : given;
                    if (!IsValidName(name, out reason)) { reason = "the target name " + reason; return false; }
                }
            }
            fileName = name + ".json";
            reason = null;
            return true;
        }

        /// <summary>
        /// One report per target: the run's metadata (its target list cut to that target), the target, and the summary
        /// recomputed for it. Changes to policy files belong to no device and are left out.
        /// </summary>
        public static IReadOnlyList<AppBanReport> Split(AppBanReport report)
        {
            if (report == null) throw new ArgumentNullException(nameof(report));
            var reports = new List<AppBanReport>(report.Targets.Count);
            foreach (var target in report.Targets)
            {
                var run = report.Run ?? new ReportRun();
                var single = new AppBanReport
                {
                    SchemaVersion = report.SchemaVersion ?? AppBanReport.CurrentSchemaVersion,
                    Run = new ReportRun
                    {
                        ModuleVersion = run.ModuleVersion,
                        PolicyName = run.PolicyName,
                        PolicySha256 = run.PolicySha256,
                        PolicyPath = run.PolicyPath,
                        StartTime = run.StartTime,
                        EndTime = run.EndTime,
                        Operator = run.Operator,
                        Host = run.Host,
                        Targets = new List<string> { target.ComputerName },
                        Cancelled = run.Cancelled,
                    },
                    Targets = new List<TargetReport> { target },
                };
                single.Summary = ReportBuilder.Summarize(single);
                reports.Add(single);
            }
            return reports;
        }

        /// <summary>
        /// Writes one device report per target of <paramref name="report"/> into <paramref name="folder"/>, each atomically
        /// (a hidden temporary file in the same folder, renamed over the report). A missing folder is created only when
        /// its parent exists, so that a mistyped or unreachable share is never built up on a local disk, and a share's
        /// root is never created. Never throws for a folder or file problem: each target's result says what happened.
        /// </summary>
        public static IReadOnlyList<DeviceReportWriteResult> Write(AppBanReport report, string folder) =>
            Write(report, folder, Environment.MachineName);

        internal static IReadOnlyList<DeviceReportWriteResult> Write(AppBanReport report, string folder, string localMachineName)
        {
            if (report == null) throw new ArgumentNullException(nameof(report));
            if (string.IsNullOrWhiteSpace(folder)) throw new ArgumentException("A folder is required.", nameof(folder));
            var results = new List<DeviceReportWriteResult>();
            var folderProblem = PrepareFolder(folder, out var fullFolder, out var folderError);
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var single in Split(report))
            {
                var target = single.Targets[0];
                if (folderProblem != null)
                {
                    results.Add(new DeviceReportWriteResult(target.ComputerName, null, folderProblem, folderError));
                    continue;
                }
                if (!TryGetFileName(target, localMachineName, out var fileName, out var reason))
                {
                    results.Add(new DeviceReportWriteResult(target.ComputerName, null, "no file name for its report: " + reason));
                    continue;
                }
                if (!names.Add(fileName))
                {
                    results.Add(new DeviceReportWriteResult(target.ComputerName, null, "another target of this run has the file name " + fileName));
                    continue;
                }
                // The file tells the collector which machine it is about, as its name does.
                if (string.IsNullOrWhiteSpace(target.MachineName))
                {
                    var named = Copy(target);
                    named.MachineName = fileName.Substring(0, fileName.Length - ".json".Length);
                    single.Targets[0] = named;
                }
                var path = Path.Combine(fullFolder, fileName);
                try
                {
                    AtomicFile.Write(path, stream =>
                    {
                        using (var writer = new StreamWriter(stream, ReportWriter.Utf8NoBom, 64 * 1024, leaveOpen: true))
                            JsonReportWriter.Write(single, writer);
                    });
                    results.Add(new DeviceReportWriteResult(target.ComputerName, path, null));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
                {
                    results.Add(new DeviceReportWriteResult(target.ComputerName, null, "cannot write '" + path + "': " + ex.Message, ex));
                }
            }
            return results;
        }

        /// <summary>Null when the folder exists (or was created under an existing parent); else why no report can go there.</summary>
        private static string PrepareFolder(string folder, out string fullFolder, out Exception error)
        {
            error = null;
            fullFolder = null;
            try
            {
                fullFolder = Path.GetFullPath(folder);
                if (Directory.Exists(fullFolder)) return null;
                if (File.Exists(fullFolder)) return "the report folder '" + fullFolder + "' is a file";
                var root = Path.GetPathRoot(fullFolder);
                var parent = Path.GetDirectoryName(fullFolder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
                if (string.IsNullOrEmpty(parent) || string.Equals(fullFolder.TrimEnd('\\', '/'), (root ?? string.Empty).TrimEnd('\\', '/'), StringComparison.OrdinalIgnoreCase))
                    return "the report folder '" + fullFolder + "' cannot be reached";
                if (!Directory.Exists(parent))
                    return "the report folder '" + fullFolder + "' cannot be reached (neither it nor its parent folder exists)";
                Directory.CreateDirectory(fullFolder);
                return null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException
                || ex is ArgumentException || ex is NotSupportedException)
            {
                error = ex;
                return "the report folder '" + (fullFolder ?? folder) + "' cannot be used: " + ex.Message;
            }
        }

        private static bool IsValidName(string name, out string reason)
        {
            if (AppBan.Engine.Inventory.MachineNames.TryValidate(name, out var problem)) { reason = null; return true; }
            reason = "'" + Shorten(name) + "' is refused: " + problem;
            return false;
        }

        // Only the names a local run uses: another loopback address (127.0.1.1) is an address like any other, so that
        // targets reached at different loopback addresses never share this computer's name.
        private static bool IsLocal(string name) =>
            name.Length == 0 || name == "." || string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || name == "127.0.0.1" || name == "::1" || name == "[::1]";

        /// <summary>"host:port" and "[v6]:port" as CimTarget reads them; a bare IPv6 address keeps its colons.</summary>
        internal static string StripPort(string given)
        {
            if (given.StartsWith("[", StringComparison.Ordinal))
            {
                var close = given.IndexOf(']');
                return close > 0 ? given.Substring(0, close + 1) : given;
            }
            var colon = given.IndexOf(':');
            return colon > 0 && colon == given.LastIndexOf(':') ? given.Substring(0, colon) : given;
        }

        private static string Shorten(string text)
        {
            var line = RunSummary.OneLineOf(text ?? string.Empty);
            return line.Length <= 64 ? line : line.Substring(0, 61) + "...";
        }

        private static TargetReport Copy(TargetReport t) => new TargetReport
        {
            ComputerName = t.ComputerName,
            MachineName = t.MachineName,
            Source = t.Source,
            ReportedAt = t.ReportedAt,
            ReportFile = t.ReportFile,
            LastStatus = t.LastStatus,
            Status = t.Status,
            StatusDetail = t.StatusDetail,
            Findings = t.Findings,
            Actions = t.Actions,
            ExemptionChanges = t.ExemptionChanges,
            Errors = t.Errors,
        };
    }
}
