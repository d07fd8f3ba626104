using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    /// <summary>One thing wrong with a policy document, with where it is.</summary>
    public sealed class PolicyProblem
    {
        public PolicyProblem(string file, int line, int column, string message)
        {
            File = file;
            Line = line;
            Column = column;
            Message = message;
        }

        /// <summary>The policy file as given (full path for files, the source name otherwise).</summary>
        public string File { get; }
        /// <summary>1-based; 0 when the problem concerns the whole file (missing, empty, unreadable).</summary>
        public int Line { get; }
        /// <summary>1-based; 0 when the problem has no position.</summary>
        public int Column { get; }
        public string Message { get; }

        /// <summary>"parliament.json, line 12, column 7: rule 'capcut' is defined twice"</summary>
        public override string ToString()
        {
            var name = string.IsNullOrEmpty(File) ? "policy" : SafeFileName(File);
            return Line > 0
                ? name + ", line " + Line + ", column " + Column + ": " + Message
                : name + ": " + Message;
        }

        private static string SafeFileName(string path)
        {
            try { return Path.GetFileName(path); }
            catch (ArgumentException) { return path; }
        }
    }

    /// <summary>A policy document that cannot be used, with every problem found in it.</summary>
    public sealed class PolicyException : Exception
    {
        public PolicyException(string file, IEnumerable<PolicyProblem> problems)
            : this(file, problems.ToList().AsReadOnly()) { }

        private PolicyException(string file, IReadOnlyList<PolicyProblem> problems)
            : base(BuildMessage(file, problems))
        {
            File = file;
            Problems = problems;
        }

        public string File { get; }
        public IReadOnlyList<PolicyProblem> Problems { get; }

        private static string BuildMessage(string file, IReadOnlyList<PolicyProblem> problems)
        {
            var text = new StringBuilder();
            text.Append("The policy '").Append(file).Append("' cannot be used: ");
            if (problems.Count == 1) return text.Append(problems[0]).ToString();
            text.Append(problems.Count).Append(" problems.");
            foreach (var problem in problems) text.Append(Environment.NewLine).Append("  ").Append(problem);
            return text.ToString();
        }
    }

    /// <summary>The problems found in one document, each placed at the start of what it is about.</summary>
    internal sealed class PolicyProblemList
    {
        private readonly string _file;
        private readonly List<PolicyProblem> _problems = new List<PolicyProblem>();

        public PolicyProblemList(string file, PolicyTextPositions positions)
        {
            _file = file;
            Positions = positions;
        }

        public PolicyTextPositions Positions { get; }
        public int Count => _problems.Count;

        public void Add(int line, int column, string message) => _problems.Add(new PolicyProblem(_file, line, column, message));

        public void Add(JToken at, string message)
        {
            var (line, column) = Positions.Where(at);
            Add(line, column, message);
        }

        /// <summary>In document order; problems at the same place keep the order they were found in.</summary>
        public IReadOnlyList<PolicyProblem> InDocumentOrder() =>
            _problems.Select((p, order) => new { p, order })
                .OrderBy(x => x.p.Line).ThenBy(x => x.p.Column).ThenBy(x => x.order)
                .Select(x => x.p).ToList().AsReadOnly();
    }
}
