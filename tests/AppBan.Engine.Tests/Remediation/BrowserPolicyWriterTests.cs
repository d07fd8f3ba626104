using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>Browser policy written to and removed from a loaded user hive on the fake host, judged by its registry.</summary>
    public class BrowserPolicyWriterTests
    {
        private const string Sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        private const string Other = "S-1-5-21-1004336348-1177238915-682003330-1002";
        private const string Edge = @"HKU\" + Sid + @"\Software\Policies\Microsoft\Edge";
        private const string Chrome = @"HKU\" + Sid + @"\Software\Policies\Google\Chrome";
        private const string Records = @"HKLM\SOFTWARE\AppBan\BrowserPolicy";
        private const string EdgeRecord = Records + @"\" + Sid + @"\Edge";
        private const string ChromeRecord = Records + @"\" + Sid + @"\Chrome";
        private const string TikTok = "https://www.tiktok.com/";
        private const string AdminSettings = "[\n  { \"manifest_id\": \"https://intranet.example.org/\", \"run_on_os_login\": \"run_windowed\" }\n]";

        private static readonly string[] Changes = { "SetStringValue", "SetMultiStringValue", "SetDWORDValue", "CreateKey", "DeleteKey", "DeleteValue" };

        /// <summary>A host where the user is signed in (their hive is loaded) and an administrator set Edge policy.</summary>
        private static FakeWindowsHost SignedInWithAdminPolicy()
        {
            var host = new FakeWindowsHost();
            host.Key(@"HKU\" + Sid + @"\Software\Microsoft");
            host.Key(@"HKU\" + Other + @"\Software\Microsoft");
            host.Key(Edge + @"\URLBlocklist").String("1", "example.com").String("2", "example.net");
            host.Key(Edge).String("WebAppSettings", AdminSettings).DWord("HubsSidebarEnabled", 0);
            return host;
        }

        private static Task<IReadOnlyList<BrowserPolicyChange>> ApplyTikTok(FakeWindowsHost host) =>
            new BrowserPolicyWriter(new RegistryClient(host)).ApplyAsync(Sid, "tiktok-webapp", new[] { "tiktok.com" }, new[] { TikTok }, "Parliament", CancellationToken.None);

        private static IReadOnlyList<string> ChangesMade(FakeWindowsHost host) =>
            host.Calls.Where(c => Changes.Contains(c.Method)).Select(c => c.KeyPath + (c.ValueName != null ? " :" + c.ValueName : "")).ToList();

        [Fact]
        public async Task Apply_appends_after_the_administrators_entries_in_both_browsers_and_records_what_it_added()
        {
            var host = SignedInWithAdminPolicy();

            var changes = await ApplyTikTok(host);

            Assert.All(changes, c => Assert.True(c.Succeeded, c.Error));
            Assert.Equal(new Dictionary<string, object> { ["1"] = "example.com", ["2"] = "example.net", ["3"] = "tiktok.com" }, host.ValuesOf(Edge + @"\URLBlocklist"));
            Assert.Equal(new Dictionary<string, object> { ["1"] = "tiktok.com" }, host.ValuesOf(Chrome + @"\URLBlocklist"));
            var edgeSettings = JArray.Parse((string)host.ValuesOf(Edge)["WebAppSettings"]);
            Assert.Equal(new[] { "https://intranet.example.org/", TikTok }, edgeSettings.Select(e => (string)e["manifest_id"]));
            Assert.StartsWith(AdminSettings.Substring(0, AdminSettings.LastIndexOf('}') + 1) + ",\n  {", (string)host.ValuesOf(Edge)["WebAppSettings"]);
            Assert.Equal(0u, host.ValuesOf(Edge)["HubsSidebarEnabled"]);
            Assert.True((bool)JArray.Parse((string)host.ValuesOf(Chrome)["WebAppSettings"]).Single()["force_unregister_os_integration"]);

            var edgeRecord = host.ValuesOf(EdgeRecord);
            Assert.Equal(new[] { "3=tiktok.com" }, (string[])edgeRecord["URLBlocklist"]);
            Assert.Equal(new[] { TikTok }, (string[])edgeRecord["WebAppSettings"]);
            Assert.Equal(new[] { "tiktok-webapp" }, (string[])edgeRecord["RuleIds"]);
            Assert.Equal("Parliament", edgeRecord["Policy"]);
            Assert.Equal(new[] { "1=tiktok.com" }, (string[])host.ValuesOf(ChromeRecord)["URLBlocklist"]);

            var edge = changes.Single(c => c.Browser == PolicyBrowser.Edge);
            Assert.Equal(new[] { "3=tiktok.com" }, edge.BlockEntries.Select(e => e.RecordText));
            Assert.Equal(new[] { TikTok }, edge.ManifestIds);
        }

        [Fact]
        public async Task Every_change_stays_in_the_users_browser_policy_keys_and_the_users_record()
        {
            var host = SignedInWithAdminPolicy();
            await ApplyTikTok(host);
            await new BrowserPolicyWriter(new RegistryClient(host)).RemoveAsync(Sid, null, CancellationToken.None);

            var made = ChangesMade(host);
            Assert.NotEmpty(made);
            Assert.All(made, path => Assert.True(
                path.StartsWith(Edge, StringComparison.OrdinalIgnoreCase) || path.StartsWith(Chrome, StringComparison.OrdinalIgnoreCase)
                || path.StartsWith(Records + @"\" + Sid, StringComparison.OrdinalIgnoreCase), path));
            Assert.Empty(host.KeysUnder(@"HKU\" + Other + @"\Software\Microsoft"));
        }

        [Fact]
        public async Task Applying_again_changes_nothing_in_the_hive_or_the_record()
        {
            var host = SignedInWithAdminPolicy();
            await ApplyTikTok(host);
            var edgeBefore = host.ValuesOf(Edge)["WebAppSettings"];
            var before = host.Calls.Count;

            var again = await ApplyTikTok(host);

            Assert.All(again, c => Assert.False(c.Changed));
            Assert.Equal(3, host.ValuesOf(Edge + @"\URLBlocklist").Count);
            Assert.Equal(edgeBefore, host.ValuesOf(Edge)["WebAppSettings"]);
            Assert.DoesNotContain(host.Calls.Skip(before), c => Changes.Contains(c.Method));
            Assert.Equal(new[] { "3=tiktok.com" }, (string[])host.ValuesOf(EdgeRecord)["URLBlocklist"]);
        }

        [Fact]
        public async Task Remove_leaves_the_administrators_entries_and_restores_their_WebAppSettings_text()
        {
            var host = SignedInWithAdminPolicy();
            await ApplyTikTok(host);

            var removed = await new BrowserPolicyWriter(new RegistryClient(host)).RemoveAsync(Sid, new[] { "tiktok-webapp" }, CancellationToken.None);

            Assert.All(removed, c => Assert.True(c.Succeeded, c.Error));
            Assert.Equal(new Dictionary<string, object> { ["1"] = "example.com", ["2"] = "example.net" }, host.ValuesOf(Edge + @"\URLBlocklist"));
            Assert.Equal(AdminSettings, host.ValuesOf(Edge)["WebAppSettings"]);
            // What AppBan alone created for Chrome is gone, keys included, and so are the records.
            Assert.False(host.KeyExists(Chrome));
            Assert.False(host.KeyExists(Records + @"\" + Sid));
            Assert.Equal(new[] { "3=tiktok.com" }, removed.Single(c => c.Browser == PolicyBrowser.Edge).BlockEntries.Select(e => e.RecordText));
        }

        [Fact]
        public async Task Remove_skips_a_value_an_administrator_changed_since_and_says_so()
        {
            var host = SignedInWithAdminPolicy();
            await ApplyTikTok(host);
            host.Key(Edge + @"\URLBlocklist").String("3", "example.org");

            var removed = await new BrowserPolicyWriter(new RegistryClient(host)).RemoveAsync(Sid, null, CancellationToken.None);

            Assert.Equal("example.org", host.ValuesOf(Edge + @"\URLBlocklist")["3"]);
            var edge = removed.Single(c => c.Browser == PolicyBrowser.Edge);
            Assert.Empty(edge.BlockEntries);
            Assert.Contains(edge.Notes, n => n.Contains("value 3 no longer holds tiktok.com"));
            Assert.False(host.KeyExists(EdgeRecord));
        }

        [Fact]
        public async Task Remove_keeps_a_value_that_the_administrators_later_values_depend_on_and_keeps_it_recorded()
        {
            var host = SignedInWithAdminPolicy();
            await ApplyTikTok(host);
            host.Key(Edge + @"\URLBlocklist").String("4", "example.org");

            var removed = await new BrowserPolicyWriter(new RegistryClient(host)).RemoveAsync(Sid, null, CancellationToken.None);

            Assert.Equal("tiktok.com", host.ValuesOf(Edge + @"\URLBlocklist")["3"]);
            Assert.Equal(new[] { "3=tiktok.com" }, (string[])host.ValuesOf(EdgeRecord)["URLBlocklist"]);
            Assert.False(host.ValuesOf(EdgeRecord).ContainsKey("WebAppSettings"));
            Assert.Equal(AdminSettings, host.ValuesOf(Edge)["WebAppSettings"]);
            Assert.Contains(removed.Single(c => c.Browser == PolicyBrowser.Edge).Notes, n => n.Contains("value 3 (tiktok.com) stays"));
        }

        [Fact]
        public async Task An_invalid_WebAppSettings_is_left_untouched_and_the_blocklist_is_still_written()
        {
            var host = SignedInWithAdminPolicy();
            host.Key(Edge).String("WebAppSettings", "[{\"manifest_id\": \"https://intranet.example.org/\",}]");

            var changes = await ApplyTikTok(host);

            var edge = changes.Single(c => c.Browser == PolicyBrowser.Edge);
            Assert.True(edge.Succeeded);
            Assert.Equal("[{\"manifest_id\": \"https://intranet.example.org/\",}]", host.ValuesOf(Edge)["WebAppSettings"]);
            Assert.Equal("tiktok.com", host.ValuesOf(Edge + @"\URLBlocklist")["3"]);
            Assert.Contains(edge.Notes, n => n.Contains("not a valid JSON list"));
            Assert.False(host.ValuesOf(EdgeRecord).ContainsKey("WebAppSettings"));
            Assert.DoesNotContain(host.Calls, c => c.Method == "SetStringValue" && c.KeyPath == Edge);
        }

        [Fact]
        public async Task A_user_who_is_not_signed_in_gets_nothing_written()
        {
            var host = new FakeWindowsHost();
            host.Key(@"HKU\" + Other + @"\Software");

            var changes = await ApplyTikTok(host);

            Assert.All(changes, c => Assert.Contains("is not loaded", c.Error));
            Assert.Empty(ChangesMade(host));
            Assert.False(host.KeyExists(@"HKU\" + Sid));
        }

        [Theory]
        [InlineData("S-1-5-18")]
        [InlineData(@"S-1-5-21-1-2-3-1001\..\S-1-5-18")]
        [InlineData("S-1-5-21-1-2-3-1001_Classes")]
        [InlineData(".DEFAULT")]
        [InlineData(null)]
        public async Task A_SID_that_is_not_a_users_is_refused_before_anything_is_read(string sid)
        {
            var host = SignedInWithAdminPolicy();
            var writer = new BrowserPolicyWriter(new RegistryClient(host));
            await Assert.ThrowsAsync<ArgumentException>(() => writer.ApplyAsync(sid, "tiktok-webapp", new[] { "tiktok.com" }, null, "P", CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => writer.RemoveAsync(sid, null, CancellationToken.None));
            Assert.Empty(host.Calls);
        }

        [Fact]
        public async Task A_hostile_site_is_refused_before_anything_is_read()
        {
            var host = SignedInWithAdminPolicy();
            var writer = new BrowserPolicyWriter(new RegistryClient(host));
            await Assert.ThrowsAsync<ArgumentException>(() => writer.ApplyAsync(Sid, "tiktok-webapp", new[] { "*" }, null, "P", CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => writer.ApplyAsync(Sid, "tiktok-webapp", null, new[] { "https://www.tiktok.com/\"},{\"x\":\"" }, "P", CancellationToken.None));
            Assert.Empty(host.Calls);
        }

        [Fact]
        public async Task A_refused_write_fails_that_browser_only_and_its_record_claims_nothing_unwritten()
        {
            var host = SignedInWithAdminPolicy();
            host.ReturnValueFor = call => call.Method == "SetStringValue" && call.KeyPath == Edge + @"\URLBlocklist" ? 5u : (uint?)null;

            var changes = await ApplyTikTok(host);

            var edge = changes.Single(c => c.Browser == PolicyBrowser.Edge);
            Assert.Contains("could not write " + Edge + @"\URLBlocklist value 3", edge.Error);
            Assert.Contains("AccessDenied", edge.Error);
            Assert.False(host.ValuesOf(Edge + @"\URLBlocklist").ContainsKey("3"));
            Assert.False(host.KeyExists(EdgeRecord));
            Assert.True(changes.Single(c => c.Browser == PolicyBrowser.Chrome).Succeeded);
            Assert.Equal("tiktok.com", host.ValuesOf(Chrome + @"\URLBlocklist")["1"]);
        }

        [Fact]
        public async Task Removing_one_of_two_rules_keeps_the_entries_and_narrows_the_record()
        {
            var host = SignedInWithAdminPolicy();
            var writer = new BrowserPolicyWriter(new RegistryClient(host));
            await writer.ApplyAsync(Sid, "tiktok-webapp", new[] { "tiktok.com" }, new[] { TikTok }, "Parliament", CancellationToken.None);
            await writer.ApplyAsync(Sid, "douyin", new[] { "douyin.com" }, null, "Parliament", CancellationToken.None);
            Assert.Equal(new[] { "3=tiktok.com", "4=douyin.com" }, (string[])host.ValuesOf(EdgeRecord)["URLBlocklist"]);

            var first = await writer.RemoveAsync(Sid, new[] { "douyin" }, CancellationToken.None);

            Assert.Equal("douyin.com", host.ValuesOf(Edge + @"\URLBlocklist")["4"]);
            Assert.Equal(new[] { "tiktok-webapp" }, (string[])host.ValuesOf(EdgeRecord)["RuleIds"]);
            Assert.All(first, c => Assert.Contains(c.Notes, n => n.Contains("they may serve tiktok-webapp")));

            await writer.RemoveAsync(Sid, new[] { "tiktok-webapp" }, CancellationToken.None);

            Assert.Equal(new Dictionary<string, object> { ["1"] = "example.com", ["2"] = "example.net" }, host.ValuesOf(Edge + @"\URLBlocklist"));
            Assert.False(host.KeyExists(EdgeRecord));
        }

        [Fact]
        public async Task Records_are_read_back_and_keys_that_are_not_AppBans_are_not_opened()
        {
            var host = SignedInWithAdminPolicy();
            await ApplyTikTok(host);
            host.Key(Records + @"\NotASid\Edge").String("Policy", "x");
            host.Key(Records + @"\" + Sid + @"\Firefox").String("Policy", "x");

            var records = await new BrowserPolicyWriter(new RegistryClient(host)).ReadRecordsAsync(CancellationToken.None);

            Assert.Equal(new[] { PolicyBrowser.Edge, PolicyBrowser.Chrome }, records.Select(r => r.Browser));
            var edge = records[0];
            Assert.Equal((Sid, "Parliament"), (edge.UserSid, edge.Policy));
            Assert.Equal(new[] { "3=tiktok.com" }, edge.BlockEntries.Select(e => e.RecordText));
            Assert.Equal(new[] { TikTok }, edge.ManifestIds);
            Assert.Equal(new[] { "tiktok-webapp" }, edge.RuleIds);
            Assert.DoesNotContain(host.Log, l => l.Contains("NotASid") || l.Contains("Firefox"));
        }

        [Fact]
        public async Task SetMultiStringValue_sends_the_strings_as_one_array_and_refuses_an_empty_list()
        {
            var host = new FakeWindowsHost();
            host.Key(@"HKLM\SOFTWARE\X");
            var registry = new RegistryClient(host);

            var r = await registry.SetMultiStringValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\X", "V", new[] { "a", "b=c" });

            Assert.True(r.Success);
            var sent = host.Calls.Single().Parameters.Single(p => p.Name == "sValue").Value;
            Assert.True(sent.IsArray);
            Assert.Equal(new[] { "a", "b=c" }, (string[])host.ValuesOf(@"HKLM\SOFTWARE\X")["V"]);
            Assert.Equal(new[] { "a", "b=c" }, (await registry.GetMultiStringValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\X", "V")).Value);
            await Assert.ThrowsAsync<ArgumentException>(() => registry.SetMultiStringValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\X", "V", Array.Empty<string>()));
        }

        [Fact]
        public void The_plan_names_every_key_it_would_write_without_reading_the_target()
        {
            var plan = BrowserPolicyPlan.For(Sid.ToLowerInvariant(), "tiktok-webapp", new[] { "tiktok.com" }, new[] { TikTok }, "Parliament");

            Assert.Equal(Sid, plan.UserSid);
            Assert.Equal("Block tiktok.com and unregister the web app " + TikTok + " through Edge and Chrome policy for " + Sid, plan.Action);
            Assert.Equal(new[] { Edge + @"\URLBlocklist", Edge, EdgeRecord, Chrome + @"\URLBlocklist", Chrome, ChromeRecord }, plan.Writes.Select(w => w.KeyPath));
            var text = plan.Describe();
            Assert.Contains(@"\URLBlocklist <next free number>: REG_SZ tiktok.com", text);
            Assert.Contains("\"force_unregister_os_integration\":true", text);
            Assert.Throws<ArgumentException>(() => BrowserPolicyPlan.For(Sid, "tiktok-webapp", null, null, "Parliament"));
            Assert.Throws<ArgumentException>(() => BrowserPolicyPlan.For(Sid, "bad rule id!", new[] { "tiktok.com" }, null, "Parliament"));
        }
    }
}
