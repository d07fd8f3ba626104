using System;
using System.Linq;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace AppBan.Engine.Policy
{
    /// <summary>Loads policy documents. Bad input throws <see cref="PolicyException"/> with every problem found.</summary>
    public static class PolicyLoader
    {
        public const string BuiltInResourceName = "AppBan.Engine.Policy.BuiltInPolicy.json";
        public const string BuiltInSourceName = "BuiltInPolicy.json";

        /// <summary>Loads a policy file. Missing or unreadable files throw the usual IO exceptions.</summary>
        public static AppBanPolicy LoadFile(string path)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A policy path is required.", nameof(path));
            var fullPath = Path.GetFullPath(path);
            var bytes = File.ReadAllBytes(fullPath);
            return Load(Decode(bytes), fullPath, fullPath, Sha256Hex(bytes));
        }

        /// <summary>Loads a policy from text; <paramref name="sourceName"/> names it in problems and becomes SourcePath.</summary>
        public static AppBanPolicy LoadJson(string json, string sourceName)
        {
            if (string.IsNullOrEmpty(sourceName)) throw new ArgumentException("A source name is required.", nameof(sourceName));
            return Load(json, sourceName, sourceName, Sha256Hex(Encoding.UTF8.GetBytes(json ?? string.Empty)));
        }

        /// <summary>
        /// The default when no policy is named (BuiltInPolicy.json): the TikTok ban and CapCut, as AppBan has always shipped
        /// it, so that a device that relied on the default keeps removing what it removed. -PolicyName TikTok is the TikTok
        /// ban alone; ByteDance every ByteDance app.
        /// </summary>
        /// <remarks>
        /// [guess W054] BuiltInPolicy.json relies on unverified identifiers: the uninstall key names "TikTok LIVE Studio*",
        /// "TikTokLiveStudio*" and "CapCut", the "/S" silent switch of the TikTok LIVE Studio uninstaller, and
        /// ByteDance publishing its desktop apps under a Publisher starting with "Bytedance". Each rule also
        /// matches on a documented signal (package family, DisplayName), so a wrong guess costs a signal, not the rule.
        /// </remarks>
        public static AppBanPolicy BuiltIn() => ReadBuiltIn(null);

        /// <summary>
        /// The names of the built-in policies, for -PolicyName: "TikTok" (the seed's ban: the Store app, TikTok LIVE Studio,
        /// the web app) and "ByteDance" (every Windows app ByteDance or its subsidiaries publish).
        /// </summary>
        /// <remarks>
        /// BuiltInPolicy.ByteDance.json takes key names, publishers and package names from the winget-pkgs manifests
        /// (docs/policy.md lists each). [guess W105] its web-app rules assume CapCut, Lark, Feishu and Doubao install as
        /// browser apps named so, from capcut.com, larksuite.com, feishu.cn and doubao.com. [guess W106] the per-user
        /// apps write the manifest's package name (or its Chinese form) as DisplayName; the key-name matchers do not rely on it.
        /// </remarks>
        public static IReadOnlyList<string> BuiltInNames { get; } = Array.AsReadOnly(new[] { "TikTok", "ByteDance" });

        /// <summary>The built-in policy called <paramref name="name"/> (case-insensitive); an ArgumentException names the choices.</summary>
        public static AppBanPolicy BuiltIn(string name) => ReadBuiltIn(BuiltInName(name));

        /// <param name="canonical">A name of <see cref="BuiltInNames"/>, or null for the default document.</param>
        private static AppBanPolicy ReadBuiltIn(string canonical)
        {
            var bytes = BuiltInBytes(canonical);
            var source = SourceNameOf(canonical);
            var policy = PolicyDocumentReader.Read(Decode(bytes), source, null, Sha256Hex(bytes), out var problems);
            if (problems.Count > 0) throw new PolicyException(source, problems);
            return policy;
        }

        /// <summary>The default built-in policy document exactly as embedded.</summary>
        public static string BuiltInJson() => Decode(BuiltInBytes(null));

        /// <summary>The built-in policy document called <paramref name="name"/> exactly as embedded.</summary>
        public static string BuiltInJson(string name) => Decode(BuiltInBytes(BuiltInName(name)));

        /// <summary>
        /// The embedded document a built-in policy was read from, found by its hash; null when <paramref name="policy"/>
        /// is not one of them as embedded.
        /// </summary>
        public static string BuiltInJsonOf(AppBanPolicy policy)
        {
            if (policy == null || !policy.IsBuiltIn || policy.Sha256 == null) return null;
            foreach (var name in new string[] { null }.Concat(BuiltInNames))
            {
                var bytes = BuiltInBytes(name);
                if (string.Equals(Sha256Hex(bytes), policy.Sha256, StringComparison.OrdinalIgnoreCase)) return Decode(bytes);
            }
            return null;
        }

        /// <summary>The built-in name as spelled in <see cref="BuiltInNames"/>; an ArgumentException for any other.</summary>
        public static string BuiltInName(string name)
        {
            foreach (var known in BuiltInNames)
                if (string.Equals(known, name == null ? null : name.Trim(), StringComparison.OrdinalIgnoreCase)) return known;
            throw new ArgumentException("There is no built-in policy called '" + name + "'. The built-in policies are: "
                + string.Join(", ", BuiltInNames) + ".", nameof(name));
        }

        private static string ResourceNameOf(string canonical) =>
            canonical == null ? BuiltInResourceName : "AppBan.Engine.Policy.BuiltInPolicy." + canonical + ".json";

        private static string SourceNameOf(string canonical) =>
            canonical == null ? BuiltInSourceName : "BuiltInPolicy." + canonical + ".json";

        internal static AppBanPolicy Load(string json, string file, string sourcePath, string sha256)
        {
            var policy = PolicyDocumentReader.Read(json, file, sourcePath, sha256, out var problems);
            if (problems.Count > 0) throw new PolicyException(file, problems);
            return policy;
        }

        private static byte[] BuiltInBytes(string canonical)
        {
            var resource = ResourceNameOf(canonical);
            using (var stream = typeof(PolicyLoader).Assembly.GetManifestResourceStream(resource))
            {
                if (stream == null) throw new InvalidOperationException("The built-in policy resource " + resource + " is missing from the engine assembly.");
                using (var memory = new MemoryStream())
                {
                    stream.CopyTo(memory);
                    return memory.ToArray();
                }
            }
        }

        // UTF-8 unless a byte order mark says otherwise (Windows PowerShell 5.1 writes UTF-16 with a BOM).
        internal static string Decode(byte[] bytes)
        {
            using (var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true))
                return reader.ReadToEnd();
        }

        internal static string Sha256Hex(byte[] bytes)
        {
            using (var sha = SHA256.Create())
            {
                var hash = sha.ComputeHash(bytes);
                var hex = new StringBuilder(hash.Length * 2);
                foreach (var b in hash) hex.Append(b.ToString("X2"));
                return hex.ToString();
            }
        }
    }

    /// <summary>Checks a policy document and returns every problem (empty when the policy is usable).</summary>
    public static class PolicyValidator
    {
        public static IReadOnlyList<PolicyProblem> ValidateFile(string path)
        {
            if (string.IsNullOrEmpty(path)) throw new ArgumentException("A policy path is required.", nameof(path));
            var fullPath = Path.GetFullPath(path);
            byte[] bytes;
            try
            {
                if (Directory.Exists(fullPath)) return Whole(fullPath, "this is a folder, not a policy file");
                bytes = File.ReadAllBytes(fullPath);
            }
            catch (FileNotFoundException) { return Whole(fullPath, "the file does not exist"); }
            catch (DirectoryNotFoundException) { return Whole(fullPath, "the file does not exist (its folder does not exist)"); }
            catch (UnauthorizedAccessException) { return Whole(fullPath, "the file cannot be read: access is denied"); }
            catch (IOException ex) { return Whole(fullPath, "the file cannot be read: " + ex.Message); }
            PolicyDocumentReader.Read(PolicyLoader.Decode(bytes), fullPath, fullPath, null, out var problems);
            return problems;
        }

        public static IReadOnlyList<PolicyProblem> ValidateJson(string json, string sourceName)
        {
            PolicyDocumentReader.Read(json, sourceName, sourceName, null, out var problems);
            return problems;
        }

        private static IReadOnlyList<PolicyProblem> Whole(string file, string message) =>
            new[] { new PolicyProblem(file, 0, 0, message) };
    }
}
