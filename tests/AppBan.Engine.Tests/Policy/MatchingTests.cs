using System.Linq;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Text;
using Xunit;

namespace AppBan.Engine.Tests.Policy
{
    public class MatchingTests
    {
        private static readonly AppBanPolicy BuiltIn = PolicyLoader.BuiltIn();

        private static string[] RulesMatching(InstalledApp app) => BuiltIn.MatchingRules(app).Select(r => r.Id).ToArray();

        [Fact]
        public void Store_TikTok_matches_by_package_for_a_user_and_when_provisioned()
        {
            Assert.Equal(new[] { "tiktok-store" }, RulesMatching(Apps.TikTokStore()));
            Assert.Equal(new[] { "tiktok-store" }, RulesMatching(Apps.TikTokProvisioned()));
        }

        [Fact]
        public void Store_package_of_another_publisher_id_does_not_match_the_family()
        {
            var lookalike = Apps.TikTokStore();
            lookalike.PackageName = "TikTokFan.TikTokViewer";
            lookalike.PackageFamilyName = "TikTokFan.TikTokViewer_abcdefghijklm";
            lookalike.PackageFullName = "TikTokFan.TikTokViewer_2.0.0.0_x64__abcdefghijklm";
            Assert.Empty(RulesMatching(lookalike));
        }

        [Fact]
        public void Package_family_is_derived_from_the_full_name_when_inventory_left_it_empty()
        {
            var rule = new PolicyRule("fam", "fam", null, new[] { RuleMatcher.PackageFamilyName("BytedancePte.Ltd.TikTok_6yccndn6064se") });
            var app = Apps.TikTokProvisioned();
            Assert.Null(app.PackageFamilyName);
            Assert.True(rule.Matches(app));
            app.PackageFullName = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__otherpublisher";
            Assert.False(rule.Matches(app));
        }

        [Fact]
        public void CapCut_matches_by_key_name_and_by_display_name_with_ByteDance_publisher()
        {
            Assert.Equal(new[] { "capcut" }, RulesMatching(Apps.CapCut()));
            Assert.Equal(new[] { "capcut" }, RulesMatching(Apps.UninstallEntry("{7E1D0B5C-0000-4000-8000-000000000001}", "CapCut", "Bytedance Pte. Ltd.")));
            Assert.Equal(new[] { "capcut" }, RulesMatching(Apps.UninstallEntry("capcut", "Video editor", "Someone")));
        }

        [Fact]
        public void TikTok_from_an_unrelated_publisher_does_not_match_the_rule_that_requires_ByteDance()
        {
            var unrelated = Apps.UninstallEntry("TikTokDownloader", "TikTok", "Contoso Media Tools");
            Assert.False(BuiltIn.FindRule("tiktok-store").Matches(unrelated));
            Assert.Empty(RulesMatching(unrelated));

            var fromByteDance = Apps.UninstallEntry("TikTokDownloader", "TikTok", "ByteDance Ltd.");
            Assert.Equal(new[] { "tiktok-store" }, RulesMatching(fromByteDance));
        }

        [Fact]
        public void DisplayName_with_publisher_never_matches_when_the_publisher_is_missing()
        {
            var noPublisher = Apps.UninstallEntry("Editor", "CapCut", publisher: null);
            Assert.False(BuiltIn.FindRule("capcut").Matches(noPublisher));
        }

        [Fact]
        public void Matching_ignores_case_and_surrounding_blanks()
        {
            Assert.Equal(new[] { "capcut" }, RulesMatching(Apps.UninstallEntry("CAPCUT", "x", "y")));
            Assert.Equal(new[] { "capcut" }, RulesMatching(Apps.UninstallEntry("k", "  capcut PRO ", "BYTEDANCE PTE. LTD.")));
            var store = Apps.TikTokStore();
            store.PackageFamilyName = store.PackageFamilyName.ToUpperInvariant();
            store.PackageName = null;
            Assert.Equal(new[] { "tiktok-store" }, RulesMatching(store));
        }

        [Fact]
        public void LIVE_Studio_matches_by_display_name_with_version_suffix()
        {
            Assert.Equal(new[] { "tiktok-live-studio" }, RulesMatching(Apps.UninstallEntry("{A-guid-like-key}", "TikTok LIVE Studio 0.86.2", "TikTok Pte. Ltd.")));
            Assert.Empty(RulesMatching(Apps.UninstallEntry("obs", "OBS Studio", "OBS Project")));
        }

        [Fact]
        public void Web_app_needs_a_per_user_entry_with_the_uninstall_app_id_argument()
        {
            Assert.Equal(new[] { "tiktok-webapp" }, RulesMatching(Apps.WebApp()));

            var machineWide = Apps.WebApp(scope: AppScope.Machine);
            Assert.Empty(RulesMatching(machineWide));

            var plainExe = Apps.WebApp();
            plainExe.UninstallString = "\"C:\\Users\\alice\\AppData\\Local\\TikTok\\uninstall.exe\"";
            Assert.Empty(RulesMatching(plainExe));

            var otherApp = Apps.WebApp("YouTube");
            Assert.Empty(RulesMatching(otherApp));

            var glued = Apps.WebApp();
            glued.UninstallString = "\"chrome.exe\" --profile-directory=Default--uninstall-app-id=abc";
            Assert.Empty(RulesMatching(glued));

            var upper = Apps.WebApp("tiktok");
            upper.UninstallString = "\"C:\\chrome.exe\" --profile-directory=\"Profile 1\" --UNINSTALL-APP-ID=abc";
            Assert.Equal(new[] { "tiktok-webapp" }, RulesMatching(upper));
        }

        [Fact]
        public void Product_code_matches_with_or_without_braces_and_in_any_case()
        {
            var rule = new PolicyRule("msi", "msi", null, new[] { RuleMatcher.ProductCode("7e1d0b5c-1111-4aaa-8bbb-0123456789ab") });
            Assert.True(rule.Matches(Apps.Msi("{7E1D0B5C-1111-4AAA-8BBB-0123456789AB}")));
            Assert.False(rule.Matches(Apps.Msi("{7E1D0B5C-1111-4AAA-8BBB-0123456789AC}")));
            var keyOnly = Apps.Msi("{7e1d0b5c-1111-4aaa-8bbb-0123456789ab}");
            keyOnly.ProductCode = null;
            keyOnly.WindowsInstaller = false;
            Assert.True(rule.Matches(keyOnly));
        }

        [Fact]
        public void Regex_display_name_matches_anywhere_unless_anchored_and_ignores_case()
        {
            var anywhere = new PolicyRule("r", "r", null, new[] { RuleMatcher.DisplayName(TextPattern.Regex(@"live\s+studio")) });
            Assert.True(anywhere.Matches(Apps.UninstallEntry("k", "TikTok LIVE   Studio")));
            Assert.False(anywhere.Matches(Apps.UninstallEntry("k", "TikTok LIVEStudio")));

            var anchored = new PolicyRule("r", "r", null, new[] { RuleMatcher.DisplayName(TextPattern.Regex(@"^capcut( \d+(\.\d+)*)?$"), TextPattern.Wildcard("Bytedance*")) });
            Assert.True(anchored.Matches(Apps.UninstallEntry("k", "CapCut 3.9.0", "Bytedance Pte. Ltd.")));
            Assert.False(anchored.Matches(Apps.UninstallEntry("k", "CapCut Helper", "Bytedance Pte. Ltd.")));
            Assert.False(anchored.Matches(Apps.UninstallEntry("k", "CapCut 3.9.0", "Other")));
        }

        [Fact]
        public void A_rule_matches_when_any_matcher_matches()
        {
            var rule = new PolicyRule("any", "any", null, new[] { RuleMatcher.KeyName("A"), RuleMatcher.DisplayName("B") });
            Assert.True(rule.Matches(Apps.UninstallEntry("A", "zzz")));
            Assert.True(rule.Matches(Apps.UninstallEntry("zzz", "B")));
            Assert.False(rule.Matches(Apps.UninstallEntry("zzz", "zzz")));
        }

        [Fact]
        public void MightMatch_never_rules_out_a_key_that_matches_once_read()
        {
            var apps = new[]
            {
                Apps.CapCut(), Apps.WebApp(), Apps.WebApp("TIKTOK"), Apps.UninstallEntry("k", "TikTok", "ByteDance"),
                Apps.UninstallEntry("x", "TikTok LIVE Studio"), Apps.UninstallEntry("TikTokLiveStudio_x64", "?"),
                Apps.UninstallEntry("CapCut", null), Apps.UninstallEntry("z", "  CapCut  ", "bytedance"),
                Apps.UninstallEntry("Notepad++", "Notepad++", "Don Ho"), Apps.Msi("{7E1D0B5C-1111-4AAA-8BBB-0123456789AB}"),
            };
            int matching = 0;
            foreach (var app in apps)
            {
                if (!BuiltIn.MatchingRules(app).Any()) continue;
                matching++;
                Assert.True(BuiltIn.MightMatch(app.KeyName, app.DisplayName), app.KeyName + " / " + app.DisplayName);
                Assert.True(BuiltIn.MightMatch(app.KeyName, null));
                Assert.True(BuiltIn.MightMatch(null, app.DisplayName));
            }
            Assert.Equal(8, matching);
        }

        [Fact]
        public void MightMatch_rules_out_keys_no_read_could_make_match()
        {
            Assert.False(BuiltIn.MightMatch("Notepad++", "Notepad++"));
            Assert.False(BuiltIn.MightMatch("{7E1D0B5C-1111-4AAA-8BBB-0123456789AB}", "Microsoft Visual C++ 2015"));
            // The publisher is not known yet, so a CapCut DisplayName is worth a read.
            Assert.True(BuiltIn.MightMatch("SomeKey", "CapCut"));

            var msiRule = new PolicyRule("msi", "msi", null, new[] { RuleMatcher.ProductCode("{7E1D0B5C-1111-4AAA-8BBB-0123456789AB}") });
            Assert.True(msiRule.MightMatch("{7e1d0b5c-1111-4aaa-8bbb-0123456789ab}", "Anything"));
            Assert.False(msiRule.MightMatch("{7E1D0B5C-1111-4AAA-8BBB-0123456789AC}", "Anything"));
            Assert.True(msiRule.MightMatch(null, "Anything"));

            var storeOnly = new PolicyRule("s", "s", null, new[] { RuleMatcher.PackageName("BytedancePte.Ltd.TikTok") });
            Assert.False(storeOnly.MightMatch(null, null));
        }

        [Theory]
        [InlineData("Bytedance Pte. Ltd.")]
        [InlineData("ByteDance Pte Ltd")]
        [InlineData("  bytedance pte. ltd  ")]
        public void A_publisher_only_matcher_matches_every_app_of_that_publisher_however_spelt(string publisher)
        {
            var matcher = RuleMatcher.ByPublisher("Bytedance Pte. Ltd.");
            Assert.True(matcher.Matches(Apps.UninstallEntry("CapCut", "CapCut", publisher)));
            Assert.True(matcher.Matches(Apps.UninstallEntry("Anything", "Some other ByteDance app", publisher)));
            Assert.False(matcher.Matches(Apps.UninstallEntry("TikTok LIVE Studio", "TikTok LIVE Studio", "TikTok Pte. Ltd.")));
            Assert.False(matcher.Matches(Apps.UninstallEntry("CapCut", "CapCut", publisher: null)));
        }

        [Fact]
        public void A_publisher_only_matcher_cannot_rule_out_a_key_before_it_is_read()
        {
            var matcher = RuleMatcher.ByPublisher("Bytedance*");
            Assert.True(matcher.MightMatch("7-Zip", "7-Zip 23.01 (x64)"));
            Assert.True(matcher.MightMatch(null, null));
            Assert.Equal("Publisher 'Bytedance*'", matcher.ToString());
            Assert.Equal("{\"publisher\":\"Bytedance*\"}", PolicyWriter.ToJObject(matcher).ToString(Newtonsoft.Json.Formatting.None));
        }

        [Fact]
        public void A_display_name_matcher_compares_its_publisher_normalised()
        {
            var matcher = RuleMatcher.DisplayName("CapCut*", "Bytedance Pte. Ltd.");
            Assert.True(matcher.Matches(Apps.UninstallEntry("CapCut", "CapCut", "ByteDance Pte Ltd")));
            Assert.Equal("Bytedance Pte. Ltd.", matcher.Publisher.Text);
        }
    }
}
