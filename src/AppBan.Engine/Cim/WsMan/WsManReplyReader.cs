using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>
    /// What one pass over a reply found: the addressing headers, a fault if the body holds one, and what the operation's
    /// reader took from the body.
    /// </summary>
    internal sealed class WsManReply<T>
    {
        public string RelatesTo { get; set; }
        public WsManFault Fault { get; set; }
        public T Value { get; set; }
        /// <summary>What the operation's reader could not accept; reported only when the reply is not a fault.</summary>
        public FormatException Rejected { get; set; }
    }

    /// <summary>
    /// Reads a reply in one forward pass with an <see cref="XmlReader"/>, building no document: the addressing headers,
    /// then the body's elements handed one by one to the operation's reader, which takes only what it needs. A fault is
    /// rare and small, so it is loaded as an element and read by <see cref="WsManParser.ParseFault"/>. The values read are
    /// the ones <see cref="WsManParser"/> reads from a document (the tests compare both on every captured reply).
    /// </summary>
    internal static class WsManReplyReader
    {
        private const string Soap = "http://www.w3.org/2003/05/soap-envelope";
        private const string Addressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
        private const string Enumeration = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
        private const string WsManNs = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
        private const string Xsi = "http://www.w3.org/2001/XMLSchema-instance";
        private const string Cim = "http://schemas.dmtf.org/wbem/wscim/1/common";

        /// <summary>As <see cref="WsManParser"/>: forbidden characters sent as references read back as themselves.</summary>
        private static readonly XmlReaderSettings ReaderSettings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            CheckCharacters = false,
        };

        /// <summary>
        /// Reads the envelope; <paramref name="readBody"/> gets the reader on each element directly inside s:Body (other
        /// than a fault) and returns false to leave it unread. <paramref name="finish"/> makes the value from what
        /// <paramref name="readBody"/> kept, once the whole reply has been read. Throws <see cref="FormatException"/> when
        /// the reply is not well-formed or not a SOAP 1.2 envelope with a body.
        /// </summary>
        public static WsManReply<T> Read<TState, T>(string xml, TState state, Func<XmlReader, TState, bool> readBody, Func<TState, T> finish)
        {
            var reply = new WsManReply<T>();
            try
            {
                using (var reader = XmlReader.Create(new StringReader(XmlCharacters.ReferenceForbidden(xml ?? string.Empty)), ReaderSettings))
                {
                    if (reader.MoveToContent() != XmlNodeType.Element || reader.LocalName != "Envelope" || reader.NamespaceURI != Soap)
                    {
                        // Not an envelope: the document parser says why in its own words (not well-formed, or not SOAP).
                        WsManParser.Parse(xml);
                        throw new FormatException("The reply is not a SOAP 1.2 envelope.");
                    }
                    bool sawHeader = false, sawBody = false;
                    if (!reader.IsEmptyElement)
                    {
                        reader.Read();
                        while (reader.NodeType != XmlNodeType.EndElement)
                        {
                            if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                            if (reader.NamespaceURI == Soap && reader.LocalName == "Header" && !sawHeader)
                            {
                                sawHeader = true;
                                ReadHeader(reader, reply);
                            }
                            else if (reader.NamespaceURI == Soap && reader.LocalName == "Body" && !sawBody)
                            {
                                sawBody = true;
                                ReadBody(reader, reply, state, readBody);
                            }
                            else reader.Skip();
                        }
                    }
                    // The rest must be well-formed too.
                    while (reader.Read()) { }
                    if (!sawBody) throw new FormatException("The reply has no SOAP body.");
                }
            }
            catch (XmlException ex)
            {
                throw new FormatException("The reply is not well-formed XML: " + ex.Message, ex);
            }
            if (reply.Fault == null)
            {
                try { reply.Value = finish(state); }
                catch (FormatException ex) { reply.Rejected = ex; }
            }
            return reply;
        }

        private static void ReadHeader<T>(XmlReader reader, WsManReply<T> reply)
        {
            if (reader.IsEmptyElement) { reader.Read(); return; }
            bool sawRelatesTo = false;
            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType == XmlNodeType.Element && reader.NamespaceURI == Addressing && reader.LocalName == "RelatesTo" && !sawRelatesTo)
                {
                    sawRelatesTo = true;
                    reply.RelatesTo = ReadText(reader).Trim();
                }
                else if (reader.NodeType == XmlNodeType.Element) reader.Skip();
                else reader.Read();
            }
            reader.Read();
        }

        private static void ReadBody<TState, T>(XmlReader reader, WsManReply<T> reply, TState state, Func<XmlReader, TState, bool> readBody)
        {
            if (reader.IsEmptyElement) { reader.Read(); return; }
            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                if (reader.NamespaceURI == Soap && reader.LocalName == "Fault")
                {
                    var fault = (XElement)XNode.ReadFrom(reader);
                    if (reply.Fault == null) reply.Fault = WsManParser.ParseFault(fault);
                    continue;
                }
                if (reply.Fault != null) { reader.Skip(); continue; }
                var taken = readBody(reader, state);
                if (!taken) reader.Skip();
            }
            reader.Read();
        }

        /// <summary>
        /// The element's text as <see cref="XElement.Value"/> gives it (every descendant text node), the reader left after
        /// its end.
        /// </summary>
        public static string ReadText(XmlReader reader)
        {
            if (reader.IsEmptyElement) { reader.Read(); return string.Empty; }
            var depth = reader.Depth;
            string first = null;
            StringBuilder more = null;
            reader.Read();
            while (reader.Depth > depth)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        if (first == null) first = reader.Value;
                        else (more ?? (more = new StringBuilder(first))).Append(reader.Value);
                        break;
                }
                reader.Read();
            }
            reader.Read();
            return more != null ? more.ToString() : first ?? string.Empty;
        }

        // ---- Enumeration pages

        internal sealed class PageState
        {
            public string FragmentClassName;
            public bool Found;
            public string Context;
            public bool EndOfSequence;
            public List<CimObject> Items;
        }

        public static PageState NewPage(string fragmentClassName) => new PageState { FragmentClassName = fragmentClassName };

        /// <summary>The first EnumerateResponse or PullResponse: its context, its items, and whether the sequence ended.</summary>
        public static bool ReadPage(XmlReader reader, PageState page)
        {
            if (page.Found || reader.NamespaceURI != Enumeration || (reader.LocalName != "EnumerateResponse" && reader.LocalName != "PullResponse"))
                return false;
            page.Found = true;
            page.Items = new List<CimObject>();
            if (reader.IsEmptyElement) { reader.Read(); return true; }
            bool sawContext = false;
            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                var local = reader.LocalName;
                if (local == "Items")
                {
                    // Optimized enumeration puts w:Items/w:EndOfSequence in the WS-Man namespace; Pull uses n:Items/n:EndOfSequence.
                    if (reader.IsEmptyElement) { reader.Read(); continue; }
                    reader.Read();
                    while (reader.NodeType != XmlNodeType.EndElement)
                    {
                        if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                        var className = reader.LocalName == "XmlFragment" && reader.NamespaceURI == WsManNs ? page.FragmentClassName : reader.LocalName;
                        page.Items.Add(new CimObject(className, ReadProperties(reader)));
                    }
                    reader.Read();
                }
                else if (local == "EndOfSequence")
                {
                    page.EndOfSequence = true;
                    reader.Skip();
                }
                else if (local == "EnumerationContext" && reader.NamespaceURI == Enumeration && !sawContext)
                {
                    sawContext = true;
                    page.Context = ReadText(reader).Trim();
                }
                else reader.Skip();
            }
            reader.Read();
            return true;
        }

        public static WsManEnumerationPage FinishPage(PageState page)
        {
            if (!page.Found) throw new FormatException("The reply holds neither an EnumerateResponse nor a PullResponse.");
            return new WsManEnumerationPage { Context = page.Context, EndOfSequence = page.EndOfSequence, Items = page.Items };
        }

        // ---- Method output

        internal sealed class OutputState
        {
            public string ElementName;
            public string MethodName;
            public Dictionary<string, CimValue> Values;
        }

        public static OutputState NewOutput(string methodName) => new OutputState { MethodName = methodName, ElementName = methodName + "_OUTPUT" };

        /// <summary>The first &lt;Method_OUTPUT&gt; (any namespace): every out-parameter.</summary>
        public static bool ReadOutput(XmlReader reader, OutputState output)
        {
            if (output.Values != null || reader.LocalName != output.ElementName) return false;
            output.Values = ReadProperties(reader);
            return true;
        }

        public static CimMethodResult FinishOutput(OutputState output)
        {
            if (output.Values == null) throw new FormatException("The reply holds no " + output.MethodName + "_OUTPUT element.");
            var values = output.Values;
            if (!values.TryGetValue("ReturnValue", out var rv) || rv.IsNull)
                throw new FormatException(output.MethodName + "_OUTPUT has no ReturnValue.");
            var returnValue = unchecked((uint)(rv.AsSInt64() ?? 0));
            values.Remove("ReturnValue");
            return new CimMethodResult(returnValue, values);
        }

        // ---- Properties and values

        /// <summary>
        /// The child elements of the element the reader is on, as properties: one value per name, an array where the
        /// name repeats (names compared without case, the first spelling kept). Leaves the reader after the element.
        /// </summary>
        private static Dictionary<string, CimValue> ReadProperties(XmlReader reader)
        {
            var children = new List<KeyValuePair<string, CimValue>>();
            if (reader.IsEmptyElement) { reader.Read(); return Group(children); }
            reader.Read();
            while (reader.NodeType != XmlNodeType.EndElement)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                var name = reader.LocalName;
                children.Add(new KeyValuePair<string, CimValue>(name, ReadValue(reader)));
            }
            reader.Read();
            return Group(children);
        }

        /// <summary>
        /// One property element, read as the document parser of earlier versions read it: nil, a cim:Datetime or
        /// cim:Interval child, an embedded instance (any other child element), or text typed by xsi:type when present.
        /// </summary>
        private static CimValue ReadValue(XmlReader reader)
        {
            var nil = reader.GetAttribute("nil", Xsi) == "true";
            var xsiType = reader.GetAttribute("type", Xsi);
            var elementName = reader.LocalName;
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return nil ? CimValue.Null : TypedText(string.Empty, xsiType);
            }
            var depth = reader.Depth;
            string text = null;
            StringBuilder moreText = null;
            string datetime = null, interval = null;
            List<KeyValuePair<string, CimValue>> children = null;
            reader.Read();
            while (reader.Depth > depth)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        if (nil) { reader.Skip(); continue; }
                        if (reader.NamespaceURI == Cim && reader.LocalName == "Datetime" && datetime == null)
                        {
                            var name = reader.LocalName;
                            // Kept as a property too, in case the element turns out to be an instance (it cannot: a
                            // Datetime child decides), so the order of reading stays simple.
                            datetime = ReadText(reader);
                            (children ?? (children = new List<KeyValuePair<string, CimValue>>())).Add(new KeyValuePair<string, CimValue>(name, new CimValue(CimType.Unknown, false, datetime)));
                            continue;
                        }
                        if (reader.NamespaceURI == Cim && reader.LocalName == "Interval" && interval == null)
                        {
                            var name = reader.LocalName;
                            interval = ReadText(reader);
                            (children ?? (children = new List<KeyValuePair<string, CimValue>>())).Add(new KeyValuePair<string, CimValue>(name, new CimValue(CimType.Unknown, false, interval)));
                            continue;
                        }
                        (children ?? (children = new List<KeyValuePair<string, CimValue>>())).Add(new KeyValuePair<string, CimValue>(reader.LocalName, ReadValue(reader)));
                        continue;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        if (text == null) text = reader.Value;
                        else (moreText ?? (moreText = new StringBuilder(text))).Append(reader.Value);
                        break;
                }
                reader.Read();
            }
            reader.Read();
            if (nil) return CimValue.Null;
            if (datetime != null)
            {
                var trimmed = datetime.Trim();
                return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
                    ? new CimValue(CimType.DateTime, false, when.UtcDateTime)
                    : new CimValue(CimType.DateTime, false, trimmed);
            }
            if (interval != null)
            {
                var trimmed = interval.Trim();
                try { return new CimValue(CimType.DateTime, false, XmlConvert.ToTimeSpan(trimmed)); }
                catch (FormatException) { return new CimValue(CimType.DateTime, false, trimmed); }
            }
            if (children != null)
            {
                return new CimValue(CimType.Instance, false, new CimObject(TypeName(elementName, xsiType), Group(children)));
            }
            return TypedText(moreText != null ? moreText.ToString() : text ?? string.Empty, xsiType);
        }

        /// <summary>One value per name, an array where the name repeats (names compared without case, the first spelling and
        /// the order of first appearance kept; the array's type is its first item's known type).</summary>
        private static Dictionary<string, CimValue> Group(List<KeyValuePair<string, CimValue>> children)
        {
            var values = new Dictionary<string, CimValue>(StringComparer.OrdinalIgnoreCase);
            Dictionary<string, List<CimValue>> repeated = null;
            foreach (var child in children)
            {
                if (repeated != null && repeated.TryGetValue(child.Key, out var list)) { list.Add(child.Value); continue; }
                if (values.TryGetValue(child.Key, out var earlier))
                {
                    if (repeated == null) repeated = new Dictionary<string, List<CimValue>>(StringComparer.OrdinalIgnoreCase);
                    repeated[child.Key] = new List<CimValue> { earlier, child.Value };
                    continue;
                }
                values.Add(child.Key, child.Value);
            }
            if (repeated == null) return values;
            var result = new Dictionary<string, CimValue>(values.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var pair in values)
            {
                if (!repeated.TryGetValue(pair.Key, out var items)) { result.Add(pair.Key, pair.Value); continue; }
                var type = CimType.Unknown;
                var raw = new List<object>(items.Count);
                foreach (var item in items)
                {
                    if (type == CimType.Unknown) type = item.Type;
                    raw.Add(item.Value);
                }
                result.Add(pair.Key, new CimValue(type, true, raw));
            }
            return result;
        }

        private static string TypeName(string localName, string xsiType)
        {
            if (string.IsNullOrEmpty(xsiType)) return localName;
            var local = xsiType.Substring(xsiType.IndexOf(':') + 1);
            return local.EndsWith("_Type", StringComparison.Ordinal) ? local.Substring(0, local.Length - 5) : local;
        }

        private static CimValue TypedText(string text, string xsiType) => WsManParser.TypedText(text, xsiType);
    }
}
