using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// What one grant command grants: the request template built from its parameters and checked by the rules of its
    /// mode (device or policy store; its own rule and user, or findings that bring theirs), then the pending grants.
    /// </summary>
    public sealed class ExemptionGrantPlan
    {
        private readonly IReadOnlyList<string> findingRuleIds;
        private readonly IClock clock;

        /// <param name="fromFindings">Findings bring rule, user and computer: what every grant shares is checked now, the rest per finding.</param>
        /// <param name="policyRuleIds">The rule ids of the effective policy.</param>
        /// <param name="policyGiven">The operator named the policy: only then are a device grant's finding rule ids
        /// checked against it (a finding's rule came from the policy that produced it). A policy file always checks.</param>
        public ExemptionGrantPlan(ExemptionRequest template, ExemptionSource store, bool fromFindings,
            IEnumerable<string> policyRuleIds, bool policyGiven, IClock clock)
        {
            Template = template ?? throw new ArgumentNullException(nameof(template));
            this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
            Store = store;
            var ruleIds = policyRuleIds?.ToList();
            findingRuleIds = policyGiven || store == ExemptionSource.Policy ? ruleIds : null;
            Check = fromFindings
                ? ExemptionValidator.ValidateReasonAndDates(template, clock)
                : ExemptionValidator.Validate(template, store, ruleIds, clock);
        }

        public ExemptionRequest Template { get; }
        public ExemptionSource Store { get; }
        /// <summary>The template's check: its errors stop the command before anything is written; its warnings are shown.</summary>
        public ExemptionValidationResult Check { get; }

        /// <summary>The grant the parameters name (their rule, user and computer); valid once <see cref="Check"/> is.</summary>
        public PendingGrant Single => new PendingGrant(Template, Check.User, null, Check.User?.ToString());

        /// <summary>
        /// The findings' grants (one per computer, rule and user, see <see cref="ExemptionGrants.FromFindings{T}"/>);
        /// each refused one goes to <paramref name="refused"/> with its first finding and is left out.
        /// </summary>
        public IReadOnlyList<PendingGrant> PendingFromFindings<T>(IEnumerable<T> findings, Func<T, GrantSubject> subjectOf,
            Action<T, ExemptionValidationResult> refused)
        {
            if (refused == null) throw new ArgumentNullException(nameof(refused));
            var pending = new List<PendingGrant>();
            foreach (var grant in ExemptionGrants.FromFindings(findings, subjectOf, Template, Store, findingRuleIds, clock))
            {
                if (!grant.Check.IsValid) refused(grant.Finding, grant.Check);
                else pending.Add(new PendingGrant(grant.Request, grant.Check.User, grant.Subject.ComputerName, grant.Subject.UserLabel));
            }
            return pending;
        }

        /// <summary>The template as the command's parameters give it; dates not given are null.</summary>
        public static ExemptionRequest TemplateFrom(string ruleId, string user, string computer, string reason, string approvedBy,
            DateTime? expires, DateTime? notBefore) =>
            new ExemptionRequest
            {
                RuleId = ruleId,
                User = user,
                Computer = computer,
                Reason = reason,
                ApprovedBy = approvedBy,
                Expires = ToOffset(expires),
                NotBefore = ToOffset(notBefore),
            };

        /// <summary>A date as typed in PowerShell: one without a kind ("2027-01-31") is local time, as Get-Date reads it.</summary>
        public static DateTimeOffset? ToOffset(DateTime? value)
        {
            if (!value.HasValue) return null;
            var d = value.Value;
            if (d.Kind == DateTimeKind.Unspecified) d = DateTime.SpecifyKind(d, DateTimeKind.Local);
            return new DateTimeOffset(d);
        }
    }
}
