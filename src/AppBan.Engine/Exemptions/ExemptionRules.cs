using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AppBan.Engine.Text;

namespace AppBan.Engine.Exemptions
{
    /// <summary>One thing wrong with an exemption. ErrorId is stable: cmdlets use it as their ErrorRecord id.</summary>
    public sealed class ExemptionProblem
    {
        public ExemptionProblem(string errorId, string parameterName, string message)
        {
            ErrorId = errorId;
            ParameterName = parameterName;
            Message = message;
        }

        public string ErrorId { get; }
        /// <summary>The field the problem is about, named as the cmdlet parameter (Reason, Expires, Rule, User, Computer,
        /// NotBefore), or UserSid for the stored SID that no parameter sets directly.</summary>
        public string ParameterName { get; }
        public string Message { get; }
        public override string ToString() => Message;
    }

    /// <summary>
    /// The rules every exemption obeys, wherever it comes from: a grant (Grant-AppExemption, through
    /// <see cref="ExemptionValidator"/>), an entry of a policy file's "exemptions", or a device exemption read from a
    /// target's registry. A stored exemption that breaks one is refused (policy file) or ignored (device), so no store
    /// holds an exemption the cmdlet could not have granted. Each check returns null when the value is fine.
    /// </summary>
    internal static class ExemptionRules
    {
        public const string AnyRule = "*";
        public const int MaxReasonLength = 2000;


        /// <summary>Not blank, at most <see cref="MaxReasonLength"/> characters, no NUL.</summary>
        public static ExemptionProblem CheckReason(string reason)
        {
            if (string.IsNullOrWhiteSpace(reason))
                return new ExemptionProblem(ErrorIds.ReasonRequired, "Reason", "A reason is required and must not be blank.");
            if (reason.Length > MaxReasonLength)
                return new ExemptionProblem(ErrorIds.ReasonInvalid, "Reason", "The reason is longer than " + MaxReasonLength + " characters.");
            if (reason.IndexOf('\0') >= 0)
                return new ExemptionProblem(ErrorIds.ReasonInvalid, "Reason", "The reason contains a NUL character.");
            return null;
        }

        /// <summary>
        /// "*" or a rule id. With <paramref name="knownRuleIds"/>, one of them (case-insensitive; <paramref name="canonical"/>
        /// is its declared spelling). Without (a device store, or a finding whose policy is not at hand), the rule id syntax.
        /// </summary>
        public static ExemptionProblem CheckRuleId(string ruleId, IEnumerable<string> knownRuleIds, out string canonical)
        {
            canonical = null;
            if (string.IsNullOrWhiteSpace(ruleId))
                return new ExemptionProblem(ErrorIds.UnknownRule, "Rule", "A rule id is required (or '*' for every rule).");
            if (ruleId == AnyRule)
            {
                canonical = AnyRule;
                return null;
            }
            if (knownRuleIds == null)
            {
                if (RuleIdSyntax.IsValid(ruleId))
                {
                    canonical = ruleId;
                    return null;
                }
                return new ExemptionProblem(ErrorIds.UnknownRule, "Rule", "'" + ruleId + "' is not a rule id: a rule id " + RuleIdSyntax.Description + " (or is '*').");
            }
            var known = knownRuleIds.ToList();
            canonical = known.FirstOrDefault(r => string.Equals(r, ruleId, StringComparison.OrdinalIgnoreCase));
            if (canonical != null) return null;
            return new ExemptionProblem(ErrorIds.UnknownRule, "Rule",
                "The rule '" + ruleId + "' is not in the effective policy. Known rules: " +
                string.Join(", ", known.OrderBy(r => r, StringComparer.OrdinalIgnoreCase)) + " (or '*').");
        }

        /// <summary>DOMAIN\name or a SID, as <see cref="UserReference"/> parses it.</summary>
        public static ExemptionProblem CheckUser(string user, out UserReference parsed) =>
            UserReference.TryParse(user, out parsed, out var error) ? null : new ExemptionProblem(ErrorIds.InvalidUser, "User", error);

        /// <summary>A stored SID is the SID itself: no spaces around it, nothing to trim.</summary>
        public static ExemptionProblem CheckUserSid(string sid) =>
            UserReference.IsValidSid(sid) ? null : new ExemptionProblem(ErrorIds.InvalidUser, "UserSid",
                "'" + sid + "' is not a valid SID: expected S-1-<authority>-<subauthority>... with 1 to 15 numeric subauthorities.");

        /// <summary>A computer name or wildcard pattern (PC-*, kiosk-0?), in the wildcard syntax of policy matchers.</summary>
        public static ExemptionProblem CheckComputer(string computer)
        {
            string detail = null;
            if (string.IsNullOrWhiteSpace(computer)) detail = "it is blank";
            else if (computer.Any(char.IsControl)) detail = "it contains a control character";
            else if (!TextPattern.TryWildcard(computer, out _, out var error)) detail = error;
            return detail == null ? null : new ExemptionProblem(ErrorIds.InvalidComputer, "Computer",
                "'" + computer + "' is not a computer name or wildcard pattern such as PC-* or kiosk-0? (" + detail + ").");
        }

        /// <summary>A policy exemption names a user, a computer, or both; a device exemption covers its device.</summary>
        public static ExemptionProblem CheckSubject(bool namesUser, bool namesComputer) =>
            namesUser || namesComputer ? null : new ExemptionProblem(ErrorIds.MissingSubject, "User",
                "A policy exemption must name a user, a computer, or both.");

        /// <summary>When both are given, NotBefore comes before the expiry.</summary>
        public static ExemptionProblem CheckPeriod(DateTimeOffset? notBefore, DateTimeOffset? expires) =>
            notBefore.HasValue && expires.HasValue && notBefore.Value >= expires.Value
                ? new ExemptionProblem(ErrorIds.NotBeforeAfterExpiry, "NotBefore",
                    "NotBefore " + Format(notBefore.Value) + " is not before the expiry " + Format(expires.Value) + ".")
                : null;

        /// <summary>
        /// Grants only: a new exemption must not be expired already. A stored one that has since expired is history,
        /// not a mistake; it loads and reads as Expired.
        /// </summary>
        public static ExemptionProblem CheckExpiryAtGrant(DateTimeOffset? expires, DateTimeOffset now) =>
            expires.HasValue && expires.Value <= now
                ? new ExemptionProblem(ErrorIds.ExpiryInPast, "Expires",
                    "The expiry " + Format(expires.Value) + " is not in the future (now is " + Format(now) + ").")
                : null;

        /// <summary>
        /// Every rule a stored exemption must meet to be honoured. <paramref name="knownRuleIds"/> is null when the store
        /// cannot know the policy (a device). The policy reader applies the same checks field by field, to give each
        /// problem its line and column.
        /// </summary>
        public static IReadOnlyList<ExemptionProblem> CheckStored(Exemption exemption, IEnumerable<string> knownRuleIds)
        {
            if (exemption == null) throw new ArgumentNullException(nameof(exemption));
            var problems = new List<ExemptionProblem>
            {
                CheckRuleId(exemption.RuleId, knownRuleIds, out _),
                CheckReason(exemption.Reason),
                exemption.UserSid == null ? null : CheckUserSid(exemption.UserSid),
                exemption.UserName == null ? null : CheckUser(exemption.UserName, out _),
                CheckPeriod(exemption.NotBefore, exemption.Expires),
            };
            if (exemption.Source == ExemptionSource.Policy)
            {
                problems.Add(exemption.ComputerName == null ? null : CheckComputer(exemption.ComputerName));
                problems.Add(CheckSubject(exemption.UserSid != null || exemption.UserName != null, exemption.ComputerName != null));
            }
            return problems.Where(p => p != null).ToList();
        }

        private static string Format(DateTimeOffset d) => d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
