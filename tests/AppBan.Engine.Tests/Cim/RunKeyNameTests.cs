using System;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Cim;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class RunKeyNameTests
    {
        private static readonly DateTimeOffset Noon = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        [Fact]
        public void A_new_name_is_32_lowercase_hex_digits_that_carry_the_waiters_deadline()
        {
            var deadline = Noon.AddMinutes(10).AddTicks(12345);
            var name = RunKeyName.New(deadline);
            Assert.Matches("^[0-9a-f]{32}$", name);
            Assert.True(RunKeyName.IsRunKeyName(name));
            Assert.Equal(RunKeyName.LayoutMark, name[12]);
            // Whole milliseconds are what the name keeps.
            Assert.Equal(Noon.AddMinutes(10).AddMilliseconds(1), RunKeyName.WaitEndsOf(name));
            // The exit-code wrapper accepts it as a run id.
            Assert.Contains(@"\Runs\" + name + "\"", ProcessClient.WrapForExitCode("msiexec.exe /x {5B0C2F7A-1D3E-4A6B-9C8D-7E6F5A4B3C21} /qn /norestart", name));
        }

        [Fact]
        public void Names_for_the_same_deadline_differ()
        {
            var names = Enumerable.Range(0, 200).Select(_ => RunKeyName.New(Noon)).ToList();
            Assert.Equal(names.Count, names.Distinct().Count());
        }

        [Fact]
        public void A_plain_guid_from_an_older_version_is_a_run_key_that_names_no_deadline()
        {
            var legacy = Guid.NewGuid().ToString("N");
            Assert.True(RunKeyName.IsRunKeyName(legacy));
            Assert.Null(RunKeyName.WaitEndsOf(legacy));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("not-a-run")]
        [InlineData("0123456789ABCDEF0123456789ABCDEF")]
        [InlineData("0123456789abcdef0123456789abcde")]
        [InlineData("0123456789abcdef0123456789abcdef0")]
        [InlineData("0123456789abcdef0123456789abcdeg")]
        [InlineData("{0123456789abcdef0123456789abcd}")]
        [InlineData("0123456789abcdef0123456789abcde\n")]
        [InlineData("0123456789abcdef0123456789abcdef\n")]
        public void Anything_but_32_lowercase_hex_digits_is_not_a_run_key(string name)
        {
            Assert.False(RunKeyName.IsRunKeyName(name));
            Assert.Null(RunKeyName.WaitEndsOf(name));
        }

        [Fact]
        public void The_wrapper_refuses_a_run_id_with_a_trailing_line_break()
        {
            Assert.Throws<System.ArgumentException>(() =>
                ProcessClient.WrapForExitCode("msiexec.exe /x {5B0C2F7A-1D3E-4A6B-9C8D-7E6F5A4B3C21} /qn /norestart", "0123456789abcdef0123456789abcdef\n"));
        }

        [Fact]
        public void Deadlines_out_of_range_are_held_to_what_a_name_can_carry()
        {
            Assert.Equal(DateTimeOffset.MaxValue, RunKeyName.Later(Noon, TimeSpan.MaxValue));
            Assert.Equal(Noon, RunKeyName.Later(Noon, TimeSpan.FromMilliseconds(-1)));
            var far = RunKeyName.New(DateTimeOffset.MaxValue);
            Assert.Matches("^e677d21fdbffa[0-9a-f]{19}$", far);
            Assert.Equal(DateTimeOffset.MaxValue, RunKeyName.WaitEndsOf(far));
            var early = RunKeyName.New(DateTimeOffset.FromUnixTimeMilliseconds(0).AddDays(-1));
            Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(0), RunKeyName.WaitEndsOf(early));
        }
    }
}
