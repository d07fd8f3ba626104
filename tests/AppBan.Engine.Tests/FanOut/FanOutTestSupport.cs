using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using AppBan.Engine.FanOut;
using Xunit;

namespace AppBan.Engine.Tests.FanOut
{
    /// <summary>Reads a runner's queue as the pipeline thread does, and waits for the states a test forces.</summary>
    internal static class FanOutTestSupport
    {
        // A bound for a wait that only a broken runner would reach; the tests never depend on how long anything takes.
        private static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

        public static List<FanOutEvent> DrainAll(FanOutRunner runner)
        {
            var events = new List<FanOutEvent>();
            var clock = Stopwatch.StartNew();
            while (!runner.IsCompleted)
            {
                Assert.True(clock.Elapsed < Hang, "the runner never completed");
                if (runner.TryTake(out var e, 50)) events.Add(e);
            }
            return events;
        }

        /// <summary>Takes events into <paramref name="seen"/> until one of <paramref name="kind"/> for <paramref name="target"/> arrives.</summary>
        public static void WaitForEvent(FanOutRunner runner, List<FanOutEvent> seen, FanOutEventKind kind, string target)
        {
            var clock = Stopwatch.StartNew();
            while (!seen.Any(e => e.Kind == kind && e.Target == target))
            {
                Assert.True(clock.Elapsed < Hang, kind + " of " + target + " never came");
                if (runner.TryTake(out var e, 50)) seen.Add(e);
            }
        }

        /// <summary>Waits until <paramref name="condition"/> holds; it is a state the test has forced, not a moment in time.</summary>
        public static void WaitUntil(Func<bool> condition, string what) =>
            Assert.True(SpinWait.SpinUntil(condition, Hang), what);

        public static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }
}
