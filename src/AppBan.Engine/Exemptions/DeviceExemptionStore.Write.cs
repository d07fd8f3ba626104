using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Exemptions
{
    internal static partial class DeviceExemptionStore
    {
        /// <summary>
        /// Writes one exemption as HKLM\SOFTWARE\AppBan\Exemptions\&lt;Id&gt;: CreateKey, then one SetStringValue per
        /// value that is set (an absent value means "not set"). An existing key with that id is never overwritten.
        /// When a call fails part-way the key is deleted again, so a target holds either the whole exemption or none.
        /// </summary>
        public static async Task WriteAsync(RegistryClient registry, string computerName, Exemption exemption, CancellationToken ct)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            if (exemption == null) throw new ArgumentNullException(nameof(exemption));
            CheckWritable(exemption);
            var key = KeyOf(exemption.Id);

            var existing = await FindKeyNameAsync(registry, computerName, exemption.Id, ct).ConfigureAwait(false);
            if (existing != null)
                throw new ExemptionException(ExemptionErrorKind.ExemptionExists, computerName,
                    "An exemption with id " + existing + " already exists on " + computerName + "; nothing was written.");

            var created = await registry.CreateKeyAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
            if (!created.Success) throw RegistryError(created.Outcome, created.ReturnValue, computerName, "create HKLM\\" + key);

            try
            {
                foreach (var value in ValuesOf(exemption))
                {
                    if (value.Value == null) continue;
                    var set = await registry.SetStringValueAsync(RegistryHive.LocalMachine, key, value.Key, value.Value, ct).ConfigureAwait(false);
                    if (!set.Success) throw RegistryError(set.Outcome, set.ReturnValue, computerName, "write HKLM\\" + key + "\\" + value.Key);
                }
            }
            catch (Exception writeFailure)
            {
                // Undo even when cancelled: a half-written exemption must not stay behind.
                RegistryResult<bool> undone;
                try
                {
                    undone = await registry.DeleteKeyTreeAsync(RegistryHive.LocalMachine, key, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception undoFailure)
                {
                    throw new ExemptionException(ExemptionErrorKind.WriteFailed, computerName,
                        "Writing HKLM\\" + key + " on " + computerName + " failed (" + writeFailure.Message +
                        ") and the half-written key could not be removed (" + undoFailure.Message + "). Delete it by hand.", writeFailure);
                }
                if (!undone.Success && undone.Outcome != RegistryOutcome.KeyNotFound)
                    throw new ExemptionException(ExemptionErrorKind.WriteFailed, computerName,
                        "Writing HKLM\\" + key + " on " + computerName + " failed (" + writeFailure.Message +
                        ") and the half-written key could not be removed (" + undone.Outcome + "). Delete it by hand.", writeFailure);
                throw;
            }
            exemption.Source = ExemptionSource.Device;
            exemption.Location = "HKLM\\" + key;
        }

        /// <summary>
        /// Deletes the exemption with that id (either GUID format) and returns it as it was read just before; null
        /// when the target has no such exemption. An entry too damaged to read is still deleted.
        /// </summary>
        public static async Task<Exemption> DeleteAsync(RegistryClient registry, string computerName, string id, CancellationToken ct)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            var keyName = await FindKeyNameAsync(registry, computerName, id, ct).ConfigureAwait(false);
            if (keyName == null) return null;
            var problems = new List<string>();
            var key = KeyOf(keyName);
            var before = await ReadOneAsync(registry, computerName, keyName, problems, ct).ConfigureAwait(false)
                         ?? new Exemption { Id = keyName, Source = ExemptionSource.Device, Location = "HKLM\\" + key, ComputerName = computerName };
            var deleted = await registry.DeleteKeyTreeAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
            if (deleted.Outcome == RegistryOutcome.KeyNotFound) return null;
            if (!deleted.Success) throw RegistryError(deleted.Outcome, deleted.ReturnValue, computerName, "delete HKLM\\" + key);
            return before;
        }

        /// <summary>The registry values of an exemption in write order; null means "leave the value absent".</summary>
        internal static IEnumerable<KeyValuePair<string, string>> ValuesOf(Exemption e)
        {
            yield return new KeyValuePair<string, string>(RuleIdValue, e.RuleId);
            yield return new KeyValuePair<string, string>(UserSidValue, e.UserSid);
            yield return new KeyValuePair<string, string>(UserNameValue, e.UserName);
            yield return new KeyValuePair<string, string>(ComputerNameValue, e.ComputerName);
            yield return new KeyValuePair<string, string>(ReasonValue, e.Reason);
            yield return new KeyValuePair<string, string>(ApprovedByValue, e.ApprovedBy);
            yield return new KeyValuePair<string, string>(GrantedOnValue, FormatDate(e.GrantedOn));
            yield return new KeyValuePair<string, string>(ExpiresValue, FormatDate(e.Expires));
            yield return new KeyValuePair<string, string>(NotBeforeValue, FormatDate(e.NotBefore));
        }

        private static void CheckWritable(Exemption e)
        {
            if (!ExemptionId.IsValid(e.Id)) throw new ArgumentException("'" + e.Id + "' is not an exemption id: expected a GUID.", nameof(e));
            if (string.IsNullOrWhiteSpace(e.RuleId)) throw new ArgumentException("An exemption needs a rule id.", nameof(e));
            if (string.IsNullOrWhiteSpace(e.Reason)) throw new ArgumentException("An exemption needs a reason.", nameof(e));
            if (e.UserSid != null && !UserReference.IsValidSid(e.UserSid)) throw new ArgumentException("'" + e.UserSid + "' is not a SID.", nameof(e));
        }
    }
}
