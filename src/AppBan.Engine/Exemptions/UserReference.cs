using System;
using System.Text;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// A user as an operator or a stored exemption names one: a SID (S-1-5-21-..., or S-1-12-1-... for an Entra ID
    /// user) or DOMAIN\name (AzureAD\name for an Entra ID user [guess W012]), the only two
    /// forms every exemption store accepts (<see cref="ExemptionRules"/>). Parsing checks the syntax only;
    /// <see cref="UserResolver"/> looks the user up on a target.
    /// </summary>
    public sealed class UserReference
    {
        // sAMAccountName may not contain these; a domain (NetBIOS) name may not contain most of them either.
        private const string ForbiddenAccountCharacters = "\"/\\[]:;|=,+*?<>";
        private const int MaxNamePartLength = 256;

        private UserReference(string sid, string domain, string name)
        {
            Sid = sid;
            Domain = domain;
            Name = name;
        }

        /// <summary>Set when the user was given as a SID.</summary>
        public string Sid { get; }
        /// <summary>Set when the user was given as DOMAIN\name.</summary>
        public string Domain { get; }
        public string Name { get; }
        public bool IsSid => Sid != null;
        public string AccountName => IsSid ? null : Domain + "\\" + Name;

        public override string ToString() => IsSid ? Sid : AccountName;

        public static UserReference Parse(string text)
        {
            if (TryParse(text, out var user, out var error)) return user;
            throw new FormatException(error);
        }

        public static bool TryParse(string text, out UserReference user, out string error)
        {
            user = null;
            error = null;
            if (string.IsNullOrWhiteSpace(text))
            {
                error = "A user is required: DOMAIN\\name or a SID (S-1-5-21-... or S-1-12-1-...).";
                return false;
            }
            // Spaces around a name are trimmed; a control character anywhere (a newline after a SID) is refused, never trimmed away.
            foreach (var c in text)
                if (char.IsControl(c))
                {
                    error = "'" + text + "' contains a control character; a user is DOMAIN\\name or a SID.";
                    return false;
                }
            text = text.Trim();
            if (text.StartsWith("S-", StringComparison.OrdinalIgnoreCase))
            {
                if (!IsValidSid(text))
                {
                    error = "'" + text + "' is not a valid SID: expected S-1-<authority>-<subauthority>... with 1 to 15 numeric subauthorities.";
                    return false;
                }
                user = new UserReference(text.ToUpperInvariant(), null, null);
                return true;
            }

            var slash = text.IndexOf('\\');
            if (slash <= 0 || slash != text.LastIndexOf('\\') || slash == text.Length - 1)
            {
                error = "'" + text + "' is not DOMAIN\\name or a SID. A user principal name (name@domain) is not accepted.";
                return false;
            }
            var domain = text.Substring(0, slash);
            var name = text.Substring(slash + 1);
            var bad = CheckPart(domain, "domain") ?? CheckPart(name, "user name");
            if (bad != null)
            {
                error = "'" + text + "': " + bad;
                return false;
            }
            user = new UserReference(null, domain, name);
            return true;
        }

        private static string CheckPart(string part, string what)
        {
            if (part.Length > MaxNamePartLength) return "the " + what + " is longer than " + MaxNamePartLength + " characters.";
            if (part.Trim().Length != part.Length || part.Trim('.').Length == 0) return "the " + what + " is blank or has leading or trailing spaces.";
            foreach (var c in part)
            {
                if (char.IsControl(c)) return "the " + what + " contains a control character.";
                if (ForbiddenAccountCharacters.IndexOf(c) >= 0) return "the " + what + " contains '" + c + "', which an account name cannot contain.";
            }
            return null;
        }

        /// <summary>SID string syntax, as the inventory checks the SIDs it reads from HKU and the ProfileList.</summary>
        public static bool IsValidSid(string text) => SecurityIdentifiers.IsValid(text);

        /// <summary>
        /// A WQL string literal in single quotes. WQL escapes backslash, double and single quote with a backslash
        /// [doc: WHERE Clause (WMI)]; control characters have no escape and are refused.
        /// </summary>
        public static string WqlString(string value)
        {
            if (value == null) throw new ArgumentNullException(nameof(value));
            var sb = new StringBuilder(value.Length + 2).Append('\'');
            foreach (var c in value)
            {
                if (char.IsControl(c)) throw new ArgumentException("A control character cannot be put into a WQL string literal.", nameof(value));
                if (c == '\\' || c == '\'' || c == '"') sb.Append('\\');
                sb.Append(c);
            }
            return sb.Append('\'').ToString();
        }
    }
}
