using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Xml;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>What every request carries in its header besides the action.</summary>
    internal sealed class WsManHeaderOptions
    {
        /// <summary>The listener URL, sent as a:To.</summary>
        public string To { get; set; }
        public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>Bytes. Windows' default limit is 500 KB (MaxEnvelopeSizekb).</summary>
        public int MaxEnvelopeSize { get; set; } = 512000;
        public string Locale { get; set; } = "en-US";
        /// <summary>Sends the WMI context __ProviderArchitecture=64, __RequiredArchitecture=true.</summary>
        public bool Use64BitProvider { get; set; }
    }

    /// <summary>
    /// Builds the SOAP envelopes the client sends: fixed text with each value XML-escaped into its place (no XML writer per
    /// request; the fixed parts are constants). Pure functions of their inputs, so tests can compare them.
    /// </summary>
    internal static class WsManRequest
    {
        private const string XmlSchemaNamespace = "http://www.w3.org/2001/XMLSchema";

        private const string EnvelopeStart =
            "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" " +
            "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" " +
            "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" " +
            "xmlns:cim=\"http://schemas.dmtf.org/wbem/wscim/1/common\"><s:Header><a:To>";

        // [doc MS-WSMV 3.1.4.1.10] The service adds every option named "wmi:<name>" to the WMI context as <name>.
        // MustComply stays unset: the WMI plug-in may answer wsman:InvalidOptions to mustComply="true".
        // [guess W009] The Type attribute tells the plug-in which variant type to put in the context; its value is a
        // QName, so the xs prefix is declared. Whether WinRM honours, ignores or never sees the option, the reads
        // are right: without it WMI serves the native (64-bit) view [doc MS-WMI 2.2.13], and 32-bit entries are
        // read through WOW6432Node by name, never by asking for the 32-bit view.
        private const string Provider64Options =
            "<w:OptionSet xmlns:xs=\"" + XmlSchemaNamespace + "\">" +
            "<w:Option Name=\"wmi:__ProviderArchitecture\" Type=\"xs:int\">64</w:Option>" +
            "<w:Option Name=\"wmi:__RequiredArchitecture\" Type=\"xs:boolean\">true</w:Option></w:OptionSet>";

        public static string Enumerate(string resourceUri, string messageId, WsManHeaderOptions header, string wql, int maxElements)
        {
            var x = Start(resourceUri, WsManNames.EnumerateAction, messageId, header, null);
            x.Append("<n:Enumerate><w:OptimizeEnumeration /><w:MaxElements>").Append(maxElements.ToString(CultureInfo.InvariantCulture))
             .Append("</w:MaxElements><w:Filter Dialect=\"").Append(WsManNames.WqlDialect).Append("\">");
            AppendText(x, wql);
            x.Append("</w:Filter></n:Enumerate>");
            return End(x);
        }

        public static string Pull(string resourceUri, string messageId, WsManHeaderOptions header, string context, int maxElements)
        {
            var x = Start(resourceUri, WsManNames.PullAction, messageId, header, null);
            x.Append("<n:Pull><n:EnumerationContext>");
            AppendText(x, context);
            x.Append("</n:EnumerationContext><n:MaxElements>").Append(maxElements.ToString(CultureInfo.InvariantCulture)).Append("</n:MaxElements></n:Pull>");
            return End(x);
        }

        public static string Release(string resourceUri, string messageId, WsManHeaderOptions header, string context)
        {
            var x = Start(resourceUri, WsManNames.ReleaseAction, messageId, header, null);
            x.Append("<n:Release><n:EnumerationContext>");
            AppendText(x, context);
            x.Append("</n:EnumerationContext></n:Release>");
            return End(x);
        }

        /// <summary>
        /// A WS-Transfer Delete: the instance named by its key properties in w:SelectorSet, as for an instance method, and an
        /// empty body. Without selectors it would name the whole class, so they are required.
        /// </summary>
        public static string Delete(string resourceUri, string messageId, WsManHeaderOptions header, IReadOnlyDictionary<string, string> selectors)
        {
            if (selectors == null || selectors.Count == 0) throw new ArgumentException("A Delete names its instance by its key properties.", nameof(selectors));
            return End(Start(resourceUri, WsManNames.DeleteAction, messageId, header, selectors));
        }

        /// <summary>A static method call: action &lt;ResourceURI&gt;/&lt;Method&gt;, body &lt;p:Method_INPUT&gt;.</summary>
        public static string Invoke(string resourceUri, string methodName, string messageId, WsManHeaderOptions header,
            IReadOnlyList<CimParameter> parameters) => Invoke(resourceUri, methodName, messageId, header, parameters, null);

        /// <summary>
        /// A method call; with <paramref name="selectors"/> an instance method, the instance named by its key properties in
        /// w:SelectorSet (DSP0226 Selectors; the WMI plug-in takes each key property as a selector).
        /// </summary>
        public static string Invoke(string resourceUri, string methodName, string messageId, WsManHeaderOptions header,
            IReadOnlyList<CimParameter> parameters, IReadOnlyDictionary<string, string> selectors)
        {
            if (!IsXmlName(methodName)) throw new ArgumentException("'" + methodName + "' is not a valid method name.", nameof(methodName));
            if (parameters != null)
                foreach (var parameter in parameters)
                    if (!IsXmlName(parameter.Name)) throw new ArgumentException("'" + parameter.Name + "' is not a valid parameter name.");
            var x = Start(resourceUri, resourceUri + "/" + methodName, messageId, header, selectors);
            // The input element binds p to the class's namespace (the envelope binds it to Microsoft's WS-Man schema).
            x.Append("<p:").Append(methodName).Append("_INPUT xmlns:p=\"");
            AppendAttribute(x, resourceUri);
            x.Append("\">");
            if (parameters != null)
                foreach (var parameter in parameters) WriteValue(x, parameter.Name, parameter.Value ?? CimValue.Null);
            x.Append("</p:").Append(methodName).Append("_INPUT>");
            return End(x);
        }

        private static void WriteValue(StringBuilder x, string name, CimValue value)
        {
            if (value.IsNull)
            {
                x.Append("<p:").Append(name).Append(" xsi:nil=\"true\" />");
                return;
            }
            if (value.Type == CimType.Instance || value.Type == CimType.Reference || value.Value is CimObject)
                throw new NotSupportedException("Embedded instance and reference parameters are not supported by this client.");
            if (value.IsArray && value.Value is IEnumerable<object> items)
            {
                // An array is the element repeated once per item.
                foreach (var item in items) WriteScalar(x, name, value.Type, item);
                return;
            }
            WriteScalar(x, name, value.Type, value.Value);
        }

        private static void WriteScalar(StringBuilder x, string name, CimType type, object item)
        {
            if (item == null)
            {
                x.Append("<p:").Append(name).Append(" xsi:nil=\"true\" />");
                return;
            }
            x.Append("<p:").Append(name).Append('>');
            if (item is DateTime || item is DateTimeOffset || type == CimType.DateTime)
            {
                x.Append("<cim:Datetime>");
                AppendText(x, FormatDateTime(item));
                x.Append("</cim:Datetime>");
            }
            else AppendText(x, FormatScalar(item));
            x.Append("</p:").Append(name).Append('>');
        }

        /// <summary>
        /// Appends text content, escaped. Characters XML 1.0 forbids (a key name read from a user's hive) go as character
        /// references, as an XML writer that does not check characters sends them. [guess W036] WinRM reads such
        /// references back as the characters they name. Line ends go as LF: a parser reads CR LF and a lone CR as LF
        /// anyway, so the value WinRM reads is the one an XML writer's newline handling produced before.
        /// </summary>
        internal static void AppendText(StringBuilder x, string text)
        {
            if (string.IsNullOrEmpty(text)) return;
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                string replacement;
                if (c == '&') replacement = "&amp;";
                else if (c == '<') replacement = "&lt;";
                else if (c == '>') replacement = "&gt;";
                else if (c == '\r')
                {
                    x.Append(text, start, i - start).Append('\n');
                    if (i + 1 < text.Length && text[i + 1] == '\n') i++;
                    start = i + 1;
                    continue;
                }
                else if ((c < 0x20 && c != '\t' && c != '\n') || c >= 0xD800 && XmlCharacters.IsForbiddenAt(text, i))
                    replacement = "&#x" + ((int)c).ToString("X", CultureInfo.InvariantCulture) + ";";
                else continue;
                x.Append(text, start, i - start).Append(replacement);
                start = i + 1;
            }
            x.Append(text, start, text.Length - start);
        }

        /// <summary>Appends an attribute value between double quotes, escaped.</summary>
        private static void AppendAttribute(StringBuilder x, string text)
        {
            if (string.IsNullOrEmpty(text)) return;
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                string replacement;
                switch (c)
                {
                    case '&': replacement = "&amp;"; break;
                    case '<': replacement = "&lt;"; break;
                    case '>': replacement = "&gt;"; break;
                    case '"': replacement = "&quot;"; break;
                    case '\t': replacement = "&#x9;"; break;
                    case '\n': replacement = "&#xA;"; break;
                    case '\r': replacement = "&#xD;"; break;
                    default:
                        if (c < 0x20 || (c >= 0xD800 && XmlCharacters.IsForbiddenAt(text, i)))
                        {
                            replacement = "&#x" + ((int)c).ToString("X", CultureInfo.InvariantCulture) + ";";
                            break;
                        }
                        continue;
                }
                x.Append(text, start, i - start).Append(replacement);
                start = i + 1;
            }
            x.Append(text, start, text.Length - start);
        }

        internal static string FormatScalar(object item)
        {
            switch (item)
            {
                case bool b: return b ? "true" : "false";
                case string s: return s;
                case char c: return c.ToString();
                case float f: return f.ToString("R", CultureInfo.InvariantCulture);
                case double d: return d.ToString("R", CultureInfo.InvariantCulture);
                default: return Convert.ToString(item, CultureInfo.InvariantCulture);
            }
        }

        private static string FormatDateTime(object item)
        {
            if (item is DateTimeOffset o) return o.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
            if (item is DateTime d) return d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
            return Convert.ToString(item, CultureInfo.InvariantCulture);
        }

        /// <summary>xs:duration as Windows writes it: PT60.000S.</summary>
        public static string FormatDuration(TimeSpan t) =>
            "PT" + Math.Max(0, t.TotalSeconds).ToString("0.000", CultureInfo.InvariantCulture) + "S";

        private static bool IsXmlName(string name)
        {
            if (string.IsNullOrEmpty(name)) return false;
            try { XmlConvert.VerifyNCName(name); return true; } catch (XmlException) { return false; }
        }

        /// <summary>The envelope up to the start of the body's content: the header, filled in.</summary>
        private static StringBuilder Start(string resourceUri, string action, string messageId, WsManHeaderOptions header,
            IReadOnlyDictionary<string, string> selectors)
        {
            if (selectors != null)
                foreach (var selector in selectors)
                    if (!IsXmlName(selector.Key)) throw new ArgumentException("'" + selector.Key + "' is not a valid selector name.", nameof(selectors));
            var x = new StringBuilder(1536);
            x.Append(EnvelopeStart);
            AppendText(x, header.To);
            x.Append("</a:To><w:ResourceURI s:mustUnderstand=\"true\">");
            AppendText(x, resourceUri);
            x.Append("</w:ResourceURI><a:ReplyTo><a:Address s:mustUnderstand=\"true\">").Append(WsManNames.AnonymousAddress)
             .Append("</a:Address></a:ReplyTo><a:Action s:mustUnderstand=\"true\">");
            AppendText(x, action);
            x.Append("</a:Action><w:MaxEnvelopeSize s:mustUnderstand=\"true\">").Append(header.MaxEnvelopeSize.ToString(CultureInfo.InvariantCulture))
             .Append("</w:MaxEnvelopeSize><a:MessageID>");
            AppendText(x, messageId);
            x.Append("</a:MessageID>");
            if (!string.IsNullOrEmpty(header.Locale))
            {
                x.Append("<w:Locale xml:lang=\"");
                AppendAttribute(x, header.Locale);
                x.Append("\" s:mustUnderstand=\"false\" /><p:DataLocale xml:lang=\"");
                AppendAttribute(x, header.Locale);
                x.Append("\" s:mustUnderstand=\"false\" />");
            }
            x.Append("<w:OperationTimeout>").Append(FormatDuration(header.OperationTimeout)).Append("</w:OperationTimeout>");
            if (selectors != null && selectors.Count > 0)
            {
                x.Append("<w:SelectorSet>");
                foreach (var selector in selectors)
                {
                    x.Append("<w:Selector Name=\"").Append(selector.Key).Append("\">");
                    AppendText(x, selector.Value ?? string.Empty);
                    x.Append("</w:Selector>");
                }
                x.Append("</w:SelectorSet>");
            }
            if (header.Use64BitProvider) x.Append(Provider64Options);
            x.Append("</s:Header><s:Body>");
            return x;
        }

        private static string End(StringBuilder x) => x.Append("</s:Body></s:Envelope>").ToString();
    }
}
