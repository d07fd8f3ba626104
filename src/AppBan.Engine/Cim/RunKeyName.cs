using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// Names of the exit-code keys under HKLM\SOFTWARE\AppBan\Runs: 32 lowercase hex digits that also say until
    /// when the run's waiter may still read its key, so that a sweep can tell an abandoned key from an awaited one
    /// without any extra operation or value. Layout: 12 hex digits of Unix milliseconds (UTC) when the waiter gives
    /// up, the layout mark 'a', then 19 random hex digits. Older AppBan versions used plain version-4 GUIDs, which
    /// carry '4' where the mark is: they say nothing about a waiter.
    /// </summary>
    internal static class RunKeyName
    {
        public const char LayoutMark = 'a';
        private const int TimeDigits = 12;
        private const long MaxEncodableMilliseconds = (1L << (TimeDigits * 4)) - 1;
        private static readonly Regex Shape = new Regex(@"\A[0-9a-f]{32}\z", RegexOptions.CultureInvariant);
        private static readonly long MaxDateMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

        /// <summary>Exactly 32 lowercase hex digits: the only names under Runs that AppBan ever deletes.</summary>
        public static bool IsRunKeyName(string name) => name != null && Shape.IsMatch(name);

        /// <summary>A new, unique name for a run whose waiter gives up at <paramref name="waitEndsUtc"/>.</summary>
        public static string New(DateTimeOffset waitEndsUtc)
        {
            var ms = Math.Min(Math.Max(waitEndsUtc.ToUnixTimeMilliseconds(), 0L), MaxEncodableMilliseconds);
            // A version-4 GUID from index 13 on: 19 hex digits, 74 of their bits random.
            var random = Guid.NewGuid().ToString("N").Substring(TimeDigits + 1);
            return ms.ToString("x12", CultureInfo.InvariantCulture) + LayoutMark + random;
        }

        /// <summary>When the run's waiter gives up; null for a name of another layout (it says nothing).</summary>
        public static DateTimeOffset? WaitEndsOf(string name)
        {
            if (!IsRunKeyName(name) || name[TimeDigits] != LayoutMark) return null;
            var ms = long.Parse(name.Substring(0, TimeDigits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            return ms >= MaxDateMilliseconds ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        /// <summary>
        /// True when nobody will read the key any more: its waiter gave up more than <paramref name="grace"/> before
        /// <paramref name="now"/>, or its name is of another layout and says nothing about a waiter.
        /// </summary>
        public static bool IsAbandoned(string name, DateTimeOffset now, TimeSpan grace)
        {
            var waitEnds = WaitEndsOf(name);
            return !(waitEnds.HasValue && now - grace <= waitEnds.Value);
        }

        /// <summary><paramref name="now"/> plus <paramref name="span"/>, held within the dates a name can carry.</summary>
        public static DateTimeOffset Later(DateTimeOffset now, TimeSpan span) =>
            span <= TimeSpan.Zero ? now
            : DateTimeOffset.MaxValue - now <= span ? DateTimeOffset.MaxValue
            : now + span;
    }
}
