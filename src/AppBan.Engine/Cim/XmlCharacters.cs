using System.Globalization;
using System.Text;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// Characters XML 1.0 cannot carry (its Char production, section 2.2): C0 controls other than tab, LF and CR
    /// (NUL and ESC among them), U+FFFE, U+FFFF, and surrogates that are not part of a pair. Registry strings are
    /// arbitrary UTF-16, so a user can put any of them into a value of their own hive.
    /// <para>
    /// One visible form is used wherever such a value is shown (warnings, logs): each forbidden character is written
    /// <c>\xNN</c> below U+0100 and <c>\uXXXX</c> above (hex, upper case); everything else is left as it is, U+FFFD
    /// included. The value itself is kept as read.
    /// </para>
    /// </summary>
    internal static class XmlCharacters
    {
        /// <summary>U+FFFD: what a decoder leaves for bytes that were not valid in the reply's encoding.</summary>
        public const char Replacement = '\uFFFD';

        /// <summary>True when <paramref name="text"/>[<paramref name="index"/>] is a character XML 1.0 forbids.</summary>
        public static bool IsForbiddenAt(string text, int index)
        {
            var c = text[index];
            if (c < 0x20) return c != '\t' && c != '\n' && c != '\r';
            if (c == '\uFFFE' || c == '\uFFFF') return true;
            if (char.IsHighSurrogate(c)) return index + 1 >= text.Length || !char.IsLowSurrogate(text[index + 1]);
            if (char.IsLowSurrogate(c)) return index == 0 || !char.IsHighSurrogate(text[index - 1]);
            return false;
        }

        public static bool HasForbidden(string text)
        {
            if (string.IsNullOrEmpty(text)) return false;
            for (var i = 0; i < text.Length; i++)
                if (IsForbiddenAt(text, i)) return true;
            return false;
        }

        /// <summary>The text with every forbidden character in its visible escaped form (see the class).</summary>
        public static string Visible(string text)
        {
            if (!HasForbidden(text)) return text;
            var sb = new StringBuilder(text.Length + 16);
            for (var i = 0; i < text.Length; i++)
            {
                if (!IsForbiddenAt(text, i)) { sb.Append(text[i]); continue; }
                int code = text[i];
                sb.Append(code < 0x100 ? "\\x" + code.ToString("X2", CultureInfo.InvariantCulture) : "\\u" + code.ToString("X4", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        /// <summary>
        /// Replaces every raw forbidden character with a character reference (<c>&amp;#x1B;</c>), so that a reader that
        /// does not check characters reads the very same character back. Text without one comes back unchanged.
        /// </summary>
        public static string ReferenceForbidden(string xml)
        {
            if (!HasForbidden(xml)) return xml;
            var sb = new StringBuilder(xml.Length + 32);
            for (var i = 0; i < xml.Length; i++)
            {
                if (IsForbiddenAt(xml, i)) sb.Append("&#x").Append(((int)xml[i]).ToString("X", CultureInfo.InvariantCulture)).Append(';');
                else sb.Append(xml[i]);
            }
            return sb.ToString();
        }
    }
}
