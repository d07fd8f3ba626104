using System;
using System.Globalization;
using System.Text;

namespace AppBan.Engine.Text
{
    /// <summary>
    /// What a rule's browser policy entries may look like: the sites of <c>removal.blockSites</c> (URL-blocklist patterns,
    /// <c>[http(s)://]host[/path]</c>) and the web app manifest ids of <c>removal.webAppManifestIds</c> (absolute
    /// <c>https://host[/path]</c> URLs). The policy loader and the browser policy writer check with this one grammar.
    /// <para>
    /// The host is letters, digits and '-' in dot-separated parts, with at least one dot: a pattern such as
    /// <c>com</c> or <c>*</c> would block far more than an app. No wildcard, blank, quote, '%', backslash or control
    /// character anywhere, nothing outside printable ASCII (an internationalised host is written in its xn-- form),
    /// and at most <see cref="MaxLength"/> characters. The path may hold letters, digits and <c>- . _ ~ / ? = &amp; + : @ ,</c>.
    /// </para>
    /// </summary>
    internal static class WebAddressSyntax
    {
        /// <summary>The longest pattern or manifest id accepted: the longest DNS name.</summary>
        public const int MaxLength = 253;

        /// <summary>For messages: the pattern syntax in words.</summary>
        public const string BlockSiteDescription =
            "a site pattern is [http:// or https://]host[/path], such as tiktok.com or https://www.tiktok.com/live; the host holds letters, digits, '-' and at least one '.'";

        /// <summary>For messages: the manifest id syntax in words.</summary>
        public const string ManifestIdDescription =
            "a web app manifest id is an absolute https:// address such as https://www.tiktok.com/; the host holds letters, digits, '-' and at least one '.'";

        private const string PathPunctuation = "-._~/?=&+:@,";

        /// <summary>True when <paramref name="text"/> is a URL-blocklist pattern AppBan may write; otherwise the reason.</summary>
        public static bool IsBlockSite(string text, out string error) => Check(text, requireHttps: false, out error);

        /// <summary>True when <paramref name="text"/> is a web app manifest id AppBan may write; otherwise the reason.</summary>
        public static bool IsManifestId(string text, out string error) => Check(text, requireHttps: true, out error);

        /// <summary>The host of a pattern or manifest id that passed the check, lower case.</summary>
        public static string HostOf(string valid)
        {
            var rest = StripScheme(valid);
            var slash = rest.IndexOf('/');
            return (slash < 0 ? rest : rest.Substring(0, slash)).ToLowerInvariant();
        }

        /// <summary>
        /// The text as it can be shown in a message: every character outside printable ASCII is written \xNN (below
        /// U+0100) or \uXXXX, so a control or direction-changing character cannot disguise the message.
        /// </summary>
        public static string Visible(string text)
        {
            if (text == null) return "";
            var sb = new StringBuilder(text.Length + 8);
            foreach (var c in text)
            {
                if (c >= 0x20 && c < 0x7F) sb.Append(c);
                else if (c < 0x100) sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                else sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }

        private static bool Check(string text, bool requireHttps, out string error)
        {
            error = null;
            if (string.IsNullOrEmpty(text)) { error = "is empty"; return false; }
            if (text.Length > MaxLength) { error = "is longer than " + MaxLength + " characters"; return false; }
            foreach (var c in text)
            {
                if (char.IsControl(c)) { error = "contains a control character"; return false; }
                if (char.IsWhiteSpace(c)) { error = "contains a space or another blank"; return false; }
                if (c == '"' || c == '\'' || c == '`') { error = "contains a quote"; return false; }
                if (c == '%') { error = "contains '%' (no escapes or variables: write the characters themselves)"; return false; }
                if (c == '*') { error = "contains '*'; wildcards are refused, a pattern names one site and its subdomains"; return false; }
                if (c == '\\') { error = "contains '\\'"; return false; }
                if (c > 0x7E) { error = "contains a character outside printable ASCII (write an internationalised host in its xn-- form)"; return false; }
            }

            var rest = StripScheme(text);
            if (requireHttps && (rest.Length == text.Length || !text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
            {
                error = "is not an https:// address"; return false;
            }
            if (rest.IndexOf("://", StringComparison.Ordinal) >= 0)
            {
                error = "names a scheme other than http:// or https://"; return false;
            }

            var slash = rest.IndexOf('/');
            var host = slash < 0 ? rest : rest.Substring(0, slash);
            var path = slash < 0 ? "" : rest.Substring(slash);
            if (host.Length == 0) { error = "has no host"; return false; }
            foreach (var c in host)
                if (!IsAsciiLetterOrDigit(c) && c != '-' && c != '.')
                {
                    error = "has '" + c + "' in its host '" + host + "'; a host holds only letters, digits, '-' and '.' (no port, no user name)";
                    return false;
                }
            if (host.IndexOf('.') < 0) { error = "has no '.' in its host '" + host + "'; give a domain such as tiktok.com"; return false; }
            foreach (var label in host.Split('.'))
            {
                if (label.Length == 0) { error = "has an empty part between the dots of its host '" + host + "'"; return false; }
                if (label.Length > 63) { error = "has a part longer than 63 characters in its host"; return false; }
                if (label[0] == '-' || label[label.Length - 1] == '-') { error = "has a part of its host '" + host + "' that starts or ends with '-'"; return false; }
            }
            foreach (var c in path)
                if (!IsAsciiLetterOrDigit(c) && PathPunctuation.IndexOf(c) < 0)
                {
                    error = "has '" + c + "' in its path; a path holds only letters, digits and " + PathPunctuation;
                    return false;
                }
            return true;
        }

        private static string StripScheme(string text)
        {
            if (text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) return text.Substring("https://".Length);
            if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) return text.Substring("http://".Length);
            return text;
        }

        private static bool IsAsciiLetterOrDigit(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
