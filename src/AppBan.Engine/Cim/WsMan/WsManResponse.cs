using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>A SOAP fault as Windows sends it, with the details that decide the error kind.</summary>
    internal sealed class WsManFault
    {
        public string Code { get; set; }
        public string Subcode { get; set; }
        public string Reason { get; set; }
        /// <summary>The outermost f:WSManFault@Code (an HRESULT).</summary>
        public long? WsManCode { get; set; }
        /// <summary>Every WSManFault@Code, outermost first (provider faults nest one inside another).</summary>
        public IReadOnlyList<long> AllWsManCodes { get; set; } = Array.Empty<long>();
        /// <summary>The innermost f:Message text: what the provider said.</summary>
        public string ProviderMessage { get; set; }
        public long? CimStatusCode { get; set; }
        public long? WmiErrorCode { get; set; }
        public string WmiMessageId { get; set; }
        public string WmiMessage { get; set; }
        /// <summary>__ExtendedStatus StatusCode, when the provider sent one.</summary>
        public long? ExtendedStatusCode { get; set; }

        /// <summary>The most specific human text in the fault.</summary>
        public string BestMessage =>
            FirstNonEmpty(WmiMessage, ProviderMessage, Reason) ?? "The target returned a WS-Management fault.";

        private static string FirstNonEmpty(params string[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
    }

    /// <summary>One parsed reply: addressing headers and either a body or a fault.</summary>
    internal sealed class WsManResponse
    {
        public string Action { get; set; }
        public string MessageId { get; set; }
        public string RelatesTo { get; set; }
        public XElement Body { get; set; }
        public WsManFault Fault { get; set; }
    }

    /// <summary>An Enumerate or Pull reply.</summary>
    internal sealed class WsManEnumerationPage
    {
        public string Context { get; set; }
        public bool EndOfSequence { get; set; }
        public IReadOnlyList<CimObject> Items { get; set; }
    }

    /// <summary>Parses what a Windows WinRM service (WMI plug-in) sends back.</summary>
    internal static class WsManParser
    {
        /// <summary>
        /// CheckCharacters is off so that a character reference to a character XML 1.0 forbids (<c>&amp;#27;</c>,
        /// <c>&amp;#0;</c>, <c>&amp;#xFFFF;</c>) reads as that character: a registry string may hold any UTF-16 code unit,
        /// and one value a user wrote must not make the whole reply unreadable.
        /// </summary>
        private static readonly XmlReaderSettings ReaderSettings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            CheckCharacters = false,
        };

        /// <summary>
        /// Parses an envelope; throws <see cref="FormatException"/> when it is not a SOAP 1.2 envelope. Forbidden characters
        /// sent raw are first turned into character references (<see cref="XmlCharacters.ReferenceForbidden"/>), so both forms
        /// a service may use read back as the same value. Bytes that were not valid UTF-8 arrive here already as U+FFFD
        /// (the HTTP layer's decoder): their original characters are lost, and only they.
        /// </summary>
        public static WsManResponse Parse(string xml)
        {
            XDocument doc;
            try
            {
                using (var reader = XmlReader.Create(new StringReader(XmlCharacters.ReferenceForbidden(xml ?? string.Empty)), ReaderSettings))
                    doc = XDocument.Load(reader);
            }
            catch (XmlException ex)
            {
                throw new FormatException("The reply is not well-formed XML: " + ex.Message, ex);
            }
            var envelope = doc.Root;
            if (envelope == null || envelope.Name != WsManNames.Soap + "Envelope")
                throw new FormatException("The reply is not a SOAP 1.2 envelope.");
            var header = envelope.Element(WsManNames.Soap + "Header");
            var body = envelope.Element(WsManNames.Soap + "Body") ?? throw new FormatException("The reply has no SOAP body.");
            var response = new WsManResponse
            {
                Action = Text(header?.Element(WsManNames.Addressing + "Action")),
                MessageId = Text(header?.Element(WsManNames.Addressing + "MessageID")),
                RelatesTo = Text(header?.Element(WsManNames.Addressing + "RelatesTo")),
                Body = body,
            };
            var fault = body.Element(WsManNames.Soap + "Fault");
            if (fault != null) response.Fault = ParseFault(fault);
            return response;
        }

        public static WsManFault ParseFault(XElement fault)
        {
            var code = fault.Element(WsManNames.Soap + "Code");
            var result = new WsManFault
            {
                Code = Text(code?.Element(WsManNames.Soap + "Value")),
                Subcode = Text(code?.Element(WsManNames.Soap + "Subcode")?.Element(WsManNames.Soap + "Value")),
                Reason = Text(fault.Element(WsManNames.Soap + "Reason")?.Elements(WsManNames.Soap + "Text").FirstOrDefault()),
            };
            var detail = fault.Element(WsManNames.Soap + "Detail");
            if (detail == null) return result;

            var wsmanFaults = detail.Descendants(WsManNames.WsManFault + "WSManFault").ToList();
            result.AllWsManCodes = wsmanFaults.Select(f => CimErrorCodes.ParseCode((string)f.Attribute("Code"))).Where(c => c.HasValue).Select(c => c.Value).ToList();
            result.WsManCode = result.AllWsManCodes.Count > 0 ? result.AllWsManCodes[0] : (long?)null;
            // The innermost message that holds text of its own (outer ones wrap ProviderFault elements).
            result.ProviderMessage = detail.Descendants(WsManNames.WsManFault + "Message")
                .Where(m => !m.HasElements).Select(Text).LastOrDefault(t => !string.IsNullOrEmpty(t))
                ?? wsmanFaults.Select(f => Text(f.Element(WsManNames.WsManFault + "Message"))).FirstOrDefault(t => !string.IsNullOrEmpty(t));

            var wmiError = detail.Descendants().FirstOrDefault(e => e.Name.LocalName == "MSFT_WmiError");
            if (wmiError != null)
            {
                result.CimStatusCode = CimErrorCodes.ParseCode(Child(wmiError, "CIMStatusCode"));
                result.WmiErrorCode = CimErrorCodes.ParseCode(Child(wmiError, "error_Code"));
                result.WmiMessageId = Child(wmiError, "MessageID");
                result.WmiMessage = Child(wmiError, "Message");
            }
            var extended = detail.Descendants().FirstOrDefault(e => e.Name.LocalName == "__ExtendedStatus");
            if (extended != null) result.ExtendedStatusCode = CimErrorCodes.ParseCode(Child(extended, "StatusCode"));
            return result;
        }

        internal static CimValue TypedText(string text, string xsiType)
        {
            var local = xsiType == null ? null : xsiType.Substring(xsiType.IndexOf(':') + 1);
            try
            {
                switch (local)
                {
                    case "cimBoolean": case "boolean": return new CimValue(CimType.Boolean, false, XmlConvert.ToBoolean(text.Trim()));
                    case "cimUnsignedByte": case "unsignedByte": return new CimValue(CimType.UInt8, false, XmlConvert.ToByte(text.Trim()));
                    case "cimByte": case "byte": return new CimValue(CimType.SInt8, false, XmlConvert.ToSByte(text.Trim()));
                    case "cimUnsignedShort": case "unsignedShort": return new CimValue(CimType.UInt16, false, XmlConvert.ToUInt16(text.Trim()));
                    case "cimShort": case "short": return new CimValue(CimType.SInt16, false, XmlConvert.ToInt16(text.Trim()));
                    case "cimUnsignedInt": case "unsignedInt": return new CimValue(CimType.UInt32, false, XmlConvert.ToUInt32(text.Trim()));
                    case "cimInt": case "int": return new CimValue(CimType.SInt32, false, XmlConvert.ToInt32(text.Trim()));
                    case "cimUnsignedLong": case "unsignedLong": return new CimValue(CimType.UInt64, false, XmlConvert.ToUInt64(text.Trim()));
                    case "cimLong": case "long": return new CimValue(CimType.SInt64, false, XmlConvert.ToInt64(text.Trim()));
                    case "cimFloat": case "float": return new CimValue(CimType.Real32, false, XmlConvert.ToSingle(text.Trim()));
                    case "cimDouble": case "double": return new CimValue(CimType.Real64, false, XmlConvert.ToDouble(text.Trim()));
                    case "cimString": case "string": return new CimValue(CimType.String, false, text);
                }
            }
            catch (FormatException) { }
            catch (OverflowException) { }
            // Untyped text: the accessors convert on demand.
            return new CimValue(CimType.Unknown, false, text);
        }

        private static string Child(XElement parent, string localName)
        {
            var e = parent.Elements().FirstOrDefault(c => c.Name.LocalName == localName);
            return e == null || (string)e.Attribute(WsManNames.Xsi + "nil") == "true" ? null : Text(e);
        }

        private static string Text(XElement e) => e?.Value.Trim();
    }
}
