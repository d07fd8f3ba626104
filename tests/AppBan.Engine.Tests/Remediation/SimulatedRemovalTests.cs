using System;
using System.Collections.Concurrent;
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
    /// <summary>One simulator for every test of the class; each test resets the host it uses.</summary>
    public sealed class RemediationFleet : SimulatorFixture
    {
        public RemediationFleet() : base("remediation", "laptop-01.json", "malicious-01.json") { }
    }

    /// <summary>
    /// The executor end to end: scan a simulated host over WS-Man, remove through Win32_Process, re-scan through
    /// StdRegProv, and check the simulator's registry, packages and command log.
    /// </summary>
    public class SimulatedRemovalTests : IClassFixture<RemediationFleet>
    {
        private const string Uninstall64 = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        private const string LiveStudioCode = "{5B0C2F7A-1D3E-4A6B-9C8D-7E6F5A4B3C21}";
        private const string BlockingProductCode = "{0E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B}";
        private static readonly AppBanPolicy Policy = PolicyLoader.BuiltIn();

        private readonly RemediationFleet fleet;
        private readonly SimulatorProcess sim;

        public SimulatedRemovalTests(RemediationFleet fleet) { this.fleet = fleet; sim = fleet.Simulator; }

        private static RemovalExecutorOptions Options(TimeSpan? timeout = null) => new RemovalExecutorOptions
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
            BusyRetryDelay = TimeSpan.FromMilliseconds(250),
            BusyRetryMaxDelay = TimeSpan.FromSeconds(1),
            PollInterval = TimeSpan.FromMilliseconds(100),
            // A user's own task that does not take the app within this is reported Scheduled.
            UserTaskWait = TimeSpan.FromSeconds(5),
        };

        private Task<WsManSession> OpenAsync(string name) => fleet.OpenAdminAsync(name);

        private static async Task<IReadOnlyList<Finding>> ScanAsync(ICimSession session)
        {
            // Removal is the subject here: no hive of a signed-out user is loaded for the scan, so the commands are the removal's.
            var scanner = TargetScanner.ForPolicy(Policy, SystemClock.Instance);
            scanner.ReadSignedOutProfiles = false;
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Null(result.Error);
            return result.Findings;
        }

        private static RemovalRequest Request(Finding finding) => new RemovalRequest(finding, Policy.FindRule(finding.RuleId)?.Removal);

        private static Task<RemovalResult> RemoveAsync(ICimSession session, Finding finding, RemovalExecutorOptions options = null, IInstallVerifier verifier = null) =>
            new RemovalExecutor(session, verifier ?? new InventoryReader(new RegistryClient(session)), options ?? Options())
                .ExecuteAsync(Request(finding));

        private async Task<bool> KeyExistsAsync(string host, string path) => (await sim.GetRegistryAsync(host, path)).HasValue;

        /// <summary>
        /// The command lines that ran with an administrator's token: every Win32_Process command over the administrator's
        /// session, and a task's run only when its record says it was elevated.
        /// </summary>
        private async Task<List<string>> ElevatedCommandLinesAsync(string host) =>
            (await sim.GetCommandsAsync(host)).EnumerateArray()
                .Where(c => !c.TryGetProperty("elevated", out var elevated) || elevated.ValueKind != JsonValueKind.False)
                .Select(c => c.GetProperty("commandLine").GetString() ?? "").ToList();

        /// <summary>
        /// A removal handed to a task that runs as the app's user: Scheduled (registered, the app not gone yet), Removed (the
        /// task ran in the user's session and the re-scan no longer finds the app), or Failed, either because the host has no
        /// Task Scheduler provider to register it with or because the task ran as the user and the app is still there.
        /// Whichever, its explanation keeps <paramref name="because"/>.
        /// </summary>
        private static void AssertHandedToTheUsersTask(RemovalResult result, string user, params string[] because)
        {
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Contains(result.Status, new[] { RemovalStatus.Scheduled, RemovalStatus.Removed, RemovalStatus.Failed });
            if (result.Status == RemovalStatus.Failed)
            {
                Assert.Null(result.Message);
                Assert.True(result.Error.Contains("InvalidNamespace") || result.Error.Contains(": the task ran as " + user + " and exited with "), result.Error);
            }
            else
            {
                Assert.Null(result.Error);
                Assert.Contains(result.Status == RemovalStatus.Removed ? "removed by a task that ran as " + user : "for " + user, result.Message);
            }
            foreach (var text in because) Assert.Contains(text, result.Error ?? result.Message);
        }

        /// <summary>
        /// The user's copy is gone when the result says Removed. Otherwise either is right: a Scheduled task may still finish
        /// after the removal stopped waiting, and a task that ran can leave the user's repository keys behind (the re-scan then
        /// still finds the app) although the package is gone.
        /// </summary>
        private static void AssertPackageFollows(RemovalResult result, string[] usersWithThePackage)
        {
            if (result.Status == RemovalStatus.Removed) Assert.DoesNotContain(result.UserSid, usersWithThePackage);
        }

        [Fact]
        public async Task Msi_exit_0_is_Removed_and_the_key_is_gone()
        {
            using var session = await OpenAsync("REM-MSI-1618");
            var live = (await ScanAsync(session)).Single(f => f.RuleId == "tiktok-live-studio");
            var result = await RemoveAsync(session, live);
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal("msiexec.exe /x " + LiveStudioCode + " /qn /norestart", result.CommandLine);
            Assert.False(await KeyExistsAsync("REM-MSI-1618", Uninstall64 + "\\" + LiveStudioCode));
            Assert.True(await KeyExistsAsync("REM-MSI-1618", Uninstall64 + "\\" + BlockingProductCode));
        }

        [Fact]
        public async Task Msi_exit_1605_is_AlreadyAbsent_when_the_product_went_since_the_scan()
        {
            using var session = await OpenAsync("REM-MSI-3010");
            var live = (await ScanAsync(session)).Single(f => f.RuleId == "tiktok-live-studio");
            // The finding still names a product code, but the product was removed meanwhile (another tool, a user).
            var stale = new Finding
            {
                RuleId = live.RuleId, Status = live.Status,
                App = new InstalledApp
                {
                    ComputerName = live.App.ComputerName, Kind = AppKind.Msi, Scope = AppScope.Machine, RegistryView = RegistryView.Registry64,
                    DisplayName = live.App.DisplayName, KeyName = "{11111111-2222-4333-8444-555555555555}", WindowsInstaller = true,
                    ProductCode = "{11111111-2222-4333-8444-555555555555}", KeyPath = Uninstall64 + "\\{11111111-2222-4333-8444-555555555555}",
                },
            };
            var result = await RemoveAsync(session, stale, verifier: new StaleVerifier(new InventoryReader(new RegistryClient(session))));
            Assert.Equal(RemovalStatus.AlreadyAbsent, result.Status);
            Assert.Equal(1605, result.ExitCode);
            Assert.Equal(1, (await sim.GetCommandLinesAsync("REM-MSI-3010")).Count);
        }

        [Fact]
        public async Task Msi_exit_3010_is_RebootRequired()
        {
            using var session = await OpenAsync("REM-MSI-3010");
            var result = await RemoveAsync(session, (await ScanAsync(session)).Single());
            Assert.Equal(RemovalStatus.RebootRequired, result.Status);
            Assert.True(result.RebootRequired);
            Assert.Equal(3010, result.ExitCode);
            Assert.False(await KeyExistsAsync("REM-MSI-3010", Uninstall64 + "\\" + LiveStudioCode));
        }

        [Fact]
        public async Task Msi_exit_1603_is_Failed_and_the_key_stays()
        {
            using var session = await OpenAsync("REM-MSI-1603");
            var result = await RemoveAsync(session, (await ScanAsync(session)).Single());
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Equal(1603, result.ExitCode);
            Assert.Contains("1603", result.Error);
            Assert.True(await KeyExistsAsync("REM-MSI-1603", Uninstall64 + "\\" + LiveStudioCode));
        }

        [Fact]
        public async Task Msi_exit_1618_is_retried_until_the_other_installation_ends()
        {
            using var session = await OpenAsync("REM-MSI-1618");
            var live = (await ScanAsync(session)).Single(f => f.RuleId == "tiktok-live-studio");
            // Another removal (3 s in the simulator) holds the Windows Installer when ours starts.
            var blocker = await new ProcessClient(session).CreateAsync(RemovalCommands.Msi(BlockingProductCode));
            Assert.True(blocker.Started);

            var result = await RemoveAsync(session, live);
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.True(result.Attempts >= 2, "attempts: " + result.Attempts);
            var ours = (await sim.GetCommandsAsync("REM-MSI-1618")).EnumerateArray()
                .Where(c => c.GetProperty("commandLine").GetString().Contains(LiveStudioCode)).ToList();
            Assert.Equal(result.Attempts, ours.Count);
            Assert.EndsWith("/d 1618 /f", LastExecuted(ours.First()));
            Assert.EndsWith("/d 0 /f", LastExecuted(ours.Last()));
            Assert.False(await KeyExistsAsync("REM-MSI-1618", Uninstall64 + "\\" + LiveStudioCode));
        }

        [Fact]
        public async Task A_hanging_uninstaller_is_TimedOut_and_left_running()
        {
            using var session = await OpenAsync("REM-EXE-HANG");
            var result = await RemoveAsync(session, (await ScanAsync(session)).Single(), Options(TimeSpan.FromSeconds(2)));
            Assert.Equal(RemovalStatus.TimedOut, result.Status);
            Assert.Null(result.ExitCode);
            Assert.Equal(RemovalMethod.KnownUninstaller, result.Method);
            var command = Assert.Single((await sim.GetCommandsAsync("REM-EXE-HANG")).EnumerateArray().ToList());
            Assert.False(command.GetProperty("finished").GetBoolean());
            Assert.True(await KeyExistsAsync("REM-EXE-HANG", Uninstall64 + "\\TikTok LIVE Studio"));
        }

        [Fact]
        public async Task An_uninstaller_that_relaunches_itself_is_followed_until_its_copy_has_removed_the_app()
        {
            using var session = await OpenAsync("REM-EXE-RELAUNCH");
            var result = await RemoveAsync(session, (await ScanAsync(session)).Single());

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(0, result.ExitCode);
            Assert.Null(result.Error);
            Assert.False(await KeyExistsAsync("REM-EXE-RELAUNCH", Uninstall64 + "\\TikTok LIVE Studio"));
            // The wrapper finished at once; the copy in %TEMP% did the work and has ended.
            var command = Assert.Single((await sim.GetCommandsAsync("REM-EXE-RELAUNCH")).EnumerateArray().ToList());
            Assert.True(command.GetProperty("finished").GetBoolean());
            Assert.DoesNotContain((await sim.GetProcessesAsync("REM-EXE-RELAUNCH")).EnumerateArray(), p => p.GetProperty("name").GetString() == "Un_A.exe");
        }

        [Fact]
        public async Task A_users_orphan_process_started_during_the_run_does_not_hold_the_removal_until_its_deadline()
        {
            const string host = "REM-EXE-RELAUNCH-ORPHAN";
            using var session = await OpenAsync(host);
            // The orphan never ends: the removal must end with the copy, by its re-scan, well before 20 s.
            var result = await RemoveAsync(session, (await ScanAsync(session)).Single(), Options(TimeSpan.FromSeconds(20)));

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Null(result.Error);
            Assert.False(await KeyExistsAsync(host, Uninstall64 + "\\TikTok LIVE Studio"));
            await AssertCopyEndedAndUsersOrphanRunsAsync(host);
        }

        /// <summary>The session-0 copy was followed until it ended; the user's orphan (started during the run, session 1, launcher gone) still runs.</summary>
        private async Task AssertCopyEndedAndUsersOrphanRunsAsync(string host)
        {
            var processes = (await sim.GetProcessesAsync(host)).EnumerateArray().ToList();
            Assert.DoesNotContain(processes, p => p.GetProperty("name").GetString() == "Un_A.exe");
            var orphan = Assert.Single(processes, p => p.GetProperty("name").GetString() == "launcher-child.exe");
            Assert.Equal(1u, orphan.GetProperty("sessionId").GetUInt32());
            var launcher = orphan.GetProperty("parentProcessId").GetUInt32();
            Assert.DoesNotContain(processes, p => p.GetProperty("processId").GetUInt32() == launcher);
            var uninstaller = Assert.Single((await sim.GetCommandsAsync(host)).EnumerateArray().ToList());
            Assert.True(orphan.GetProperty("processId").GetUInt32() > uninstaller.GetProperty("processId").GetUInt32());
        }

        [Fact]
        public async Task A_copy_that_removes_nothing_is_waited_for_but_a_users_orphan_is_not_so_the_removal_fails_instead_of_timing_out()
        {
            const string host = "REM-EXE-RELAUNCH-NOOP-ORPHAN";
            using var session = await OpenAsync(host);
            // Well above the copy's 1.5 s: a removal that waited for the user's process would end TimedOut here.
            var result = await RemoveAsync(session, (await ScanAsync(session)).Single(), Options(TimeSpan.FromSeconds(20)));

            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Contains("reported success, but the re-scan still finds the app", result.Error);
            Assert.True(await KeyExistsAsync(host, Uninstall64 + "\\TikTok LIVE Studio"));
            await AssertCopyEndedAndUsersOrphanRunsAsync(host);
        }

        [Fact]
        public async Task A_relaunched_copy_that_never_finishes_is_TimedOut_within_the_removal_timeout()
        {
            using var session = await OpenAsync("REM-EXE-RELAUNCH-HANG");
            var finding = (await ScanAsync(session)).Single();
            var verifier = new CountingVerifier(new InventoryReader(new RegistryClient(session)));
            var result = await RemoveAsync(session, finding, Options(TimeSpan.FromSeconds(2)), verifier);

            Assert.Equal(RemovalStatus.TimedOut, result.Status);
            Assert.Equal(0, result.ExitCode);
            Assert.Contains("Un_A.exe", result.Error);
            // Bounded: the poll stops at the deadline, one re-scan per 100 ms poll at most (2 s), not an endless loop.
            Assert.InRange(verifier.Calls, 2, 2 + 20 + 1);
            Assert.True(await KeyExistsAsync("REM-EXE-RELAUNCH-HANG", Uninstall64 + "\\TikTok LIVE Studio"));
            var command = Assert.Single((await sim.GetCommandsAsync("REM-EXE-RELAUNCH-HANG")).EnumerateArray().ToList());
            Assert.True(command.GetProperty("finished").GetBoolean());
            Assert.Contains((await sim.GetProcessesAsync("REM-EXE-RELAUNCH-HANG")).EnumerateArray(), p => p.GetProperty("name").GetString() == "Un_A.exe");
        }

        [Fact]
        public async Task The_store_app_is_removed_for_its_user_and_from_provisioning()
        {
            using var session = await OpenAsync("LAPTOP-01");
            var findings = await ScanAsync(session);
            var store = findings.Where(f => f.App.Kind == AppKind.StoreApp || f.App.Kind == AppKind.ProvisionedStoreApp).ToList();
            Assert.Equal(2, store.Count);
            var results = RemoveThroughRun(session.ComputerName, store.Select(Request).ToList(), session);

            Assert.All(results, r => Assert.Equal(RemovalStatus.Removed, r.Status));
            Assert.Contains(results, r => r.Method == RemovalMethod.StoreAppForUser);
            Assert.Contains(results, r => r.Method == RemovalMethod.ProvisionedPackage);
            var packages = (await sim.GetPackagesAsync("LAPTOP-01")).EnumerateArray()
                .Where(p => p.GetProperty("fullName").GetString().StartsWith("BytedancePte.Ltd.TikTok_", StringComparison.Ordinal)).ToList();
            Assert.Empty(packages);
            var commands = await sim.GetCommandLinesAsync("LAPTOP-01");
            Assert.Equal(2, commands.Count);
            Assert.Contains(commands, c => c.Contains("Remove-AppxProvisionedPackage -Online -PackageName 'BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se'"));
            Assert.Contains(commands, c => c.Contains("-User 'S-1-5-21-3623811015-3361044348-30300820-1001'"));
        }

        private const string TikTok = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se";
        private const string TikTokBundle = "BytedancePte.Ltd.TikTok_1.0.1.0_neutral_~_6yccndn6064se";
        private const string Carol = "S-1-5-21-3623811015-3361044348-30300820-1021";
        private const string Erin = "S-1-5-21-3623811015-3361044348-30300820-1023";

        private static string UserRepository(string sid) =>
            @"HKU\" + sid + @"_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";

        private static Task<List<RemovalResult>> RunAllAsync(WsManSession session, IEnumerable<Finding> findings) =>
            Task.FromResult(RemoveThroughRun(session.ComputerName, findings.Select(Request).ToList(), session));

        private async Task<string[]> TikTokUsersAsync(string host) =>
            (await sim.GetPackagesAsync(host)).EnumerateArray().Where(p => p.GetProperty("fullName").GetString() == TikTok)
                .SelectMany(p => p.GetProperty("users").EnumerateArray().Select(u => u.GetString())).OrderBy(u => u, StringComparer.Ordinal).ToArray();

        private const string Dave = "S-1-5-21-3623811015-3361044348-30300820-1022";

        private async Task<string[]> TikTokBundleAllUsersCommandsAsync(string host) =>
            (await sim.GetCommandLinesAsync(host)).Where(c => c.Contains("-AllUsers")).ToArray();

        [Fact]
        public async Task A_signed_out_users_copy_keeps_the_all_users_fallback_from_running()
        {
            using var session = await OpenAsync("REM-STORE-BUNDLE");
            var findings = await ScanAsync(session);
            // Erin is signed out: her copy is not seen; carol's and dave's are, each with the bundle the device lists.
            var store = findings.Where(f => f.App.Kind == AppKind.StoreApp).ToList();
            Assert.Equal(2, store.Count);
            Assert.DoesNotContain(store, f => f.App.UserSid == Erin);
            Assert.All(store, f => Assert.Equal(TikTokBundle, f.App.PackageBundleFullName));

            var results = await RunAllAsync(session, store);

            // Both seen copies were approved, but -AllUsers would also take erin's, which nobody approved (whether or not her
            // hive could be read for the holders): each user's own task removes their copy instead, and erin's stays.
            Assert.Empty(await TikTokBundleAllUsersCommandsAsync("REM-STORE-BUNDLE"));
            var users = await TikTokUsersAsync("REM-STORE-BUNDLE");
            Assert.Contains(Erin, users);
            Assert.Equal(2, results.Count);
            Assert.All(results, r =>
            {
                AssertHandedToTheUsersTask(r, r.UserName, "the -AllUsers fallback did not run: ", Erin);
                AssertPackageFollows(r, users);
                Assert.DoesNotContain("-User", r.CommandLine);
            });
            // Elevated, the only removals were each user's -User (the other elevated commands copy erin's hive to read it).
            var removals = (await ElevatedCommandLinesAsync("REM-STORE-BUNDLE")).Where(c => c.Contains("Remove-AppxPackage")).ToList();
            Assert.Equal(2, removals.Count);
            Assert.All(removals, c => Assert.Matches("-User '(" + Carol + "|" + Dave + ")' -ErrorAction Stop", c));
        }

        [Fact]
        public async Task The_store_holders_reading_names_each_user_holding_the_family_and_each_user_not_read()
        {
            using var session = await OpenAsync("REM-STORE-BUNDLE");
            var carol = (await ScanAsync(session)).Single(f => f.App.Kind == AppKind.StoreApp && f.App.UserSid == Carol);
            await sim.ResetCountersAsync("REM-STORE-BUNDLE");

            // Erin stays signed out and unread: no hive is loaded for this reading.
            var reader = new InventoryReader(new RegistryClient(session)) { ReadSignedOutProfiles = false };
            var holders = await reader.ReadStoreFamilyHoldersAsync(carol.App, CancellationToken.None);

            Assert.Equal(new[] { Carol, Dave }, holders.UserSids.OrderBy(s => s, StringComparer.Ordinal));
            var erin = Assert.Single(holders.UsersNotRead);
            Assert.Equal(Erin, erin.Sid);
            Assert.False(erin.StorePackagesRead);
            // The Store side only: no uninstall root is listed.
            var details = (await sim.GetOperationsAsync("REM-STORE-BUNDLE")).EnumerateArray().Select(op => op.GetProperty("detail").GetString() ?? "").ToList();
            Assert.Contains(details, d => d.Contains(@"AppModel\Repository\Packages"));
            Assert.DoesNotContain(details, d => d.Contains(@"CurrentVersion\Uninstall"));
        }

        [Fact]
        public async Task Only_one_users_approved_finding_never_takes_another_users_copy_by_the_all_users_fallback()
        {
            using var session = await OpenAsync("REM-STORE-TWO");
            var store = (await ScanAsync(session)).Where(f => f.App.Kind == AppKind.StoreApp).ToList();
            Assert.Equal(new[] { Carol, Dave }, store.Select(f => f.App.UserSid).OrderBy(s => s, StringComparer.Ordinal));

            // Dave's finding was declined (or not piped): only carol's is removed, and -User leaves the package.
            var result = Assert.Single(await RunAllAsync(session, store.Where(f => f.App.UserSid == Carol)));

            Assert.Empty(await TikTokBundleAllUsersCommandsAsync("REM-STORE-TWO"));
            var users = await TikTokUsersAsync("REM-STORE-TWO");
            Assert.Contains(Dave, users);
            AssertHandedToTheUsersTask(result, result.UserName,
                "the -AllUsers fallback did not run: the package is also installed for " + Dave + ", whose removal was not approved");
            AssertPackageFollows(result, users);
            // Carol's elevated -User ran; nothing at all ran that names dave.
            var elevated = Assert.Single(await ElevatedCommandLinesAsync("REM-STORE-TWO"));
            Assert.Contains("-User '" + Carol + "'", elevated);
            Assert.DoesNotContain(await sim.GetCommandLinesAsync("REM-STORE-TWO"), c => c.Contains(Dave));
        }

        [Fact]
        public async Task A_bundled_store_app_whose_every_holder_was_approved_is_removed_for_all_users_by_the_bundle_name()
        {
            using var session = await OpenAsync("REM-STORE-TWO");
            var store = (await ScanAsync(session)).Where(f => f.App.Kind == AppKind.StoreApp).ToList();
            Assert.Equal(2, store.Count);
            Assert.All(store, f => Assert.Equal(TikTokBundle, f.App.PackageBundleFullName));

            var results = await RunAllAsync(session, store);

            // -User exits 0 and leaves the package; the fallback -AllUsers names the bundle and removes every copy.
            var commands = await sim.GetCommandLinesAsync("REM-STORE-TWO");
            Assert.Contains(commands, c => c.Contains("-Package '" + TikTokBundle + "' -AllUsers"));
            Assert.DoesNotContain(commands, c => c.Contains("-Package '" + TikTok + "' -AllUsers"));
            Assert.Empty(await TikTokUsersAsync("REM-STORE-TWO"));
            Assert.Contains(results, r => r.Status == RemovalStatus.Removed && r.Method == RemovalMethod.StoreAppForAllUsers);
            Assert.All(results, r => Assert.Contains(r.Status, new[] { RemovalStatus.Removed, RemovalStatus.AlreadyAbsent }));
        }

        [Fact]
        public async Task All_users_by_the_package_name_of_a_bundled_app_fails_and_is_reported_as_failed()
        {
            using var session = await OpenAsync("REM-STORE-TWO");
            var store = (await ScanAsync(session)).Where(f => f.App.Kind == AppKind.StoreApp).OrderBy(f => f.App.UserSid, StringComparer.Ordinal).ToList();
            var carol = store.Single(f => f.App.UserSid == Carol);
            carol.App.PackageBundleFullName = null; // as if the device's repository had not listed the bundle

            var results = await RunAllAsync(session, store);

            var result = results.Single(r => r.UserSid == Carol);
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Contains("exit code 1", result.Error);
            Assert.Contains("-Package '" + TikTok + "' -AllUsers", result.CommandLine);
        }

        /// <summary>
        /// -User exits 0 and leaves the package (REM-STORE-NOEFFECT), or fails with 0x80073D19 from a non-interactive
        /// process (REM-STORE-SESSION). Dave keeps his copy under an exemption, so no -AllUsers fallback may run: carol's own
        /// task, which runs Remove-AppxPackage without -User as her, takes over, and the result keeps why -User did not do.
        /// </summary>
        [Theory]
        [InlineData("REM-STORE-NOEFFECT", "reported success, but the re-scan still finds the app", "-User can exit 0 and leave the package")]
        [InlineData("REM-STORE-SESSION", "failed with exit code 1", "0x80073D19")]
        public async Task Remove_for_one_user_that_leaves_the_package_goes_to_her_own_task_with_the_reason(
            string host, string outcome, string cause)
        {
            using var session = await OpenAsync(host);
            var findings = await ScanAsync(session);
            Assert.Single(findings, f => f.App.Kind == AppKind.StoreApp && f.App.UserSid == Carol);

            var results = await RunAllAsync(session, findings.Where(f => f.App.Kind == AppKind.StoreApp));

            var result = results.Single(r => r.UserSid == Carol);
            AssertHandedToTheUsersTask(result, result.UserName, outcome, cause);
            Assert.Equal("\"C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -NoProfile -NonInteractive -ExecutionPolicy Bypass " +
                         "-Command \"Remove-AppxPackage -Package '" + TikTok + "' -ErrorAction Stop\"", result.CommandLine);
            var elevated = Assert.Single(await ElevatedCommandLinesAsync(host));
            Assert.Contains("-User '" + Carol + "'", elevated);
            Assert.DoesNotContain(await sim.GetCommandLinesAsync(host), c => c.Contains("-AllUsers"));
            var users = await TikTokUsersAsync(host);
            Assert.Contains(Dave, users);
            AssertPackageFollows(result, users);
        }

        /// <summary>
        /// Planted machine entries are refused. A user's planted entry runs nothing elevated: a chained or hostile string is
        /// refused, and what AppBan can build from a user's entry (the parsed program, or msiexec with the product code
        /// alone) is handed to a task that runs as that user only; a web app gets browser policy.
        /// </summary>
        [Theory]
        [InlineData("MALICIOUS-01")]
        [InlineData("REM-INJECT")]
        public async Task Planted_entries_are_refused_or_left_to_their_user_and_nothing_from_the_registry_runs_elevated(string name)
        {
            using var session = await OpenAsync(name);
            var findings = await ScanAsync(session);
            Assert.True(findings.Count >= 5, "planted entries found: " + findings.Count);
            var results = RemoveThroughRun(name, findings.Select(Request).ToList(), session);

            Assert.Equal(findings.Count, results.Count);
            Assert.All(results, r =>
            {
                if (RemovalPlanner.IsMachineEntry(r.Finding.App))
                    Assert.Equal(RemovalStatus.Refused, r.Status);
                if (r.Method == RemovalMethod.UserTask)
                {
                    AssertHandedToTheUsersTask(r, r.UserName);
                    // Program and arguments as AppBan built them: nothing a shell would chain.
                    Assert.DoesNotMatch("[&|<>^]", r.CommandLine);
                    return;
                }
                if (r.Method == RemovalMethod.BrowserPolicy)
                {
                    Assert.Equal(AppKind.WebApp, r.Kind);
                    Assert.Contains(r.Status, new[] { RemovalStatus.Scheduled, RemovalStatus.Removed });
                }
                else Assert.Contains(r.Status, new[] { RemovalStatus.Refused, RemovalStatus.RequiresUserAction });
                Assert.Null(r.CommandLine);
                // A refusal is for an administrator (Error); the rest explain themselves to the operator (Message).
                Assert.False(string.IsNullOrEmpty(r.Status == RemovalStatus.Refused ? r.Error : r.Message));
                Assert.Null(r.Status == RemovalStatus.Refused ? r.Message : r.Error);
            });
            Assert.Contains(results, r => r.Status == RemovalStatus.Refused && !RemovalPlanner.IsMachineEntry(r.Finding.App));
            Assert.Empty(await ElevatedCommandLinesAsync(name));
            // What nothing was done for stays; a user's own task may take what was handed to it.
            foreach (var r in results.Where(r => r.Finding.App.KeyPath != null && (r.Status == RemovalStatus.Refused || r.Status == RemovalStatus.RequiresUserAction)))
                Assert.True(await KeyExistsAsync(name, r.Finding.App.KeyPath), r.Finding.App.KeyPath + " should stay");
        }

        /// <summary>The removals of one host as a remediation run makes them: exemptions read again, results through its queue.</summary>
        private static List<RemovalResult> RemoveThroughRun(string computerName, IReadOnlyList<RemovalRequest> requests, ICimSession session)
        {
            using var runner = new AppBan.Engine.FanOut.FanOutRunner(1);
            var run = new RemediationRun(runner, new RemediationSettings { Policy = Policy, Executor = Options() });
            run.QueueRemovals(computerName, requests, () => new Unowned(session));
            return RunDriver.Results(RunDriver.CompleteAndDrain(runner));
        }

        private static string LastExecuted(JsonElement command)
        {
            var executed = command.GetProperty("executed").EnumerateArray().Select(e => e.GetString()).ToList();
            return executed[executed.Count - 1];
        }

        /// <summary>A finding from an earlier scan: installed at the first look, the truth afterwards.</summary>
        private sealed class StaleVerifier : IInstallVerifier
        {
            private readonly IInstallVerifier real;
            private int calls;
            public StaleVerifier(IInstallVerifier real) { this.real = real; }
            public Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken) =>
                Interlocked.Increment(ref calls) == 1 ? Task.FromResult(true) : real.IsStillInstalledAsync(app, cancellationToken);
            public Task<StoreFamilyHolders> ReadStoreFamilyHoldersAsync(InstalledApp app, CancellationToken cancellationToken) =>
                real.ReadStoreFamilyHoldersAsync(app, cancellationToken);
        }

        /// <summary>The test keeps its session; the runner's disposal must not close it.</summary>
        private sealed class Unowned : ICimSession, ICimInstanceDeletion
        {
            private readonly ICimSession inner;
            public Unowned(ICimSession inner) { this.inner = inner; }
            public string ComputerName => inner.ComputerName;
            public string TransportName => inner.TransportName;
            public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options) =>
                inner.QueryAsync(namespaceName, wql, onInstance, options);
            public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
                IReadOnlyList<CimParameter> inParameters, CimCallOptions options) =>
                inner.InvokeMethodAsync(namespaceName, className, methodName, inParameters, options);
            public Task DeleteInstanceAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys, CimCallOptions options) =>
                ((ICimInstanceDeletion)inner).DeleteInstanceAsync(namespaceName, className, keys, options);
            public void Dispose() { }
        }
    }

    /// <summary>Counts the re-scans the executor asks for.</summary>
    internal sealed class CountingVerifier : IInstallVerifier
    {
        private readonly IInstallVerifier inner;
        public CountingVerifier(IInstallVerifier inner) { this.inner = inner; }
        public int Calls { get; private set; }

        public Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken)
        {
            Calls++;
            return inner.IsStillInstalledAsync(app, cancellationToken);
        }

        public Task<StoreFamilyHolders> ReadStoreFamilyHoldersAsync(InstalledApp app, CancellationToken cancellationToken) =>
            inner.ReadStoreFamilyHoldersAsync(app, cancellationToken);
    }
}
