using System;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Remediation;

namespace AppBan.Engine.Reporting
{
    /// <summary>Turns the engine's own result types into report records.</summary>
    public static class ReportRecords
    {
        /// <summary>A removal result as a report action (and as the audit trail words it).</summary>
        /// <param name="computerName">The computer the removal ran on, for a result that does not name it.</param>
        public static ReportAction FromRemoval(RemovalResult result, string computerName = null)
        {
            if (result == null) throw new ArgumentNullException(nameof(result));
            var action = ReportInput.ToAction(DictionaryPropertySource.FromObject(result));
            if (string.IsNullOrEmpty(action.ComputerName)) action.ComputerName = computerName;
            return action;
        }

        /// <summary>An exemption grant or revoke as a report's exemption change (and as the audit trail words it).</summary>
        public static ReportExemptionChange FromExemptionChange(ExemptionChange change)
        {
            if (change == null) throw new ArgumentNullException(nameof(change));
            return ReportInput.ToExemptionChange(DictionaryPropertySource.FromObject(change));
        }

        public static ReportFinding FromFinding(Finding finding)
        {
            if (finding == null) throw new ArgumentNullException(nameof(finding));
            var app = finding.App;
            return new ReportFinding
            {
                ComputerName = finding.ComputerName,
                RuleId = finding.RuleId,
                RuleName = finding.RuleName,
                AppName = app == null ? null : FirstNonEmpty(app.DisplayName, app.PackageName, app.KeyName),
                Version = app?.DisplayVersion,
                Publisher = app?.Publisher,
                Kind = app?.Kind.ToString(),
                Scope = app?.Scope.ToString(),
                UserName = app?.UserName,
                UserSid = app?.UserSid,
                Status = finding.Status.ToString(),
                ExemptionId = finding.Exemption?.Id,
                ExemptionExpires = finding.Exemption?.Expires,
                ExemptionReason = finding.Exemption?.Reason,
                ExemptionApprovedBy = finding.Exemption?.ApprovedBy,
                EnforceAfter = finding.EnforceAfter,
                Location = app == null ? null : FirstNonEmpty(app.KeyPath, app.PackageFullName),
            };
        }

        /// <summary>
        /// Classifies a removal status word. Anything that is not clearly "gone" or clearly "not attempted on
        /// purpose" counts as a failure, so an unknown word can never make a run look compliant.
        /// </summary>
        public static ActionOutcome ClassifyActionStatus(string status)
        {
            switch ((status ?? string.Empty).Trim().ToLowerInvariant())
            {
                case "removed":
                case "alreadyabsent":
                case "rebootrequired":
                case "succeeded":
                case "success":
                    return ActionOutcome.Removed;
                case "scheduled":
                    return ActionOutcome.Scheduled;
                case "refused":
                case "requiresuseraction":
                case "skippedexempt":
                case "skippedgraceperiod":
                case "skipped":
                case "whatif":
                    return ActionOutcome.Refused;
                default:
                    // Failed, TimedOut, and any word this build does not know.
                    return ActionOutcome.Failed;
            }
        }

        /// <summary>A scan's compliance status as a report's target status (the report adds Remediated and NotScanned).</summary>
        public static TargetStatus ToTargetStatus(ComplianceStatus status)
        {
            switch (status)
            {
                case ComplianceStatus.Compliant: return TargetStatus.Compliant;
                case ComplianceStatus.NonCompliant: return TargetStatus.NonCompliant;
                case ComplianceStatus.Exempt: return TargetStatus.Exempt;
                case ComplianceStatus.GracePeriod: return TargetStatus.GracePeriod;
                case ComplianceStatus.Partial: return TargetStatus.Partial;
                case ComplianceStatus.Unreachable: return TargetStatus.Unreachable;
                case ComplianceStatus.Failed: return TargetStatus.Failed;
                case ComplianceStatus.Scheduled: return TargetStatus.Scheduled;
                default: throw new ArgumentOutOfRangeException(nameof(status), status, null);
            }
        }

        public static bool TryParseTargetStatus(string text, out TargetStatus status)
        {
            status = TargetStatus.NotScanned;
            if (string.IsNullOrWhiteSpace(text)) return false;
            var trimmed = text.Trim().Replace("-", string.Empty).Replace(" ", string.Empty);
            if (string.Equals(trimmed, "NotCompliant", StringComparison.OrdinalIgnoreCase)) trimmed = "NonCompliant";
            foreach (TargetStatus candidate in Enum.GetValues(typeof(TargetStatus)))
            {
                if (string.Equals(candidate.ToString(), trimmed, StringComparison.OrdinalIgnoreCase))
                {
                    status = candidate;
                    return true;
                }
            }
            return false;
        }

        internal static string FirstNonEmpty(params string[] values)
        {
            foreach (var value in values)
                if (!string.IsNullOrEmpty(value)) return value;
            return null;
        }
    }
}
