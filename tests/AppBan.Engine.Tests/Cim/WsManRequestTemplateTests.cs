using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// Requests are fixed text with the values escaped into place. What a service reads from them must be what it read
    /// from the envelopes an XML writer built (<see cref="XmlWriterEnvelopes"/>): the same elements, attributes, namespaces
    /// and values, whatever the values hold.
    /// </summary>
    public class WsManRequestTemplateTests
    {
        private const string RegUri = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv";

        public static IEnumerable<object[]> AwkwardTexts() => new[]
        {
            "", "plain", "a & b < c > d", "quotes \" and ' apostrophes", "]]> looks like the end of CDATA", "<![CDATA[x]]>",
            "&amp; already escaped", "Grüße, 日本語, ελληνικά", "Smile \ud83d\ude00", "tab\there", "line\nfeed", "cr\rreturn",
            "crlf\r\nend", "\r\n\r\n", "trailing cr\r", "  padded  ", "   ", "Notes\u001b Pro", "Null\u0000Name", "Tool \uffff \ufffe",
            "lone high \ud800 end", "lone low \udc00 end", "reversed \udc00\ud800", "high at end \ud83d", "\u0085 next line \u2028 separator",
            "del \u007f and c1 \u0080\u009f", "fffd \ufffd", @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{1234}",
        }.Select(s => new object[] { s });

        [Theory]
        [MemberData(nameof(AwkwardTexts))]
        public void Method_parameters_and_selectors_read_the_same_as_from_an_XML_writer(string text)
        {
            var header = Header(use64: true);
            var parameters = new[]
            {
                new CimParameter("hDefKey", new CimValue(CimType.UInt32, false, 2147483650u)),
                new CimParameter("sSubKeyName", new CimValue(CimType.String, false, text)),
                new CimParameter("sValueName", CimValue.Null),
                new CimParameter("sValue", new CimValue(CimType.String, true, new List<object> { text, null, "second" })),
                new CimParameter("When", new CimValue(CimType.DateTime, false, new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc))),
                new CimParameter("bFlag", new CimValue(CimType.Boolean, false, true)),
                new CimParameter("dReal", new CimValue(CimType.Real64, false, 0.1)),
            };
            var selectors = new Dictionary<string, string> { { "Handle", text }, { "Name", "x" } };
            AssertSame(XmlWriterEnvelopes.Invoke(RegUri, "SetMultiStringValue", "uuid:" + text, header, parameters, selectors),
                WsManRequest.Invoke(RegUri, "SetMultiStringValue", "uuid:" + text, header, parameters, selectors));
            AssertSame(XmlWriterEnvelopes.Invoke(RegUri, "EnumKey", "uuid:1", Header(use64: false), parameters),
                WsManRequest.Invoke(RegUri, "EnumKey", "uuid:1", Header(use64: false), parameters));
            AssertSame(XmlWriterEnvelopes.Delete(RegUri, "uuid:2", header, selectors), WsManRequest.Delete(RegUri, "uuid:2", header, selectors));
        }

        [Theory]
        [MemberData(nameof(AwkwardTexts))]
        public void Enumeration_requests_read_the_same_as_from_an_XML_writer(string text)
        {
            var header = new WsManHeaderOptions { To = "http://h:5985/wsman?x=" + text, OperationTimeout = TimeSpan.FromMilliseconds(1500), MaxEnvelopeSize = 153600, Locale = "de-DE" };
            var wql = "SELECT * FROM Win32_Process WHERE Name='" + text + "'";
            var uri = WsManNames.ResourceUri(@"root\cimv2", "*");
            AssertSame(XmlWriterEnvelopes.Enumerate(uri, "uuid:E", header, wql, 250), WsManRequest.Enumerate(uri, "uuid:E", header, wql, 250));
            AssertSame(XmlWriterEnvelopes.Pull(uri, "uuid:P", header, "uuid:CTX" + text, 100), WsManRequest.Pull(uri, "uuid:P", header, "uuid:CTX" + text, 100));
            AssertSame(XmlWriterEnvelopes.Release(uri, "uuid:R", header, "uuid:CTX" + text), WsManRequest.Release(uri, "uuid:R", header, "uuid:CTX" + text));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("en-US")]
        [InlineData("x\"y<z&")]
        public void Locales_and_their_absence_read_the_same(string locale)
        {
            var header = new WsManHeaderOptions { To = "https://h:5986/wsman", Locale = locale };
            AssertSame(XmlWriterEnvelopes.Invoke(RegUri, "EnumKey", "uuid:L", header, Array.Empty<CimParameter>()),
                WsManRequest.Invoke(RegUri, "EnumKey", "uuid:L", header, Array.Empty<CimParameter>()));
        }

        [Fact]
        public void Invalid_names_are_refused_as_before()
        {
            var header = Header(use64: false);
            Assert.Throws<ArgumentException>(() => WsManRequest.Invoke(RegUri, "Bad Name", "uuid:1", header, Array.Empty<CimParameter>()));
            Assert.Throws<ArgumentException>(() => WsManRequest.Invoke(RegUri, "EnumKey", "uuid:1", header, new[] { new CimParameter("a b", CimValue.Null) }));
            Assert.Throws<ArgumentException>(() => WsManRequest.Delete(RegUri, "uuid:1", header, new Dictionary<string, string> { { "x<y", "1" } }));
            Assert.Throws<ArgumentException>(() => WsManRequest.Delete(RegUri, "uuid:1", header, new Dictionary<string, string>()));
            Assert.Throws<NotSupportedException>(() => WsManRequest.Invoke(RegUri, "EnumKey", "uuid:1", header,
                new[] { new CimParameter("o", new CimValue(CimType.Instance, false, new CimObject("X", new Dictionary<string, CimValue>()))) }));
        }

        private static WsManHeaderOptions Header(bool use64) => new WsManHeaderOptions
        {
            To = "http://laptop-01:5985/wsman", OperationTimeout = TimeSpan.FromSeconds(30), MaxEnvelopeSize = 153600, Locale = "en-US", Use64BitProvider = use64,
        };

        /// <summary>
        /// Both envelopes as a service's XML parser sees them (character references resolved, line ends normalized): the same
        /// elements by namespace and name, in order, with the same attributes and text. Where a namespace is declared does
        /// not matter, except that a QName value's prefix must resolve to the same namespace.
        /// </summary>
        private static void AssertSame(string expected, string actual)
        {
            Assert.Equal(Canonical(Load(expected).Root), Canonical(Load(actual).Root));
        }

        private static List<string> Canonical(XElement root)
        {
            var lines = new List<string>();
            foreach (var e in root.DescendantsAndSelf())
            {
                var attributes = e.Attributes().Where(a => !a.IsNamespaceDeclaration)
                    .Select(a => a.Name + "=" + Escape(a.Value) + (a.Value.Contains(':') ? " [" + e.GetNamespaceOfPrefix(a.Value.Split(':')[0])?.NamespaceName + "]" : ""))
                    .OrderBy(a => a, StringComparer.Ordinal);
                lines.Add(new string(' ', e.Ancestors().Count()) + e.Name + " " + string.Join(" ", attributes) +
                          (e.HasElements ? "" : " text=" + Escape(e.Value)));
            }
            return lines;
        }

        private static string Escape(string text) =>
            string.Concat(text.Select(c => c < 0x20 || c > 0x7e ? "\\u" + ((int)c).ToString("X4") : c.ToString()));

        private static XDocument Load(string xml)
        {
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, CheckCharacters = false };
            using var reader = XmlReader.Create(new StringReader(xml), settings);
            return XDocument.Load(reader);
        }
    }
}
