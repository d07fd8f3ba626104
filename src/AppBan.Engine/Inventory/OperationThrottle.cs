using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Inventory
{
    /// <summary>
    /// At most N operations in flight on one target, with two queues: an operation whose answer starts others (a key
    /// listing, a candidate's values) goes ahead of the bulk (one DisplayName per uninstall key), so the chain that
    /// decides when a scan ends is not kept waiting behind reads that lead nowhere. The bulk is served deepest first (a
    /// name under a user's hive, listed a round trip later than the machine's, does not queue behind all of the
    /// machine's), then first come first served; the other queue first come first served. The bulk never holds the last <see cref="Reserved"/> slots, so an operation on the chain starts at once
    /// instead of waiting a round trip for a bulk read to end. A waiter whose token is cancelled leaves its queue.
    /// </summary>
    internal sealed class OperationThrottle
    {
        private readonly object gate = new object();
        private readonly LinkedList<Waiter> ahead = new LinkedList<Waiter>();
        private readonly LinkedList<Waiter> bulk = new LinkedList<Waiter>();
        private int free;
        private int bulkInFlight;

        public OperationThrottle(int limit)
        {
            Limit = Math.Max(1, limit);
            free = Limit;
            // A quarter, at least one when there are two slots or more: the chain is narrow (a few listings and candidates).
            Reserved = Limit < 2 ? 0 : Math.Max(1, Limit / 4);
        }

        public int Limit { get; }

        /// <summary>Slots only operations outside the bulk may take.</summary>
        public int Reserved { get; }

        /// <summary>Operations in flight now (for tests).</summary>
        public int InFlight
        {
            get { lock (gate) return Limit - free; }
        }

        /// <summary>Completes when the caller may start one operation; the caller must <see cref="Release"/> it after.</summary>
        /// <param name="depth">Round trips in sequence before this operation; orders the bulk.</param>
        public Task WaitAsync(bool isBulk, int depth, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            Waiter waiter;
            lock (gate)
            {
                if (free > 0 && (!isBulk || (bulk.Count == 0 && bulkInFlight < Limit - Reserved)))
                {
                    free--;
                    if (isBulk) bulkInFlight++;
                    return Task.CompletedTask;
                }
                waiter = new Waiter { IsBulk = isBulk, Depth = depth };
                waiter.Queue = isBulk ? bulk : ahead;
                var before = waiter.Queue.Last;
                if (isBulk)
                    while (before != null && before.Value.Depth < depth) before = before.Previous;
                waiter.Node = before == null ? waiter.Queue.AddFirst(waiter) : waiter.Queue.AddAfter(before, waiter);
                // Under the lock, so Release never reads a registration half written; a token already cancelled runs
                // Cancel here (the lock is re-entrant) and the waiter leaves at once.
                if (ct.CanBeCanceled) waiter.Registration = ct.Register(() => Cancel(waiter, ct));
            }
            return waiter.Task;
        }

        /// <param name="wasBulk">What the caller passed to <see cref="WaitAsync"/>.</param>
        public void Release(bool wasBulk)
        {
            Waiter next;
            CancellationTokenRegistration registration;
            lock (gate)
            {
                if (wasBulk) bulkInFlight--;
                var queue = ahead.Count > 0 ? ahead : bulk.Count > 0 && bulkInFlight < Limit - Reserved ? bulk : null;
                if (queue == null)
                {
                    free++;
                    return;
                }
                next = queue.First.Value;
                queue.RemoveFirst();
                next.Node = null;
                if (next.IsBulk) bulkInFlight++;
                registration = next.Registration;
            }
            registration.Dispose();
            // The slot passes straight to the next waiter; its continuation runs elsewhere, not inside this Release.
            next.Grant();
        }

        private void Cancel(Waiter waiter, CancellationToken ct)
        {
            lock (gate)
            {
                if (waiter.Node == null) return; // already granted
                waiter.Queue.Remove(waiter.Node);
                waiter.Node = null;
            }
            waiter.Cancel(ct);
        }

        private sealed class Waiter
        {
            private readonly TaskCompletionSource<bool> done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            public bool IsBulk;
            public int Depth;
            public LinkedList<Waiter> Queue;
            public LinkedListNode<Waiter> Node;
            public CancellationTokenRegistration Registration;
            public Task Task => done.Task;
            public void Grant() => done.TrySetResult(true);
            public void Cancel(CancellationToken ct) => done.TrySetCanceled(ct);
        }
    }
}
