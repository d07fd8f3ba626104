using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Architecture
{
    /// <summary>
    /// ErrorIds are a contract for scripts that catch them: every id is a constant of <see cref="ErrorIds"/>, documented
    /// in docs/error-ids.md, and no cmdlet builds an ErrorRecord from a string literal.
    /// </summary>
    public class ErrorIdsContractTests
    {
        private static string Root => SimulatorProcess.RepositoryRoot();

        private static Dictionary<string, string> Constants() =>
            typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .ToDictionary(f => f.Name, f => (string)f.GetRawConstantValue());

        /// <summary>The first column of each row of the table under <paramref name="heading"/> (up to the next heading).</summary>
        internal static List<string> DocumentedIds(string markdown, string heading)
        {
            var lines = markdown.Replace("\r\n", "\n").Split('\n');
            var start = Array.FindIndex(lines, l => l.Trim() == heading);
            Assert.True(start >= 0, "docs/error-ids.md has no heading '" + heading + "'");
            var ids = new List<string>();
            foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("#", StringComparison.Ordinal)))
            {
                var row = Regex.Match(line, @"^\|\s*`([^`]+)`\s*\|");
                if (row.Success) ids.Add(row.Groups[1].Value);
            }
            return ids;
        }

        private static string Document() => File.ReadAllText(Path.Combine(Root, "docs", "error-ids.md"));

        [Fact]
        public void Each_constant_is_its_own_name()
        {
            foreach (var pair in Constants()) Assert.Equal(pair.Key, pair.Value);
        }

        [Fact]
        public void The_documented_table_and_the_constants_are_the_same_set()
        {
            var documented = DocumentedIds(Document(), "## The ids");
            Assert.Equal(documented.Count, documented.Distinct(StringComparer.Ordinal).Count());
            var constants = Constants().Values.OrderBy(v => v, StringComparer.Ordinal).ToList();
            Assert.Equal(constants, documented.OrderBy(v => v, StringComparer.Ordinal).ToList());
        }

        [Fact]
        public void Retired_ids_are_documented_and_no_constant_brings_one_back()
        {
            var retired = DocumentedIds(Document(), "## Retired ids");
            Assert.Contains("CimSessionWithConnectionParameters", retired);
            Assert.Contains("ComputerNameWithCimSession", retired);
            Assert.Contains("PolicyPathWithTargets", retired);
            Assert.Empty(retired.Intersect(Constants().Values));
        }

        [Fact]
        public void Every_failure_kind_has_a_constant()
        {
            var constants = new HashSet<string>(Constants().Values);
            foreach (CimErrorKind kind in Enum.GetValues(typeof(CimErrorKind))) Assert.Contains(CimErrorCodes.ErrorIdFor(kind), constants);
            foreach (ExemptionErrorKind kind in Enum.GetValues(typeof(ExemptionErrorKind))) Assert.Contains(ExemptionException.ErrorIdFor(kind), constants);
        }

        [Fact]
        public void The_literal_finder_finds_a_literal_id()
        {
            Assert.NotEmpty(LiteralIds("WriteError(new ErrorRecord(ex,\n  \"Oops\", ErrorCategory.WriteError, x));"));
            Assert.NotEmpty(LiteralIds("return (\"Oops\", ErrorCategory.InvalidArgument);"));
            Assert.Empty(LiteralIds("new ErrorRecord(new ArgumentException(\"a, b\"), ErrorIds.UnknownRule, ErrorCategory.InvalidArgument, x)"));
        }

        [Fact]
        public void No_cmdlet_source_names_an_ErrorId_with_a_string_literal()
        {
            var offenders = Directory.EnumerateFiles(Path.Combine(Root, "src", "AppBan"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar))
                .SelectMany(f => LiteralIds(File.ReadAllText(f)).Select(id => Path.GetFileName(f) + ": " + id))
                .ToList();
            Assert.True(offenders.Count == 0, "ErrorIds as literals: " + string.Join("; ", offenders));
        }

        /// <summary>A string literal right before an ErrorCategory argument: the ErrorId slot of an ErrorRecord (or a pair).</summary>
        private static IEnumerable<string> LiteralIds(string source) =>
            Regex.Matches(source, @"""([^""\\]*)""\s*,\s*ErrorCategory\.").Cast<Match>().Select(m => m.Groups[1].Value);
    }
}
