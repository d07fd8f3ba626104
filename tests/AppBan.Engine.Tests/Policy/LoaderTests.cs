using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;
using Xunit;

namespace AppBan.Engine.Tests.Policy
{
    public class LoaderTests
    {
        private static PolicyException Fails(string json, string name = "parliament.json") =>
            Assert.Throws<PolicyException>(() => PolicyLoader.LoadJson(json.Replace('\'', '"'), name));

        private static PolicyProblem Single(string json)
        {
            var ex = Fails(json);
            Assert.True(ex.Problems.Count == 1, string.Join(Environment.NewLine, ex.Problems));
            return ex.Problems[0];
        }

        private static void AssertAt(PolicyProblem problem, int line, int column, string messagePart)
        {
            Assert.Equal(line, problem.Line);
            Assert.Equal(column, problem.Column);
            Assert.Contains(messagePart, problem.Message);
        }

        // Apostrophes stand for double quotes to keep the documents readable.
        private const string Rule = "{ 'id': 'capcut', 'displayName': 'CapCut', 'matchers': [ { 'keyName': 'CapCut' } ] }";

        [Fact]
        public void Built_in_policy_has_the_four_rules_and_enforces_now()
        {
            var policy = PolicyLoader.BuiltIn();
            Assert.Equal(new[] { "tiktok-store", "tiktok-live-studio", "capcut", "tiktok-webapp" }, policy.Rules.Select(r => r.Id));
            Assert.Null(policy.EnforceAfter);
            Assert.Null(policy.SourcePath);
            Assert.True(policy.IsBuiltIn);
            Assert.Empty(policy.Exemptions);
            Assert.True(policy.FindRule("tiktok-store").Removal.RemoveProvisioned);
            Assert.Equal(1, policy.SchemaVersion);
            using var sha = SHA256.Create();
            var expected = Convert.ToHexString(sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(PolicyLoader.BuiltInJson())));
            Assert.Equal(expected, policy.Sha256);
        }

        [Fact]
        public void Written_policy_loads_back_unchanged()
        {
            var json = @"{
  'schemaVersion': 1, 'name': 'Parliament', 'description': 'd', 'enforceAfter': '2027-01-31T17:30:00+01:00',
  'rules': [
    { 'id': 'a', 'displayName': 'A', 'matchers': [ { 'packageName': 'Foo.*' }, { 'packageFamilyName': 'Foo.Bar_abc' },
      { 'productCode': '7e1d0b5c-1111-4aaa-8bbb-0123456789ab' }, { 'keyName': 'K*' }, { 'displayName': 'A', 'publisher': 'P*' }, { 'publisher': 'Bytedance Pte. Ltd.' },
      { 'displayNameRegex': '^a\\d+$' }, { 'webApp': 'A' } ],
      'removal': { 'removeProvisioned': false, 'silentSwitches': [ '/S', '--quiet' ] } }
  ],
  'exemptions': [
    { 'id': 'ex-1', 'ruleId': 'a', 'user': 'PARL\\alice', 'userSid': 'S-1-5-21-1-2-3-1001', 'computer': 'PC-*', 'reason': 'Press office',
      'approvedBy': 'Speaker', 'grantedOn': '2026-11-28T10:00:00Z', 'expires': '2027-01-31', 'notBefore': '2026-12-01T00:00:00Z' },
    { 'id': 'ex-2', 'ruleId': '*', 'computer': 'LAB-01', 'reason': 'Lab', 'expires': null }
  ]
}".Replace('\'', '"');
            var first = PolicyLoader.LoadJson(json, "p.json");
            var written = PolicyWriter.ToJson(first);
            var second = PolicyLoader.LoadJson(written, "p.json");

            Assert.Equal(new DateTimeOffset(2027, 1, 31, 16, 30, 0, TimeSpan.Zero), second.EnforceAfter);
            Assert.Equal(first.Rules[0].Matchers.Select(m => m.ToString()), second.Rules[0].Matchers.Select(m => m.ToString()));
            Assert.Equal(new[] { "/S", "--quiet" }, second.Rules[0].Removal.SilentSwitches);
            Assert.False(second.Rules[0].Removal.RemoveProvisioned);
            var ex = second.Exemptions[0];
            Assert.Equal(("ex-1", "a", @"PARL\alice", "S-1-5-21-1-2-3-1001", "PC-*", "Press office", "Speaker"),
                (ex.Id, ex.RuleId, ex.UserName, ex.UserSid, ex.ComputerName, ex.Reason, ex.ApprovedBy));
            Assert.Equal(new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero), ex.Expires);
            Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), ex.NotBefore);
            Assert.Equal(ExemptionSource.Policy, ex.Source);
            Assert.Null(second.Exemptions[1].Expires);
            Assert.Equal(written, PolicyWriter.ToJson(second));
            Assert.Contains("\"expires\": null", written);
            Assert.Contains("\"grantedOn\": \"2026-11-28T10:00:00Z\"", written);
        }

        [Fact]
        public void Built_in_policy_round_trips_through_the_writer()
        {
            var builtIn = PolicyLoader.BuiltIn();
            var again = PolicyLoader.LoadJson(PolicyWriter.ToJson(builtIn), "starter.json");
            Assert.Equal(builtIn.Rules.SelectMany(r => r.Matchers).Select(m => m.ToString()), again.Rules.SelectMany(r => r.Matchers).Select(m => m.ToString()));
            Assert.Equal(builtIn.Name, again.Name);
        }

        [Fact]
        public void File_policy_carries_path_hash_and_exemption_location()
        {
            var path = Path.Combine(Path.GetTempPath(), "appban-" + Guid.NewGuid().ToString("N") + ".json");
            try
            {
                File.WriteAllText(path, ("{ 'schemaVersion': 1, 'name': 'n', 'rules': [" + Rule + "], 'exemptions': [ { 'id': 'e', 'ruleId': 'capcut', 'computer': 'X', 'reason': 'r' } ] }").Replace('\'', '"'));
                var policy = PolicyLoader.LoadFile(path);
                Assert.Equal(path, policy.SourcePath);
                Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))), policy.Sha256);
                Assert.Equal(path, policy.Exemptions[0].Location);
                Assert.False(policy.IsBuiltIn);
            }
            finally { File.Delete(path); }
        }

        [Fact]
        public void Writer_refuses_to_overwrite_unless_asked()
        {
            var path = Path.Combine(Path.GetTempPath(), "appban-" + Guid.NewGuid().ToString("N") + ".json");
            try
            {
                File.WriteAllText(path, "keep me");
                Assert.Throws<IOException>(() => PolicyWriter.WriteFile(PolicyLoader.BuiltIn(), path, overwrite: false));
                Assert.Equal("keep me", File.ReadAllText(path));
                PolicyWriter.WriteFile(PolicyLoader.BuiltIn(), path, overwrite: true);
                Assert.Equal(4, PolicyLoader.LoadFile(path).Rules.Count);
                Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path), "." + Path.GetFileName(path) + "*"));
            }
            finally { File.Delete(path); }
        }

        [Fact]
        public void Malformed_json_names_the_spot()
        {
            var problem = Single("{\n  'schemaVersion': 1\n  'name': 'x'\n}");
            AssertAt(problem, 3, 3, "comma is missing");
            Assert.StartsWith("parliament.json, line 3, column 3: this is not valid JSON", problem.ToString());
        }

        [Fact]
        public void Truncated_file_is_reported_at_its_end()
        {
            AssertAt(Single("{\n  'schemaVersion': 1,\n  'rules': [\n"), 3, 13, "ends before");
        }

        [Fact]
        public void Unknown_property_is_never_ignored_and_gets_a_suggestion()
        {
            var ex = Fails("{\n  'schemaVersion': 1,\n  'name': 'x',\n  'rules': [" + Rule + "],\n  'enforceAfterr': null,\n  'Exemptions': []\n}");
            Assert.Equal(2, ex.Problems.Count);
            AssertAt(ex.Problems[0], 5, 3, "unknown property 'enforceAfterr' in the policy (did you mean 'enforceAfter'?)");
            AssertAt(ex.Problems[1], 6, 3, "case-sensitive: write 'exemptions'");
        }

        [Fact]
        public void Missing_required_fields_point_at_their_object()
        {
            var ex = Fails("{\n  'schemaVersion': 1,\n  'rules': [\n    { 'id': 'capcut', 'matchers': [ { 'keyName': 'CapCut' } ] }\n  ]\n}");
            Assert.Equal(2, ex.Problems.Count);
            AssertAt(ex.Problems[0], 1, 1, "the policy has no 'name'");
            AssertAt(ex.Problems[1], 4, 5, "rule 'capcut' has no 'displayName'");
        }

        [Fact]
        public void Duplicate_rule_id_names_both_lines_ignoring_case()
        {
            var problem = Single("{\n  'schemaVersion': 1, 'name': 'n',\n  'rules': [\n    " + Rule + ",\n    {\n      'id': 'CapCut', 'displayName': 'again', 'matchers': [ { 'keyName': 'x' } ] }\n  ]\n}");
            AssertAt(problem, 6, 7, "rule 'CapCut' is defined twice (first on line 4)");
        }

        [Theory]
        [InlineData("{ 'displayNameRegex': 'TikTok (LIVE' }", "is not a valid regular expression")]
        [InlineData("{ 'displayName': 'TikTok [LIVE' }", "never closed")]
        [InlineData("{ 'keyName': 'CapCut`' }", "lone backtick")]
        [InlineData("{ 'displayName': '[z-a]' }", "runs backwards")]
        [InlineData("{ 'displayName': '*' }", "common Windows apps AppBan checks policies against")]
        [InlineData("{ 'displayNameRegex': '.*' }", "common Windows apps AppBan checks policies against")]
        [InlineData("{ 'productCode': '{not-a-guid}' }", "is not an MSI ProductCode")]
        [InlineData("{ 'packageName': 'TikTok Store' }", "is not a Store package name")]
        [InlineData("{ 'keyName': 'Uninstall\\\\CapCut' }", "contains '\\'")]
        [InlineData("{ 'keyName': 'a', 'displayName': 'b' }", "has both 'keyName' and 'displayName'")]
        [InlineData("{ 'keyName': 'a', 'publisher': 'b' }", "'publisher' can only go with")]
        [InlineData("{ 'publisher': '*' }", "common Windows apps AppBan checks policies against")]
        [InlineData("{ }", "says nothing to match")]
        [InlineData("{ 'displayName': 'CapCut', 'publisher': 'Byte[' }", "never closed")]
        public void Bad_matchers_are_reported_on_their_line(string matcher, string messagePart)
        {
            var problem = Single("{\n  'schemaVersion': 1, 'name': 'n',\n  'rules': [ { 'id': 'r', 'displayName': 'R', 'matchers': [\n    " + matcher + "\n  ] } ]\n}");
            Assert.Equal(4, problem.Line);
            Assert.Contains(messagePart, problem.Message);
            Assert.Contains("matcher 1 of rule 'r'", problem.Message);
        }

        [Fact]
        public void Exemption_problems_are_all_reported()
        {
            var ex = Fails(@"{
  'schemaVersion': 1, 'name': 'n', 'rules': [ " + Rule + @" ],
  'exemptions': [
    { 'id': 'e1', 'ruleId': 'tiktok', 'computer': 'PC-1', 'reason': 'r' },
    { 'id': 'e2', 'ruleId': 'capcut', 'computer': 'PC-1' },
    { 'id': 'e3', 'ruleId': 'capcut', 'reason': 'r' },
    { 'id': 'e4', 'ruleId': '*', 'user': 'alice', 'reason': 'r', 'expires': '31/01/2027' },
    { 'id': 'e5', 'ruleId': '*', 'userSid': 'S-1-5-x', 'reason': '  ' },
    { 'id': 'e1', 'ruleId': '*', 'user': 'S-1-5-21-1-2-3-500', 'reason': 'r' },
    { 'id': 'e7', 'ruleId': '*', 'computer': 'PC-1', 'reason': 'r', 'expires': '2027-01-01', 'notBefore': '2027-02-01' }
  ]
}");
            var lines = ex.Problems.Select(p => (p.Line, p.Message)).ToList();
            Assert.Contains(lines, p => p.Line == 4 && p.Message.Contains("names rule 'tiktok', which this policy does not define (its rules: capcut"));
            Assert.Contains(lines, p => p.Line == 5 && p.Message.Contains("exemption 'e2' has no reason"));
            Assert.Contains(lines, p => p.Line == 6 && p.Message.Contains("exemption 'e3' does not say whom it covers"));
            Assert.Contains(lines, p => p.Line == 7 && p.Message.Contains("'expires' of exemption 'e4' is '31/01/2027', which is not a date"));
            // A bare name is not a user form Grant-AppExemption accepts, so a policy file may not hold it either.
            Assert.Contains(lines, p => p.Line == 7 && p.Message.Contains("exemption 'e4': 'user' 'alice' is not DOMAIN\\name or a SID"));
            Assert.Contains(lines, p => p.Line == 8 && p.Message.Contains("is not a SID"));
            Assert.Contains(lines, p => p.Line == 8 && p.Message.Contains("empty reason"));
            Assert.Contains(lines, p => p.Line == 9 && p.Message.Contains("exemption 'e1' is defined twice (first on line 4)"));
            Assert.Contains(lines, p => p.Line == 10 && p.Message.Contains("expires (2027-01-01 00:00:00 UTC) before it starts"));
            Assert.Equal(9, ex.Problems.Count);
            Assert.Equal(ex.Problems.OrderBy(p => p.Line).ThenBy(p => p.Column), ex.Problems);
        }

        [Fact]
        public void User_given_as_a_SID_becomes_the_user_SID()
        {
            var policy = PolicyLoader.LoadJson(("{ 'schemaVersion': 1, 'name': 'n', 'rules': [" + Rule + "], 'exemptions': [ { 'id': 'e', 'ruleId': 'CAPCUT', 'user': 'S-1-5-21-1-2-3-500', 'reason': 'r' } ] }").Replace('\'', '"'), "p");
            Assert.Equal("S-1-5-21-1-2-3-500", policy.Exemptions[0].UserSid);
            Assert.Null(policy.Exemptions[0].UserName);
            Assert.Equal("capcut", policy.Exemptions[0].RuleId);
        }

        // Exemption SIDs are checked as everywhere else in the module (SecurityIdentifiers): at most 15
        // subauthorities (MS-DTYP 2.4.2), each at most 10 ASCII digits, and nothing after the last one.
        [Theory]
        [InlineData("S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14", true)]
        [InlineData("S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15", false)]
        [InlineData("S-1-5-21-4294967295", true)]
        [InlineData("S-1-5-21-12345678901", false)]
        [InlineData("S-1-5-21-1\\n", false)]
        [InlineData("S-1-5-21-\u0663", false)]
        public void Exemption_SIDs_follow_the_module_SID_syntax(string sid, bool valid)
        {
            var read = sid.Replace("\\n", "\n"); // the value once the JSON escape is read
            foreach (var (field, problem) in new[] { ("userSid", "'userSid' '" + read + "' is not a SID"), ("user", "'user' '" + read + "' looks like a SID but is not one") })
            {
                var json = "{ 'schemaVersion': 1, 'name': 'n', 'rules': [" + Rule + "], 'exemptions': [ { 'id': 'e', 'ruleId': 'capcut', '" + field + "': '" + sid + "', 'reason': 'r' } ] }";
                if (valid)
                    Assert.Equal(sid, PolicyLoader.LoadJson(json.Replace('\'', '"'), "p").Exemptions[0].UserSid);
                else
                    Assert.Contains(problem, Single(json).Message);
            }
        }

        [Theory]
        [InlineData("'schemaVersion': 2, 'name': 'n', 'rules': []", 1, "schemaVersion 2 is not supported")]
        [InlineData("'schemaVersion': '1', 'name': 'n', 'rules': [" + Rule + "]", 1, "must be the number 1")]
        [InlineData("'name': 'n', 'rules': [" + Rule + "]", 1, "no 'schemaVersion'")]
        [InlineData("'schemaVersion': 1, 'name': 'n', 'enforceAfter': 'next tuesday', 'rules': [" + Rule + "]", 1, "'enforceAfter' of the policy is 'next tuesday', which is not a date")]
        [InlineData("'schemaVersion': 1, 'name': 'n', 'enforceAfter': 20270131, 'rules': [" + Rule + "]", 1, "is 20270131, which is not a date")]
        [InlineData("'schemaVersion': 1, 'name': 'n', 'rules': []", 1, "'rules' is empty")]
        [InlineData("'schemaVersion': 1, 'name': '', 'rules': [" + Rule + "]", 1, "'name' of the policy is empty")]
        public void Top_level_problems(string body, int line, string messagePart)
        {
            var problem = Single("{ " + body + " }");
            Assert.Equal(line, problem.Line);
            Assert.Contains(messagePart, problem.Message);
        }

        [Fact]
        public void Comments_duplicates_and_single_quotes_are_reported_with_positions()
        {
            var json = "{\n  \"schemaVersion\": 1, // version\n  \"name\": \"n\",\n  \"name\": \"m\",\n  \"rules\": [ { \"id\": 'r', \"displayName\": \"R\", \"matchers\": [ { \"keyName\": \"k\" } ] } ]\n}";
            var ex = Assert.Throws<PolicyException>(() => PolicyLoader.LoadJson(json, "p.json"));
            Assert.Equal(3, ex.Problems.Count);
            AssertAt(ex.Problems[0], 2, 23, "comments are not allowed");
            AssertAt(ex.Problems[1], 4, 3, "'name' appears twice");
            AssertAt(ex.Problems[2], 5, 22, "double quotes");
        }

        [Theory]
        [InlineData("", "the file is empty")]
        [InlineData("[ ]", "one JSON object")]
        [InlineData("{ \"schemaVersion\": 1 } trailing", "more text after")]
        public void Documents_that_are_not_a_policy_object(string json, string messagePart)
        {
            var ex = Assert.Throws<PolicyException>(() => PolicyLoader.LoadJson(json, "p.json"));
            Assert.Contains(messagePart, ex.Problems.Single().Message);
        }

        [Theory]
        [InlineData("'/S & calc.exe'", "is not a plain switch")]
        [InlineData("'\"/S\"'", "is not a plain switch")]
        [InlineData("'S'", "is not a plain switch")]
        [InlineData("1", "must be text")]
        public void Silent_switches_must_be_plain_switches(string item, string messagePart)
        {
            var problem = Single("{ 'schemaVersion': 1, 'name': 'n', 'rules': [ { 'id': 'r', 'displayName': 'R', 'matchers': [ { 'keyName': 'k' } ], 'removal': { 'silentSwitches': [ " + item.Replace("\"", "\\'") + " ] } } ] }");
            Assert.Contains(messagePart, problem.Message);
        }

        [Fact]
        public void Exception_message_lists_every_problem_with_file_line_and_column()
        {
            var ex = Fails("{\n  'schemaVersion': 1,\n  'rules': [ " + Rule + ", " + Rule + " ]\n}");
            Assert.Contains("parliament.json, line 1, column 1: the policy has no 'name'", ex.Message);
            Assert.Contains("parliament.json, line 3, column", ex.Message);
            Assert.Contains("2 problems", ex.Message);
        }

        [Fact]
        public void Validator_reports_a_missing_file_as_a_problem()
        {
            var path = Path.Combine(Path.GetTempPath(), "appban-missing-" + Guid.NewGuid().ToString("N") + ".json");
            var problem = Assert.Single(PolicyValidator.ValidateFile(path));
            Assert.Equal(0, problem.Line);
            Assert.Contains("does not exist", problem.Message);
            Assert.Empty(PolicyValidator.ValidateJson(PolicyLoader.BuiltInJson(), "b.json"));
        }
    }
}
