using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AppBan.Engine.Inventory
{
    /// <summary>
    /// A Store (AppX/MSIX) package identity parsed from a PackageFullName
    /// <c>Name_Version_Architecture_ResourceId_PublisherId</c>. Parsing is strict: a key name that does not follow the
    /// package-name grammar is rejected, so nothing built from an identity (a removal command) can carry anything else.
    /// Grammar [doc: Identity element of the package manifest; "Identity constants" in appmodel]:
    /// Name 3-50 chars of A-Z a-z 0-9 . - (not a reserved device name, not ending with a period);
    /// Version four dot-separated numbers 0-65535; Architecture x86, x64, arm, arm64 or neutral;
    /// ResourceId empty, "~" (bundles [3rd]) or 1-30 chars of the Name alphabet; PublisherId exactly 13 chars of
    /// Crockford base32 (0-9 a-z without i l o u); the whole full name 30-127 chars.
    /// </summary>
    internal sealed class PackageIdentity
    {
        public const int MinFullNameLength = 30;
        public const int MaxFullNameLength = 127;

        private static readonly Regex FullNamePattern = new Regex(
            @"^(?<name>[A-Za-z0-9.\-]{3,50})_(?<version>[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5})_(?<arch>x86|x64|arm|arm64|neutral)_(?<resource>~|[A-Za-z0-9.\-]{1,30})?_(?<publisher>[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{13})\z",
            RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

        private static readonly Regex FamilyNamePattern = new Regex(
            @"^(?<name>[A-Za-z0-9.\-]{3,50})_(?<publisher>[0-9a-hjkmnp-tv-zA-HJKMNP-TV-Z]{13})\z",
            RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);

        private static readonly string[] ReservedNames =
        {
            "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
            "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
        };

        private PackageIdentity() { }

        public string FullName { get; private set; }
        public string Name { get; private set; }
        public string Version { get; private set; }
        public string Architecture { get; private set; }
        /// <summary>Empty for most packages, "~" for bundles.</summary>
        public string ResourceId { get; private set; }
        public string PublisherId { get; private set; }
        public string FamilyName => Name + "_" + PublisherId;
        /// <summary>A bundle: resource id "~" [3rd; doc: Remove-AppxPackage names bundles by this full name].</summary>
        public bool IsBundle => ResourceId == "~";
        public System.Version ParsedVersion => System.Version.Parse(Version);

        /// <summary>Parses a PackageFullName; null when it does not follow the grammar.</summary>
        public static PackageIdentity TryParse(string fullName)
        {
            if (fullName == null || fullName.Length < MinFullNameLength || fullName.Length > MaxFullNameLength) return null;
            var m = FullNamePattern.Match(fullName);
            if (!m.Success) return null;
            var name = m.Groups["name"].Value;
            var resource = m.Groups["resource"].Success ? m.Groups["resource"].Value : string.Empty;
            if (!IsValidName(name)) return null;
            if (resource.Length > 0 && resource != "~" && IsReserved(resource)) return null;
            var version = m.Groups["version"].Value;
            if (!IsValidVersion(version)) return null;
            return new PackageIdentity
            {
                FullName = fullName,
                Name = name,
                Version = version,
                Architecture = m.Groups["arch"].Value,
                ResourceId = resource,
                PublisherId = m.Groups["publisher"].Value,
            };
        }

        public static bool IsValidFullName(string fullName) => TryParse(fullName) != null;

        /// <summary>True for a PackageFamilyName (Name_PublisherId) that follows the grammar.</summary>
        public static bool IsValidFamilyName(string familyName)
        {
            if (familyName == null) return false;
            var m = FamilyNamePattern.Match(familyName);
            return m.Success && IsValidName(m.Groups["name"].Value);
        }

        /// <summary>True when <paramref name="other"/> is a package of the same family (name and publisher), any version.</summary>
        public bool IsSameFamily(PackageIdentity other) =>
            other != null && string.Equals(FamilyName, other.FamilyName, StringComparison.OrdinalIgnoreCase);

        public override string ToString() => FullName;

        private static bool IsValidName(string name) =>
            name.Length >= 3 && name.Length <= 50 && !name.EndsWith(".", StringComparison.Ordinal) && !IsReserved(name);

        private static bool IsReserved(string text) =>
            Array.IndexOf(ReservedNames, text.ToUpperInvariant()) >= 0;

        private static bool IsValidVersion(string version)
        {
            foreach (var part in version.Split('.'))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > 65535) return false;
            }
            return true;
        }
    }
}
