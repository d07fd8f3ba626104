using System;
using AppBan.Engine.Exemptions;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class ExemptionSyntaxTests
    {
        [Theory]
        [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301", true)]
        [InlineData("3F2504E04F8911D39A0C0305E82C3301", true)]
        [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}", false)]
        [InlineData("(3f2504e0-4f89-11d3-9a0c-0305e82c3301)", false)]
        [InlineData(" 3f2504e0-4f89-11d3-9a0c-0305e82c3301", false)]
        [InlineData("00000000-0000-0000-0000-000000000000", false)]
        [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c330", false)]
        [InlineData(@"3f2504e0\..\x", false)]
        [InlineData(null, false)]
        public void Exemption_ids_are_guids_in_D_or_N_format_only(string id, bool valid) =>
            Assert.Equal(valid, ExemptionId.IsValid(id));

        [Fact]
        public void New_ids_are_distinct_lower_case_D_guids()
        {
            var a = ExemptionId.New();
            var b = ExemptionId.New();
            Assert.NotEqual(a, b);
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", a);
        }

        [Fact]
        public void The_same_guid_matches_across_formats_and_case()
        {
            Assert.True(ExemptionId.AreSame("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3F2504E04F8911D39A0C0305E82C3301"));
            Assert.False(ExemptionId.AreSame("3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c3302"));
            Assert.True(ExemptionId.AreSame("legacy-1", "LEGACY-1"));
            Assert.Equal("3f2504e0-4f89-11d3-9a0c-0305e82c3301", ExemptionId.Normalize("3F2504E04F8911D39A0C0305E82C3301"));
            Assert.Throws<ArgumentException>(() => ExemptionId.Normalize("nope"));
        }

        [Theory]
        [InlineData("S-1-5-21-1004336348-1177238915-682003330-1001", true)]
        [InlineData("s-1-5-18", true)]
        [InlineData("S-1-5", false)]
        [InlineData("S-2-5-21-1", false)]
        [InlineData("S-1-5-21--1", false)]
        [InlineData("S-1-5-21-1 ", false)]
        [InlineData("S-1-5-21-1';DROP", false)]
        [InlineData("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", false)]
        [InlineData("S-1-0x5-21-1", false)]
        [InlineData("S-1-5-21-1\n", false)]
        public void Sid_syntax_is_checked(string sid, bool valid) => Assert.Equal(valid, UserReference.IsValidSid(sid));

        [Fact]
        public void A_sid_or_a_domain_account_parses()
        {
            var sid = UserReference.Parse("s-1-5-21-1-2-3-1001");
            Assert.True(sid.IsSid);
            Assert.Equal("S-1-5-21-1-2-3-1001", sid.Sid);
            var account = UserReference.Parse(@" CONTOSO\o'brien ");
            Assert.False(account.IsSid);
            Assert.Equal("CONTOSO", account.Domain);
            Assert.Equal("o'brien", account.Name);
            Assert.Equal(@"CONTOSO\o'brien", account.AccountName);
        }

        [Theory]
        [InlineData("alice")]
        [InlineData("alice@contoso.com")]
        [InlineData(@"\alice")]
        [InlineData(@"CONTOSO\")]
        [InlineData(@"A\B\C")]
        [InlineData(@".\alice")]
        [InlineData("CONTOSO\\ali\nce")]
        [InlineData("CONTOSO\\al\"ice")]
        [InlineData("CONTOSO\\al*ice")]
        [InlineData("S-1-5-x")]
        [InlineData("   ")]
        public void Anything_else_is_refused_with_a_message(string text)
        {
            Assert.False(UserReference.TryParse(text, out var user, out var error));
            Assert.Null(user);
            Assert.False(string.IsNullOrEmpty(error));
        }

        [Fact]
        public void Wql_strings_escape_backslash_and_quotes_and_refuse_control_characters()
        {
            Assert.Equal(@"'o\'brien'", UserReference.WqlString("o'brien"));
            Assert.Equal(@"'a\\b'", UserReference.WqlString(@"a\b"));
            Assert.Equal("'say \\\"hi\\\"'", UserReference.WqlString("say \"hi\""));
            Assert.Throws<ArgumentException>(() => UserReference.WqlString("a\u0000b"));
            Assert.Throws<ArgumentException>(() => UserReference.WqlString("a\rb"));
        }
    }
}
