using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Exemptions;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class ExemptionGrantPlanTests
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private static readonly string[] PolicyRules = { "tiktok-store", "capcut" };
        private const string Alex = "S-1-5-21-3623811015-3361044348-30300820-1001";

        private static ExemptionRequest Template(string rule = "tiktok-store", string user = null, string computer = null, string reason = "Press office") =>
            new ExemptionRequest { RuleId = rule, User = user, Computer = computer, Reason = reason, ApprovedBy = "CISO", Expires = Clock.UtcNow.AddDays(30) };

        private static IEnumerable<string> ErrorIdsOf(ExemptionGrantPlan plan) => plan.Check.Errors.Select(e => e.ErrorId);

        [Fact]
        public void The_template_takes_dates_without_a_kind_as_local_time_and_leaves_unbound_dates_out()
        {
            var typed = new DateTime(2027, 1, 31, 0, 0, 0, DateTimeKind.Unspecified);
            var utc = new DateTime(2027, 1, 1, 8, 0, 0, DateTimeKind.Utc);
            var t = ExemptionGrantPlan.TemplateFrom("capcut", @"CONTOSO\alice", "PC-*", "Press office", "CISO", typed, utc);
            Assert.Equal(new DateTimeOffset(DateTime.SpecifyKind(typed, DateTimeKind.Local)), t.Expires);
            Assert.Equal(TimeZoneInfo.Local.GetUtcOffset(typed), t.Expires.Value.Offset);
            Assert.Equal(new DateTimeOffset(utc), t.NotBefore);
            Assert.Equal(("capcut", @"CONTOSO\alice", "PC-*", "Press office", "CISO"), (t.RuleId, t.User, t.Computer, t.Reason, t.ApprovedBy));

            var undated = ExemptionGrantPlan.TemplateFrom("capcut", null, null, "r", null, null, null);
            Assert.Null(undated.Expires);
            Assert.Null(undated.NotBefore);
        }

        [Fact]
        public void A_device_grant_is_checked_against_the_policy_rules_and_may_not_name_a_computer()
        {
            var ok = new ExemptionGrantPlan(Template(user: @"contoso\alice"), ExemptionSource.Device, false, PolicyRules, false, Clock);
            Assert.True(ok.Check.IsValid);
            Assert.Equal(@"contoso\alice", ok.Check.User.ToString());

            var bad = new ExemptionGrantPlan(Template(rule: "no-such-rule", computer: "PC-01"), ExemptionSource.Device, false, PolicyRules, false, Clock);
            Assert.Equal(new[] { ErrorIds.UnknownRule, ErrorIds.ComputerNotAllowed }, ErrorIdsOf(bad));
        }

        [Fact]
        public void A_policy_grant_must_name_a_user_or_a_computer()
        {
            var none = new ExemptionGrantPlan(Template(), ExemptionSource.Policy, false, PolicyRules, false, Clock);
            Assert.Equal(new[] { ErrorIds.MissingSubject }, ErrorIdsOf(none));
            var computer = new ExemptionGrantPlan(Template(computer: "PC-*"), ExemptionSource.Policy, false, PolicyRules, false, Clock);
            Assert.True(computer.Check.IsValid);
        }

        [Fact]
        public void With_findings_only_what_every_grant_shares_is_checked_up_front()
        {
            // Rule and user come with each finding: an empty rule is no error yet; an empty reason is.
            var plan = new ExemptionGrantPlan(Template(rule: null), ExemptionSource.Device, true, PolicyRules, false, Clock);
            Assert.True(plan.Check.IsValid);
            var noReason = new ExemptionGrantPlan(Template(rule: null, reason: " "), ExemptionSource.Device, true, PolicyRules, false, Clock);
            Assert.Equal(new[] { ErrorIds.ReasonRequired }, ErrorIdsOf(noReason));
        }

        [Fact]
        public void The_parameters_grant_describes_its_user_and_expiry()
        {
            var plan = new ExemptionGrantPlan(Template(user: Alex, computer: "PC-*"), ExemptionSource.Policy, false, PolicyRules, false, Clock);
            var single = plan.Single;
            Assert.Same(plan.Template, single.Request);
            Assert.Equal(Alex, single.User.Sid);
            Assert.Null(single.Target);
            Assert.Equal("Grant exemption from rule 'tiktok-store' for user '" + Alex + "' until 2026-12-28 10:00Z", single.Description);
            Assert.Equal(single.Description + " on 'PC-*'", single.PolicyDescription);

            var everyone = new ExemptionGrantPlan(new ExemptionRequest { RuleId = "capcut", Reason = "r" }, ExemptionSource.Device, false, PolicyRules, false, Clock);
            Assert.Equal("Grant exemption from rule 'capcut' for every user with no expiry", everyone.Single.Description);
            Assert.Equal(everyone.Single.Description, everyone.Single.PolicyDescription);
        }

        // (computer, rule, user SID or null for a machine-wide finding)
        private static readonly (string Computer, string Rule, string Sid)[] Findings =
        {
            ("PC-01", "tiktok-store", Alex),
            ("PC-01", "retired-rule", null),  // a rule of the policy that made the finding, not of the one named here
            ("pc-01", "capcut", null),
            ("PC-02", "capcut", null),
        };

        private static GrantSubject SubjectOf((string Computer, string Rule, string Sid) f) => new GrantSubject(f.Computer, f.Rule, f.Sid, f.Sid == null ? null : @"PC-01\alex");

        [Fact]
        public void A_device_grant_from_findings_trusts_their_rules_unless_a_policy_is_named()
        {
            var refused = new List<((string, string, string) Finding, ExemptionValidationResult Check)>();
            var trusted = new ExemptionGrantPlan(Template(rule: null), ExemptionSource.Device, true, PolicyRules, false, Clock)
                .PendingFromFindings(Findings, SubjectOf, (f, c) => refused.Add((f, c)));
            Assert.Equal(new[] { "tiktok-store", "retired-rule", "capcut", "capcut" }, trusted.Select(g => g.Request.RuleId));
            Assert.Empty(refused);

            var named = new ExemptionGrantPlan(Template(rule: null), ExemptionSource.Device, true, PolicyRules, true, Clock)
                .PendingFromFindings(Findings, SubjectOf, (f, c) => refused.Add((f, c)));
            Assert.Equal(new[] { "tiktok-store", "capcut", "capcut" }, named.Select(g => g.Request.RuleId));
            var (finding, check) = Assert.Single(refused);
            Assert.Equal(Findings[1], finding);
            Assert.Equal(ErrorIds.UnknownRule, check.Errors.Single().ErrorId);

            Assert.Equal(new[] { "PC-01", "pc-01", "PC-02" }, named.Select(g => g.Target));
            Assert.Equal(new[] { @"PC-01\alex", null, null }, named.Select(g => g.UserLabel));
            Assert.Equal(Alex, named[0].User.Sid);
            Assert.Null(named[1].User);
            Assert.All(named, g => Assert.Null(g.Request.Computer));
        }

        [Fact]
        public void A_policy_grant_from_findings_is_always_checked_against_the_policy_and_names_the_computer()
        {
            var refused = new List<(string, string, string)>();
            var pending = new ExemptionGrantPlan(Template(rule: null), ExemptionSource.Policy, true, PolicyRules, false, Clock)
                .PendingFromFindings(Findings, SubjectOf, (f, _) => refused.Add(f));
            Assert.Equal(new[] { Findings[1] }, refused);
            Assert.Equal(new[] { "PC-01", "pc-01", "PC-02" }, pending.Select(g => g.Request.Computer));
        }

        [Fact]
        public void Grants_go_to_their_computers_whatever_the_case_of_the_name()
        {
            var pending = new ExemptionGrantPlan(Template(rule: null), ExemptionSource.Device, true, PolicyRules, false, Clock)
                .PendingFromFindings(Findings, SubjectOf, (_, __) => { });
            var byTarget = PendingGrant.ByTarget(pending);
            Assert.Equal(new[] { "PC-01", "PC-02" }, byTarget.Keys);
            Assert.Equal(new[] { "tiktok-store", "retired-rule", "capcut" }, byTarget["pc-01"].Select(g => g.Request.RuleId));
            Assert.Equal(new[] { "capcut" }, byTarget["PC-02"].Select(g => g.Request.RuleId));
        }
    }
}
