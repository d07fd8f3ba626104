using System;
using System.Linq;
using AppBan.Engine.Policy;
using Xunit;

namespace AppBan.Engine.Tests.Policy
{
    /// <summary>A rule's removal.blockSites and removal.webAppManifestIds: loaded, checked where they stand, written back.</summary>
    public class BrowserPolicyRuleTests
    {
        private static string Document(string removal) =>
            "{\n  \"schemaVersion\": 1, \"name\": \"n\",\n  \"rules\": [ {\n    \"id\": \"tiktok-webapp\", \"displayName\": \"TikTok\", \"matchers\": [ { \"webApp\": \"TikTok\" } ],\n    \"removal\": " + removal + "\n  } ]\n}";

        private static PolicyException Fails(string removal) => Assert.Throws<PolicyException>(() => PolicyLoader.LoadJson(Document(removal), "p.json"));

        [Fact]
        public void The_built_in_web_app_rule_blocks_the_site_and_names_the_apps_manifest_id()
        {
            var rule = PolicyLoader.BuiltIn().FindRule("tiktok-webapp");
            Assert.Equal(new[] { "tiktok.com" }, rule.Removal.BlockSites);
            Assert.Equal(new[] { "https://www.tiktok.com/" }, rule.Removal.WebAppManifestIds);
            Assert.All(PolicyLoader.BuiltIn().Rules.Where(r => r.Id != "tiktok-webapp"), r => Assert.Empty(r.Removal.BlockSites.Concat(r.Removal.WebAppManifestIds)));
        }

        [Fact]
        public void Sites_and_manifest_ids_load_and_round_trip_through_the_writer()
        {
            var policy = PolicyLoader.LoadJson(Document("{ \"blockSites\": [ \"tiktok.com\", \"https://www.tiktokv.com/share\" ], \"webAppManifestIds\": [ \"https://www.tiktok.com/?from=pwa\" ] }"), "p.json");
            var again = PolicyLoader.LoadJson(PolicyWriter.ToJson(policy), "p.json");

            var removal = again.Rules.Single().Removal;
            Assert.Equal(new[] { "tiktok.com", "https://www.tiktokv.com/share" }, removal.BlockSites);
            Assert.Equal(new[] { "https://www.tiktok.com/?from=pwa" }, removal.WebAppManifestIds);
            Assert.Equal(PolicyWriter.ToJson(policy), PolicyWriter.ToJson(again));
            Assert.Contains("BlockSites=tiktok.com https://www.tiktokv.com/share", removal.ToString());
        }

        [Fact]
        public void A_rule_without_them_is_written_in_the_shape_it_had_before()
        {
            var written = PolicyWriter.ToJObject(PolicyLoader.BuiltIn().FindRule("capcut"));
            Assert.Equal(new[] { "removeProvisioned", "silentSwitches" }, ((Newtonsoft.Json.Linq.JObject)written["removal"]).Properties().Select(p => p.Name));
        }

        [Fact]
        public void Each_bad_entry_is_reported_where_it_stands_and_the_good_ones_are_not()
        {
            var ex = Fails("{ \"blockSites\": [ \"tiktok.com\", \"*\", \"tiktok\" ],\n      \"webAppManifestIds\": [ \"http://www.tiktok.com/\" ] }");

            Assert.Equal(3, ex.Problems.Count);
            Assert.Equal((5, 48), (ex.Problems[0].Line, ex.Problems[0].Column));
            Assert.StartsWith("'*' in 'blockSites' of rule 'tiktok-webapp' contains '*'; wildcards are refused", ex.Problems[0].Message);
            Assert.Equal((5, 53), (ex.Problems[1].Line, ex.Problems[1].Column));
            Assert.StartsWith("'tiktok' in 'blockSites' of rule 'tiktok-webapp' has no '.' in its host 'tiktok'", ex.Problems[1].Message);
            Assert.Equal((6, 30), (ex.Problems[2].Line, ex.Problems[2].Column));
            Assert.StartsWith("'http://www.tiktok.com/' in 'webAppManifestIds' of rule 'tiktok-webapp' is not an https:// address", ex.Problems[2].Message);
        }

        [Theory]
        [InlineData("tiktok.com ", "contains a space or another blank")]
        [InlineData("tiktok.com\\\"", "contains a quote")]
        [InlineData("%APPDATA%.com", "contains '%'")]
        [InlineData("tiktok.com\\u0007", "'tiktok.com\\x07' in 'blockSites'")]
        [InlineData("tik\\u202etok.com", "'tik\\u202Etok.com' in 'blockSites'")]
        [InlineData("tiktok.com:443", "no port")]
        [InlineData("ftp://tiktok.com", "names a scheme other than http:// or https://")]
        [InlineData("a..com", "an empty part between the dots")]
        public void Hostile_sites_are_refused_and_shown_with_invisible_characters_escaped(string jsonText, string expected)
        {
            var problem = Assert.Single(Fails("{ \"blockSites\": [ \"" + jsonText + "\" ] }").Problems);
            Assert.Contains(expected, problem.Message);
            Assert.DoesNotContain(problem.Message, c => c < 0x20 || c == '\u202e');
        }

        [Fact]
        public void A_site_longer_than_253_characters_is_refused()
        {
            var longSite = new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + ".example.org";
            Assert.Contains("is longer than 253 characters", Assert.Single(Fails("{ \"blockSites\": [ \"" + longSite + "\" ] }").Problems).Message);
        }

        [Theory]
        [InlineData("{ \"blockSites\": \"tiktok.com\" }", "'blockSites' in the removal options of rule 'tiktok-webapp' must be a list such as [\"tiktok.com\"]")]
        [InlineData("{ \"webAppManifestIds\": [ 7 ] }", "each of 'webAppManifestIds' in the removal options of rule 'tiktok-webapp' must be text")]
        [InlineData("{ \"blocksites\": [] }", "property names are case-sensitive: write 'blockSites'")]
        public void Wrong_shapes_are_problems_too(string removal, string expected)
        {
            Assert.Contains(expected, Assert.Single(Fails(removal).Problems).Message);
        }
    }
}
