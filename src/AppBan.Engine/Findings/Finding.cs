using System;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Findings
{
    /// <summary>
    /// Scheduled: a Violation whose removal AppBan has already set in motion in the user's own context (a sign-in task, or
    /// browser policy that takes effect when the browser next starts); it stays until a later scan no longer finds the app.
    /// </summary>
    public enum FindingStatus { Violation, Exempt, GracePeriod, Scheduled }

    /// <summary>One banned app instance on one target: InstalledApp x Policy x Exemptions.</summary>
    public sealed class Finding
    {
        public string ComputerName => App?.ComputerName;
        /// <summary>The name the target gives itself, as its scan read it; null when it was not read.</summary>
        public string MachineName { get; set; }
        public string RuleId { get; set; }
        public string RuleName { get; set; }
        public InstalledApp App { get; set; }
        public FindingStatus Status { get; set; }
        /// <summary>Null when no exemption applies.</summary>
        public AppBan.Engine.Exemptions.Exemption Exemption { get; set; }
        /// <summary>The policy's phase-out deadline; null means enforce now.</summary>
        public DateTimeOffset? EnforceAfter { get; set; }
        public string PolicyName { get; set; }
        /// <summary>Scheduled findings: when AppBan set the user's own removal in motion, and until when its task waits.</summary>
        public DateTimeOffset? ScheduledAt => ScheduledWork?.Registered;
        public DateTimeOffset? ScheduledUntil => ScheduledWork?.Expires;
        /// <summary>The record of the removal waiting for this finding's user; null unless Scheduled.</summary>
        internal AppBan.Engine.Scheduling.ScheduledWorkRecord ScheduledWork { get; set; }
    }
}
