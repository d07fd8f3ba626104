using System;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>The sweep of HKLM\SOFTWARE\AppBan\Runs against an in-memory target, with a pinned clock.</summary>
    public class RunKeySweepTests
    {
        private const string Runs = @"HKLM\SOFTWARE\AppBan\Runs";
        private const string MsiKey = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\" + ProductCode;
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        private static ProcessClient Client(FakeWindowsHost target) => new ProcessClient(target) { Clock = new FixedClock(Now) };

        [Fact]
        public async Task Deletes_keys_whose_waiter_gave_up_and_keys_of_the_older_layout_and_nothing_else()
        {
            var target = new FakeWindowsHost("PC01");
            var abandoned = RunKeyName.New(Now - ProcessClient.RunKeyGrace - TimeSpan.FromSeconds(1));
            var legacy = Guid.NewGuid().ToString("N");
            var inGrace = RunKeyName.New(Now - ProcessClient.RunKeyGrace + TimeSpan.FromSeconds(1));
            var waiting = RunKeyName.New(Now + TimeSpan.FromMinutes(10));
            var withChild = RunKeyName.New(Now - TimeSpan.FromHours(1));
            const string upper = "0123456789ABCDEF0123456789ABCDEF";
            foreach (var name in new[] { abandoned, legacy, inGrace, waiting, withChild, upper, "not-a-run" })
                target.SetValue(Runs + "\\" + name, "ExitCode", "0");
            target.SetValue(Runs + "\\" + withChild + "\\child", "x", "1");
            target.SetValue(Runs + @"\not-a-run\child", "x", "1");

            var result = await Client(target).SweepRunsAsync();

            Assert.Equal(RegistryOutcome.Success, result.Outcome);
            Assert.Equal(2, result.Deleted);
            Assert.Equal(2, result.Awaited);
            Assert.Equal(2, result.Ignored);
            Assert.Equal(1, result.NotDeleted);
            Assert.False(target.KeyExists(Runs + "\\" + abandoned));
            Assert.False(target.KeyExists(Runs + "\\" + legacy));
            foreach (var kept in new[] { inGrace, waiting, withChild, withChild + "\\child", upper, "not-a-run", @"not-a-run\child" })
                Assert.True(target.KeyExists(Runs + "\\" + kept), kept + " should stay");
            // One EnumKey, then one DeleteKey per candidate; nothing else under Runs is opened.
            Assert.Equal("EnumKey " + Runs, target.Log[0]);
            Assert.Equal(new[] { abandoned, legacy, withChild }.Select(n => "DeleteKey " + Runs + "\\" + n).OrderBy(c => c),
                target.Log.Skip(1).OrderBy(c => c));
        }

        [Fact]
        public async Task An_empty_or_missing_Runs_key_costs_one_EnumKey()
        {
            var target = new FakeWindowsHost("PC01");
            var missing = await Client(target).SweepRunsAsync();
            Assert.Equal(RegistryOutcome.KeyNotFound, missing.Outcome);

            target.SetValue(Runs, "", "");
            var empty = await Client(target).SweepRunsAsync();
            Assert.Equal(RegistryOutcome.Success, empty.Outcome);
            Assert.Equal(0, empty.Deleted + empty.Awaited + empty.Ignored + empty.NotDeleted);
            Assert.Equal(new[] { "EnumKey " + Runs, "EnumKey " + Runs }, target.Log);
        }

        [Fact]
        public async Task An_executor_sweeps_once_before_its_first_command_and_names_its_runs_after_its_deadline()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
            var legacy = Guid.NewGuid().ToString("N");
            target.SetValue(Runs + "\\" + legacy, "ExitCode", "0");
            target.Programs = (_, __) => new FakeProgram { ExitCode = 0, Effect = t => t.DeleteKey(MsiKey) };
            var options = new RemovalExecutorOptions { Timeout = TimeSpan.FromMinutes(3), PollInterval = TimeSpan.FromMilliseconds(5), Clock = new FixedClock(Now) };
            var executor = new RemovalExecutor(target, new FakeVerifier(target), options);

            var first = await executor.ExecuteAsync(new RemovalRequest(Violation(MachineMsi())));
            var second = await executor.ExecuteAsync(new RemovalRequest(Violation(MachineMsi())));

            Assert.Equal(RemovalStatus.Removed, first.Status);
            Assert.Equal(RemovalStatus.AlreadyAbsent, second.Status);
            Assert.Equal(1, target.Log.Count(c => c == "EnumKey " + Runs));
            Assert.True(target.Log.ToList().IndexOf("DeleteKey " + Runs + "\\" + legacy) < target.Log.ToList().FindIndex(c => c.StartsWith("GetStringValue " + Runs + "\\", StringComparison.Ordinal)));
            Assert.Empty(target.KeysUnder(Runs));
            var runId = System.Text.RegularExpressions.Regex.Match(Assert.Single(target.CommandLines), @"\\Runs\\([0-9a-f]{32})""").Groups[1].Value;
            // The run is given what is left of the removal's timeout.
            var waitEnds = RunKeyName.WaitEndsOf(runId).Value;
            Assert.InRange(waitEnds, Now + options.Timeout - TimeSpan.FromSeconds(10), Now + options.Timeout);
        }

        [Fact]
        public async Task A_sweep_the_target_refuses_does_not_stop_the_removal()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
            target.Deny(Runs);
            target.Programs = (_, __) => new FakeProgram { ExitCode = 0, Effect = t => t.DeleteKey(MsiKey) };
            var executor = new RemovalExecutor(target, new FakeVerifier(target), new RemovalExecutorOptions { PollInterval = TimeSpan.FromMilliseconds(5) });

            var result = await executor.ExecuteAsync(new RemovalRequest(Violation(MachineMsi())));

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Single(target.InnerCommands);
            Assert.Equal("EnumKey " + Runs, target.Log.First(c => c.Contains(Runs)));
        }
    }
}
