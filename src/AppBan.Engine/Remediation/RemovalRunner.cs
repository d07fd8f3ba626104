using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    /// <summary>The removals of one computer, and how to reach it.</summary>
    public sealed class RemovalHostWork
    {
        public RemovalHostWork(string computerName, IReadOnlyList<RemovalRequest> requests,
            Func<CancellationToken, Task<ICimSession>> openSession)
        {
            ComputerName = computerName;
            Requests = requests ?? Array.Empty<RemovalRequest>();
            OpenSession = openSession ?? throw new ArgumentNullException(nameof(openSession));
        }

        public string ComputerName { get; }
        public IReadOnlyList<RemovalRequest> Requests { get; }
        /// <summary>
        /// Opens the target; called only when at least one request needs a command or a re-scan. The session is
        /// disposed when the computer's removals are done. It may also set <see cref="RemovalRequest.LateExemption"/>
        /// from what it reads on the target.
        /// </summary>
        public Func<CancellationToken, Task<ICimSession>> OpenSession { get; }
    }

    /// <summary>
    /// Runs removals on many computers: computers in parallel up to a throttle, the removals of one computer
    /// one after another. Results are handed over as they come (from worker threads); a computer that cannot
    /// be reached yields a Failed result for each of its findings, so there is always one result per finding.
    /// </summary>
    public static class RemovalRunner
    {
        public const int DefaultThrottleLimit = 32;

        /// <param name="verifierFor">The re-scan for a session (discovery's InventoryReader).</param>
        public static async Task RunAsync(IEnumerable<RemovalHostWork> hosts, int throttleLimit,
            Func<ICimSession, IInstallVerifier> verifierFor, RemovalExecutorOptions options,
            Action<RemovalResult> onResult, CancellationToken ct = default)
        {
            if (verifierFor == null) throw new ArgumentNullException(nameof(verifierFor));
            if (onResult == null) throw new ArgumentNullException(nameof(onResult));
            var limit = throttleLimit > 0 ? throttleLimit : DefaultThrottleLimit;
            using (var gate = new SemaphoreSlim(limit, limit))
            {
                var tasks = new List<Task>();
                foreach (var host in hosts ?? Enumerable.Empty<RemovalHostWork>())
                {
                    await gate.WaitAsync(ct).ConfigureAwait(false);
                    tasks.Add(Task.Run(async () =>
                    {
                        try { await RunHostAsync(host, verifierFor, options, onResult, ct).ConfigureAwait(false); }
                        finally { gate.Release(); }
                    }, ct));
                }
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
        }

        private static async Task RunHostAsync(RemovalHostWork host, Func<ICimSession, IInstallVerifier> verifierFor,
            RemovalExecutorOptions options, Action<RemovalResult> onResult, CancellationToken ct)
        {
            var requests = RemovalBatch.Prepare(host.Requests);
            // Decisions that need no target (exempt, grace period, per-user, refused) are reported without connecting.
            var pending = new List<RemovalRequest>();
            foreach (var request in requests)
            {
                var preview = RemovalPlanner.Plan(request, null);
                if (preview.FinalStatus.HasValue)
                {
                    var result = RemovalExecutor.NewResult(request.Finding);
                    result.Status = preview.FinalStatus.Value;
                    result.Error = preview.Reason;
                    onResult(result);
                }
                else pending.Add(request);
            }
            if (pending.Count == 0) return;

            ICimSession session;
            try
            {
                session = await host.OpenSession(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException))
            {
                foreach (var request in pending) onResult(Failed(request, host.ComputerName, ex));
                return;
            }
            using (session)
            {
                // Opening may have found late exemptions: decide the all-users fallback again, over every request.
                RemovalBatch.Prepare(host.Requests);
                var executor = new RemovalExecutor(session, verifierFor(session), options);
                foreach (var request in pending)
                {
                    ct.ThrowIfCancellationRequested();
                    RemovalResult result;
                    // One target's surprise must not stop the others.
                    try { result = await executor.ExecuteAsync(request, ct).ConfigureAwait(false); }
                    catch (Exception ex) when (!(ex is OperationCanceledException)) { result = Failed(request, host.ComputerName, ex); }
                    onResult(result);
                }
            }
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
