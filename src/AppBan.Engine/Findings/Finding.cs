using System;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Findings
{
    public enum FindingStatus { Violation, Exempt, GracePeriod }

    /// <summary>One banned app instance on one target: InstalledApp x Policy x Exemptions.</summary>
    public sealed class Finding
    {
        public string ComputerName => App?.ComputerName;
        public string RuleId { get; set; }
        public string RuleName { get; set; }
        public InstalledApp App { get; set; }
        public FindingStatus Status { get; set; }
        /// <summary>Null when no exemption applies.</summary>
        public AppBan.Engine.Exemptions.Exemption Exemption { get; set; }
        /// <summary>The policy's phase-out deadline; null means enforce now.</summary>
        public DateTimeOffset? EnforceAfter { get; set; }
        public string PolicyName { get; set; }
    }
}
