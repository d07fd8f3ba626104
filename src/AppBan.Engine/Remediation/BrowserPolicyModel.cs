using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace AppBan.Engine.Remediation
{
    /// <summary>The Chromium browsers whose policy AppBan writes; the names are the record's key names.</summary>
    internal enum PolicyBrowser
    {
        Edge,
        Chrome,
    }

    /// <summary>One URLBlocklist value: its name (a list number) and the pattern it holds.</summary>
    internal sealed class BlocklistEntry : IEquatable<BlocklistEntry>
    {
        public BlocklistEntry(string valueName, string pattern)
        {
            if (!BrowserPolicy.IsListNumber(valueName)) throw new ArgumentException("'" + valueName + "' is not a list number.", nameof(valueName));
            if (string.IsNullOrEmpty(pattern)) throw new ArgumentException("A blocklist entry needs a pattern.", nameof(pattern));
            ValueName = valueName;
            Pattern = pattern;
        }

        public string ValueName { get; }
        public string Pattern { get; }
        public int Number => int.Parse(ValueName, NumberStyles.None, CultureInfo.InvariantCulture);

        /// <summary>The form kept in the record's URLBlocklist: "&lt;valueName&gt;=&lt;pattern&gt;".</summary>
        public string RecordText => ValueName + "=" + Pattern;

        /// <summary>An entry of a record's URLBlocklist; null for text that is not "&lt;list number&gt;=&lt;pattern&gt;".</summary>
        public static BlocklistEntry FromRecordText(string text)
        {
            var equals = text?.IndexOf('=') ?? -1;
            if (equals <= 0 || equals == text.Length - 1) return null;
            var name = text.Substring(0, equals);
            return BrowserPolicy.IsListNumber(name) ? new BlocklistEntry(name, text.Substring(equals + 1)) : null;
        }

        public bool Equals(BlocklistEntry other) =>
            other != null && other.ValueName == ValueName && string.Equals(other.Pattern, Pattern, StringComparison.Ordinal);

        public override bool Equals(object obj) => Equals(obj as BlocklistEntry);
        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(RecordText);
        public override string ToString() => RecordText;
    }

    /// <summary>What one browser's policy key in a user's hive holds now, as far as AppBan reads it.</summary>
    internal sealed class BrowserPolicyState
    {
        /// <param name="urlBlocklist">Every value of the URLBlocklist subkey by name; the data is null for a value that is not REG_SZ (it still takes its name).</param>
        /// <param name="webAppSettings">The WebAppSettings value; null when there is none.</param>
        /// <param name="webAppSettingsIsText">False when a WebAppSettings value exists but is not REG_SZ.</param>
        public BrowserPolicyState(IReadOnlyDictionary<string, string> urlBlocklist, string webAppSettings, bool webAppSettingsIsText = true)
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var value in urlBlocklist ?? new Dictionary<string, string>()) values[value.Key] = value.Value;
            UrlBlocklist = values;
            WebAppSettings = webAppSettings;
            WebAppSettingsIsText = webAppSettingsIsText;
        }

        public static BrowserPolicyState Empty { get; } = new BrowserPolicyState(null, null);

        public IReadOnlyDictionary<string, string> UrlBlocklist { get; }
        public string WebAppSettings { get; }
        public bool WebAppSettingsIsText { get; }
    }

    /// <summary>
    /// AppBan's record of what it added to one user's policy for one browser, kept in
    /// HKLM\SOFTWARE\AppBan\BrowserPolicy\&lt;SID&gt;\&lt;Browser&gt; (administrators only): REG_MULTI_SZ URLBlocklist
    /// ("&lt;valueName&gt;=&lt;pattern&gt;"), WebAppSettings (manifest ids) and RuleIds, REG_SZ Policy.
    /// </summary>
    internal sealed class BrowserPolicyRecord
    {
        public BrowserPolicyRecord(string userSid, PolicyBrowser browser, IEnumerable<BlocklistEntry> blockEntries,
            IEnumerable<string> manifestIds, string policy, IEnumerable<string> ruleIds)
        {
            UserSid = userSid;
            Browser = browser;
            BlockEntries = (blockEntries ?? Enumerable.Empty<BlocklistEntry>()).ToList().AsReadOnly();
            ManifestIds = (manifestIds ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
            Policy = policy;
            RuleIds = (ruleIds ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
        }

        public string UserSid { get; }
        public PolicyBrowser Browser { get; }
        public IReadOnlyList<BlocklistEntry> BlockEntries { get; }
        public IReadOnlyList<string> ManifestIds { get; }
        /// <summary>The name of the policy that last wrote the record.</summary>
        public string Policy { get; }
        public IReadOnlyList<string> RuleIds { get; }

        /// <summary>"HKLM\SOFTWARE\AppBan\BrowserPolicy\&lt;SID&gt;\&lt;Browser&gt;".</summary>
        public string KeyPath => "HKLM\\" + BrowserPolicy.RecordKey(UserSid, Browser);

        /// <summary>True when the record names nothing AppBan still has in the user's policy.</summary>
        public bool IsEmpty => BlockEntries.Count == 0 && ManifestIds.Count == 0;

        public override string ToString() => KeyPath;
    }

    /// <summary>What adding sites and manifest ids to one browser's policy writes, and the record that results.</summary>
    internal sealed class BrowserPolicyAddition
    {
        internal BrowserPolicyAddition(IList<BlocklistEntry> newEntries, string webAppSettings, IList<string> addedManifestIds,
            IList<BlocklistEntry> recordedEntries, IList<string> recordedManifestIds, IList<string> notes)
        {
            NewEntries = newEntries.ToList().AsReadOnly();
            WebAppSettings = webAppSettings;
            AddedManifestIds = addedManifestIds.ToList().AsReadOnly();
            RecordedEntries = recordedEntries.ToList().AsReadOnly();
            RecordedManifestIds = recordedManifestIds.ToList().AsReadOnly();
            Notes = notes.ToList().AsReadOnly();
        }

        /// <summary>REG_SZ values to create under URLBlocklist, in order.</summary>
        public IReadOnlyList<BlocklistEntry> NewEntries { get; }
        /// <summary>The new WebAppSettings text; null leaves the value as it is.</summary>
        public string WebAppSettings { get; }
        public IReadOnlyList<string> AddedManifestIds { get; }
        /// <summary>The record's URLBlocklist after the change: AppBan's earlier entries that are still as written, then the new ones.</summary>
        public IReadOnlyList<BlocklistEntry> RecordedEntries { get; }
        public IReadOnlyList<string> RecordedManifestIds { get; }
        /// <summary>Why something asked for was not written, or what else the change does, in words for the administrator.</summary>
        public IReadOnlyList<string> Notes { get; }
        public bool ChangesHive => NewEntries.Count > 0 || WebAppSettings != null;
    }

    /// <summary>What undoing AppBan's entries in one browser's policy deletes or rewrites.</summary>
    internal sealed class BrowserPolicyUndo
    {
        internal BrowserPolicyUndo(IList<BlocklistEntry> entriesToDelete, IList<BlocklistEntry> keptEntries, string webAppSettings,
            bool deleteWebAppSettings, IList<string> removedManifestIds, IList<string> notes)
        {
            EntriesToDelete = entriesToDelete.ToList().AsReadOnly();
            KeptEntries = keptEntries.ToList().AsReadOnly();
            WebAppSettings = webAppSettings;
            DeleteWebAppSettings = deleteWebAppSettings;
            RemovedManifestIds = removedManifestIds.ToList().AsReadOnly();
            Notes = notes.ToList().AsReadOnly();
        }

        /// <summary>URLBlocklist values to delete: AppBan's, still holding what AppBan wrote.</summary>
        public IReadOnlyList<BlocklistEntry> EntriesToDelete { get; }
        /// <summary>AppBan's entries left in place because deleting them would stop the browser reading an administrator's entries after them.</summary>
        public IReadOnlyList<BlocklistEntry> KeptEntries { get; }
        /// <summary>The new WebAppSettings text; null leaves it (or deletes it, with <see cref="DeleteWebAppSettings"/>).</summary>
        public string WebAppSettings { get; }
        /// <summary>True when AppBan's entries were the only ones: the value goes.</summary>
        public bool DeleteWebAppSettings { get; }
        public IReadOnlyList<string> RemovedManifestIds { get; }
        public IReadOnlyList<string> Notes { get; }
        /// <summary>Nothing of AppBan's stays: the record can go.</summary>
        public bool Complete => KeptEntries.Count == 0;
    }
}
