using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Policy
{
    /// <summary>How a rule's apps are removed, beyond what the app kind dictates.</summary>
    public sealed class RuleRemovalOptions
    {
        public static readonly RuleRemovalOptions Default = new RuleRemovalOptions();

        public RuleRemovalOptions(bool removeProvisioned = true, IEnumerable<string> silentSwitches = null,
            IEnumerable<string> blockSites = null, IEnumerable<string> webAppManifestIds = null)
        {
            RemoveProvisioned = removeProvisioned;
            SilentSwitches = (silentSwitches ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
            BlockSites = (blockSites ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
            WebAppManifestIds = (webAppManifestIds ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
        }

        /// <summary>Store apps: also remove the provisioned package, so new profiles do not get the app again.</summary>
        public bool RemoveProvisioned { get; }

        /// <summary>
        /// Switches that may be appended to a machine-scope EXE uninstaller that has no QuietUninstallString.
        /// Each is validated by the loader as a plain switch (/S, --silent), never shell syntax.
        /// </summary>
        public IReadOnlyList<string> SilentSwitches { get; }

        /// <summary>
        /// Web apps: sites added to the user's browser URL blocklist (Edge and Chrome policy in the user's hive), such as
        /// tiktok.com. Each is validated by the loader with <c>WebAddressSyntax</c>: no wildcard, a host with a dot.
        /// </summary>
        public IReadOnlyList<string> BlockSites { get; }

        /// <summary>
        /// Web apps: manifest ids (absolute https:// URLs) given a WebAppSettings entry that unregisters the installed
        /// web app from the operating system (force_unregister_os_integration) and blocks it from starting at sign-in.
        /// </summary>
        public IReadOnlyList<string> WebAppManifestIds { get; }

        public override string ToString() =>
            "RemoveProvisioned=" + RemoveProvisioned + (SilentSwitches.Count == 0 ? "" : "; SilentSwitches=" + string.Join(" ", SilentSwitches))
            + (BlockSites.Count == 0 ? "" : "; BlockSites=" + string.Join(" ", BlockSites))
            + (WebAppManifestIds.Count == 0 ? "" : "; WebAppManifestIds=" + string.Join(" ", WebAppManifestIds));
    }

    /// <summary>One banned app. It matches an installed app when ANY of its matchers matches.</summary>
    public sealed class PolicyRule
    {
        public PolicyRule(string id, string displayName, string description, IEnumerable<RuleMatcher> matchers,
            RuleRemovalOptions removal = null)
        {
            if (string.IsNullOrEmpty(id)) throw new ArgumentException("A rule needs an id.", nameof(id));
            Id = id;
            DisplayName = string.IsNullOrEmpty(displayName) ? id : displayName;
            Description = description;
            Matchers = (matchers ?? throw new ArgumentNullException(nameof(matchers))).ToList().AsReadOnly();
            if (Matchers.Count == 0) throw new ArgumentException("Rule '" + id + "' needs at least one matcher.", nameof(matchers));
            Removal = removal ?? RuleRemovalOptions.Default;
        }

        public string Id { get; }
        public string DisplayName { get; }
        public string Description { get; }
        public IReadOnlyList<RuleMatcher> Matchers { get; }
        public RuleRemovalOptions Removal { get; }

        public bool Matches(InstalledApp app)
        {
            foreach (var matcher in Matchers)
                if (matcher.Matches(app)) return true;
            return false;
        }

        /// <summary>
        /// Cheap pre-filter for uninstall keys: false only when no full read of the key could make this rule
        /// match. Null arguments mean "not read yet".
        /// </summary>
        public bool MightMatch(string keyName, string displayName)
        {
            foreach (var matcher in Matchers)
                if (matcher.MightMatch(keyName, displayName)) return true;
            return false;
        }

        public override string ToString() => Id;
    }
}
