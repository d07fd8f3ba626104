using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Which exemptions a revoke removes, and where: the ids given for devices (GUIDs only: a device exemption id
    /// becomes a registry path), or the exemption records piped in, each revoked in the store it was read from.
    /// </summary>
    public sealed class ExemptionRevokePlan
    {
        private ExemptionRevokePlan(IReadOnlyList<KeyValuePair<string, List<string>>> policyFiles,
            Dictionary<string, List<string>> deviceIdsByTarget, IReadOnlyList<ExemptionRecord> unusable)
        {
            PolicyFiles = policyFiles;
            DeviceIdsByTarget = deviceIdsByTarget;
            Unusable = unusable;
        }

        /// <summary>The policy files to edit, in the order first seen, each with the ids to remove from it.</summary>
        public IReadOnlyList<KeyValuePair<string, List<string>>> PolicyFiles { get; }
        /// <summary>The device exemption ids to remove, by the computer they were read on.</summary>
        public Dictionary<string, List<string>> DeviceIdsByTarget { get; }
        /// <summary>Device records that name no computer or whose id is not a GUID: nothing is revoked for them.</summary>
        public IReadOnlyList<ExemptionRecord> Unusable { get; }

        /// <summary>The first of <paramref name="ids"/> that is not a device exemption id (a GUID); null when all are.</summary>
        public static string FirstInvalidDeviceId(IEnumerable<string> ids) =>
            (ids ?? throw new ArgumentNullException(nameof(ids))).FirstOrDefault(i => !ExemptionId.IsValid(i));

        public static ExemptionRevokePlan FromRecords(IEnumerable<ExemptionRecord> records)
        {
            var list = (records ?? throw new ArgumentNullException(nameof(records))).Where(r => r != null).ToList();
            var files = list.Where(r => r.Source == ExemptionSource.Policy && !string.IsNullOrEmpty(r.Target))
                .GroupBy(r => r.Target, StringComparer.OrdinalIgnoreCase)
                .Select(g => new KeyValuePair<string, List<string>>(g.Key, g.Select(r => r.Id).ToList()))
                .ToList();
            var byTarget = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            var unusable = new List<ExemptionRecord>();
            foreach (var r in list.Where(r => r.Source == ExemptionSource.Device))
            {
                if (string.IsNullOrEmpty(r.Target) || !ExemptionId.IsValid(r.Id))
                {
                    unusable.Add(r);
                    continue;
                }
                if (!byTarget.TryGetValue(r.Target, out var ids)) byTarget[r.Target] = ids = new List<string>();
                ids.Add(r.Id);
            }
            return new ExemptionRevokePlan(files, byTarget, unusable);
        }
    }
}
