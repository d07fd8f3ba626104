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
                _ => Task.FromResult(new RemovalExecutor(t, new FakeVerifier(t)))));
            var results = new ConcurrentBag<RemovalResult>();

            await RemovalRunner.RunAsync(work, 3, results.Add);

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
                throw new CimException(CimErrorKind.Unreachable, "PC404", "destination unreachable");
            });
            var results = new ConcurrentBag<RemovalResult>();
            await RemovalRunner.RunAsync(new[] { work }, 0, results.Add);

            Assert.Equal(1, connects);
            Assert.Equal(3, results.Count);
            Assert.Equal(2, results.Count(r => r.Status == RemovalStatus.Failed && r.Error.Contains("PC404") && r.Error.Contains("Unreachable")));
            Assert.Single(results, r => r.Status == RemovalStatus.RequiresUserAction);
        }

        [Fact]
        public async Task Does_not_connect_when_nothing_needs_the_target()
        {
            var work = new RemovalHostWork("PC01", new[] { new RemovalRequest(Violation(WebApp())) },
                _ => throw new CimException(CimErrorKind.Unreachable, "PC01", "should not connect"));
            var results = new ConcurrentBag<RemovalResult>();
            await RemovalRunner.RunAsync(new[] { work }, 1, results.Add);
            Assert.Equal(RemovalStatus.RequiresUserAction, Assert.Single(results).Status);
        }
    }
}
