using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Scheduling;

namespace AppBan.Engine.Findings
{
    /// <summary>Turns a target's inventory and device exemptions into findings (the policy's FindingEvaluator).</summary>
    public delegate IReadOnlyList<Finding> FindingEvaluation(IReadOnlyList<InstalledApp> apps, IReadOnlyList<Exemption> deviceExemptions);

    /// <summary>
    /// Scans one target: reads its inventory and its device exemptions concurrently, then evaluates them. Never throws
    /// for a target's failure: a <see cref="CimException"/> becomes a result with Status Unreachable or Failed and the
    /// error, so a report can account for every target. Only the caller's cancellation propagates.
    /// </summary>
    public sealed class TargetScanner
    {
        private readonly Func<string, string, bool> isCandidate;
        private readonly FindingEvaluation evaluate;
        private readonly IClock clock;

        /// <param name="isCandidate">The policy's cheap pre-filter on (uninstall key name, DisplayName).</param>
        /// <param name="evaluate">The policy's evaluation of apps and device exemptions into findings.</param>
        /// <param name="clock">The time scheduled work is judged expired by; null for the system clock.</param>
        public TargetScanner(Func<string, string, bool> isCandidate, FindingEvaluation evaluate, IClock clock = null)
        {
            this.isCandidate = isCandidate ?? throw new ArgumentNullException(nameof(isCandidate));
            this.evaluate = evaluate ?? throw new ArgumentNullException(nameof(evaluate));
            this.clock = clock ?? SystemClock.Instance;
        }

        /// <summary>
        /// A scanner for <paramref name="policy"/>, limited to <paramref name="ruleIds"/> when given (null: every rule),
        /// evaluating exemptions and the phase-out date at <paramref name="clock"/>'s time. An unknown rule id throws
        /// <see cref="ArgumentException"/>.
        /// </summary>
        public static TargetScanner ForPolicy(AppBanPolicy policy, IClock clock, IEnumerable<string> ruleIds = null)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            var ids = ruleIds?.Where(id => !string.IsNullOrEmpty(id)).ToList();
            var unknown = ids?.Where(id => policy.FindRule(id) == null).ToList();
            if (unknown != null && unknown.Count > 0)
                throw new ArgumentException("The policy '" + policy.Name + "' has no rule " + string.Join(", ", unknown.Select(u => "'" + u + "'"))
                    + "; its rules are " + string.Join(", ", policy.Rules.Select(r => r.Id)) + ".");
            var rules = ids == null ? policy.Rules : policy.Rules.Where(r => ids.Contains(r.Id, StringComparer.OrdinalIgnoreCase)).ToList();
            return new TargetScanner(
                (keyName, displayName) => rules.Any(r => r.MightMatch(keyName, displayName)),
                (apps, deviceExemptions) => FindingEvaluator.Evaluate(apps, policy, deviceExemptions, clock, ids), clock);
        }

        public int MaxConcurrentOperations { get; set; } = InventoryReader.DefaultMaxConcurrentOperations;

        /// <summary>Reads signed-out users' hives through a short load (see <see cref="InventoryReader.ReadSignedOutProfiles"/>).</summary>
        public bool ReadSignedOutProfiles { get; set; } = true;

        /// <summary>The time bound of one command that loads signed-out users' hives.</summary>
        public TimeSpan SignedOutSnapshotTimeout { get; set; } = SignedOutProfiles.DefaultTimeout;

        public Task<TargetScanResult> ScanAsync(ICimSession session, CancellationToken cancellationToken) =>
            ScanAsync(session, null, cancellationToken);

        /// <param name="callOptions">Defaults for every registry operation (the operation timeout); may be null.</param>
        public async Task<TargetScanResult> ScanAsync(ICimSession session, CimCallOptions callOptions, CancellationToken cancellationToken)
        {
            if (session == null) throw new ArgumentNullException(nameof(session));
            var computer = session.ComputerName;
            var watch = Stopwatch.StartNew();
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var registry = new RegistryClient(session, callOptions);
                var reader = new InventoryReader(registry)
                {
                    MaxConcurrentOperations = MaxConcurrentOperations,
                    ReadSignedOutProfiles = ReadSignedOutProfiles,
                    SignedOutSnapshotTimeout = SignedOutSnapshotTimeout,
                };
                var problems = new List<string>();
                var inventoryTask = reader.ReadAsync(isCandidate, linked.Token);
                var exemptionsTask = DeviceExemptionStore.ReadAllAsync(registry, computer, problems, linked.Token);
                var scheduledTask = ReadScheduledWorkAsync(registry, problems, linked.Token);
                try
                {
                    await Task.WhenAll(inventoryTask, exemptionsTask, scheduledTask).ConfigureAwait(false);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    try { linked.Cancel(); } catch (ObjectDisposedException) { }
                    // The inventory's error explains a dead target best; the exemption store's comes second.
                    var error = ErrorOf(inventoryTask) ?? ErrorOf(exemptionsTask);
                    if (error == null) throw;
                    if (inventoryTask.Status == TaskStatus.RanToCompletion)
                        error = new CimException(error.Kind, computer,
                            "Cannot read the device exemptions on " + computer + ", so no finding can be trusted: " + error.Message,
                            error.NativeCode, error) { Detail = error.Detail };
                    return TargetScanResult.FailedWith(computer, error, watch.Elapsed);
                }
                cancellationToken.ThrowIfCancellationRequested();

                var inventory = inventoryTask.Result;
                var findings = evaluate(inventory.Apps, exemptionsTask.Result) ?? Array.Empty<Finding>();
                foreach (var finding in findings) finding.MachineName = inventory.MachineName;
                var completed = MarkScheduled(findings, inventory, scheduledTask.Result, clock.UtcNow);
                var warnings = new List<string>(inventory.Warnings);
                warnings.AddRange(problems);
                var result = TargetScanResult.Completed(computer, inventory, findings, exemptionsTask.Result, warnings, watch.Elapsed);
                result.CompletedWork = completed;
                result.ScheduledWork = scheduledTask.Result;
                return result;
            }
        }

        /// <summary>AppBan's records of scheduled work; a record it cannot read is named and left out, never a failed scan.</summary>
        private static async Task<IReadOnlyList<ScheduledWorkRecord>> ReadScheduledWorkAsync(RegistryClient registry, List<string> problems, CancellationToken ct)
        {
            var found = new List<string>();
            try { return await ScheduledWorkStore.ReadAllAsync(registry, found, ct).ConfigureAwait(false); }
            catch (CimException ex)
            {
                found.Add("AppBan's scheduled work on " + registry.Session.ComputerName + " cannot be read (" + ex.Message + "); findings waiting for a user show as violations.");
                return Array.Empty<ScheduledWorkRecord>();
            }
            finally { lock (problems) problems.AddRange(found); }
        }

        /// <summary>
        /// A violation whose user already has AppBan's unexpired removal waiting is Scheduled. Returns the records whose app
        /// is gone for a user whose apps were read: what a removal run confirms.
        /// </summary>
        internal static IReadOnlyList<ScheduledWorkRecord> MarkScheduled(IReadOnlyList<Finding> findings, InventoryResult inventory,
            IReadOnlyList<ScheduledWorkRecord> records, DateTimeOffset now)
        {
            if (records == null || records.Count == 0) return Array.Empty<ScheduledWorkRecord>();
            foreach (var finding in findings.Where(f => f.Status == FindingStatus.Violation))
            {
                var record = records.FirstOrDefault(r => !r.IsExpired(now) && IsFor(r, finding.App)
                                                         && string.Equals(r.RuleId, finding.RuleId, StringComparison.OrdinalIgnoreCase));
                if (record == null) continue;
                finding.Status = FindingStatus.Scheduled;
                finding.ScheduledWork = record;
            }
            var completed = new List<ScheduledWorkRecord>();
            foreach (var record in records)
            {
                if (inventory.Apps.Any(app => IsFor(record, app))) continue;
                var notRead = inventory.UsersNotScanned.FirstOrDefault(u => string.Equals(u.Sid, record.UserSid, StringComparison.OrdinalIgnoreCase));
                // Absence proves nothing for a user whose entries or packages were not read.
                if (notRead != null && (!notRead.UninstallEntriesRead || !notRead.StorePackagesRead)) continue;
                completed.Add(record);
            }
            return completed;
        }

        private static bool IsFor(ScheduledWorkRecord record, InstalledApp app) =>
            app != null && string.Equals(record.UserSid, app.UserSid, StringComparison.OrdinalIgnoreCase)
            && string.Equals(record.AppIdentity, WorkId.AppIdentityOf(app), StringComparison.OrdinalIgnoreCase);

        private static CimException ErrorOf(Task task) =>
            task.IsFaulted && task.Exception != null ? task.Exception.GetBaseException() as CimException : null;
    }
}
