using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AppBan.Engine.Inventory;
using AppBan.Engine.Text;

namespace AppBan.Engine.Policy
{
    /// <summary>One real uninstall entry or Store package of the corpus, with where it was taken from.</summary>
    public sealed class CorpusApp
    {
        internal CorpusApp(string displayName, string publisher, string keyName, string packageFamilyName, string source)
        {
            DisplayName = displayName;
            Publisher = publisher;
            KeyName = keyName;
            PackageFamilyName = packageFamilyName;
            // A family name is Name_PublisherId.
            PackageName = packageFamilyName?.Split('_')[0];
            Source = source;
        }

        public string DisplayName { get; }
        public string Publisher { get; }
        public string KeyName { get; }
        public string PackageName { get; }
        public string PackageFamilyName { get; }
        public string Source { get; }

        internal InstalledApp AsInstalledApp() => new InstalledApp
        {
            Kind = PackageName != null ? AppKind.StoreApp : AppKind.Exe,
            Scope = AppScope.Machine,
            DisplayName = DisplayName,
            Publisher = Publisher,
            KeyName = KeyName,
            PackageName = PackageName,
            PackageFamilyName = PackageFamilyName,
        };

        public override string ToString() => DisplayName ?? PackageName ?? KeyName;
    }

    /// <summary>
    /// The guard against rules that catch everything: every matcher a policy declares is tried on a corpus of real
    /// Windows apps shipped inside the engine (AppCorpus.tsv) and on a list of Windows components (WindowsComponents.tsv).
    /// A matcher that catches more than <see cref="MaxShare"/> of the apps, or any Windows component, is refused.
    /// Trying the matcher on real names, rather than reasoning about the pattern, catches every spelling of
    /// "anything" ("*", "?*", ".", ".*", "[a-z]*", "*e*") the same way.
    /// </summary>
    public static class AppCorpus
    {
        /// <summary>The largest share of the corpus one matcher may match: 2%.</summary>
        public const double MaxShare = 0.02;

        private static readonly Lazy<IReadOnlyList<CorpusApp>> LazyApps = new Lazy<IReadOnlyList<CorpusApp>>(() => Load("AppCorpus.tsv"));
        private static readonly Lazy<IReadOnlyList<CorpusApp>> LazyComponents = new Lazy<IReadOnlyList<CorpusApp>>(() => Load("WindowsComponents.tsv"));

        /// <summary>Common third-party apps (and a few Microsoft apps that are not part of Windows).</summary>
        public static IReadOnlyList<CorpusApp> Apps => LazyApps.Value;

        /// <summary>Parts of Windows and its runtimes: no matcher may match any of them.</summary>
        public static IReadOnlyList<CorpusApp> WindowsComponents => LazyComponents.Value;

        /// <summary>How many corpus apps one matcher may match before it is refused.</summary>
        public static int MaxMatches => (int)Math.Floor(Apps.Count * MaxShare);

        /// <summary>The corpus apps the matcher matches.</summary>
        public static IReadOnlyList<CorpusApp> AppsMatchedBy(RuleMatcher matcher) => Apps.Where(a => Catches(matcher, a)).ToList();

        /// <summary>The Windows components the matcher matches.</summary>
        public static IReadOnlyList<CorpusApp> ComponentsMatchedBy(RuleMatcher matcher) => WindowsComponents.Where(a => Catches(matcher, a)).ToList();

        /// <summary>
        /// Null when the matcher is narrow enough; otherwise why it is refused and how to narrow it. The text starts
        /// with the matcher as the policy writes it, e.g. { "displayName": "?*" }.
        /// </summary>
        public static string Refusal(RuleMatcher matcher)
        {
            if (matcher == null) throw new ArgumentNullException(nameof(matcher));
            var shown = PolicyWriter.ToJObject(matcher).ToString(Newtonsoft.Json.Formatting.None).Replace("\":\"", "\": \"").Replace("{\"", "{ \"").Replace("\"}", "\" }").Replace("\",\"", "\", \"");
            var apps = AppsMatchedBy(matcher);
            var components = ComponentsMatchedBy(matcher);
            var alsoComponents = components.Count == 0 ? "" : " and " + Count(components.Count, "Windows component") + ", which no rule may remove";
            if (apps.Count > MaxMatches)
                return shown + " matches " + apps.Count + " of the " + Apps.Count + " common Windows apps AppBan checks policies against (" + Examples(apps)
                    + "), more than the " + MaxMatches + " (" + (MaxShare * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + "%) one matcher may catch"
                    + alsoComponents + "; " + Advice(matcher);
            if (components.Count > 0)
                return shown + " matches " + Count(components.Count, "Windows component") + " (" + Examples(components) + "), which no rule may remove; "
                    + Advice(matcher);
            return null;
        }

        private static string Advice(RuleMatcher matcher)
        {
            switch (matcher.Kind)
            {
                case MatcherKind.DisplayName:
                    return matcher.Publisher == null
                        ? "narrow it: add a \"publisher\" (e.g. \"Bytedance Pte. Ltd.\"), or give the app's exact name"
                        : "narrow it: give the app's exact name, or a publisher name that only its maker uses";
                case MatcherKind.Publisher:
                    return "narrow it: give the publisher's full name as its apps write it (e.g. \"Bytedance Pte. Ltd.\"), or add a \"displayName\"";
                case MatcherKind.KeyName:
                    return "narrow it: give the uninstall key's exact name (e.g. \"CapCut\" or \"{GUID}\")";
                case MatcherKind.PackageName:
                case MatcherKind.PackageFamilyName:
                    return "narrow it: give the app's exact package name (e.g. \"BytedancePte.Ltd.TikTok\")";
                default:
                    return "narrow it: give the app's exact name";
            }
        }

        private static string Examples(IReadOnlyList<CorpusApp> apps) =>
            "e.g. " + string.Join(", ", apps.Take(3).Select(a => "'" + a + "'")) + (apps.Count > 3 ? ", ..." : "");

        private static string Count(int n, string noun) => n + " " + noun + (n == 1 ? "" : "s");

        // A web app matcher names a DisplayName; every corpus name stands for what a web app could be called.
        private static bool Catches(RuleMatcher matcher, CorpusApp app) =>
            matcher.Kind == MatcherKind.WebApp
                ? app.DisplayName != null && matcher.Pattern.IsMatch(app.DisplayName.Trim())
                : matcher.Matches(app.AsInstalledApp());

        // WindowsComponents.tsv names Store packages that a Windows 11 installation ships, with their family names
        // and DisplayNames [guess W100].
        // Tab-separated: DisplayName, Publisher, KeyName, PackageFamilyName, Source; '#' starts a comment line; the first
        // other line is the header. An empty field is null.
        private static IReadOnlyList<CorpusApp> Load(string fileName)
        {
            var name = "AppBan.Engine.Policy." + fileName;
            using (var stream = typeof(AppCorpus).Assembly.GetManifestResourceStream(name))
            {
                if (stream == null) throw new InvalidOperationException("The engine was built without its resource " + name + ".");
                using (var reader = new StreamReader(stream))
                {
                    var apps = new List<CorpusApp>();
                    bool header = true;
                    string line;
                    while ((line = reader.ReadLine()) != null)
                    {
                        if (line.Length == 0 || line[0] == '#') continue;
                        if (header) { header = false; continue; }
                        var f = line.Split('\t');
                        if (f.Length != 5) throw new InvalidOperationException(name + ": '" + line + "' does not have 5 tab-separated fields.");
                        apps.Add(new CorpusApp(Field(f[0]), Field(f[1]), Field(f[2]), Field(f[3]), f[4]));
                    }
                    return apps;
                }
            }
        }

        private static string Field(string text) => text.Length == 0 ? null : text;
    }
}
