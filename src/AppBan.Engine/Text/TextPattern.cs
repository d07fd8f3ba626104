using System;
using System.Text;
using System.Text.RegularExpressions;

namespace AppBan.Engine.Text
{
    /// <summary>
    /// A case-insensitive text pattern, used by policy matchers and exemption computer names: a PowerShell-style
    /// wildcard (*, ?, [a-z], backtick escapes), matched against the whole value, or a .NET regular expression,
    /// matched anywhere unless anchored.
    /// </summary>
    public sealed class TextPattern
    {
        // Values come from user-writable registry keys; a hostile string must not stall a scan.
        private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);
        private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline;

        private readonly Regex _regex;

        private TextPattern(string text, bool isRegex, Regex regex)
        {
            Text = text;
            IsRegex = isRegex;
            _regex = regex;
        }

        /// <summary>The pattern as written in the policy.</summary>
        public string Text { get; }
        public bool IsRegex { get; }

        /// <summary>True when the pattern matches every value, even an empty one ("*", ".*").</summary>
        public bool MatchesEverything => IsMatch(string.Empty) && IsMatch("AppBan ~ ü 123");

        public static TextPattern Wildcard(string pattern)
        {
            if (!TryWildcard(pattern, out var result, out var error)) throw new ArgumentException(error, nameof(pattern));
            return result;
        }

        public static TextPattern Regex(string pattern)
        {
            if (!TryRegex(pattern, out var result, out var error)) throw new ArgumentException(error, nameof(pattern));
            return result;
        }

        public static bool TryWildcard(string pattern, out TextPattern result, out string error) =>
            TryWildcard(pattern, pattern, out result, out error);

        /// <summary>A wildcard written as <paramref name="pattern"/> that matches as <paramref name="matchedForm"/> (e.g. a normalised publisher).</summary>
        internal static bool TryWildcard(string written, string matchedForm, out TextPattern result, out string error)
        {
            result = null;
            var pattern = matchedForm;
            if (string.IsNullOrEmpty(pattern)) { error = "the pattern is empty"; return false; }
            var regex = new StringBuilder(@"\A");
            for (int i = 0; i < pattern.Length; i++)
            {
                char c = pattern[i];
                switch (c)
                {
                    case '*': regex.Append(".*"); break;
                    case '?': regex.Append('.'); break;
                    case '`':
                        if (i + 1 == pattern.Length)
                        {
                            error = "the wildcard '" + pattern + "' ends with a lone backtick (`), which escapes nothing";
                            return false;
                        }
                        regex.Append(System.Text.RegularExpressions.Regex.Escape(pattern[++i].ToString()));
                        break;
                    case '[':
                        if (!TryCharacterSet(pattern, ref i, regex, out error)) return false;
                        break;
                    default:
                        regex.Append(System.Text.RegularExpressions.Regex.Escape(c.ToString()));
                        break;
                }
            }
            regex.Append(@"\z");
            result = new TextPattern(written, false, new Regex(regex.ToString(), Options, MatchTimeout));
            error = null;
            return true;
        }

        // A set [abc] or range [a-z], as PowerShell's WildcardPattern reads it; i points at '[' and ends on ']'.
        private static bool TryCharacterSet(string pattern, ref int i, StringBuilder regex, out string error)
        {
            int start = i;
            var set = new StringBuilder("[");
            int members = 0;
            for (i = start + 1; i < pattern.Length; i++)
            {
                char c = pattern[i];
                if (c == ']')
                {
                    if (members == 0)
                    {
                        error = "the wildcard '" + pattern + "' has an empty character set '[]'; write `[ to match a literal '['";
                        return false;
                    }
                    regex.Append(set).Append(']');
                    error = null;
                    return true;
                }
                if (c == '`')
                {
                    if (i + 1 == pattern.Length) break;
                    c = pattern[++i];
                }
                else if (c == '-' && members > 0 && i + 1 < pattern.Length && pattern[i + 1] != ']')
                {
                    char low = pattern[i - 1], high = pattern[i + 1];
                    if (high == '`' && i + 2 < pattern.Length) high = pattern[i + 2];
                    if (high < low)
                    {
                        error = "the wildcard '" + pattern + "' has the range '" + low + "-" + high + "', which runs backwards";
                        return false;
                    }
                    set.Append('-');
                    continue;
                }
                set.Append(c == '\\' || c == ']' || c == '[' || c == '^' || c == '-' ? "\\" + c : c.ToString());
                members++;
            }
            error = "the wildcard '" + pattern + "' opens a character set with '[' that is never closed; write `[ to match a literal '['";
            return false;
        }

        public static bool TryRegex(string pattern, out TextPattern result, out string error)
        {
            result = null;
            if (string.IsNullOrEmpty(pattern)) { error = "the regular expression is empty"; return false; }
            try
            {
                result = new TextPattern(pattern, true, new Regex(pattern, Options, MatchTimeout));
                error = null;
                return true;
            }
            catch (ArgumentException ex)
            {
                error = "'" + pattern + "' is not a valid regular expression: " + TrimRegexMessage(ex.Message, pattern);
                return false;
            }
        }

        // .NET repeats the pattern in its message ("Invalid pattern 'x' at offset 3. Reason."): keep the reason.
        private static string TrimRegexMessage(string message, string pattern)
        {
            var prefix = "Invalid pattern '" + pattern + "' at offset ";
            if (message.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = message.Substring(prefix.Length);
                int dot = rest.IndexOf(". ", StringComparison.Ordinal);
                if (dot > 0) return rest.Substring(dot + 2).TrimEnd('.') + " (at character " + rest.Substring(0, dot) + ")";
            }
            return message.TrimEnd('.');
        }

        public bool IsMatch(string value)
        {
            if (value == null) return false;
            try
            {
                return _regex.IsMatch(value);
            }
            catch (RegexMatchTimeoutException)
            {
                // A value built to stall the pattern counts as no match: a false match could remove a legitimate
                // machine-wide app, while the other matchers of a rule still catch a genuine banned one.
                return false;
            }
        }

        public override string ToString() => Text;
    }
}
