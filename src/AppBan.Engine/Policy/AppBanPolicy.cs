using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// The effective policy: which apps are banned, from when, and who is exempt. Built by
    /// <see cref="PolicyLoader"/>, which has already validated every field.
    /// </summary>
    public sealed class AppBanPolicy
    {
        public const int CurrentSchemaVersion = 1;

        public AppBanPolicy(string name, DateTimeOffset? enforceAfter, IEnumerable<PolicyRule> rules,
            IEnumerable<Exemption> exemptions = null, string description = null, string sourcePath = null,
            string sha256 = null, int schemaVersion = CurrentSchemaVersion)
        {
            SchemaVersion = schemaVersion;
            Name = name;
            Description = description;
            EnforceAfter = enforceAfter?.ToUniversalTime();
            Rules = (rules ?? throw new ArgumentNullException(nameof(rules))).ToList().AsReadOnly();
            Exemptions = (exemptions ?? Enumerable.Empty<Exemption>()).ToList().AsReadOnly();
            SourcePath = sourcePath;
            Sha256 = sha256;
        }

        public int SchemaVersion { get; }
        public string Name { get; }
        public string Description { get; }
        /// <summary>The phase-out deadline; before it findings are GracePeriod. Null means enforce now.</summary>
        public DateTimeOffset? EnforceAfter { get; }
        public IReadOnlyList<PolicyRule> Rules { get; }
        /// <summary>Policy-level exemptions (Source = Policy, Location = the policy file).</summary>
        public IReadOnlyList<Exemption> Exemptions { get; }
        /// <summary>Full path of the policy file; null for the built-in policy.</summary>
        public string SourcePath { get; }
        /// <summary>SHA-256 (upper-case hex, as Get-FileHash shows it) of the file bytes, or of the built-in JSON.</summary>
        public string Sha256 { get; }
        public bool IsBuiltIn => SourcePath == null;
        /// <summary>Where the policy came from, for people: the file path or "(built-in)".</summary>
        public string Source => SourcePath ?? "(built-in)";

        /// <summary>The rule with this id (case-insensitive), or null.</summary>
        public PolicyRule FindRule(string id)
        {
            if (id == null) return null;
            foreach (var rule in Rules)
                if (string.Equals(rule.Id, id, StringComparison.OrdinalIgnoreCase)) return rule;
            return null;
        }

        /// <summary>True while the phase-out deadline lies ahead: findings are reported, not removed.</summary>
        public bool IsInGracePeriod(DateTimeOffset now) => EnforceAfter.HasValue && now < EnforceAfter.Value;

        /// <summary>Every rule the app matches, in policy order.</summary>
        public IEnumerable<PolicyRule> MatchingRules(InstalledApp app) => Rules.Where(r => r.Matches(app));

        /// <summary>
        /// Cheap pre-filter for uninstall keys: false only when no full read could make any rule match.
        /// Null arguments mean "not read yet".
        /// </summary>
        public bool MightMatch(string keyName, string displayName)
        {
            foreach (var rule in Rules)
                if (rule.MightMatch(keyName, displayName)) return true;
            return false;
        }

        public override string ToString() => Name;
    }
}
