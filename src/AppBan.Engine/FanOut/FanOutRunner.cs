using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.FanOut
{
    public enum FanOutEventKind { Started, Output, Warning, Verbose, Failed, Finished }

    /// <summary>Something a worker reported, to be written on the pipeline thread.</summary>
    public sealed class FanOutEvent
    {
        public FanOutEvent(FanOutEventKind kind, string target, object data = null, Exception error = null)
        {
            Kind = kind;
            Target = target;
            Data = data;
            Error = error;
        }

        public FanOutEventKind Kind { get; }
        public string Target { get; }
        /// <summary>The output object, or the warning/verbose text.</summary>
        public object Data { get; }
        public Exception Error { get; }
    }

    /// <summary>What a worker uses to report; everything goes through the runner's queue, never to PowerShell directly.</summary>
    public sealed class TargetSink
    {
        private readonly FanOutRunner runner;
        internal TargetSink(FanOutRunner runner, string target) { this.runner = runner; Target = target; }

        public string Target { get; }
        public void WriteObject(object value) => runner.Post(new FanOutEvent(FanOutEventKind.Output, Target, value));
        public void WriteWarning(string text) => runner.Post(new FanOutEvent(FanOutEventKind.Warning, Target, text));
        public void WriteVerbose(string text) => runner.Post(new FanOutEvent(FanOutEventKind.Verbose, Target, text));
        /// <summary>
        /// One item of this target's work failed (one exemption, one app) while the target's work goes on: written as a
        /// non-terminating error on the pipeline thread. It does not count the target as failed.
        /// </summary>
        public void WriteError(Exception error) => runner.Post(new FanOutEvent(FanOutEventKind.Failed, Target, error: error ?? throw new ArgumentNullException(nameof(error))));
    }

    /// <summary>
    /// Throttled parallel work over many targets. Targets may be added while work runs; each target's failure is
    /// reported as a Failed event and never stops the others; results stream through one queue as they arrive.
    /// One token cancels every work item: <see cref="Cancel"/>, the caller's token, or the time limit.
    /// </summary>
    public sealed class FanOutRunner : IDisposable
    {
        public const int DefaultThrottleLimit = 32;

        private readonly BlockingCollection<FanOutEvent> events = new BlockingCollection<FanOutEvent>(new ConcurrentQueue<FanOutEvent>());
        private readonly ConcurrentDictionary<int, string> inFlight = new ConcurrentDictionary<int, string>();
        private readonly List<Task> workers = new List<Task>();
        private readonly SemaphoreSlim throttle;
        private readonly CancellationTokenSource cancel;
        private readonly Timer timeLimit;
        private int nextId, added, finished, failed, skipped, waiting;
        private volatile bool addingCompleted, timeLimitReached;

        /// <param name="throttleLimit">Targets worked on at once; 0 or less means <see cref="DefaultThrottleLimit"/>.</param>
        /// <param name="timeLimit">When given, the whole run is cancelled once it has passed (see <see cref="TimeLimitReached"/>).</param>
        public FanOutRunner(int throttleLimit, CancellationToken cancellationToken = default, TimeSpan? timeLimit = null)
        {
            ThrottleLimit = throttleLimit <= 0 ? DefaultThrottleLimit : throttleLimit;
            throttle = new SemaphoreSlim(ThrottleLimit, ThrottleLimit);
            cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeLimit.HasValue)
                this.timeLimit = new Timer(_ => { timeLimitReached = true; Cancel(); }, null, timeLimit.Value, Timeout.InfiniteTimeSpan);
        }

        public int ThrottleLimit { get; }
        public int Added => Volatile.Read(ref added);
        /// <summary>Targets whose work ended, successfully or not (skipped ones included).</summary>
        public int Completed => Volatile.Read(ref finished) + Volatile.Read(ref failed) + Volatile.Read(ref skipped);
        public int Failed => Volatile.Read(ref failed);
        /// <summary>Work items added but not started yet: waiting for a free slot of the throttle.</summary>
        public int Waiting => Volatile.Read(ref waiting);
        public CancellationToken Token => cancel.Token;
        public bool IsCancellationRequested => cancel.IsCancellationRequested;
        /// <summary>True once the time limit given at creation has passed and cancelled the run.</summary>
        public bool TimeLimitReached => timeLimitReached;
        /// <summary>True when every work item added so far has ended; more may still be added.</summary>
        public bool AddedWorkDone => Completed >= Added;

        // ToArray takes a consistent snapshot; LINQ straight over the dictionary races with workers adding and removing
        // (Count, then CopyTo) and throws IndexOutOfRangeException on the pipeline thread.
        /// <summary>Targets being worked on right now, in start order.</summary>
        public IReadOnlyList<string> InFlight => inFlight.ToArray().OrderBy(p => p.Key).Select(p => p.Value).ToList();

        /// <summary>True once adding is complete, every worker has ended and the queue is drained.</summary>
        public bool IsCompleted => events.IsCompleted;

        public void Add(string target, Func<TargetSink, CancellationToken, Task> work)
        {
            if (work == null) throw new ArgumentNullException(nameof(work));
            if (addingCompleted) throw new InvalidOperationException("No target can be added after CompleteAdding.");
            var id = Interlocked.Increment(ref nextId);
            Interlocked.Increment(ref added);
            var sink = new TargetSink(this, target);
            var task = Task.Run(() => RunOneAsync(id, target, sink, work));
            lock (workers) workers.Add(task);
        }

        private async Task RunOneAsync(int id, string target, TargetSink sink, Func<TargetSink, CancellationToken, Task> work)
        {
            var entered = false;
            Interlocked.Increment(ref waiting);
            try
            {
                try { await throttle.WaitAsync(cancel.Token).ConfigureAwait(false); }
                finally { Interlocked.Decrement(ref waiting); }
                entered = true;
                // A slot freed by a cancelled target can reach a waiter before the waiter's own cancellation does.
                if (cancel.IsCancellationRequested)
                {
                    Interlocked.Increment(ref skipped);
                    return;
                }
                inFlight[id] = target;
                Post(new FanOutEvent(FanOutEventKind.Started, target));
                await work(sink, cancel.Token).ConfigureAwait(false);
                // Out of InFlight before the event, so progress drawn for the event no longer lists the target; posted
                // before counting, so the queue cannot complete ahead of the event.
                inFlight.TryRemove(id, out _);
                Post(new FanOutEvent(FanOutEventKind.Finished, target));
                Interlocked.Increment(ref finished);
            }
            catch (OperationCanceledException) when (!entered)
            {
                Interlocked.Increment(ref skipped); // cancelled before it started: nothing to report
            }
            catch (Exception ex)
            {
                inFlight.TryRemove(id, out _);
                Post(new FanOutEvent(FanOutEventKind.Failed, target, error: ex));
                Interlocked.Increment(ref failed);
            }
            finally
            {
                inFlight.TryRemove(id, out _);
                if (entered) throttle.Release();
                CompleteIfDone();
            }
        }

        /// <summary>No more targets will come; the queue completes when the last worker ends.</summary>
        public void CompleteAdding()
        {
            addingCompleted = true;
            CompleteIfDone();
        }

        public void Cancel()
        {
            try { cancel.Cancel(); } catch (ObjectDisposedException) { /* the run is over */ }
        }

        /// <summary>Takes the next event, waiting up to <paramref name="millisecondsTimeout"/>; false when none came or all is done.</summary>
        public bool TryTake(out FanOutEvent item, int millisecondsTimeout)
        {
            try { return events.TryTake(out item, millisecondsTimeout); }
            catch (ObjectDisposedException) { item = null; return false; }
        }

        /// <summary>Waits for running workers to end, at most <paramref name="timeout"/>; true when they all did.</summary>
        public bool WaitForWorkers(TimeSpan timeout)
        {
            Task[] snapshot;
            lock (workers) snapshot = workers.ToArray();
            try { return Task.WaitAll(snapshot, timeout); }
            catch (AggregateException) { return true; }
        }

        internal void Post(FanOutEvent e)
        {
            try { events.Add(e); }
            catch (InvalidOperationException) { /* completed or disposed: a late event is dropped */ }
        }

        private void CompleteIfDone()
        {
            if (addingCompleted && Completed >= Added)
            {
                try { events.CompleteAdding(); } catch (ObjectDisposedException) { }
            }
        }

        public void Dispose()
        {
            timeLimit?.Dispose();
            Cancel();
            // A worker still running after the grace keeps its token; its source is then left to the collector.
            if (!WaitForWorkers(TimeSpan.FromSeconds(2))) return;
            cancel.Dispose();
            throttle.Dispose();
        }
    }
}
