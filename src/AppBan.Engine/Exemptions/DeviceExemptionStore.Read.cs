using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Text;

namespace AppBan.Engine.Exemptions
{
    internal static partial class DeviceExemptionStore
    {
        /// <summary>
        /// Reads every device exemption on the target. A missing root key means none. An entry whose dates do
        /// not parse, or that breaks <see cref="ExemptionRules"/>, is skipped and named in <paramref name="problems"/>,
        /// never silently honoured.
        /// </summary>
        public static async Task<IReadOnlyList<Exemption>> ReadAllAsync(RegistryClient registry, string computerName,
            ICollection<string> problems, CancellationToken ct)
        {
            var ids = await registry.EnumKeyAsync(RegistryHive.LocalMachine, RootKey, ct).ConfigureAwait(false);
            if (ids.Outcome == RegistryOutcome.KeyNotFound) return Array.Empty<Exemption>();
            if (!ids.Success) throw RegistryError(ids.Outcome, ids.ReturnValue, computerName, "read HKLM\\" + RootKey);

            var tasks = new List<Task<Exemption>>();
            foreach (var id in ids.Value)
            {
                // Key names come from the target; only GUIDs are ours, and only they may become a path.
                if (!ExemptionId.IsValid(id))
                {
                    lock (problems) problems.Add("HKLM\\" + RootKey + "\\" + id + " on " + computerName + " is not named by an exemption id (a GUID) and is ignored.");
                    continue;
                }
                tasks.Add(ReadOneAsync(registry, computerName, id, problems, ct));
            }
            var all = await Task.WhenAll(tasks).ConfigureAwait(false);
            var list = new List<Exemption>();
            foreach (var e in all) if (e != null) list.Add(e);
            return list;
        }

        /// <summary>
        /// Reads the exemption whose id is the same GUID as <paramref name="id"/> (either format); null when the
        /// target has none. A present but unreadable entry is named in <paramref name="problems"/> and also gives null.
        /// </summary>
        public static async Task<Exemption> ReadAsync(RegistryClient registry, string computerName, string id,
            ICollection<string> problems, CancellationToken ct)
        {
            var keyName = await FindKeyNameAsync(registry, computerName, id, ct).ConfigureAwait(false);
            return keyName == null ? null : await ReadOneAsync(registry, computerName, keyName, problems, ct).ConfigureAwait(false);
        }

        /// <summary>The key name under the root that holds <paramref name="id"/>, as spelled on the target; null if none.</summary>
        internal static async Task<string> FindKeyNameAsync(RegistryClient registry, string computerName, string id, CancellationToken ct)
        {
            if (!ExemptionId.IsValid(id))
                throw new ArgumentException("'" + id + "' is not an exemption id: expected a GUID.", nameof(id));
            var ids = await registry.EnumKeyAsync(RegistryHive.LocalMachine, RootKey, ct).ConfigureAwait(false);
            if (ids.Outcome == RegistryOutcome.KeyNotFound) return null;
            if (!ids.Success) throw RegistryError(ids.Outcome, ids.ReturnValue, computerName, "read HKLM\\" + RootKey);
            foreach (var name in ids.Value)
                if (ExemptionId.IsValid(name) && ExemptionId.AreSame(name, id)) return name;
            return null;
        }

        private static readonly string[] ValueNames =
        {
            RuleIdValue, UserSidValue, UserNameValue, ReasonValue, ApprovedByValue, GrantedOnValue, ExpiresValue, NotBeforeValue,
        };

        private static async Task<Exemption> ReadOneAsync(RegistryClient registry, string computerName, string id,
            ICollection<string> problems, CancellationToken ct)
        {
            var key = RootKey + "\\" + id;
            var where = "Device exemption HKLM\\" + key + " on " + computerName;
            // The values are read concurrently: one round trip's latency per exemption, not one per value.
            var reads = ValueNames.Select(name => registry.GetStringValueAsync(RegistryHive.LocalMachine, key, name, ct)).ToList();
            var results = await Task.WhenAll(reads).ConfigureAwait(false);
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < ValueNames.Length; i++)
            {
                var r = results[i];
                if (r.Success) values[ValueNames[i]] = string.IsNullOrEmpty(r.Value) ? null : r.Value;
                else if (r.Outcome != RegistryOutcome.ValueNotFound)
                {
                    // A value that is there but unreadable (another type, access denied) must not read as "not set":
                    // an Expires that cannot be read would otherwise mean "never expires".
                    lock (problems) problems.Add(where + ": the value " + ValueNames[i] + " cannot be read (" + r.Outcome + "); the exemption is ignored.");
                    return null;
                }
            }
            string Value(string name) => values.TryGetValue(name, out var v) ? v : null;

            var e = new Exemption
            {
                Id = id,
                Source = ExemptionSource.Device,
                Location = "HKLM\\" + key,
                RuleId = Value(RuleIdValue),
                UserSid = Value(UserSidValue),
                UserName = Value(UserNameValue),
                // A device exemption covers the device it lives on, whatever name that device was addressed by when it
                // was granted (the stored ComputerName) or is scanned by now (IP, FQDN, "localhost" for a local run).
                ComputerName = computerName,
                Reason = Value(ReasonValue),
                ApprovedBy = Value(ApprovedByValue),
            };
            try
            {
                e.GrantedOn = ParseDate(Value(GrantedOnValue));
                e.Expires = ParseDate(Value(ExpiresValue));
                e.NotBefore = ParseDate(Value(NotBeforeValue));
            }
            catch (FormatException ex)
            {
                lock (problems) problems.Add(where + " has a bad date: " + ex.Message);
                return null;
            }
            // The rules a grant obeys: an entry written by hand that the cmdlet could not have written is not honoured.
            var broken = ExemptionRules.CheckStored(e, knownRuleIds: null);
            if (broken.Count > 0)
            {
                lock (problems) problems.Add(where + " is ignored: " + string.Join(" ", broken.Select(p => ValueNameOf(p) + ": " + p.Message)));
                return null;
            }
            return e;
        }

        private static string ValueNameOf(ExemptionProblem problem)
        {
            switch (problem.ParameterName)
            {
                case "Rule": return RuleIdValue;
                case "User": return UserNameValue;
                case "UserSid": return UserSidValue;
                case "NotBefore": return NotBeforeValue;
                case "Expires": return ExpiresValue;
                default: return ReasonValue;
            }
        }

        internal static DateTimeOffset? ParseDate(string text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            if (IsoDate.TryParse(text, out var d)) return d;
            throw new FormatException("'" + text + "' is not an ISO 8601 date.");
        }

        internal static string FormatDate(DateTimeOffset? date) =>
            date.HasValue ? date.Value.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture) : null;
    }
}
