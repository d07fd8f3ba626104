using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Exemptions
{
    public static partial class DeviceExemptionStore
    {
        /// <summary>
        /// Reads every device exemption on the target. A missing root key means none. An entry whose dates do
        /// not parse is skipped and named in <paramref name="problems"/>, never silently honoured.
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

        private static async Task<Exemption> ReadOneAsync(RegistryClient registry, string computerName, string id,
            ICollection<string> problems, CancellationToken ct)
        {
            var key = RootKey + "\\" + id;
            async Task<string> Read(string name)
            {
                var r = await registry.GetStringValueAsync(RegistryHive.LocalMachine, key, name, ct).ConfigureAwait(false);
                return r.Success && !string.IsNullOrEmpty(r.Value) ? r.Value : null;
            }

            var e = new Exemption
            {
                Id = id,
                Source = ExemptionSource.Device,
                Location = "HKLM\\" + key,
                RuleId = await Read(RuleIdValue).ConfigureAwait(false),
                UserSid = await Read(UserSidValue).ConfigureAwait(false),
                UserName = await Read(UserNameValue).ConfigureAwait(false),
                // A device exemption covers the device it lives on, whatever name that device was addressed by when it
                // was granted (the stored ComputerName) or is scanned by now (IP, FQDN, "localhost" for a local run).
                ComputerName = computerName,
                Reason = await Read(ReasonValue).ConfigureAwait(false),
                ApprovedBy = await Read(ApprovedByValue).ConfigureAwait(false),
            };
            try
            {
                e.GrantedOn = ParseDate(await Read(GrantedOnValue).ConfigureAwait(false));
                e.Expires = ParseDate(await Read(ExpiresValue).ConfigureAwait(false));
                e.NotBefore = ParseDate(await Read(NotBeforeValue).ConfigureAwait(false));
            }
            catch (FormatException ex)
            {
                lock (problems) problems.Add("Device exemption HKLM\\" + key + " on " + computerName + " has a bad date: " + ex.Message);
                return null;
            }
            if (string.IsNullOrEmpty(e.RuleId) || string.IsNullOrEmpty(e.Reason))
            {
                lock (problems) problems.Add("Device exemption HKLM\\" + key + " on " + computerName + " lacks a RuleId or Reason and is ignored.");
                return null;
            }
            return e;
        }

        internal static DateTimeOffset? ParseDate(string text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)) return d;
            throw new FormatException("'" + text + "' is not an ISO 8601 date.");
        }

        internal static string FormatDate(DateTimeOffset? date) =>
            date.HasValue ? date.Value.ToUniversalTime().ToString("o", CultureInfo.InvariantCulture) : null;
    }
}
