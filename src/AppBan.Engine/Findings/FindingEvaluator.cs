using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;

namespace AppBan.Engine.Findings
{
    /// <summary>InstalledApp x policy x exemptions -> findings, one per banned app instance.</summary>
    internal static class FindingEvaluator
    {
        /// <summary>
        /// Evaluates every app against the policy's rules (or only <paramref name="ruleIds"/>, case-insensitive).
        /// An app matched by several rules gives one finding: the first rule, in policy order, that is not
        /// exempted; if all are exempted, the first. Status: Exempt when an Active exemption (policy or device)
        /// covers it, else GracePeriod before the policy's enforceAfter, else Violation.
        /// </summary>
        /// <exception cref="ArgumentException">A rule id in <paramref name="ruleIds"/> is not in the policy.</exception>
        public static IReadOnlyList<Finding> Evaluate(IEnumerable<InstalledApp> apps, AppBanPolicy policy,
            IEnumerable<Exemption> deviceExemptions, IClock clock, IEnumerable<string> ruleIds = null)
        {
            if (apps == null) throw new ArgumentNullException(nameof(apps));
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            if (clock == null) throw new ArgumentNullException(nameof(clock));

            var rules = SelectRules(policy, ruleIds);
            var exemptions = policy.Exemptions.Concat(deviceExemptions ?? Enumerable.Empty<Exemption>()).ToList();
            var now = clock.UtcNow;
            var notExemptStatus = policy.IsInGracePeriod(now) ? FindingStatus.GracePeriod : FindingStatus.Violation;

            var findings = new List<Finding>();
            foreach (var app in apps)
            {
                if (app == null) continue;
                Finding finding = null;
                foreach (var rule in rules)
                {
                    if (!rule.Matches(app)) continue;
                    var exemption = ExemptionMatcher.FindApplicable(exemptions, rule.Id, app, app.ComputerName, now);
                    if (exemption != null)
                    {
                        if (finding == null) finding = NewFinding(app, rule, policy, FindingStatus.Exempt, exemption);
                        continue;
                    }
                    finding = NewFinding(app, rule, policy, notExemptStatus, null);
                    break;
                }
                if (finding != null) findings.Add(finding);
            }
            return findings;
        }

        private static IReadOnlyList<PolicyRule> SelectRules(AppBanPolicy policy, IEnumerable<string> ruleIds)
        {
            if (ruleIds == null) return policy.Rules;
            var wanted = ruleIds.Where(id => !string.IsNullOrEmpty(id)).ToList();
            var unknown = wanted.Where(id => policy.FindRule(id) == null).ToList();
            if (unknown.Count > 0)
                throw new ArgumentException("The policy '" + policy.Name + "' has no rule " + string.Join(", ", unknown.Select(u => "'" + u + "'"))
                    + "; its rules are " + string.Join(", ", policy.Rules.Select(r => r.Id)) + ".", nameof(ruleIds));
            return policy.Rules.Where(r => wanted.Contains(r.Id, StringComparer.OrdinalIgnoreCase)).ToList();
        }

        private static Finding NewFinding(InstalledApp app, PolicyRule rule, AppBanPolicy policy, FindingStatus status, Exemption exemption) =>
            new Finding
            {
                RuleId = rule.Id,
                RuleName = rule.DisplayName,
                App = app,
                Status = status,
                Exemption = exemption,
                EnforceAfter = policy.EnforceAfter,
                PolicyName = policy.Name,
            };
    }
}
