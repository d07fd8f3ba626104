using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    public class InventoryReaderTests
    {
        internal const string Alice = "S-1-5-21-1000-2000-3000-1001";
        internal const string Bob = "S-1-5-21-1000-2000-3000-1002";
        internal const string Carol = "S-1-5-21-1000-2000-3000-1003"; // profile, hive not loaded
        internal const string LiveStudioCode = "{5A3C2B1D-0E9F-4A8B-9C7D-6E5F4A3B2C1D}";
        internal const string TikTokStore = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se";
        private const string Uninstall64 = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        private const string Uninstall32 = @"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall";
        private const string Appx = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
        internal const string DeviceRepository = @"HKLM\SOFTWARE\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\PackageRepository\Packages";
        private const string Calculator = "Microsoft.WindowsCalculator_11.2210.0.0_x64__8wekyb3d8bbwe";
        internal static string UserRepository(string sid) => @"HKU\" + sid + @"_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";
        internal static string UserUninstall(string sid) => @"HKU\" + sid + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall";

        /// <summary>The policy's pre-filter, as the reader sees it: key name or DisplayName mentions a banned app.</summary>
        internal static bool MightBeBanned(string keyName, string displayName) =>
            (displayName ?? "").IndexOf("TikTok", StringComparison.OrdinalIgnoreCase) >= 0
            || (displayName ?? "").IndexOf("CapCut", StringComparison.OrdinalIgnoreCase) >= 0
            || string.Equals(keyName, "CapCut", StringComparison.OrdinalIgnoreCase);

        /// <summary>A host whose operations each take a moment, so the reader has several in flight.</summary>
        internal static FakeWindowsHost NewHost(string computerName) => new FakeWindowsHost(computerName) { Latency = TimeSpan.FromMilliseconds(1) };

        /// <summary>A small laptop: 3 users (2 loaded), noise entries, and every kind of banned app.</summary>
        internal static FakeWindowsHost Laptop(int noiseKeysPerRoot = 5)
        {
            var r = NewHost("laptop-01");
            r.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-18").Expand("ProfileImagePath", @"%systemroot%\system32\config\systemprofile");
            r.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-19").Expand("ProfileImagePath", @"%systemroot%\ServiceProfiles\LocalService");
            r.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\" + Alice).Expand("ProfileImagePath", @"C:\Users\alice");
            r.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\" + Bob).Expand("ProfileImagePath", @"C:\Users\bob");
            r.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\" + Carol).Expand("ProfileImagePath", @"C:\Users\carol");
            foreach (var hive in new[] { ".DEFAULT", "S-1-5-18", "S-1-5-19", "S-1-5-20", Alice, Alice + "_Classes", Bob, Bob + "_Classes" })
                r.Key(@"HKU\" + hive + @"\Software");
            // A service account hive with an entry that must not be read.
            r.Key(UserUninstall("S-1-5-19") + @"\ServiceThing").String("DisplayName", "TikTok service thing");
            r.Key(@"HKU\.DEFAULT\Software\Microsoft\Windows\CurrentVersion\Uninstall\DefaultThing").String("DisplayName", "TikTok default");

            foreach (var root in new[] { Uninstall64, Uninstall32, UserUninstall(Alice), UserUninstall(Bob) })
                for (var i = 0; i < noiseKeysPerRoot; i++)
                    r.Key(root + @"\Noise" + i).String("DisplayName", "Noise app " + i).String("Publisher", "Contoso").String("UninstallString", "noise.exe /x");

            // Machine-wide, 64-bit: hidden and filtered entries that mention TikTok.
            r.Key(Uninstall64 + @"\NoName").String("UninstallString", "x.exe");
            r.Key(Uninstall64 + @"\TikTokHelper").String("DisplayName", "TikTok helper").DWord("SystemComponent", 1).String("Publisher", "Bytedance Pte. Ltd.");
            r.Key(Uninstall64 + @"\TikTokPatch").String("DisplayName", "TikTok patch").String("ParentKeyName", "TikTok");
            r.Key(Uninstall64 + @"\KB-TikTok").String("DisplayName", "Update for TikTok").String("ReleaseType", "Security Update");
            // Machine-wide, 32-bit: TikTok LIVE Studio as MSI.
            r.Key(Uninstall32 + "\\" + LiveStudioCode).String("DisplayName", "TikTok LIVE Studio").String("DisplayVersion", "0.56.2")
                .String("Publisher", "Bytedance Pte. Ltd.").Expand("UninstallString", "MsiExec.exe /X" + LiveStudioCode).DWord("WindowsInstaller", 1)
                .DWord("SystemComponent", 0).String("InstallLocation", @"C:\Program Files (x86)\TikTok LIVE Studio").String("InstallDate", "20260110");
            // Alice: CapCut per user and the TikTok web app from Edge.
            r.Key(UserUninstall(Alice) + @"\CapCut").String("DisplayName", "CapCut").String("DisplayVersion", "4.0.0.1")
                .String("Publisher", "Bytedance Pte. Ltd.").String("UninstallString", "\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\"")
                .String("InstallLocation", @"C:\Users\alice\AppData\Local\CapCut");
            r.Key(UserUninstall(Alice) + @"\8f3c0e6d2b1a49c7a5e4d3c2b1a09f8e").String("DisplayName", "TikTok").String("Publisher", "Microsoft Edge")
                .String("UninstallString", "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --profile-directory=Default --uninstall-app-id=ndkgmdnkhgmaeolbkdlpfjfokmfkaaen")
                .DWord("NoModify", 1).DWord("NoRepair", 1);
            // Bob: a planted entry claiming to be TikTok, with a chained command and a fake MSI claim.
            r.Key(UserUninstall(Bob) + @"\{11111111-2222-3333-4444-555555555555}").String("DisplayName", "TikTok")
                .String("UninstallString", "cmd.exe /c whoami & calc.exe").DWord("WindowsInstaller", 1);

            // Store: TikTok for Alice, noise for both, one provisioned app, one key that is not a package name. Each user's
            // repository is in their classes hive; the device's lists every package. AppxAllUserStore\<SID> is pending work only.
            foreach (var name in new[] { TikTokStore, Calculator, "Microsoft.WindowsStore_22301.1401.6.0_neutral_~_8wekyb3d8bbwe" })
                r.Key(DeviceRepository + @"\" + name).String("Path", @"C:\Program Files\WindowsApps\" + name);
            r.Key(UserRepository(Alice) + @"\" + TikTokStore);
            r.Key(UserRepository(Alice) + @"\" + Calculator);
            r.Key(UserRepository(Bob) + @"\" + Calculator);
            r.Key(UserRepository(Bob) + @"\not a package';calc;'");
            r.Key(Appx + @"\" + Bob + @"\" + TikTokStore); // pending for Bob: not installed
            r.Key(Appx + @"\Applications\Microsoft.WindowsStore_22301.1401.6.0_neutral_~_8wekyb3d8bbwe");
            r.Key(Appx + @"\Deprovisioned\Microsoft.XboxApp_8wekyb3d8bbwe");
            return r;
        }

        /// <summary>
        /// Reads the hives Windows has loaded; Carol stays signed out and unread. Reading signed-out users' hives is
        /// SignedOutProfile*Tests' subject.
        /// </summary>
        private static Task<InventoryResult> Read(FakeWindowsHost session, Func<string, string, bool> filter = null, int concurrency = 8,
            CancellationToken ct = default)
        {
            var reader = new InventoryReader(new RegistryClient(session)) { MaxConcurrentOperations = concurrency, ReadSignedOutProfiles = false };
            return reader.ReadAsync(filter ?? MightBeBanned, ct);
        }

        [Fact]
        public async Task Reads_exactly_the_banned_candidates_of_every_kind()
        {
            using var session = Laptop();
            var result = await Read(session);

            Assert.False(result.IsPartial);
            var entries = result.Apps.Where(a => a.Kind != AppKind.StoreApp && a.Kind != AppKind.ProvisionedStoreApp)
                .OrderBy(a => a.KeyPath).Select(a => a.KeyPath).ToArray();
            Assert.Equal(new[]
            {
                Uninstall32 + "\\" + LiveStudioCode,
                UserUninstall(Alice) + @"\8f3c0e6d2b1a49c7a5e4d3c2b1a09f8e",
                UserUninstall(Alice) + @"\CapCut",
                UserUninstall(Bob) + @"\{11111111-2222-3333-4444-555555555555}",
            }.OrderBy(x => x).ToArray(), entries);

            var live = result.Apps.Single(a => a.KeyName == LiveStudioCode);
            Assert.Equal(AppKind.Msi, live.Kind);
            Assert.Equal(AppScope.Machine, live.Scope);
            Assert.Equal(RegistryView.Registry32, live.RegistryView);
            Assert.Equal(LiveStudioCode, live.ProductCode);
            Assert.Equal("0.56.2", live.DisplayVersion);
            Assert.Equal("Bytedance Pte. Ltd.", live.Publisher);
            Assert.Equal("MsiExec.exe /X" + LiveStudioCode, live.UninstallString);
            Assert.Equal("20260110", live.InstallDate);
            Assert.Null(live.UserSid);
            Assert.False(live.FromUserWritableLocation);

            var capcut = result.Apps.Single(a => a.KeyName == "CapCut");
            Assert.Equal(AppKind.Exe, capcut.Kind);
            Assert.Equal(AppScope.User, capcut.Scope);
            Assert.Equal(RegistryView.User, capcut.RegistryView);
            Assert.Equal(Alice, capcut.UserSid);
            Assert.Equal("alice", capcut.UserName);
            Assert.True(capcut.FromUserWritableLocation);
            Assert.Null(capcut.ProductCode);

            var web = result.Apps.Single(a => a.Kind == AppKind.WebApp);
            Assert.Equal("TikTok", web.DisplayName);
            Assert.Equal(Alice, web.UserSid);
            Assert.True(web.FromUserWritableLocation);

            var planted = result.Apps.Single(a => a.UserSid == Bob && a.Kind != AppKind.StoreApp && a.KeyPath.StartsWith("HKU", StringComparison.Ordinal));
            Assert.Equal("TikTok", planted.DisplayName);
            Assert.Equal(AppScope.User, planted.Scope);
            Assert.Equal("bob", planted.UserName);
            Assert.True(planted.FromUserWritableLocation);
            Assert.Equal("cmd.exe /c whoami & calc.exe", planted.UninstallString);

            Assert.Equal(3, result.Users.Count);
            Assert.Equal(new[] { Carol }, result.UsersNotScanned.Select(u => u.Sid));
            Assert.Equal(UserNotScannedReason.HiveNotLoaded, result.UsersNotScanned[0].Reason);
            Assert.Equal("carol", result.UsersNotScanned[0].UserName);
        }

        [Fact]
        public async Task Reads_store_packages_per_user_and_provisioned_from_key_names()
        {
            using var session = Laptop();
            var result = await Read(session);

            var tiktok = result.Apps.Single(a => a.PackageFullName == TikTokStore);
            Assert.Equal(AppKind.StoreApp, tiktok.Kind);
            Assert.Equal(AppScope.User, tiktok.Scope);
            Assert.Equal(Alice, tiktok.UserSid);
            Assert.Equal("alice", tiktok.UserName);
            Assert.Equal("BytedancePte.Ltd.TikTok", tiktok.PackageName);
            Assert.Equal("BytedancePte.Ltd.TikTok_6yccndn6064se", tiktok.PackageFamilyName);
            Assert.Equal("1.0.1.0", tiktok.DisplayVersion);
            Assert.Equal(RegistryView.None, tiktok.RegistryView);
            Assert.Equal(UserRepository(Alice) + @"\" + TikTokStore, tiktok.KeyPath);
            // Read from the user's own classes hive: the name is confirmed by the device's repository, the owner is not.
            Assert.True(tiktok.FromUserWritableLocation);
            // Pending for Bob in AppxAllUserStore is not an install.
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Bob && a.PackageFullName == TikTokStore);

            var provisioned = result.Apps.Single(a => a.Kind == AppKind.ProvisionedStoreApp);
            Assert.Equal("Microsoft.WindowsStore_22301.1401.6.0_neutral_~_8wekyb3d8bbwe", provisioned.PackageFullName);
            Assert.Equal(AppScope.Machine, provisioned.Scope);
            Assert.Null(provisioned.UserSid);

            Assert.Equal(4, result.StorePackageCount);
            Assert.Contains(result.Warnings, w => w.Contains("not valid package full names") && w.Contains("laptop-01"));
            Assert.DoesNotContain(result.Apps, a => a.KeyName.Contains("calc"));
        }

        private const string TikTokBundle = "BytedancePte.Ltd.TikTok_1.0.1.0_neutral_~_6yccndn6064se";

        [Fact]
        public async Task Store_reads_are_said_per_user_and_a_missing_classes_hive_names_the_user()
        {
            using var session = Laptop();
            session.DeleteKey(@"HKU\" + Bob + "_Classes");
            var result = await Read(session);

            Assert.True(result.Users.Single(u => u.Sid == Alice).StorePackagesRead);
            Assert.False(result.Users.Single(u => u.Sid == Bob).StorePackagesRead);
            Assert.False(result.Users.Single(u => u.Sid == Carol).StorePackagesRead);
            var bob = Assert.Single(result.UsersNotScanned, u => u.Sid == Bob);
            Assert.Equal((UserNotScannedReason.ClassesHiveNotLoaded, true, false), (bob.Reason, bob.UninstallEntriesRead, bob.StorePackagesRead));
            var carol = Assert.Single(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal((UserNotScannedReason.HiveNotLoaded, false, false), (carol.Reason, carol.UninstallEntriesRead, carol.StorePackagesRead));
            Assert.DoesNotContain(result.Apps, a => a.Kind == AppKind.StoreApp && a.UserSid == Bob);
            Assert.DoesNotContain(result.UsersNotScanned, u => u.Sid == Alice);
        }

        [Fact]
        public async Task A_denied_user_repository_names_the_user_and_marks_the_result_partial()
        {
            using var session = Laptop();
            session.Deny(UserRepository(Bob));
            var result = await Read(session);

            var bob = Assert.Single(result.UsersNotScanned, u => u.Sid == Bob);
            Assert.Equal((UserNotScannedReason.AccessDenied, true, false), (bob.Reason, bob.UninstallEntriesRead, bob.StorePackagesRead));
            Assert.True(result.IsPartial);
            Assert.Contains(result.Warnings, w => w.Contains(Bob) && w.Contains("Store packages"));
        }

        [Fact]
        public async Task A_user_key_the_device_repository_does_not_list_is_passed_over()
        {
            using var session = Laptop();
            session.DeleteKey(DeviceRepository + @"\" + TikTokStore); // removed from the device; Alice's key outlived it
            var result = await Read(session);

            Assert.DoesNotContain(result.Apps, a => a.PackageFullName == TikTokStore);
            Assert.Contains(result.Warnings, w => w.Contains("Passed over 1 key(s)") && w.Contains(Alice));
            Assert.DoesNotContain(result.DevicePackages, n => n == TikTokStore);
        }

        [Fact]
        public async Task A_package_carries_the_bundle_the_device_lists_for_its_family()
        {
            using var session = Laptop();
            session.Key(DeviceRepository + @"\" + TikTokBundle);
            session.Key(DeviceRepository + @"\BytedancePte.Ltd.TikTok_0.9.0.0_neutral_~_6yccndn6064se");
            session.Key(DeviceRepository + @"\Other.App_1.0.1.0_neutral_~_6yccndn6064se");
            var result = await Read(session);

            var tiktok = result.Apps.Single(a => a.PackageFullName == TikTokStore);
            Assert.Equal(TikTokBundle, tiktok.PackageBundleFullName);
            Assert.Null(result.Apps.Single(a => a.UserSid == Alice && a.PackageName == "Microsoft.WindowsCalculator").PackageBundleFullName);
            // A bundle is never an app of its own, not even in a user's repository.
            session.Key(UserRepository(Alice) + @"\" + TikTokBundle);
            Assert.DoesNotContain((await Read(session)).Apps, a => a.PackageFullName == TikTokBundle);
        }

        [Fact]
        public void Of_several_bundles_of_a_family_the_same_version_wins_else_the_highest()
        {
            var package = PackageIdentity.TryParse(TikTokStore);
            Assert.Equal(TikTokBundle, InventoryReader.BundleOf(package, new[] { "BytedancePte.Ltd.TikTok_9.0.0.0_neutral_~_6yccndn6064se", TikTokBundle }));
            Assert.Equal("BytedancePte.Ltd.TikTok_10.0.0.0_neutral_~_6yccndn6064se", InventoryReader.BundleOf(package,
                new[] { "BytedancePte.Ltd.TikTok_9.0.0.0_neutral_~_6yccndn6064se", "BytedancePte.Ltd.TikTok_10.0.0.0_neutral_~_6yccndn6064se", TikTokStore }));
            Assert.Null(InventoryReader.BundleOf(package, new[] { TikTokStore, "Other.App_1.0.1.0_neutral_~_6yccndn6064se" }));
        }

        [Fact]
        public async Task The_re_scan_of_a_store_app_needs_the_device_repository_and_the_users_own()
        {
            using var session = Laptop();
            var reader = new InventoryReader(new RegistryClient(session));
            var tiktok = (await Read(session)).Apps.Single(a => a.PackageFullName == TikTokStore);
            Assert.True(await reader.IsStillInstalledAsync(tiktok, CancellationToken.None));

            // Pending for Bob in AppxAllUserStore is not an install; his repository decides.
            var forBob = new InstalledApp { Kind = AppKind.StoreApp, UserSid = Bob, PackageFullName = TikTokStore };
            Assert.False(await reader.IsStillInstalledAsync(forBob, CancellationToken.None));

            // Alice signs out: her classes hive is gone, the device still has the package. Nothing proves it left her.
            session.DeleteKey(@"HKU\" + Alice + "_Classes");
            Assert.True(await reader.IsStillInstalledAsync(tiktok, CancellationToken.None));

            // Removed from the device, the user's key outliving it: gone.
            session.Key(UserRepository(Alice) + @"\" + TikTokStore);
            session.DeleteKey(DeviceRepository + @"\" + TikTokStore);
            Assert.False(await reader.IsStillInstalledAsync(tiktok, CancellationToken.None));
        }

        [Fact]
        public async Task Odd_store_key_names_give_one_warning_per_store_key()
        {
            using var session = Laptop();
            for (var i = 0; i < 5; i++) session.Key(UserRepository(Bob) + @"\junk-" + i);
            var result = await Read(session);
            var warning = Assert.Single(result.Warnings, w => w.Contains("not valid package full names"));
            Assert.Contains("Ignored 6 subkey(s)", warning);
            Assert.Contains(Bob, warning);
            Assert.Contains(", ...", warning);
            Assert.Equal(4, result.StorePackageCount);
        }

        [Fact]
        public async Task Never_reads_service_account_or_default_hives_and_of_classes_hives_only_the_package_repository()
        {
            using var session = Laptop();
            await Read(session);
            Assert.DoesNotContain(session.Log, l => l.Contains(@"HKU\S-1-5-19") || l.Contains(@"HKU\.DEFAULT\"));
            var classesReads = session.Log.Where(l => l.Contains("_Classes")).ToList();
            Assert.Equal(2, classesReads.Count);
            Assert.All(classesReads, l => Assert.Contains(@"_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages", l));
        }

        [Fact]
        public async Task Non_candidate_keys_cost_exactly_one_operation_and_the_total_stays_in_budget()
        {
            using var session = Laptop(noiseKeysPerRoot: 40);
            var result = await Read(session);

            for (var i = 0; i < 40; i++)
            {
                var noise = session.Log.Count(l => l.Contains(@"\Uninstall\Noise" + i + " ") && l.StartsWith("GetStringValue HKLM\\SOFTWARE\\Microsoft\\", StringComparison.Ordinal));
                Assert.Equal(1, noise);
            }
            // Hidden keys: one DisplayName read, nothing else.
            Assert.Single(session.Log, l => l.Contains(@"\Uninstall\NoName"));

            Assert.Equal(4 * 40 + 4 + 1 + 2 + 1, result.UninstallKeyCount);
            Assert.Equal(session.TotalOperations, result.OperationCount);
            // Budget: one per key, a constant per root and per user, and the detail reads of the few candidates.
            var perCandidate = 1 + UninstallEntryRules.ExclusionValueNames.Count + UninstallEntryRules.DetailValueNames.Count;
            var budget = result.UninstallKeyCount + 2 * result.UninstallRootCount + 4 * (result.Users.Count + 1) + 4 + 1 /* the machine's own name */ + perCandidate * result.CandidateKeyCount;
            Assert.InRange(session.TotalOperations, result.UninstallKeyCount, budget);
            Assert.InRange(result.CandidateKeyCount, 1, 8);
            Assert.Equal(new[] { "EnumKey", "EnumValues", "GetDWORDValue", "GetExpandedStringValue", "GetStringValue" },
                session.Counts.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray());
        }

        [Fact]
        public async Task Runs_several_operations_at_once_within_the_limit_and_always_on_the_64_bit_view()
        {
            using var session = Laptop(noiseKeysPerRoot: 20);
            await Read(session, concurrency: 6);
            Assert.InRange(session.MaxInFlight, 2, 6);
            Assert.False(session.AnyCallWithout64BitView);
        }

        [Fact]
        public async Task Without_a_pre_filter_every_visible_entry_is_read()
        {
            using var session = Laptop(noiseKeysPerRoot: 3);
            var result = await Read(session, (k, n) => true);
            var entries = result.Apps.Where(a => a.Kind != AppKind.StoreApp && a.Kind != AppKind.ProvisionedStoreApp).ToList();
            Assert.Equal(4 * 3 + 4, entries.Count);
            Assert.Equal(3, result.ExcludedKeyCount);
            Assert.Equal(1, result.HiddenKeyCount);
            Assert.All(entries.Where(e => e.DisplayName.StartsWith("Noise", StringComparison.Ordinal)), e => Assert.Equal("Contoso", e.Publisher));
        }

        [Fact]
        public async Task A_denied_user_hive_keeps_everything_else_and_marks_the_result_partial()
        {
            using var session = Laptop();
            session.Deny(UserUninstall(Bob));
            var result = await Read(session);

            Assert.True(result.IsPartial);
            Assert.Contains(result.Warnings, w => w.Contains(UserUninstall(Bob)) && w.Contains("access denied") && w.Contains("laptop-01"));
            Assert.Contains(result.UsersNotScanned, u => u.Sid == Bob && u.Reason == UserNotScannedReason.AccessDenied && u.UserName == "bob");
            Assert.Contains(result.Apps, a => a.KeyName == "CapCut");
            Assert.Contains(result.Apps, a => a.KeyName == LiveStudioCode);
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Bob && a.Kind != AppKind.StoreApp);
        }

        [Fact]
        public async Task A_denied_key_is_a_warning_and_partial()
        {
            using var session = Laptop();
            session.Deny(UserUninstall(Alice) + @"\CapCut");
            var result = await Read(session);
            Assert.True(result.IsPartial);
            Assert.Contains(result.Warnings, w => w.Contains(@"\CapCut") && w.Contains("access denied"));
            Assert.DoesNotContain(result.Apps, a => a.KeyName == "CapCut");
            Assert.Contains(result.Apps, a => a.Kind == AppKind.WebApp);
            Assert.DoesNotContain(result.UsersNotScanned, u => u.Sid == Alice);
        }

        [Fact]
        public async Task When_every_root_is_denied_the_target_fails_with_access_denied()
        {
            using var session = Laptop();
            session.Deny(@"HKLM\SOFTWARE");
            session.Deny("HKU");
            var error = await Assert.ThrowsAsync<CimException>(() => Read(session));
            Assert.Equal(CimErrorKind.AccessDenied, error.Kind);
            Assert.Contains("laptop-01", error.Message);
        }

        [Fact]
        public async Task A_transport_failure_stops_the_read_with_that_error()
        {
            using var session = Laptop(noiseKeysPerRoot: 20);
            var timeout = new CimException(CimErrorKind.Timeout, "laptop-01", "The operation timed out on laptop-01.");
            session.FailOn = (UserUninstall(Alice) + @"\Noise7", timeout);
            var error = await Assert.ThrowsAsync<CimException>(() => Read(session));
            Assert.Same(timeout, error);
        }

        [Fact]
        public async Task An_unreadable_reply_about_one_user_entry_skips_only_that_entry()
        {
            using var session = Laptop(noiseKeysPerRoot: 5);
            var unreadable = new CimException(CimErrorKind.ProtocolError, "laptop-01", "laptop-01: The reply is not well-formed XML.", null,
                new FormatException("The reply is not well-formed XML."));
            session.FailOn = (UserUninstall(Alice) + @"\Noise3", unreadable);
            var result = await Read(session);
            Assert.True(result.IsPartial);
            var warning = Assert.Single(result.Warnings, w => w.Contains(@"\Noise3"));
            Assert.Contains(Alice, warning);
            Assert.Contains(result.Apps, a => a.KeyName == "CapCut" && a.UserSid == Alice);
            Assert.Contains(result.Apps, a => a.Scope == AppScope.Machine && a.Kind != AppKind.ProvisionedStoreApp);
            Assert.DoesNotContain(result.UsersNotScanned, u => u.Sid == Alice);
        }

        [Fact]
        public async Task A_provider_fault_listing_a_users_entries_leaves_that_user_unscanned_and_the_rest_read()
        {
            using var session = Laptop();
            var refused = new CimException(CimErrorKind.ProviderFailure, "laptop-01", "laptop-01: Generic failure.", 0x80041001);
            session.FailOn = (UserUninstall(Alice), refused);
            var result = await Read(session);
            Assert.True(result.IsPartial);
            Assert.Contains(result.UsersNotScanned, u => u.Sid == Alice && u.Reason == UserNotScannedReason.ReadFailed);
            Assert.Contains(result.Warnings, w => w.Contains(UserUninstall(Alice)) && w.Contains("Generic failure"));
            Assert.DoesNotContain(result.Apps, a => a.UserSid == Alice && a.Kind != AppKind.StoreApp);
            Assert.Contains(result.Apps, a => a.UserSid == Bob || a.Scope == AppScope.Machine);
        }

        [Fact]
        public async Task An_unreadable_reply_about_an_HKLM_entry_still_fails_the_target()
        {
            using var session = Laptop(noiseKeysPerRoot: 5);
            var unreadable = new CimException(CimErrorKind.ProtocolError, "laptop-01", "laptop-01: The reply is not well-formed XML.", null,
                new FormatException("The reply is not well-formed XML."));
            session.FailOn = (Uninstall64 + @"\Noise3", unreadable);
            var error = await Assert.ThrowsAsync<CimException>(() => Read(session));
            Assert.Same(unreadable, error);
        }

        [Fact]
        public async Task A_user_value_with_a_character_XML_forbids_is_kept_and_named()
        {
            using var session = Laptop();
            session.Key(UserUninstall(Bob) + "\\Odd\u001bKey").String("DisplayName", "Odd");
            session.Key(UserUninstall(Bob) + "\\Esc").String("DisplayName", "Tik\u001bTok\u0000");
            var result = await Read(session, filter: (key, name) => true);
            Assert.False(result.IsPartial);
            Assert.Equal("Tik\u001bTok\u0000", result.Apps.Single(a => a.KeyName == "Esc").DisplayName);
            Assert.Contains(result.Warnings, w => w.Contains(Bob) && w.Contains(@"\Esc ") && w.Contains("value DisplayName") && w.Contains(@"'Tik\x1BTok\x00'"));
            Assert.Contains(result.Warnings, w => w.Contains(Bob) && w.Contains(@"\Odd\x1BKey ") && w.Contains("key name"));
        }

        [Fact]
        public async Task Cancellation_stops_the_read()
        {
            using var session = Laptop(noiseKeysPerRoot: 50);
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Read(session, ct: cts.Token));
            Assert.True(session.TotalOperations <= 1);
        }

        [Fact]
        public async Task A_display_name_stored_as_expandable_string_is_read_with_the_other_method()
        {
            using var session = Laptop(noiseKeysPerRoot: 0);
            session.Key(Uninstall64 + @"\TikTokExpand").Expand("DisplayName", "TikTok Expand");
            session.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\" + Bob).String("ProfileImagePath", @"C:\Users\robert");
            var result = await Read(session);
            Assert.Contains(result.Apps, a => a.KeyName == "TikTokExpand" && a.DisplayName == "TikTok Expand");
            Assert.Equal("robert", result.Users.Single(u => u.Sid == Bob).UserName);
            Assert.Equal(session.TotalOperations, result.OperationCount);
        }

        [Fact]
        public async Task Missing_wow6432node_and_store_keys_are_simply_empty()
        {
            using var session = NewHost("server-01");
            session.Key(Uninstall64 + @"\TikTok").String("DisplayName", "TikTok");
            session.Key(@"HKU\.DEFAULT");
            var result = await Read(session);
            Assert.False(result.IsPartial);
            Assert.Empty(result.Warnings);
            Assert.Single(result.Apps);
            Assert.Empty(result.UsersNotScanned);
        }

        [Theory]
        [InlineData(@"C:\Users\alice", "alice")]
        [InlineData(@"C:\Users\alice.CONTOSO\", "alice.CONTOSO")]
        [InlineData(@"%systemroot%\system32\config\systemprofile", "systemprofile")]
        public void User_names_come_from_the_profile_folder(string path, string name)
        {
            Assert.Equal(name, InventoryReader.LastPathSegment(path));
        }
    }
}
