using System;
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
    /// <summary>
    /// REM-INNO-SILENT: an Inno Setup entry whose QuietUninstallString says /SILENT, and an uninstaller that under /SILENT
    /// shows a box nobody in session 0 can click (waitsForUserUnless): the unattended form removes it, /SILENT never ends.
    /// </summary>
    public class SimulatedUninstallerKindTests : IClassFixture<RemediationFleet>
    {
        private const string Host = "REM-INNO-SILENT";
        private const string Key = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Audacity_is1";
        private const string Program = @"C:\Program Files\Audacity\unins000.exe";

        // A rule that declares /SILENT: Inno Setup's kind still wins, because /SILENT is not unattended.
        private static readonly AppBanPolicy Policy = PolicyLoader.LoadJson(@"{
  ""schemaVersion"": 1, ""name"": ""Audacity ban"", ""enforceAfter"": null,
  ""rules"": [ { ""id"": ""audacity"", ""displayName"": ""Audacity"", ""matchers"": [ { ""displayName"": ""Audacity*"" } ],
                 ""removal"": { ""removeProvisioned"": false, ""silentSwitches"": [ ""/SILENT"" ] } } ]
}", "audacity.json");

        private readonly RemediationFleet fleet;
        private readonly SimulatorProcess sim;

        public SimulatedUninstallerKindTests(RemediationFleet fleet) { this.fleet = fleet; sim = fleet.Simulator; }

        private async Task<(WsManSession Session, Finding Finding)> ScanAsync()
        {
            await sim.ResetAsync(Host);
            var session = await fleet.OpenAdminAsync(Host);
            var scanner = TargetScanner.ForPolicy(Policy, SystemClock.Instance);
            scanner.ReadSignedOutProfiles = false;
            var scan = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Null(scan.Error);
            return (session, Assert.Single(scan.Findings));
        }

        private static Task<RemovalResult> RemoveAsync(ICimSession session, Finding finding) =>
            new RemovalExecutor(session, new InventoryReader(new RegistryClient(session)), new RemovalExecutorOptions
            {
                Timeout = TimeSpan.FromSeconds(60),
                PollInterval = TimeSpan.FromMilliseconds(100),
            }).ExecuteAsync(new RemovalRequest(finding, Policy.FindRule(finding.RuleId)?.Removal));

        [Fact]
        public async Task An_Inno_Setup_entry_whose_quiet_string_says_SILENT_is_removed_with_the_unattended_switches()
        {
            var (session, finding) = await ScanAsync();
            using (session)
            {
                Assert.Equal(@"C:\Program Files\Audacity", finding.App.InnoSetupAppPath);
                var result = await RemoveAsync(session, finding);

                Assert.Equal(RemovalStatus.Removed, result.Status);
                Assert.Equal(RemovalMethod.KnownUninstaller, result.Method);
                var command = Assert.Single((await sim.GetCommandsAsync(Host)).EnumerateArray().ToList());
                Assert.Contains("\"" + Program + "\" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART", command.GetProperty("commandLine").GetString());
                Assert.DoesNotContain("/SILENT ", command.GetProperty("commandLine").GetString() + " ");
                Assert.True(command.GetProperty("finished").GetBoolean());
                Assert.False((await sim.GetRegistryAsync(Host, Key)).HasValue);
            }
        }

        [Fact]
        public async Task The_same_uninstaller_run_as_its_quiet_string_says_never_ends_while_the_unattended_form_does()
        {
            var (session, finding) = await ScanAsync();
            using (session)
            {
                // The entry's own quiet form, started first: the box under /SILENT waits for a click in session 0.
                var silent = await new ProcessClient(session).CreateAsync(finding.App.QuietUninstallString);
                Assert.True(silent.Started);

                // Started later, the unattended form runs, ends and removes the app.
                var result = await RemoveAsync(session, finding);
                Assert.Equal(RemovalStatus.Removed, result.Status);
                Assert.False((await sim.GetRegistryAsync(Host, Key)).HasValue);

                // Both ran the same program for the same time; only the /SILENT one is still waiting.
                var commands = (await sim.GetCommandsAsync(Host)).EnumerateArray().ToList();
                var silentRun = Assert.Single(commands, c => c.GetProperty("commandLine").GetString().EndsWith(Program + "\" /SILENT", StringComparison.Ordinal));
                Assert.False(silentRun.GetProperty("finished").GetBoolean());
                var unattended = Assert.Single(commands, c => c.GetProperty("commandLine").GetString().Contains("/VERYSILENT /SUPPRESSMSGBOXES /NORESTART"));
                Assert.True(unattended.GetProperty("finished").GetBoolean());
                Assert.Contains((await sim.GetProcessesAsync(Host)).EnumerateArray(), p => p.GetProperty("name").GetString() == "unins000.exe");
            }
        }
    }
}
