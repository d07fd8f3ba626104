using System;

namespace AppBan.Engine.Exemptions
{
    public enum ExemptionSource { Device, Policy }

    public enum ExemptionStatus { Active, Expired, NotYetValid }

    /// <summary>
    /// One exemption, from either store. A rule id of "*" lifts every rule. Who it covers: a user (SID and/or
    /// DOMAIN\name), a computer (name or wildcard), or both; at least one of them is set.
    /// </summary>
    public sealed class Exemption
    {
        public string Id { get; set; }
        public string RuleId { get; set; }
        public string UserSid { get; set; }
        public string UserName { get; set; }
        /// <summary>Computer name or wildcard pattern; for device exemptions, the device it was read from.</summary>
        public string ComputerName { get; set; }
        public string Reason { get; set; }
        public string ApprovedBy { get; set; }
        public DateTimeOffset? GrantedOn { get; set; }
        /// <summary>Null means it never expires.</summary>
        public DateTimeOffset? Expires { get; set; }
        /// <summary>Null means valid from the moment it is granted.</summary>
        public DateTimeOffset? NotBefore { get; set; }
        public ExemptionSource Source { get; set; }
        /// <summary>Policy exemptions: the file they live in. Device exemptions: the registry key path.</summary>
        public string Location { get; set; }

        public ExemptionStatus StatusAt(DateTimeOffset now)
        {
            if (NotBefore.HasValue && now < NotBefore.Value) return ExemptionStatus.NotYetValid;
            if (Expires.HasValue && now >= Expires.Value) return ExemptionStatus.Expired;
            return ExemptionStatus.Active;
        }
    }
}
