using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>One simulator serving the sample laptop and the clean host for the end-to-end inventory tests.</summary>
    public sealed class InventorySimulatorFixture : SimulatorFixture
    {
        public InventorySimulatorFixture() : base("laptop-01.json", "clean-01.json") { }
    }

    /// <summary>The inventory reader against the simulated sample laptop, over the real WS-Man transport.</summary>
    public class SimulatedInventoryTests : IClassFixture<InventorySimulatorFixture>
    {
        private const string Alex = "S-1-5-21-3623811015-3361044348-30300820-1001";
        private const string Sam = "S-1-5-21-3623811015-3361044348-30300820-1002";
        private const string Jo = "S-1-5-21-3623811015-3361044348-30300820-1003";
        private const int LaptopUninstallKeys = 162;
        private readonly InventorySimulatorFixture fixture;
        private readonly SimulatorProcess simulator;

        public SimulatedInventoryTests(InventorySimulatorFixture fixture) { this.fixture = fixture; simulator = fixture.Simulator; }

        private ICimSession Open(string name) => fixture.OpenAdmin(name);

        private async Task<(InventoryResult Result, IReadOnlyDictionary<string, int> Counts)> ReadAsync(string name, Func<string, string, bool> filter)
        {
            await simulator.ResetCountersAsync(name);
            using var session = Open(name);
            // The hives the simulated laptop has loaded: Jo, signed out, stays unread (no hive is loaded for the scan).
            var result = await new InventoryReader(new RegistryClient(session)) { ReadSignedOutProfiles = false }.ReadAsync(filter, CancellationToken.None);
            return (result, await simulator.GetOperationCountsAsync(name));
        }

        [Fact]
        public async Task The_sample_laptop_gives_exactly_the_expected_uninstall_entries()
        {
            var (result, _) = await ReadAsync("LAPTOP-01", PolicyLoader.BuiltIn().MightMatch);

            Assert.False(result.IsPartial, string.Join(" | ", result.Warnings));
            var entries = result.Apps.Where(a => a.PackageFullName == null).OrderBy(a => a.KeyPath, StringComparer.Ordinal).ToList();
            Assert.Equal(3, entries.Count);

            var live = entries.Single(a => a.KeyName == "TikTok LIVE Studio");
            Assert.Equal(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\TikTok LIVE Studio", live.KeyPath);
            Assert.Equal((AppKind.Exe, AppScope.Machine, RegistryView.Registry64), (live.Kind, live.Scope, live.RegistryView));
            Assert.Equal("0.86.2", live.DisplayVersion);
            Assert.Equal("TikTok Pte. Ltd.", live.Publisher);
            Assert.Equal(@"""C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe"" /S", live.QuietUninstallString);
            Assert.Equal(@"C:\Program Files\TikTok LIVE Studio", live.InstallLocation);
            Assert.Equal("20250402", live.InstallDate);
            Assert.False(live.FromUserWritableLocation);
            Assert.Null(live.ProductCode);

            var web = entries.Single(a => a.Kind == AppKind.WebApp);
            Assert.Equal(@"HKU\" + Alex + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\0a7e4c1f9b2d43e58f6a1c2b3d4e5f60", web.KeyPath);
            Assert.Equal((AppScope.User, RegistryView.User, Alex, "alex"), (web.Scope, web.RegistryView, web.UserSid, web.UserName));
            Assert.Equal("TikTok", web.DisplayName);
            Assert.Equal("Microsoft Edge", web.Publisher);
            Assert.True(web.FromUserWritableLocation);

            var capcut = entries.Single(a => a.KeyName == "CapCut");
            Assert.Equal((AppKind.Exe, AppScope.User, Sam, "sam"), (capcut.Kind, capcut.Scope, capcut.UserSid, capcut.UserName));
            Assert.Equal("5.1.0.2059", capcut.DisplayVersion);
            Assert.Equal(@"""C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe""", capcut.UninstallString);
            Assert.Equal(@"C:\Users\sam\AppData\Local\CapCut", capcut.InstallLocation);
            Assert.True(capcut.FromUserWritableLocation);

            Assert.Equal(LaptopUninstallKeys, result.UninstallKeyCount);
            Assert.Equal(new[] { "alex", "jo", "sam" }, result.Users.Select(u => u.UserName).OrderBy(n => n).ToArray());
            var notScanned = Assert.Single(result.UsersNotScanned);
            Assert.Equal((Jo, "jo", UserNotScannedReason.HiveNotLoaded), (notScanned.Sid, notScanned.UserName, notScanned.Reason));
        }

        [Fact]
        public async Task Store_packages_are_exactly_the_simulators_per_user_and_provisioned()
        {
            var (result, _) = await ReadAsync("LAPTOP-01", PolicyLoader.BuiltIn().MightMatch);
            var packages = (await simulator.GetPackagesAsync("LAPTOP-01")).EnumerateArray().ToList();

            // Only signed-in users' packages can be read: their package repository is in their classes hive.
            var expectedPerUser = packages.SelectMany(p => p.GetProperty("users").EnumerateArray().Select(u => u.GetString())
                    .Where(u => u != Jo).Select(u => u + " " + p.GetProperty("fullName").GetString()))
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();
            var actualPerUser = result.Apps.Where(a => a.Kind == AppKind.StoreApp).Select(a => a.UserSid + " " + a.PackageFullName)
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();
            Assert.True(expectedPerUser.SequenceEqual(actualPerUser), "missing: " + string.Join(", ", expectedPerUser.Except(actualPerUser))
                + " | extra: " + string.Join(", ", actualPerUser.Except(expectedPerUser)) + " | warnings: " + string.Join(" ", result.Warnings));

            var expectedProvisioned = packages.Where(p => p.GetProperty("provisioned").GetBoolean()).Select(p => p.GetProperty("fullName").GetString())
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();
            var actualProvisioned = result.Apps.Where(a => a.Kind == AppKind.ProvisionedStoreApp).Select(a => a.PackageFullName)
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();
            Assert.Equal(expectedProvisioned, actualProvisioned);

            // Jo's hives are not loaded: her packages cannot be read, and she is named as not scanned, for both.
            Assert.Contains(packages, p => p.GetProperty("users").EnumerateArray().Any(u => u.GetString() == Jo));
            Assert.DoesNotContain(result.Apps, a => a.Kind == AppKind.StoreApp && a.UserSid == Jo);
            var jo = Assert.Single(result.UsersNotScanned, u => u.Sid == Jo);
            Assert.Equal((UserNotScannedReason.HiveNotLoaded, false, false), (jo.Reason, jo.UninstallEntriesRead, jo.StorePackagesRead));
            Assert.False(result.Users.Single(u => u.Sid == Jo).StorePackagesRead);
            Assert.True(result.Users.Single(u => u.Sid == Alex).StorePackagesRead);
            Assert.Contains(result.DevicePackages, n => n == "BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se");
            var tiktok = result.Apps.Single(a => a.Kind == AppKind.StoreApp && a.PackageName == "BytedancePte.Ltd.TikTok");
            Assert.Equal((Alex, "BytedancePte.Ltd.TikTok_6yccndn6064se", "38.5.1.0"), (tiktok.UserSid, tiktok.PackageFamilyName, tiktok.DisplayVersion));
        }

        [Fact]
        public async Task Without_a_pre_filter_every_visible_entry_is_returned()
        {
            var (result, _) = await ReadAsync("LAPTOP-01", null);
            // 162 keys: 11 without DisplayName, 21 SystemComponent=1, 3 with ParentKeyName, 127 visible.
            Assert.Equal(127, result.Apps.Count(a => a.PackageFullName == null));
            Assert.Equal(11, result.HiddenKeyCount);
            Assert.Equal(24, result.ExcludedKeyCount);
        }

        [Fact]
        public async Task The_scan_stays_within_its_operation_budget_on_the_simulators_counters()
        {
            var (result, counts) = await ReadAsync("LAPTOP-01", PolicyLoader.BuiltIn().MightMatch);

            var registryOps = counts.Where(c => c.Key.StartsWith("StdRegProv.", StringComparison.Ordinal)).Sum(c => c.Value);
            var allOps = counts.Where(c => !c.Key.StartsWith("Identify", StringComparison.Ordinal)).Sum(c => c.Value);
            Assert.Equal(registryOps, allOps);                         // nothing but StdRegProv: no query, no Win32_Product
            Assert.Equal(result.OperationCount, registryOps);
            // One DisplayName read per key and one for the machine's own name; everything else is a constant per root
            // and user, plus the few candidates.
            Assert.Equal(LaptopUninstallKeys + 1, counts["StdRegProv.GetStringValue"] - CandidateStringReads(result));
            Assert.Equal("LAPTOP-01", result.MachineName);
            var perCandidate = 1 + UninstallEntryRules.ExclusionValueNames.Count + UninstallEntryRules.DetailValueNames.Count;
            var budget = LaptopUninstallKeys + 2 * result.UninstallRootCount + 4 * result.Users.Count + 4 + 1 /* the machine's own name */ + perCandidate * result.CandidateKeyCount;
            Assert.InRange(registryOps, LaptopUninstallKeys, budget);
            Assert.Equal(3, result.CandidateKeyCount);
        }

        [Fact]
        public async Task A_publisher_only_rule_reads_every_key_in_full_and_says_what_that_costs()
        {
            var byPublisher = PolicyLoader.LoadJson(@"{ ""schemaVersion"": 1, ""name"": ""ByteDance"", ""rules"": [
                { ""id"": ""bytedance"", ""displayName"": ""ByteDance"", ""matchers"": [ { ""publisher"": ""Bytedance Pte. Ltd."" } ] } ] }", "bytedance.json");
            var (filtered, filteredCounts) = await ReadAsync("LAPTOP-01", PolicyLoader.BuiltIn().MightMatch);
            var (full, fullCounts) = await ReadAsync("LAPTOP-01", byPublisher.MightMatch);

            int Registry(IReadOnlyDictionary<string, int> counts) => counts.Where(c => c.Key.StartsWith("StdRegProv.", StringComparison.Ordinal)).Sum(c => c.Value);
            Assert.Equal(full.OperationCount, Registry(fullCounts));
            // Publisher is not among what the pre-filter sees, so every key with a DisplayName is a candidate.
            Assert.Equal(FullReadCandidates, full.CandidateKeyCount);
            Assert.Equal((3, FilteredOperations, FullReadOperations), (filtered.CandidateKeyCount, Registry(filteredCounts), Registry(fullCounts)));
            var perCandidate = 1 + UninstallEntryRules.ExclusionValueNames.Count + UninstallEntryRules.DetailValueNames.Count;
            Assert.InRange(Registry(fullCounts), Registry(filteredCounts), Registry(filteredCounts) + perCandidate * full.CandidateKeyCount);
            // ByteDance's apps on the laptop are found by publisher alone, however the entry spells it.
            Assert.Contains(full.Apps, a => a.KeyName == "CapCut" && byPublisher.MatchingRules(a).Any());
        }

        // The sample laptop: 151 of its 162 uninstall keys have a DisplayName; the built-in policy's pre-filter keeps 3
        // of them (195 registry operations), a publisher-only rule keeps all 151 (978, five times as many). Each count
        // includes the one read of the machine's own name (it was 194 and 977 before the scan read it).
        private const int FullReadCandidates = 151;
        private const int FilteredOperations = 195;
        private const int FullReadOperations = 978;

        // String values read for candidates beyond DisplayName (REG_SZ ones), counted from what was returned.
        private static int CandidateStringReads(InventoryResult result) =>
            result.Apps.Where(a => a.PackageFullName == null).Sum(a =>
                new[] { a.DisplayVersion, a.Publisher, a.InstallLocation, a.InstallDate, a.UninstallString, a.QuietUninstallString }.Count(v => v != null));

        [Fact]
        public async Task A_clean_host_has_no_candidate_and_the_verifier_sees_what_is_there()
        {
            var (result, _) = await ReadAsync("CLEAN-01", PolicyLoader.BuiltIn().MightMatch);
            Assert.Empty(result.Apps.Where(a => a.PackageFullName == null));
            Assert.Equal(0, result.CandidateKeyCount);

            using var session = Open("LAPTOP-01");
            var reader = new InventoryReader(new RegistryClient(session));
            var laptop = await reader.ReadAsync(PolicyLoader.BuiltIn().MightMatch, CancellationToken.None);
            foreach (var app in laptop.Apps.Where(a => a.PackageFullName == null || a.PackageName == "BytedancePte.Ltd.TikTok"))
                Assert.True(await reader.IsStillInstalledAsync(app, CancellationToken.None), app.KeyPath);
            var gone = new InstalledApp { Kind = AppKind.Exe, KeyPath = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\NotThere" };
            Assert.False(await reader.IsStillInstalledAsync(gone, CancellationToken.None));
            var otherUser = laptop.Apps.Single(a => a.Kind == AppKind.StoreApp && a.PackageName == "BytedancePte.Ltd.TikTok");
            var forSam = new InstalledApp { Kind = AppKind.StoreApp, UserSid = Sam, PackageFullName = otherUser.PackageFullName };
            Assert.False(await reader.IsStillInstalledAsync(forSam, CancellationToken.None));
        }

        [Fact]
        public async Task The_scanner_reports_the_laptops_findings()
        {
            await simulator.ResetCountersAsync("LAPTOP-01");
            using var session = Open("LAPTOP-01");
            var scan = await TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), SystemClock.Instance).ScanAsync(session, CancellationToken.None);
            Assert.Equal(ComplianceStatus.NonCompliant, scan.Status);
            var findings = scan.Findings.Select(f => f.RuleId + " " + f.App.Kind + " " + (f.App.UserName ?? "machine")).OrderBy(x => x, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[]
            {
                "capcut Exe jo",
                "capcut Exe sam",
                "tiktok-live-studio Exe machine",
                "tiktok-store ProvisionedStoreApp machine",
                "tiktok-store StoreApp alex",
                "tiktok-webapp WebApp alex",
            }, findings);
            // jo is signed out: her entry was read from her hive, loaded for the scan and copied, and says so.
            var jos = scan.Findings.Single(f => f.App.UserName == "jo").App;
            Assert.True(jos.SignedOut);
            Assert.StartsWith(@"HKU\S-1-5-21-3623811015-3361044348-30300820-1003\", jos.KeyPath);
        }
    }
}
