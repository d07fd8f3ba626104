using System.Linq;
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
    /// The allow rule and the file-security check end to end on REM-RUNNERS (tests/hosts/remediation/runners.json):
    /// HKLM entries whose strings run other programs, a program planted in a ProgramData folder a user created, and
    /// a WiX Burn bundle in the secured Package Cache. Every planted program is declared on the host, so running one
    /// would show in the command log and remove its key.
    /// </summary>
    public class SimulatedAllowRuleTests : IClassFixture<RemediationFleet>
    {
        private const string Host = "REM-RUNNERS";
        private const string Uninstall64 = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        private const string BundleKey = "{8F3B9C1D-2E4A-4B6C-9D8E-1F2A3B4C5D6E}";
        private static readonly AppBanPolicy Policy = PolicyLoader.BuiltIn();
        private readonly RemediationFleet fleet;
        private readonly SimulatorProcess sim;

        public SimulatedAllowRuleTests(RemediationFleet fleet) { this.fleet = fleet; sim = fleet.Simulator; }

        private Task<WsManSession> OpenAsync(string host = Host) => fleet.OpenAdminAsync(host);

        private static async Task<RemovalResult> RemoveAsync(ICimSession session, string keyName)
        {
            var scan = await TargetScanner.ForPolicy(Policy, SystemClock.Instance).ScanAsync(session, CancellationToken.None);
            Assert.Null(scan.Error);
            var finding = scan.Findings.Single(f => f.App.KeyName == keyName);
            var executor = new RemovalExecutor(session, new InventoryReader(new RegistryClient(session)),
                new RemovalExecutorOptions { Timeout = System.TimeSpan.FromSeconds(30), PollInterval = System.TimeSpan.FromMilliseconds(100) });
            return await executor.ExecuteAsync(new RemovalRequest(finding, Policy.FindRule(finding.RuleId)?.Removal));
        }

        [Theory]
        [InlineData("TikTokRunnerPcalua", "Windows system folder")]
        [InlineData("TikTokRunnerNet", "Windows system folder")]
        [InlineData("TikTokRunnerPython", "system or runtime folder")]
        [InlineData("TikTokRunnerDotnet", "system or runtime folder")]
        [InlineData("TikTokRunnerEdge", "system or runtime folder")]
        [InlineData("TikTokRunnerControl", "Windows system folder")]
        // A runtime one folder or more below Program Files, and one outside it, each naming its own folder.
        [InlineData("TikTokRunnerEdgeBeta", @"system or runtime folder (C:\Program Files (x86)\Microsoft\Edge Beta\Application)")]
        [InlineData("TikTokRunnerGitCmd", @"system or runtime folder (C:\Program Files\Git)")]
        [InlineData("TikTokRunnerAnaconda", @"system or runtime folder (C:\ProgramData\Anaconda3)")]
        [InlineData("TikTokPlantedProgramData", "owned by S-1-5-21-3623811015-3361044348-30300820-1013")]
        // An administrator's folder under ProgramData still inherits Users (CI)(WD,AD,WEA,WA) from ProgramData.
        [InlineData("TikTokProgramDataDefaultAcl", @"S-1-5-32-545 can create files and folders in the folder C:\ProgramData\TikTok LIVE Studio")]
        // A descriptor that cannot be read (the program is not there) refuses: fail closed.
        [InlineData("TikTokProgramDataMissing", @"the security of C:\ProgramData\TikTok Gone could not be read")]
        public async Task A_program_outside_the_allow_rule_is_Refused_and_nothing_runs(string keyName, string reason)
        {
            using var session = await OpenAsync();
            var result = await RemoveAsync(session, keyName);

            Assert.Equal(RemovalStatus.Refused, result.Status);
            Assert.Contains(reason, result.Error);
            Assert.Null(result.CommandLine);
            Assert.Empty(await sim.GetCommandLinesAsync(Host));
            Assert.True((await sim.GetRegistryAsync(Host, Uninstall64 + "\\" + keyName)).HasValue);
        }

        [Fact]
        public async Task A_Burn_bundle_in_the_secured_Package_Cache_runs_after_its_security_was_read()
        {
            using var session = await OpenAsync();
            var result = await RemoveAsync(session, BundleKey);

            Assert.Equal(RemovalStatus.Removed, result.Status);
            var commands = await sim.GetCommandLinesAsync(Host);
            Assert.Single(commands);
            Assert.Contains(@"C:\ProgramData\Package Cache\" + BundleKey + @"\TikTokLiveStudioSetup.exe"" /uninstall /quiet /norestart", commands[0]);
            var operations = await sim.GetOperationsAsync(Host);
            var reads = operations.EnumerateArray()
                .Where(o => o.GetProperty("operation").GetString() == "Win32_LogicalFileSecuritySetting.GetSecurityDescriptor").ToList();
            Assert.Equal(4, reads.Count); // ProgramData (its modelled default DACL), Package Cache, {bundle}, the program
            Assert.False((await sim.GetRegistryAsync(Host, Uninstall64 + "\\" + BundleKey)).HasValue);
        }

        [Fact]
        public async Task A_ProgramData_that_lets_users_delete_what_is_in_it_refuses_an_admin_only_app_folder()
        {
            // REM-RUNNERS-ROOT: ProgramData's default DACL plus Users FILE_DELETE_CHILD on the root itself; the app's folder
            // and program are admin-only, so only the root can refuse.
            const string rootHost = "REM-RUNNERS-ROOT", keyName = "TikTokUnderDeleteChildRoot";
            using var session = await OpenAsync(rootHost);
            var result = await RemoveAsync(session, keyName);

            Assert.Equal(RemovalStatus.Refused, result.Status);
            Assert.Contains(@"S-1-5-32-545 can delete or rename what is in the folder C:\ProgramData (", result.Error);
            Assert.Null(result.CommandLine);
            Assert.Empty(await sim.GetCommandLinesAsync(rootHost));
            Assert.True((await sim.GetRegistryAsync(rootHost, Uninstall64 + "\\" + keyName)).HasValue);
        }
    }
}
