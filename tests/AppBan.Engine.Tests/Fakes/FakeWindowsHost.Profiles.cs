using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Tests.Fakes
{
    /// <summary>
    /// Hive files of signed-out users and reg.exe's load, unload, add and copy over them, for the scan that reads a
    /// signed-out user's hives. A hive file is a tree of keys kept apart from the registry; <c>reg.exe load HKU\name file</c>
    /// puts that very tree under HKU\name (so what is written there stays in the file), <c>unload</c> takes it away. A load
    /// fails (exit 1) when the file does not exist, is in use (<see cref="SignIn"/>), is already loaded, or the name is
    /// taken; <c>copy</c> of a missing key fails. Commands are statements joined by <c> &amp; </c> and <c> &amp;&amp; </c>,
    /// run left to right as cmd.exe does: a statement after <c>&amp;&amp;</c> runs only when the previous one exited 0.
    /// </summary>
    public sealed partial class FakeWindowsHost
    {
        private readonly Dictionary<string, Node> hiveFiles = new Dictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> filesInUse = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, string> loadedByRegExe = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> regExeRuns = new List<string>();

        /// <summary>A key of a hive file (NTUSER.DAT, UsrClass.dat), relative to the hive's root; the file is created if needed.</summary>
        public KeyBuilder HiveFileKey(string file, string subKey)
        {
            lock (gate)
            {
                if (!hiveFiles.TryGetValue(file, out var node)) hiveFiles[file] = node = new Node();
                foreach (var part in (subKey ?? "").Split(new[] { '\\' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!node.Keys.TryGetValue(part, out var next)) next = node.Keys[part] = new Node();
                    node = next;
                }
                return new KeyBuilder(this, node);
            }
        }

        /// <summary>Every key of a hive file, as paths relative to its root, for asserting that a scan left it as it was.</summary>
        public IReadOnlyList<string> HiveFileKeys(string file)
        {
            lock (gate)
            {
                var found = new List<string>();
                void Walk(string path, Node node)
                {
                    foreach (var child in node.Keys)
                    {
                        var childPath = path.Length == 0 ? child.Key : path + "\\" + child.Key;
                        found.Add(childPath);
                        Walk(childPath, child.Value);
                    }
                }
                if (hiveFiles.TryGetValue(file, out var root)) Walk("", root);
                return found;
            }
        }

        /// <summary>The user of this file signs in: Windows holds the file, so reg.exe cannot load it.</summary>
        public void SignIn(string file) { lock (gate) filesInUse.Add(file); }

        /// <summary>Names under HKU that reg.exe has loaded and not unloaded.</summary>
        public IReadOnlyList<string> LoadedByRegExe { get { lock (gate) return loadedByRegExe.Keys.ToList(); } }

        /// <summary>Every reg.exe statement run, as "&lt;statement&gt; =&gt; &lt;exit code&gt;".</summary>
        public IReadOnlyList<string> RegExeRuns { get { lock (gate) return regExeRuns.ToList(); } }

        /// <summary>
        /// A <see cref="Programs"/> that runs commands of reg.exe statements against this host and hands every other command
        /// to <paramref name="otherwise"/> (by default: exit 0, no effect).
        /// </summary>
        public Func<string, int, FakeProgram> RegExe(Func<string, int, FakeProgram> otherwise = null) =>
            (inner, runs) => inner.StartsWith("reg.exe ", StringComparison.Ordinal)
                ? new FakeProgram { ExitCode = RunRegExeChain(inner) }
                : (otherwise ?? ((_, __) => new FakeProgram { ExitCode = 0 }))(inner, runs);

        /// <summary>Runs the statements as cmd.exe would and returns the last exit code (ERRORLEVEL).</summary>
        private int RunRegExeChain(string line)
        {
            var errorLevel = 0;
            foreach (var (joiner, statement) in SplitChain(line))
            {
                if (joiner == "&&" && errorLevel != 0) continue;
                int exit;
                lock (gate)
                {
                    exit = RunRegExe(Arguments(statement));
                    regExeRuns.Add(statement + " => " + exit);
                }
                errorLevel = exit;
            }
            return errorLevel;
        }

        private int RunRegExe(IReadOnlyList<string> a)
        {
            if (a.Count < 3 || !a[0].Equals("reg.exe", StringComparison.OrdinalIgnoreCase)) return 1;
            bool Has(string option) => a.Any(x => x.Equals(option, StringComparison.OrdinalIgnoreCase));
            string Option(string option)
            {
                var i = a.ToList().FindIndex(x => x.Equals(option, StringComparison.OrdinalIgnoreCase));
                return i >= 0 && i + 1 < a.Count ? a[i + 1] : null;
            }
            switch (a[1].ToLowerInvariant())
            {
                case "load":
                {
                    var name = HkuChild(a[2]);
                    if (name == null || a.Count < 4) return 1;
                    var file = a[3];
                    if (!hiveFiles.TryGetValue(file, out var hive) || filesInUse.Contains(file) || loadedByRegExe.ContainsValue(file)) return 1;
                    var users = Resolve(InventoryPaths.UsersPrefix, create: true);
                    if (users.Keys.ContainsKey(name)) return 1;
                    users.Keys[name] = hive;
                    loadedByRegExe[name] = file;
                    return 0;
                }
                case "unload":
                {
                    var name = HkuChild(a[2]);
                    if (name == null || !loadedByRegExe.Remove(name)) return 1;
                    Resolve(InventoryPaths.UsersPrefix, create: true).Keys.Remove(name);
                    return 0;
                }
                case "add":
                {
                    if (!Has("/f")) return 1;
                    var key = Resolve(a[2], create: true);
                    var valueName = Option("/v") ?? "";
                    var data = Option("/d") ?? "";
                    switch ((Option("/t") ?? "REG_SZ").ToUpperInvariant())
                    {
                        case "REG_DWORD":
                            if (!uint.TryParse(data, out var number)) return 1;
                            key.Values[valueName] = (RegistryValueKind.DWord, number);
                            return 0;
                        case "REG_SZ":
                            key.Values[valueName] = (RegistryValueKind.String, data);
                            return 0;
                        default:
                            return 1;
                    }
                }
                case "copy":
                {
                    if (a.Count < 4) return 1;
                    var source = Resolve(a[2], create: false);
                    if (source == null) return 1;
                    CopyInto(source, Resolve(a[3], create: true), Has("/s"));
                    return 0;
                }
                default:
                    return 1;
            }
        }

        private static void CopyInto(Node source, Node target, bool withSubkeys)
        {
            foreach (var value in source.Values) target.Values[value.Key] = value.Value;
            if (!withSubkeys) return;
            foreach (var child in source.Keys)
            {
                if (!target.Keys.TryGetValue(child.Key, out var copy)) copy = target.Keys[child.Key] = new Node();
                CopyInto(child.Value, copy, true);
            }
        }

        /// <summary>The name under HKU that a reg.exe load or unload names (HKU\name), or null for anything deeper or elsewhere.</summary>
        private static string HkuChild(string key)
        {
            if (!InventoryPaths.TryParse(key, out var hive, out var subKey) || hive != RegistryHive.Users) return null;
            return subKey.Length == 0 || subKey.Contains('\\') ? null : subKey;
        }

        /// <summary>The statements of a line with the joiner before each (null for the first), split outside quotes.</summary>
        private static IEnumerable<(string Joiner, string Statement)> SplitChain(string line)
        {
            var parts = new List<(string, string)>();
            var current = new StringBuilder();
            string joiner = null;
            var quoted = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (c == '"') quoted = !quoted;
                if (!quoted && c == '&')
                {
                    var both = i + 1 < line.Length && line[i + 1] == '&';
                    parts.Add((joiner, current.ToString().Trim()));
                    current.Clear();
                    joiner = both ? "&&" : "&";
                    if (both) i++;
                    continue;
                }
                current.Append(c);
            }
            parts.Add((joiner, current.ToString().Trim()));
            return parts;
        }

        /// <summary>A statement's words; quotes group words and are dropped, as reg.exe receives its arguments.</summary>
        private static IReadOnlyList<string> Arguments(string statement)
        {
            var words = new List<string>();
            var current = new StringBuilder();
            var quoted = false;
            var any = false;
            foreach (var c in statement)
            {
                if (c == '"') { quoted = !quoted; any = true; continue; }
                if (c == ' ' && !quoted)
                {
                    if (any) words.Add(current.ToString());
                    current.Clear();
                    any = false;
                    continue;
                }
                current.Append(c);
                any = true;
            }
            if (any) words.Add(current.ToString());
            return words;
        }
    }
}
