using AppBan.Engine.Text;
using Xunit;

namespace AppBan.Engine.Tests.Text
{
    public class RuleIdSyntaxTests
    {
        [Theory]
        [InlineData("tiktok-store", true)]
        [InlineData("a", true)]
        [InlineData("CapCut_2.x", true)]
        [InlineData("-tiktok", false)]
        [InlineData(".tiktok", false)]
        [InlineData("tik tok", false)]
        [InlineData("tiktok\n", false)]
        [InlineData("tiktok*", false)]
        [InlineData("", false)]
        [InlineData(null, false)]
        public void Rule_ids_are_letters_digits_dot_underscore_and_dash_starting_with_a_letter_or_digit(string id, bool valid)
        {
            Assert.Equal(valid, RuleIdSyntax.IsValid(id));
        }

        [Fact]
        public void Rule_ids_are_at_most_64_characters()
        {
            Assert.True(RuleIdSyntax.IsValid(new string('a', 64)));
            Assert.False(RuleIdSyntax.IsValid(new string('a', 65)));
        }
    }
}
