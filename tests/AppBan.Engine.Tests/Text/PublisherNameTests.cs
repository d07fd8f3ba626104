using AppBan.Engine.Text;
using Xunit;

namespace AppBan.Engine.Tests.Text
{
    public class PublisherNameTests
    {
        [Theory]
        [InlineData("ByteDance Pte Ltd", "Bytedance Pte. Ltd.")]
        [InlineData("  Bytedance Pte. Ltd.  ", "Bytedance Pte. Ltd.")]
        [InlineData("Bytedance  Pte. Ltd", "BYTEDANCE PTE LTD.")]
        [InlineData("TikTok Pte. Ltd.", "TikTok Pte Ltd")]
        [InlineData("Beijing Feishu Technology Co., Ltd.", "Beijing Feishu Technology Co, Ltd")]
        [InlineData("Igor Pavlov.", "Igor Pavlov")]
        public void Spellings_of_one_publisher_are_the_same(string first, string second)
        {
            Assert.True(PublisherName.AreSame(first, second));
        }

        [Theory]
        [InlineData("Bytedance Pte. Ltd.", "TikTok Pte. Ltd.")]
        [InlineData("Bytedance Ltd", "Bytedance Pte Ltd")]
        [InlineData("win.rar GmbH", "winrar GmbH")]
        [InlineData("Node.js Foundation", "Nodejs Foundation")]
        public void Different_publishers_stay_different(string first, string second)
        {
            Assert.False(PublisherName.AreSame(first, second));
        }

        [Theory]
        [InlineData("Bytedance Pte. Ltd.", "Bytedance Pte Ltd")]
        [InlineData(" Notepad++ Team ", "Notepad++ Team")]
        [InlineData("Dropbox, Inc.", "Dropbox, Inc")]
        [InlineData("Microsoft.", "Microsoft")]
        public void Normalize_trims_blanks_and_dots_that_end_a_word(string publisher, string expected)
        {
            Assert.Equal(expected, PublisherName.Normalize(publisher));
        }

        [Fact]
        public void Normalize_keeps_null()
        {
            Assert.Null(PublisherName.Normalize(null));
        }

        [Theory]
        [InlineData("Bytedance Pte. Ltd.", "ByteDance Pte Ltd", true)]
        [InlineData("Bytedance Pte Ltd", " Bytedance Pte. Ltd. ", true)]
        [InlineData("Bytedance*", "Bytedance Pte. Ltd.", true)]
        [InlineData("*Pte. Ltd.", "TikTok Pte Ltd", true)]
        [InlineData("Bytedance Pte`. Ltd`.", "Bytedance Pte Ltd", true)]
        [InlineData("Bytedance Pte. Ltd.", "TikTok Pte. Ltd.", false)]
        [InlineData("Bytedance", "Bytedance Pte. Ltd.", false)]
        public void A_publisher_pattern_matches_every_spelling_of_its_text(string pattern, string publisher, bool expected)
        {
            var compiled = PublisherName.Pattern(pattern);
            Assert.Equal(pattern, compiled.Text);
            Assert.Equal(expected, compiled.IsMatch(PublisherName.Normalize(publisher)));
        }

        [Fact]
        public void A_broken_publisher_wildcard_is_reported()
        {
            Assert.False(PublisherName.TryPattern("Byte[", out _, out var error));
            Assert.Contains("never closed", error);
            Assert.False(PublisherName.TryPattern("  ", out _, out error));
            Assert.Contains("empty", error);
        }
    }
}
