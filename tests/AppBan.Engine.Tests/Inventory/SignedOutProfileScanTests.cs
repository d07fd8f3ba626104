using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Inventory.InventoryReaderTests;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>
    /// A scan of a host where Carol is signed out (ProfileList has her, HKU does not): her hives are loaded by reg.exe in
    /// one elevated command, copied under HKLM\SOFTWARE\AppBan\Profiles, read, and the copy deleted.
    /// </summary>
    public class SignedOutProfileScanTests
    {
        private const string ProfileList = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\";
        private const string Profiles = @"HKLM\SOFTWARE\AppBan\Profiles";
        private const string CarolNtUser = @"C:\Users\carol\NTUSER.DAT";
        private const string CarolClasses = @"C:\Users\carol\AppData\Local\Microsoft\Windows\UsrClass.dat";
        private const string UninstallInHive = @"Software\Microsoft\Windows\CurrentVersion\Uninstall";
        private const string PackagesInHive = @"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";
        private const string CarolMsiCode = "{6F1A2B3C-4D5E-4F60-8A7B-9C0D1E2F3A4B}";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);

        /// <summary>The laptop, with Carol's hive files on disk and reg.exe working on them.</summary>
        private static FakeWindowsHost LaptopWithCarolsFiles(bool classesFile = true)
        {
            var host = Laptop();
            host.HiveFileKey(CarolNtUser, UninstallInHive + @"\CapCut").String("DisplayName", "CapCut").String("DisplayVersion", "5.1.0")
                .String("UninstallString", "\"C:\\Users\\carol\\AppData\\Local\\CapCut\\uninst.exe\"").String("InstallLocation", @"C:\Users\carol\AppData\Local\CapCut");
            // Planted where only she writes: an MSI-shaped entry claiming a machine product, with a chained command.
            host.HiveFileKey(CarolNtUser, UninstallInHive + "\\" + CarolMsiCode).String("DisplayName", "TikTok LIVE Studio")
                .String("UninstallString", "MsiExec.exe /X" + CarolMsiCode + " & calc.exe").DWord("WindowsInstaller", 1);
            host.HiveFileKey(CarolNtUser, UninstallInHive + @"\Noise").String("DisplayName", "Noise app");
            host.HiveFileKey(CarolNtUser, @"Software\Policies\Microsoft\Edge").String("WebAppSettings", "[{\"manifest_id\":\"https://x.example/\"}]")
                .DWord("RestoreOnStartup", 4);
            host.HiveFileKey(CarolNtUser, @"Software\Policies\Microsoft\Edge\URLBlocklist").String("1", "example.com").String("2", "example.org");
            host.HiveFileKey(CarolNtUser, @"Software\Policies\Google\Chrome");
            if (classesFile)
            {
                host.HiveFileKey(CarolClasses, PackagesInHive + "\\" + TikTokStore);
                host.HiveFileKey(CarolClasses, PackagesInHive + @"\Gone.App_1.0.0.0_x64__8wekyb3d8bbwe"); // not on the device any more
            }
            host.Programs = host.RegExe();
            return host;
        }

        private static InventoryReader Reader(FakeWindowsHost host, bool signedOut = true) => new InventoryReader(new RegistryClient(host))
        {
            ReadSignedOutProfiles = signedOut,
            Clock = new FixedClock(Now),
            SnapshotPollInterval = TimeSpan.FromMilliseconds(10),
        };

        private static Task<InventoryResult> Read(FakeWindowsHost host, bool signedOut = true) =>
            Reader(host, signedOut).ReadAsync(MightBeBanned, CancellationToken.None);

        private static void AssertNothingLeft(FakeWindowsHost host)
        {
            Assert.Empty(host.SubKeys(Profiles));
            Assert.Empty(host.LoadedByRegExe);
            Assert.DoesNotContain(host.SubKeys("HKU"), k => k.StartsWith("AppBan-", StringComparison.Ordinal));
            Assert.Empty(host.SubKeys(@"HKLM\SOFTWARE\AppBan\Runs"));
        }

        [Fact]
        public async Task A_signed_out_users_apps_are_read_from_the_copy_with_the_paths_of_her_own_hive()
        {
            using var host = LaptopWithCarolsFiles();
            var ntUserBefore = host.HiveFileKeys(CarolNtUser);

            var result = await Read(host);

            var capcut = result.Apps.Single(a => a.UserSid == Carol && a.KeyName == "CapCut");
            Assert.Equal(UserUninstall(Carol) + @"\CapCut", capcut.KeyPath);
            Assert.Equal((AppKind.Exe, AppScope.User, RegistryView.User, "carol"), (capcut.Kind, capcut.Scope, capcut.RegistryView, capcut.UserName));
            Assert.True(capcut.FromUserWritableLocation);
            Assert.True(capcut.SignedOut);
            Assert.Equal("5.1.0", capcut.DisplayVersion);
            Assert.Equal("\"C:\\Users\\carol\\AppData\\Local\\CapCut\\uninst.exe\"", capcut.UninstallString);

            var store = result.Apps.Single(a => a.UserSid == Carol && a.Kind == AppKind.StoreApp);
            Assert.Equal(UserRepository(Carol) + "\\" + TikTokStore, store.KeyPath);
            Assert.True(store.SignedOut && store.FromUserWritableLocation);
            Assert.DoesNotContain(result.Apps, a => a.PackageFullName != null && a.PackageFullName.StartsWith("Gone.App", StringComparison.Ordinal));
            // Nothing read from the copy is reported where it was read: HKLM is where administrators' entries live.
            Assert.DoesNotContain(result.Apps, a => a.KeyPath.StartsWith(@"HKLM\SOFTWARE\AppBan", StringComparison.OrdinalIgnoreCase));
            // The users who are signed in are read as before, and are not marked.
            Assert.Contains(result.Apps, a => a.UserSid == Alice && a.KeyName == "CapCut" && !a.SignedOut);

            Assert.DoesNotContain(result.UsersNotScanned, u => u.Sid == Carol);
            var carol = result.Users.Single(u => u.Sid == Carol);
            Assert.Equal((false, true), (carol.HiveLoaded, carol.StorePackagesRead));
            Assert.False(result.IsPartial, string.Join(" | ", result.Warnings));

            var edge = @"HKU\" + Carol + @"\Software\Policies\Microsoft\Edge";
            Assert.Equal(new[] { @"HKU\" + Carol + @"\Software\Policies", @"HKU\" + Carol + @"\Software\Policies\Google", @"HKU\" + Carol + @"\Software\Policies\Google\Chrome",
                @"HKU\" + Carol + @"\Software\Policies\Microsoft", edge, edge + @"\URLBlocklist" }, result.SignedOutPolicies.Keys.OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal("example.org", result.SignedOutPolicies[edge + @"\URLBlocklist"]["2"].Value);
            Assert.Equal(RegistryValueKind.String, result.SignedOutPolicies[edge + @"\URLBlocklist"]["1"].Kind);
            Assert.Equal((RegistryValueKind.DWord, (object)4u), (result.SignedOutPolicies[edge]["RestoreOnStartup"].Kind, result.SignedOutPolicies[edge]["RestoreOnStartup"].Value));
            Assert.Equal("[{\"manifest_id\":\"https://x.example/\"}]", result.SignedOutPolicies[edge]["WebAppSettings"].Value);
            Assert.Empty(result.SignedOutPolicies[@"HKU\" + Carol + @"\Software\Policies\Google\Chrome"]);

            // One elevated command loaded both of her hives and unloaded them; the copy is gone and her files are as they were.
            var command = Assert.Single(host.InnerCommands);
            Assert.Contains("reg.exe load \"HKU\\AppBan-", command);
            Assert.Contains(CarolNtUser, command);
            Assert.Equal(@"PC-01\Administrator", Assert.Single(host.Processes).Account);
            Assert.Contains(host.RegExeRuns, r => r.StartsWith("reg.exe unload", StringComparison.Ordinal) && r.EndsWith("_C\" => 0", StringComparison.Ordinal));
            AssertNothingLeft(host);
            Assert.Equal(ntUserBefore, host.HiveFileKeys(CarolNtUser));
            Assert.Equal(host.TotalOperations, result.OperationCount);
        }

        [Fact]
        public async Task An_entry_from_the_copy_is_never_planned_as_an_administrators_entry()
        {
            using var host = LaptopWithCarolsFiles();
            var planted = (await Read(host)).Apps.Single(a => a.KeyName == CarolMsiCode);
            Assert.Equal(CarolMsiCode, planted.ProductCode);

            var plan = RemovalPlanner.Plan(new RemovalRequest(Violation(planted)), TargetEnvironment.WindowsDefaults);

            Assert.False(RemovalPlanner.IsMachineEntry(planted));
            Assert.NotEqual(RemovalMethod.Msi, plan.Method);
            // Only as Carol, with her rights: msiexec from Windows with the product code alone, never her chained string.
            Assert.Equal(Carol, planted.UserSid);
            Assert.Equal(RemovalDecision.RunAsUser, plan.Decision);
            Assert.Equal("\"C:\\Windows\\System32\\msiexec.exe\" /x " + CarolMsiCode + " /qn /norestart", plan.CommandLine);
            // Had the reader reported it where it read it, as a machine entry, an elevated msiexec would have been planned.
            var asIfMachine = new InstalledApp
            {
                ComputerName = planted.ComputerName, Kind = planted.Kind, Scope = AppScope.Machine, RegistryView = RegistryView.Registry64,
                DisplayName = planted.DisplayName, KeyName = planted.KeyName, ProductCode = planted.ProductCode, WindowsInstaller = true,
                UninstallString = planted.UninstallString, KeyPath = @"HKLM\SOFTWARE\AppBan\Profiles\x\" + Carol + @"\Uninstall\" + CarolMsiCode,
            };
            Assert.Equal(RemovalMethod.Msi, RemovalPlanner.Plan(new RemovalRequest(Violation(asIfMachine)), TargetEnvironment.WindowsDefaults).Method);
        }

        private static Finding Violation(InstalledApp app) => new Finding { RuleId = "tiktok", RuleName = "TikTok", App = app, Status = FindingStatus.Violation };

        [Fact]
        public async Task A_user_who_signed_in_meanwhile_is_named_and_nothing_of_hers_is_read()
        {
            using var host = LaptopWithCarolsFiles();
            host.SignIn(CarolNtUser);
            host.SignIn(CarolClasses);

            var result = await Read(host);

            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal((UserNotScannedReason.HiveLoadFailed, false, false), (carol.Reason, carol.UninstallEntriesRead, carol.StorePackagesRead));
            Assert.Contains(CarolNtUser, carol.Message);
            Assert.Contains("signed in meanwhile", carol.Message);
            Assert.Equal("carol", carol.UserName);
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Carol);
            Assert.False(result.IsPartial);
            Assert.Contains(host.RegExeRuns, r => r.StartsWith("reg.exe load", StringComparison.Ordinal) && r.EndsWith(" => 1", StringComparison.Ordinal));
            Assert.DoesNotContain(host.RegExeRuns, r => r.Contains("/v Loaded"));
            AssertNothingLeft(host);
        }

        [Fact]
        public async Task A_missing_classes_hive_keeps_her_uninstall_entries_and_names_her_packages_unread()
        {
            using var withoutClasses = LaptopWithCarolsFiles(classesFile: false);

            var result = await Read(withoutClasses);

            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal((UserNotScannedReason.HiveLoadFailed, true, false), (carol.Reason, carol.UninstallEntriesRead, carol.StorePackagesRead));
            Assert.Contains("UsrClass.dat", carol.Message);
            Assert.Contains(result.Apps, a => a.UserSid == Carol && a.KeyName == "CapCut" && a.SignedOut);
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Carol && a.Kind == AppKind.StoreApp);
            AssertNothingLeft(withoutClasses);
        }

        [Fact]
        public async Task The_copy_is_deleted_even_when_reading_it_fails()
        {
            using var host = LaptopWithCarolsFiles();
            host.ReturnValueFor = c => c.Method == "EnumValues" && c.KeyPath != null
                && c.KeyPath.StartsWith(Profiles + "\\", StringComparison.OrdinalIgnoreCase) && c.KeyPath.EndsWith(Carol, StringComparison.OrdinalIgnoreCase) ? 5u : (uint?)null;

            var result = await Read(host);

            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal(UserNotScannedReason.SnapshotFailed, carol.Reason);
            Assert.Contains("could not be read", carol.Message);
            Assert.True(result.IsPartial);
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Carol);
            Assert.Contains(host.Log, l => l.StartsWith("DeleteKey " + Profiles + "\\", StringComparison.OrdinalIgnoreCase));
            AssertNothingLeft(host);
        }

        [Fact]
        public async Task A_provider_fault_on_her_copied_entries_names_her_and_the_copy_is_still_deleted()
        {
            using var host = LaptopWithCarolsFiles();
            var faults = 0;
            // The provider fails the listing once (the read's); the deletion that lists the key again gets through.
            host.ThrowFor = c => c.Method == "EnumKey" && c.KeyPath != null && c.KeyPath.StartsWith(Profiles + "\\", StringComparison.OrdinalIgnoreCase)
                && c.KeyPath.EndsWith(Carol + @"\Uninstall", StringComparison.OrdinalIgnoreCase) && Interlocked.Increment(ref faults) == 1
                ? new CimException(CimErrorKind.ProviderFailure, "PC-01", "Provider failure") : null;

            var result = await Read(host);

            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal((UserNotScannedReason.ReadFailed, false, true), (carol.Reason, carol.UninstallEntriesRead, carol.StorePackagesRead));
            Assert.Contains(result.Apps, a => a.UserSid == Carol && a.Kind == AppKind.StoreApp);
            AssertNothingLeft(host);
        }

        [Fact]
        public async Task A_hostile_profile_path_is_never_loaded_and_its_user_is_named()
        {
            using var host = LaptopWithCarolsFiles();
            host.Key(ProfileList + Carol).Expand("ProfileImagePath", "C:\\Users\\carol\" & calc.exe & \"");
            const string dave = "S-1-5-21-1000-2000-3000-1004";
            host.Key(ProfileList + dave).Expand("ProfileImagePath", @"\\attacker\share\dave");
            const string erin = "S-1-5-21-1000-2000-3000-1005";
            host.Key(ProfileList + erin).Expand("ProfileImagePath", @"%USERPROFILE%\..\erin");
            const string frank = "S-1-5-21-1000-2000-3000-1006";
            host.Key(ProfileList + frank);

            var result = await Read(host);

            foreach (var sid in new[] { Carol, dave, erin, frank })
            {
                var user = Assert.Single(result.UsersNotScanned, u => u.Sid == sid);
                Assert.Equal((UserNotScannedReason.ProfilePathRefused, false, false), (user.Reason, user.UninstallEntriesRead, user.StorePackagesRead));
            }
            Assert.Contains("quote", result.UsersNotScanned.Single(u => u.Sid == Carol).Message);
            Assert.Contains("network", result.UsersNotScanned.Single(u => u.Sid == dave).Message);
            Assert.Contains("variable", result.UsersNotScanned.Single(u => u.Sid == erin).Message);
            Assert.Contains("no ProfileImagePath", result.UsersNotScanned.Single(u => u.Sid == frank).Message);
            // Nobody was left to load: no process, no sweep, no reg.exe.
            Assert.Empty(host.Processes);
            Assert.Empty(host.RegExeRuns);
            Assert.DoesNotContain(host.Log, l => l.Contains(@"SOFTWARE\AppBan"));
        }

        [Fact]
        public async Task Only_the_profiles_that_pass_the_checks_reach_the_command()
        {
            using var host = LaptopWithCarolsFiles();
            const string dave = "S-1-5-21-1000-2000-3000-1004";
            host.Key(ProfileList + dave).Expand("ProfileImagePath", @"C:\Users\dave&whoami");
            const string erin = "S-1-5-21-1000-2000-3000-1005";
            host.Key(ProfileList + erin).Expand("ProfileImagePath", @"%SystemDrive%\Users\erin");
            host.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion").String("SystemRoot", @"D:\Windows");
            host.HiveFileKey(@"D:\Users\erin\NTUSER.DAT", UninstallInHive + @"\CapCut").String("DisplayName", "CapCut");

            var result = await Read(host);

            var command = Assert.Single(host.InnerCommands);
            Assert.Contains(@"""C:\Users\carol\NTUSER.DAT""", command);
            Assert.Contains(@"""D:\Users\erin\NTUSER.DAT""", command);
            Assert.DoesNotContain("dave", command);
            Assert.DoesNotContain(dave, command);
            Assert.Equal(UserNotScannedReason.ProfilePathRefused, result.UsersNotScanned.Single(u => u.Sid == dave).Reason);
            Assert.Contains(result.Apps, a => a.UserSid == erin && a.KeyPath == UserUninstall(erin) + @"\CapCut");
            AssertNothingLeft(host);
        }

        [Fact]
        public async Task Many_signed_out_users_are_read_in_several_commands_each_under_seven_thousand_characters()
        {
            using var host = Laptop();
            host.Programs = host.RegExe();
            var sids = Enumerable.Range(0, 14).Select(i => "S-1-5-21-1000-2000-3000-" + (3000 + i)).ToList();
            foreach (var sid in sids)
            {
                var profile = @"C:\Users\someone-with-a-long-profile-folder-name-" + sid.Substring(sid.Length - 4);
                host.Key(ProfileList + sid).Expand("ProfileImagePath", profile);
                host.HiveFileKey(profile + @"\NTUSER.DAT", UninstallInHive + @"\CapCut").String("DisplayName", "CapCut");
                host.HiveFileKey(profile + @"\AppData\Local\Microsoft\Windows\UsrClass.dat", PackagesInHive + "\\" + TikTokStore);
            }

            var result = await Read(host);

            Assert.True(host.Processes.Count > 1, "14 users fit in one command");
            Assert.All(host.Processes, p => Assert.True(p.CommandLine.Length < 7000, p.CommandLine.Length + " characters"));
            foreach (var sid in sids.Concat(new[] { Carol }))
            {
                if (sid == Carol) continue; // no files: her load fails
                Assert.Contains(result.Apps, a => a.UserSid == sid && a.KeyPath == UserUninstall(sid) + @"\CapCut" && a.SignedOut);
                Assert.Contains(result.Apps, a => a.UserSid == sid && a.Kind == AppKind.StoreApp);
                Assert.Single(host.InnerCommands, c => c.Contains("\\" + sid + "\""));
            }
            Assert.Equal(UserNotScannedReason.HiveLoadFailed, Assert.Single(result.UsersNotScanned).Reason);
            AssertNothingLeft(host);
            Assert.Equal(host.TotalOperations, result.OperationCount);
        }

        [Fact]
        public async Task Old_copies_are_swept_by_the_rule_of_the_run_keys_and_an_awaited_one_is_kept()
        {
            using var host = LaptopWithCarolsFiles();
            var abandoned = RunKeyName.New(Now - TimeSpan.FromHours(1));
            var withinGrace = RunKeyName.New(Now - TimeSpan.FromMinutes(10));
            var awaited = RunKeyName.New(Now + TimeSpan.FromMinutes(1));
            var olderLayout = Guid.NewGuid().ToString("N");
            foreach (var id in new[] { abandoned, withinGrace, awaited, olderLayout })
                host.Key(Profiles + "\\" + id + "\\" + Bob + @"\Uninstall\Something").String("DisplayName", "Something");
            host.Key(Profiles + @"\notes\kept").String("x", "y");

            await Read(host);

            Assert.Equal(new[] { awaited, "notes", withinGrace }.OrderBy(k => k, StringComparer.OrdinalIgnoreCase),
                host.SubKeys(Profiles).OrderBy(k => k, StringComparer.OrdinalIgnoreCase));
            Assert.NotEmpty(host.KeysUnder(Profiles + "\\" + awaited));
        }

        [Fact]
        public async Task Switched_off_no_command_runs_and_signed_out_users_stay_not_loaded()
        {
            using var host = LaptopWithCarolsFiles();
            var result = await Read(host, signedOut: false);

            Assert.Empty(host.Processes);
            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal((UserNotScannedReason.HiveNotLoaded, false, false, null), (carol.Reason, carol.UninstallEntriesRead, carol.StorePackagesRead, carol.Message));
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Carol || a.SignedOut);
            Assert.Empty(result.SignedOutPolicies);
            Assert.DoesNotContain(host.Log, l => l.Contains(@"SOFTWARE\AppBan"));
        }

        [Fact]
        public async Task The_scanner_passes_its_switch_on()
        {
            using var on = LaptopWithCarolsFiles();
            using var off = LaptopWithCarolsFiles();
            var scanner = new TargetScanner((k, d) => MightBeBanned(k, d), (apps, _) => apps.Select(a => new Finding { RuleId = "r", App = a, Status = FindingStatus.Violation }).ToList());

            var read = await scanner.ScanAsync(on, CancellationToken.None);
            scanner.ReadSignedOutProfiles = false;
            var notRead = await scanner.ScanAsync(off, CancellationToken.None);

            Assert.Contains(read.Findings, f => f.App.UserSid == Carol && f.App.SignedOut);
            Assert.Single(on.Processes);
            Assert.DoesNotContain(notRead.Findings, f => f.App.UserSid == Carol);
            Assert.Equal(UserNotScannedReason.HiveNotLoaded, notRead.UsersNotScanned.Single(u => u.Sid == Carol).Reason);
            Assert.Empty(off.Processes);
        }

        [Fact]
        public async Task With_nobody_signed_out_the_scan_costs_exactly_what_it_did()
        {
            using var on = LaptopWithCarolsFiles();
            using var off = LaptopWithCarolsFiles();
            foreach (var host in new[] { on, off })
            {
                host.Key(@"HKU\" + Carol + @"\Software"); // Carol signs in
                host.Key(@"HKU\" + Carol + @"_Classes\Local Settings");
                host.Key(Profiles + "\\" + RunKeyName.New(Now - TimeSpan.FromDays(1)) + @"\x"); // an old copy nobody sweeps now
            }

            var withSwitch = await Read(on);
            var without = await Read(off, signedOut: false);

            Assert.Equal(without.OperationCount, withSwitch.OperationCount);
            Assert.Equal(off.TotalOperations, on.TotalOperations);
            Assert.Empty(on.Processes);
            Assert.Empty(on.Queries);
            Assert.Single(on.SubKeys(Profiles));
            Assert.DoesNotContain(withSwitch.UsersNotScanned, u => u.Sid == Carol);
        }

        [Fact]
        public async Task A_session_that_may_not_start_processes_names_the_users_and_the_scan_completes()
        {
            using var host = LaptopWithCarolsFiles();
            host.CreateReturnValue = 2;

            var result = await Read(host);

            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal(UserNotScannedReason.SnapshotFailed, carol.Reason);
            Assert.Contains("returned 2", carol.Message);
            Assert.Contains("administrator", carol.Message);
            Assert.False(result.IsPartial);
            Assert.Contains(result.Apps, a => a.UserSid == Alice);
            Assert.Empty(host.RegExeRuns);
            Assert.Contains(result.Warnings, w => w.Contains("Signed-out users were not scanned") && w.Contains("laptop-01"));
        }

        [Fact]
        public async Task A_process_creation_denied_by_a_fault_names_the_users_and_a_broken_target_fails_the_read()
        {
            using var denied = LaptopWithCarolsFiles();
            denied.ThrowFor = c => c.ClassName == "Win32_Process" ? new CimException(CimErrorKind.AccessDenied, "PC-01", "Access denied") : null;
            var result = await Read(denied);
            Assert.Equal(UserNotScannedReason.SnapshotFailed, result.UsersNotScanned.Single(u => u.Sid == Carol).Reason);
            Assert.Contains("Access denied", result.UsersNotScanned.Single(u => u.Sid == Carol).Message);

            using var gone = LaptopWithCarolsFiles();
            gone.ThrowFor = c => c.ClassName == "Win32_Process" ? new CimException(CimErrorKind.Unreachable, "PC-01", "The target went away") : null;
            var error = await Assert.ThrowsAsync<CimException>(() => Read(gone));
            Assert.Equal(CimErrorKind.Unreachable, error.Kind);
        }

        [Fact]
        public async Task A_command_that_does_not_end_in_time_names_the_users_and_its_copy_is_left_to_a_later_sweep()
        {
            using var host = LaptopWithCarolsFiles();
            host.Programs = (_, __) => new FakeProgram { Hangs = true };
            var reader = Reader(host);
            reader.SignedOutSnapshotTimeout = TimeSpan.FromMilliseconds(50);

            var result = await reader.ReadAsync(MightBeBanned, CancellationToken.None);

            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal(UserNotScannedReason.SnapshotFailed, carol.Reason);
            Assert.Contains("did not end", carol.Message);
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Carol);
        }

        [Fact]
        public async Task A_signed_out_users_entry_still_counts_as_installed_until_her_hive_says_otherwise()
        {
            using var host = LaptopWithCarolsFiles();
            var reader = Reader(host);
            var capcut = (await reader.ReadAsync(MightBeBanned, CancellationToken.None)).Apps.Single(a => a.UserSid == Carol && a.KeyName == "CapCut");

            Assert.True(await reader.IsStillInstalledAsync(capcut, CancellationToken.None));

            host.Key(@"HKU\" + Carol + @"\Software"); // she signs in; the entry is not in her hive any more
            Assert.False(await reader.IsStillInstalledAsync(capcut, CancellationToken.None));
        }

        [Fact]
        public async Task The_store_holders_reading_takes_a_signed_out_users_packages_from_the_copy()
        {
            using var host = LaptopWithCarolsFiles();
            var reader = Reader(host);
            var alices = (await reader.ReadAsync(MightBeBanned, CancellationToken.None)).Apps.Single(a => a.UserSid == Alice && a.PackageFullName == TikTokStore);

            var holders = await reader.ReadStoreFamilyHoldersAsync(alices, CancellationToken.None);

            Assert.Equal(new[] { Alice, Carol }, holders.UserSids.OrderBy(s => s, StringComparer.Ordinal));
            Assert.Empty(holders.UsersNotRead);
            AssertNothingLeft(host);
        }
    }
}
