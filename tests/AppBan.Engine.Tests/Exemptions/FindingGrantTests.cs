using System;
using System.Linq;
using AppBan.Engine.Exemptions;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class FindingGrantTests
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private const string Alex = "S-1-5-21-3623811015-3361044348-30300820-1001";
        private const string Sam = "S-1-5-21-3623811015-3361044348-30300820-1002";

        private static readonly ExemptionRequest Template = new ExemptionRequest
        {
            Reason = "Press office",
            ApprovedBy = "CISO",
            Expires = Clock.UtcNow.AddDays(30),
            NotBefore = Clock.UtcNow.AddDays(1),
        };

        // (computer, rule, user SID or null for a machine-wide finding, user name)
        private static readonly (string Computer, string Rule, string Sid, string Name)[] Findings =
        {
            ("PC-01", "tiktok-store", Alex, @"PC-01\alex"),
            ("pc-01", "TIKTOK-STORE", Alex, @"PC-01\alex"),   // the same subject in other case: one grant
            ("PC-01", "tiktok-store", Sam, null),               // another user's copy: its own grant, labelled by SID
            ("PC-01", "capcut", null, null),                    // machine-wide: every user
            ("PC-01", "capcut", null, null),
            ("PC-02", "capcut", null, null),                    // another computer
        };

        private static GrantSubject SubjectOf((string Computer, string Rule, string Sid, string Name) f) => new GrantSubject(f.Computer, f.Rule, f.Sid, f.Name);

        [Fact]
        public void One_grant_per_computer_rule_and_user_in_the_order_first_seen()
        {
            var grants = ExemptionGrants.FromFindings(Findings, SubjectOf, Template, ExemptionSource.Device, null, Clock);
            Assert.Equal(new[] { 0, 2, 3, 5 }, grants.Select(g => Array.IndexOf(Findings, g.Finding)));
            Assert.Equal(new[] { @"PC-01\alex", Sam, null, null }, grants.Select(g => g.Subject.UserLabel));
            Assert.Equal(new[] { Alex, Sam, null, null }, grants.Select(g => g.Request.User));
            Assert.All(grants, g => Assert.True(g.Check.IsValid));
            Assert.All(grants, g => Assert.Null(g.Request.Computer));
            Assert.All(grants, g => Assert.Equal((Template.Reason, Template.ApprovedBy, Template.Expires, Template.NotBefore),
                (g.Request.Reason, g.Request.ApprovedBy, g.Request.Expires, g.Request.NotBefore)));
        }

        [Fact]
        public void Policy_grants_name_the_finding_computer_and_are_checked_against_the_policy()
        {
            var grants = ExemptionGrants.FromFindings(Findings, SubjectOf, Template, ExemptionSource.Policy, new[] { "capcut" }, Clock);
            Assert.Equal(new[] { "PC-01", "PC-01", "PC-01", "PC-02" }, grants.Select(g => g.Request.Computer));
            Assert.Equal(new[] { false, false, true, true }, grants.Select(g => g.Check.IsValid));
            Assert.Equal(ErrorIds.UnknownRule, grants[0].Check.Errors.Single().ErrorId);
        }
    }
}
