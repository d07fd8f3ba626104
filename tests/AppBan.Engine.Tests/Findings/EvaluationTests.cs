using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Tests.Policy;
using Xunit;

namespace AppBan.Engine.Tests.Findings
{
    public class EvaluationTests
    {
        private static readonly DateTimeOffset Deadline = new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero);

        private static AppBanPolicy PolicyWith(DateTimeOffset? enforceAfter, params Exemption[] exemptions) =>
            new AppBanPolicy("Parliament", enforceAfter, PolicyLoader.BuiltIn().Rules, exemptions);

        private static Exemption Grant(string ruleId, string userSid = null, string userName = null, string computer = null,
            DateTimeOffset? expires = null, DateTimeOffset? notBefore = null, string id = "ex") => new Exemption
        {
            Id = id, RuleId = ruleId, UserSid = userSid, UserName = userName, ComputerName = computer, Reason = "Press office",
            Expires = expires, NotBefore = notBefore, Source = ExemptionSource.Policy,
        };

        private static Finding One(IEnumerable<InstalledApp> apps, AppBanPolicy policy, DateTimeOffset now, IEnumerable<Exemption> device = null) =>
            Assert.Single(FindingEvaluator.Evaluate(apps, policy, device, new FixedClock(now)));

        [Fact]
        public void Before_enforceAfter_findings_are_GracePeriod_and_from_it_on_Violation()
        {
            var policy = PolicyWith(Deadline);
            Assert.Equal(FindingStatus.GracePeriod, One(new[] { Apps.CapCut() }, policy, Deadline.AddSeconds(-1)).Status);
            Assert.Equal(FindingStatus.Violation, One(new[] { Apps.CapCut() }, policy, Deadline).Status);
            Assert.Equal(FindingStatus.Violation, One(new[] { Apps.CapCut() }, policy, Deadline.AddDays(30)).Status);
        }

        [Fact]
        public void Null_enforceAfter_enforces_now()
        {
            var finding = One(new[] { Apps.TikTokStore() }, PolicyWith(null), new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(FindingStatus.Violation, finding.Status);
            Assert.Equal("tiktok-store", finding.RuleId);
            Assert.Equal("TikTok (Microsoft Store)", finding.RuleName);
            Assert.Equal("Parliament", finding.PolicyName);
            Assert.Null(finding.Exemption);
            Assert.Equal("PC-01", finding.ComputerName);
        }

        [Fact]
        public void Apps_no_rule_matches_give_no_finding()
        {
            var findings = FindingEvaluator.Evaluate(new[] { Apps.UninstallEntry("Notepad++", "Notepad++", "Don Ho"), Apps.CapCut() },
                PolicyWith(null), null, new FixedClock(Deadline));
            Assert.Equal(new[] { "capcut" }, findings.Select(f => f.RuleId));
        }

        [Fact]
        public void Exempt_beats_GracePeriod()
        {
            var policy = PolicyWith(Deadline, Grant("capcut", userSid: Apps.AliceSid));
            var finding = One(new[] { Apps.CapCut() }, policy, Deadline.AddDays(-10));
            Assert.Equal(FindingStatus.Exempt, finding.Status);
            Assert.Equal("ex", finding.Exemption.Id);
        }

        [Fact]
        public void Star_exemption_lifts_every_rule_for_its_subject()
        {
            var policy = PolicyWith(null, Grant("*", computer: "PC-01"));
            var findings = FindingEvaluator.Evaluate(new[] { Apps.CapCut(), Apps.TikTokStore(), Apps.WebApp() }, policy, null, new FixedClock(Deadline));
            Assert.Equal(3, findings.Count);
            Assert.All(findings, f => Assert.Equal(FindingStatus.Exempt, f.Status));
        }

        [Fact]
        public void Exemption_for_another_rule_does_not_apply()
        {
            var policy = PolicyWith(null, Grant("tiktok-store", computer: "PC-01"));
            Assert.Equal(FindingStatus.Violation, One(new[] { Apps.CapCut() }, policy, Deadline).Status);
        }

        [Fact]
        public void User_scoped_exemption_covers_only_that_users_copy()
        {
            var policy = PolicyWith(null, Grant("tiktok-store", userSid: Apps.AliceSid));
            var apps = new[] { Apps.TikTokStore(), Apps.TikTokStore(Apps.BobSid, @"PARL\bob"), Apps.TikTokProvisioned() };
            var findings = FindingEvaluator.Evaluate(apps, policy, null, new FixedClock(Deadline));
            Assert.Equal(new[] { FindingStatus.Exempt, FindingStatus.Violation, FindingStatus.Violation }, findings.Select(f => f.Status));
        }

        [Theory]
        [InlineData(@"PARL\alice", @"PARL\alice", true)]
        [InlineData(@"parl\ALICE", @"PARL\alice", true)]
        [InlineData(@"alice", @"PARL\alice", true)]
        [InlineData(@"PARL\alice", @"alice", true)]
        [InlineData(@"OTHER\alice", @"PARL\alice", false)]
        [InlineData(@"PARL\bob", @"PARL\alice", false)]
        public void Without_a_SID_users_are_compared_by_name(string exempted, string appUser, bool covered)
        {
            var app = Apps.CapCut(userSid: null, userName: appUser);
            Assert.Equal(covered, ExemptionMatcher.Covers(Grant("capcut", userName: exempted), "capcut", app, "PC-01"));
        }

        [Fact]
        public void With_a_SID_the_name_is_not_enough()
        {
            var exemption = Grant("capcut", userSid: Apps.BobSid, userName: @"PARL\alice");
            Assert.False(ExemptionMatcher.Covers(exemption, "capcut", Apps.CapCut(), "PC-01"));
            Assert.True(ExemptionMatcher.Covers(exemption, "capcut", Apps.CapCut(Apps.BobSid, @"PARL\bob"), "PC-01"));
        }

        [Theory]
        [InlineData("PC-01", "PC-01", true)]
        [InlineData("pc-*", "PC-01", true)]
        [InlineData("PC-0?", "PC-01", true)]
        [InlineData("PC-02", "PC-01", false)]
        [InlineData("LAB-*", "PC-01", false)]
        [InlineData("PC-01", "pc-01.parliament.local", true)]
        [InlineData("*.parliament.local", "pc-01.parliament.local", true)]
        [InlineData("10", "10.0.0.5", false)]
        public void Computer_exemption_matches_name_or_wildcard(string pattern, string computer, bool covered)
        {
            var app = Apps.CapCut(computer: computer);
            Assert.Equal(covered, ExemptionMatcher.Covers(Grant("*", computer: pattern), "capcut", app, computer));
        }

        [Fact]
        public void User_and_computer_must_both_hold()
        {
            var exemption = Grant("capcut", userSid: Apps.AliceSid, computer: "PC-01");
            Assert.True(ExemptionMatcher.Covers(exemption, "capcut", Apps.CapCut(computer: "PC-01"), "PC-01"));
            Assert.False(ExemptionMatcher.Covers(exemption, "capcut", Apps.CapCut(computer: "PC-02"), "PC-02"));
            Assert.False(ExemptionMatcher.Covers(exemption, "capcut", Apps.CapCut(Apps.BobSid, @"PARL\bob", "PC-01"), "PC-01"));
        }

        [Fact]
        public void User_scoped_exemption_does_not_cover_a_machine_wide_install()
        {
            var machineWide = Apps.UninstallEntry("CapCut", "CapCut", "Bytedance Pte. Ltd.");
            Assert.False(ExemptionMatcher.Covers(Grant("capcut", userSid: Apps.AliceSid), "capcut", machineWide, "PC-01"));
            Assert.True(ExemptionMatcher.Covers(Grant("capcut", computer: "PC-01"), "capcut", machineWide, "PC-01"));
        }

        [Fact]
        public void Exemption_naming_nobody_covers_nothing()
        {
            Assert.False(ExemptionMatcher.Covers(Grant("*"), "capcut", Apps.CapCut(), "PC-01"));
        }

        [Fact]
        public void Expired_and_not_yet_valid_exemptions_do_not_apply()
        {
            var expired = Grant("capcut", computer: "PC-01", expires: Deadline);
            var future = Grant("capcut", computer: "PC-01", notBefore: Deadline.AddDays(1));
            var policy = PolicyWith(null, expired, future);
            Assert.Equal(FindingStatus.Exempt, One(new[] { Apps.CapCut() }, policy, Deadline.AddSeconds(-1)).Status);
            Assert.Equal(FindingStatus.Violation, One(new[] { Apps.CapCut() }, policy, Deadline).Status);
            var later = One(new[] { Apps.CapCut() }, policy, Deadline.AddDays(2));
            Assert.Equal(FindingStatus.Exempt, later.Status);
            Assert.Same(future, later.Exemption);
        }

        [Fact]
        public void Expired_exemption_falls_back_to_GracePeriod_before_the_deadline()
        {
            var policy = PolicyWith(Deadline, Grant("capcut", computer: "PC-01", expires: Deadline.AddDays(-20)));
            Assert.Equal(FindingStatus.GracePeriod, One(new[] { Apps.CapCut() }, policy, Deadline.AddDays(-10)).Status);
        }

        [Fact]
        public void When_several_apply_the_one_that_expires_last_is_chosen()
        {
            var soon = Grant("capcut", computer: "PC-01", expires: Deadline, id: "soon");
            var later = Grant("*", userSid: Apps.AliceSid, expires: Deadline.AddDays(60), id: "later");
            var device = Grant("capcut", computer: "PC-01", expires: Deadline.AddDays(10), id: "device");
            device.Source = ExemptionSource.Device;
            var now = Deadline.AddDays(-1);
            Assert.Equal("later", One(new[] { Apps.CapCut() }, PolicyWith(null, soon, later), now, new[] { device }).Exemption.Id);

            var never = Grant("capcut", computer: "PC-*", expires: null, id: "never");
            Assert.Equal("never", One(new[] { Apps.CapCut() }, PolicyWith(null, soon, later, never), now, new[] { device }).Exemption.Id);
        }

        [Fact]
        public void Device_exemptions_apply_like_policy_ones()
        {
            var device = Grant("capcut", userSid: Apps.AliceSid, computer: "PC-01");
            device.Source = ExemptionSource.Device;
            var finding = One(new[] { Apps.CapCut() }, PolicyWith(null), Deadline, new[] { device });
            Assert.Equal(FindingStatus.Exempt, finding.Status);
            Assert.Equal(ExemptionSource.Device, finding.Exemption.Source);
        }

        [Fact]
        public void Rule_filter_restricts_evaluation_and_rejects_unknown_ids()
        {
            var apps = new[] { Apps.CapCut(), Apps.TikTokStore(), Apps.WebApp() };
            var onlyStore = FindingEvaluator.Evaluate(apps, PolicyWith(null), null, new FixedClock(Deadline), new[] { "TIKTOK-STORE" });
            Assert.Equal(new[] { "tiktok-store" }, onlyStore.Select(f => f.RuleId));
            var ex = Assert.Throws<ArgumentException>(() => FindingEvaluator.Evaluate(apps, PolicyWith(null), null, new FixedClock(Deadline), new[] { "tiktok" }));
            Assert.Contains("'tiktok'", ex.Message);
        }

        [Fact]
        public void An_app_matched_by_several_rules_gives_one_finding_for_the_first_rule_not_exempted()
        {
            var rules = new[]
            {
                new PolicyRule("first", "First", null, new[] { RuleMatcher.KeyName("CapCut") }),
                new PolicyRule("second", "Second", null, new[] { RuleMatcher.DisplayName("CapCut*", "Bytedance*") }),
            };
            var plain = new AppBanPolicy("p", null, rules);
            Assert.Equal("first", One(new[] { Apps.CapCut() }, plain, Deadline).RuleId);

            var firstExempt = new AppBanPolicy("p", null, rules, new[] { Grant("first", computer: "PC-01") });
            var finding = One(new[] { Apps.CapCut() }, firstExempt, Deadline);
            Assert.Equal(("second", FindingStatus.Violation), (finding.RuleId, finding.Status));

            var bothExempt = new AppBanPolicy("p", null, rules, new[] { Grant("*", computer: "PC-01") });
            finding = One(new[] { Apps.CapCut() }, bothExempt, Deadline);
            Assert.Equal(("first", FindingStatus.Exempt), (finding.RuleId, finding.Status));
        }

        [Fact]
        public void Exemption_statuses_from_a_loaded_policy_follow_the_clock()
        {
            var json = @"{ 'schemaVersion': 1, 'name': 'n', 'enforceAfter': '2027-01-31T00:00:00Z',
              'rules': [ { 'id': 'capcut', 'displayName': 'CapCut', 'matchers': [ { 'keyName': 'CapCut' } ] } ],
              'exemptions': [ { 'id': 'e', 'ruleId': 'capcut', 'user': 'PARL\\alice', 'computer': 'PC-*', 'reason': 'r', 'expires': '2027-03-01' } ] }".Replace('\'', '"');
            var policy = PolicyLoader.LoadJson(json, "p.json");
            var alice = Apps.CapCut(userSid: null, userName: @"PARL\alice");
            var bob = Apps.CapCut(userSid: null, userName: @"PARL\bob");
            var at = new Func<DateTimeOffset, FindingStatus[]>(now =>
                FindingEvaluator.Evaluate(new[] { alice, bob }, policy, null, new FixedClock(now)).Select(f => f.Status).ToArray());
            Assert.Equal(new[] { FindingStatus.Exempt, FindingStatus.GracePeriod }, at(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.Equal(new[] { FindingStatus.Exempt, FindingStatus.Violation }, at(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero)));
            Assert.Equal(new[] { FindingStatus.Violation, FindingStatus.Violation }, at(new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero)));
        }
    }
}
