using System;

namespace AppBan.Engine.Exemptions
{
    /// <summary>What an operator asks for when granting an exemption, before validation and user resolution.</summary>
    public sealed class ExemptionRequest
    {
        /// <summary>A rule id of the effective policy, or "*" for every rule.</summary>
        public string RuleId { get; set; }
        /// <summary>DOMAIN\name or a SID; null for a device-wide (or computer-pattern) exemption.</summary>
        public string User { get; set; }
        /// <summary>Policy exemptions only: a computer name or wildcard pattern.</summary>
        public string Computer { get; set; }
        public string Reason { get; set; }
        public string ApprovedBy { get; set; }
        public DateTimeOffset? Expires { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
    }
}
