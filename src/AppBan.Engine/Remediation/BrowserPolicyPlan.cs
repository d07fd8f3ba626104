using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Inventory;
using AppBan.Engine.Text;

namespace AppBan.Engine.Remediation
{
    /// <summary>One value a browser policy change would write (or create the key for).</summary>
    internal sealed class PlannedBrowserWrite
    {
        public PlannedBrowserWrite(string keyPath, string valueName, string what)
        {
            KeyPath = keyPath;
            ValueName = valueName;
            What = what;
        }

        /// <summary>"HKU\..." or "HKLM\...".</summary>
        public string KeyPath { get; }
        public string ValueName { get; }
        public string What { get; }

        public override string ToString() => KeyPath + " " + ValueName + ": " + What;
    }

    /// <summary>
    /// A checked request to neutralise web apps for one user through browser policy, and what it would write, without
    /// reading the target: the text -WhatIf shows and the input <see cref="BrowserPolicyWriter.ApplyAsync(BrowserPolicyPlan, System.Threading.CancellationToken)"/> takes.
    /// Which list numbers the sites get is known only once the user's URLBlocklist is read, so the plan says "the next
    /// free numbers".
    /// </summary>
    internal sealed class BrowserPolicyPlan
    {
        private BrowserPolicyPlan(string userSid, string ruleId, IReadOnlyList<string> sites, IReadOnlyList<string> manifestIds, string policyName)
        {
            UserSid = userSid;
            RuleId = ruleId;
            Sites = sites;
            ManifestIds = manifestIds;
            PolicyName = policyName;
            Writes = PlanWrites().ToList().AsReadOnly();
        }

        public string UserSid { get; }
        public string RuleId { get; }
        public IReadOnlyList<string> Sites { get; }
        public IReadOnlyList<string> ManifestIds { get; }
        public string PolicyName { get; }
        /// <summary>Every value the change may write, per browser: the blocklist, WebAppSettings and AppBan's record.</summary>
        public IReadOnlyList<PlannedBrowserWrite> Writes { get; }

        /// <summary>
        /// Checks everything a change is built from; throws ArgumentException naming the first problem: a SID that is
        /// not a user account's, a rule id outside its syntax, a site or manifest id outside <see cref="WebAddressSyntax"/>,
        /// no site and no manifest id, no policy name.
        /// </summary>
        public static BrowserPolicyPlan For(string userSid, string ruleId, IEnumerable<string> sites, IEnumerable<string> manifestIds, string policyName)
        {
            var sid = BrowserPolicy.CheckedSid(userSid);
            if (!RuleIdSyntax.IsValid(ruleId))
                throw new ArgumentException("The rule id '" + WebAddressSyntax.Visible(ruleId) + "' " + RuleIdSyntax.Description + ".", nameof(ruleId));
            var siteList = BrowserPolicy.CheckedSites(sites);
            var idList = BrowserPolicy.CheckedManifestIds(manifestIds);
            if (siteList.Count == 0 && idList.Count == 0)
                throw new ArgumentException("Rule '" + ruleId + "' names no site to block and no web app manifest id; there is no browser policy to write.", nameof(sites));
            if (string.IsNullOrWhiteSpace(policyName)) throw new ArgumentException("The policy's name is recorded with the change; it cannot be empty.", nameof(policyName));
            return new BrowserPolicyPlan(sid, ruleId, siteList.AsReadOnly(), idList.AsReadOnly(), policyName);
        }

        /// <summary>For ShouldProcess: what the change does, in one line.</summary>
        public string Action
        {
            get
            {
                var parts = new List<string>();
                if (Sites.Count > 0) parts.Add("block " + string.Join(", ", Sites));
                if (ManifestIds.Count > 0) parts.Add("unregister the web app " + string.Join(", ", ManifestIds));
                var text = string.Join(" and ", parts);
                return char.ToUpperInvariant(text[0]) + text.Substring(1) + " through Edge and Chrome policy for " + UserSid;
            }
        }

        /// <summary>Every planned write, one per line.</summary>
        public string Describe() => Action + ":" + Environment.NewLine + string.Join(Environment.NewLine, Writes.Select(w => "  " + w));

        private IEnumerable<PlannedBrowserWrite> PlanWrites()
        {
            foreach (var browser in BrowserPolicy.Browsers)
            {
                foreach (var site in Sites)
                    yield return new PlannedBrowserWrite(InventoryPaths.Format(Cim.RegistryHive.Users, BrowserPolicy.BlocklistKey(UserSid, browser)),
                        "<next free number>", "REG_SZ " + site + ", unless the list already holds it");
                if (ManifestIds.Count > 0)
                    yield return new PlannedBrowserWrite(InventoryPaths.Format(Cim.RegistryHive.Users, BrowserPolicy.PolicyKey(UserSid, browser)),
                        BrowserPolicy.WebAppSettingsValue, "add " + string.Join(", ", ManifestIds.Select(BrowserPolicy.EntryText)) + " to the JSON list, keeping every other entry");
                var record = InventoryPaths.Format(Cim.RegistryHive.LocalMachine, BrowserPolicy.RecordKey(UserSid, browser));
                yield return new PlannedBrowserWrite(record, BrowserPolicy.RecordUrlBlocklistValue + ", " + BrowserPolicy.RecordWebAppSettingsValue + ", " +
                    BrowserPolicy.RecordPolicyValue + ", " + BrowserPolicy.RecordRuleIdsValue, "AppBan's record of what it added (rule " + RuleId + ", policy " + PolicyName + ")");
            }
        }
    }
}
