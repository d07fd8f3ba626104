using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using AppBan.Engine.Inventory;
using AppBan.Engine.Text;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Decides whether an exemption covers an app instance. The one place that knows how rule, user and
    /// computer are compared; everything case-insensitive.
    /// </summary>
    internal static class ExemptionMatcher
    {
        public const string AllRules = ExemptionRules.AnyRule;

        // Every app of every target is checked against every exemption: parse each computer pattern once.
        private static readonly ConcurrentDictionary<string, TextPattern> ComputerPatterns = new ConcurrentDictionary<string, TextPattern>(StringComparer.Ordinal);

        /// <summary>
        /// True when <paramref name="exemption"/> names <paramref name="ruleId"/> (or "*") and covers the app's user
        /// and computer. Status (expired, not yet valid) is not considered here; see <see cref="FindApplicable"/>.
        /// </summary>
        public static bool Covers(Exemption exemption, string ruleId, InstalledApp app, string computerName)
        {
            if (exemption == null || app == null) return false;
            if (!CoversRule(exemption, ruleId)) return false;
            return Covers(exemption, app, computerName);
        }

        /// <summary>
        /// True when the exemption covers the app's user and computer, whatever rule it names. A user-scoped
        /// exemption covers only that user's copy (never a machine-wide install); when user and computer are both
        /// set, both must hold. An exemption that names nobody covers nothing.
        /// </summary>
        public static bool Covers(Exemption exemption, InstalledApp app, string computerName)
        {
            if (exemption == null || app == null) return false;
            bool namesUser = !string.IsNullOrEmpty(exemption.UserSid) || !string.IsNullOrEmpty(exemption.UserName);
            bool namesComputer = !string.IsNullOrEmpty(exemption.ComputerName);
            if (!namesUser && !namesComputer) return false;
            if (namesUser && !CoversUser(exemption, app)) return false;
            if (namesComputer && !CoversComputer(exemption.ComputerName, computerName ?? app.ComputerName, app.ComputerName)) return false;
            return true;
        }

        /// <summary>
        /// True when an exemption active at <paramref name="now"/> keeps <paramref name="ruleId"/>'s app for a user on
        /// <paramref name="computerName"/> whose copy is none of <paramref name="seen"/>: a user whose apps were not read.
        /// </summary>
        public static bool ExemptsAnotherUser(IEnumerable<Exemption> exemptions, string ruleId, string computerName,
            IReadOnlyCollection<InstalledApp> seen, DateTimeOffset now)
        {
            foreach (var exemption in exemptions ?? Enumerable.Empty<Exemption>())
            {
                if (exemption == null || exemption.StatusAt(now) != ExemptionStatus.Active || !CoversRule(exemption, ruleId)) continue;
                if (string.IsNullOrEmpty(exemption.UserSid) && string.IsNullOrEmpty(exemption.UserName)) continue;
                if (!string.IsNullOrEmpty(exemption.ComputerName) && !CoversComputer(exemption.ComputerName, computerName, computerName)) continue;
                if (!seen.Any(app => Covers(exemption, app, computerName))) return true;
            }
            return false;
        }

        public static bool CoversRule(Exemption exemption, string ruleId) =>
            exemption?.RuleId != null && (exemption.RuleId == AllRules || string.Equals(exemption.RuleId, ruleId, StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The exemption that applies at <paramref name="now"/>: covering and Active. When several apply, the one
        /// that expires last (never-expiring first); ties go to the lowest id, so the choice is stable.
        /// </summary>
        public static Exemption FindApplicable(IEnumerable<Exemption> exemptions, string ruleId, InstalledApp app, string computerName, DateTimeOffset now)
        {
            Exemption best = null;
            if (exemptions == null) return null;
            foreach (var exemption in exemptions)
            {
                if (exemption == null || exemption.StatusAt(now) != ExemptionStatus.Active) continue;
                if (!Covers(exemption, ruleId, app, computerName)) continue;
                if (best == null || ExpiresLater(exemption, best)) best = exemption;
            }
            return best;
        }

        private static bool ExpiresLater(Exemption candidate, Exemption best)
        {
            if (candidate.Expires.HasValue != best.Expires.HasValue) return !candidate.Expires.HasValue;
            if (candidate.Expires.HasValue && candidate.Expires.Value != best.Expires.Value) return candidate.Expires.Value > best.Expires.Value;
            return string.CompareOrdinal(candidate.Id ?? "", best.Id ?? "") < 0;
        }

        // By SID when the exemption has one; otherwise by name. A name without a domain matches that name in any
        // domain, and so does a DOMAIN\name against an app whose user is known only by name ([guess W013] inventory may
        // only know the profile folder name for users whose account cannot be resolved).
        private static bool CoversUser(Exemption exemption, InstalledApp app)
        {
            if (!string.IsNullOrEmpty(exemption.UserSid))
                return !string.IsNullOrEmpty(app.UserSid) && string.Equals(exemption.UserSid, app.UserSid, StringComparison.OrdinalIgnoreCase);
            if (string.IsNullOrEmpty(app.UserName)) return false;
            SplitUser(exemption.UserName, out var wantedDomain, out var wantedName);
            SplitUser(app.UserName, out var domain, out var name);
            if (!string.Equals(wantedName, name, StringComparison.OrdinalIgnoreCase)) return false;
            return wantedDomain == null || domain == null || string.Equals(wantedDomain, domain, StringComparison.OrdinalIgnoreCase);
        }

        private static void SplitUser(string user, out string domain, out string name)
        {
            int slash = user.IndexOf('\\');
            domain = slash > 0 ? user.Substring(0, slash) : null;
            name = slash >= 0 ? user.Substring(slash + 1) : user;
        }

        private static bool CoversComputer(string pattern, string computerName, string appComputerName)
        {
            var wildcard = ComputerPatterns.GetOrAdd(pattern, p => TextPattern.TryWildcard(p, out var parsed, out _) ? parsed : null);
            if (wildcard == null) return false;
            foreach (var candidate in new[] { computerName, appComputerName })
            {
                if (string.IsNullOrEmpty(candidate)) continue;
                if (wildcard.IsMatch(candidate)) return true;
                var shortName = ShortName(candidate);
                if (shortName != null && wildcard.IsMatch(shortName)) return true;
            }
            return false;
        }

        // "pc1.parliament.local" is also "pc1"; addresses and host:port forms have no short name.
        private static string ShortName(string computerName)
        {
            int dot = computerName.IndexOf('.');
            if (dot <= 0 || computerName.IndexOf(':') >= 0 || IPAddress.TryParse(computerName, out _)) return null;
            return computerName.Substring(0, dot);
        }
    }
}
