using System;
using System.Text.RegularExpressions;
using AppBan.Engine.Inventory;
using AppBan.Engine.Text;

namespace AppBan.Engine.Policy
{
    /// <summary>What one matcher tests. The names are the JSON property names of a matcher object.</summary>
    public enum MatcherKind
    {
        /// <summary>Store package name (wildcard), e.g. BytedancePte.Ltd.TikTok.</summary>
        PackageName,
        /// <summary>Store package family name (wildcard), e.g. BytedancePte.Ltd.TikTok_6yccndn6064se.</summary>
        PackageFamilyName,
        /// <summary>MSI ProductCode (a GUID).</summary>
        ProductCode,
        /// <summary>Uninstall key name (wildcard), e.g. CapCut.</summary>
        KeyName,
        /// <summary>DisplayName (wildcard or regex), optionally together with Publisher (wildcard).</summary>
        DisplayName,
        /// <summary>Browser web app: a per-user entry whose DisplayName matches and whose uninstall string carries --uninstall-app-id.</summary>
        WebApp,
        /// <summary>Publisher alone (wildcard), e.g. Bytedance Pte. Ltd.: every app that publisher ships.</summary>
        Publisher,
    }

    /// <summary>One test a rule applies to an installed app. All comparisons are case-insensitive.</summary>
    public sealed class RuleMatcher
    {
        // Chromium writes "<browser.exe> --profile-directory=<Profile> --uninstall-app-id=<id>" for installed web apps.
        private static readonly Regex WebAppUninstallArgument = new Regex(@"(^|\s)--uninstall-app-id(=|\s)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

        private RuleMatcher(MatcherKind kind, TextPattern pattern, Guid productCode, TextPattern publisher)
        {
            Kind = kind;
            Pattern = pattern;
            ProductCodeValue = productCode;
            // Every publisher comparison goes through PublisherName, however the pattern was built.
            Publisher = publisher == null ? null : PublisherName.Pattern(publisher.Text);
            if (kind == MatcherKind.Publisher) Pattern = Publisher;
        }

        public MatcherKind Kind { get; }
        /// <summary>The name pattern; null for ProductCode.</summary>
        public TextPattern Pattern { get; }
        /// <summary>The GUID for ProductCode matchers; Guid.Empty otherwise.</summary>
        public Guid ProductCodeValue { get; }
        /// <summary>Publisher pattern: optional for a DisplayName matcher, the whole test of a Publisher matcher.</summary>
        public TextPattern Publisher { get; }

        /// <summary>The matcher's value as the policy writes it: the pattern, or the ProductCode in braces.</summary>
        public string Value => Kind == MatcherKind.ProductCode ? FormatProductCode(ProductCodeValue) : Pattern.Text;

        public static RuleMatcher PackageName(string wildcard) => new RuleMatcher(MatcherKind.PackageName, TextPattern.Wildcard(wildcard), Guid.Empty, null);
        public static RuleMatcher PackageFamilyName(string wildcard) => new RuleMatcher(MatcherKind.PackageFamilyName, TextPattern.Wildcard(wildcard), Guid.Empty, null);
        public static RuleMatcher KeyName(string wildcard) => new RuleMatcher(MatcherKind.KeyName, TextPattern.Wildcard(wildcard), Guid.Empty, null);
        public static RuleMatcher WebApp(string displayNameWildcard) => new RuleMatcher(MatcherKind.WebApp, TextPattern.Wildcard(displayNameWildcard), Guid.Empty, null);

        /// <summary>Every app whose Publisher matches <paramref name="publisherWildcard"/> (see <see cref="PublisherName"/>).</summary>
        public static RuleMatcher ByPublisher(string publisherWildcard)
        {
            var publisher = PublisherName.Pattern(publisherWildcard);
            return new RuleMatcher(MatcherKind.Publisher, publisher, Guid.Empty, publisher);
        }

        public static RuleMatcher ProductCode(string guid)
        {
            if (!TryParseProductCode(guid, out var value))
                throw new ArgumentException("'" + guid + "' is not a GUID such as {12345678-ABCD-ABCD-ABCD-1234567890AB}.", nameof(guid));
            return new RuleMatcher(MatcherKind.ProductCode, null, value, null);
        }

        /// <summary>DisplayName matcher; <paramref name="publisher"/> (a wildcard) is optional.</summary>
        public static RuleMatcher DisplayName(TextPattern displayName, TextPattern publisher = null)
        {
            if (displayName == null) throw new ArgumentNullException(nameof(displayName));
            return new RuleMatcher(MatcherKind.DisplayName, displayName, Guid.Empty, publisher);
        }

        public static RuleMatcher DisplayName(string displayNameWildcard, string publisherWildcard = null) =>
            DisplayName(TextPattern.Wildcard(displayNameWildcard), publisherWildcard == null ? null : PublisherName.Pattern(publisherWildcard));

        public bool Matches(InstalledApp app)
        {
            if (app == null) return false;
            switch (Kind)
            {
                case MatcherKind.PackageName:
                    return Pattern.IsMatch(app.PackageName ?? PackageNameFromFullName(app.PackageFullName));
                case MatcherKind.PackageFamilyName:
                    return Pattern.IsMatch(app.PackageFamilyName ?? PackageFamilyFromFullName(app.PackageFullName));
                case MatcherKind.ProductCode:
                    return IsThisProductCode(app.ProductCode) || IsThisProductCode(app.KeyName);
                case MatcherKind.KeyName:
                    return Pattern.IsMatch(app.KeyName);
                case MatcherKind.DisplayName:
                    return Pattern.IsMatch(Normalize(app.DisplayName)) && (Publisher == null || Publisher.IsMatch(PublisherName.Normalize(app.Publisher)));
                case MatcherKind.Publisher:
                    return Publisher.IsMatch(PublisherName.Normalize(app.Publisher));
                case MatcherKind.WebApp:
                    return app.Scope == AppScope.User
                        && IsWebAppUninstallString(app.UninstallString)
                        && Pattern.IsMatch(Normalize(app.DisplayName));
                default:
                    return false;
            }
        }

        /// <summary>
        /// Whether an uninstall key with this name and DisplayName could match once fully read. A null argument
        /// means "not known yet" and never rules the key out. Store package matchers never match an uninstall key.
        /// </summary>
        public bool MightMatch(string keyName, string displayName)
        {
            switch (Kind)
            {
                case MatcherKind.ProductCode:
                    return keyName == null || IsThisProductCode(keyName);
                case MatcherKind.KeyName:
                    return keyName == null || Pattern.IsMatch(keyName);
                case MatcherKind.DisplayName:
                case MatcherKind.WebApp:
                    return displayName == null || Pattern.IsMatch(Normalize(displayName));
                case MatcherKind.Publisher:
                    // Publisher is not among what the pre-filter knows, so every key is read in full.
                    return true;
                default:
                    return false;
            }
        }

        public override string ToString()
        {
            switch (Kind)
            {
                case MatcherKind.DisplayName:
                    var name = (Pattern.IsRegex ? "DisplayName ~ /" : "DisplayName '") + Pattern.Text + (Pattern.IsRegex ? "/" : "'");
                    return Publisher == null ? name : name + " and Publisher '" + Publisher.Text + "'";
                case MatcherKind.WebApp:
                    return "web app '" + Pattern.Text + "'";
                case MatcherKind.Publisher:
                    return "Publisher '" + Pattern.Text + "'";
                default:
                    return Kind + " '" + Value + "'";
            }
        }

        internal static bool TryParseProductCode(string text, out Guid value)
        {
            value = Guid.Empty;
            if (string.IsNullOrEmpty(text)) return false;
            // Registry key names and policies carry "{GUID}"; accept the bare form too, nothing else.
            return Guid.TryParseExact(text, "B", out value) || Guid.TryParseExact(text, "D", out value);
        }

        internal static string FormatProductCode(Guid value) => value.ToString("B").ToUpperInvariant();

        private bool IsThisProductCode(string text) => TryParseProductCode(text, out var guid) && guid == ProductCodeValue;

        internal static bool IsWebAppUninstallString(string uninstallString)
        {
            if (string.IsNullOrEmpty(uninstallString)) return false;
            try { return WebAppUninstallArgument.IsMatch(uninstallString); }
            catch (RegexMatchTimeoutException) { return false; }
        }

        // Uninstall entries often carry stray leading or trailing blanks in DisplayName and Publisher.
        private static string Normalize(string value) => value?.Trim();

        // PackageFullName is Name_Version_Arch_ResourceId_PublisherId; the family is Name_PublisherId.
        internal static string PackageNameFromFullName(string fullName)
        {
            var parts = SplitFullName(fullName);
            return parts == null ? null : parts[0];
        }

        internal static string PackageFamilyFromFullName(string fullName)
        {
            var parts = SplitFullName(fullName);
            return parts == null ? null : parts[0] + "_" + parts[parts.Length - 1];
        }

        private static string[] SplitFullName(string fullName)
        {
            if (string.IsNullOrEmpty(fullName)) return null;
            var parts = fullName.Split('_');
            return parts.Length == 5 && parts[0].Length > 0 && parts[4].Length > 0 ? parts : null;
        }
    }
}
