using AppBan.Engine.Text;
using Xunit;

namespace AppBan.Engine.Tests.Text
{
    public class TextPatternTests
    {
        [Theory]
        [InlineData("Cap*", "CapCut", true)]
        [InlineData("Cap*", "XCapCut", false)]
        [InlineData("Cap?ut", "CapCut", true)]
        [InlineData("Cap?ut", "CapCCut", false)]
        [InlineData("[Cc]ap[a-d]ut", "capcut", true)]
        [InlineData("[Cc]ap[a-b]ut", "capcut", false)]
        [InlineData("TikTok `[Beta`]", "TikTok [Beta]", true)]
        [InlineData("TikTok `[Beta`]", "TikTok B", false)]
        [InlineData("a.b", "axb", false)]
        [InlineData("C:\\Apps\\*", "c:\\apps\\tool", true)]
        [InlineData("(x)+", "(x)+", true)]
        public void Wildcards_follow_PowerShell_syntax_over_the_whole_value(string pattern, string value, bool expected)
        {
            Assert.Equal(expected, TextPattern.Wildcard(pattern).IsMatch(value));
        }
    }
}
