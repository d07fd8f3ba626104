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
        /// <summary>1.1: actions carry a message apart from their error.</summary>
        public const string CurrentSchemaVersion = "1.1";

        public string SchemaVersion { get; set; } = CurrentSchemaVersion;
        public ReportRun Run { get; set; } = new ReportRun();
        public ReportSummary Summary { get; set; } = new ReportSummary();
        public List<TargetReport> Targets { get; set; } = new List<TargetReport>();
        /// <summary>Exemption changes made to a policy file rather than to a device.</summary>
        public List<ReportExemptionChange> PolicyExemptionChanges { get; set; } = new List<ReportExemptionChange>();
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
        /// <summary>Targets per status, every status listed (zero included) so charts need no special cases.</summary>
        public Dictionary<string, int> ByStatus { get; set; } = new Dictionary<string, int>();
        /// <summary>Findings per app (the policy's rule name, else the display name).</summary>
        public Dictionary<string, int> FindingsByApp { get; set; } = new Dictionary<string, int>();
        /// <summary>The unattended-run exit code this report stands for (see <see cref="RunExitCode"/>).</summary>
        public int ExitCode { get; set; }
    }

    public sealed class TargetReport
    {
        public string ComputerName { get; set; }
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
}
