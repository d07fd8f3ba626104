using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Commands;
using AppBan.Engine.FanOut;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Scan, removal and report in one call, for scheduled tasks and automation accounts: scans every target, removes
    /// the banned apps the policy wants gone, writes the reports and the log, and returns the run's outcome with the
    /// documented exit code. The engine's run and report do the work; this cmdlet approves each target and emits.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "AppBanRemediation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
        DefaultParameterSetName = PolicyPathSet)]
    [OutputType(typeof(AppBanRunOutcome))]
    public sealed class InvokeAppBanRemediationCommand : AppBanTargetCmdlet
    {
        private const string PolicyPathSet = "PolicyPath";
        private const string PolicySet = "Policy";

        // Written on the pipeline thread before the target's work is queued; read by its worker.
        private readonly ConcurrentDictionary<string, bool> removalApproved = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> reportedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private RemediationRun run;
        private RemediationReport report;

        /// <summary>The policy file; without it and -Policy, the built-in policy.</summary>
        [Parameter(ParameterSetName = PolicyPathSet)][ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PolicySet)][ValidateNotNull]
        public AppBanPolicy Policy { get; set; }

        /// <summary>Report files; the extension (.json, .csv, .html) picks each one's format.</summary>
        [Parameter][ValidateNotNullOrEmpty]
        public string[] ReportPath { get; set; }

        /// <summary>A plain-text log the run appends to.</summary>
        [Parameter][ValidateNotNullOrEmpty]
        public string LogPath { get; set; }

        /// <summary>The limit for the whole run in seconds; 0 means none.</summary>
        [Parameter][ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; }

        protected override TimeSpan? RunTimeLimit => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            var policy = Policy ?? PolicyInput.Load(this, PolicyPath);
            var files = (ReportPath ?? Array.Empty<string>()).Select(ReportFile).ToList();
            var log = LogPath == null ? null : new RunLog(SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath));
            report = new RemediationReport(ReportSession.NewBuilder(this), files, log);
            report.Start(policy, MyInvocation.MyCommand.Module?.Version?.ToString() ?? "", TimeoutSec);
            run = new RemediationRun(Runner, new RemediationSettings
            {
                Policy = policy, OperationTimeout = OperationTimeout, OnScanned = report.AddScan,
                OnRemoved = (result, sink) =>
                {
                    var action = report.AddRemoval(result, sink.Target);
                    if (action != null) AuditRemoval(sink.Target, action, policy.Name, policy.Sha256, sink.WriteWarning);
                },
            });
        }

        private KeyValuePair<string, ReportFormat> ReportFile(string path)
        {
            var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!ReportWriter.TryGetFormatFromPath(full, out var format))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Cannot tell the report format from '" + path + "': use a .json, .csv or .html file name."),
                    "ReportFormatUnknown", ErrorCategory.InvalidArgument, path));
            return new KeyValuePair<string, ReportFormat>(full, format);
        }

        protected override bool ShouldProcessTarget(string computerName)
        {
            report.DeclareTarget(computerName);
            // Every target is scanned; the question is whether its banned apps may be removed (-WhatIf, -Confirm).
            removalApproved[computerName] = ShouldProcess(computerName, "Remove banned apps");
            return true;
        }

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var approved = removalApproved.TryGetValue(context.ComputerName, out var yes) && yes;
            await run.ScanAndRemoveAsync(context.Session, approved, context.Sink, context.CancellationToken).ConfigureAwait(false);
            report.TargetEnded(context.ComputerName);
        }

        protected override bool HandleTargetFailure(string computerName, string transport, Exception error, TargetSink sink)
        {
            var (errorId, category) = CimErrorRecords.Classify(error);
            report.TargetFailed(computerName, error, errorId, category.ToString());
            return false; // the base class writes the error record
        }

        // The same error records as Remove-BannedApp: one per failed app, one per unreachable host.
        protected override void WriteResult(object output)
        {
            var error = output is RemovalResult result ? RemovalErrorRecords.For(result, (object)result.Finding ?? result.ComputerName, reportedHosts.Add) : null;
            if (error != null) WriteError(error);
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            if (Stopping) return;
            var end = report.Finish(cancelled: false, timeLimitReached: TimeLimitReached);
            if (TimeLimitReached) WriteWarning("The run's time limit of " + TimeoutSec + " s was reached; the report holds what finished before it.");
            foreach (var timedOut in end.TimedOut)
                WriteError(new ErrorRecord(new TimeoutException(timedOut.Error.Message), timedOut.Error.ErrorId, ErrorCategory.OperationTimeout, timedOut.ComputerName));
            foreach (var failure in end.WriteFailures) WriteError(new ErrorRecord(failure.Value, "ReportWriteFailed", ErrorCategory.WriteError, failure.Key));
            if (end.LogProblem != null) WriteWarning("Cannot write the log " + report.LogPath + ": " + end.LogProblem);
            WriteObject(AppBanRunOutcome.From(end.Report, end.Written.ToArray(), report.LogPath));
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            try { report?.Finish(cancelled: true, timeLimitReached: false); }
            catch (Exception) { /* the stop goes on; nothing can be reported from this thread */ }
        }
    }
}
