using System;
using System.Globalization;

namespace AppBan.Engine.Text
{
    /// <summary>
    /// The one date syntax AppBan reads from its stores (policy files, device exemptions): ISO 8601 only
    /// (2027-01-31, 2027-01-31T17:00:00Z, ...+01:00, the round-trip "o" form); no zone means UTC.
    /// </summary>
    internal static class IsoDate
    {
        private static readonly string[] Formats =
        {
            "yyyy-MM-dd",
            "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        };

        public static bool TryParse(string text, out DateTimeOffset date) =>
            DateTimeOffset.TryParseExact(text?.Trim(), Formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);
    }
}
