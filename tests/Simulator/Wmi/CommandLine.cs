using System.Text;

namespace AppBan.Simulator.Wmi;

/// <summary>One cmd.exe statement and how it joins the previous one ("", "&amp;", "&amp;&amp;", "||", "|").</summary>
public sealed record CmdStatement(string Text, string Connector);

/// <summary>How cmd.exe and CreateProcess read a command line, as far as the simulator needs it.</summary>
public static class CommandLine
{
    /// <summary>File name of a Windows path (backslashes), lower-cased.</summary>
    public static string FileName(string path)
    {
        var i = path.LastIndexOfAny(['\\', '/']);
        return (i >= 0 ? path[(i + 1)..] : path).ToLowerInvariant();
    }

    public static bool HasDirectory(string path) => path.IndexOfAny(['\\', '/', ':']) >= 0;

    /// <summary>First token (the program) and the rest; quotes around the program are removed.</summary>
    public static (string Program, string Remainder, bool Quoted) SplitProgram(string commandLine)
    {
        var s = commandLine.TrimStart();
        if (s.StartsWith('"'))
        {
            var end = s.IndexOf('"', 1);
            if (end < 0) return (s[1..], "", true);
            return (s[1..end], s[(end + 1)..].TrimStart(), true);
        }
        var space = s.IndexOfAny([' ', '\t']);
        return space < 0 ? (s, "", false) : (s[..space], s[(space + 1)..].TrimStart(), false);
    }

    /// <summary>Splits arguments the way the C runtime does for simple cases: quotes group, and are removed.</summary>
    public static List<string> Arguments(string rest)
    {
        var list = new List<string>();
        var sb = new StringBuilder();
        var inQuotes = false;
        var any = false;
        foreach (var c in rest)
        {
            if (c == '"') { inQuotes = !inQuotes; any = true; continue; }
            if (!inQuotes && char.IsWhiteSpace(c))
            {
                if (any) { list.Add(sb.ToString()); sb.Clear(); any = false; }
                continue;
            }
            sb.Append(c);
            any = true;
        }
        if (any) list.Add(sb.ToString());
        return list;
    }

    /// <summary>Collapses whitespace outside quotes, for comparing argument strings.</summary>
    public static string NormalizeArguments(string? args) => string.Join(' ', (args ?? "").Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Splits a cmd.exe line on &amp;, &amp;&amp;, || and | outside quotes; ^ escapes the next character.</summary>
    public static List<CmdStatement> Statements(string line)
    {
        var list = new List<CmdStatement>();
        var sb = new StringBuilder();
        var inQuotes = false;
        var connector = "";
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '"') { inQuotes = !inQuotes; sb.Append(c); continue; }
            if (!inQuotes && c == '^' && i + 1 < line.Length) { sb.Append(line[++i]); continue; }
            if (!inQuotes && (c == '&' || c == '|'))
            {
                var op = c.ToString();
                if (i + 1 < line.Length && line[i + 1] == c) { op += c; i++; }
                Add();
                connector = op;
                continue;
            }
            sb.Append(c);
        }
        Add();
        return list;

        void Add()
        {
            var text = sb.ToString().Trim();
            sb.Clear();
            if (text.Length > 0) list.Add(new CmdStatement(text, connector));
        }
    }

    /// <summary>
    /// Parses "cmd.exe [switches] /c command". Returns null when the line is not a cmd.exe /c line.
    /// With /s (or when the simple rule does not apply) cmd strips the first quote and the last quote.
    /// </summary>
    public static (string Command, bool DelayedExpansion)? ParseCmd(string rest)
    {
        var i = 0;
        var delayed = false;
        var stripQuotesAlways = false;
        while (i < rest.Length)
        {
            while (i < rest.Length && char.IsWhiteSpace(rest[i])) i++;
            if (i >= rest.Length || rest[i] != '/') return null;
            var end = i;
            while (end < rest.Length && !char.IsWhiteSpace(rest[end]) && (end == i || rest[end] != '/')) end++;
            var sw = rest[i..end].ToLowerInvariant();
            i = end;
            if (sw is "/c" or "/k")
            {
                var command = rest[i..].TrimStart();
                var quotes = command.Count(ch => ch == '"');
                if (command.StartsWith('"') && (stripQuotesAlways || quotes != 2))
                {
                    var last = command.LastIndexOf('"');
                    command = last > 0 ? command[1..last] + command[(last + 1)..] : command[1..];
                }
                return (command, delayed);
            }
            if (sw == "/v:on") delayed = true;
            else if (sw == "/v:off") delayed = false;
            else if (sw == "/s") stripQuotesAlways = true;
        }
        return null;
    }

    /// <summary>cmd.exe's !VAR! expansion: an undefined variable expands to nothing.</summary>
    public static string DelayedExpand(string text, Func<string, string?> lookup)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var start = text.IndexOf('!', i);
            if (start < 0) { sb.Append(text, i, text.Length - i); break; }
            var end = text.IndexOf('!', start + 1);
            if (end < 0) { sb.Append(text, i, start - i).Append(text, start + 1, text.Length - start - 1); break; }
            sb.Append(text, i, start - i).Append(lookup(text[(start + 1)..end]) ?? "");
            i = end + 1;
        }
        return sb.ToString();
    }
}
