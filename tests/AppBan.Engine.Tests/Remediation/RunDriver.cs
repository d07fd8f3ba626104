using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.FanOut;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>Drives a <see cref="RemediationRun"/> as a cmdlet does: one runner, its one queue drained on the test's thread.</summary>
    internal static class RunDriver
    {
        public static readonly AppBanPolicy BuiltIn = PolicyLoader.BuiltIn();

        public static RemediationSettings Settings(Func<ICimSession, IInstallVerifier> verifierFor = null, RemovalExecutorOptions executor = null) =>
            new RemediationSettings { Policy = BuiltIn, VerifierFor = verifierFor, Executor = executor ?? Fast() };

        public static RemovalExecutorOptions Fast() => new RemovalExecutorOptions
        {
            Timeout = TimeSpan.FromMinutes(1),
            BusyRetryDelay = TimeSpan.FromMilliseconds(5),
            BusyRetryMaxDelay = TimeSpan.FromMilliseconds(20),
            PollInterval = TimeSpan.FromMilliseconds(5),
        };

        /// <summary>Completes adding and takes every event until the runner is done.</summary>
        public static List<FanOutEvent> CompleteAndDrain(FanOutRunner runner)
        {
            runner.CompleteAdding();
            return FanOut.FanOutTestSupport.DrainAll(runner);
        }

        public static List<RemovalResult> Results(IEnumerable<FanOutEvent> events) =>
            events.Where(e => e.Kind == FanOutEventKind.Output).Select(e => e.Data).OfType<RemovalResult>().ToList();

        /// <summary>Queues the removals of one host on a fresh run and returns its results in the order they were posted.</summary>
        public static List<RemovalResult> RemoveOnOneHost(FakeWindowsHost target, params RemovalRequest[] requests)
        {
            using (var runner = new FanOutRunner(1))
            {
                var run = new RemediationRun(runner, Settings(s => new FakeVerifier((FakeWindowsHost)s)));
                run.QueueRemovals(target.ComputerName, requests, () => target);
                return Results(CompleteAndDrain(runner));
            }
        }
    }
}
