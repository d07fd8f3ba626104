using System;
using System.Text;

namespace AppBan.Engine.Text
{
    /// <summary>
    /// The one place where publisher names are made comparable. Installers write the same company several ways
    /// ("Bytedance Pte. Ltd.", "ByteDance Pte Ltd", " Bytedance Pte. Ltd "), so before a publisher is compared:
    /// surrounding blanks are trimmed, runs of blanks become one space, and a dot that ends a word ("Pte.", "Ltd.",
    /// "Inc." and a trailing ".") is dropped. Comparison itself is case-insensitive.
    /// </summary>
    public static class PublisherName
    {
        /// <summary>The publisher in comparable form; null stays null.</summary>
        public static string Normalize(string publisher) => publisher == null ? null : Rewrite(publisher, isPattern: false);

        /// <summary>Whether two publisher names name the same publisher once normalised (case-insensitive).</summary>
        public static bool AreSame(string first, string second) =>
            string.Equals(Normalize(first), Normalize(second), StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// A publisher wildcard that matches the normalised form of every spelling its text stands for: the
        /// policy's text is kept as written (<see cref="TextPattern.Text"/>), the match runs on its normalised form.
        /// </summary>
        public static bool TryPattern(string wildcard, out TextPattern result, out string error)
        {
            result = null;
            if (string.IsNullOrWhiteSpace(wildcard)) { error = "the pattern is empty"; return false; }
            return TextPattern.TryWildcard(wildcard, Rewrite(wildcard, isPattern: true), out result, out error);
        }

        public static TextPattern Pattern(string wildcard)
        {
            if (!TryPattern(wildcard, out var result, out var error)) throw new ArgumentException(error, nameof(wildcard));
            return result;
        }

        // In a wildcard, "`." is an escaped dot: when it ends a word it goes together with its backtick.
        private static string Rewrite(string text, bool isPattern)
        {
            var trimmed = text.Trim();
            var result = new StringBuilder(trimmed.Length);
            bool pendingSpace = false;
            for (int i = 0; i < trimmed.Length; i++)
            {
                char c = trimmed[i];
                if (char.IsWhiteSpace(c)) { pendingSpace = true; continue; }
                if (pendingSpace) { result.Append(' '); pendingSpace = false; }
                if (isPattern && c == '`' && i + 1 < trimmed.Length)
                {
                    if (trimmed[i + 1] == '.' && EndsWord(trimmed, i + 2)) { i++; continue; }
                    result.Append(c).Append(trimmed[++i]);
                    continue;
                }
                if (c == '.' && EndsWord(trimmed, i + 1)) continue;
                result.Append(c);
            }
            return result.ToString();
        }

        // A dot ends a word when blanks, a comma or the end of the text follow it.
        private static bool EndsWord(string text, int next) =>
            next >= text.Length || char.IsWhiteSpace(text[next]) || text[next] == ',';
    }
}
