using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;
using AppBan.Engine.Tests.Reporting;
using Json.Schema;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    /// <summary>
    /// A policy file, a device store and Grant-AppExemption hold exemptions to the same rules (ExemptionRules): each case
    /// is read as a policy file's exemption and checked as a grant into that policy, and both must accept or both refuse.
    /// </summary>
    public class ExemptionRulesAgreementTests
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private static readonly string[] RuleIds = { "capcut", "tiktok-store" };
        private const string Alice = @"CONTOSO\alice";
        private const string Sid = "S-1-5-21-1004336348-1177238915-682003330-1001";

        private static readonly Lazy<JsonSchema> PolicySchema = new Lazy<JsonSchema>(() =>
            JsonSchema.FromText(File.ReadAllText(ReportSamples.ModuleFile("AppBan.policy.schema.json"))));

        // What a JSON schema cannot express: rules that compare fields or documents, and the wildcard grammar.
        private static readonly HashSet<string> SchemaCannotTell = new HashSet<string>
        {
            "rule not in the policy", "notBefore equal to expiry", "notBefore after expiry", "computer unclosed set", "computer lone backtick",
        };

        public static IEnumerable<object[]> Cases()
        {
            object[] Case(string name, bool valid, string rule = "capcut", string user = Alice, string computer = null,
                string reason = "Press office", string expires = "2027-06-30T00:00:00Z", string notBefore = null) =>
                new object[] { name, valid, rule, user, computer, reason, expires, notBefore };

            // Users in every form.
            yield return Case("user DOMAIN\\name", true);
            yield return Case("user SID", true, user: Sid);
            yield return Case("user lower-case well-known SID", true, user: "s-1-5-18");
            yield return Case("user with spaces around it", true, user: " CONTOSO\\alice ");
            yield return Case("user with an apostrophe", true, user: "CONTOSO\\o'brien");
            yield return Case("user bare name", false, user: "alice");
            yield return Case("user UPN", false, user: "alice@contoso.com");
            yield return Case("user dot domain", false, user: ".\\alice");
            yield return Case("user without domain", false, user: "\\alice");
            yield return Case("user without name", false, user: "CONTOSO\\");
            yield return Case("user with two backslashes", false, user: "A\\B\\C");
            yield return Case("user with a wildcard", false, user: "CONTOSO\\al*ice");
            yield return Case("user with a quote", false, user: "CONTOSO\\al\"ice");
            yield return Case("user with a newline", false, user: "CONTOSO\\ali\nce");
            yield return Case("user domain of 257 characters", false, user: new string('d', 257) + "\\alice");
            yield return Case("user SID with a trailing newline", false, user: "S-1-5-21-1\n");
            yield return Case("user SID with letters", false, user: "S-1-5-x");
            yield return Case("user SID with 16 subauthorities", false, user: "S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15");
            yield return Case("user empty", false, user: "");
            yield return Case("user blank", false, user: "   ");

            // Reasons: lengths, blanks, control characters.
            yield return Case("reason missing", false, reason: null);
            yield return Case("reason empty (0)", false, reason: "");
            yield return Case("reason blank", false, reason: "   ");
            yield return Case("reason of 1", true, reason: "r");
            yield return Case("reason of 2000", true, reason: new string('r', 2000));
            yield return Case("reason of 2001", false, reason: new string('r', 2001));
            yield return Case("reason of 5000", false, reason: new string('r', 5000));
            yield return Case("reason with NUL", false, reason: "press\0office");
            yield return Case("reason over two lines", true, reason: "Press office\r\nuntil the election");
            yield return Case("reason with a tab", true, reason: "Press\toffice");

            // Rule ids.
            yield return Case("rule declared", true, rule: "capcut");
            yield return Case("rule in another case", true, rule: "CAPCUT");
            yield return Case("rule wildcard", true, rule: "*");
            yield return Case("rule not in the policy", false, rule: "tiktok-desktop");
            yield return Case("rule missing", false, rule: null);
            yield return Case("rule empty", false, rule: "");
            yield return Case("rule with a space", false, rule: "cap cut");
            yield return Case("rule with a trailing newline", false, rule: "capcut\n");

            // Computers (policy exemptions only), alone or with a user.
            yield return Case("computer name", true, user: null, computer: "PC-01");
            yield return Case("computer wildcard", true, user: null, computer: "PC-*");
            yield return Case("computer single-character wildcard", true, user: null, computer: "kiosk-0?");
            yield return Case("computer range", true, user: null, computer: "LAB-[0-9]");
            yield return Case("computer and user", true, computer: "PRESS-*");
            yield return Case("computer unclosed set", false, user: null, computer: "PC-[01");
            yield return Case("computer lone backtick", false, user: null, computer: "PC-`");
            yield return Case("computer with a newline", false, user: null, computer: "PC\n01");
            yield return Case("computer with a control character", false, user: null, computer: "PC\u000101");
            yield return Case("computer blank", false, user: null, computer: "   ");
            yield return Case("neither user nor computer", false, user: null);

            // Dates.
            yield return Case("no expiry", true, expires: null);
            yield return Case("expiry far ahead", true, expires: "9999-12-31T00:00:00Z");
            yield return Case("notBefore before expiry", true, notBefore: "2027-01-01T00:00:00Z");
            yield return Case("notBefore without expiry", true, expires: null, notBefore: "2027-01-01T00:00:00Z");
            yield return Case("notBefore equal to expiry", false, notBefore: "2027-06-30T00:00:00Z");
            yield return Case("notBefore after expiry", false, notBefore: "2027-07-01T00:00:00Z");
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void The_policy_reader_and_the_grant_agree(string name, bool valid, string rule, string user, string computer,
            string reason, string expires, string notBefore)
        {
            var policyProblems = PolicyValidator.ValidateJson(PolicyWith(rule, user, computer, reason, expires, notBefore), "agreement.json");
            var grant = ExemptionValidator.Validate(Request(rule, user, computer, reason, expires, notBefore), ExemptionSource.Policy, RuleIds, Clock);

            Assert.True(valid == (policyProblems.Count == 0), name + ": the policy reader " + (valid ? "refused: " + string.Join("; ", policyProblems) : "accepted it"));
            Assert.True(valid == grant.IsValid, name + ": the grant " + (valid ? "refused: " + string.Join(" ", grant.Errors) : "accepted it"));
            // A refused exemption in a file is placed at its line and column, like every other policy problem.
            Assert.All(policyProblems, p => Assert.True(p.Line > 0 && p.Column > 0, name + ": no position for " + p));
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void The_shipped_schema_states_the_same_field_rules(string name, bool valid, string rule, string user, string computer,
            string reason, string expires, string notBefore)
        {
            if (SchemaCannotTell.Contains(name))
            {
                Assert.False(valid, name + " is valid, so the schema must accept it too");
                return;
            }
            using var document = JsonDocument.Parse(PolicyWith(rule, user, computer, reason, expires, notBefore));
            var result = PolicySchema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(valid == result.IsValid, name + ": the schema " + (valid ? "refused it" : "accepted it"));
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void What_the_grant_writes_into_a_policy_loads_back_and_meets_the_stored_rules(string name, bool valid, string rule,
            string user, string computer, string reason, string expires, string notBefore)
        {
            if (!valid) return;   // only accepted grants are written
            var request = Request(rule, user, computer, reason, expires, notBefore);
            var check = ExemptionValidator.Validate(request, ExemptionSource.Policy, RuleIds, Clock);
            var granted = ExemptionGrants.ForPolicy(request, check.User, Clock);
            var document = JObject.Parse(PolicyWith("capcut", Alice, null, "seed", null, null));
            document["exemptions"] = new JArray(PolicyWriter.ToJObject(granted));

            var loaded = Assert.Single(PolicyLoader.LoadJson(document.ToString(), "written.json").Exemptions);
            Assert.Empty(ExemptionRules.CheckStored(loaded, RuleIds));
            Assert.Equal(granted.UserSid, loaded.UserSid, StringComparer.OrdinalIgnoreCase);
            Assert.Equal(granted.UserName, loaded.UserName);
            Assert.Equal(granted.ComputerName, loaded.ComputerName);
            Assert.Equal(granted.Expires, loaded.Expires);
            Assert.True(string.Equals(granted.RuleId, loaded.RuleId, StringComparison.OrdinalIgnoreCase), name);
        }

        [Fact]
        public void An_expiry_in_the_past_is_the_one_grant_only_rule_a_stored_exemption_that_has_expired_loads_as_Expired()
        {
            const string past = "2026-01-31T00:00:00Z";
            var grant = ExemptionValidator.Validate(Request("capcut", Alice, null, "Press office", past, null), ExemptionSource.Policy, RuleIds, Clock);
            Assert.Equal(new[] { ErrorIds.ExpiryInPast }, grant.Errors.Select(e => e.ErrorId));

            var loaded = Assert.Single(PolicyLoader.LoadJson(PolicyWith("capcut", Alice, null, "Press office", past, null), "p.json").Exemptions);
            Assert.Equal(ExemptionStatus.Expired, loaded.StatusAt(Clock.UtcNow));
        }

        [Fact]
        public void A_refused_exemption_field_in_a_policy_file_is_placed_at_its_property()
        {
            var json = "{\n  \"schemaVersion\": 1, \"name\": \"n\",\n  \"rules\": [ { \"id\": \"capcut\", \"displayName\": \"CapCut\", \"matchers\": [ { \"keyName\": \"CapCut\" } ] } ],\n" +
                       "  \"exemptions\": [\n    { \"id\": \"e\", \"ruleId\": \"capcut\", \"user\": \"alice\", \"reason\": \"" + new string('r', 2001) + "\" }\n  ]\n}";
            var problems = PolicyValidator.ValidateJson(json, "p.json");
            Assert.Equal(2, problems.Count);
            var line5 = json.Split('\n')[4];
            Assert.Equal((5, line5.IndexOf("\"user\"", StringComparison.Ordinal) + 1), (problems[0].Line, problems[0].Column));
            Assert.Contains("exemption 'e': 'user' 'alice' is not DOMAIN\\name or a SID", problems[0].Message);
            Assert.Equal((5, line5.IndexOf("\"reason\"", StringComparison.Ordinal) + 1), (problems[1].Line, problems[1].Column));
            Assert.Contains("exemption 'e': The reason is longer than 2000 characters", problems[1].Message);
        }

        [Fact]
        public async Task The_device_store_ignores_entries_the_grant_would_refuse()
        {
            const string root = @"HKLM\SOFTWARE\AppBan\Exemptions";
            var s = new FakeWindowsHost();
            string Entry(string userName, string reason, string ruleId = "capcut", string notBefore = null)
            {
                var id = ExemptionId.New();
                s.SetValue(root + @"\" + id, "RuleId", ruleId);
                s.SetValue(root + @"\" + id, "UserSid", Sid);
                s.SetValue(root + @"\" + id, "UserName", userName);
                s.SetValue(root + @"\" + id, "Reason", reason);
                s.SetValue(root + @"\" + id, "Expires", "2027-06-30T00:00:00.0000000+00:00");
                if (notBefore != null) s.SetValue(root + @"\" + id, "NotBefore", notBefore);
                return id;
            }
            var good = Entry(Alice, new string('r', 2000));
            var bareName = Entry("alice", "Press office");
            var longReason = Entry(Alice, new string('r', 2001));
            var badRule = Entry(Alice, "Press office", ruleId: "cap cut");
            var backwards = Entry(Alice, "Press office", notBefore: "2027-07-01T00:00:00Z");

            var problems = new List<string>();
            var read = await DeviceExemptionStore.ReadAllAsync(new RegistryClient(s), "PC-01", problems, CancellationToken.None);

            Assert.Equal(good, Assert.Single(read).Id);
            Assert.Contains(problems, p => p.Contains(bareName) && p.Contains("UserName") && p.Contains("'alice' is not DOMAIN\\name or a SID"));
            Assert.Contains(problems, p => p.Contains(longReason) && p.Contains("Reason") && p.Contains("longer than 2000"));
            Assert.Contains(problems, p => p.Contains(badRule) && p.Contains("RuleId") && p.Contains("'cap cut' is not a rule id"));
            Assert.Contains(problems, p => p.Contains(backwards) && p.Contains("NotBefore") && p.Contains("is not before the expiry"));
            Assert.Equal(4, problems.Count);
        }

        [Fact]
        public async Task The_device_store_reads_dates_in_the_one_ISO_8601_syntax()
        {
            const string root = @"HKLM\SOFTWARE\AppBan\Exemptions";
            var s = new FakeWindowsHost();
            var id = ExemptionId.New();
            s.SetValue(root + @"\" + id, "RuleId", "capcut");
            s.SetValue(root + @"\" + id, "Reason", "Press office");
            s.SetValue(root + @"\" + id, "Expires", "06/30/2027");
            var problems = new List<string>();
            Assert.Empty(await DeviceExemptionStore.ReadAllAsync(new RegistryClient(s), "PC-01", problems, CancellationToken.None));
            Assert.Contains(problems, p => p.Contains("'06/30/2027' is not an ISO 8601 date"));
        }

        private static ExemptionRequest Request(string rule, string user, string computer, string reason, string expires, string notBefore) =>
            new ExemptionRequest
            {
                RuleId = rule,
                User = user,
                Computer = computer,
                Reason = reason,
                Expires = expires == null ? (DateTimeOffset?)null : DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture),
                NotBefore = notBefore == null ? (DateTimeOffset?)null : DateTimeOffset.Parse(notBefore, System.Globalization.CultureInfo.InvariantCulture),
            };

        /// <summary>A policy declaring capcut and tiktok-store whose one exemption has exactly the given fields (null = left out).</summary>
        private static string PolicyWith(string rule, string user, string computer, string reason, string expires, string notBefore)
        {
            var exemption = new JObject { ["id"] = "e-1" };
            void Put(string field, string value)
            {
                if (value != null) exemption[field] = value;
            }
            Put("ruleId", rule);
            Put("user", user);
            Put("computer", computer);
            Put("reason", reason);
            Put("expires", expires);
            Put("notBefore", notBefore);
            var policy = new JObject
            {
                ["schemaVersion"] = 1,
                ["name"] = "Agreement",
                ["rules"] = new JArray(RuleIds.Select(id => new JObject
                {
                    ["id"] = id,
                    ["displayName"] = id,
                    ["matchers"] = new JArray(new JObject { ["keyName"] = id }),
                })),
                ["exemptions"] = new JArray(exemption),
            };
            return policy.ToString(Formatting.Indented);
        }
    }
}
