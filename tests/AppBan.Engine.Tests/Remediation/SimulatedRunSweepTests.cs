using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public sealed class RunSweepFleet : SimulatorFixture
    {
        public RunSweepFleet() : base("remediation/exe-slow.json", "remediation/msi-3010.json") { }
    }

    /// <summary>
    /// Exit-code keys left under HKLM\SOFTWARE\AppBan\Runs by runs that stopped waiting, end to end over WS-Man:
    /// what the next removal run on the host deletes, what it keeps, and what it costs, read from the simulator.
    /// </summary>
    public class SimulatedRunSweepTests : IClassFixture<RunSweepFleet>
    {
        private const string RunsPath = @"HKLM\SOFTWARE\AppBan\Runs";
        private const string Slow = "REM-EXE-SLOW";
        private const string Msi = "REM-MSI-3010";
        private static readonly AppBanPolicy Policy = PolicyLoader.BuiltIn();

        private readonly RunSweepFleet fleet;
        private readonly SimulatorProcess sim;

        public SimulatedRunSweepTests(RunSweepFleet fleet) { this.fleet = fleet; sim = fleet.Simulator; }

        private static RemovalExecutorOptions Options(TimeSpan? timeout = null, IClock clock = null) => new RemovalExecutorOptions
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
            PollInterval = TimeSpan.FromMilliseconds(100),
            Clock = clock,
        };

        /// <summary>A clock one hour ahead: the waiter of a run started now has given up long before.</summary>
        private sealed class HourLaterClock : IClock
        {
            public DateTimeOffset UtcNow => DateTimeOffset.UtcNow.AddHours(1);
        }

        private Task<WsManSession> OpenAsync(string name) => fleet.OpenAdminAsync(name);

        private static async Task<Finding> ScanOneAsync(ICimSession session)
        {
            var result = await TargetScanner.ForPolicy(Policy, SystemClock.Instance).ScanAsync(session, CancellationToken.None);
            Assert.Null(result.Error);
            return Assert.Single(result.Findings);
        }

        private static Task<RemovalResult> RemoveAsync(ICimSession session, Finding finding, RemovalExecutorOptions options) =>
            new RemovalExecutor(session, new InventoryReader(new RegistryClient(session)), options)
                .ExecuteAsync(new RemovalRequest(finding, Policy.FindRule(finding.RuleId)?.Removal));

        /// <summary>The subkeys of Runs on the simulated host, by name, as its registry dump shows them.</summary>
        private async Task<Dictionary<string, JsonElement>> RunKeysAsync(string host)
        {
            var runs = await sim.GetRegistryAsync(host, RunsPath);
            if (!runs.HasValue) return new Dictionary<string, JsonElement>();
            return runs.Value.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString(), k => k);
        }

        private static string ValueOf(JsonElement key, string name) => key.GetProperty("values").GetProperty(name).GetProperty("value").GetString();

        /// <summary>Waits (bounded) until every process started on the host has ended, as the simulator reports it.</summary>
        private async Task WaitUntilAllCommandsFinishedAsync(string host)
        {
            var giveUp = DateTime.UtcNow.AddSeconds(60);
            while (!(await sim.GetCommandsAsync(host)).EnumerateArray().All(c => c.GetProperty("finished").GetBoolean()))
            {
                Assert.True(DateTime.UtcNow < giveUp, "the started processes did not end");
                await Task.Delay(200);
            }
        }

        private static IEnumerable<(string Operation, string SubKey)> RegistryOperations(JsonElement log) =>
            log.EnumerateArray()
                .Select(e => (Operation: e.GetProperty("operation").GetString(), Detail: e.GetProperty("detail").GetString() ?? ""))
                .Where(e => e.Operation.StartsWith("StdRegProv.", StringComparison.Ordinal))
                .Select(e => (e.Operation, SubKey: SubKeyOf(e.Detail)));

        private static string SubKeyOf(string detail)
        {
            const string marker = "sSubKeyName=";
            var start = detail.IndexOf(marker, StringComparison.Ordinal);
            if (start < 0) return "";
            var end = detail.IndexOf(" sValueName=", start, StringComparison.Ordinal);
            start += marker.Length;
            return end < 0 ? detail.Substring(start) : detail.Substring(start, end - start);
        }

        [Fact]
        public async Task A_timed_out_run_leaves_a_key_that_the_next_removal_run_deletes_once_its_waiter_has_given_up()
        {
            using var session = await OpenAsync(Slow);
            var finding = await ScanOneAsync(session);

            var timedOut = await RemoveAsync(session, finding, Options(TimeSpan.FromSeconds(1)));
            Assert.Equal(RemovalStatus.TimedOut, timedOut.Status);
            // The uninstaller goes on, ends, and its wrapper records the exit code with nobody left to read it.
            await WaitUntilAllCommandsFinishedAsync(Slow);
            var (leftName, leftKey) = Assert.Single(await RunKeysAsync(Slow));
            Assert.Equal("0", ValueOf(leftKey, "ExitCode"));
            Assert.Contains(@"\Runs\" + leftName + "\"", Assert.Single(await sim.GetCommandLinesAsync(Slow)));

            // Right away, the key is still within its waiter's time (plus grace): a run now keeps it.
            var soon = await RemoveAsync(session, finding, Options());
            Assert.Equal(RemovalStatus.AlreadyAbsent, soon.Status);
            Assert.Equal(new[] { leftName }, (await RunKeysAsync(Slow)).Keys);

            // A removal run after that deletes it, and runs nothing.
            var later = await RemoveAsync(session, finding, Options(clock: new HourLaterClock()));
            Assert.Equal(RemovalStatus.AlreadyAbsent, later.Status);
            Assert.Empty(await RunKeysAsync(Slow));
            Assert.Single(await sim.GetCommandLinesAsync(Slow));
        }

        [Fact]
        public async Task The_key_of_a_run_another_AppBan_is_still_waiting_for_is_kept()
        {
            using var session = await OpenAsync(Slow);
            var finding = await ScanOneAsync(session);
            // Another administrator's run of the same uninstaller: its process has ended, and its waiter (with a
            // 10-minute timeout) has not polled since, so it has not read its exit code yet.
            var othersRunId = RunKeyName.New(DateTimeOffset.UtcNow.AddMinutes(10));
            const string uninstaller = "\"C:\\Program Files\\TikTok LIVE Studio\\Uninstall TikTok LIVE Studio.exe\" /S";
            var started = await new ProcessClient(session).CreateAsync(ProcessClient.WrapForExitCode(uninstaller, othersRunId));
            Assert.True(started.Started);
            await WaitUntilAllCommandsFinishedAsync(Slow);
            Assert.Contains(othersRunId, (await RunKeysAsync(Slow)).Keys);

            var ours = await RemoveAsync(session, finding, Options());

            Assert.Equal(RemovalStatus.AlreadyAbsent, ours.Status);
            Assert.Equal(new[] { othersRunId }, (await RunKeysAsync(Slow)).Keys);
            // The other waiter still finds what it waits for.
            var exit = await new RegistryClient(session).GetStringValueAsync(RegistryHive.LocalMachine, ProcessClient.RunsKey + "\\" + othersRunId, "ExitCode");
            Assert.True(exit.Success);
            Assert.Equal("0", exit.Value);
        }

        [Fact]
        public async Task Only_run_keys_are_deleted_and_nothing_else_under_Runs_is_opened()
        {
            using var session = await OpenAsync(Msi);
            var finding = await ScanOneAsync(session);
            var registry = new RegistryClient(session);
            var legacy = Guid.NewGuid().ToString("N");
            var abandonedWithChild = RunKeyName.New(DateTimeOffset.UtcNow.AddHours(-1));
            const string upper = "0123456789ABCDEF0123456789ABCDEF";
            const string short31 = "0123456789abcdef0123456789abcde";
            foreach (var name in new[] { legacy, abandonedWithChild, upper, short31, "not-a-run" })
                await PlantAsync(registry, ProcessClient.RunsKey + "\\" + name, "ExitCode", "1603");
            await PlantAsync(registry, ProcessClient.RunsKey + @"\not-a-run\child", "Note", "keep me");
            await PlantAsync(registry, ProcessClient.RunsKey + "\\" + abandonedWithChild + @"\child", "Note", "keep me");
            await sim.ResetCountersAsync(Msi);

            var result = await RemoveAsync(session, finding, Options());

            Assert.Equal(RemovalStatus.RebootRequired, result.Status);
            var left = await RunKeysAsync(Msi);
            Assert.Equal(new[] { abandonedWithChild, short31, upper, "not-a-run" }.OrderBy(n => n, StringComparer.Ordinal), left.Keys.OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal("1603", ValueOf(left["not-a-run"], "ExitCode"));
            Assert.Equal("keep me", ValueOf(left["not-a-run"].GetProperty("keys")[0], "Note"));
            Assert.Equal("keep me", ValueOf(left[abandonedWithChild].GetProperty("keys")[0], "Note"));
            // Nothing below Runs was read or written except the run keys themselves, and no subkey of one.
            var underRuns = RegistryOperations(await sim.GetOperationsAsync(Msi))
                .Where(o => o.SubKey.StartsWith(ProcessClient.RunsKey + "\\", StringComparison.OrdinalIgnoreCase))
                .Select(o => o.SubKey.Substring(ProcessClient.RunsKey.Length + 1)).ToList();
            Assert.All(underRuns, k => Assert.True(RunKeyName.IsRunKeyName(k), k + " should not have been touched"));
            Assert.Contains(legacy, underRuns);
        }

        [Fact]
        public async Task With_nothing_under_Runs_a_removal_costs_what_it_cost_before_the_sweep()
        {
            using var session = await OpenAsync(Msi);
            var finding = await ScanOneAsync(session);
            await sim.ResetCountersAsync(Msi);

            var result = await RemoveAsync(session, finding, Options());

            Assert.Equal(RemovalStatus.RebootRequired, result.Status);
            var runsOps = RegistryOperations(await sim.GetOperationsAsync(Msi))
                .Where(o => o.SubKey.StartsWith(ProcessClient.RunsKey, StringComparison.OrdinalIgnoreCase)).ToList();
            // The sweep: one EnumKey of Runs. The run's own key: read back, then one DeleteKey (it has no subkeys).
            Assert.Equal(3, runsOps.Count);
            Assert.Equal(("StdRegProv.EnumKey", ProcessClient.RunsKey), runsOps[0]);
            Assert.Equal("StdRegProv.GetStringValue", runsOps[1].Operation);
            Assert.Equal(("StdRegProv.DeleteKey", runsOps[1].SubKey), runsOps[2]);
            // Everything else: two re-scans of the entry, Win32_Process.Create, and the polls (Enumerate).
            var counts = await sim.GetOperationCountsAsync(Msi);
            Assert.Equal(new[] { "Enumerate", "StdRegProv.DeleteKey", "StdRegProv.EnumKey", "StdRegProv.GetStringValue", "Win32_Process.Create" },
                counts.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal(1, counts["StdRegProv.EnumKey"]);
            Assert.Equal(1, counts["StdRegProv.DeleteKey"]);
            Assert.Equal(3, counts["StdRegProv.GetStringValue"]);
            Assert.Equal(1, counts["Win32_Process.Create"]);
        }

        private static async Task PlantAsync(RegistryClient registry, string key, string name, string value)
        {
            Assert.True((await registry.CreateKeyAsync(RegistryHive.LocalMachine, key)).Success, key);
            Assert.True((await registry.SetStringValueAsync(RegistryHive.LocalMachine, key, name, value)).Success, key);
        }
    }
}
