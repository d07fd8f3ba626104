using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Engine;
using AppBan.Engine.FanOut;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using AppBan.Output;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Scan, removal and report in one call, for scheduled tasks and automation accounts. The engine's run scans every
    /// target and removes what the policy wants gone, its report writes the reports and the log; this cmdlet approves
    /// each target's removals and writes the errors and the outcome (with the documented exit code).
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "AppBanRemediation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PolicyPathSet + ComputerNameSet)]
    [OutputType(typeof(AppBanRunOutcome))]
    public sealed partial class InvokeAppBanRemediationCommand : AppBanTargetCmdlet
    {
        private const string PolicyPathSet = "PolicyPath", PolicySet = "Policy";

        private readonly HashSet<string> reportedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private RemediationRun run;
        private RemediationReport report;
        private string deviceReportFolder;

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet)]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>A built-in policy by name ("TikTok", "ByteDance"), instead of -PolicyPath or -Policy.</summary>
        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet)]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PolicySet + ComputerNameSet)]
        [Parameter(Mandatory = true, ParameterSetName = PolicySet + CimSessionSet)]
        [ValidateNotNull]
        public AppBanPolicy Policy { get; set; }

        [Parameter][ValidateNotNullOrEmpty] public string[] ReportPath { get; set; }
        [Parameter][ValidateNotNullOrEmpty] public string LogPath { get; set; }
        /// <summary>A folder (a collector's share) for each target's device report, &lt;name&gt;.json; nothing else is written there.</summary>
        [Parameter][ValidateNotNullOrEmpty] public string DeviceReportFolder { get; set; }
        [Parameter][ValidateRange(0, int.MaxValue)] public int TimeoutSec { get; set; }
        /// <summary>Do not load signed-out users' hives in the scan (their per-user apps are then not read nor removed).</summary>
        [Parameter] public SwitchParameter SkipSignedOutUsers { get; set; }

        protected override TimeSpan? RunTimeLimit => TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : (TimeSpan?)null;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            var policy = Policy ?? PolicyInput.Load(this, PolicyPath, PolicyName);
            deviceReportFolder = DeviceReportFolder == null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(DeviceReportFolder);
            var log = LogPath == null ? null : new RunLog(SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath));
            report = new RemediationReport(ReportSession.NewBuilder(this), (ReportPath ?? Array.Empty<string>()).Select(p => ReportSession.ReportFile(this, p)).ToList(), log);
            report.Start(policy, MyInvocation.MyCommand.Module?.Version?.ToString() ?? "", TimeoutSec);
            // Each removal is recorded (report, log) and audited on the worker that made it, as it ends.
            run = new RemediationRun(Runner, new RemediationSettings
            {
                Policy = policy, OperationTimeout = OperationTimeout, Report = report, ReadSignedOutProfiles = !SkipSignedOutUsers.IsPresent && !WhatIfMode.IsRequested(this),
                OnRemoved = (result, sink) => AuditRemoval(sink.Target, result, policy.Name, policy.Sha256, sink.WriteWarning),
            });
        }

        // Every target is scanned; the question is whether its banned apps may be removed (-WhatIf, -Confirm).
        protected override bool ShouldProcessTarget(string computerName)
        {
            run.AddTarget(computerName, ShouldProcess(computerName, "Remove banned apps"));
            return true;
        }

        protected override Task ProcessTargetAsync(TargetContext context) => run.ScanAndRemoveAsync(context.Session, context.Sink, context.CancellationToken);

        protected override bool HandleTargetFailure(string computerName, string transport, Exception error, TargetSink sink)
        {
            var (errorId, category) = CimErrorRecords.Classify(error);
            report.TargetFailed(computerName, error, errorId, category.ToString());
            return false; // the base class writes the error record
        }

        // The same error records as Remove-BannedApp: one per failed app, one per unreachable host.
        protected override void WriteResult(object output)
        {
            var error = output is RemovalResult result ? RemovalErrorRecords.For(result, result.Finding, reportedHosts.Add) : null;
            if (error != null) WriteError(error);
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            if (Stopping) return;
            var end = report.Finish(cancelled: false, timeLimitReached: TimeLimitReached);
            foreach (var warning in end.Warnings) WriteWarning(warning);
            foreach (var t in end.TimedOut) WriteError(new ErrorRecord(new TimeoutException(t.Error.Message), t.Error.ErrorId, ErrorCategory.OperationTimeout, t.ComputerName));
            foreach (var failure in end.WriteFailures) WriteError(new ErrorRecord(failure.Value, ErrorIds.ReportWriteFailed, ErrorCategory.WriteError, failure.Key));
            var outcome = AppBanRunOutcome.From(end.Report, end.Written.ToArray(), report.LogPath);
            if (deviceReportFolder != null) WriteDeviceReports(end.Report, outcome);
            WriteObject(outcome);
        }

        // After the run, so that a share that cannot be reached costs the run nothing; like -ReportPath, also under -WhatIf.
        private void WriteDeviceReports(AppBanReport finished, AppBanRunOutcome outcome)
        {
            var problems = new List<string>();
            var results = DeviceReportWriter.Write(finished, deviceReportFolder);
            foreach (var result in results.Where(r => !r.Written))
            {
                problems.Add(result.ComputerName + ": " + result.Error);
                WriteError(new ErrorRecord(new System.IO.IOException(result.Error, result.Exception), ErrorIds.DeviceReportNotWritten, ErrorCategory.WriteError, result.ComputerName)
                {
                    ErrorDetails = new ErrorDetails("The device report of " + result.ComputerName + " was not written: " + result.Error),
                });
            }
            if (results.Count == 0) problems.Add("the run has no target to report on");
            if (problems.Count > 0) outcome.ReportNotDelivered(string.Join("; ", problems));
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            try { report?.Finish(cancelled: true, timeLimitReached: false); }
            catch (Exception) { /* the stop goes on; nothing can be reported from this thread */ }
        }
    }
}
