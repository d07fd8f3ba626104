using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Scheduling;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// Settles what earlier runs set in motion for users, after a scan of the target: confirms removals whose app is gone,
    /// cancels those a new exemption covers, and takes back browser policy that no longer has a ban behind it.
    /// </summary>
    internal sealed class ScheduledWorkSettler
    {
        private readonly RegistryClient registry;
        private readonly AppBanPolicy policy;
        private readonly IClock clock;

        public ScheduledWorkSettler(ICimSession session, CimCallOptions callOptions, AppBanPolicy policy, IClock clock)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            this.policy = policy ?? throw new ArgumentNullException(nameof(policy));
            this.clock = clock ?? SystemClock.Instance;
            registry = new RegistryClient(session, callOptions);
        }

        /// <summary>One Removed result per finished removal; its task and record are deleted.</summary>
        public async Task<IReadOnlyList<RemovalResult>> ConfirmAsync(TargetScanResult scan, CancellationToken ct)
        {
            var results = new List<RemovalResult>();
            foreach (var record in scan.CompletedWork)
            {
                await ScheduledWorkStore.ForgetAsync(registry, record, ct).ConfigureAwait(false);
                var userName = UserNameOf(scan, record.UserSid);
                results.Add(new RemovalResult
                {
                    ComputerName = scan.ComputerName,
                    MachineName = scan.MachineName,
                    AppName = record.AppName,
                    Kind = record.IsBrowserPolicy ? AppKind.WebApp : PackageIdentity.IsValidFullName(record.AppIdentity) ? AppKind.StoreApp : AppKind.Exe,
                    Scope = AppScope.User,
                    UserName = userName,
                    UserSid = record.UserSid,
                    RuleId = record.RuleId,
                    Method = record.IsBrowserPolicy ? RemovalMethod.BrowserPolicy : RemovalMethod.UserTask,
                    CommandLine = record.IsBrowserPolicy ? null : RemovalCommands.TaskActionLine(record.Command, record.Arguments),
                    Status = RemovalStatus.Removed,
                    Message = "confirmed: gone for " + (userName ?? record.UserSid) + ", removed in their own context" +
                              (record.IsBrowserPolicy ? " under the browser policy written " : " by the task registered ") +
                              ScheduledWork.FormatTime(record.Registered) + "; confirmed " + ScheduledWork.FormatTime(clock.UtcNow),
                });
            }
            return results;
        }

        /// <summary>
        /// A user's removal that an exemption now covers is cancelled (task and record deleted); browser policy for a rule that
        /// left this policy, or whose user is now exempt, is taken back. Returns what was done, as warnings.
        /// </summary>
        public async Task<IReadOnlyList<string>> CancelForExemptAsync(TargetScanResult scan, CancellationToken ct)
        {
            var notes = new List<string>();
            var now = clock.UtcNow;
            var exemptions = policy.Exemptions.Concat(scan.DeviceExemptions).ToList();
            foreach (var finding in scan.Findings.Where(f => f.Status == FindingStatus.Exempt))
            {
                var identity = WorkId.AppIdentityOf(finding.App);
                var record = scan.ScheduledWork.FirstOrDefault(r => string.Equals(r.UserSid, finding.App.UserSid, StringComparison.OrdinalIgnoreCase)
                                                                    && string.Equals(r.AppIdentity, identity, StringComparison.OrdinalIgnoreCase));
                if (record == null) continue;
                await ScheduledWorkStore.ForgetAsync(registry, record, ct).ConfigureAwait(false);
                notes.Add(scan.ComputerName + ": the scheduled removal of " + record.AppName + " for " + (finding.App.UserName ?? record.UserSid) +
                          " was cancelled: " + (finding.Exemption?.Id ?? "an exemption") + " now covers it");
            }

            var writer = new BrowserPolicyWriter(registry);
            foreach (var record in await writer.ReadRecordsAsync(ct).ConfigureAwait(false))
            {
                var app = new InstalledApp
                {
                    ComputerName = scan.ComputerName, Kind = AppKind.WebApp, Scope = AppScope.User,
                    UserSid = record.UserSid, UserName = UserNameOf(scan, record.UserSid),
                };
                // Only this policy's bans are judged: a record another policy wrote is that policy's business.
                if (!string.Equals(record.Policy, policy.Name, StringComparison.Ordinal)) continue;
                var lifted = record.RuleIds.Where(id => policy.FindRule(id) == null
                                                        || ExemptionMatcher.FindApplicable(exemptions, id, app, scan.ComputerName, now) != null).ToList();
                if (lifted.Count == 0) continue;
                var changes = await writer.RemoveAsync(record.UserSid, lifted, ct).ConfigureAwait(false);
                foreach (var change in changes)
                    notes.Add(scan.ComputerName + ": browser policy AppBan wrote for " + (app.UserName ?? record.UserSid) + " (" + string.Join(", ", lifted) +
                              ") was taken back: " + (change.Succeeded ? change.ToString() : change.Error));
            }
            return notes;
        }

        // The findings' apps are among the inventory's: the scan evaluated those.
        private static string UserNameOf(TargetScanResult scan, string sid) =>
            (scan.Inventory?.Apps ?? Array.Empty<InstalledApp>())
                .FirstOrDefault(a => a != null && a.UserName != null && string.Equals(a.UserSid, sid, StringComparison.OrdinalIgnoreCase))?.UserName;
    }
}
