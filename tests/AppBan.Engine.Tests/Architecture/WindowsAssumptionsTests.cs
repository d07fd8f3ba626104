#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Architecture
{
    /// <summary>
    /// Every <c>[guess Wnnn]</c> in the sources and docs is listed in docs/windows-assumptions.md, and every id listed
    /// there is still used, so the list of what is unverified about Windows cannot drift from the code either way.
    /// </summary>
    public class WindowsAssumptionsTests
    {
        [Fact]
        public void Every_guess_marker_has_an_id_the_list_explains_and_every_listed_id_is_used()
        {
            var problems = WindowsAssumptions.Check(SimulatorProcess.RepositoryRoot());
            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        }

        [Fact]
        public void The_check_names_file_and_line_of_each_drift()
        {
            var root = Path.Combine(Path.GetTempPath(), "appban-assumptions-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(Path.Combine(root, "src", "obj"));
                Directory.CreateDirectory(Path.Combine(root, "module", "lib", "en-US"));
                File.WriteAllText(Path.Combine(root, "module", "lib", "en-US", "AppBan.dll-Help.xml"), "<para>generated [guess]</para>\n");
                Directory.CreateDirectory(Path.Combine(root, "docs"));
                File.WriteAllText(Path.Combine(root, "src", "A.cs"),
                    "// fine [guess W001: text]\n// no id [guess] here\n// not listed [guess W003]\n// a mention: `[guess]`, not a marker\n");
                File.WriteAllText(Path.Combine(root, "src", "obj", "B.cs"), "// build output [guess]\n");
                File.WriteAllText(Path.Combine(root, "README.md"), "Also [guess W001, in the readme].\n");
                File.WriteAllText(Path.Combine(root, WindowsAssumptions.ListPath),
                    "# List\n\n" + Section("W001") + Section("W002") + Section("W002") +
                    "### W004 missing fields\n\n- **Assumed:** only this.\n");

                var problems = WindowsAssumptions.Check(root);

                Assert.Collection(problems,
                    p => Assert.StartsWith("src/A.cs:2: a [guess] without an id. Give it the id of the same assumption or the next free one, W005, and add W005 to docs/windows-assumptions.md", p),
                    p => Assert.StartsWith("src/A.cs:3: W003 is not in docs/windows-assumptions.md. Add W003 to docs/windows-assumptions.md with", p),
                    p => Assert.StartsWith("docs/windows-assumptions.md:17: W002 is listed twice", p),
                    p => Assert.StartsWith("docs/windows-assumptions.md:24: W004 lacks **Relied on:**, **Settle:**, **Status:**", p),
                    p => Assert.StartsWith("docs/windows-assumptions.md:10: W002 is listed but no [guess W002] marker uses it", p),
                    p => Assert.StartsWith("docs/windows-assumptions.md:24: W004 is listed but no [guess W004] marker uses it", p));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }

        private static string Section(string id) =>
            "### " + id + " title\n\n- **Assumed:** a.\n- **Relied on:** b.\n- **Settle:** c.\n- **Status:** open.\n\n";
    }

    /// <summary>Finds the <c>[guess]</c> markers and compares them with docs/windows-assumptions.md.</summary>
    internal static class WindowsAssumptions
    {
        public static readonly string ListPath = Path.Combine("docs", "windows-assumptions.md");

        private static readonly string[] ScannedFolders = { "src", Path.Combine("tests", "Simulator"), "module", "tools", "docs" };
        private static readonly string[] ScannedFiles = { "README.md" };
        private static readonly HashSet<string> TextExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            { ".cs", ".ps1", ".psm1", ".psd1", ".ps1xml", ".md", ".txt", ".json", ".xml", ".csproj", ".props", ".targets", ".yml", ".yaml" };
        private static readonly string[] RequiredFields = { "**Assumed:**", "**Relied on:**", "**Settle:**", "**Status:**" };

        // A marker is "[guess" not written as code (`[guess]` in backticks names the tag); its id follows it.
        private static readonly Regex Marker = new Regex(@"(?<!`)\[guess\b(?: (?<id>W\d{3})(?=[\]:,\s]))?", RegexOptions.Compiled);
        private static readonly Regex Heading = new Regex(@"^#{2,4} (?<id>W\d{3})\b", RegexOptions.Compiled);

        public static List<string> Check(string root)
        {
            var markers = FindMarkers(root);
            var listed = ReadList(root, out var listProblems);
            var listedIds = new HashSet<string>(listed.Select(s => s.Id));
            var usedIds = new HashSet<string>(markers.Where(m => m.Id != null).Select(m => m.Id!));
            var next = NextFreeId(listedIds.Concat(usedIds));
            var list = ListPath.Replace('\\', '/');

            var problems = new List<string>();
            foreach (var m in markers.Where(m => m.Id == null))
                problems.Add($"{m.File}:{m.Line}: a [guess] without an id. Give it the id of the same assumption or the next free one, {next}, " +
                    $"and add {next} to {list} with what is assumed, where the code relies on it, the commands that would settle it on a real Windows machine, and its status.");
            foreach (var m in markers.Where(m => m.Id != null && !listedIds.Contains(m.Id)))
                problems.Add($"{m.File}:{m.Line}: {m.Id} is not in {list}. Add {m.Id} to {list} with what is assumed, where the code relies on it, " +
                    "the commands that would settle it on a real Windows machine, and its status.");
            problems.AddRange(listProblems);
            foreach (var s in listed.Where(s => !usedIds.Contains(s.Id)).GroupBy(s => s.Id).Select(g => g.First()))
                problems.Add($"{list}:{s.Line}: {s.Id} is listed but no [guess {s.Id}] marker uses it. Remove its section if it is settled or gone, " +
                    "or mark the code and docs that rely on it.");
            return problems;
        }

        private sealed class Found
        {
            public Found(string file, int line, string? id) { File = file; Line = line; Id = id; }
            public string File { get; }
            public int Line { get; }
            public string? Id { get; }
        }

        private static List<Found> FindMarkers(string root)
        {
            var files = ScannedFolders.Select(f => Path.Combine(root, f)).Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
                .Where(f => TextExtensions.Contains(Path.GetExtension(f)) && !IsBuildOutput(root, f))
                .Concat(ScannedFiles.Select(f => Path.Combine(root, f)).Where(File.Exists))
                .OrderBy(f => f, StringComparer.Ordinal);
            var found = new List<Found>();
            foreach (var file in files)
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                    foreach (Match m in Marker.Matches(lines[i]))
                        found.Add(new Found(relative, i + 1, m.Groups["id"].Success ? m.Groups["id"].Value : null));
            }
            return found;
        }

        // bin and obj, and module/lib, where the build puts the assemblies and the help it generates from docs/cmdlets.
        private static bool IsBuildOutput(string root, string file)
        {
            var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
            return parts.Any(part => part == "bin" || part == "obj") || (parts.Length > 2 && parts[0] == "module" && parts[1] == "lib");
        }

        private sealed class Section
        {
            public Section(string id, int line) { Id = id; Line = line; }
            public string Id { get; }
            public int Line { get; }
            public List<string> Body { get; } = new List<string>();
        }

        private static List<Section> ReadList(string root, out List<string> problems)
        {
            problems = new List<string>();
            var list = ListPath.Replace('\\', '/');
            var path = Path.Combine(root, ListPath);
            var sections = new List<Section>();
            if (!File.Exists(path))
            {
                problems.Add($"{list} is missing: it lists every [guess Wnnn] with the commands that would settle it.");
                return sections;
            }
            var lines = File.ReadAllLines(path);
            for (var i = 0; i < lines.Length; i++)
            {
                var h = Heading.Match(lines[i]);
                if (h.Success) sections.Add(new Section(h.Groups["id"].Value, i + 1));
                else if (lines[i].StartsWith("#", StringComparison.Ordinal) && sections.Count > 0) sections.Add(new Section("", i + 1));
                else if (sections.Count > 0) sections[sections.Count - 1].Body.Add(lines[i]);
            }
            sections.RemoveAll(s => s.Id.Length == 0);
            foreach (var twice in sections.GroupBy(s => s.Id).Where(g => g.Count() > 1).SelectMany(g => g.Skip(1)))
                problems.Add($"{list}:{twice.Line}: {twice.Id} is listed twice. Give one of them the next free id and change its markers to match.");
            foreach (var s in sections)
            {
                var missing = RequiredFields.Where(f => !s.Body.Any(l => l.Contains(f))).ToList();
                if (missing.Count > 0)
                    problems.Add($"{list}:{s.Line}: {s.Id} lacks {string.Join(", ", missing)}. Every entry says what is assumed, where the code relies on it, " +
                        "the commands that would settle it on a real Windows machine, and its status.");
            }
            return sections;
        }

        private static string NextFreeId(IEnumerable<string> ids)
        {
            var highest = ids.Select(id => int.Parse(id.Substring(1), System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            return "W" + (highest + 1).ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
