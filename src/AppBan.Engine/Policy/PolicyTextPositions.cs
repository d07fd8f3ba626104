using System;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// Line and column arithmetic over a policy document's text. Newtonsoft reports where a token ends; people want
    /// where it starts, so each position is walked back to the start of the name, value or comment it belongs to.
    /// </summary>
    internal sealed class PolicyTextPositions
    {
        private readonly string[] _lines;

        public PolicyTextPositions(string json)
        {
            _lines = Regex.Split(json ?? string.Empty, "\r\n|\r|\n");
        }

        /// <summary>Where a token starts: a property at its name's opening quote, a value at its first character.</summary>
        public (int Line, int Column) Where(JToken token)
        {
            if (token == null) return (0, 0);
            if (!(token is JProperty) && token.Parent is JProperty owner) token = owner;
            var info = (IJsonLineInfo)token;
            if (!info.HasLineInfo()) return (0, 0);
            if (token is JProperty) return (info.LineNumber, PropertyStart(info.LineNumber, info.LinePosition));
            if (token is JContainer) return (info.LineNumber, info.LinePosition);   // just past '{' or '[', i.e. its column
            return (info.LineNumber, ValueStart(info.LineNumber, info.LinePosition));
        }

        /// <summary>Just past the last character of the last line that is not blank: where an unclosed document ends.</summary>
        public (int Line, int Column) EndOfText()
        {
            int last = _lines.Length;
            while (last > 1 && _lines[last - 1].Trim().Length == 0) last--;
            return (last, _lines[last - 1].Length + 1);
        }

        private string LineText(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1] : string.Empty;

        // The reader stands just past the ':' of a property; walk back to the name's opening quote.
        public int PropertyStart(int line, int position)
        {
            var text = LineText(line);
            int i = Math.Min(position, text.Length) - 1;
            if (i >= 0 && text[i] == ':') i--;
            while (i >= 0 && char.IsWhiteSpace(text[i])) i--;
            if (i < 0) return Math.Max(position, 1);
            if (text[i] == '"' || text[i] == '\'') return OpeningQuote(text, i) + 1;
            while (i > 0 && !IsDelimiter(text[i - 1])) i--;   // unquoted name
            return i + 1;
        }

        public int ValueStart(int line, int position)
        {
            var text = LineText(line);
            int i = Math.Min(position, text.Length) - 1;
            if (i < 0) return Math.Max(position, 1);
            if (text[i] == '"' || text[i] == '\'') return OpeningQuote(text, i) + 1;
            while (i > 0 && !IsDelimiter(text[i - 1])) i--;
            return i + 1;
        }

        public int CommentStart(int line, int position)
        {
            var text = LineText(line);
            int end = Math.Min(position, text.Length);
            int slashes = text.LastIndexOf("//", Math.Max(end - 1, 0), StringComparison.Ordinal);
            int block = text.LastIndexOf("/*", Math.Max(end - 1, 0), StringComparison.Ordinal);
            int start = Math.Max(slashes, block);
            return start >= 0 ? start + 1 : Math.Max(position, 1);
        }

        private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c == ',' || c == '[' || c == '{' || c == ':';

        // Index of the quote that opens the string whose closing quote is at closing.
        private static int OpeningQuote(string text, int closing)
        {
            char quote = text[closing];
            for (int i = closing - 1; i >= 0; i--)
            {
                if (text[i] != quote) continue;
                int backslashes = 0;
                for (int j = i - 1; j >= 0 && text[j] == '\\'; j--) backslashes++;
                if (backslashes % 2 == 0) return i;
            }
            return closing;
        }
    }
}
