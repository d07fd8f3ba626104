using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;

namespace AppBan.Engine.Reporting
{
    /// <summary>What the end of an unattended run wrote, and what it could not.</summary>
    public sealed class RemediationReportEnd
    {
        internal RemediationReportEnd(AppBanReport report, IReadOnlyList<string> written, IReadOnlyList<KeyValuePair<string, Exception>> writeFailures,
            IReadOnlyList<ReportFailure> timedOut, IReadOnlyList<string> warnings)
        {
            Report = report;
            Written = written;
            WriteFailures = writeFailures;
            TimedOut = timedOut;
            Warnings = warnings;
        }

        public AppBanReport Report { get; }
        /// <summary>The report files written, in the order given.</summary>
        public IReadOnlyList<string> Written { get; }
        /// <summary>Each report file that could not be written, with why.</summary>
        public IReadOnlyList<KeyValuePair<string, Exception>> WriteFailures { get; }
        /// <summary>The targets the time limit cut short, each with the error the report holds for it.</summary>
        public IReadOnlyList<ReportFailure> TimedOut { get; }
        /// <summary>What the operator should know about the end: the time limit reached, a log that could not be written.</summary>
        public IReadOnlyList<string> Warnings { get; }
    }

    /// <summary>One target's error, as the report holds it.</summary>
    public sealed class ReportFailure
    {
        public ReportFailure(string computerName, ReportError error) { ComputerName = computerName; Error = error; }
        public string ComputerName { get; }
        public ReportError Error { get; }
    }

    /// <summary>
    /// The report, run log and exit code of one unattended remediation run (Invoke-AppBanRemediation). Fed from worker
    /// threads as targets are scanned and apps removed; written once, when the run ends or is stopped.
    /// </summary>
    public sealed class RemediationReport : IRemediationRecorder
    {

        private readonly ReportBuilder builder;
        private readonly RunLog log;
        private readonly IReadOnlyList<KeyValuePair<string, ReportFormat>> files;
        private readonly ConcurrentQueue<string> declared = new ConcurrentQueue<string>();
        private readonly ConcurrentDictionary<string, bool> ended = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        private int finished, timeLimitSec;

        /// <param name="files">The report files (full paths) and their formats.</param>
        /// <param name="log">The run log; null for none.</param>
        public RemediationReport(ReportBuilder builder, IEnumerable<KeyValuePair<string, ReportFormat>> files, RunLog log)
        {
            this.builder = builder ?? throw new ArgumentNullException(nameof(builder));
            this.files = (files ?? Enumerable.Empty<KeyValuePair<string, ReportFormat>>()).ToList();
            this.log = log;
        }

        public string LogPath => log?.Path;

        /// <summary>Names the policy and writes the log's first line.</summary>
        public void Start(AppBanPolicy policy, string moduleVersion, int timeLimitSec)
        {
            this.timeLimitSec = timeLimitSec;
            builder.SetPolicy(policy.Name, policy.Sha256, policy.Source);
            log?.Write("AppBan " + moduleVersion + " run started by " + builder.Build().Run.Operator + " on " + Environment.MachineName +
                       "; policy " + policy.Name + " (SHA-256 " + policy.Sha256 + ", " + policy.Source + ")" +
                       (timeLimitSec > 0 ? "; time limit " + timeLimitSec + " s" : ""));
        }

        /// <summary>A target of the run, so that it appears in the report whatever happens to it.</summary>
        public void DeclareTarget(string computerName)
        {
            declared.Enqueue(computerName);
            builder.DeclareTargets(new[] { computerName });
        }

        public void AddScan(TargetScanResult scan)
        {
            foreach (var finding in scan.Findings) builder.AddFinding(ReportRecords.FromFinding(finding));
            builder.NoteMachineName(scan.ComputerName, scan.MachineName);
            builder.SetTargetStatus(scan.ComputerName, ReportRecords.ToTargetStatus(scan.Status),
                scan.Error?.Message ?? (scan.Warnings.Count > 0 ? scan.Warnings[0] : null));
        }

        /// <summary>Records and logs one removal; false for an exempt or grace-period finding, which the findings already explain.</summary>
        public bool AddRemoval(RemovalResult result, string computerName)
        {
            if (result.Status == RemovalStatus.SkippedExempt || result.Status == RemovalStatus.SkippedGracePeriod) return false;
            var action = ReportRecords.FromRemoval(result, computerName);
            action.Time = builder.Clock.UtcNow;
            builder.AddAction(action);
            log?.WriteAction(action);
            return true;
        }

        /// <summary>The target's work ended (its failures, if any, are recorded).</summary>
        public void TargetEnded(string computerName) => ended[computerName] = true;

        /// <summary>The target could not be opened or scanned, or its work failed; the error keeps the id and category it was reported with.</summary>
        public void TargetFailed(string computerName, Exception error, string errorId, string category)
        {
            builder.AddError(computerName, new ReportError { ErrorId = errorId, Category = category, Message = error.Message });
            var cim = error as CimException;
            if (cim?.Kind == CimErrorKind.Unreachable) builder.SetTargetStatus(computerName, TargetStatus.Unreachable, error.Message);
            else if (cim == null) builder.SetTargetStatus(computerName, TargetStatus.Failed, error.Message);
            TargetEnded(computerName);
        }

        /// <summary>
        /// Writes the reports and the end of the log, once: a second call (the stop after the end, or the end after a
        /// stop) returns null. When the time limit was reached, every target not done is Failed (RunTimeLimitReached).
        /// </summary>
        public RemediationReportEnd Finish(bool cancelled, bool timeLimitReached)
        {
            if (Interlocked.Exchange(ref finished, 1) == 1) return null;
            if (cancelled || timeLimitReached) builder.MarkCancelled();
            var timedOut = new List<ReportFailure>();
            var warnings = new List<string>();
            if (timeLimitReached)
            {
                warnings.Add("The run's time limit of " + timeLimitSec + " s was reached; the report holds what finished before it.");
                foreach (var computer in declared.Distinct(StringComparer.OrdinalIgnoreCase).Where(c => !ended.ContainsKey(c)))
                {
                    var error = new ReportError
                    {
                        ErrorId = ErrorIds.RunTimeLimitReached,
                        Category = "OperationTimeout",
                        Message = computer + ": the run's time limit was reached before this computer was done.",
                    };
                    builder.AddError(computer, error);
                    builder.SetTargetStatus(computer, TargetStatus.Failed, "The run's time limit was reached.");
                    timedOut.Add(new ReportFailure(computer, error));
                }
            }
            var report = builder.Build();
            var written = new List<string>();
            var failures = new List<KeyValuePair<string, Exception>>();
            foreach (var file in files)
            {
                try
                {
                    ReportWriter.Write(report, file.Key, file.Value);
                    written.Add(file.Key);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
                {
                    failures.Add(new KeyValuePair<string, Exception>(file.Key, ex));
                    log?.Write("Cannot write the report " + file.Key + ": " + ex.Message);
                }
            }
            if (log != null)
            {
                foreach (var target in report.Targets) log.WriteTarget(target);
                log.Write("Run ended. " + RunSummary.OneLine(report));
            }
            if (log?.Problem != null) warnings.Add("Cannot write the log " + log.Path + ": " + log.Problem);
            return new RemediationReportEnd(report, written, failures, timedOut, warnings);
        }
    }
}
