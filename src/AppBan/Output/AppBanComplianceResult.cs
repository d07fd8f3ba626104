using System;
using System.Linq;
using System.Management.Automation;
using AppBan.Cmdlets;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;

namespace AppBan.Output
{
    /// <summary>
    /// One target's compliance, as Test-AppBanCompliance writes it: one object per target, failed ones included, so a
    /// report accounts for every target. The status rules are those of <see cref="ComplianceRules.StatusOf"/>.
    /// </summary>
    public sealed class AppBanComplianceResult
    {
        internal AppBanComplianceResult(TargetScanResult scan, string policyName, DateTimeOffset evaluatedAt)
        {
            Scan = scan ?? throw new ArgumentNullException(nameof(scan));
            ComputerName = scan.ComputerName;
            MachineName = scan.MachineName;
            Status = scan.Status;
            IsCompliant = ComplianceRules.IsCompliant(scan.Status);
            ViolationCount = scan.ViolationCount;
            GracePeriodCount = scan.GracePeriodCount;
            ScheduledCount = scan.ScheduledCount;
            Findings = scan.Findings.Select(f => new BannedAppFinding(f)).ToArray();
            ExemptCount = scan.ExemptCount;
            UsersNotScanned = scan.UsersNotScanned.Select(u => u.ToString()).ToArray();
            Warnings = scan.Warnings.ToArray();
            if (scan.Error != null)
            {
                Error = scan.Error.Message;
                ErrorKind = scan.Error.Kind;
                ErrorId = CimErrorRecords.ErrorIdFor(scan.Error.Kind);
                ErrorCategory = CimErrorRecords.CategoryFor(scan.Error.Kind);
            }
            PolicyName = policyName;
            EvaluatedAt = evaluatedAt;
            Duration = scan.Duration;
        }

        public string ComputerName { get; }
        /// <summary>
        /// The name the computer gives itself (read from its registry), beside the name it was reached by; null when the
        /// target was not reached or the name could not be read or was not valid.
        /// </summary>
        public string MachineName { get; }
        /// <summary>Compliant, NonCompliant, Scheduled, Exempt, GracePeriod, Partial, Unreachable or Failed.</summary>
        public ComplianceStatus Status { get; }
        /// <summary>What -Quiet returns: true for Compliant and Exempt only.</summary>
        public bool IsCompliant { get; }
        public int ViolationCount { get; }
        public int GracePeriodCount { get; }
        /// <summary>Findings whose removal waits for their user: a sign-in task, or browser policy not yet applied.</summary>
        public int ScheduledCount { get; }
        /// <summary>Exempt findings: Get-BannedApp hides them unless -IncludeExempt, but they are counted here.</summary>
        public int ExemptCount { get; }
        /// <summary>
        /// What makes the status: every banned app found, exempt ones included, as Get-BannedApp -IncludeExempt writes them.
        /// A report made from Test-AppBanCompliance alone shows the apps behind each host from these.
        /// </summary>
        public BannedAppFinding[] Findings { get; }
        /// <summary>Users whose per-user uninstall entries or Store packages were not read, with why ("carol (S-1-5-21-...): HiveNotLoaded").</summary>
        public string[] UsersNotScanned { get; }
        /// <summary>What could not be read, for a Partial status, and other problems worth knowing.</summary>
        public string[] Warnings { get; }
        /// <summary>Why the scan failed; null when it completed.</summary>
        public string Error { get; }
        public CimErrorKind? ErrorKind { get; }
        /// <summary>The ErrorId of the error record written for this target (TargetUnreachable, AccessDenied, ...).</summary>
        public string ErrorId { get; }
        public ErrorCategory? ErrorCategory { get; }
        public string PolicyName { get; }
        /// <summary>The moment exemptions and the phase-out date were evaluated against (now, or -AsOf).</summary>
        public DateTimeOffset EvaluatedAt { get; }
        public TimeSpan Duration { get; }

        /// <summary>The engine's result behind this object (findings included), for the cmdlets downstream.</summary>
        internal TargetScanResult Scan { get; }

        public override string ToString() => ComputerName + ": " + Status;
    }
}
