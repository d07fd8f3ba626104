using System;
using System.Text.RegularExpressions;

namespace AppBan.Engine.Inventory
{
    /// <summary>MSI ProductCodes: the only form a removal command may be built from.</summary>
    internal static class MsiProductCode
    {
        private static readonly Regex Pattern = new Regex(
            "^\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\\}\\z",
            RegexOptions.CultureInvariant);

        /// <summary>
        /// The braced, upper-case GUID when <paramref name="text"/> is exactly a braced GUID (the form an MSI
        /// uninstall key name has); otherwise null. Nothing else is accepted: no spaces, no missing braces.
        /// </summary>
        public static string TryNormalize(string text) =>
            text != null && Pattern.IsMatch(text) ? text.ToUpperInvariant() : null;

        public static bool IsValid(string text) => TryNormalize(text) != null;
    }

    /// <summary>SIDs in their string form, as they appear as key names under HKU, ProfileList and AppxAllUserStore.</summary>
    internal static class SecurityIdentifiers
    {
        public const string LocalSystem = "S-1-5-18";
        public const string LocalService = "S-1-5-19";
        public const string NetworkService = "S-1-5-20";

        private static readonly Regex Pattern = new Regex("^S-1-[0-9]{1,14}(-[0-9]{1,10}){1,15}\\z",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        public static bool IsValid(string text) => text != null && Pattern.IsMatch(text);

        /// <summary>SID prefix of local and Active Directory domain accounts.</summary>
        public const string AccountPrefix = "S-1-5-21-";
        /// <summary>
        /// SID prefix of Microsoft Entra ID (Azure AD) accounts, the users of Entra joined devices. [guess W011] From
        /// observation reported by administrators and tools (not found in Microsoft's SID reference): their profiles
        /// and hives are named by such SIDs and Win32_UserAccount does not list them.
        /// </summary>
        public const string EntraIdPrefix = "S-1-12-1-";

        /// <summary>A SID of a person's account that can own a profile: local, domain (S-1-5-21-...) or Entra ID (S-1-12-1-...).</summary>
        public static bool IsUserAccount(string sid) =>
            IsValid(sid) && (sid.StartsWith(AccountPrefix, StringComparison.OrdinalIgnoreCase)
                             || sid.StartsWith(EntraIdPrefix, StringComparison.OrdinalIgnoreCase));

        /// <summary>The service accounts whose profiles hold no interactive user's apps: SYSTEM, LOCAL SERVICE, NETWORK SERVICE.</summary>
        public static bool IsServiceAccount(string sid) =>
            string.Equals(sid, LocalSystem, StringComparison.OrdinalIgnoreCase)
            || string.Equals(sid, LocalService, StringComparison.OrdinalIgnoreCase)
            || string.Equals(sid, NetworkService, StringComparison.OrdinalIgnoreCase);

        /// <summary>Names for the well-known service SIDs; null for any other SID.</summary>
        public static string WellKnownName(string sid)
        {
            if (string.Equals(sid, LocalSystem, StringComparison.OrdinalIgnoreCase)) return @"NT AUTHORITY\SYSTEM";
            if (string.Equals(sid, LocalService, StringComparison.OrdinalIgnoreCase)) return @"NT AUTHORITY\LOCAL SERVICE";
            if (string.Equals(sid, NetworkService, StringComparison.OrdinalIgnoreCase)) return @"NT AUTHORITY\NETWORK SERVICE";
            return null;
        }
    }
}
