using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>
    /// The critical path a scan reports is the longest chain of reads each started by the answer of the one before; it
    /// follows from what the host holds, never from timing or from how many operations run at once.
    /// </summary>
    public class CriticalPathTests
    {
        private const string Uninstall64 = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        private const string Alice = InventoryReaderTests.Alice;

        private static Task<InventoryResult> Read(FakeWindowsHost host, int concurrency = 8, Func<string, string, bool> filter = null)
        {
            var reader = new InventoryReader(new RegistryClient(host)) { MaxConcurrentOperations = concurrency, ReadSignedOutProfiles = false };
            return reader.ReadAsync(filter ?? InventoryReaderTests.MightBeBanned, CancellationToken.None);
        }

        private static FakeWindowsHost Host()
        {
            var host = InventoryReaderTests.NewHost("PC-01");
            host.Key(Uninstall64 + @"\Noise").String("DisplayName", "Noise app");
            return host;
        }

        [Fact]
        public async Task Without_candidates_the_path_is_a_listing_then_a_name()
        {
            using var host = Host();
            var result = await Read(host);
            // EnumKey of the uninstall root, then the DisplayName under it; every other read is one listing deep.
            Assert.Equal(2, result.CriticalPath);
        }

        [Fact]
        public async Task A_machine_candidate_adds_its_value_listing_and_its_values()
        {
            using var host = Host();
            host.Key(Uninstall64 + @"\CapCut").String("DisplayName", "CapCut").String("Publisher", "Bytedance Pte. Ltd.");
            var result = await Read(host);
            // EnumKey, DisplayName, EnumValues, then the detail values (no exclusion value present, so no round trip for them).
            Assert.Equal(4, result.CriticalPath);
        }

        [Fact]
        public async Task An_exclusion_value_present_costs_one_round_trip_more()
        {
            using var host = Host();
            host.Key(Uninstall64 + @"\CapCut").String("DisplayName", "CapCut").DWord("SystemComponent", 0).String("Publisher", "Bytedance Pte. Ltd.");
            var result = await Read(host);
            Assert.Equal(5, result.CriticalPath);
        }

        [Fact]
        public async Task A_candidate_in_a_users_hive_is_one_listing_deeper()
        {
            using var host = Host();
            host.Key(@"HKU\" + Alice + @"\Software");
            host.Key(InventoryReaderTests.UserUninstall(Alice) + @"\CapCut").String("DisplayName", "CapCut").DWord("SystemComponent", 0)
                .String("Publisher", "Bytedance Pte. Ltd.");
            var result = await Read(host);
            // HKU, the user's uninstall root, DisplayName, EnumValues, SystemComponent, the details.
            Assert.Equal(6, result.CriticalPath);
            Assert.Single(result.Apps, a => a.KeyName == "CapCut" && a.UserSid == Alice);
        }

        [Fact]
        public async Task The_path_does_not_depend_on_how_many_operations_run_at_once()
        {
            var paths = new List<int>();
            foreach (var concurrency in new[] { 1, 2, 8, 64 })
            {
                using var host = InventoryReaderTests.Laptop(noiseKeysPerRoot: 10);
                var result = await Read(host, concurrency);
                Assert.Equal(host.TotalOperations, result.OperationCount);
                paths.Add(result.CriticalPath);
            }
            // The laptop's deepest chains: TikTok LIVE Studio (listing, name, values, SystemComponent, details) and CapCut
            // in Alice's hive (HKU, her uninstall root, name, values, details).
            Assert.All(paths, p => Assert.Equal(5, p));
        }

        [Fact]
        public async Task A_candidates_values_are_read_before_the_rest_of_the_names()
        {
            using var host = Host();
            for (var i = 0; i < 40; i++) host.Key(Uninstall64 + @"\Noise" + i).String("DisplayName", "Noise app " + i);
            // Listed among the noise (keys come sorted) and named like none of the banned apps: only its DisplayName tells.
            host.Key(Uninstall64 + @"\Noise20-app").String("DisplayName", "CapCut").String("Publisher", "Bytedance Pte. Ltd.");
            await Read(host, concurrency: 4);

            var log = host.Log.ToList();
            var values = log.FindIndex(l => l.StartsWith("EnumValues ", StringComparison.Ordinal) && l.Contains(@"\Noise20-app"));
            var lastName = log.FindLastIndex(l => l.EndsWith(" :DisplayName", StringComparison.Ordinal) && l.Contains(@"\Noise") && !l.Contains(@"\Noise20-app"));
            Assert.True(values >= 0, "the candidate's values were listed");
            // Its name came back in the middle of the bulk of names; its values went ahead of the names still waiting.
            Assert.True(values < lastName, "EnumValues of the candidate at " + values + ", last noise name at " + lastName);
        }

        [Fact]
        public async Task A_key_named_like_a_banned_app_has_its_name_read_ahead_of_the_bulk()
        {
            using var host = Host();
            for (var i = 0; i < 40; i++) host.Key(Uninstall64 + @"\Noise" + i).String("DisplayName", "Noise app " + i);
            host.Key(Uninstall64 + @"\zz-other").String("DisplayName", "Other");
            host.Key(Uninstall64 + @"\zz-TikTok").String("DisplayName", "TikTok");
            await Read(host, concurrency: 4);

            var names = host.Log.Where(l => l.StartsWith("GetStringValue " + Uninstall64, StringComparison.Ordinal) && l.EndsWith(" :DisplayName", StringComparison.Ordinal)).ToList();
            var tiktok = names.FindIndex(l => l.Contains(@"\zz-TikTok "));
            // Listed last but one (the fake lists keys in order), read among the first, ahead of the queue.
            Assert.Equal(43, names.Count);
            Assert.InRange(tiktok, 0, 8);
        }
    }
}
