using System;

namespace AppBan.Engine.Exemptions
{
    public enum ExemptionAction { Granted, Revoked }

    /// <summary>
    /// The audit record of one grant or revoke, flat so that reports, CSV and JSON take it as it is. Target comes
    /// first: the computer the device store was changed on, or the policy file that was edited.
    /// </summary>
    public sealed class ExemptionChange
    {
        /// <summary>The computer name (device store) or the policy file path (policy store) that was changed.</summary>
        public string Target { get; set; }
        public ExemptionAction Action { get; set; }
        public ExemptionSource Source { get; set; }
        public string Id { get; set; }
        public string RuleId { get; set; }
        public string UserName { get; set; }
        public string UserSid { get; set; }
        /// <summary>The computer the exemption covers: the device itself, or a name or pattern in a policy.</summary>
        public string ComputerName { get; set; }
        public string Reason { get; set; }
        public string ApprovedBy { get; set; }
        public DateTimeOffset? GrantedOn { get; set; }
        public DateTimeOffset? Expires { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
        /// <summary>The account that made the change (DOMAIN\name of the operator running the cmdlet).</summary>
        public string ChangedBy { get; set; }
        public DateTimeOffset ChangedOn { get; set; }
        /// <summary>The registry key or policy file the exemption lives (or lived) in.</summary>
        public string Location { get; set; }

        public static ExemptionChange Of(Exemption e, ExemptionAction action, string target, string changedBy, DateTimeOffset changedOn)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            return new ExemptionChange
            {
                Target = target,
                Action = action,
                Source = e.Source,
                Id = e.Id,
                RuleId = e.RuleId,
                UserName = e.UserName,
                UserSid = e.UserSid,
                ComputerName = e.ComputerName,
                Reason = e.Reason,
                ApprovedBy = e.ApprovedBy,
                GrantedOn = e.GrantedOn,
                Expires = e.Expires,
                NotBefore = e.NotBefore,
                ChangedBy = changedBy,
                ChangedOn = changedOn,
                Location = e.Location,
            };
        }
    }

    /// <summary>
    /// One exemption as Get-AppExemption shows it. Target is where it was read: the computer as it was addressed
    /// (device store) or the policy file (policy store), so the record pipes into Revoke-AppExemption. Computer is
    /// whom it covers: the device's own name, or a computer name or pattern in a policy.
    /// </summary>
    public sealed class ExemptionRecord
    {
        public string Target { get; set; }
        public ExemptionSource Source { get; set; }
        public string Id { get; set; }
        public string RuleId { get; set; }
        public string UserName { get; set; }
        public string UserSid { get; set; }
        public string Computer { get; set; }
        public string Reason { get; set; }
        public string ApprovedBy { get; set; }
        public DateTimeOffset? GrantedOn { get; set; }
        public DateTimeOffset? Expires { get; set; }
        public DateTimeOffset? NotBefore { get; set; }
        public ExemptionStatus Status { get; set; }
        /// <summary>The registry key or policy file the exemption lives in.</summary>
        public string Location { get; set; }

        /// <param name="target">The computer as addressed, for device exemptions; policy exemptions use their file.</param>
        public static ExemptionRecord Of(Exemption e, string target, DateTimeOffset now)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            return new ExemptionRecord
            {
                Target = e.Source == ExemptionSource.Device ? target : e.Location,
                Source = e.Source,
                Id = e.Id,
                RuleId = e.RuleId,
                UserName = e.UserName,
                UserSid = e.UserSid,
                Computer = e.ComputerName,
                Reason = e.Reason,
                ApprovedBy = e.ApprovedBy,
                GrantedOn = e.GrantedOn,
                Expires = e.Expires,
                NotBefore = e.NotBefore,
                Status = e.StatusAt(now),
                Location = e.Location,
            };
        }
    }
}
