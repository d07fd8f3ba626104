using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using Newtonsoft.Json;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// The JSON syntax of a policy document, in one pass over its tokens, so that comments, quoting, duplicate names
    /// and malformed JSON are reported with their line and column, in words a person editing the file can act on.
    /// </summary>
    internal static class PolicyJsonSyntax
    {
        private static readonly Regex NewtonsoftPositionSuffix = new Regex(@"\s*Path '.*', line \d+, position \d+\.?\s*$", RegexOptions.Singleline);

        /// <summary>
        /// True when <paramref name="json"/> is one JSON object that Newtonsoft can load. Problems that still let it
        /// load (comments, single quotes, duplicate names) are added without stopping the scan.
        /// </summary>
        public static bool Scan(string json, PolicyProblemList problems)
        {
            var open = new Stack<HashSet<string>>();   // null entries stand for arrays
            bool any = false;
            using (var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal })
            {
                try
                {
                    while (reader.Read())
                    {
                        if (!any && reader.TokenType != JsonToken.Comment)
                        {
                            any = true;
                            if (reader.TokenType != JsonToken.StartObject)
                            {
                                problems.Add(reader.LineNumber, problems.Positions.ValueStart(reader.LineNumber, reader.LinePosition),
                                    "a policy must be one JSON object that starts with '{'");
                                return false;
                            }
                        }
                        switch (reader.TokenType)
                        {
                            case JsonToken.StartObject: open.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                            case JsonToken.StartArray: open.Push(null); break;
                            case JsonToken.EndObject:
                            case JsonToken.EndArray:
                                if (open.Count > 0) open.Pop();
                                break;
                            case JsonToken.Comment:
                                problems.Add(reader.LineNumber, problems.Positions.CommentStart(reader.LineNumber, reader.LinePosition),
                                    "comments are not allowed in a policy file (JSON has none); put notes in a 'description' field");
                                break;
                            case JsonToken.PropertyName:
                                var propertyName = (string)reader.Value;
                                var column = problems.Positions.PropertyStart(reader.LineNumber, reader.LinePosition);
                                if (reader.QuoteChar != '"')
                                    problems.Add(reader.LineNumber, column, "the property name " + propertyName + " must be in double quotes: \"" + propertyName + "\"");
                                var seen = open.Count > 0 ? open.Peek() : null;
                                if (seen != null && !seen.Add(propertyName))
                                    problems.Add(reader.LineNumber, column, "'" + propertyName + "' appears twice in the same object; keep one");
                                break;
                            case JsonToken.String:
                                if (reader.QuoteChar != '"')
                                    problems.Add(reader.LineNumber, problems.Positions.ValueStart(reader.LineNumber, reader.LinePosition),
                                        "text must be in double quotes (\"...\"), not single quotes");
                                break;
                        }
                    }
                }
                catch (JsonReaderException ex)
                {
                    problems.Add(ex.LineNumber, ex.LinePosition + 1, "this is not valid JSON: " + DescribeSyntaxError(ex.Message));
                    return false;
                }
            }
            if (!any)
            {
                problems.Add(0, 0, "the file holds no JSON object, only comments or blanks");
                return false;
            }
            if (open.Count > 0)
            {
                var (line, column) = problems.Positions.EndOfText();
                problems.Add(line, column, "this is not valid JSON: the file ends before every '{' and '[' is closed");
                return false;
            }
            return true;
        }

        private static string DescribeSyntaxError(string message)
        {
            var bare = NewtonsoftPositionSuffix.Replace(message, "").TrimEnd('.');
            string After(string prefix) => bare.Substring(prefix.Length).Trim();
            const string missingComma = "After parsing a value an unexpected character was encountered:";
            const string missingColon = "Invalid character after parsing property name. Expected ':' but got:";
            const string badValue = "Unexpected character encountered while parsing value:";
            const string trailing = "Additional text encountered after finished reading JSON content:";
            const string badName = "Invalid property identifier character:";
            if (bare.StartsWith(missingComma, StringComparison.Ordinal))
                return "a comma is missing before this point (found " + Quote(After(missingComma)) + " right after a value)";
            if (bare.StartsWith(missingColon, StringComparison.Ordinal))
                return "a ':' is missing after a property name (found " + Quote(After(missingColon)) + ")";
            if (bare.StartsWith(badValue, StringComparison.Ordinal))
                return "found " + Quote(After(badValue)) + " where a value was expected; text must be in double quotes";
            if (bare.StartsWith(trailing, StringComparison.Ordinal))
                return "there is more text after the policy's closing '}' (found " + Quote(After(trailing)) + ")";
            if (bare.StartsWith(badName, StringComparison.Ordinal))
                return "found " + Quote(After(badName)) + " where a property name in double quotes was expected";
            if (bare.StartsWith("Unterminated string", StringComparison.Ordinal))
                return "a text value is missing its closing double quote";
            if (bare.StartsWith("Unexpected end", StringComparison.Ordinal))
                return "the file ends before the JSON is complete";
            if (bare.StartsWith("Error parsing", StringComparison.Ordinal) || bare.StartsWith("Unexpected character encountered while parsing number", StringComparison.Ordinal) || bare.StartsWith("Input string", StringComparison.Ordinal))
                return "a value is misspelt; write true, false, null, a number, or text in double quotes";
            return bare;
        }

        private static string Quote(string text) => text.Length == 0 ? "nothing" : "'" + text + "'";
    }
}
