using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// The documented exit codes of an unattended run (scheduled task, automation account). Only 0 is shared with
    /// PowerShell's own codes: <c>powershell.exe -File</c> and <c>pwsh -File</c> exit 1 when the script cannot run
    /// (execution policy, a parse error) or stops on an uncaught error, and Task Scheduler shows 0x1 for many generic
    /// failures, so no outcome of a run that happened is 1. The others sit in a block of their own (10 to 13), so that
    /// no code of module 0.1.0 (which used 1 to 4) means something else now (docs/scheduled-task.md, "Compatibility").
    /// 10 to 13 are in severity order: the worst condition wins. 14 (a device report not delivered) replaces only 0, 10 and 11.
    /// </summary>
    public enum UnattendedExitCode
    {
        /// <summary>Every target is compliant and nothing was removed.</summary>
        Compliant = 0,
        /// <summary>Banned apps were removed and every target is now compliant (was 1).</summary>
        Remediated = 10,
        /// <summary>
        /// A banned app remains on a reachable target: exempt, in its grace period, waiting for its user (Scheduled), or
        /// removal refused (was 2).
        /// </summary>
        NonCompliantRemains = 11,
        /// <summary>A target could not be scanned or a removal failed (or the run was cancelled) (was 3).</summary>
        TargetsFailed = 12,
        /// <summary>The input was invalid (policy file, parameters); nothing was scanned (was 4).</summary>
        BadInput = 13,
        /// <summary>
        /// The run itself ended 0, 10 or 11, but its device report could not be written to the report folder (a share
        /// unreachable, access denied). Not part of the severity order: 12 and 13 are worse and stay.
        /// </summary>
        ReportNotDelivered = 14,
    }

    /// <summary>The one place that turns a run's outcome into an exit code. The worst condition wins.</summary>
    internal static class RunExitCode
    {
        public static UnattendedExitCode For(AppBanReport report)
        {
            if (report == null || report.Targets.Count == 0) return UnattendedExitCode.TargetsFailed;
            var code = For(report.Targets);
            if (report.Run != null && report.Run.Cancelled && code < UnattendedExitCode.TargetsFailed)
                return UnattendedExitCode.TargetsFailed;
            return code;
        }

        public static UnattendedExitCode For(IEnumerable<TargetReport> targets)
        {
            var list = targets.ToList();
            if (list.Count == 0) return UnattendedExitCode.TargetsFailed;
            var actions = list.SelectMany(t => t.Actions).ToList();

            if (list.Any(t => IsFailure(t.Status)) || actions.Any(a => a.Outcome == ActionOutcome.Failed))
                return UnattendedExitCode.TargetsFailed;
            if (list.Any(t => IsRemaining(t.Status)) || actions.Any(a => a.Outcome == ActionOutcome.Refused || a.Outcome == ActionOutcome.Scheduled))
                return UnattendedExitCode.NonCompliantRemains;
            if (list.Any(t => t.Status == TargetStatus.Remediated) || actions.Any(a => a.Outcome == ActionOutcome.Removed))
                return UnattendedExitCode.Remediated;
            return UnattendedExitCode.Compliant;
        }

        /// <summary>The code of a run whose device report was not delivered: 14 in place of 0, 10 or 11; 12 and 13 stay.</summary>
        public static UnattendedExitCode WithReportNotDelivered(UnattendedExitCode code) =>
            code == UnattendedExitCode.TargetsFailed || code == UnattendedExitCode.BadInput ? code : UnattendedExitCode.ReportNotDelivered;

        internal static bool IsFailure(TargetStatus status) =>
            status == TargetStatus.Unreachable || status == TargetStatus.Failed
            || status == TargetStatus.Partial || status == TargetStatus.NotScanned
            || status == TargetStatus.Stale || status == TargetStatus.NotReporting;

        internal static bool IsRemaining(TargetStatus status) =>
            status == TargetStatus.NonCompliant || status == TargetStatus.Exempt || status == TargetStatus.GracePeriod
            || status == TargetStatus.Scheduled;
    }
}
