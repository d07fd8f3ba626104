using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;
using AppBan.Engine.Text;

namespace AppBan.Engine.Remediation
{
    /// <summary>What a browser policy change did for one user and browser.</summary>
    internal sealed class BrowserPolicyChange
    {
        internal BrowserPolicyChange(string userSid, PolicyBrowser browser, IEnumerable<BlocklistEntry> blockEntries, IEnumerable<string> manifestIds,
            IEnumerable<string> notes, BrowserPolicyRecord record, string error)
        {
            UserSid = userSid;
            Browser = browser;
            BlockEntries = (blockEntries ?? Enumerable.Empty<BlocklistEntry>()).ToList().AsReadOnly();
            ManifestIds = (manifestIds ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
            Notes = (notes ?? Enumerable.Empty<string>()).ToList().AsReadOnly();
            Record = record;
            Error = error;
        }

        public string UserSid { get; }
        public PolicyBrowser Browser { get; }
        /// <summary>URLBlocklist values written (apply) or deleted (remove).</summary>
        public IReadOnlyList<BlocklistEntry> BlockEntries { get; }
        /// <summary>WebAppSettings entries added (apply) or removed (remove), by manifest id.</summary>
        public IReadOnlyList<string> ManifestIds { get; }
        /// <summary>What was left alone and why, in words for the administrator.</summary>
        public IReadOnlyList<string> Notes { get; }
        /// <summary>AppBan's record as the change left it on the target; null when there is none.</summary>
        public BrowserPolicyRecord Record { get; }
        /// <summary>Why the change could not be made or finished; null when it was.</summary>
        public string Error { get; }
        public bool Succeeded => Error == null;
        public bool Changed => BlockEntries.Count > 0 || ManifestIds.Count > 0;

        public override string ToString() =>
            Browser + " " + UserSid + ": " + (Error ?? string.Join(", ", BlockEntries.Select(e => e.RecordText).Concat(ManifestIds)));
    }

    /// <summary>
    /// Writes and removes browser policy in a loaded user hive (HKU\&lt;SID&gt;) through StdRegProv, with
    /// <see cref="BrowserPolicy"/> deciding what. Every write goes to the user's Edge or Chrome policy key or to
    /// AppBan's record for that user under HKLM\SOFTWARE\AppBan\BrowserPolicy, and is checked to do so before it is
    /// sent. Nothing read from the hive is run or used as a key path: value names AppBan writes are list numbers it
    /// computes, and the data is the policy's checked sites and manifest ids.
    /// <para>
    /// Order: when applying, the record is written before the policy values, so an interruption can leave a record
    /// naming values that are not there (removal skips them: it deletes only values that hold what AppBan wrote), never
    /// values no record names. When removing, the policy values go first and the record last, for the same reason.
    /// </para>
    /// </summary>
    internal sealed class BrowserPolicyWriter
    {
        private readonly RegistryClient _registry;

        public BrowserPolicyWriter(RegistryClient registry)
        {
            _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        }

        private string Computer => _registry.Session.ComputerName;

        // ---- Apply

        /// <summary>
        /// Blocks <paramref name="sites"/> and unregisters the web apps <paramref name="manifestIds"/> for the user in Edge
        /// and Chrome policy, and records what was added. Throws ArgumentException for input that fails its checks
        /// (see <see cref="BrowserPolicyPlan.For"/>) and CimException when the target cannot be reached; a registry
        /// refusal is the browser's <see cref="BrowserPolicyChange.Error"/>.
        /// </summary>
        public Task<IReadOnlyList<BrowserPolicyChange>> ApplyAsync(string userSid, string ruleId, IEnumerable<string> sites,
            IEnumerable<string> manifestIds, string policyName, CancellationToken ct) =>
            ApplyAsync(BrowserPolicyPlan.For(userSid, ruleId, sites, manifestIds, policyName), ct);

        public async Task<IReadOnlyList<BrowserPolicyChange>> ApplyAsync(BrowserPolicyPlan plan, CancellationToken ct)
        {
            if (plan == null) throw new ArgumentNullException(nameof(plan));
            var results = new List<BrowserPolicyChange>();
            var notLoaded = await HiveProblemAsync(plan.UserSid, ct).ConfigureAwait(false);
            foreach (var browser in BrowserPolicy.Browsers)
            {
                if (notLoaded != null)
                {
                    results.Add(new BrowserPolicyChange(plan.UserSid, browser, null, null, null, null, notLoaded + "; nothing was written."));
                    continue;
                }
                results.Add(await ApplyToAsync(plan, browser, ct).ConfigureAwait(false));
            }
            return results;
        }

        private async Task<BrowserPolicyChange> ApplyToAsync(BrowserPolicyPlan plan, PolicyBrowser browser, CancellationToken ct)
        {
            var sid = plan.UserSid;
            BrowserPolicyRecord previous;
            BrowserPolicyAddition addition;
            try
            {
                previous = await ReadRecordAsync(sid, browser, ct).ConfigureAwait(false);
                var state = await ReadStateAsync(sid, browser, ct).ConfigureAwait(false);
                addition = BrowserPolicy.Add(state, previous, plan.Sites, plan.ManifestIds);
            }
            catch (BrowserPolicyException e)
            {
                return new BrowserPolicyChange(sid, browser, null, null, null, null, e.Message + "; nothing was written.");
            }

            var ruleIds = (previous?.RuleIds ?? (IReadOnlyList<string>)Array.Empty<string>())
                .Concat(new[] { plan.RuleId }).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var planned = new BrowserPolicyRecord(sid, browser, addition.RecordedEntries, addition.RecordedManifestIds, plan.PolicyName, ruleIds);
            var written = new List<BlocklistEntry>();
            var webAppSettingsWritten = false;
            try
            {
                if (!SameRecord(previous, planned)) await WriteRecordAsync(planned, ct).ConfigureAwait(false);
                if (addition.NewEntries.Count > 0)
                {
                    var blocklist = BrowserPolicy.BlocklistKey(sid, browser);
                    await StepAsync(RegistryHive.Users, blocklist, null, "create", (h, k, t) => _registry.CreateKeyAsync(h, k, t), ct).ConfigureAwait(false);
                    foreach (var entry in addition.NewEntries)
                    {
                        await StepAsync(RegistryHive.Users, blocklist, entry.ValueName, "write",
                            (h, k, t) => _registry.SetStringValueAsync(h, k, entry.ValueName, entry.Pattern, t), ct).ConfigureAwait(false);
                        written.Add(entry);
                    }
                }
                if (addition.WebAppSettings != null)
                {
                    var key = BrowserPolicy.PolicyKey(sid, browser);
                    await StepAsync(RegistryHive.Users, key, null, "create", (h, k, t) => _registry.CreateKeyAsync(h, k, t), ct).ConfigureAwait(false);
                    await StepAsync(RegistryHive.Users, key, BrowserPolicy.WebAppSettingsValue, "write",
                        (h, k, t) => _registry.SetStringValueAsync(h, k, BrowserPolicy.WebAppSettingsValue, addition.WebAppSettings, t), ct).ConfigureAwait(false);
                    webAppSettingsWritten = true;
                }
            }
            catch (BrowserPolicyException e)
            {
                // Record only what is really there, so that the record does not claim values that another writer may take.
                var stillOurs = addition.RecordedEntries.Where(r => !addition.NewEntries.Contains(r) || written.Contains(r));
                var ids = webAppSettingsWritten ? addition.RecordedManifestIds : addition.RecordedManifestIds.Except(addition.AddedManifestIds);
                var actual = new BrowserPolicyRecord(sid, browser, stillOurs, ids, plan.PolicyName, ruleIds);
                var error = e.Message;
                try { await WriteRecordAsync(actual, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception again) when (again is BrowserPolicyException || again is CimException)
                {
                    error += "; the record " + planned.KeyPath + " could not be corrected (" + again.Message + ") and names values that were not written";
                }
                return new BrowserPolicyChange(sid, browser, written, webAppSettingsWritten ? addition.AddedManifestIds : null, addition.Notes,
                    actual.IsEmpty ? null : actual, error);
            }
            return new BrowserPolicyChange(sid, browser, written, addition.AddedManifestIds, addition.Notes, planned.IsEmpty ? null : planned, null);
        }

        // ---- Remove

        /// <summary>
        /// Undoes AppBan's browser policy for the user: for each browser whose record names one of
        /// <paramref name="ruleIds"/> (null: every record of the user), the values AppBan wrote that still hold what it
        /// wrote are deleted, its unchanged WebAppSettings entries are cut, and the record is deleted.
        /// <para>
        /// The record says which values AppBan added for a browser, not for which rule. So while the record also names
        /// rules that are not being removed, its values stay (they may serve those rules) and only the rule ids asked
        /// for leave the record; a note says so. The values go with the last rule.
        /// </para>
        /// Only browsers that have a record give a result.
        /// </summary>
        public async Task<IReadOnlyList<BrowserPolicyChange>> RemoveAsync(string userSid, IEnumerable<string> ruleIds, CancellationToken ct)
        {
            var sid = BrowserPolicy.CheckedSid(userSid);
            var asked = ruleIds == null ? null : new HashSet<string>(ruleIds, StringComparer.OrdinalIgnoreCase);
            var results = new List<BrowserPolicyChange>();
            string notLoaded = null;
            var hiveChecked = false;
            foreach (var browser in BrowserPolicy.Browsers)
            {
                BrowserPolicyRecord record;
                try { record = await ReadRecordAsync(sid, browser, ct).ConfigureAwait(false); }
                catch (BrowserPolicyException e)
                {
                    results.Add(new BrowserPolicyChange(sid, browser, null, null, null, null, e.Message + "; nothing was removed."));
                    continue;
                }
                if (record == null) continue;
                if (asked != null && !record.RuleIds.Any(asked.Contains)) continue;

                var remaining = asked == null ? new List<string>() : record.RuleIds.Where(r => !asked.Contains(r)).ToList();
                if (remaining.Count > 0)
                {
                    results.Add(await NarrowRecordAsync(record, remaining, ct).ConfigureAwait(false));
                    continue;
                }
                if (!hiveChecked)
                {
                    notLoaded = await HiveProblemAsync(sid, ct).ConfigureAwait(false);
                    hiveChecked = true;
                }
                if (notLoaded != null)
                {
                    results.Add(new BrowserPolicyChange(sid, browser, null, null, null, record, notLoaded + "; AppBan's entries stay, and so does the record."));
                    continue;
                }
                results.Add(await UndoAsync(record, ct).ConfigureAwait(false));
            }
            return results;
        }

        private async Task<BrowserPolicyChange> NarrowRecordAsync(BrowserPolicyRecord record, List<string> remaining, CancellationToken ct)
        {
            var narrowed = new BrowserPolicyRecord(record.UserSid, record.Browser, record.BlockEntries, record.ManifestIds, record.Policy, remaining);
            var note = "AppBan's entries stay: the record does not say which rule each serves, and they may serve " + string.Join(", ", remaining) +
                       ", still recorded. They go when those rules are removed too.";
            try
            {
                await SetOrDeleteMultiAsync(RegistryHive.LocalMachine, BrowserPolicy.RecordKey(record.UserSid, record.Browser), BrowserPolicy.RecordRuleIdsValue, remaining, ct).ConfigureAwait(false);
                return new BrowserPolicyChange(record.UserSid, record.Browser, null, null, new[] { note }, narrowed, null);
            }
            catch (BrowserPolicyException e)
            {
                return new BrowserPolicyChange(record.UserSid, record.Browser, null, null, new[] { note }, record, e.Message);
            }
        }

        private async Task<BrowserPolicyChange> UndoAsync(BrowserPolicyRecord record, CancellationToken ct)
        {
            var sid = record.UserSid;
            var browser = record.Browser;
            var deleted = new List<BlocklistEntry>();
            var removedIds = new List<string>();
            BrowserPolicyUndo undo = null;
            try
            {
                var state = await ReadStateAsync(sid, browser, ct).ConfigureAwait(false);
                undo = BrowserPolicy.Undo(state, record);
                var blocklist = BrowserPolicy.BlocklistKey(sid, browser);
                var key = BrowserPolicy.PolicyKey(sid, browser);
                foreach (var entry in undo.EntriesToDelete)
                {
                    await StepAsync(RegistryHive.Users, blocklist, entry.ValueName, "delete",
                        (h, k, t) => _registry.DeleteValueAsync(h, k, entry.ValueName, t), ct, missingIsFine: true).ConfigureAwait(false);
                    deleted.Add(entry);
                }
                if (undo.WebAppSettings != null)
                    await StepAsync(RegistryHive.Users, key, BrowserPolicy.WebAppSettingsValue, "write",
                        (h, k, t) => _registry.SetStringValueAsync(h, k, BrowserPolicy.WebAppSettingsValue, undo.WebAppSettings, t), ct).ConfigureAwait(false);
                else if (undo.DeleteWebAppSettings)
                    await StepAsync(RegistryHive.Users, key, BrowserPolicy.WebAppSettingsValue, "delete",
                        (h, k, t) => _registry.DeleteValueAsync(h, k, BrowserPolicy.WebAppSettingsValue, t), ct, missingIsFine: true).ConfigureAwait(false);
                removedIds.AddRange(undo.RemovedManifestIds);

                // Keys left with nothing in them go too: an empty policy key means nothing to the browser.
                if (deleted.Count > 0) await DeleteIfEmptyAsync(RegistryHive.Users, blocklist, ct).ConfigureAwait(false);
                if (deleted.Count > 0 || removedIds.Count > 0) await DeleteIfEmptyAsync(RegistryHive.Users, key, ct).ConfigureAwait(false);

                var recordKey = BrowserPolicy.RecordKey(sid, browser);
                if (undo.Complete)
                {
                    await StepAsync(RegistryHive.LocalMachine, recordKey, null, "delete", (h, k, t) => _registry.DeleteKeyAsync(h, k, t), ct, missingIsFine: true).ConfigureAwait(false);
                    await DeleteIfEmptyAsync(RegistryHive.LocalMachine, BrowserPolicy.RecordRoot + "\\" + sid, ct).ConfigureAwait(false);
                    return new BrowserPolicyChange(sid, browser, deleted, removedIds, undo.Notes, null, null);
                }
                var kept = new BrowserPolicyRecord(sid, browser, undo.KeptEntries, null, record.Policy, record.RuleIds);
                await WriteRecordAsync(kept, ct).ConfigureAwait(false);
                return new BrowserPolicyChange(sid, browser, deleted, removedIds, undo.Notes, kept, null);
            }
            catch (BrowserPolicyException e)
            {
                // The record stays as it was: removal deletes only values that still hold what AppBan wrote, so trying again is safe.
                return new BrowserPolicyChange(sid, browser, deleted, removedIds, undo?.Notes, record, e.Message);
            }
        }

        // ---- Records

        /// <summary>
        /// Every record under HKLM\SOFTWARE\AppBan\BrowserPolicy, or only <paramref name="userSid"/>'s. Keys whose names are
        /// not a user's SID or a browser AppBan writes are not AppBan's and are not opened. A record value that cannot be
        /// read as AppBan writes it counts as empty. Throws BrowserPolicyException when a record key cannot be read.
        /// </summary>
        public async Task<IReadOnlyList<BrowserPolicyRecord>> ReadRecordsAsync(CancellationToken ct, string userSid = null)
        {
            var records = new List<BrowserPolicyRecord>();
            IEnumerable<string> sids;
            if (userSid != null) sids = new[] { BrowserPolicy.CheckedSid(userSid) };
            else
            {
                var users = await _registry.EnumKeyAsync(RegistryHive.LocalMachine, BrowserPolicy.RecordRoot, ct).ConfigureAwait(false);
                if (users.Outcome == RegistryOutcome.KeyNotFound) return records;
                if (!users.Success) throw new BrowserPolicyException(Describe("read", RegistryHive.LocalMachine, BrowserPolicy.RecordRoot, null, users.Outcome));
                sids = users.Value.Where(SecurityIdentifiers.IsUserAccount).Select(s => s.ToUpperInvariant());
            }
            foreach (var sid in sids)
                foreach (var browser in BrowserPolicy.Browsers)
                {
                    var record = await ReadRecordAsync(sid, browser, ct).ConfigureAwait(false);
                    if (record != null) records.Add(record);
                }
            return records;
        }

        private async Task<BrowserPolicyRecord> ReadRecordAsync(string sid, PolicyBrowser browser, CancellationToken ct)
        {
            var key = BrowserPolicy.RecordKey(sid, browser);
            var values = await _registry.EnumValuesAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
            if (values.Outcome == RegistryOutcome.KeyNotFound) return null;
            if (!values.Success) throw new BrowserPolicyException(Describe("read", RegistryHive.LocalMachine, key, null, values.Outcome));

            var entries = (await MultiAsync(key, BrowserPolicy.RecordUrlBlocklistValue, ct).ConfigureAwait(false))
                .Select(BlocklistEntry.FromRecordText).Where(e => e != null).ToList();
            var ids = (await MultiAsync(key, BrowserPolicy.RecordWebAppSettingsValue, ct).ConfigureAwait(false))
                .Where(id => WebAddressSyntax.IsManifestId(id, out _)).ToList();
            var rules = (await MultiAsync(key, BrowserPolicy.RecordRuleIdsValue, ct).ConfigureAwait(false)).Where(RuleIdSyntax.IsValid).ToList();
            var policy = await _registry.GetStringValueAsync(RegistryHive.LocalMachine, key, BrowserPolicy.RecordPolicyValue, ct).ConfigureAwait(false);
            return new BrowserPolicyRecord(sid, browser, entries, ids, policy.Success ? policy.Value : null, rules);
        }

        private async Task<IReadOnlyList<string>> MultiAsync(string key, string valueName, CancellationToken ct)
        {
            var r = await _registry.GetMultiStringValueAsync(RegistryHive.LocalMachine, key, valueName, ct).ConfigureAwait(false);
            if (r.Success) return r.Value;
            if (r.Outcome == RegistryOutcome.ValueNotFound || r.Outcome == RegistryOutcome.KeyNotFound || r.Outcome == RegistryOutcome.TypeMismatch)
                return Array.Empty<string>();
            throw new BrowserPolicyException(Describe("read", RegistryHive.LocalMachine, key, valueName, r.Outcome));
        }

        private async Task WriteRecordAsync(BrowserPolicyRecord record, CancellationToken ct)
        {
            var key = BrowserPolicy.RecordKey(record.UserSid, record.Browser);
            if (record.IsEmpty)
            {
                await StepAsync(RegistryHive.LocalMachine, key, null, "delete", (h, k, t) => _registry.DeleteKeyAsync(h, k, t), ct, missingIsFine: true).ConfigureAwait(false);
                await DeleteIfEmptyAsync(RegistryHive.LocalMachine, BrowserPolicy.RecordRoot + "\\" + record.UserSid, ct).ConfigureAwait(false);
                return;
            }
            await StepAsync(RegistryHive.LocalMachine, key, null, "create", (h, k, t) => _registry.CreateKeyAsync(h, k, t), ct).ConfigureAwait(false);
            await SetOrDeleteMultiAsync(RegistryHive.LocalMachine, key, BrowserPolicy.RecordUrlBlocklistValue, record.BlockEntries.Select(e => e.RecordText).ToList(), ct).ConfigureAwait(false);
            await SetOrDeleteMultiAsync(RegistryHive.LocalMachine, key, BrowserPolicy.RecordWebAppSettingsValue, record.ManifestIds, ct).ConfigureAwait(false);
            await StepAsync(RegistryHive.LocalMachine, key, BrowserPolicy.RecordPolicyValue, "write",
                (h, k, t) => _registry.SetStringValueAsync(h, k, BrowserPolicy.RecordPolicyValue, record.Policy ?? "", t), ct).ConfigureAwait(false);
            await SetOrDeleteMultiAsync(RegistryHive.LocalMachine, key, BrowserPolicy.RecordRuleIdsValue, record.RuleIds, ct).ConfigureAwait(false);
        }

        private static bool SameRecord(BrowserPolicyRecord a, BrowserPolicyRecord b) =>
            a == null ? b.IsEmpty
            : a.BlockEntries.SequenceEqual(b.BlockEntries) && a.ManifestIds.SequenceEqual(b.ManifestIds, StringComparer.Ordinal)
              && a.RuleIds.SequenceEqual(b.RuleIds, StringComparer.Ordinal) && string.Equals(a.Policy, b.Policy, StringComparison.Ordinal);

        /// <summary>An empty list is stored as no value: REG_MULTI_SZ cannot carry an empty list over StdRegProv.</summary>
        private Task SetOrDeleteMultiAsync(RegistryHive hive, string key, string valueName, IReadOnlyList<string> values, CancellationToken ct) =>
            values.Count == 0
                ? StepAsync(hive, key, valueName, "delete", (h, k, t) => _registry.DeleteValueAsync(h, k, valueName, t), ct, missingIsFine: true)
                : StepAsync(hive, key, valueName, "write", (h, k, t) => _registry.SetMultiStringValueAsync(h, k, valueName, values, t), ct);

        // ---- The user's hive

        /// <summary>Null when HKU\&lt;SID&gt; is loaded; otherwise why AppBan cannot write there.</summary>
        private async Task<string> HiveProblemAsync(string sid, CancellationToken ct)
        {
            var hive = await _registry.EnumKeyAsync(RegistryHive.Users, sid, ct).ConfigureAwait(false);
            if (hive.Success) return null;
            if (hive.Outcome == RegistryOutcome.KeyNotFound)
                return "HKU\\" + sid + " is not loaded on " + Computer + " (the user is not signed in)";
            return Describe("read", RegistryHive.Users, sid, null, hive.Outcome);
        }

        private async Task<BrowserPolicyState> ReadStateAsync(string sid, PolicyBrowser browser, CancellationToken ct)
        {
            var blocklistKey = BrowserPolicy.BlocklistKey(sid, browser);
            var list = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var values = await _registry.EnumValuesAsync(RegistryHive.Users, blocklistKey, ct).ConfigureAwait(false);
            if (values.Success)
            {
                foreach (var value in values.Value)
                {
                    if (value.Kind != RegistryValueKind.String) { list[value.Name] = null; continue; }
                    var data = await _registry.GetStringValueAsync(RegistryHive.Users, blocklistKey, value.Name, ct).ConfigureAwait(false);
                    if (data.Success) list[value.Name] = data.Value;
                    else if (data.Outcome == RegistryOutcome.TypeMismatch || data.Outcome == RegistryOutcome.ValueNotFound) list[value.Name] = null;
                    else throw new BrowserPolicyException(Describe("read", RegistryHive.Users, blocklistKey, value.Name, data.Outcome));
                }
            }
            else if (values.Outcome != RegistryOutcome.KeyNotFound)
                throw new BrowserPolicyException(Describe("read", RegistryHive.Users, blocklistKey, null, values.Outcome));

            var key = BrowserPolicy.PolicyKey(sid, browser);
            var settings = await _registry.GetStringValueAsync(RegistryHive.Users, key, BrowserPolicy.WebAppSettingsValue, ct).ConfigureAwait(false);
            if (settings.Success) return new BrowserPolicyState(list, settings.Value);
            if (settings.Outcome == RegistryOutcome.TypeMismatch) return new BrowserPolicyState(list, null, webAppSettingsIsText: false);
            if (settings.Outcome == RegistryOutcome.ValueNotFound || settings.Outcome == RegistryOutcome.KeyNotFound) return new BrowserPolicyState(list, null);
            throw new BrowserPolicyException(Describe("read", RegistryHive.Users, key, BrowserPolicy.WebAppSettingsValue, settings.Outcome));
        }

        private async Task DeleteIfEmptyAsync(RegistryHive hive, string key, CancellationToken ct)
        {
            var keys = await _registry.EnumKeyAsync(hive, key, ct).ConfigureAwait(false);
            if (!keys.Success || keys.Value.Count > 0) return;
            var values = await _registry.EnumValuesAsync(hive, key, ct).ConfigureAwait(false);
            if (!values.Success || values.Value.Count > 0) return;
            await StepAsync(hive, key, null, "delete", (h, k, t) => _registry.DeleteKeyAsync(h, k, t), ct, missingIsFine: true).ConfigureAwait(false);
        }

        // ---- Every change goes through here

        /// <summary>
        /// One change, refused before it is sent unless it stays in the user's browser policy keys or AppBan's record for
        /// that user (<see cref="BrowserPolicy.IsWritable"/>). A StdRegProv refusal becomes <see cref="BrowserPolicyException"/>.
        /// </summary>
        private async Task StepAsync(RegistryHive hive, string key, string valueName, string verb,
            Func<RegistryHive, string, CancellationToken, Task<RegistryResult<bool>>> change, CancellationToken ct, bool missingIsFine = false)
        {
            var sid = key.Split('\\').FirstOrDefault(SecurityIdentifiers.IsUserAccount);
            if (!BrowserPolicy.IsWritable(hive, key, sid))
                throw new InvalidOperationException("Refusing to change " + InventoryPaths.Format(hive, key) + ": outside the browser policy keys and AppBan's record.");
            var r = await change(hive, key, ct).ConfigureAwait(false);
            if (r.Success) return;
            if (missingIsFine && (r.Outcome == RegistryOutcome.KeyNotFound || r.Outcome == RegistryOutcome.ValueNotFound)) return;
            throw new BrowserPolicyException(Describe(verb, hive, key, valueName, r.Outcome));
        }

        private string Describe(string verb, RegistryHive hive, string key, string valueName, RegistryOutcome outcome) =>
            "could not " + verb + " " + InventoryPaths.Format(hive, key) + (valueName != null ? " value " + valueName : "") + " on " + Computer + " (" + outcome + ")";
    }

    /// <summary>A registry operation of a browser policy change was refused by the target (StdRegProv ReturnValue).</summary>
    internal sealed class BrowserPolicyException : Exception
    {
        public BrowserPolicyException(string message) : base(message) { }
    }
}
