using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.FanOut;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>The run end to end over WS-Man against the simulated fleet: scan, re-check, remove, verify.</summary>
    public class SimulatedRemediationRunTests : IClassFixture<RemediationFleet>
    {
        private const string Alice = "S-1-5-21-3623811015-3361044348-30300820-1013";
        private const string Bob = "S-1-5-21-3623811015-3361044348-30300820-1014";
        private const string TikTokPackage = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se";
        private static readonly AppBanPolicy Policy = PolicyLoader.BuiltIn();
        private readonly RemediationFleet fleet;
        private readonly SimulatorProcess sim;

        public SimulatedRemediationRunTests(RemediationFleet fleet) { this.fleet = fleet; sim = fleet.Simulator; }

        private async Task<CimTarget> TargetAsync(string name)
        {
            await sim.ResetAsync(name);
            return fleet.AdminTarget(name);
        }

        private static RemediationSettings Settings() => new RemediationSettings
        {
            Policy = Policy,
            Executor = new RemovalExecutorOptions { Timeout = TimeSpan.FromSeconds(60), PollInterval = TimeSpan.FromMilliseconds(100) },
        };

        [Fact]
        public async Task Scan_and_remove_in_one_work_item_keeps_the_exempt_users_copy_and_gives_one_result_per_finding()
        {
            var target = await TargetAsync("REM-STORE");
            var report = new RemediationReport(new ReportBuilder(), null, null);
            List<FanOutEvent> events;
            using (var runner = new FanOutRunner(4))
            {
                var settings = Settings();
                settings.Report = report;
                var run = new RemediationRun(runner, settings);
                run.AddTarget(target.ComputerName, removals: true);
                runner.Add(target.ComputerName, async (sink, ct) =>
                {
                    using var session = new WsManSession(target);
                    await run.ScanAndRemoveAsync(session, sink, ct);
                });
                events = RunDriver.CompleteAndDrain(runner);
            }
            var reported = Assert.Single(report.Finish(cancelled: false, timeLimitReached: false).Report.Targets);
            var results = RunDriver.Results(events);
            Assert.Equal(3, results.Count);
            Assert.Equal(reported.Findings.Count, results.Count);
            // The exempt user's copy is a finding, not an action; the two removals are.
            Assert.Equal(2, reported.Actions.Count);
            // Bob keeps his copy under his exemption: nothing the policy wants gone remains.
            Assert.Equal(TargetStatus.Exempt, reported.Status);
            Assert.Equal(RemovalStatus.SkippedExempt, results.Single(r => r.UserSid == Bob).Status);
            Assert.Equal(RemovalStatus.Removed, results.Single(r => r.UserSid == Alice).Status);
            Assert.Equal(RemovalStatus.Removed, results.Single(r => r.Kind == AppKind.ProvisionedStoreApp).Status);
            var commands = await sim.GetCommandLinesAsync("REM-STORE");
            Assert.Equal(2, commands.Count);
            Assert.DoesNotContain(commands, c => c.Contains(Bob) || c.Contains("-AllUsers"));
        }

        [Fact]
        public async Task Without_approval_the_scan_is_reported_and_nothing_runs()
        {
            var target = await TargetAsync("REM-STORE");
            var report = new RemediationReport(new ReportBuilder(), null, null);
            using (var runner = new FanOutRunner(1))
            {
                var settings = Settings();
                settings.Report = report;
                var run = new RemediationRun(runner, settings);
                run.AddTarget(target.ComputerName, removals: false);
                runner.Add(target.ComputerName, async (sink, ct) =>
                {
                    using var session = new WsManSession(target);
                    await run.ScanAndRemoveAsync(session, sink, ct);
                });
                Assert.Empty(RunDriver.Results(RunDriver.CompleteAndDrain(runner)));
            }
            var reported = Assert.Single(report.Finish(cancelled: false, timeLimitReached: false).Report.Targets);
            Assert.Equal(TargetStatus.NonCompliant, reported.Status);
            Assert.Empty(reported.Actions);
            Assert.Empty(await sim.GetCommandLinesAsync("REM-STORE"));
        }

        [Fact]
        public async Task A_finding_older_than_the_device_exemption_is_skipped_when_removals_are_queued()
        {
            var target = await TargetAsync("REM-STORE");
            IReadOnlyList<Finding> findings;
            using (var session = new WsManSession(target))
                findings = (await TargetScanner.ForPolicy(Policy, SystemClock.Instance).ScanAsync(session, CancellationToken.None)).Findings;
            // Bob's finding as a scan made before his exemption was granted would have said it.
            var bobs = findings.Single(f => f.App.UserSid == Bob);
            Assert.Equal(FindingStatus.Exempt, bobs.Status);
            bobs.Status = FindingStatus.Violation;
            bobs.Exemption = null;
            await sim.ResetAsync("REM-STORE");

            List<RemovalResult> results;
            using (var runner = new FanOutRunner(2))
            {
                var run = new RemediationRun(runner, Settings());
                run.QueueRemovals(target.ComputerName, findings.Select(run.NewRequest).ToList(), () => new WsManSession(target));
                results = RunDriver.Results(RunDriver.CompleteAndDrain(runner));
            }
            Assert.Equal(findings.Count, results.Count);
            var bob = results.Single(r => r.UserSid == Bob);
            Assert.Equal(RemovalStatus.SkippedExempt, bob.Status);
            Assert.Contains("8f3c2a61-5d4e-4b7a-9c1d-2e3f4a5b6c7d", bob.Message);
            Assert.Null(bob.Error);
            Assert.DoesNotContain(await sim.GetCommandLinesAsync("REM-STORE"), c => c.Contains(Bob) || c.Contains("-AllUsers"));
            var packages = (await sim.GetPackagesAsync("REM-STORE")).EnumerateArray().Where(p => p.GetProperty("fullName").GetString() == TikTokPackage).ToList();
            Assert.Equal(new[] { Bob }, Assert.Single(packages).GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        }
    }
}
