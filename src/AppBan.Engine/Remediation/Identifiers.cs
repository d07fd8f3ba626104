using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// Validation of every identifier that ends up inside a command we run. A command is only ever built from
    /// an identifier that passed one of these checks, so nothing else from the target reaches a command line.
    /// </summary>
    public static class Identifiers
    {
        // Exactly {8-4-4-4-12} hex. \z, not $: $ would also match before a trailing newline.
        private static readonly Regex GuidPattern = new Regex(
            @"\A\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}\z",
            RegexOptions.CultureInvariant);

        // Package identity: Name 3-50 of [A-Za-z0-9.-]; Version quad; ProcessorArchitecture; ResourceId 0-30 of
        // [A-Za-z0-9.-] or "~" (bundles); PublisherId 13 characters of Crockford base32, lower case
        // (the first 8 bytes of SHA-256 of the publisher). [doc] appxmanifest Identity element, appmodel.h.
        private static readonly Regex PackageFullNamePattern = new Regex(
            @"\A(?<name>[A-Za-z0-9.\-]{3,50})_(?<version>[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5})_(?<arch>x86|x64|arm|arm64|neutral)_(?<resource>~|[A-Za-z0-9.\-]{0,30})_(?<publisher>[0-9a-hjkmnp-tv-z]{13})\z",
            RegexOptions.CultureInvariant);

        private static readonly Regex PackageFamilyNamePattern = new Regex(
            @"\A(?<name>[A-Za-z0-9.\-]{3,50})_(?<publisher>[0-9a-hjkmnp-tv-z]{13})\z",
            RegexOptions.CultureInvariant);

        // S-1-<authority>-<sub>...: authority 48-bit decimal, 1 to 15 sub-authorities of 32 bits each.
        private static readonly Regex SidPattern = new Regex(@"\AS-1-(?<authority>[0-9]{1,15})(?<sub>-[0-9]{1,10}){1,15}\z",
            RegexOptions.CultureInvariant);

        /// <summary>True when <paramref name="value"/> is exactly a braced GUID, {8-4-4-4-12} hex.</summary>
        public static bool IsProductCode(string value) => value != null && GuidPattern.IsMatch(value);

        /// <summary>The braced, upper-case form Windows Installer registers product codes in; null when invalid.</summary>
        public static string NormalizeProductCode(string value) =>
            IsProductCode(value) ? value.ToUpperInvariant() : null;

        /// <summary>True when <paramref name="value"/> follows the package full name grammar, and nothing else.</summary>
        public static bool IsPackageFullName(string value)
        {
            if (value == null) return false;
            var m = PackageFullNamePattern.Match(value);
            return m.Success && IsPackageVersion(m.Groups["version"].Value) && !IsReservedDeviceName(m.Groups["name"].Value);
        }

        /// <summary>Name_PublisherId, e.g. BytedancePte.Ltd.TikTok_6yccndn6064se.</summary>
        public static bool IsPackageFamilyName(string value)
        {
            if (value == null) return false;
            var m = PackageFamilyNamePattern.Match(value);
            return m.Success && !IsReservedDeviceName(m.Groups["name"].Value);
        }

        /// <summary>The family name (Name_PublisherId) of a valid full name; null when the full name is invalid.</summary>
        public static string FamilyNameOf(string packageFullName)
        {
            if (!IsPackageFullName(packageFullName)) return null;
            var m = PackageFullNamePattern.Match(packageFullName);
            return m.Groups["name"].Value + "_" + m.Groups["publisher"].Value;
        }

        /// <summary>True for a well-formed SID string (S-1-5-21-..., S-1-12-1-...): digits and dashes only.</summary>
        public static bool IsSid(string value)
        {
            if (value == null) return false;
            var m = SidPattern.Match(value);
            if (!m.Success) return false;
            if (!ulong.TryParse(m.Groups["authority"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var authority) ||
                authority > 0xFFFFFFFFFFFFUL) return false;
            foreach (Capture c in m.Groups["sub"].Captures)
            {
                if (!uint.TryParse(c.Value.Substring(1), NumberStyles.None, CultureInfo.InvariantCulture, out _)) return false;
            }
            return true;
        }

        private static bool IsPackageVersion(string version)
        {
            foreach (var part in version.Split('.'))
            {
                if (!ushort.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out _)) return false;
            }
            return true;
        }

        private static bool IsReservedDeviceName(string name)
        {
            switch (name.ToUpperInvariant())
            {
                case "CON": case "PRN": case "AUX": case "NUL":
                    return true;
                default:
                    return name.Length == 4 &&
                           (name.StartsWith("COM", StringComparison.OrdinalIgnoreCase) || name.StartsWith("LPT", StringComparison.OrdinalIgnoreCase)) &&
                           name[3] >= '1' && name[3] <= '9';
            }
        }
    }
}
