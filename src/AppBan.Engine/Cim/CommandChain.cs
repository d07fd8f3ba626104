using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// Commands cmd.exe runs one after another: joined by <c> &amp; </c> (always) or <c> &amp;&amp; </c> (only when the
    /// previous one exited 0). <c>&amp;&amp;</c> binds tighter than <c>&amp;</c>, so <c>a &amp;&amp; b &amp; c</c> is
    /// <c>(a &amp;&amp; b) &amp; c</c> [guess W089]. The joiners are the only metacharacters the line carries:
    /// each command is held to the rule of <see cref="ProcessClient.WrapForExitCode(string, string)"/> (no cmd.exe
    /// metacharacter but the double quotes around arguments, quotes paired), so every joiner sits outside quotes.
    /// </summary>
    internal sealed class CommandChain
    {
        private static readonly Regex Metacharacters = new Regex("[&|<>^%!\"\\r\\n\\x00-\\x1f\\x7f]", RegexOptions.CultureInvariant);
        private readonly StringBuilder text = new StringBuilder();

        public int Count { get; private set; }

        /// <summary>Runs <paramref name="command"/> whatever the previous command's exit code (the first command: at once).</summary>
        public CommandChain Then(string command) => Append(Count == 0 ? null : " & ", command);

        /// <summary>Runs <paramref name="command"/> only when the previous command exited 0.</summary>
        public CommandChain ThenIfSucceeded(string command)
        {
            if (Count == 0) throw new InvalidOperationException("A chain cannot start with a conditional command.");
            return Append(" && ", command);
        }

        /// <summary>Adds every command of <paramref name="other"/>, the first one joined by <c> &amp; </c>.</summary>
        public CommandChain Then(CommandChain other)
        {
            if (other == null || other.Count == 0) throw new ArgumentException("An empty chain adds nothing.", nameof(other));
            if (Count > 0) text.Append(" & ");
            text.Append(other.text);
            Count += other.Count;
            return this;
        }

        public override string ToString() => text.ToString();

        /// <summary>Null when <paramref name="command"/> may be a link of a chain; otherwise why not.</summary>
        internal static string Check(string command)
        {
            if (string.IsNullOrWhiteSpace(command)) return "a command is required";
            if (Metacharacters.IsMatch(command.Replace("\"", string.Empty)))
                return "the command carries a cmd.exe metacharacter or a control character";
            var quotes = 0;
            foreach (var c in command) if (c == '"') quotes++;
            if (quotes % 2 != 0) return "the command's quotes are not paired";
            return null;
        }

        private CommandChain Append(string joiner, string command)
        {
            var problem = Check(command);
            if (problem != null) throw new ArgumentException("Cannot chain '" + command + "': " + problem + ".", nameof(command));
            text.Append(joiner).Append(command);
            Count++;
            return this;
        }
    }
}
