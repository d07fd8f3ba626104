using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;
using AppBan.Engine.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// Browser policy that neutralises a web app for one user: its sites in the URL blocklist and a WebAppSettings entry
    /// that unregisters the installed app, in the user's own policy keys <c>HKU\&lt;SID&gt;\Software\Policies\Microsoft\Edge</c>
    /// and <c>...\Google\Chrome</c>. Only administrators can write there [guess W083], so the user cannot lift it, and
    /// the browsers apply these two policies from the user's hive on an unmanaged device too [guess W085].
    /// The functions here are pure: given what a browser's key holds now, they say what to write (<see cref="Add"/>) or
    /// what to delete (<see cref="Undo"/>), touching only what AppBan wrote and has not been changed since.
    /// <see cref="BrowserPolicyWriter"/> reads and writes the registry with them.
    /// </summary>
    internal static class BrowserPolicy
    {
        public const string EdgeKey = @"Software\Policies\Microsoft\Edge";
        public const string ChromeKey = @"Software\Policies\Google\Chrome";
        public const string UrlBlocklistSubKey = "URLBlocklist";
        public const string WebAppSettingsValue = "WebAppSettings";

        /// <summary>HKLM: one key per user SID, one subkey per browser, holding AppBan's record.</summary>
        public const string RecordRoot = @"SOFTWARE\AppBan\BrowserPolicy";
        public const string RecordUrlBlocklistValue = "URLBlocklist";
        public const string RecordWebAppSettingsValue = "WebAppSettings";
        public const string RecordPolicyValue = "Policy";
        public const string RecordRuleIdsValue = "RuleIds";

        /// <summary>
        /// The browser reads at most this many URLBlocklist entries and ignores the rest [doc: Microsoft Edge policy
        /// reference and Chrome Enterprise policy list, URLBlocklist: "limited to 1000 entries"].
        /// </summary>
        public const int MaxBlocklistEntries = 1000;

        public static readonly IReadOnlyList<PolicyBrowser> Browsers = new[] { PolicyBrowser.Edge, PolicyBrowser.Chrome };

        private static readonly Regex ListNumber = new Regex(@"\A[1-9][0-9]{0,8}\z", RegexOptions.CultureInvariant);

        // ---- Where

        /// <summary>The browser's policy key, below the user's hive.</summary>
        public static string BrowserKey(PolicyBrowser browser) => browser == PolicyBrowser.Edge ? EdgeKey : ChromeKey;

        /// <summary>HKU subkey of the browser's policy key for a user: "&lt;SID&gt;\Software\Policies\...".</summary>
        public static string PolicyKey(string userSid, PolicyBrowser browser) => userSid + "\\" + BrowserKey(browser);

        /// <summary>HKU subkey of the browser's URL blocklist for a user.</summary>
        public static string BlocklistKey(string userSid, PolicyBrowser browser) => PolicyKey(userSid, browser) + "\\" + UrlBlocklistSubKey;

        /// <summary>HKLM subkey of AppBan's record for a user and browser.</summary>
        public static string RecordKey(string userSid, PolicyBrowser browser) => RecordRoot + "\\" + userSid + "\\" + browser;

        /// <summary>
        /// The SID in the form AppBan writes (upper case), when it is a person's account (local, domain or Entra ID);
        /// anything else throws: a user's policy is written under HKU\&lt;SID&gt; and nowhere else.
        /// </summary>
        public static string CheckedSid(string userSid)
        {
            if (!SecurityIdentifiers.IsUserAccount(userSid))
                throw new ArgumentException("'" + WebAddressSyntax.Visible(userSid) + "' is not the SID of a user account (S-1-5-21-... or S-1-12-1-...).", nameof(userSid));
            return userSid.ToUpperInvariant();
        }

        /// <summary>
        /// True when a change at <paramref name="subKey"/> of <paramref name="hive"/> stays where a browser policy change
        /// for <paramref name="userSid"/> may write: the user's Edge or Chrome policy key (and below), or the user's
        /// record (and below).
        /// </summary>
        public static bool IsWritable(RegistryHive hive, string subKey, string userSid)
        {
            if (subKey == null || !SecurityIdentifiers.IsUserAccount(userSid)) return false;
            if (hive == RegistryHive.Users)
                return Browsers.Any(b => IsAtOrBelow(subKey, PolicyKey(userSid, b)));
            if (hive == RegistryHive.LocalMachine)
                return IsAtOrBelow(subKey, RecordRoot + "\\" + userSid);
            return false;
        }

        private static bool IsAtOrBelow(string subKey, string root) =>
            subKey.Equals(root, StringComparison.OrdinalIgnoreCase) || subKey.StartsWith(root + "\\", StringComparison.OrdinalIgnoreCase);

        // ---- The list and the entry

        /// <summary>
        /// A value name the browser reads as a list position: "1", "2", ... (no sign, no leading zero). Chromium reads
        /// "1".."N" and stops at the first number that is missing [guess W082].
        /// </summary>
        public static bool IsListNumber(string valueName) => valueName != null && ListNumber.IsMatch(valueName);

        /// <summary>How many entries the browser reads: the highest N with values 1..N all present.</summary>
        public static int ReadCount(IEnumerable<string> valueNames)
        {
            var names = new HashSet<string>(valueNames, StringComparer.OrdinalIgnoreCase);
            int n = 0;
            while (names.Contains((n + 1).ToString(CultureInfo.InvariantCulture))) n++;
            return n;
        }

        /// <summary>
        /// The WebAppSettings entry AppBan adds for a manifest id: the app may not start at sign-in and is unregistered
        /// from the operating system (shortcuts, uninstall entry) [doc: Microsoft Edge policy reference, WebAppSettings;
        /// force_unregister_os_integration since Chrome 118].
        /// </summary>
        public static JObject EntryFor(string manifestId) => new JObject
        {
            ["manifest_id"] = manifestId,
            ["run_on_os_login"] = "blocked",
            ["force_unregister_os_integration"] = true,
        };

        public static string EntryText(string manifestId) => EntryFor(manifestId).ToString(Formatting.None);

        // ---- Add

        /// <summary>
        /// What adding <paramref name="sites"/> and <paramref name="manifestIds"/> to a browser's policy writes, given
        /// what it holds now and AppBan's earlier record (null when there is none).
        /// <list type="bullet">
        /// <item>A site already in the list (any value, ignoring case and a final '/') is not written again.</item>
        /// <item>New sites take the lowest free numbers after the entries the browser reads (1..N): N+1, then the next
        /// free ones. When values stood after a gap, filling it makes the browser read them too; a note says so.</item>
        /// <item>Numbers beyond <see cref="MaxBlocklistEntries"/> are not written (the browser would ignore them).</item>
        /// <item>WebAppSettings gets one entry per manifest id it has none for, after every other entry, whose text and
        /// layout stay as they are. An entry for that id that AppBan did not write is left alone. A value that is not
        /// one JSON list is not touched at all; the blocklist is still written.</item>
        /// <item>AppBan's earlier entries stay in the record only while they hold what AppBan wrote.</item>
        /// </list>
        /// </summary>
        public static BrowserPolicyAddition Add(BrowserPolicyState current, BrowserPolicyRecord previous,
            IEnumerable<string> sites, IEnumerable<string> manifestIds)
        {
            current = current ?? BrowserPolicyState.Empty;
            var siteList = CheckedSites(sites);
            var idList = CheckedManifestIds(manifestIds);
            var notes = new List<string>();

            // URL blocklist.
            var recorded = StillAppBans(current, previous, notes);
            var occupied = new HashSet<string>(current.UrlBlocklist.Keys, StringComparer.OrdinalIgnoreCase);
            var patterns = current.UrlBlocklist.Where(v => v.Value != null).ToList();
            var readBefore = ReadCount(occupied);
            var afterGap = occupied.Where(IsListNumber).Select(n => int.Parse(n, CultureInfo.InvariantCulture))
                .Where(n => n > readBefore + 1).OrderBy(n => n).ToList();
            var newEntries = new List<BlocklistEntry>();
            var alreadyHeld = new List<string>();
            int next = readBefore;
            foreach (var site in siteList)
            {
                var holder = patterns.FirstOrDefault(p => SamePattern(p.Value, site)).Key;
                if (holder != null)
                {
                    if (!recorded.Any(r => r.ValueName.Equals(holder, StringComparison.OrdinalIgnoreCase)))
                        notes.Add("URLBlocklist already holds " + site + " (value " + WebAddressSyntax.Visible(holder) + "); AppBan leaves it as it is.");
                    alreadyHeld.Add(holder);
                    continue;
                }
                do next++; while (occupied.Contains(next.ToString(CultureInfo.InvariantCulture)));
                if (next > MaxBlocklistEntries)
                {
                    notes.Add("URLBlocklist has no free number up to " + MaxBlocklistEntries + ", the most the browser reads; " + site + " is not written.");
                    break;
                }
                var entry = new BlocklistEntry(next.ToString(CultureInfo.InvariantCulture), site);
                newEntries.Add(entry);
                occupied.Add(entry.ValueName);
                patterns.Add(new KeyValuePair<string, string>(entry.ValueName, site));
            }
            var readAfter = ReadCount(occupied);
            if (newEntries.Count > 0)
            {
                var revealed = afterGap.Where(n => n <= readAfter).ToList();
                if (revealed.Count > 0)
                    notes.Add("URLBlocklist had no value " + (readBefore + 1) + ", so the browser read only values 1 to " + readBefore +
                              "; AppBan writes " + (readBefore + 1) + ", and the browser then reads the values after it too (" +
                              string.Join(", ", revealed) + ").");
            }
            foreach (var holder in alreadyHeld)
                if (!IsListNumber(holder) || int.Parse(holder, CultureInfo.InvariantCulture) > readAfter)
                    notes.Add("URLBlocklist value " + WebAddressSyntax.Visible(holder) + " is not read by the browser (" +
                              (IsListNumber(holder) ? "no value " + (readAfter + 1) + " comes before it" : "its name is not a list number") +
                              "); AppBan does not renumber it.");
            recorded.AddRange(newEntries);

            // WebAppSettings.
            var previousIds = previous?.ManifestIds ?? (IReadOnlyList<string>)Array.Empty<string>();
            var recordedIds = new List<string>();
            var addedIds = new List<string>();
            string webAppSettings = null;
            if (idList.Count > 0 || previousIds.Count > 0)
            {
                var document = ReadWebAppSettings(current, idList.Count > 0 ? "adds no manifest id" : null, notes);
                if (document == null)
                    recordedIds.AddRange(previousIds);
                else
                {
                    foreach (var id in previousIds)
                    {
                        if (document.Elements.Any(e => IsAppBanEntry(e, id))) recordedIds.Add(id);
                        else notes.Add("the WebAppSettings entry for " + id + " was changed or removed since AppBan wrote it; it is no longer AppBan's.");
                    }
                    foreach (var id in idList)
                    {
                        if (recordedIds.Contains(id, StringComparer.OrdinalIgnoreCase)) continue;
                        var existing = document.Elements.FirstOrDefault(e => string.Equals(ManifestIdOf(e), id, StringComparison.OrdinalIgnoreCase));
                        if (existing != null)
                        {
                            notes.Add(ForcesUnregistering(existing)
                                ? "WebAppSettings already has an entry for " + id + " that unregisters the app; AppBan leaves it as it is."
                                : "WebAppSettings has an entry for " + id + " that AppBan did not write and that does not unregister the app; AppBan leaves it as it is and adds none (two entries for one app would contradict each other).");
                            continue;
                        }
                        addedIds.Add(id);
                    }
                    if (addedIds.Count > 0)
                    {
                        webAppSettings = document.Append(addedIds.Select(EntryText));
                        recordedIds.AddRange(addedIds);
                    }
                }
            }
            return new BrowserPolicyAddition(newEntries, webAppSettings, addedIds, recorded, recordedIds, notes);
        }

        // ---- Undo

        /// <summary>
        /// What undoing <paramref name="record"/> deletes or rewrites, given what the browser's key holds now.
        /// <list type="bullet">
        /// <item>A URLBlocklist value is deleted only while it holds exactly what AppBan wrote; other numbers are never
        /// renumbered. Values are deleted from the highest number down, so the list never has a gap in between.</item>
        /// <item>One of AppBan's values that has an administrator's value after it, within what the browser reads, is
        /// kept: deleting it would make the browser stop reading those (a note says so, and it stays recorded).</item>
        /// <item>From WebAppSettings only AppBan's entries that are unchanged are cut; every other entry keeps its text.
        /// When none is left the value is deleted. A value that is not one JSON list is not touched.</item>
        /// </list>
        /// </summary>
        public static BrowserPolicyUndo Undo(BrowserPolicyState current, BrowserPolicyRecord record)
        {
            if (record == null) throw new ArgumentNullException(nameof(record));
            current = current ?? BrowserPolicyState.Empty;
            var notes = new List<string>();

            var ours = StillAppBans(current, record, notes).GroupBy(e => e.Number).ToDictionary(g => g.Key, g => g.First());
            var read = ReadCount(current.UrlBlocklist.Keys);
            var delete = new List<BlocklistEntry>();
            int top = read;
            while (top >= 1 && ours.TryGetValue(top, out var last)) { delete.Add(last); top--; }
            delete.AddRange(ours.Values.Where(e => e.Number > read).OrderByDescending(e => e.Number));
            var kept = ours.Values.Where(e => e.Number <= top).OrderBy(e => e.Number).ToList();
            foreach (var e in kept)
                notes.Add("URLBlocklist value " + e.ValueName + " (" + e.Pattern + ") stays: deleting it would leave a gap, and the browser would stop reading values " +
                          (e.Number + 1) + " to " + read + " after it, which AppBan did not all write. Delete it by hand and renumber the values after it.");

            string webAppSettings = null;
            var deleteWebAppSettings = false;
            var removed = new List<string>();
            if (record.ManifestIds.Count > 0)
            {
                if (current.WebAppSettings == null && current.WebAppSettingsIsText)
                    notes.Add("WebAppSettings is gone; AppBan's entries in it went with it.");
                else
                {
                    var document = ReadWebAppSettings(current, "removes nothing from it", notes);
                    if (document != null)
                    {
                        var drop = new HashSet<int>();
                        foreach (var id in record.ManifestIds)
                        {
                            // AppBan appended its entry, so the last unchanged one is AppBan's if an identical one came later.
                            var index = Enumerable.Range(0, document.Elements.Count).Reverse()
                                .Where(i => !drop.Contains(i) && IsAppBanEntry(document.Elements[i], id)).DefaultIfEmpty(-1).First();
                            if (index < 0)
                            {
                                notes.Add("the WebAppSettings entry for " + id + " was changed or removed since AppBan wrote it; AppBan leaves it.");
                                continue;
                            }
                            drop.Add(index);
                            removed.Add(id);
                        }
                        if (drop.Count > 0)
                        {
                            webAppSettings = document.Without(drop);
                            deleteWebAppSettings = webAppSettings == null;
                        }
                    }
                }
            }
            return new BrowserPolicyUndo(delete, kept, webAppSettings, deleteWebAppSettings, removed, notes);
        }

        // ---- Helpers

        /// <summary>The record's entries whose values still hold what AppBan wrote; the others are noted and dropped.</summary>
        private static List<BlocklistEntry> StillAppBans(BrowserPolicyState current, BrowserPolicyRecord record, List<string> notes)
        {
            var still = new List<BlocklistEntry>();
            foreach (var e in record?.BlockEntries ?? (IReadOnlyList<BlocklistEntry>)Array.Empty<BlocklistEntry>())
            {
                if (!current.UrlBlocklist.TryGetValue(e.ValueName, out var data))
                    notes.Add("URLBlocklist value " + e.ValueName + " (" + e.Pattern + ") that AppBan wrote is gone.");
                else if (!string.Equals(data, e.Pattern, StringComparison.Ordinal))
                    notes.Add("URLBlocklist value " + e.ValueName + " no longer holds " + e.Pattern + " as AppBan wrote it" +
                              (data == null ? " (it is not text now)" : " but '" + WebAddressSyntax.Visible(data) + "'") + "; AppBan leaves it.");
                else still.Add(e);
            }
            return still;
        }

        /// <summary>The WebAppSettings document; null, with a note, when it cannot be edited safely.</summary>
        private static WebAppSettingsDocument ReadWebAppSettings(BrowserPolicyState current, string consequence, List<string> notes)
        {
            if (!current.WebAppSettingsIsText)
            {
                if (consequence != null) notes.Add("WebAppSettings is not a text (REG_SZ) value; AppBan leaves it as it is and " + consequence + ".");
                return null;
            }
            if (current.WebAppSettings == null) return WebAppSettingsDocument.Empty();
            if (WebAppSettingsDocument.TryRead(current.WebAppSettings, out var document, out var error)) return document;
            if (consequence != null) notes.Add("WebAppSettings is not a valid JSON list (" + error + "); AppBan leaves it as it is and " + consequence + ".");
            return null;
        }

        private static bool IsAppBanEntry(JToken element, string manifestId) => element != null && JToken.DeepEquals(element, EntryFor(manifestId));

        private static string ManifestIdOf(JToken element) =>
            element is JObject o && o.TryGetValue("manifest_id", StringComparison.Ordinal, out var id) && id.Type == JTokenType.String ? id.Value<string>() : null;

        private static bool ForcesUnregistering(JToken element) =>
            element is JObject o && o.TryGetValue("force_unregister_os_integration", StringComparison.Ordinal, out var v)
            && v.Type == JTokenType.Boolean && v.Value<bool>();

        /// <summary>Two patterns name the same thing when they differ only in case or a final '/'.</summary>
        private static bool SamePattern(string a, string b) =>
            a != null && b != null && string.Equals(a.Trim().TrimEnd('/'), b.Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

        public static List<string> CheckedSites(IEnumerable<string> sites) => Checked(sites, WebAddressSyntax.IsBlockSite, "site pattern", nameof(sites));

        public static List<string> CheckedManifestIds(IEnumerable<string> manifestIds) => Checked(manifestIds, WebAddressSyntax.IsManifestId, "manifest id", nameof(manifestIds));

        private delegate bool Check(string text, out string error);

        private static List<string> Checked(IEnumerable<string> items, Check check, string what, string parameter)
        {
            var list = new List<string>();
            foreach (var item in items ?? Enumerable.Empty<string>())
            {
                if (!check(item, out var error))
                    throw new ArgumentException("The " + what + " '" + WebAddressSyntax.Visible(item) + "' " + error + ".", parameter);
                if (!list.Contains(item, StringComparer.OrdinalIgnoreCase)) list.Add(item);
            }
            return list;
        }
    }
}
