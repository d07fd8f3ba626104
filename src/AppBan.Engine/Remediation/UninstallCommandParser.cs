using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    internal enum UninstallCommandForm
    {
        /// <summary>A program and its arguments.</summary>
        Executable,
        /// <summary>msiexec naming a product code: we build our own msiexec command from the code.</summary>
        Msi,
    }

    /// <summary>An uninstall string split into its program and arguments, %variables% already expanded.</summary>
    internal sealed class UninstallCommand
    {
        public UninstallCommandForm Form { get; internal set; }
        /// <summary>The program as written (after expansion); for <see cref="UninstallCommandForm.Msi"/> the msiexec token.</summary>
        public string ExecutablePath { get; internal set; }
        /// <summary>The arguments, split on whitespace outside quotes; quotes are kept as written.</summary>
        public IReadOnlyList<string> Arguments { get; internal set; } = Array.Empty<string>();
        /// <summary>Msi form: the validated, upper-case product code.</summary>
        public string ProductCode { get; internal set; }
        /// <summary>Msi form: the entry said /I (install or repair); it is removed with /X all the same.</summary>
        public bool MsiInstallForm { get; internal set; }
    }

    internal sealed class UninstallParseResult
    {
        private UninstallParseResult(UninstallCommand command, string error) { Command = command; Error = error; }
        public UninstallCommand Command { get; }
        /// <summary>Why the string could not be parsed; null on success.</summary>
        public string Error { get; }
        public bool Success => Command != null;
        internal static UninstallParseResult Ok(UninstallCommand c) => new UninstallParseResult(c, null);
        internal static UninstallParseResult Fail(string error) => new UninstallParseResult(null, error);
    }

    /// <summary>
    /// Splits uninstall strings as they occur in the wild: quoted and unquoted paths, paths with spaces and no
    /// quotes (the program ends at the first ".exe" followed by a space, a quote, a slash or the end), 8.3
    /// paths, %variables%, doubled and empty quotes, arguments glued to the path, and MsiExec /X{GUID} or
    /// /I{GUID}. Parsing says nothing about safety: <see cref="ExecutablePolicy"/> decides what may run.
    /// Expansion covers only <see cref="TargetEnvironment.ExpandableVariables"/>, with the target's own values;
    /// any other variable (per-user ones such as %TEMP% or %LOCALAPPDATA% in particular) fails the parse.
    /// </summary>
    internal static class UninstallCommandParser
    {
        private static readonly Regex VariablePattern = new Regex("%([^%]*)%", RegexOptions.CultureInvariant);
        private static readonly Regex MsiOperation = new Regex(@"\A[/-](?<op>x|i|uninstall|package)(?<code>\{.*)?\z",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        public static UninstallParseResult Parse(string text, TargetEnvironment environment)
        {
            if (string.IsNullOrWhiteSpace(text)) return UninstallParseResult.Fail("the uninstall string is empty");
            if (text.Any(c => c != '\t' && (char.IsControl(c) || c == '\u2028' || c == '\u2029')))
                return UninstallParseResult.Fail("the uninstall string contains a line break or another control character");

            var s = text.Trim();
            if (s.IndexOf('%') >= 0)
            {
                if (environment == null) return UninstallParseResult.Fail("the uninstall string uses %variables% and the target's folders are not known");
                var expansion = ExpandVariables(s, environment, out s);
                if (expansion != null) return UninstallParseResult.Fail(expansion);
            }

            string exe, rest;
            // Doubled quotes around the program: ""C:\Program Files\App\uninstall.exe"" /S
            var doubled = s.StartsWith("\"\"", StringComparison.Ordinal) && s.Length > 2 && !IsWhitespace(s[2]) && s[2] != '"';
            if (doubled) s = s.Substring(1);
            if (s[0] == '"')
            {
                var close = s.IndexOf('"', 1);
                if (close < 0) return UninstallParseResult.Fail("the uninstall string has an unbalanced quote");
                exe = s.Substring(1, close - 1);
                rest = s.Substring(close + 1);
                if (doubled && rest.StartsWith("\"", StringComparison.Ordinal)) rest = rest.Substring(1);
                if (exe.Trim().Length == 0) return UninstallParseResult.Fail("the uninstall string starts with empty quotes and names no program");
            }
            else
            {
                var end = IsPathStart(s) ? FindExecutableEnd(s, 0, s.Length) : -1;
                if (end < 0)
                {
                    var token = s.IndexOfAny(new[] { ' ', '\t' });
                    if (token < 0) token = s.Length;
                    // A bare program glued to its arguments: MsiExec.exe/X{GUID}
                    end = FindExecutableEnd(s, 0, token);
                    if (end < 0) end = token;
                }
                exe = s.Substring(0, end);
                rest = s.Substring(end);
            }

            var tokenizeError = Tokenize(rest, out var arguments);
            if (tokenizeError != null) return UninstallParseResult.Fail(tokenizeError);

            var command = new UninstallCommand { Form = UninstallCommandForm.Executable, ExecutablePath = exe.Trim(), Arguments = arguments };
            if (IsMsiexec(command.ExecutablePath)) return ParseMsi(command);
            return UninstallParseResult.Ok(command);
        }

        /// <summary>True for msiexec or msiexec.exe, with or without a folder.</summary>
        public static bool IsMsiexec(string executable)
        {
            if (string.IsNullOrEmpty(executable)) return false;
            var name = executable.Substring(executable.LastIndexOfAny(new[] { '\\', '/' }) + 1);
            return string.Equals(name, "msiexec", StringComparison.OrdinalIgnoreCase) ||
                   string.Equals(name, "msiexec.exe", StringComparison.OrdinalIgnoreCase);
        }

        /// <summary>
        /// Splits arguments on whitespace outside double quotes, keeping the quotes, so that they are passed on
        /// exactly as the entry wrote them. Backslash-escaped quotes are refused rather than interpreted.
        /// </summary>
        public static string Tokenize(string text, out IReadOnlyList<string> tokens)
        {
            var list = new List<string>();
            tokens = list;
            if (string.IsNullOrEmpty(text)) return null;
            if (text.IndexOf("\\\"", StringComparison.Ordinal) >= 0)
                return "the uninstall string escapes a quote with a backslash, which is not supported";
            var current = new StringBuilder();
            var inQuotes = false;
            foreach (var c in text)
            {
                if (c == '"') inQuotes = !inQuotes;
                if (!inQuotes && IsWhitespace(c))
                {
                    if (current.Length > 0) { list.Add(current.ToString()); current.Clear(); }
                    continue;
                }
                current.Append(c);
            }
            if (inQuotes) return "the uninstall string has an unbalanced quote";
            if (current.Length > 0) list.Add(current.ToString());
            return null;
        }

        private static UninstallParseResult ParseMsi(UninstallCommand command)
        {
            string code = null;
            var install = false;
            var args = command.Arguments;
            for (var i = 0; i < args.Count; i++)
            {
                var m = MsiOperation.Match(args[i]);
                if (!m.Success) continue;
                var op = m.Groups["op"].Value.ToLowerInvariant();
                var candidate = m.Groups["code"].Success ? m.Groups["code"].Value : (i + 1 < args.Count ? args[i + 1] : null);
                candidate = candidate?.Trim('"');
                if (!MsiProductCode.IsValid(candidate))
                    return UninstallParseResult.Fail("the msiexec command does not name a valid product code (" + Shorten(candidate) + ")");
                var normalized = MsiProductCode.TryNormalize(candidate);
                if (code != null && code != normalized) return UninstallParseResult.Fail("the msiexec command names two different product codes");
                code = normalized;
                install |= op == "i" || op == "package";
            }
            if (code == null) return UninstallParseResult.Fail("the msiexec command names no product to remove (/X{GUID} or /I{GUID})");
            command.Form = UninstallCommandForm.Msi;
            command.ProductCode = code;
            command.MsiInstallForm = install;
            return UninstallParseResult.Ok(command);
        }

        private static string ExpandVariables(string text, TargetEnvironment environment, out string expanded)
        {
            string error = null;
            expanded = VariablePattern.Replace(text, m =>
            {
                var name = m.Groups[1].Value;
                var value = environment.GetVariable(name);
                if (value == null && error == null)
                {
                    error = TargetEnvironment.ExpandableVariables.Contains(name, StringComparer.OrdinalIgnoreCase)
                        ? "%" + name + "% is not known on the target"
                        : "the uninstall string uses %" + name + "%, which is not one of the system folders AppBan expands";
                }
                return value ?? m.Value;
            });
            if (error == null && expanded.IndexOf('%') >= 0) error = "the uninstall string has an unpaired % sign";
            return error;
        }

        // The shortest prefix ending in ".exe" that is followed by whitespace, a quote, a slash or the end.
        private static int FindExecutableEnd(string s, int start, int limit)
        {
            for (var i = s.IndexOf(".exe", start, StringComparison.OrdinalIgnoreCase); i >= 0 && i + 4 <= limit;
                 i = s.IndexOf(".exe", i + 1, StringComparison.OrdinalIgnoreCase))
            {
                var end = i + 4;
                if (end == s.Length || IsWhitespace(s[end]) || s[end] == '"' || s[end] == '/') return end;
            }
            return -1;
        }

        private static bool IsPathStart(string s) =>
            (s.Length >= 3 && char.IsLetter(s[0]) && s[1] == ':' && (s[2] == '\\' || s[2] == '/')) || s.StartsWith(@"\\", StringComparison.Ordinal);

        private static bool IsWhitespace(char c) => c == ' ' || c == '\t';

        private static string Shorten(string value) =>
            value == null ? "none" : value.Length > 40 ? value.Substring(0, 40) + "..." : value;
    }
}
