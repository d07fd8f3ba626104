using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.FanOut;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;

namespace AppBan.Engine.Remediation
{
    /// <summary>What one remediation run works with; set before the run starts.</summary>
    public sealed class RemediationSettings
    {
        public AppBanPolicy Policy { get; set; }
        public IClock Clock { get; set; } = SystemClock.Instance;
        /// <summary>Scan for these rules only; null for every rule of the policy.</summary>
        public IReadOnlyList<string> RuleIds { get; set; }
        public bool IncludeGracePeriod { get; set; }
        /// <summary>The bound of each CIM operation of the removals (exemption reads, re-scans); null for the transport's.</summary>
        public TimeSpan? OperationTimeout { get; set; }
        /// <summary>How each removal runs (its time bound, the 1618 back-off); null for the defaults.</summary>
        public RemovalExecutorOptions Executor { get; set; }
        /// <summary>The re-scan of one app after its removal; null for <see cref="InventoryReader"/>.</summary>
        public Func<ICimSession, IInstallVerifier> VerifierFor { get; set; }
        /// <summary>What records the run as it goes (an unattended run's report); null for none.</summary>
        public IRemediationRecorder Report { get; set; }
        /// <summary>
        /// Each removal that is an action (with <see cref="Report"/>, not an exempt or grace-period skip), on the worker
        /// thread that made it, before its result is posted: the audit trail records it here.
        /// </summary>
        public Action<RemovalResult, TargetSink> OnRemoved { get; set; }
        /// <summary>
        /// After a scan, settle what earlier runs set in motion for users (confirm finished removals, cancel those a new
        /// exemption covers, take back policy without a ban behind it). Off under -WhatIf: it deletes AppBan's own tasks,
        /// records and policy values.
        /// </summary>
        public bool SettleScheduledWork { get; set; } = true;
        /// <summary>Load signed-out users' hives briefly to read their per-user apps (see <see cref="InventoryReader.ReadSignedOutProfiles"/>).</summary>
        public bool ReadSignedOutProfiles { get; set; } = true;
    }

    /// <summary>
    /// One invocation's remediation: scans targets, re-checks exemptions on the target before removing findings of an
    /// earlier scan, removes each computer's findings one after another (verified by re-scan), and posts one
    /// <see cref="RemovalResult"/> per finding. Every target's work is a work item of the one <see cref="FanOutRunner"/>:
    /// its throttle, its queue and its cancellation token are the only ones.
    /// </summary>
    public sealed class RemediationRun
    {
        private readonly FanOutRunner runner;
        private readonly RemediationSettings settings;
        private readonly TargetScanner scanner;
        private readonly CimCallOptions callOptions;
        private readonly ConcurrentDictionary<string, bool> removalsApproved = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);

        /// <exception cref="ArgumentException">A rule id of <see cref="RemediationSettings.RuleIds"/> the policy does not have.</exception>
        public RemediationRun(FanOutRunner runner, RemediationSettings settings)
        {
            this.runner = runner ?? throw new ArgumentNullException(nameof(runner));
            this.settings = settings ?? throw new ArgumentNullException(nameof(settings));
            if (settings.Policy == null) throw new ArgumentException("A remediation run needs a policy.", nameof(settings));
            scanner = TargetScanner.ForPolicy(settings.Policy, settings.Clock, settings.RuleIds);
            scanner.ReadSignedOutProfiles = settings.ReadSignedOutProfiles;
            callOptions = new CimCallOptions { OperationTimeout = settings.OperationTimeout };
        }

        /// <summary>
        /// A removal request for <paramref name="finding"/> with its rule's settings (the defaults for a rule the policy
        /// lacks: a finding of a scan with another policy); null when the finding's rule is not one of the run's rules.
        /// </summary>
        public RemovalRequest NewRequest(Finding finding)
        {
            if (finding == null) throw new ArgumentNullException(nameof(finding));
            if (settings.RuleIds != null && !settings.RuleIds.Contains(finding.RuleId, StringComparer.OrdinalIgnoreCase)) return null;
            return new RemovalRequest(finding, settings.Policy.FindRule(finding.RuleId)?.Removal) { IncludeGracePeriod = settings.IncludeGracePeriod };
        }

        /// <summary>
        /// What would be done with <paramref name="finding"/>, decided without its target (for ShouldProcess); the plan's
        /// <see cref="RemovalPlan.Request"/> is what to queue. Null when the finding's rule is not one of the run's rules.
        /// </summary>
        public RemovalPlan Preview(Finding finding)
        {
            var request = NewRequest(finding);
            if (request == null) return null;
            var plan = RemovalPlanner.Plan(request, null);
            // What runs later (after the host's requests are known) may not turn this answer into a command nobody approved.
            request.ApprovedDecision = plan.Decision;
            return plan;
        }

        /// <summary>
        /// Scans one target inside its work item and posts each finding as an output, for approval on the pipeline
        /// thread. A failed scan throws its error, so that the target counts as failed.
        /// </summary>
        public async Task ScanAsync(ICimSession session, TargetSink sink, CancellationToken ct)
        {
            var scan = await ScanTargetAsync(session, sink, ct).ConfigureAwait(false);
            if (settings.SettleScheduledWork) await SettleScheduledWorkAsync(session, scan, sink, ct).ConfigureAwait(false);
            foreach (var finding in scan.Findings) sink.WriteObject(finding);
        }

        /// <summary>
        /// A target this run will scan, named before its work is queued: it is declared to the report, and
        /// <paramref name="removals"/> says whether its violations may be removed (the answer to ShouldProcess).
        /// </summary>
        public void AddTarget(string computerName, bool removals)
        {
            settings.Report?.DeclareTarget(computerName);
            removalsApproved[computerName] = removals;
        }

        /// <summary>
        /// Scans one target (named by <see cref="AddTarget"/>) and, when its removals were approved, removes its violations
        /// over the same session in the same work item. The device exemptions were read by this scan, so they are not
        /// read again.
        /// </summary>
        public async Task ScanAndRemoveAsync(ICimSession session, TargetSink sink, CancellationToken ct)
        {
            var scan = await ScanTargetAsync(session, sink, ct).ConfigureAwait(false);
            var approved = removalsApproved.TryGetValue(sink.Target, out var yes) && yes;
            if (approved && settings.SettleScheduledWork) await SettleScheduledWorkAsync(session, scan, sink, ct).ConfigureAwait(false);
            if (approved && scan.Findings.Any(f => f.Status == FindingStatus.Violation || f.Status == FindingStatus.Scheduled))
                await RemoveAsync(sink.Target, scan.Findings.Select(NewRequest).ToList(), () => session,
                    settings.Policy.Exemptions.Concat(scan.DeviceExemptions).ToList(), sink, ct).ConfigureAwait(false);
            settings.Report?.TargetEnded(sink.Target);
        }

        /// <summary>
        /// Queues one computer's approved removals as one work item. The findings may be older than an exemption granted
        /// since, so the device's exemptions are read again when the computer is opened, and an exemption that applies now
        /// wins (<see cref="RemovalRequest.LateExemption"/>). <paramref name="open"/> is called only when a request needs
        /// the target, and the session it gives is disposed when the computer's removals are done.
        /// </summary>
        public void QueueRemovals(string computerName, IReadOnlyList<RemovalRequest> requests, Func<ICimSession> open)
        {
            if (open == null) throw new ArgumentNullException(nameof(open));
            var list = requests ?? Array.Empty<RemovalRequest>();
            runner.Add(computerName, (sink, ct) => RemoveAsync(computerName, list, open, null, sink, ct));
        }

        /// <summary>Queues approved removals as one work item per computer (a finding without one is of "localhost"), in the order given.</summary>
        public void QueueRemovals(IEnumerable<RemovalRequest> requests, Func<string, ICimSession> open)
        {
            foreach (var host in requests.GroupBy(r => r.Finding.ComputerName ?? "localhost", StringComparer.OrdinalIgnoreCase))
                QueueRemovals(host.Key, host.ToList(), () => open(host.Key));
        }

        private async Task<TargetScanResult> ScanTargetAsync(ICimSession session, TargetSink sink, CancellationToken ct)
        {
            var scan = await scanner.ScanAsync(session, callOptions.With(ct), ct).ConfigureAwait(false);
            settings.Report?.AddScan(scan);
            // One failure per failed target, reported by whoever drains the runner.
            if (scan.Error != null) throw scan.Error;
            foreach (var warning in scan.Warnings) sink.WriteWarning(warning);
            var usersNotScanned = scan.UsersNotScannedWarning();
            if (usersNotScanned != null) sink.WriteWarning(usersNotScanned);
            return scan;
        }

        /// <param name="scanExemptions">The exemptions the scan over <paramref name="open"/>'s session read (it is then
        /// borrowed); null when the findings are older: the session is then owned, and the exemptions are read again.</param>
        private async Task RemoveAsync(string computerName, IReadOnlyList<RemovalRequest> requests, Func<ICimSession> open,
            IReadOnlyCollection<Exemption> scanExemptions, TargetSink sink, CancellationToken ct)
        {
            var ownsSession = scanExemptions == null;
            // Decisions that need no target (exempt, grace period, per-user, refused) are reported without connecting.
            var pending = new List<RemovalRequest>();
            foreach (var request in RemovalBatch.Prepare(requests, scanExemptions, settings.Clock.UtcNow))
            {
                var preview = RemovalPlanner.Plan(request, null);
                if (!preview.FinalStatus.HasValue)
                {
                    pending.Add(request);
                    continue;
                }
                var result = RemovalExecutor.NewResult(request.Finding);
                result.Status = preview.FinalStatus.Value;
                result.Explain(preview.Reason);
                Post(result, sink);
            }
            if (pending.Count == 0) return;

            ICimSession session = null;
            try
            {
                session = open();
                if (ownsSession)
                {
                    var exemptions = await ApplyLateExemptionsAsync(session, computerName, requests, sink, ct).ConfigureAwait(false);
                    // A late exemption may keep a user's Store app: decide the all-users fallback again, over every request.
                    RemovalBatch.Prepare(requests, exemptions, settings.Clock.UtcNow);
                }
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                if (ownsSession) session?.Dispose();
                foreach (var request in pending) Post(Failed(request, computerName, ex), sink);
                return;
            }
            try
            {
                var verifier = settings.VerifierFor?.Invoke(session) ?? new InventoryReader(new RegistryClient(session, callOptions.With(ct)));
                var executor = new RemovalExecutor(session, verifier, ExecutorOptions());
                foreach (var request in pending)
                {
                    ct.ThrowIfCancellationRequested();
                    RemovalResult result;
                    // One finding's surprise must not stop the others.
                    try { result = await executor.ExecuteAsync(request, ct).ConfigureAwait(false); }
                    catch (Exception ex) when (!(ex is OperationCanceledException)) { result = Failed(request, computerName, ex); }
                    Post(result, sink);
                }
            }
            finally
            {
                if (ownsSession) session.Dispose();
            }
        }

        private RemovalExecutorOptions ExecutorOptions()
        {
            var options = settings.Executor ?? new RemovalExecutorOptions();
            if (options.PolicyName == null) options.PolicyName = settings.Policy.Name;
            if (options.Clock == null) options.Clock = settings.Clock;
            return options;
        }

        /// <summary>The LateExemption rule: an exemption that applies now (device or policy) wins over an older finding.</summary>
        private async Task<IReadOnlyCollection<Exemption>> ApplyLateExemptionsAsync(ICimSession session, string computerName,
            IReadOnlyList<RemovalRequest> requests, TargetSink sink, CancellationToken ct)
        {
            var problems = new List<string>();
            var device = await DeviceExemptionStore.ReadAllAsync(new RegistryClient(session, callOptions.With(ct)), computerName, problems, ct)
                .ConfigureAwait(false);
            foreach (var problem in problems) sink.WriteWarning(problem);
            var exemptions = settings.Policy.Exemptions.Concat(device).ToList();
            var now = settings.Clock.UtcNow;
            foreach (var request in requests.Where(r => r.Finding.Status != FindingStatus.Exempt))
                request.LateExemption = ExemptionMatcher.FindApplicable(exemptions, request.Finding.RuleId, request.Finding.App, computerName, now);
            return exemptions;
        }

        /// <summary>
        /// What earlier runs set in motion for users: a removal whose app this scan no longer finds is confirmed (Removed, its
        /// task and record deleted); one whose finding is now exempt is cancelled; browser policy AppBan wrote for a rule
        /// that left the policy, or for a user now exempt from it, is taken back. Housekeeping: a failure here is a warning.
        /// </summary>
        private async Task SettleScheduledWorkAsync(ICimSession session, TargetScanResult scan, TargetSink sink, CancellationToken ct)
        {
            var settler = new ScheduledWorkSettler(session, callOptions.With(ct), settings.Policy, settings.Clock);
            try
            {
                foreach (var result in await settler.ConfirmAsync(scan, ct).ConfigureAwait(false)) Post(result, sink);
                foreach (var warning in await settler.CancelForExemptAsync(scan, ct).ConfigureAwait(false)) sink.WriteWarning(warning);
            }
            catch (CimException ex) { sink.WriteWarning(sink.Target + ": AppBan's scheduled work could not be settled: " + ex.Message); }
        }

        private void Post(RemovalResult result, TargetSink sink)
        {
            var isAction = settings.Report?.AddRemoval(result, sink.Target) ?? true;
            if (isAction) settings.OnRemoved?.Invoke(result, sink);
            sink.WriteObject(result);
        }

        private static RemovalResult Failed(RemovalRequest request, string computerName, Exception ex)
        {
            var result = RemovalExecutor.NewResult(request.Finding);
            result.Status = RemovalStatus.Failed;
            result.Cause = ex;
            result.Error = ex is CimException cim
                ? (cim.ComputerName ?? computerName) + ": " + cim.Kind + ": " + cim.Message
                : computerName + ": " + ex.GetType().Name + ": " + ex.Message;
            return result;
        }
    }
}
