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
    /// One exemption as Get-AppExemption shows it: ComputerName is the target it was read from (device store) and
    /// PolicyPath the file (policy store), so the record pipes into Revoke-AppExemption; Computer is whom it covers.
    /// </summary>
    public sealed class ExemptionRecord
    {
        public string ComputerName { get; set; }
        public string PolicyPath { get; set; }
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
        public ExemptionSource Source { get; set; }
        public ExemptionStatus Status { get; set; }
        public string Location { get; set; }

        public static ExemptionRecord Of(Exemption e, string targetComputerName, DateTimeOffset now)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            return new ExemptionRecord
            {
                ComputerName = e.Source == ExemptionSource.Device ? targetComputerName : null,
                PolicyPath = e.Source == ExemptionSource.Policy ? e.Location : null,
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
                Source = e.Source,
                Status = e.StatusAt(now),
                Location = e.Location,
            };
        }
    }
}
