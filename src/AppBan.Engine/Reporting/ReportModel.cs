using System;
using System.Collections.Generic;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// Where a target stands at the end of a run. The first seven are the per-target compliance statuses a scan
    /// reports; Remediated means "compliant after removals in this run"; NotScanned means the target was named
    /// but nothing about it arrived (a cancelled run, or a pipeline that never mentioned it).
    /// </summary>
    public enum TargetStatus
    {
        Compliant,
        Remediated,
        NonCompliant,
        Exempt,
        GracePeriod,
        Partial,
        Unreachable,
        Failed,
        NotScanned,
        /// <summary>No banned app is left unattended, but at least one waits for its user (a sign-in task, browser policy).</summary>
        Scheduled,
        /// <summary>The device's newest report is older than the fleet report allows; <see cref="TargetReport.LastStatus"/> holds what it said.</summary>
        Stale,
        /// <summary>An expected device of a fleet report that no device report and no live result came from.</summary>
        NotReporting,
    }

    /// <summary>How a removal action ended, as far as the exit code and the tiles care.</summary>
    public enum ActionOutcome
    {
        /// <summary>The app is gone (possibly after a reboot).</summary>
        Removed,
        /// <summary>AppBan chose not to act (exempt, grace period, unsafe command, -WhatIf).</summary>
        Refused,
        /// <summary>The removal ran and the app is still there, or it could not run.</summary>
        Failed,
        /// <summary>The removal was set in motion for its user (a sign-in task, browser policy) and is not confirmed yet.</summary>
        Scheduled,
    }

    /// <summary>The whole report: run metadata, one entry per target, and the counts derived from them.</summary>
    public sealed class AppBanReport
    {
        /// <summary>
        /// 1.1: actions carry a message apart from their error. 1.2: machine names, device reports merged into a fleet
        /// report (source, report time, stale and not-reporting devices, rejected files), progress per rule, expiring
        /// exemptions and history. A minor version only adds properties: a reader of 1.x reads any 1.y.
        /// </summary>
        public const string CurrentSchemaVersion = "1.2";

        public string SchemaVersion { get; set; } = CurrentSchemaVersion;
        public ReportRun Run { get; set; } = new ReportRun();
        public ReportSummary Summary { get; set; } = new ReportSummary();
        public List<TargetReport> Targets { get; set; } = new List<TargetReport>();
        /// <summary>Exemption changes made to a policy file rather than to a device.</summary>
        public List<ReportExemptionChange> PolicyExemptionChanges { get; set; } = new List<ReportExemptionChange>();
        /// <summary>Device report files that were not merged, with why (a fleet report lists them instead of stopping).</summary>
        public List<RejectedDeviceReport> RejectedReports { get; set; } = new List<RejectedDeviceReport>();
        /// <summary>Exempt findings whose exemption ends within <see cref="ReportBuilder.ExpiringWithinDays"/> days of the report's end time.</summary>
        public List<ExpiringExemption> ExpiringExemptions { get; set; } = new List<ExpiringExemption>();
        /// <summary>Earlier fleet reports' counts, oldest first, this report's own point last (empty unless a history was given).</summary>
        public List<ReportHistoryPoint> History { get; set; } = new List<ReportHistoryPoint>();
    }

    public sealed class ReportRun
    {
        public string ModuleVersion { get; set; }
        public string PolicyName { get; set; }
        /// <summary>Hex SHA-256 of the policy document as read (as Get-FileHash shows it).</summary>
        public string PolicySha256 { get; set; }
        public string PolicyPath { get; set; }
        public DateTimeOffset StartTime { get; set; }
        public DateTimeOffset EndTime { get; set; }
        /// <summary>DOMAIN\user that ran the module.</summary>
        public string Operator { get; set; }
        /// <summary>The machine the module ran on.</summary>
        public string Host { get; set; }
        /// <summary>Every target the run knew about, in the order first seen.</summary>
        public List<string> Targets { get; set; } = new List<string>();
        /// <summary>True when the run was stopped before it finished; the report holds what finished before.</summary>
        public bool Cancelled { get; set; }
        /// <summary>Device reports merged into this report (0 for a report of live results only).</summary>
        public int DeviceReports { get; set; }
        /// <summary>A device whose newest report is older than this many days is Stale; null when no age was set.</summary>
        public double? StaleAfterDays { get; set; }
    }

    public sealed class ReportSummary
    {
        public int Targets { get; set; }
        /// <summary>Compliant plus Remediated.</summary>
        public int Compliant { get; set; }
        public int Remediated { get; set; }
        /// <summary>NonCompliant plus GracePeriod: a banned app is still installed and not exempt.</summary>
        public int NonCompliant { get; set; }
        public int Exempt { get; set; }
        /// <summary>Targets whose remaining banned apps all wait for their users (TargetStatus.Scheduled).</summary>
        public int Scheduled { get; set; }
        /// <summary>Removals set in motion for their users in this run and not yet confirmed.</summary>
        public int ScheduledActions { get; set; }
        public int Unreachable { get; set; }
        /// <summary>Failed, Partial and NotScanned.</summary>
        public int Failed { get; set; }
        public int Findings { get; set; }
        /// <summary>Apps removed by this run.</summary>
        public int Removed { get; set; }
        public int FailedActions { get; set; }
        public int ExemptionChanges { get; set; }
        /// <summary>Targets with at least one removal that only its user can do (RequiresUserAction).</summary>
        public int RequiresUserAction { get; set; }
        /// <summary>Devices whose newest report is too old (TargetStatus.Stale).</summary>
        public int Stale { get; set; }
        /// <summary>Expected devices nothing came from (TargetStatus.NotReporting).</summary>
        public int NotReporting { get; set; }
        /// <summary>Device report files refused.</summary>
        public int RejectedReports { get; set; }
        /// <summary>Per rule: devices in each state and the days left to the rule's enforceAfter.</summary>
        public List<RuleProgress> Rules { get; set; } = new List<RuleProgress>();
        /// <summary>Targets per status, every status listed (zero included) so charts need no special cases.</summary>
        public Dictionary<string, int> ByStatus { get; set; } = new Dictionary<string, int>();
        /// <summary>Findings per app (the policy's rule name, else the display name).</summary>
        public Dictionary<string, int> FindingsByApp { get; set; } = new Dictionary<string, int>();
        /// <summary>The unattended-run exit code this report stands for (see <see cref="RunExitCode"/>).</summary>
        public int ExitCode { get; set; }
    }

    public sealed class TargetReport
    {
        /// <summary>The target as it was given (a name, an address, "localhost" for a device-side run).</summary>
        public string ComputerName { get; set; }
        /// <summary>
        /// The name the machine gives itself (HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName),
        /// null when it could not be read. A device writes it: it is hostile text like any other read from a target.
        /// </summary>
        public string MachineName { get; set; }
        /// <summary>Live (a result of this session) or DeviceReport (a file a device-side run wrote).</summary>
        public string Source { get; set; }
        /// <summary>When the device's report was made (its run's end time); null for live results.</summary>
        public DateTimeOffset? ReportedAt { get; set; }
        /// <summary>The device report file the target's data came from; null for live results.</summary>
        public string ReportFile { get; set; }
        /// <summary>For a Stale device, the status its newest report gave; null otherwise.</summary>
        public TargetStatus? LastStatus { get; set; }
        public TargetStatus Status { get; set; }
        /// <summary>A short human reason for the status (e.g. the unreachable error's message); may be null.</summary>
        public string StatusDetail { get; set; }
        public List<ReportFinding> Findings { get; set; } = new List<ReportFinding>();
        public List<ReportAction> Actions { get; set; } = new List<ReportAction>();
        public List<ReportExemptionChange> ExemptionChanges { get; set; } = new List<ReportExemptionChange>();
        public List<ReportError> Errors { get; set; } = new List<ReportError>();
    }

    /// <summary>
    /// One banned app instance on a target. AppName, Version, Publisher, UserName and Location can come from
    /// locations an unprivileged user can write: every writer treats them as hostile text.
    /// </summary>
    public sealed class ReportFinding
    {
        public string ComputerName { get; set; }
        public string RuleId { get; set; }
        public string RuleName { get; set; }
        public string AppName { get; set; }
        public string Version { get; set; }
        public string Publisher { get; set; }
        public string Kind { get; set; }
        public string Scope { get; set; }
        public string UserName { get; set; }
        public string UserSid { get; set; }
        /// <summary>Violation, Exempt or GracePeriod.</summary>
        public string Status { get; set; }
        public string ExemptionId { get; set; }
        public DateTimeOffset? ExemptionExpires { get; set; }
        /// <summary>Why the exemption was granted and who approved it (as the exemption store holds them).</summary>
        public string ExemptionReason { get; set; }
        public string ExemptionApprovedBy { get; set; }
        public DateTimeOffset? EnforceAfter { get; set; }
        /// <summary>Registry key path or package full name the finding was read from.</summary>
        public string Location { get; set; }
    }

    /// <summary>One removal attempt (or a refusal to attempt one).</summary>
    public sealed class ReportAction
    {
        public string ComputerName { get; set; }
        public string AppName { get; set; }
        public string Version { get; set; }
        public string Kind { get; set; }
        public string UserSid { get; set; }
        public string Method { get; set; }
        public string CommandLine { get; set; }
        public long? ExitCode { get; set; }
        /// <summary>The status as the removal reported it (e.g. Removed, Failed, Refused).</summary>
        public string Status { get; set; }
        public ActionOutcome Outcome { get; set; }
        public bool RebootRequired { get; set; }
        public double? DurationSeconds { get; set; }
        /// <summary>Why the removal failed, timed out or was refused; null for every other status.</summary>
        public string Error { get; set; }
        /// <summary>What happened when it is not a failure (what the user must do, what the uninstaller said).</summary>
        public string Message { get; set; }
        public DateTimeOffset? Time { get; set; }
    }

    /// <summary>One exemption granted or revoked.</summary>
    public sealed class ReportExemptionChange
    {
        /// <summary>The device whose exemption store changed; null for a change to a policy file.</summary>
        public string ComputerName { get; set; }
        /// <summary>What happened (Granted, Revoked).</summary>
        public string Change { get; set; }
        /// <summary>Device or Policy.</summary>
        public string Source { get; set; }
        public string ExemptionId { get; set; }
        public string RuleId { get; set; }
        public string UserName { get; set; }
        public string UserSid { get; set; }
        /// <summary>The computer name or pattern the exemption covers.</summary>
        public string CoveredComputer { get; set; }
        public string Reason { get; set; }
        public string ApprovedBy { get; set; }
        public DateTimeOffset? GrantedOn { get; set; }
        public DateTimeOffset? Expires { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
        public string ChangedBy { get; set; }
        public DateTimeOffset? Time { get; set; }
        /// <summary>The registry key or policy file the exemption lives (or lived) in.</summary>
        public string Location { get; set; }
    }

    public sealed class ReportError
    {
        public string ErrorId { get; set; }
        public string Category { get; set; }
        public string Message { get; set; }
        /// <summary>The app the error is about, when it is about one.</summary>
        public string AppName { get; set; }
        public DateTimeOffset? Time { get; set; }
    }

    /// <summary>A device report file that was not merged, and why. The path is the collector's; the reason is AppBan's own text.</summary>
    public sealed class RejectedDeviceReport
    {
        public string Path { get; set; }
        public string Reason { get; set; }
        public long? Size { get; set; }
        public DateTimeOffset? LastWriteTime { get; set; }
        public override string ToString() => Path + ": " + Reason;
    }

    /// <summary>
    /// One rule's progress across the devices of a report. Each device with data counts once per rule, in the first of:
    /// Violation, RequiresUserAction, Scheduled, GracePeriod, Exempt, Clean. NoData counts devices that were not read
    /// (Unreachable, Failed, NotScanned, NotReporting).
    /// </summary>
    public sealed class RuleProgress
    {
        public string RuleId { get; set; }
        public string RuleName { get; set; }
        /// <summary>The rule's phase-out date, from the policy when one was given, else from the findings.</summary>
        public DateTimeOffset? EnforceAfter { get; set; }
        /// <summary>Whole days from the report's end time to EnforceAfter (negative once past); null without a date.</summary>
        public int? DaysLeft { get; set; }
        public int Violation { get; set; }
        public int RequiresUserAction { get; set; }
        public int Scheduled { get; set; }
        public int GracePeriod { get; set; }
        public int Exempt { get; set; }
        public int Clean { get; set; }
        public int NoData { get; set; }
    }

    /// <summary>An exemption that ends soon, from an Exempt finding.</summary>
    public sealed class ExpiringExemption
    {
        public string ComputerName { get; set; }
        public string RuleId { get; set; }
        public string RuleName { get; set; }
        public string AppName { get; set; }
        public string UserName { get; set; }
        public string UserSid { get; set; }
        public string ExemptionId { get; set; }
        public DateTimeOffset Expires { get; set; }
        public int DaysLeft { get; set; }
        public string Reason { get; set; }
        public string ApprovedBy { get; set; }
    }

    /// <summary>A fleet report's counts at one moment, for the chart of progress over time.</summary>
    public sealed class ReportHistoryPoint
    {
        public DateTimeOffset Time { get; set; }
        public int Devices { get; set; }
        /// <summary>Devices with at least one violation (RequiresUserAction included: the app is still there and nothing removes it).</summary>
        public int Violation { get; set; }
        public int GracePeriod { get; set; }
        public int Scheduled { get; set; }
        public int Exempt { get; set; }
        public int Clean { get; set; }
        public int NoData { get; set; }
        /// <summary>The earliest enforceAfter among the report's rules that is still ahead or most recently passed.</summary>
        public DateTimeOffset? Deadline { get; set; }
    }
}
