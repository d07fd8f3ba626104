using System;
using AppBan.Engine.Text;
using Xunit;

namespace AppBan.Engine.Tests.Text
{
    public class IsoDateTests
    {
        [Theory]
        [InlineData("2027-01-31", "2027-01-31T00:00:00Z")]
        [InlineData(" 2027-01-31 ", "2027-01-31T00:00:00Z")]
        [InlineData("2027-01-31T17:00", "2027-01-31T17:00:00Z")]
        [InlineData("2027-01-31T17:00:00Z", "2027-01-31T17:00:00Z")]
        [InlineData("2027-01-31T17:00:00+01:00", "2027-01-31T16:00:00Z")]
        [InlineData("2027-06-30T00:00:00.0000000+00:00", "2027-06-30T00:00:00Z")]
        public void ISO_8601_dates_are_read_and_no_zone_means_UTC(string text, string utc)
        {
            Assert.True(IsoDate.TryParse(text, out var date));
            Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), date);
            Assert.Equal(TimeSpan.Zero, date.Offset);
        }

        [Theory]
        [InlineData("06/30/2027")]
        [InlineData("31.01.2027")]
        [InlineData("2027-1-31")]
        [InlineData("2027-02-30")]
        [InlineData("2027-01-31 17:00")]
        [InlineData("")]
        [InlineData(null)]
        public void Any_other_date_syntax_is_refused(string text)
        {
            Assert.False(IsoDate.TryParse(text, out _));
        }
    }
}
