using System;
using System.Linq;
using AppBan.Engine.Exemptions;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class ExemptionValidatorTests
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private static readonly string[] Rules = { "tiktok-store", "capcut" };

        private static ExemptionRequest Good() => new ExemptionRequest
        {
            RuleId = "tiktok-store",
            User = @"CONTOSO\alice",
            Reason = "Press office",
            Expires = Clock.UtcNow.AddDays(30),
        };

        private static string[] ProblemIds(ExemptionRequest r, ExemptionSource store = ExemptionSource.Device) =>
            ExemptionValidator.Validate(r, store, Rules, Clock).Errors.Select(e => e.ErrorId).ToArray();

        [Fact]
        public void A_complete_request_is_valid_without_warnings()
        {
            var result = ExemptionValidator.Validate(Good(), ExemptionSource.Device, Rules, Clock);
            Assert.True(result.IsValid);
            Assert.Empty(result.Warnings);
            Assert.Equal("alice", result.User.Name);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void A_blank_reason_is_refused(string reason)
        {
            var r = Good();
            r.Reason = reason;
            Assert.Equal(new[] { ErrorIds.ReasonRequired }, ProblemIds(r));
        }

        [Fact]
        public void An_expiry_now_or_in_the_past_is_refused()
        {
            var r = Good();
            r.Expires = Clock.UtcNow;
            Assert.Equal(new[] { ErrorIds.ExpiryInPast }, ProblemIds(r));
            r.Expires = Clock.UtcNow.AddSeconds(-1);
            var error = Assert.Single(ExemptionValidator.Validate(r, ExemptionSource.Device, Rules, Clock).Errors);
            Assert.Contains("2026-11-28 09:59:59Z", error.Message);
            Assert.Equal("Expires", error.ParameterName);
        }

        [Fact]
        public void No_expiry_is_allowed_with_a_warning()
        {
            var r = Good();
            r.Expires = null;
            var result = ExemptionValidator.Validate(r, ExemptionSource.Device, Rules, Clock);
            Assert.True(result.IsValid);
            Assert.Contains("never expires", Assert.Single(result.Warnings));
        }

        [Fact]
        public void NotBefore_must_come_before_the_expiry()
        {
            var r = Good();
            r.NotBefore = r.Expires;
            Assert.Equal(new[] { ErrorIds.NotBeforeAfterExpiry }, ProblemIds(r));
        }

        [Fact]
        public void The_rule_must_be_in_the_effective_policy_or_be_the_wildcard()
        {
            var r = Good();
            r.RuleId = "CapCut";
            Assert.Empty(ProblemIds(r));
            r.RuleId = "*";
            Assert.Empty(ProblemIds(r));
            r.RuleId = "tiktok-web";
            var error = Assert.Single(ExemptionValidator.Validate(r, ExemptionSource.Device, Rules, Clock).Errors);
            Assert.Equal(ErrorIds.UnknownRule, error.ErrorId);
            Assert.Contains("capcut, tiktok-store", error.Message);
            r.RuleId = null;
            Assert.Equal(new[] { ErrorIds.UnknownRule }, ProblemIds(r));
        }

        [Fact]
        public void A_malformed_user_is_refused()
        {
            var r = Good();
            r.User = "S-1-5-21-abc";
            Assert.Equal(new[] { ErrorIds.InvalidUser }, ProblemIds(r));
        }

        [Fact]
        public void Computer_is_for_policy_exemptions_and_a_policy_exemption_needs_a_subject()
        {
            var r = Good();
            r.Computer = "PC-*";
            Assert.Equal(new[] { ErrorIds.ComputerNotAllowed }, ProblemIds(r, ExemptionSource.Device));
            Assert.Empty(ProblemIds(r, ExemptionSource.Policy));

            r.User = null;
            r.Computer = null;
            Assert.Empty(ProblemIds(r, ExemptionSource.Device));
            Assert.Equal(new[] { ErrorIds.MissingSubject }, ProblemIds(r, ExemptionSource.Policy));

            r.Computer = "PC-[01";
            Assert.Equal(new[] { ErrorIds.InvalidComputer }, ProblemIds(r, ExemptionSource.Policy));
        }

        [Fact]
        public void Several_problems_are_all_reported_at_once()
        {
            var r = new ExemptionRequest { RuleId = "nope", Reason = " ", Expires = Clock.UtcNow.AddDays(-1) };
            Assert.Equal(new[] { ErrorIds.ReasonRequired, ErrorIds.ExpiryInPast, ErrorIds.UnknownRule }, ProblemIds(r));
            var ex = Assert.Throws<ExemptionException>(() => ExemptionValidator.Validate(r, ExemptionSource.Device, Rules, Clock).ThrowIfInvalid("PC-01"));
            Assert.Equal(ExemptionErrorKind.InvalidRequest, ex.Kind);
        }

        [Fact]
        public void Grants_from_findings_check_reason_and_dates_before_rule_and_user_are_known()
        {
            var r = new ExemptionRequest { Reason = "", Expires = Clock.UtcNow.AddDays(-1) };
            var result = ExemptionValidator.ValidateReasonAndDates(r, Clock);
            Assert.Equal(new[] { ErrorIds.ReasonRequired, ErrorIds.ExpiryInPast }, result.Errors.Select(e => e.ErrorId).ToArray());
            r = new ExemptionRequest { Reason = "Press office" };
            result = ExemptionValidator.ValidateReasonAndDates(r, Clock);
            Assert.True(result.IsValid);
            Assert.Single(result.Warnings);
        }
    }
}
