using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Reporting
{
    /// <summary>Where each device stands on a rule, worst first: a device counts once per rule, in its worst state.</summary>
    internal enum RuleState { Violation, RequiresUserAction, Scheduled, GracePeriod, Exempt, Clean, NoData }

    /// <summary>Progress toward the deadline, derived from a report's targets: per rule, over time, and exemptions ending soon.</summary>
    internal static class ReportProgress
    {
        /// <summary>
        /// One row per rule: the policy's rules (given) in their order, then rules only findings name. A device that was
        /// not read (or read only in part, for a rule it has no finding of) counts as NoData, never as Clean.
        /// </summary>
        public static List<RuleProgress> Rules(AppBanReport report, IReadOnlyList<RuleProgress> policyRules, DateTimeOffset now)
        {
            var rows = new List<RuleProgress>();
            var byId = new Dictionary<string, RuleProgress>(StringComparer.OrdinalIgnoreCase);
            RuleProgress Row(string id, string name)
            {
                if (byId.TryGetValue(id, out var row))
                {
                    if (string.IsNullOrEmpty(row.RuleName) && !string.IsNullOrEmpty(name)) row.RuleName = name;
                    return row;
                }
                row = new RuleProgress { RuleId = id, RuleName = name };
                byId.Add(id, row);
                rows.Add(row);
                return row;
            }
            foreach (var rule in policyRules ?? Array.Empty<RuleProgress>())
                Row(rule.RuleId, rule.RuleName).EnforceAfter = rule.EnforceAfter;
            foreach (var finding in report.Targets.SelectMany(t => t.Findings))
            {
                var row = Row(RuleKey(finding), finding.RuleName);
                if (!row.EnforceAfter.HasValue && finding.EnforceAfter.HasValue && !IsPolicyRule(policyRules, row.RuleId))
                    row.EnforceAfter = finding.EnforceAfter;
            }

            foreach (var target in report.Targets)
            {
                var states = StatesOf(target);
                foreach (var row in rows)
                {
                    RuleState state;
                    if (!states.TryGetValue(row.RuleId, out state))
                        state = !ReportBuilder.HasData(target.Status) || target.Status == TargetStatus.Partial ? RuleState.NoData : RuleState.Clean;
                    Count(row, state);
                }
            }
            foreach (var row in rows)
                row.DaysLeft = row.EnforceAfter.HasValue ? (int?)(row.EnforceAfter.Value.UtcDateTime.Date - now.UtcDateTime.Date).Days : null;
            return rows;
        }

        private static bool IsPolicyRule(IReadOnlyList<RuleProgress> policyRules, string id) =>
            policyRules != null && policyRules.Any(r => string.Equals(r.RuleId, id, StringComparison.OrdinalIgnoreCase));

        /// <summary>The rule a finding belongs to: its id, else its name or app (a finding from a hand-made result).</summary>
        private static string RuleKey(ReportFinding finding) =>
            !string.IsNullOrWhiteSpace(finding.RuleId) ? finding.RuleId : ReportBuilder.AppLabel(finding);

        /// <summary>The worst state of each rule a target has findings for.</summary>
        internal static Dictionary<string, RuleState> StatesOf(TargetReport target)
        {
            var states = new Dictionary<string, RuleState>(StringComparer.OrdinalIgnoreCase);
            foreach (var finding in target.Findings)
            {
                var state = StateOf(finding, target.Actions);
                var key = RuleKey(finding);
                if (!states.TryGetValue(key, out var known) || state < known) states[key] = state;
            }
            return states;
        }

        private static RuleState StateOf(ReportFinding finding, List<ReportAction> actions)
        {
            switch ((finding.Status ?? string.Empty).ToLowerInvariant())
            {
                case "exempt": return RuleState.Exempt;
                case "graceperiod": return RuleState.GracePeriod;
                case "scheduled": return RuleState.Scheduled;
            }
            // A violation: what this run did about it decides. The last matching action is the latest word.
            var action = actions.LastOrDefault(a => ReportBuilder.ActionMatches(a, finding));
            if (action == null) return RuleState.Violation;
            if (action.Outcome == ActionOutcome.Removed) return RuleState.Clean;
            if (action.Outcome == ActionOutcome.Scheduled) return RuleState.Scheduled;
            if (ReportBuilder.IsForUser(action)) return RuleState.RequiresUserAction;
            return RuleState.Violation;
        }

        private static void Count(RuleProgress row, RuleState state)
        {
            switch (state)
            {
                case RuleState.Violation: row.Violation++; break;
                case RuleState.RequiresUserAction: row.RequiresUserAction++; break;
                case RuleState.Scheduled: row.Scheduled++; break;
                case RuleState.GracePeriod: row.GracePeriod++; break;
                case RuleState.Exempt: row.Exempt++; break;
                case RuleState.Clean: row.Clean++; break;
                default: row.NoData++; break;
            }
        }

        /// <summary>This report as one point of the history: each device once, in its worst state over all rules.</summary>
        public static ReportHistoryPoint PointOf(AppBanReport report)
        {
            var point = new ReportHistoryPoint { Time = report.Run.EndTime, Devices = report.Targets.Count, Deadline = DeadlineOf(report) };
            foreach (var target in report.Targets)
            {
                var states = StatesOf(target);
                var worst = !ReportBuilder.HasData(target.Status) ? RuleState.NoData
                    : states.Count == 0 ? (target.Status == TargetStatus.Partial ? RuleState.NoData : RuleState.Clean)
                    : states.Values.Min();
                switch (worst)
                {
                    case RuleState.Violation:
                    case RuleState.RequiresUserAction: point.Violation++; break;
                    case RuleState.Scheduled: point.Scheduled++; break;
                    case RuleState.GracePeriod: point.GracePeriod++; break;
                    case RuleState.Exempt: point.Exempt++; break;
                    case RuleState.Clean: point.Clean++; break;
                    default: point.NoData++; break;
                }
            }
            return point;
        }

        /// <summary>The next deadline ahead of the report, else the latest one passed.</summary>
        private static DateTimeOffset? DeadlineOf(AppBanReport report)
        {
            var dates = report.Summary.Rules.Where(r => r.EnforceAfter.HasValue).Select(r => r.EnforceAfter.Value).ToList();
            if (dates.Count == 0) return null;
            var ahead = dates.Where(d => d >= report.Run.EndTime).ToList();
            return ahead.Count > 0 ? ahead.Min() : dates.Max();
        }

        /// <summary>Exempt findings whose exemption ends between now and now + days, soonest first, each exemption once per device and user.</summary>
        public static List<ExpiringExemption> ExpiringExemptions(AppBanReport report, DateTimeOffset now, int days)
        {
            var until = now.AddDays(days);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var list = new List<ExpiringExemption>();
            foreach (var target in report.Targets)
                foreach (var f in target.Findings)
                {
                    if (!string.Equals(f.Status, "Exempt", StringComparison.OrdinalIgnoreCase) || !f.ExemptionExpires.HasValue) continue;
                    var expires = f.ExemptionExpires.Value;
                    if (expires < now || expires > until) continue;
                    if (!seen.Add(string.Join("\u001f", target.ComputerName, f.ExemptionId, f.UserSid ?? f.UserName, f.RuleId))) continue;
                    list.Add(new ExpiringExemption
                    {
                        ComputerName = target.ComputerName,
                        RuleId = f.RuleId,
                        RuleName = f.RuleName,
                        AppName = f.AppName,
                        UserName = f.UserName,
                        UserSid = f.UserSid,
                        ExemptionId = f.ExemptionId,
                        Expires = expires,
                        DaysLeft = (expires.UtcDateTime.Date - now.UtcDateTime.Date).Days,
                        Reason = f.ExemptionReason,
                        ApprovedBy = f.ExemptionApprovedBy,
                    });
                }
            return list.OrderBy(e => e.Expires).ThenBy(e => e.ComputerName, StringComparer.OrdinalIgnoreCase).ToList();
        }
    }
}
