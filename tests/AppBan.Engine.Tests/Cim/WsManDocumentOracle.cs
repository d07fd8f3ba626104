using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// The document reading of enumeration pages, method output and instances the client used before it read replies in
    /// one pass (WsManReplyReader). Kept here as the reference the one-pass reader is compared with on every captured
    /// Windows reply, and read against those replies itself.
    /// </summary>
    internal static class WsManDocumentOracle
    {
        /// <summary>Reads an EnumerateResponse or PullResponse. XmlFragment items get <paramref name="fragmentClassName"/>.</summary>
        public static WsManEnumerationPage ParseEnumerationPage(XElement body, string fragmentClassName)
        {
            var response = body.Elements().FirstOrDefault(e =>
                e.Name == WsManNames.Enumeration + "EnumerateResponse" || e.Name == WsManNames.Enumeration + "PullResponse")
                ?? throw new FormatException("The reply holds neither an EnumerateResponse nor a PullResponse.");
            // Optimized enumeration puts w:Items/w:EndOfSequence in the WS-Man namespace; Pull uses n:Items/n:EndOfSequence.
            var items = response.Elements().Where(e => e.Name.LocalName == "Items").SelectMany(e => e.Elements())
                .Select(e => ParseInstance(e, fragmentClassName)).ToList();
            return new WsManEnumerationPage
            {
                Context = Text(response.Element(WsManNames.Enumeration + "EnumerationContext")),
                EndOfSequence = response.Elements().Any(e => e.Name.LocalName == "EndOfSequence"),
                Items = items,
            };
        }

        /// <summary>Reads &lt;p:Method_OUTPUT&gt;: ReturnValue and every out-parameter (arrays repeat the element; nil is null).</summary>
        public static CimMethodResult ParseMethodOutput(XElement body, string methodName)
        {
            var output = body.Elements().FirstOrDefault(e => e.Name.LocalName == methodName + "_OUTPUT")
                ?? throw new FormatException("The reply holds no " + methodName + "_OUTPUT element.");
            var values = ParseProperties(output);
            if (!values.TryGetValue("ReturnValue", out var rv) || rv.IsNull)
                throw new FormatException(methodName + "_OUTPUT has no ReturnValue.");
            var returnValue = unchecked((uint)(rv.AsSInt64() ?? 0));
            values.Remove("ReturnValue");
            return new CimMethodResult(returnValue, values);
        }

        /// <summary>A typed item (&lt;p:Win32_Process&gt;) or a w:XmlFragment.</summary>
        public static CimObject ParseInstance(XElement element, string fragmentClassName = null)
        {
            var className = element.Name == WsManNames.WsMan + "XmlFragment" ? fragmentClassName : element.Name.LocalName;
            return new CimObject(className, ParseProperties(element));
        }

        private static Dictionary<string, CimValue> ParseProperties(XElement parent)
        {
            var values = new Dictionary<string, CimValue>(StringComparer.OrdinalIgnoreCase);
            foreach (var group in parent.Elements().GroupBy(e => e.Name.LocalName, StringComparer.OrdinalIgnoreCase))
            {
                var elements = group.ToList();
                if (elements.Count == 1)
                {
                    values[group.Key] = ParseValue(elements[0]);
                    continue;
                }
                var parsed = elements.Select(ParseValue).ToList();
                var type = parsed.Select(v => v.Type).FirstOrDefault(t => t != CimType.Unknown);
                values[group.Key] = new CimValue(type, true, parsed.Select(v => v.Value).ToList());
            }
            return values;
        }

        /// <summary>One property element: nil, a cim:Datetime, an embedded instance, or text typed by xsi:type when present.</summary>
        public static CimValue ParseValue(XElement e)
        {
            if ((string)e.Attribute(WsManNames.Xsi + "nil") == "true") return CimValue.Null;
            var datetime = e.Element(WsManNames.Cim + "Datetime");
            if (datetime != null)
            {
                var text = Text(datetime);
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
                    ? new CimValue(CimType.DateTime, false, when.UtcDateTime)
                    : new CimValue(CimType.DateTime, false, text);
            }
            var interval = e.Element(WsManNames.Cim + "Interval");
            if (interval != null)
            {
                var text = Text(interval);
                try { return new CimValue(CimType.DateTime, false, XmlConvert.ToTimeSpan(text)); }
                catch (FormatException) { return new CimValue(CimType.DateTime, false, text); }
            }
            if (e.HasElements) return new CimValue(CimType.Instance, false, new CimObject(TypeName(e), ParseProperties(e)));
            return WsManParser.TypedText(e.Value, (string)e.Attribute(WsManNames.Xsi + "type"));
        }

        private static string TypeName(XElement e)
        {
            var type = (string)e.Attribute(WsManNames.Xsi + "type");
            if (string.IsNullOrEmpty(type)) return e.Name.LocalName;
            var local = type.Substring(type.IndexOf(':') + 1);
            return local.EndsWith("_Type", StringComparison.Ordinal) ? local.Substring(0, local.Length - 5) : local;
        }

        private static string Text(XElement e) => e?.Value.Trim();
    }
}
