using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.FanOut;
using Xunit;
using static AppBan.Engine.Tests.FanOut.FanOutTestSupport;

namespace AppBan.Engine.Tests.FanOut
{
    /// <summary>
    /// InFlight is read on the pipeline thread (progress) while workers start and end. Each target here waits on its own
    /// gate, and targets are added one at a time, so the test decides the order of every start and end and reads
    /// InFlight between them.
    /// </summary>
    public class FanOutInFlightTests
    {
        [Fact]
        public void In_flight_is_a_snapshot_of_the_started_targets_in_start_order_while_others_start_and_end()
        {
            var gates = new[] { "a", "b", "c", "d" }.ToDictionary(n => n, _ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            var seen = new List<FanOutEvent>();
            using (var runner = new FanOutRunner(3))
            {
                foreach (var name in new[] { "a", "b", "c" })
                {
                    runner.Add(name, (sink, ct) => gates[name].Task);
                    WaitForEvent(runner, seen, FanOutEventKind.Started, name);
                }
                // d waits for a free slot: three in flight, one waiting.
                runner.Add("d", (sink, ct) => gates["d"].Task);
                WaitUntil(() => runner.Waiting == 1, "d never queued at the throttle");
                var whileFull = runner.InFlight;
                Assert.Equal(new[] { "a", "b", "c" }, whileFull);

                // b ends and d takes its slot: the earlier snapshot does not follow the runner.
                gates["b"].SetResult(true);
                WaitForEvent(runner, seen, FanOutEventKind.Finished, "b");
                WaitForEvent(runner, seen, FanOutEventKind.Started, "d");
                Assert.Equal(new[] { "a", "c", "d" }, runner.InFlight);
                Assert.Equal(new[] { "a", "b", "c" }, whileFull);
                Assert.Equal(0, runner.Waiting);

                runner.CompleteAdding();
                foreach (var gate in gates.Values) gate.TrySetResult(true);
                DrainAll(runner);
                Assert.Empty(runner.InFlight);
                Assert.Equal(4, runner.Completed);
            }
        }

        [Fact]
        public void A_snapshot_read_half_way_is_not_changed_by_a_target_that_ends_meanwhile()
        {
            var gates = new[] { "a", "b" }.ToDictionary(n => n, _ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            var seen = new List<FanOutEvent>();
            using (var runner = new FanOutRunner(2))
            {
                foreach (var name in gates.Keys)
                {
                    runner.Add(name, (sink, ct) => gates[name].Task);
                    WaitForEvent(runner, seen, FanOutEventKind.Started, name);
                }
                using (var reading = runner.InFlight.GetEnumerator())
                {
                    Assert.True(reading.MoveNext());
                    Assert.Equal("a", reading.Current);
                    // The pipeline thread is half-way through its read when b ends.
                    gates["b"].SetResult(true);
                    WaitForEvent(runner, seen, FanOutEventKind.Finished, "b");
                    Assert.Equal(new[] { "a" }, runner.InFlight);
                    Assert.True(reading.MoveNext());
                    Assert.Equal("b", reading.Current);
                    Assert.False(reading.MoveNext());
                }
                runner.CompleteAdding();
                gates["a"].SetResult(true);
                DrainAll(runner);
            }
        }
    }
}
