using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>The pure part of browser policy: what to write given what a browser's policy key holds, and what to undo.</summary>
    public class BrowserPolicyTests
    {
        private const string Sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        private const string TikTok = "https://www.tiktok.com/";
        private static readonly string OurEntry = "{\"manifest_id\":\"https://www.tiktok.com/\",\"run_on_os_login\":\"blocked\",\"force_unregister_os_integration\":true}";

        // An administrator's WebAppSettings, laid out by hand: AppBan must keep every byte of it.
        private const string AdminSettings = "[\n  {\n    \"manifest_id\": \"https://intranet.example.org/\",\n    \"run_on_os_login\": \"run_windowed\"\n  },\n  { \"manifest_id\": \"https://mail.example.org/\", \"default_launch_container\": \"window\" }\n]\n";

        private static BrowserPolicyState State(string webAppSettings = null, params (string Name, string Data)[] values) =>
            new BrowserPolicyState(values.ToDictionary(v => v.Name, v => v.Data), webAppSettings);

        private static BrowserPolicyRecord Record(IEnumerable<BlocklistEntry> entries, IEnumerable<string> ids) =>
            new BrowserPolicyRecord(Sid, PolicyBrowser.Edge, entries, ids, "Parliament", new[] { "tiktok-webapp" });

        private static BrowserPolicyAddition AddTikTok(BrowserPolicyState state, BrowserPolicyRecord previous = null) =>
            BrowserPolicy.Add(state, previous, new[] { "tiktok.com" }, new[] { TikTok });

        /// <summary>The state after an addition was written, as the browser key would then hold it.</summary>
        private static BrowserPolicyState After(BrowserPolicyState before, BrowserPolicyAddition addition)
        {
            var values = before.UrlBlocklist.ToDictionary(v => v.Key, v => v.Value);
            foreach (var e in addition.NewEntries) values[e.ValueName] = e.Pattern;
            return new BrowserPolicyState(values, addition.WebAppSettings ?? before.WebAppSettings);
        }

        // ---- URLBlocklist

        [Fact]
        public void Sites_go_after_the_administrators_entries()
        {
            var addition = AddTikTok(State(null, ("1", "example.com"), ("2", "example.net")));

            var entry = Assert.Single(addition.NewEntries);
            Assert.Equal(("3", "tiktok.com"), (entry.ValueName, entry.Pattern));
            Assert.Equal(new[] { "3=tiktok.com" }, addition.RecordedEntries.Select(e => e.RecordText));
        }

        [Fact]
        public void An_empty_list_starts_at_1()
        {
            var addition = BrowserPolicy.Add(BrowserPolicyState.Empty, null, new[] { "tiktok.com", "tiktokv.com" }, null);
            Assert.Equal(new[] { "1=tiktok.com", "2=tiktokv.com" }, addition.NewEntries.Select(e => e.RecordText));
            Assert.Null(addition.WebAppSettings);
        }

        [Fact]
        public void A_gap_is_filled_and_the_note_says_the_browser_now_reads_the_values_after_it()
        {
            // The browser reads 1 and stops at the missing 2, so 3 and 5 are not read. AppBan writes 2, then 4.
            var addition = BrowserPolicy.Add(State(null, ("1", "example.com"), ("3", "example.net"), ("5", "example.org")), null,
                new[] { "tiktok.com", "tiktokv.com" }, null);

            Assert.Equal(new[] { "2=tiktok.com", "4=tiktokv.com" }, addition.NewEntries.Select(e => e.RecordText));
            var note = Assert.Single(addition.Notes);
            Assert.Contains("no value 2", note);
            Assert.Contains("read only values 1 to 1", note);
            Assert.Contains("(3, 5)", note);
        }

        [Fact]
        public void A_site_already_in_the_list_under_any_number_is_not_written_again()
        {
            var addition = BrowserPolicy.Add(State(null, ("1", "example.com"), ("7", "TikTok.com/")), null, new[] { "tiktok.com" }, null);

            Assert.Empty(addition.NewEntries);
            Assert.Empty(addition.RecordedEntries);
            Assert.Contains(addition.Notes, n => n.Contains("already holds tiktok.com (value 7)"));
            // 7 stands after the gap at 2: the note says the browser does not read it, and nothing is renumbered.
            Assert.Contains(addition.Notes, n => n.Contains("value 7 is not read by the browser") && n.Contains("no value 2"));
        }

        [Fact]
        public void A_value_of_another_type_still_takes_its_number()
        {
            var addition = AddTikTok(State(null, ("1", null), ("2", "example.com")));
            Assert.Equal("3", Assert.Single(addition.NewEntries).ValueName);
        }

        [Fact]
        public void Nothing_is_written_past_the_thousand_entries_the_browser_reads()
        {
            var full = Enumerable.Range(1, BrowserPolicy.MaxBlocklistEntries).Select(n => (n.ToString(), "site" + n + ".example")).ToArray();
            var addition = AddTikTok(State(null, full));

            Assert.Empty(addition.NewEntries);
            Assert.Contains(addition.Notes, n => n.Contains("no free number up to 1000"));
        }

        [Fact]
        public void Applying_again_writes_nothing_and_keeps_the_record()
        {
            var before = State(null, ("1", "example.com"));
            var first = AddTikTok(before);
            var previous = Record(first.RecordedEntries, first.RecordedManifestIds);

            var again = AddTikTok(After(before, first), previous);

            Assert.False(again.ChangesHive);
            Assert.Empty(again.Notes);
            Assert.Equal(new[] { "2=tiktok.com" }, again.RecordedEntries.Select(e => e.RecordText));
            Assert.Equal(new[] { TikTok }, again.RecordedManifestIds);
        }

        [Fact]
        public void An_earlier_entry_an_administrator_changed_is_no_longer_recorded_and_the_site_is_written_anew()
        {
            var previous = Record(new[] { new BlocklistEntry("2", "tiktok.com") }, null);
            var addition = BrowserPolicy.Add(State(null, ("1", "example.com"), ("2", "example.net")), previous, new[] { "tiktok.com" }, null);

            Assert.Equal(new[] { "3=tiktok.com" }, addition.RecordedEntries.Select(e => e.RecordText));
            Assert.Contains(addition.Notes, n => n.Contains("value 2 no longer holds tiktok.com") && n.Contains("'example.net'"));
        }

        // ---- WebAppSettings

        [Fact]
        public void A_missing_WebAppSettings_becomes_a_list_of_AppBans_entry()
        {
            var addition = AddTikTok(BrowserPolicyState.Empty);
            Assert.Equal("[" + OurEntry + "]", addition.WebAppSettings);
            Assert.Equal(new[] { TikTok }, addition.AddedManifestIds);
        }

        [Fact]
        public void The_administrators_WebAppSettings_keep_their_text_and_AppBans_entry_follows_in_their_layout()
        {
            var addition = AddTikTok(State(AdminSettings));

            var lastAdminEntry = AdminSettings.LastIndexOf('}') + 1;
            Assert.Equal(AdminSettings.Substring(0, lastAdminEntry) + ",\n  " + OurEntry + AdminSettings.Substring(lastAdminEntry), addition.WebAppSettings);
            var entries = JArray.Parse(addition.WebAppSettings);
            Assert.Equal(3, entries.Count);
            Assert.True(JToken.DeepEquals(JArray.Parse(AdminSettings)[0], entries[0]));
            Assert.True((bool)entries[2]["force_unregister_os_integration"]);
            Assert.Equal("blocked", (string)entries[2]["run_on_os_login"]);
        }

        [Fact]
        public void An_empty_list_and_a_one_line_list_take_the_entry_in_their_own_layout()
        {
            Assert.Equal("[" + OurEntry + "]", AddTikTok(State("[]")).WebAppSettings);
            Assert.Equal("[ {\"manifest_id\":\"https://a.example/\"}, " + OurEntry + " ]",
                AddTikTok(State("[ {\"manifest_id\":\"https://a.example/\"} ]")).WebAppSettings);
            Assert.Equal("[{\"manifest_id\":\"https://a.example/\"}, {\"manifest_id\":\"https://b.example/\"}, " + OurEntry + "]",
                AddTikTok(State("[{\"manifest_id\":\"https://a.example/\"}, {\"manifest_id\":\"https://b.example/\"}]")).WebAppSettings);
        }

        [Theory]
        [InlineData("{\"manifest_id\":\"https://a.example/\"}", "does not start with '['")]
        [InlineData("[{\"manifest_id\":\"https://a.example/\",}]", "expected a property name")]
        [InlineData("[{'manifest_id':'https://a.example/'}]", "expected a property name")]
        [InlineData("[{\"manifest_id\":\"https://a.example/\"}] // admin", "more text after")]
        [InlineData("[{\"manifest_id\":\"https://a.example/\"}", "not closed")]
        [InlineData("[\"a]\" \"b\"]", "expected ',' or ']'")]
        [InlineData("", "empty")]
        public void A_WebAppSettings_that_is_not_a_strict_JSON_list_is_left_alone_and_the_blocklist_is_still_written(string invalid, string why)
        {
            var addition = AddTikTok(State(invalid, ("1", "example.com")));

            Assert.Null(addition.WebAppSettings);
            Assert.Empty(addition.AddedManifestIds);
            Assert.Empty(addition.RecordedManifestIds);
            Assert.Equal("2=tiktok.com", Assert.Single(addition.NewEntries).RecordText);
            var note = Assert.Single(addition.Notes);
            Assert.Contains("WebAppSettings is not a valid JSON list", note);
            Assert.Contains(why, note);
        }

        [Fact]
        public void A_WebAppSettings_nested_too_deep_is_refused_rather_than_followed()
        {
            var deep = "[" + new string('[', 200) + new string(']', 200) + "]";
            var addition = AddTikTok(State(deep));
            Assert.Null(addition.WebAppSettings);
            Assert.Contains(addition.Notes, n => n.Contains("nested more than 64 levels"));
        }

        [Fact]
        public void A_WebAppSettings_that_is_not_text_is_left_alone()
        {
            var addition = AddTikTok(new BrowserPolicyState(null, null, webAppSettingsIsText: false));
            Assert.Null(addition.WebAppSettings);
            Assert.Contains(addition.Notes, n => n.Contains("not a text (REG_SZ) value"));
            Assert.Single(addition.NewEntries);
        }

        [Fact]
        public void An_administrators_entry_for_the_same_app_is_left_and_none_is_added()
        {
            var theirs = "[{\"manifest_id\":\"https://www.tiktok.com/\",\"run_on_os_login\":\"allowed\"}]";
            var addition = AddTikTok(State(theirs));

            Assert.Null(addition.WebAppSettings);
            Assert.Empty(addition.RecordedManifestIds);
            Assert.Contains(addition.Notes, n => n.Contains("does not unregister the app") && n.Contains("adds none"));
        }

        [Fact]
        public void Brackets_and_quotes_inside_texts_do_not_move_the_element_boundaries()
        {
            var tricky = "[{\"name\":\"a ] b, \\\"c\\\" [\",\"n\":[1,{\"x\":-0.5e+3}]}]";
            var addition = AddTikTok(State(tricky));
            Assert.Equal("[{\"name\":\"a ] b, \\\"c\\\" [\",\"n\":[1,{\"x\":-0.5e+3}]}," + OurEntry + "]", addition.WebAppSettings);
        }

        // ---- Undo

        [Fact]
        public void Undo_deletes_AppBans_value_and_leaves_the_administrators()
        {
            var before = State(AdminSettings, ("1", "example.com"), ("2", "example.net"));
            var addition = AddTikTok(before);
            var undo = BrowserPolicy.Undo(After(before, addition), Record(addition.RecordedEntries, addition.RecordedManifestIds));

            Assert.Equal(new[] { "3=tiktok.com" }, undo.EntriesToDelete.Select(e => e.RecordText));
            Assert.True(undo.Complete);
            // Only AppBan's entry is cut: the administrator's text comes back byte for byte.
            Assert.Equal(AdminSettings, undo.WebAppSettings);
            Assert.False(undo.DeleteWebAppSettings);
            Assert.Equal(new[] { TikTok }, undo.RemovedManifestIds);
            Assert.Empty(undo.Notes);
        }

        [Fact]
        public void Undo_skips_a_value_an_administrator_changed_since()
        {
            var record = Record(new[] { new BlocklistEntry("3", "tiktok.com") }, null);
            var undo = BrowserPolicy.Undo(State(null, ("1", "example.com"), ("2", "example.net"), ("3", "example.org")), record);

            Assert.Empty(undo.EntriesToDelete);
            Assert.True(undo.Complete);
            Assert.Contains(undo.Notes, n => n.Contains("value 3 no longer holds tiktok.com") && n.Contains("AppBan leaves it"));
        }

        [Fact]
        public void Undo_keeps_a_value_whose_deletion_would_hide_the_administrators_values_after_it()
        {
            // An administrator added 3 after AppBan's 2: deleting 2 would make the browser stop at 1.
            var record = Record(new[] { new BlocklistEntry("2", "tiktok.com") }, null);
            var undo = BrowserPolicy.Undo(State(null, ("1", "example.com"), ("2", "tiktok.com"), ("3", "example.net")), record);

            Assert.Empty(undo.EntriesToDelete);
            Assert.Equal("2=tiktok.com", Assert.Single(undo.KeptEntries).RecordText);
            Assert.False(undo.Complete);
            Assert.Contains(undo.Notes, n => n.Contains("value 2 (tiktok.com) stays") && n.Contains("values 3 to 3"));
        }

        [Fact]
        public void Undo_deletes_from_the_highest_number_down_so_the_list_never_has_a_gap_in_between()
        {
            var record = Record(new[] { new BlocklistEntry("2", "tiktok.com"), new BlocklistEntry("3", "tiktokv.com") }, null);
            var undo = BrowserPolicy.Undo(State(null, ("1", "example.com"), ("2", "tiktok.com"), ("3", "tiktokv.com")), record);
            Assert.Equal(new[] { "3", "2" }, undo.EntriesToDelete.Select(e => e.ValueName));
            Assert.True(undo.Complete);
        }

        [Fact]
        public void Undo_removes_the_whole_WebAppSettings_when_only_AppBans_entry_is_in_it()
        {
            var undo = BrowserPolicy.Undo(State("[" + OurEntry + "]"), Record(null, new[] { TikTok }));
            Assert.True(undo.DeleteWebAppSettings);
            Assert.Null(undo.WebAppSettings);
        }

        [Fact]
        public void Undo_leaves_a_WebAppSettings_entry_an_administrator_changed()
        {
            var changed = "[{\"manifest_id\":\"https://www.tiktok.com/\",\"run_on_os_login\":\"allowed\",\"force_unregister_os_integration\":true}]";
            var undo = BrowserPolicy.Undo(State(changed), Record(null, new[] { TikTok }));

            Assert.Null(undo.WebAppSettings);
            Assert.False(undo.DeleteWebAppSettings);
            Assert.Empty(undo.RemovedManifestIds);
            Assert.Contains(undo.Notes, n => n.Contains("changed or removed since AppBan wrote it"));
        }

        [Fact]
        public void Undo_leaves_a_WebAppSettings_that_is_no_longer_valid_JSON()
        {
            var broken = "[" + OurEntry + ",";
            var undo = BrowserPolicy.Undo(State(broken), Record(null, new[] { TikTok }));
            Assert.Null(undo.WebAppSettings);
            Assert.False(undo.DeleteWebAppSettings);
            Assert.Contains(undo.Notes, n => n.Contains("not a valid JSON list") && n.Contains("removes nothing from it"));
        }

        [Fact]
        public void Undo_cuts_an_entry_from_the_middle_and_keeps_the_commas_right()
        {
            var text = "[{\"manifest_id\":\"https://a.example/\"}, " + OurEntry + ", {\"manifest_id\":\"https://b.example/\"}]";
            var undo = BrowserPolicy.Undo(State(text), Record(null, new[] { TikTok }));
            Assert.Equal("[{\"manifest_id\":\"https://a.example/\"}, {\"manifest_id\":\"https://b.example/\"}]", undo.WebAppSettings);

            var first = "[\n  " + OurEntry + ",\n  {\"manifest_id\":\"https://b.example/\"}\n]";
            Assert.Equal("[\n  {\"manifest_id\":\"https://b.example/\"}\n]", BrowserPolicy.Undo(State(first), Record(null, new[] { TikTok })).WebAppSettings);
        }

        // ---- Checks

        [Theory]
        [InlineData("*")]
        [InlineData("*.tiktok.com")]
        [InlineData("tiktok")]
        [InlineData("tiktok.com ")]
        [InlineData("tiktok.com\n")]
        [InlineData("tiktok.com\"")]
        [InlineData("tiktok.com'")]
        [InlineData("%USERDOMAIN%.com")]
        [InlineData("tiktok.com:443")]
        [InlineData("javascript:alert(1)")]
        [InlineData("file://c/x.y")]
        [InlineData("tiktok..com")]
        [InlineData(".tiktok.com")]
        [InlineData("tiktok.com\\x")]
        [InlineData("tik\u202etok.com")]
        [InlineData("")]
        public void Hostile_sites_are_refused_before_anything_is_computed(string site)
        {
            var e = Assert.Throws<ArgumentException>(() => BrowserPolicy.Add(BrowserPolicyState.Empty, null, new[] { site }, null));
            // The message shows the text with its invisible characters escaped, so it cannot be disguised.
            Assert.False(e.Message.Contains('\n'));
            Assert.False(e.Message.Contains('\u202e'));
        }

        [Theory]
        [InlineData("http://www.tiktok.com/")]
        [InlineData("www.tiktok.com")]
        [InlineData("https://www.tiktok.com/\"}]")]
        [InlineData("https://*.tiktok.com/")]
        [InlineData("https://localhost/")]
        public void Hostile_manifest_ids_are_refused(string id)
        {
            Assert.Throws<ArgumentException>(() => BrowserPolicy.Add(BrowserPolicyState.Empty, null, null, new[] { id }));
        }

        [Fact]
        public void A_site_of_253_characters_is_taken_and_one_more_is_refused()
        {
            var label = new string('a', 62) + ".";
            var longest = label + label + label + new string('b', 60) + ".com";
            Assert.Equal(253, longest.Length);
            Assert.Single(BrowserPolicy.Add(BrowserPolicyState.Empty, null, new[] { longest }, null).NewEntries);
            Assert.Throws<ArgumentException>(() => BrowserPolicy.Add(BrowserPolicyState.Empty, null, new[] { "c" + longest }, null));
        }

        [Fact]
        public void Record_text_that_is_not_a_number_and_a_pattern_is_not_an_entry()
        {
            Assert.Equal(("12", "a.example/x?y=z"), (BlocklistEntry.FromRecordText("12=a.example/x?y=z").ValueName, BlocklistEntry.FromRecordText("12=a.example/x?y=z").Pattern));
            Assert.Null(BlocklistEntry.FromRecordText("01=a.example"));
            Assert.Null(BlocklistEntry.FromRecordText("=a.example"));
            Assert.Null(BlocklistEntry.FromRecordText("3="));
            Assert.Null(BlocklistEntry.FromRecordText("..\\3=a.example"));
        }

        [Fact]
        public void Writes_are_allowed_only_in_the_users_browser_policy_keys_and_the_users_record()
        {
            Assert.True(BrowserPolicy.IsWritable(RegistryHive.Users, Sid + @"\Software\Policies\Microsoft\Edge\URLBlocklist", Sid));
            Assert.True(BrowserPolicy.IsWritable(RegistryHive.Users, Sid + @"\Software\Policies\Google\Chrome", Sid));
            Assert.True(BrowserPolicy.IsWritable(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\BrowserPolicy\" + Sid + @"\Edge", Sid));
            Assert.False(BrowserPolicy.IsWritable(RegistryHive.Users, Sid + @"\Software\Policies\Microsoft\EdgeUpdate", Sid));
            Assert.False(BrowserPolicy.IsWritable(RegistryHive.Users, Sid + @"\Software\Policies", Sid));
            Assert.False(BrowserPolicy.IsWritable(RegistryHive.Users, "S-1-5-21-1-2-3-500" + @"\Software\Policies\Microsoft\Edge", Sid));
            Assert.False(BrowserPolicy.IsWritable(RegistryHive.LocalMachine, @"SOFTWARE\Policies\Microsoft\Edge", Sid));
            Assert.False(BrowserPolicy.IsWritable(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\BrowserPolicy", Sid));
            Assert.False(BrowserPolicy.IsWritable(RegistryHive.Users, @"S-1-5-18\Software\Policies\Microsoft\Edge", "S-1-5-18"));
        }
    }
}
