using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    /// <summary>Orders and completes the removal requests of one host before they run, one at a time.</summary>
    internal static class RemovalBatch
    {
        /// <summary>
        /// Sets <see cref="RemovalRequest.AllowAllUsersFallback"/> and <see cref="RemovalRequest.ApprovedUsersForFamily"/>
        /// from what else was found on the host and, when known,
        /// the exemptions that apply there now, and orders the requests: provisioned copies first (so that no new user
        /// gets the package meanwhile), then Store apps, MSI and EXE uninstallers, then what needs no command.
        /// </summary>
        /// <param name="exemptions">The host's exemptions (policy and device) at <paramref name="now"/>; null while unknown.</param>
        public static IReadOnlyList<RemovalRequest> Prepare(IEnumerable<RemovalRequest> requests,
            IReadOnlyCollection<Exemption> exemptions = null, DateTimeOffset now = default)
        {
            var list = (requests ?? Enumerable.Empty<RemovalRequest>()).Where(r => r?.Finding?.App != null).ToList();
            foreach (var request in list)
            {
                var app = request.Finding.App;
                if (app.Kind != AppKind.StoreApp) continue;
                var family = FamilyOf(app);
                var sameFamily = list.Where(other => !ReferenceEquals(other, request) &&
                                                     other.Finding.App.Kind == AppKind.StoreApp &&
                                                     string.Equals(other.Finding.ComputerName, request.Finding.ComputerName, StringComparison.OrdinalIgnoreCase) &&
                                                     string.Equals(FamilyOf(other.Finding.App), family, StringComparison.OrdinalIgnoreCase)).ToList();
                // Removing for all users would also take the copy of a user who keeps it (exempt or in grace).
                var kept = sameFamily.Any(IsKept);
                request.AllowAllUsersFallback = family != null && !kept &&
                                               !KeepsUnseenCopy(exemptions, request, sameFamily.Select(other => other.Finding.App).Append(app).ToList(), now);
                // The requests given are the approved ones (and those that change nothing): the fallback takes no one else's copy.
                request.ApprovedUsersForFamily = sameFamily.Where(other => !IsKept(other) && !string.IsNullOrEmpty(other.Finding.App.UserSid))
                    .Select(other => other.Finding.App.UserSid).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            }
            return list.Select((r, i) => new { r, i })
                .OrderBy(x => Order(x.r.Finding.App.Kind))
                .ThenBy(x => x.i)
                .Select(x => x.r)
                .ToList();
        }

        /// <summary>
        /// An exemption for a user whose copy is none of <paramref name="seen"/> (this host's copies of the family: the user
        /// is signed out, or their classes hive is not loaded): -AllUsers would take that copy unseen.
        /// </summary>
        private static bool KeepsUnseenCopy(IReadOnlyCollection<Exemption> exemptions, RemovalRequest request,
            IReadOnlyCollection<InstalledApp> seen, DateTimeOffset now) =>
            exemptions != null && ExemptionMatcher.ExemptsAnotherUser(exemptions, request.Finding.RuleId, request.Finding.ComputerName, seen, now);

        private static bool IsKept(RemovalRequest request) =>
            request.Finding.Status == FindingStatus.Exempt || request.LateExemption != null ||
            (request.Finding.Status == FindingStatus.GracePeriod && !request.IncludeGracePeriod);

        private static string FamilyOf(InstalledApp app) =>
            !string.IsNullOrEmpty(app.PackageFamilyName) ? app.PackageFamilyName : PackageIdentity.TryParse(app.PackageFullName)?.FamilyName;

        private static int Order(AppKind kind)
        {
            switch (kind)
            {
                case AppKind.ProvisionedStoreApp: return 0;
                case AppKind.StoreApp: return 1;
                case AppKind.Msi: return 2;
                case AppKind.Exe: return 3;
                default: return 4;
            }
        }
    }
}
