using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// The text of a WebAppSettings policy value: a JSON array of objects [doc: Microsoft Edge policy reference,
    /// WebAppSettings]. AppBan changes it only by inserting or cutting whole elements, so every other entry keeps its
    /// text, order and layout. The text is checked against strict JSON (RFC 8259) first: the element boundaries are
    /// found by the same scan, so nothing that scan does not understand (comments, single quotes, trailing commas) is
    /// ever edited.
    /// </summary>
    internal sealed class WebAppSettingsDocument
    {
        /// <summary>Deeper nesting is refused rather than followed: a hostile value must not exhaust the stack.</summary>
        private const int MaxDepth = 64;

        private readonly string _text;
        private readonly int _open;   // index of '['
        private readonly List<(int Start, int End)> _spans;

        private WebAppSettingsDocument(string text, int open, List<(int, int)> spans)
        {
            _text = text;
            _open = open;
            _spans = spans;
            Elements = spans.Select(s => ParseElement(text.Substring(s.Item1, s.Item2 - s.Item1))).ToList().AsReadOnly();
        }

        /// <summary>Each element, parsed; null for one that Json.NET would read differently (a duplicated property name).</summary>
        public IReadOnlyList<JToken> Elements { get; }

        /// <summary>The document with no elements, for a value that does not exist yet.</summary>
        public static WebAppSettingsDocument Empty() => new WebAppSettingsDocument("[]", 0, new List<(int, int)>());

        /// <summary>Reads <paramref name="text"/>; false with the reason when it is not one strict JSON array.</summary>
        public static bool TryRead(string text, out WebAppSettingsDocument document, out string error)
        {
            document = null;
            var scanner = new Scanner(text ?? "");
            try
            {
                scanner.SkipBlanks();
                if (scanner.AtEnd) throw scanner.Fail("the value is empty");
                if (scanner.Peek != '[') throw scanner.Fail("it is not a JSON list (it does not start with '[')");
                var open = scanner.Position;
                var spans = scanner.TopLevelArray();
                scanner.SkipBlanks();
                if (!scanner.AtEnd) throw scanner.Fail("there is more text after the list's closing ']'");
                document = new WebAppSettingsDocument(text, open, spans);
                error = null;
                return true;
            }
            catch (FormatException e)
            {
                error = e.Message;
                return false;
            }
        }

        /// <summary>The text with <paramref name="elements"/> (each one JSON text) added at the end, laid out as the last element was.</summary>
        public string Append(IEnumerable<string> elements)
        {
            var added = elements.ToList();
            if (added.Count == 0) return _text;
            if (_spans.Count == 0)
                return _text.Substring(0, _open + 1) + string.Join(",", added) + _text.Substring(_open + 1);
            // The blank before the last element (after '[' or its comma) is what goes before each new one.
            var last = _spans[_spans.Count - 1];
            var before = _spans.Count == 1 ? _open + 1 : _spans[_spans.Count - 2].End;
            var gap = _text.Substring(before, last.Start - before);
            var indent = gap.Substring(gap.IndexOf(',') + 1);
            var sb = new StringBuilder(_text.Length + added.Sum(a => a.Length + indent.Length + 1));
            sb.Append(_text, 0, last.End);
            foreach (var element in added) sb.Append(',').Append(indent).Append(element);
            sb.Append(_text, last.End, _text.Length - last.End);
            return sb.ToString();
        }

        /// <summary>
        /// The text without the elements at <paramref name="indices"/>; each kept element keeps the blank and comma
        /// that stood before it. Null when no element would remain.
        /// </summary>
        public string Without(ICollection<int> indices)
        {
            var kept = Enumerable.Range(0, _spans.Count).Where(i => !indices.Contains(i)).ToList();
            if (kept.Count == 0) return null;
            var sb = new StringBuilder(_text.Length);
            sb.Append(_text, 0, _open + 1);
            for (int k = 0; k < kept.Count; k++)
            {
                var i = kept[k];
                // The first kept element takes the blank that followed '['; a later one the gap before it, whose one
                // comma separates it from whichever element now precedes it.
                var from = k == 0 ? _open + 1 : _spans[i - 1].End;
                var to = k == 0 ? _spans[0].Start : _spans[i].Start;
                sb.Append(_text, from, to - from);
                sb.Append(_text, _spans[i].Start, _spans[i].End - _spans[i].Start);
            }
            var lastEnd = _spans[_spans.Count - 1].End;
            sb.Append(_text, lastEnd, _text.Length - lastEnd);
            return sb.ToString();
        }

        private static JToken ParseElement(string json)
        {
            try
            {
                using (var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal })
                    return JToken.ReadFrom(reader, new JsonLoadSettings { DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>A strict JSON scan that remembers where each element of the outer list starts and ends.</summary>
        private sealed class Scanner
        {
            private readonly string _s;
            private int _i;

            public Scanner(string s) { _s = s; }

            public int Position => _i;
            public bool AtEnd => _i >= _s.Length;
            public char Peek => _s[_i];

            public FormatException Fail(string why) => new FormatException(why + " (at character " + (_i + 1) + ")");

            public void SkipBlanks()
            {
                while (_i < _s.Length && (_s[_i] == ' ' || _s[_i] == '\t' || _s[_i] == '\n' || _s[_i] == '\r')) _i++;
            }

            public List<(int, int)> TopLevelArray()
            {
                var spans = new List<(int, int)>();
                _i++; // '['
                SkipBlanks();
                if (!AtEnd && Peek == ']') { _i++; return spans; }
                while (true)
                {
                    SkipBlanks();
                    var start = _i;
                    Value(1);
                    spans.Add((start, _i));
                    SkipBlanks();
                    if (AtEnd) throw Fail("the list is not closed with ']'");
                    if (Peek == ',') { _i++; continue; }
                    if (Peek == ']') { _i++; return spans; }
                    throw Fail("expected ',' or ']'");
                }
            }

            private void Value(int depth)
            {
                if (depth > MaxDepth) throw Fail("the list is nested more than " + MaxDepth + " levels deep");
                SkipBlanks();
                if (AtEnd) throw Fail("the text ends where a value should be");
                switch (Peek)
                {
                    case '{': Container('}', depth, member: true); return;
                    case '[': Container(']', depth, member: false); return;
                    case '"': String(); return;
                    case 't': Word("true"); return;
                    case 'f': Word("false"); return;
                    case 'n': Word("null"); return;
                    default:
                        if (Peek == '-' || (Peek >= '0' && Peek <= '9')) { Number(); return; }
                        throw Fail("'" + Peek + "' does not start a JSON value");
                }
            }

            private void Container(char close, int depth, bool member)
            {
                _i++;
                SkipBlanks();
                if (!AtEnd && Peek == close) { _i++; return; }
                while (true)
                {
                    SkipBlanks();
                    if (member)
                    {
                        if (AtEnd || Peek != '"') throw Fail("expected a property name in double quotes");
                        String();
                        SkipBlanks();
                        if (AtEnd || Peek != ':') throw Fail("expected ':' after a property name");
                        _i++;
                    }
                    Value(depth + 1);
                    SkipBlanks();
                    if (AtEnd) throw Fail("the text ends inside a " + (member ? "{ }" : "[ ]"));
                    if (Peek == ',') { _i++; continue; }
                    if (Peek == close) { _i++; return; }
                    throw Fail("expected ',' or '" + close + "'");
                }
            }

            private void String()
            {
                _i++;
                while (true)
                {
                    if (AtEnd) throw Fail("a text in double quotes is not closed");
                    var c = _s[_i];
                    if (c == '"') { _i++; return; }
                    if (c < 0x20) throw Fail("a control character inside a text");
                    if (c == '\\')
                    {
                        _i++;
                        if (AtEnd) throw Fail("a text ends in '\\'");
                        var e = _s[_i];
                        if (e == 'u')
                        {
                            for (int k = 1; k <= 4; k++)
                                if (_i + k >= _s.Length || !Uri.IsHexDigit(_s[_i + k])) throw Fail("'\\u' is not followed by four hex digits");
                            _i += 4;
                        }
                        else if ("\"\\/bfnrt".IndexOf(e) < 0) throw Fail("'\\" + e + "' is not a JSON escape");
                    }
                    _i++;
                }
            }

            private void Number()
            {
                if (Peek == '-') _i++;
                if (AtEnd || !IsDigit(Peek)) throw Fail("a number needs a digit");
                if (Peek == '0') _i++;
                else while (!AtEnd && IsDigit(Peek)) _i++;
                if (!AtEnd && Peek == '.')
                {
                    _i++;
                    if (AtEnd || !IsDigit(Peek)) throw Fail("a number needs a digit after '.'");
                    while (!AtEnd && IsDigit(Peek)) _i++;
                }
                if (!AtEnd && (Peek == 'e' || Peek == 'E'))
                {
                    _i++;
                    if (!AtEnd && (Peek == '+' || Peek == '-')) _i++;
                    if (AtEnd || !IsDigit(Peek)) throw Fail("a number needs a digit in its exponent");
                    while (!AtEnd && IsDigit(Peek)) _i++;
                }
            }

            private void Word(string word)
            {
                if (string.CompareOrdinal(_s, _i, word, 0, word.Length) != 0) throw Fail("expected '" + word + "'");
                _i += word.Length;
            }

            private static bool IsDigit(char c) => c >= '0' && c <= '9';
        }
    }
}
