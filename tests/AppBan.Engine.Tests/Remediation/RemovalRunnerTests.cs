using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    public class RemovalRunnerTests
    {
        [Fact]
        public async Task An_exemption_found_when_connecting_stops_the_removal_and_the_all_users_fallback()
        {
            var target = new FakeTarget();
            target.Packages.Add(AliceSid + "|" + TikTokPackage);
            target.Packages.Add(BobSid + "|" + TikTokPackage);
            target.Programs = (inner, _) => new FakeProgram { ExitCode = 0, Effect = t => { if (inner.Contains("-AllUsers")) t.Packages.Clear(); } };
            var alice = new RemovalRequest(Violation(StoreApp()));
            var bob = new RemovalRequest(Violation(StoreApp(BobSid, @"CONTOSO\bob")));
            var work = new RemovalHostWork("PC01", new[] { alice, bob }, _ =>
            {
                bob.LateExemption = new AppBan.Engine.Exemptions.Exemption { Id = "EX-LATE" };
                return Task.FromResult<ICimSession>(target);
            });
            var results = new ConcurrentBag<RemovalResult>();
            await RemovalRunner.RunAsync(new[] { work }, 1, s => new FakeVerifier((FakeTarget)s), new RemovalExecutorOptions { PollInterval = System.TimeSpan.FromMilliseconds(5) }, results.Add);

            Assert.Equal(RemovalStatus.SkippedExempt, results.Single(r => r.UserSid == BobSid).Status);
            Assert.Contains("EX-LATE", results.Single(r => r.UserSid == BobSid).Error);
            Assert.Equal(RemovalStatus.Failed, results.Single(r => r.UserSid == AliceSid).Status);
            Assert.DoesNotContain(target.InnerCommands, c => c.Contains("-AllUsers") || c.Contains(BobSid));
            Assert.Contains(BobSid + "|" + TikTokPackage, target.Packages);
        }

        private const string MsiKey = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\" + ProductCode;

        [Fact]
        public async Task Gives_one_result_per_finding_and_never_exceeds_the_throttle()
        {
            var active = 0;
            var maxActive = 0;
            var targets = Enumerable.Range(1, 12).Select(i =>
            {
                var t = new FakeTarget("PC" + i);
                t.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
                t.Programs = (_, __) =>
                {
                    var now = Interlocked.Increment(ref active);
                    int seen;
                    while ((seen = Volatile.Read(ref maxActive)) < now && Interlocked.CompareExchange(ref maxActive, now, seen) != seen) { }
                    Thread.Sleep(5);
                    Interlocked.Decrement(ref active);
                    return new FakeProgram { ExitCode = 0, Effect = x => x.DeleteKey(MsiKey) };
                };
                return t;
            }).ToList();
            var work = targets.Select(t => new RemovalHostWork(t.ComputerName,
                new[] { new RemovalRequest(Violation(MachineMsi(computer: t.ComputerName))), new RemovalRequest(Violation(WebApp())) },
                _ => Task.FromResult<ICimSession>(t)));
            var results = new ConcurrentBag<RemovalResult>();

            await RemovalRunner.RunAsync(work, 3, s => new FakeVerifier((FakeTarget)s), null, results.Add);

            Assert.Equal(24, results.Count);
            Assert.Equal(12, results.Count(r => r.Status == RemovalStatus.Removed));
            Assert.Equal(12, results.Count(r => r.Status == RemovalStatus.RequiresUserAction));
            Assert.All(targets, t => Assert.False(t.KeyExists(MsiKey)));
            Assert.InRange(maxActive, 1, 3);
        }

        [Fact]
        public async Task An_unreachable_host_fails_each_of_its_findings_and_decides_the_rest_without_connecting()
        {
            var connects = 0;
            var work = new RemovalHostWork("PC404", new[]
            {
                new RemovalRequest(Violation(MachineMsi(computer: "PC404"))),
                new RemovalRequest(Violation(MachineExe("\"C:\\Program Files\\App\\u.exe\" /S", null, computer: "PC404"))),
                new RemovalRequest(Violation(UserExe("x"))),
            }, _ =>
            {
                connects++;
                return Task.FromException<ICimSession>(new CimException(CimErrorKind.Unreachable, "PC404", "destination unreachable"));
            });
            var results = new ConcurrentBag<RemovalResult>();
            await RemovalRunner.RunAsync(new[] { work }, 0, s => new FakeVerifier((FakeTarget)s), null, results.Add);

            Assert.Equal(1, connects);
            Assert.Equal(3, results.Count);
            Assert.Equal(2, results.Count(r => r.Status == RemovalStatus.Failed && r.Error.Contains("PC404") && r.Error.Contains("Unreachable")));
            Assert.Single(results, r => r.Status == RemovalStatus.RequiresUserAction);
        }

        [Fact]
        public async Task Does_not_connect_when_nothing_needs_the_target()
        {
            var work = new RemovalHostWork("PC01", new[] { new RemovalRequest(Violation(WebApp())) },
                _ => Task.FromException<ICimSession>(new CimException(CimErrorKind.Unreachable, "PC01", "should not connect")));
            var results = new ConcurrentBag<RemovalResult>();
            await RemovalRunner.RunAsync(new[] { work }, 1, s => new FakeVerifier((FakeTarget)s), null, results.Add);
            Assert.Equal(RemovalStatus.RequiresUserAction, Assert.Single(results).Status);
        }
    }
}
