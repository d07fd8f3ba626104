using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// The envelopes as the client built them with an XmlWriter before it filled fixed text: the reference the filled text
    /// must equal, element for element and value for value.
    /// </summary>
    internal static class XmlWriterEnvelopes
    {
        private const string S = "s", A = "a", N = "n", W = "w", P = "p";
        private const string XmlSchemaNamespace = "http://www.w3.org/2001/XMLSchema";

        public static string Enumerate(string resourceUri, string messageId, WsManHeaderOptions header, string wql, int maxElements)
        {
            return Build(resourceUri, WsManNames.EnumerateAction, messageId, header, x =>
            {
                x.WriteStartElement(N, "Enumerate", WsManNames.Enumeration.NamespaceName);
                x.WriteStartElement(W, "OptimizeEnumeration", WsManNames.WsMan.NamespaceName);
                x.WriteEndElement();
                x.WriteElementString(W, "MaxElements", WsManNames.WsMan.NamespaceName, maxElements.ToString(CultureInfo.InvariantCulture));
                x.WriteStartElement(W, "Filter", WsManNames.WsMan.NamespaceName);
                x.WriteAttributeString("Dialect", WsManNames.WqlDialect);
                x.WriteString(wql);
                x.WriteEndElement();
                x.WriteEndElement();
            });
        }

        public static string Pull(string resourceUri, string messageId, WsManHeaderOptions header, string context, int maxElements)
        {
            return Build(resourceUri, WsManNames.PullAction, messageId, header, x =>
            {
                x.WriteStartElement(N, "Pull", WsManNames.Enumeration.NamespaceName);
                x.WriteElementString(N, "EnumerationContext", WsManNames.Enumeration.NamespaceName, context);
                x.WriteElementString(N, "MaxElements", WsManNames.Enumeration.NamespaceName, maxElements.ToString(CultureInfo.InvariantCulture));
                x.WriteEndElement();
            });
        }

        public static string Release(string resourceUri, string messageId, WsManHeaderOptions header, string context)
        {
            return Build(resourceUri, WsManNames.ReleaseAction, messageId, header, x =>
            {
                x.WriteStartElement(N, "Release", WsManNames.Enumeration.NamespaceName);
                x.WriteElementString(N, "EnumerationContext", WsManNames.Enumeration.NamespaceName, context);
                x.WriteEndElement();
            });
        }

        /// <summary>
        /// A WS-Transfer Delete: the instance named by its key properties in w:SelectorSet, as for an instance method, and an
        /// empty body. Without selectors it would name the whole class, so they are required.
        /// </summary>
        public static string Delete(string resourceUri, string messageId, WsManHeaderOptions header, IReadOnlyDictionary<string, string> selectors)
        {
            if (selectors == null || selectors.Count == 0) throw new ArgumentException("A Delete names its instance by its key properties.", nameof(selectors));
            return Build(resourceUri, WsManNames.DeleteAction, messageId, header, selectors, _ => { });
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
            return Build(resourceUri, resourceUri + "/" + methodName, messageId, header, selectors, x =>
            {
                x.WriteStartElement(P, methodName + "_INPUT", resourceUri);
                foreach (var parameter in parameters ?? Array.Empty<CimParameter>())
                {
                    if (!IsXmlName(parameter.Name)) throw new ArgumentException("'" + parameter.Name + "' is not a valid parameter name.");
                    WriteValue(x, resourceUri, parameter.Name, parameter.Value ?? CimValue.Null);
                }
                x.WriteEndElement();
            });
        }

        private static void WriteValue(XmlWriter x, string ns, string name, CimValue value)
        {
            if (value.IsNull)
            {
                x.WriteStartElement(P, name, ns);
                x.WriteAttributeString("xsi", "nil", WsManNames.Xsi.NamespaceName, "true");
                x.WriteEndElement();
                return;
            }
            if (value.Type == CimType.Instance || value.Type == CimType.Reference || value.Value is CimObject)
                throw new NotSupportedException("Embedded instance and reference parameters are not supported by this client.");
            if (value.IsArray && value.Value is IEnumerable<object> items)
            {
                // An array is the element repeated once per item.
                foreach (var item in items) WriteScalar(x, ns, name, value.Type, item);
                return;
            }
            WriteScalar(x, ns, name, value.Type, value.Value);
        }

        private static void WriteScalar(XmlWriter x, string ns, string name, CimType type, object item)
        {
            x.WriteStartElement(P, name, ns);
            if (item == null) x.WriteAttributeString("xsi", "nil", WsManNames.Xsi.NamespaceName, "true");
            else if (item is DateTime || item is DateTimeOffset || type == CimType.DateTime)
                x.WriteElementString("cim", "Datetime", WsManNames.Cim.NamespaceName, FormatDateTime(item));
            else WriteText(x, FormatScalar(item));
            x.WriteEndElement();
        }

        /// <summary>
        /// Writes text that may hold characters XML 1.0 forbids (a key name read from a user's hive): the writer does not
        /// check characters and sends them as character references, and a surrogate without its pair, which it refuses,
        /// goes as a reference written here. [guess W036] WinRM reads such references back as the characters they name.
        /// </summary>
        private static void WriteText(XmlWriter x, string text)
        {
            var start = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (!char.IsSurrogate(text[i]) || !XmlCharacters.IsForbiddenAt(text, i)) continue;
                if (i > start) x.WriteString(text.Substring(start, i - start));
                x.WriteRaw("&#x" + ((int)text[i]).ToString("X", CultureInfo.InvariantCulture) + ";");
                start = i + 1;
            }
            if (start < text.Length) x.WriteString(start == 0 ? text : text.Substring(start));
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

        private static string Build(string resourceUri, string action, string messageId, WsManHeaderOptions header, Action<XmlWriter> body) =>
            Build(resourceUri, action, messageId, header, null, body);

        private static string Build(string resourceUri, string action, string messageId, WsManHeaderOptions header,
            IReadOnlyDictionary<string, string> selectors, Action<XmlWriter> body)
        {
            var sb = new StringBuilder(1024);
            var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Encoding = Encoding.UTF8, CheckCharacters = false };
            using (var x = XmlWriter.Create(new StringWriter(sb, CultureInfo.InvariantCulture), settings))
            {
                x.WriteStartElement(S, "Envelope", WsManNames.Soap.NamespaceName);
                x.WriteAttributeString("xmlns", A, null, WsManNames.Addressing.NamespaceName);
                x.WriteAttributeString("xmlns", N, null, WsManNames.Enumeration.NamespaceName);
                x.WriteAttributeString("xmlns", W, null, WsManNames.WsMan.NamespaceName);
                x.WriteAttributeString("xmlns", "p", null, WsManNames.MsWsMan.NamespaceName);
                x.WriteAttributeString("xmlns", "xsi", null, WsManNames.Xsi.NamespaceName);
                x.WriteAttributeString("xmlns", "cim", null, WsManNames.Cim.NamespaceName);

                x.WriteStartElement(S, "Header", WsManNames.Soap.NamespaceName);
                x.WriteElementString(A, "To", WsManNames.Addressing.NamespaceName, header.To);
                MustUnderstand(x, W, "ResourceURI", WsManNames.WsMan, resourceUri);
                x.WriteStartElement(A, "ReplyTo", WsManNames.Addressing.NamespaceName);
                MustUnderstand(x, A, "Address", WsManNames.Addressing, WsManNames.AnonymousAddress);
                x.WriteEndElement();
                MustUnderstand(x, A, "Action", WsManNames.Addressing, action);
                MustUnderstand(x, W, "MaxEnvelopeSize", WsManNames.WsMan, header.MaxEnvelopeSize.ToString(CultureInfo.InvariantCulture));
                x.WriteElementString(A, "MessageID", WsManNames.Addressing.NamespaceName, messageId);
                Locale(x, W, "Locale", WsManNames.WsMan, header.Locale);
                Locale(x, "p", "DataLocale", WsManNames.MsWsMan, header.Locale);
                x.WriteElementString(W, "OperationTimeout", WsManNames.WsMan.NamespaceName, FormatDuration(header.OperationTimeout));
                if (selectors != null && selectors.Count > 0)
                {
                    x.WriteStartElement(W, "SelectorSet", WsManNames.WsMan.NamespaceName);
                    foreach (var selector in selectors)
                    {
                        if (!IsXmlName(selector.Key)) throw new ArgumentException("'" + selector.Key + "' is not a valid selector name.", nameof(selectors));
                        x.WriteStartElement(W, "Selector", WsManNames.WsMan.NamespaceName);
                        x.WriteAttributeString("Name", selector.Key);
                        x.WriteString(selector.Value ?? string.Empty);
                        x.WriteEndElement();
                    }
                    x.WriteEndElement();
                }
                if (header.Use64BitProvider)
                {
                    // [doc MS-WSMV 3.1.4.1.10] The service adds every option named "wmi:<name>" to the WMI context as <name>.
                    // MustComply stays unset: the WMI plug-in may answer wsman:InvalidOptions to mustComply="true".
                    // [guess W009] The Type attribute tells the plug-in which variant type to put in the context; its value is a
                    // QName, so the xs prefix is declared. Whether WinRM honours, ignores or never sees the option, the reads
                    // are right: without it WMI serves the native (64-bit) view [doc MS-WMI 2.2.13], and 32-bit entries are
                    // read through WOW6432Node by name, never by asking for the 32-bit view.
                    x.WriteStartElement(W, "OptionSet", WsManNames.WsMan.NamespaceName);
                    x.WriteAttributeString("xmlns", "xs", "http://www.w3.org/2000/xmlns/", XmlSchemaNamespace);
                    Option(x, "wmi:__ProviderArchitecture", "xs:int", "64");
                    Option(x, "wmi:__RequiredArchitecture", "xs:boolean", "true");
                    x.WriteEndElement();
                }
                x.WriteEndElement();

                x.WriteStartElement(S, "Body", WsManNames.Soap.NamespaceName);
                body(x);
                x.WriteEndElement();
                x.WriteEndElement();
            }
            return sb.ToString();
        }

        private static void MustUnderstand(XmlWriter x, string prefix, string name, System.Xml.Linq.XNamespace ns, string value)
        {
            x.WriteStartElement(prefix, name, ns.NamespaceName);
            x.WriteAttributeString(S, "mustUnderstand", WsManNames.Soap.NamespaceName, "true");
            x.WriteString(value);
            x.WriteEndElement();
        }

        private static void Locale(XmlWriter x, string prefix, string name, System.Xml.Linq.XNamespace ns, string locale)
        {
            if (string.IsNullOrEmpty(locale)) return;
            x.WriteStartElement(prefix, name, ns.NamespaceName);
            x.WriteAttributeString("xml", "lang", null, locale);
            x.WriteAttributeString(S, "mustUnderstand", WsManNames.Soap.NamespaceName, "false");
            x.WriteEndElement();
        }

        private static void Option(XmlWriter x, string name, string type, string value)
        {
            x.WriteStartElement(W, "Option", WsManNames.WsMan.NamespaceName);
            x.WriteAttributeString("Name", name);
            x.WriteAttributeString("Type", type);
            x.WriteString(value);
            x.WriteEndElement();
        }
    }
}
