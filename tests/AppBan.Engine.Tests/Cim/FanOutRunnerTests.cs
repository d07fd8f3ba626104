using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.FanOut;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class FanOutRunnerTests
    {
        private static List<FanOutEvent> DrainAll(FanOutRunner runner)
        {
            var events = new List<FanOutEvent>();
            while (!runner.IsCompleted)
                if (runner.TryTake(out var e, 50)) events.Add(e);
            return events;
        }

        [Fact]
        public void No_more_targets_run_at_once_than_the_throttle_allows()
        {
            var current = 0;
            var peak = 0;
            using (var runner = new FanOutRunner(3))
            {
                for (var i = 0; i < 12; i++)
                    runner.Add("h" + i, async (sink, ct) =>
                    {
                        var now = Interlocked.Increment(ref current);
                        InterlockedMax(ref peak, now);
                        await Task.Delay(20, ct);
                        Interlocked.Decrement(ref current);
                        sink.WriteObject(sink.Target);
                    });
                runner.CompleteAdding();
                var events = DrainAll(runner);
                Assert.Equal(12, events.Count(e => e.Kind == FanOutEventKind.Output));
                Assert.Equal(12, events.Count(e => e.Kind == FanOutEventKind.Finished));
            }
            Assert.InRange(peak, 1, 3);
        }

        [Fact]
        public void Zero_means_the_default_throttle()
        {
            using (var runner = new FanOutRunner(0)) Assert.Equal(32, runner.ThrottleLimit);
        }

        [Fact]
        public void One_target_failing_does_not_stop_the_others()
        {
            using (var runner = new FanOutRunner(4))
            {
                runner.Add("good1", (sink, ct) => { sink.WriteObject(1); return Task.CompletedTask; });
                runner.Add("bad", (sink, ct) => throw new InvalidOperationException("boom"));
                runner.Add("good2", async (sink, ct) => { await Task.Yield(); sink.WriteWarning("careful"); sink.WriteObject(2); });
                runner.CompleteAdding();
                var events = DrainAll(runner);
                var failed = events.Single(e => e.Kind == FanOutEventKind.Failed);
                Assert.Equal("bad", failed.Target);
                Assert.Equal("boom", failed.Error.Message);
                Assert.Equal(new object[] { 1, 2 }, events.Where(e => e.Kind == FanOutEventKind.Output).Select(e => e.Data).OrderBy(o => o));
                Assert.Equal("careful", events.Single(e => e.Kind == FanOutEventKind.Warning).Data);
                Assert.Equal(1, runner.Failed);
                Assert.Equal(3, runner.Completed);
            }
        }

        [Fact]
        public void Results_stream_before_the_slow_targets_finish()
        {
            using (var gate = new ManualResetEventSlim())
            using (var runner = new FanOutRunner(4))
            {
                runner.Add("fast", (sink, ct) => { sink.WriteObject("fast"); return Task.CompletedTask; });
                runner.Add("slow", (sink, ct) => Task.Run(() => { gate.Wait(ct); sink.WriteObject("slow"); }, ct));
                runner.CompleteAdding();
                FanOutEvent output = null;
                while (output == null)
                    if (runner.TryTake(out var e, 50) && e.Kind == FanOutEventKind.Output) output = e;
                Assert.Equal("fast", output.Data);
                // The slow worker may not have been scheduled yet when the fast result arrives; it cannot finish
                // before the gate opens, so it must show up as in flight.
                Assert.True(SpinWait.SpinUntil(() => runner.InFlight.Contains("slow"), TimeSpan.FromSeconds(30)));
                Assert.Equal(new[] { "slow" }, runner.InFlight);
                Assert.False(runner.IsCompleted);
                gate.Set();
                Assert.Contains(DrainAll(runner), e => e.Kind == FanOutEventKind.Output && (string)e.Data == "slow");
            }
        }

        [Fact]
        public void Cancelling_stops_running_targets_and_skips_waiting_ones()
        {
            var started = 0;
            using (var runner = new FanOutRunner(2))
            {
                for (var i = 0; i < 6; i++)
                    runner.Add("h" + i, async (sink, ct) => { Interlocked.Increment(ref started); await Task.Delay(Timeout.Infinite, ct); });
                runner.CompleteAdding();
                while (runner.InFlight.Count < 2) Thread.Sleep(5);
                runner.Cancel();
                var events = DrainAll(runner);
                Assert.Equal(2, started);
                Assert.Equal(2, events.Count(e => e.Kind == FanOutEventKind.Failed && e.Error is OperationCanceledException));
                Assert.Equal(6, runner.Completed);
                Assert.Empty(runner.InFlight);
            }
        }

        [Fact]
        public void In_flight_can_be_read_while_targets_start_and_finish()
        {
            // The pipeline thread reads InFlight for progress while workers add and remove themselves; a read that
            // races with them must not throw (it did with LINQ straight over the concurrent dictionary).
            using (var runner = new FanOutRunner(64))
            {
                for (var i = 0; i < 3000; i++)
                    runner.Add("h" + i, async (sink, ct) => { await Task.Delay(1, ct); sink.WriteObject(sink.Target); });
                runner.CompleteAdding();
                var outputs = 0;
                var reads = 0;
                while (!runner.IsCompleted)
                {
                    Assert.True(runner.InFlight.Count <= 64);
                    reads++;
                    while (runner.TryTake(out var e, 0)) if (e.Kind == FanOutEventKind.Output) outputs++;
                }
                Assert.Equal(3000, outputs);
                Assert.True(reads > 0);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }
}
