using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.FanOut;
using Xunit;
using static AppBan.Engine.Tests.FanOut.FanOutTestSupport;

namespace AppBan.Engine.Tests.FanOut
{
    public class FanOutRunnerTests
    {
        [Fact]
        public void No_more_targets_run_at_once_than_the_throttle_allows()
        {
            var current = 0;
            var peak = 0;
            var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (var runner = new FanOutRunner(3))
            {
                for (var i = 0; i < 12; i++)
                    runner.Add("h" + i, async (sink, ct) =>
                    {
                        InterlockedMax(ref peak, Interlocked.Increment(ref current));
                        await release.Task;
                        Interlocked.Decrement(ref current);
                        sink.WriteObject(sink.Target);
                    });
                runner.CompleteAdding();
                // Every target has either started or queued at the throttle; none can end before the release.
                WaitUntil(() => runner.InFlight.Count + runner.Waiting == 12 && Volatile.Read(ref current) == runner.InFlight.Count,
                    "the targets never all started or queued");
                Assert.Equal(3, runner.InFlight.Count);
                Assert.Equal(9, runner.Waiting);
                release.SetResult(true);
                var events = DrainAll(runner);
                Assert.Equal(12, events.Count(e => e.Kind == FanOutEventKind.Output));
                Assert.Equal(12, events.Count(e => e.Kind == FanOutEventKind.Finished));
            }
            Assert.Equal(3, peak);
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
            var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (var runner = new FanOutRunner(4))
            {
                runner.Add("fast", (sink, ct) => { sink.WriteObject("fast"); return Task.CompletedTask; });
                runner.Add("slow", async (sink, ct) => { await gate.Task; sink.WriteObject("slow"); });
                runner.CompleteAdding();
                var seen = new List<FanOutEvent>();
                WaitForEvent(runner, seen, FanOutEventKind.Output, "fast");
                // The slow target cannot finish before the gate opens, so it is in flight (once it has started).
                WaitForEvent(runner, seen, FanOutEventKind.Started, "slow");
                Assert.Equal(new[] { "slow" }, runner.InFlight);
                Assert.False(runner.IsCompleted);
                gate.SetResult(true);
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
                WaitUntil(() => runner.InFlight.Count == 2 && runner.Waiting == 4, "two targets never started with four waiting");
                runner.Cancel();
                var events = DrainAll(runner);
                Assert.Equal(2, started);
                Assert.Equal(2, events.Count(e => e.Kind == FanOutEventKind.Failed && e.Error is OperationCanceledException));
                Assert.Equal(6, runner.Completed);
                Assert.Empty(runner.InFlight);
                Assert.False(runner.TimeLimitReached);
            }
        }

        [Fact]
        public void The_time_limit_cancels_the_one_token_and_says_so()
        {
            // The work waits for nothing but its token: only the time limit can end it.
            using (var runner = new FanOutRunner(1, timeLimit: TimeSpan.Zero))
            {
                runner.Add("h", (sink, ct) => Task.Delay(Timeout.Infinite, ct));
                runner.CompleteAdding();
                DrainAll(runner);
                Assert.True(runner.IsCancellationRequested);
                Assert.True(runner.TimeLimitReached);
            }
        }

        [Fact]
        public void Work_added_after_the_first_work_is_done_runs_on_the_same_runner()
        {
            using (var runner = new FanOutRunner(2))
            {
                runner.Add("scan", (sink, ct) => { sink.WriteObject("found"); return Task.CompletedTask; });
                var seen = new List<FanOutEvent>();
                WaitForEvent(runner, seen, FanOutEventKind.Finished, "scan");
                WaitUntil(() => runner.AddedWorkDone, "the first work never counted as done");
                Assert.False(runner.IsCompleted);
                runner.Add("remove", (sink, ct) => { sink.WriteObject("removed"); return Task.CompletedTask; });
                runner.CompleteAdding();
                seen.AddRange(DrainAll(runner));
                Assert.Equal(new object[] { "found", "removed" }, seen.Where(e => e.Kind == FanOutEventKind.Output).Select(e => e.Data));
                Assert.Equal(2, runner.Completed);
            }
        }
    }
}
