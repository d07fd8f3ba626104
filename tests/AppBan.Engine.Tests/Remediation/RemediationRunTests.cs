using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.FanOut;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.FanOut.FanOutTestSupport;
using static AppBan.Engine.Tests.Remediation.RunDriver;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>The run against in-memory targets: what it decides, what it runs, and what comes out of the runner's queue.</summary>
    public class RemediationRunTests
    {
        private const string MsiKey = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\" + ProductCode;

        [Fact]
        public void A_host_that_cannot_be_opened_fails_each_finding_that_needs_it_and_decides_the_rest_without_it()
        {
            var opens = 0;
            var requests = new[]
            {
                new RemovalRequest(Violation(MachineMsi(computer: "PC404"))),
                new RemovalRequest(Violation(MachineExe("\"C:\\Program Files\\App\\u.exe\" /S", null, computer: "PC404"))),
                new RemovalRequest(Violation(UserExe("x"))),
                // A user's own task is registered on the host: it needs the host too.
                new RemovalRequest(Violation(UserExe("\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\""))),
            };
            List<RemovalResult> results;
            using (var runner = new FanOutRunner(4))
            {
                new RemediationRun(runner, Settings()).QueueRemovals("PC404", requests, () =>
                {
                    opens++;
                    throw new CimException(CimErrorKind.Unreachable, "PC404", "destination unreachable");
                });
                results = Results(CompleteAndDrain(runner));
            }
            Assert.Equal(1, opens);
            Assert.Equal(4, results.Count);
            Assert.Equal(requests.Select(r => r.Finding).OrderBy(f => f.App.DisplayName + f.App.Kind + f.App.UninstallString),
                results.Select(r => r.Finding).OrderBy(f => f.App.DisplayName + f.App.Kind + f.App.UninstallString));
            var failed = results.Where(r => r.Status == RemovalStatus.Failed).ToList();
            Assert.Equal(3, failed.Count);
            Assert.All(failed, r => Assert.IsType<CimException>(r.Cause));
            Assert.All(failed, r => Assert.Contains("PC404: Unreachable", r.Error));
            Assert.Contains(failed, r => r.Finding == requests[3].Finding);
            // "x" is no program: refused without the host.
            Assert.Equal(requests[2].Finding, Assert.Single(results, r => r.Status == RemovalStatus.Refused).Finding);
        }

        [Fact]
        public void A_host_is_not_opened_when_nothing_needs_it()
        {
            using (var runner = new FanOutRunner(1))
            {
                new RemediationRun(runner, Settings()).QueueRemovals("PC01", new[] { new RemovalRequest(Violation(WebApp())) },
                    () => throw new InvalidOperationException("opened"));
                var events = CompleteAndDrain(runner);
                Assert.Equal(RemovalStatus.RequiresUserAction, Assert.Single(Results(events)).Status);
                Assert.DoesNotContain(events, e => e.Kind == FanOutEventKind.Failed);
            }
        }

        [Fact]
        public void An_exemption_granted_after_the_scan_stops_the_removal_and_the_all_users_fallback()
        {
            var target = new FakeWindowsHost("PC01");
            target.Packages.Add(AliceSid + "|" + TikTokPackage);
            target.Packages.Add(BobSid + "|" + TikTokPackage);
            // Granted on the device after the findings were made: both still say Violation.
            var key = @"HKLM\" + DeviceExemptionStore.KeyOf("8f3c2a61-5d4e-4b7a-9c1d-2e3f4a5b6c7d");
            target.SetValue(key, DeviceExemptionStore.RuleIdValue, "tiktok");
            target.SetValue(key, DeviceExemptionStore.UserSidValue, BobSid);
            target.SetValue(key, DeviceExemptionStore.ReasonValue, "Social media team");
            // The per-user removal leaves the package; only -AllUsers would take it, and Bob keeps his copy.
            target.Programs = (inner, _) => new FakeProgram { ExitCode = 0, Effect = t => { if (inner.Contains("-AllUsers")) t.Packages.Clear(); } };

            var results = RemoveOnOneHost(target, new RemovalRequest(Violation(StoreApp())), new RemovalRequest(Violation(StoreApp(BobSid, @"CONTOSO\bob"))));

            Assert.Equal(2, results.Count);
            var bob = results.Single(r => r.UserSid == BobSid);
            Assert.Equal(RemovalStatus.SkippedExempt, bob.Status);
            Assert.Contains("8f3c2a61-5d4e-4b7a-9c1d-2e3f4a5b6c7d", bob.Message);
            Assert.Null(bob.Error);
            // Alice's copy stays after -User; her own task removes it, since -AllUsers would take Bob's exempt copy.
            var alice = results.Single(r => r.UserSid == AliceSid);
            Assert.Equal(RemovalStatus.Scheduled, alice.Status);
            Assert.Equal(RemovalMethod.UserTask, alice.Method);
            Assert.Contains("-User can exit 0 and leave the package", alice.Message);
            Assert.Single(target.InnerCommands);
            Assert.DoesNotContain(target.InnerCommands, c => c.Contains("-AllUsers") || c.Contains(BobSid));
            Assert.Contains(BobSid + "|" + TikTokPackage, target.Packages);
            var task = Assert.Single(target.ScheduledTasks);
            Assert.Contains("<UserId>" + AliceSid + "</UserId>", task.Xml);
            Assert.DoesNotContain(BobSid, task.Xml);
        }

        [Fact]
        public void A_store_finding_without_a_user_previewed_as_refused_never_runs_when_the_host_would_now_allow_all_users()
        {
            var target = new FakeWindowsHost("PC01");
            target.Packages.Add("|" + TikTokPackage);
            target.Programs = (_, __) => new FakeProgram { ExitCode = 0, Effect = t => t.Packages.Clear() };
            List<RemovalResult> results;
            using (var runner = new FanOutRunner(1))
            {
                var run = new RemediationRun(runner, Settings(s => new FakeVerifier((FakeWindowsHost)s)));
                // Approval time: alone, its fallback is not yet decided, so it is refused and nobody is asked.
                var preview = run.Preview(Violation(StoreApp(sid: null, user: null)));
                Assert.Equal(RemovalDecision.Refuse, preview.Decision);
                // The host's requests would now allow -AllUsers for it: a decision nobody approved.
                run.QueueRemovals("PC01", new[] { preview.Request }, () => target);
                results = Results(CompleteAndDrain(runner));
            }
            var result = Assert.Single(results);
            Assert.Equal(RemovalStatus.Refused, result.Status);
            Assert.Equal(RemovalMethod.None, result.Method);
            Assert.Contains("approved as Refuse, but would now run Remove-AppxPackage -AllUsers", result.Error);
            Assert.Empty(target.InnerCommands);
            Assert.Contains("|" + TikTokPackage, target.Packages);
        }

        [Fact]
        public void Each_removal_is_handed_to_the_audit_hook_on_its_worker_before_its_result_is_posted()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
            target.Programs = (_, __) => new FakeProgram { ExitCode = 0, Effect = t => t.DeleteKey(MsiKey) };
            using (var runner = new FanOutRunner(1))
            {
                var settings = Settings(s => new FakeVerifier((FakeWindowsHost)s));
                settings.OnRemoved = (result, sink) => sink.WriteWarning("audited " + result.Status);
                new RemediationRun(runner, settings).QueueRemovals("PC01", new[] { new RemovalRequest(Violation(MachineMsi())) }, () => target);
                var events = CompleteAndDrain(runner).Where(e => e.Kind == FanOutEventKind.Warning || e.Kind == FanOutEventKind.Output).ToList();
                Assert.Equal(2, events.Count);
                Assert.Equal("audited Removed", events[0].Data);
                Assert.Equal(RemovalStatus.Removed, Assert.IsType<RemovalResult>(events[1].Data).Status);
            }
        }

        [Fact]
        public void Never_more_hosts_at_once_than_the_throttle_and_one_result_per_finding()
        {
            var release = new ManualResetEventSlim();
            var uninstallersRunning = 0;
            var targets = Enumerable.Range(1, 5).Select(i =>
            {
                var t = new FakeWindowsHost("PC" + i);
                t.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
                t.Programs = (_, __) =>
                {
                    Interlocked.Increment(ref uninstallersRunning);
                    release.Wait();
                    return new FakeProgram { ExitCode = 0, Effect = x => x.DeleteKey(MsiKey) };
                };
                return t;
            }).ToList();
            using (release)
            using (var runner = new FanOutRunner(2))
            {
                var run = new RemediationRun(runner, Settings(s => new FakeVerifier((FakeWindowsHost)s)));
                foreach (var t in targets)
                    run.QueueRemovals(t.ComputerName, new[] { new RemovalRequest(Violation(MachineMsi(computer: t.ComputerName))), new RemovalRequest(Violation(WebApp())) }, () => t);
                // Two hosts hold their slots inside an uninstaller; the other three can only wait for a slot.
                WaitUntil(() => Volatile.Read(ref uninstallersRunning) == 2 && runner.Waiting == 3, "two hosts never held the throttle with three waiting");
                Assert.Equal(2, runner.InFlight.Count);
                Assert.Equal(2, targets.Count(t => t.InnerCommands.Count > 0));
                release.Set();
                var results = Results(CompleteAndDrain(runner));

                Assert.Equal(10, results.Count);
                Assert.Equal(5, results.Count(r => r.Status == RemovalStatus.Removed));
                Assert.Equal(5, results.Count(r => r.Status == RemovalStatus.RequiresUserAction));
                Assert.All(targets, t => Assert.False(t.KeyExists(MsiKey)));
                Assert.All(targets, t => Assert.Single(t.InnerCommands));
            }
        }

        [Fact]
        public void Cancelling_the_run_reaches_the_operation_in_flight()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
            target.HoldUntilCancelled = call => call.ClassName == "Win32_Process";
            using (var runner = new FanOutRunner(1))
            {
                new RemediationRun(runner, Settings(s => new FakeVerifier(target))).QueueRemovals("PC01", new[] { new RemovalRequest(Violation(MachineMsi())) }, () => target);
                runner.CompleteAdding();
                Assert.True(target.Held.Wait(TimeSpan.FromSeconds(30)), "Win32_Process.Create was never called");
                runner.Cancel();
                var events = CompleteAndDrain(runner);

                Assert.True(target.SawCancellation);
                Assert.Empty(Results(events));
                Assert.IsAssignableFrom<OperationCanceledException>(Assert.Single(events, e => e.Kind == FanOutEventKind.Failed).Error);
            }
        }
    }
}
