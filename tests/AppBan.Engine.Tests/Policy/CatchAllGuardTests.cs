using System;
using System.Linq;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using Xunit;

namespace AppBan.Engine.Tests.Policy
{
    /// <summary>The corpus guard: a matcher that catches a large share of real apps, or any Windows component, is refused.</summary>
    public class CatchAllGuardTests
    {
        private static PolicyException Fails(string matcher) =>
            Assert.Throws<PolicyException>(() => PolicyLoader.LoadJson(PolicyWith(matcher), "guard.json"));

        private static string PolicyWith(string matcher) =>
            ("{\n  'schemaVersion': 1, 'name': 'n',\n  'rules': [ { 'id': 'r', 'displayName': 'R', 'matchers': [\n    " + matcher + "\n  ] } ]\n}").Replace('\'', '"');

        [Theory]
        [InlineData("{ 'displayName': '?*' }")]
        [InlineData("{ 'displayName': '*' }")]
        [InlineData("{ 'displayNameRegex': '.' }")]
        [InlineData("{ 'displayNameRegex': '.*' }")]
        [InlineData("{ 'displayName': '[a-z]*' }")]
        [InlineData("{ 'displayName': '*e*' }")]
        [InlineData("{ 'keyName': '?*' }")]
        [InlineData("{ 'publisher': '*' }")]
        [InlineData("{ 'publisher': '?*' }")]
        [InlineData("{ 'webApp': '?*' }")]
        public void A_matcher_that_catches_everything_is_refused_where_it_stands(string matcher)
        {
            var ex = Fails(matcher);
            var problem = Assert.Single(ex.Problems);
            Assert.Equal(4, problem.Line);
            Assert.StartsWith("matcher 1 of rule 'r': " + matcher.Replace('\'', '"') + " matches ", problem.Message);
            Assert.Contains("narrow it", problem.Message);
        }

        [Theory]
        [InlineData("{ 'displayName': '*', 'publisher': 'Bytedance*' }")]
        [InlineData("{ 'publisher': 'Bytedance Pte. Ltd.' }")]
        [InlineData("{ 'publisher': 'ByteDance Pte Ltd' }")]
        [InlineData("{ 'publisher': 'TikTok Pte. Ltd.' }")]
        [InlineData("{ 'displayName': '7-Zip*' }")]
        [InlineData("{ 'keyName': 'CapCut' }")]
        public void A_narrow_matcher_loads(string matcher)
        {
            var policy = PolicyLoader.LoadJson(PolicyWith(matcher), "guard.json");
            Assert.Single(policy.Rules[0].Matchers);
        }

        [Theory]
        [InlineData("{ 'displayName': '?*' }")]
        [InlineData("{ 'displayNameRegex': '.' }")]
        [InlineData("{ 'displayNameRegex': '.*' }")]
        [InlineData("{ 'displayName': '[a-z]*' }")]
        [InlineData("{ 'keyName': '?*' }")]
        public void Catch_all_name_patterns_match_far_more_than_the_share_a_matcher_may(string matcher)
        {
            var loaded = ReadUnguarded(matcher);
            Assert.True(AppCorpus.AppsMatchedBy(loaded).Count > AppCorpus.MaxMatches * 5);
        }

        [Fact]
        public void A_publisher_only_ban_of_ByteDance_catches_only_ByteDance_apps()
        {
            var matched = AppCorpus.AppsMatchedBy(RuleMatcher.ByPublisher("Bytedance Pte. Ltd."));
            Assert.NotEmpty(matched);
            Assert.All(matched, a => Assert.Equal("Bytedance Pte. Ltd.", a.Publisher));
            Assert.Empty(AppCorpus.ComponentsMatchedBy(RuleMatcher.ByPublisher("Bytedance Pte. Ltd.")));
            Assert.Null(AppCorpus.Refusal(RuleMatcher.DisplayName("*", "Bytedance*")));
        }

        [Fact]
        public void Every_rule_of_the_built_in_policy_passes_the_guard()
        {
            foreach (var rule in PolicyLoader.BuiltIn().Rules)
                foreach (var matcher in rule.Matchers)
                    Assert.True(AppCorpus.Refusal(matcher) == null, rule.Id + ": " + AppCorpus.Refusal(matcher));
        }

        [Theory]
        [InlineData("{ 'publisher': 'Microsoft Corporation' }", "Windows components")]
        [InlineData("{ 'displayName': 'Microsoft Visual C++*' }", "Microsoft Visual C++ 2015-2022 Redistributable (x64)")]
        [InlineData("{ 'displayName': 'Microsoft Edge' }", "'Microsoft Edge'")]
        [InlineData("{ 'packageName': 'Microsoft.WindowsCalculator' }", "'Windows Calculator'")]
        [InlineData("{ 'packageFamilyName': 'Microsoft.*' }", "Windows components")]
        [InlineData("{ 'displayNameRegex': '^Microsoft \\\\.NET' }", "which no rule may remove")]
        public void A_matcher_that_catches_a_Windows_component_is_refused_even_when_narrow(string matcher, string messagePart)
        {
            var problem = Assert.Single(Fails(matcher).Problems);
            Assert.Contains(messagePart, problem.Message);
            Assert.Contains("which no rule may remove", problem.Message);
        }

        [Fact]
        public void The_refusal_names_the_matcher_the_count_three_examples_and_how_to_narrow_it()
        {
            var message = AppCorpus.Refusal(RuleMatcher.DisplayName(Engine.Text.TextPattern.Regex("a")));
            var matched = AppCorpus.AppsMatchedBy(RuleMatcher.DisplayName(Engine.Text.TextPattern.Regex("a")));
            Assert.StartsWith("{ \"displayNameRegex\": \"a\" } matches " + matched.Count + " of the " + AppCorpus.Apps.Count + " common Windows apps", message);
            Assert.Contains("e.g. '" + matched[0] + "', '" + matched[1] + "', '" + matched[2] + "', ...", message);
            Assert.Contains("more than the " + AppCorpus.MaxMatches + " (2%)", message);
            Assert.EndsWith("narrow it: add a \"publisher\" (e.g. \"Bytedance Pte. Ltd.\"), or give the app's exact name", message);
        }

        [Fact]
        public void The_limit_is_two_percent_of_a_corpus_of_500_or_more_apps_each_with_a_source()
        {
            Assert.True(AppCorpus.Apps.Count >= 500, AppCorpus.Apps.Count.ToString());
            Assert.Equal((int)Math.Floor(AppCorpus.Apps.Count * 0.02), AppCorpus.MaxMatches);
            Assert.All(AppCorpus.Apps.Concat(AppCorpus.WindowsComponents), a => Assert.False(string.IsNullOrWhiteSpace(a.Source)));
            Assert.Contains(AppCorpus.WindowsComponents, c => c.PackageName == "Microsoft.WindowsCalculator" && c.PackageFamilyName == "Microsoft.WindowsCalculator_8wekyb3d8bbwe");
        }

        [Fact]
        public void A_matcher_at_the_limit_passes_and_one_more_app_is_refused()
        {
            // "SAP.SapMachine*"-style families: pick the name prefix with the most apps that stays within the limit.
            var limit = AppCorpus.MaxMatches;
            var atLimit = RuleMatcher.DisplayName(Engine.Text.TextPattern.Regex("^(" + string.Join("|",
                AppCorpus.Apps.Where(a => a.DisplayName != null).Select(a => System.Text.RegularExpressions.Regex.Escape(a.DisplayName))
                    .Distinct().Where(n => !AppCorpus.WindowsComponents.Any(c => c.DisplayName != null && System.Text.RegularExpressions.Regex.IsMatch(c.DisplayName, "^(" + n + ")$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)))
                    .Take(limit)) + ")$"));
            Assert.Equal(limit, AppCorpus.AppsMatchedBy(atLimit).Count);
            Assert.Null(AppCorpus.Refusal(atLimit));

            var overLimit = RuleMatcher.DisplayName(Engine.Text.TextPattern.Regex(atLimit.Pattern.Text.Replace(")$", "|" + System.Text.RegularExpressions.Regex.Escape("Seafile") + ")$")));
            Assert.Equal(limit + 1, AppCorpus.AppsMatchedBy(overLimit).Count);
            Assert.NotNull(AppCorpus.Refusal(overLimit));
        }

        // The matcher as the reader would build it, without the guard: a policy of one such matcher cannot load.
        private static RuleMatcher ReadUnguarded(string matcher)
        {
            var json = Newtonsoft.Json.Linq.JObject.Parse(matcher.Replace('\'', '"'));
            var property = json.Properties().Single();
            var value = (string)property.Value;
            switch (property.Name)
            {
                case "displayName": return RuleMatcher.DisplayName(value);
                case "displayNameRegex": return RuleMatcher.DisplayName(Engine.Text.TextPattern.Regex(value));
                case "keyName": return RuleMatcher.KeyName(value);
                default: throw new ArgumentException(matcher);
            }
        }
    }
}
