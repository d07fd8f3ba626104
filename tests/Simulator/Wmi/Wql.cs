using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AppBan.Simulator.Wmi;

public sealed class WqlException(string message) : Exception(message);

/// <summary>
/// The WQL subset: SELECT * | p1, p2 FROM Class [WHERE ...] with =, &lt;&gt;, !=, &lt;, &gt;, &lt;=, &gt;=, LIKE,
/// IS [NOT] NULL, AND, OR, NOT and parentheses. String literals take ' or " and backslash escapes, as WQL does.
/// </summary>
public sealed class WqlQuery
{
    public string ClassName { get; private init; } = "";
    /// <summary>Null for SELECT *.</summary>
    public IReadOnlyList<string>? Properties { get; private init; }
    public Func<CimInstance, bool> Where { get; private init; } = _ => true;
    public IReadOnlyList<string> ReferencedProperties { get; private init; } = [];

    private enum T { Ident, Str, Num, Op, LParen, RParen, Comma, Star, End }
    private readonly record struct Tok(T Kind, string Text);

    public static WqlQuery Parse(string text)
    {
        var toks = Lex(text);
        var p = new Parser(toks);
        p.Keyword("SELECT");
        List<string>? props = null;
        if (p.Peek.Kind == T.Star) p.Next();
        else
        {
            props = [p.Ident()];
            while (p.Peek.Kind == T.Comma) { p.Next(); props.Add(p.Ident()); }
        }
        p.Keyword("FROM");
        var cls = p.Ident();
        Func<CimInstance, bool> where = _ => true;
        var referenced = new List<string>();
        if (p.IsKeyword("WHERE")) { p.Next(); where = p.Or(referenced); }
        if (p.Peek.Kind != T.End) throw new WqlException($"Unexpected '{p.Peek.Text}'.");
        return new WqlQuery { ClassName = cls, Properties = props, Where = where, ReferencedProperties = referenced };
    }

    private static List<Tok> Lex(string s)
    {
        var list = new List<Tok>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '\'' or '"')
            {
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= s.Length) throw new WqlException("Unterminated string.");
                    if (s[i] == '\\' && i + 1 < s.Length) { sb.Append(s[i + 1]); i += 2; continue; }
                    if (s[i] == c) { i++; break; }
                    sb.Append(s[i++]);
                }
                list.Add(new Tok(T.Str, sb.ToString()));
                continue;
            }
            if (char.IsDigit(c) || (c == '-' && i + 1 < s.Length && char.IsDigit(s[i + 1])))
            {
                var start = i++;
                while (i < s.Length && (char.IsDigit(s[i]) || s[i] == '.')) i++;
                list.Add(new Tok(T.Num, s[start..i]));
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] == '_')) i++;
                list.Add(new Tok(T.Ident, s[start..i]));
                continue;
            }
            switch (c)
            {
                case '(': list.Add(new Tok(T.LParen, "(")); i++; continue;
                case ')': list.Add(new Tok(T.RParen, ")")); i++; continue;
                case ',': list.Add(new Tok(T.Comma, ",")); i++; continue;
                case '*': list.Add(new Tok(T.Star, "*")); i++; continue;
                case '=': list.Add(new Tok(T.Op, "=")); i++; continue;
                case '<' or '>' or '!':
                    if (i + 1 < s.Length && (s[i + 1] == '=' || (c == '<' && s[i + 1] == '>'))) { list.Add(new Tok(T.Op, s.Substring(i, 2))); i += 2; continue; }
                    if (c == '!') throw new WqlException("Unexpected '!'.");
                    list.Add(new Tok(T.Op, c.ToString())); i++; continue;
                default: throw new WqlException($"Unexpected character '{c}'.");
            }
        }
        list.Add(new Tok(T.End, ""));
        return list;
    }

    private sealed class Parser(List<Tok> toks)
    {
        private int pos;
        public Tok Peek => toks[pos];
        public Tok Next() => toks[pos++];
        public bool IsKeyword(string k) => Peek.Kind == T.Ident && string.Equals(Peek.Text, k, StringComparison.OrdinalIgnoreCase);

        public void Keyword(string k)
        {
            if (!IsKeyword(k)) throw new WqlException($"Expected {k}.");
            Next();
        }

        public string Ident()
        {
            if (Peek.Kind != T.Ident) throw new WqlException($"Expected a name, found '{Peek.Text}'.");
            return Next().Text;
        }

        public Func<CimInstance, bool> Or(List<string> refs)
        {
            var left = And(refs);
            while (IsKeyword("OR")) { Next(); var l = left; var r = And(refs); left = x => l(x) || r(x); }
            return left;
        }

        private Func<CimInstance, bool> And(List<string> refs)
        {
            var left = Not(refs);
            while (IsKeyword("AND")) { Next(); var l = left; var r = Not(refs); left = x => l(x) && r(x); }
            return left;
        }

        private Func<CimInstance, bool> Not(List<string> refs)
        {
            if (IsKeyword("NOT")) { Next(); var inner = Not(refs); return x => !inner(x); }
            if (Peek.Kind == T.LParen)
            {
                Next();
                var e = Or(refs);
                if (Next().Kind != T.RParen) throw new WqlException("Expected ')'.");
                return e;
            }
            var prop = Ident();
            refs.Add(prop);
            if (IsKeyword("IS"))
            {
                Next();
                var negate = false;
                if (IsKeyword("NOT")) { Next(); negate = true; }
                Keyword("NULL");
                return x => (x.ValueForQuery(prop) is null) != negate;
            }
            string op;
            if (IsKeyword("LIKE")) { Next(); op = "LIKE"; }
            else if (Peek.Kind == T.Op) op = Next().Text;
            else throw new WqlException($"Expected an operator after {prop}.");
            var lit = Literal();
            if (op == "LIKE")
            {
                if (lit is not string pattern) throw new WqlException("LIKE needs a string.");
                var regex = LikeToRegex(pattern);
                return x => x.ValueForQuery(prop) is { } v && regex.IsMatch(Convert.ToString(v, CultureInfo.InvariantCulture)!);
            }
            return x => Compare(x.ValueForQuery(prop), op, lit);
        }

        private object? Literal()
        {
            var t = Next();
            switch (t.Kind)
            {
                case T.Str: return t.Text;
                case T.Num: return decimal.Parse(t.Text, CultureInfo.InvariantCulture);
                case T.Ident when t.Text.Equals("TRUE", StringComparison.OrdinalIgnoreCase): return true;
                case T.Ident when t.Text.Equals("FALSE", StringComparison.OrdinalIgnoreCase): return false;
                case T.Ident when t.Text.Equals("NULL", StringComparison.OrdinalIgnoreCase): return null;
                default: throw new WqlException($"Expected a literal, found '{t.Text}'.");
            }
        }
    }

    private static Regex LikeToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '%': sb.Append(".*"); break;
                case '_': sb.Append('.'); break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0) { sb.Append(Regex.Escape("[")); break; }
                    var set = pattern[(i + 1)..end];
                    sb.Append('[').Append(set.StartsWith('^') ? "^" + Regex.Escape(set[1..]) : Regex.Escape(set)).Append(']');
                    i = end;
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private static bool Compare(object? value, string op, object? literal)
    {
        if (value is null || literal is null) return op is "<>" or "!=" ? (value is null) != (literal is null) : false;
        int cmp;
        if (literal is string s)
            cmp = string.Compare(Convert.ToString(value, CultureInfo.InvariantCulture), s, StringComparison.OrdinalIgnoreCase);
        else if (literal is bool b)
        {
            if (value is not bool vb) return false;
            cmp = vb.CompareTo(b);
        }
        else
        {
            decimal v;
            try { v = value is bool bb ? (bb ? 1 : 0) : Convert.ToDecimal(value, CultureInfo.InvariantCulture); }
            catch (FormatException) { return false; }
            cmp = v.CompareTo((decimal)literal);
        }
        return op switch
        {
            "=" => cmp == 0,
            "<>" or "!=" => cmp != 0,
            "<" => cmp < 0,
            ">" => cmp > 0,
            "<=" => cmp <= 0,
            ">=" => cmp >= 0,
            _ => throw new WqlException($"Unknown operator {op}."),
        };
    }
}
