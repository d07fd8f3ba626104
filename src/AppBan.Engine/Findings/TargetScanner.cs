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

        /// <param name="isCandidate">The policy's cheap pre-filter on (uninstall key name, DisplayName).</param>
        /// <param name="evaluate">The policy's evaluation of apps and device exemptions into findings.</param>
        public TargetScanner(Func<string, string, bool> isCandidate, FindingEvaluation evaluate)
        {
            this.isCandidate = isCandidate ?? throw new ArgumentNullException(nameof(isCandidate));
            this.evaluate = evaluate ?? throw new ArgumentNullException(nameof(evaluate));
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
                (apps, deviceExemptions) => FindingEvaluator.Evaluate(apps, policy, deviceExemptions, clock, ids));
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
                try
                {
                    await Task.WhenAll(inventoryTask, exemptionsTask).ConfigureAwait(false);
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
                var warnings = new List<string>(inventory.Warnings);
                warnings.AddRange(problems);
                return TargetScanResult.Completed(computer, inventory, findings, exemptionsTask.Result, warnings, watch.Elapsed);
            }
        }

        private static CimException ErrorOf(Task task) =>
            task.IsFaulted && task.Exception != null ? task.Exception.GetBaseException() as CimException : null;
    }
}
