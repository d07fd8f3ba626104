using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// The one-pass reply reader the session uses must read what the document parser reads: the same items, classes,
    /// property names, types and values, the same out-parameters, the same faults and the same format errors, on every
    /// real WinRM capture, every fixture of the repository and replies built to hold what is awkward to read (nil, empty
    /// values, arrays, embedded instances, non-ASCII text, CDATA, entities, forbidden characters, whitespace).
    /// </summary>
    public class WsManReplyReaderTests
    {
        private const string StdRegProv = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv";
        private const string Win32Process = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process";

        [CapturedRepliesFact]
        public void Every_captured_Windows_reply_reads_the_same_in_one_pass_as_through_the_document()
        {
            var files = Directory.GetFiles(CapturedReplies.SharedDirectory, "*.xml");
            Assert.True(files.Length >= 13, "expected the 13 captures, found " + files.Length);
            var compared = 0;
            foreach (var file in files) compared += AssertSameReading(File.ReadAllText(file), Path.GetFileName(file));
            // Four enumeration pages, one EnumKey output and the faults; the two request templates have no reply to read.
            Assert.True(compared >= 11, "only " + compared + " captures were compared");
        }

        [Fact]
        public void Every_repository_fixture_reads_the_same_in_one_pass_as_through_the_document()
        {
            var files = Directory.GetFiles(Path.GetDirectoryName(CapturedReplies.Path("x")), "*.xml");
            Assert.True(files.Length >= 20, "expected the repository's WS-Man fixtures, found " + files.Length);
            foreach (var file in files) Assert.Equal(1, AssertSameReading(File.ReadAllText(file), Path.GetFileName(file)));
        }

        [Theory]
        [InlineData("<p:sValue>plain</p:sValue>")]
        [InlineData("<p:sValue></p:sValue>")]
        [InlineData("<p:sValue/>")]
        [InlineData("<p:sValue xsi:nil=\"true\"/>")]
        [InlineData("<p:sValue xsi:nil=\"true\">ignored</p:sValue>")]
        [InlineData("<p:sValue xsi:nil=\"false\">kept</p:sValue>")]
        [InlineData("<p:sValue>   </p:sValue>")]
        [InlineData("<p:sValue>  padded  </p:sValue>")]
        [InlineData("<p:sValue>line one\nline two</p:sValue>")]
        [InlineData("<p:sValue>Grüße, 日本語, ελληνικά</p:sValue>")]
        [InlineData("<p:sValue>Smile \ud83d\ude00</p:sValue>")]
        [InlineData("<p:sValue><![CDATA[<not> & markup]]></p:sValue>")]
        [InlineData("<p:sValue>before<![CDATA[ & inside ]]>after</p:sValue>")]
        [InlineData("<p:sValue>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#x263A; &#9731;</p:sValue>")]
        [InlineData("<p:sValue>Notes&#x1B; Pro &#0; &#xFFFF;</p:sValue>")]
        [InlineData("<p:sValue>Notes\u001b Pro</p:sValue>")]
        [InlineData("<p:sValue>one<!-- a comment -->two</p:sValue>")]
        [InlineData("<p:sValue>one<?pi data?>two</p:sValue>")]
        [InlineData("<p:sNames>a</p:sNames><p:sNames></p:sNames><p:sNames xsi:nil=\"true\"/><p:SNAMES>d</p:SNAMES>")]
        [InlineData("<p:sNames>only</p:sNames>")]
        [InlineData("<p:uValue xsi:type=\"xs:unsignedInt\">4294967295</p:uValue>")]
        [InlineData("<p:uValue xsi:type=\"cim:cimUnsignedInt\"> 42 </p:uValue>")]
        [InlineData("<p:uValue xsi:type=\"xs:unsignedInt\">not a number</p:uValue>")]
        [InlineData("<p:bFlag xsi:type=\"xs:boolean\">true</p:bFlag><p:bFlag xsi:type=\"xs:boolean\">0</p:bFlag>")]
        [InlineData("<p:Types>1</p:Types><p:Types xsi:type=\"xs:int\">2</p:Types>")]
        [InlineData("<p:When><cim:Datetime>2026-11-28T10:00:00Z</cim:Datetime></p:When>")]
        [InlineData("<p:When><cim:Datetime> not a date </cim:Datetime></p:When>")]
        [InlineData("<p:When><other>x</other><cim:Datetime>2026-11-28T10:00:00.5+01:00</cim:Datetime></p:When>")]
        [InlineData("<p:Span><cim:Interval>P1DT2H</cim:Interval></p:Span>")]
        [InlineData("<p:Span><cim:Interval>never</cim:Interval></p:Span>")]
        [InlineData("<p:Span><cim:Interval>P1D</cim:Interval><cim:Datetime>2026-01-01T00:00:00Z</cim:Datetime></p:Span>")]
        [InlineData("<p:Embedded xsi:type=\"p:Win32_Thing_Type\"><p:Name>n</p:Name><p:Size xsi:type=\"xs:long\">-5</p:Size><p:List>1</p:List><p:List>2</p:List></p:Embedded>")]
        [InlineData("<p:Embedded>text before<p:Inner><p:Deep>d</p:Deep></p:Inner>text after</p:Embedded>")]
        [InlineData("<p:Embedded><p:A>1</p:A></p:Embedded><p:Embedded><p:A>2</p:A></p:Embedded>")]
        public void Awkward_out_parameters_read_the_same_in_one_pass(string parameters)
        {
            var xml = Output("GetStringValue", parameters + "<p:ReturnValue>0</p:ReturnValue>");
            Assert.Equal(1, AssertSameReading(xml, parameters));
        }

        [Theory]
        [InlineData("<p:sValue>x</p:sValue>")]
        [InlineData("<p:ReturnValue xsi:nil=\"true\"/>")]
        [InlineData("<p:ReturnValue>2</p:ReturnValue>")]
        [InlineData("<p:ReturnValue>4294967295</p:ReturnValue><p:sValue>x</p:sValue>")]
        public void Return_values_and_their_absence_read_the_same(string parameters)
        {
            Assert.Equal(1, AssertSameReading(Output("GetStringValue", parameters), parameters));
        }

        [Fact]
        public void A_page_of_typed_items_and_fragments_reads_the_same_in_one_pass()
        {
            var items =
                "<p:Win32_Process xmlns:p=\"" + Win32Process + "\"><p:Name>a.exe</p:Name><p:ProcessId>4</p:ProcessId><p:CommandLine xsi:nil=\"true\"/></p:Win32_Process>" +
                "<w:XmlFragment><Name>b.exe</Name><Name>dup</Name><Handle>8</Handle></w:XmlFragment>" +
                "<p:Win32_Process xmlns:p=\"" + Win32Process + "\"/>";
            foreach (var response in new[] { "EnumerateResponse", "PullResponse" })
                foreach (var tail in new[] { "<w:EndOfSequence/>", "<n:EnumerationContext> uuid:CTX </n:EnumerationContext>", "" })
                {
                    var xml = Envelope("<n:" + response + ">" + (tail.Contains("Context") ? tail : "") + "<w:Items>" + items + "</w:Items><n:Items>" + items +
                        "</n:Items>" + (tail.Contains("End") ? tail : "") + "</n:" + response + ">");
                    Assert.Equal(1, AssertSameReading(xml, response + tail));
                }
        }

        [Fact]
        public void A_fault_anywhere_in_the_body_wins_over_the_output_in_both_readings()
        {
            var fault = File.ReadAllText(CapturedReplies.Path("fault-access-denied.xml"));
            var faultElement = XDocument.Parse(fault).Root.Element(WsManNames.Soap + "Body").Element(WsManNames.Soap + "Fault").ToString();
            var xml = Envelope("<p:GetStringValue_OUTPUT xmlns:p=\"" + StdRegProv + "\"><p:ReturnValue>0</p:ReturnValue></p:GetStringValue_OUTPUT>" + faultElement);
            var reply = ReadOutput(xml, "GetStringValue");
            Assert.NotNull(reply.Fault);
            Assert.Equal(CimErrorKind.AccessDenied, WsManFaultMapper.KindOf(reply.Fault));
            AssertSameReading(xml, "fault after output");
        }

        [Theory]
        [InlineData("")]
        [InlineData("not xml")]
        [InlineData("<html><body>Internal Server Error</body></html>")]
        [InlineData("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/></s:Envelope>")]
        [InlineData("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body><unclosed></s:Body></s:Envelope>")]
        [InlineData("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope><trailing/>")]
        [InlineData("<!DOCTYPE x [<!ENTITY e \"boom\">]><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>&e;</s:Body></s:Envelope>")]
        public void What_is_not_a_readable_envelope_fails_alike(string text)
        {
            var document = Assert.Throws<FormatException>(() => WsManParser.Parse(text));
            var onePass = Assert.Throws<FormatException>(() => ReadOutput(text, "GetStringValue"));
            Assert.Equal(document.Message, onePass.Message);
        }

        [Fact]
        public void Output_of_another_method_and_a_missing_page_are_format_errors_reported_after_the_reply_is_read()
        {
            var other = ReadOutput(Output("EnumKey", "<p:ReturnValue>0</p:ReturnValue>"), "GetStringValue");
            Assert.Equal("The reply holds no GetStringValue_OUTPUT element.", other.Rejected.Message);
            var page = WsManReplyReader.Read(Output("EnumKey", "<p:ReturnValue>0</p:ReturnValue>"), WsManReplyReader.NewPage(null),
                WsManReplyReader.ReadPage, WsManReplyReader.FinishPage);
            Assert.Equal("The reply holds neither an EnumerateResponse nor a PullResponse.", page.Rejected.Message);
        }

        [Fact]
        public void RelatesTo_is_read_from_the_header_trimmed()
        {
            var xml = "<s:Envelope xmlns:s=\"" + WsManNames.Soap.NamespaceName + "\" xmlns:a=\"" + WsManNames.Addressing.NamespaceName + "\">" +
                      "<s:Header><a:Action>x</a:Action><a:RelatesTo> uuid:ABC </a:RelatesTo><a:RelatesTo>uuid:second</a:RelatesTo></s:Header>" +
                      "<s:Body><p:GetStringValue_OUTPUT xmlns:p=\"" + StdRegProv + "\"><p:ReturnValue>0</p:ReturnValue></p:GetStringValue_OUTPUT></s:Body></s:Envelope>";
            Assert.Equal("uuid:ABC", ReadOutput(xml, "GetStringValue").RelatesTo);
            Assert.Equal(WsManParser.Parse(xml).RelatesTo, ReadOutput(xml, "GetStringValue").RelatesTo);
        }

        // ---- helpers

        private static string Envelope(string body) =>
            "<s:Envelope xmlns:s=\"" + WsManNames.Soap.NamespaceName + "\" xmlns:a=\"" + WsManNames.Addressing.NamespaceName + "\" " +
            "xmlns:n=\"" + WsManNames.Enumeration.NamespaceName + "\" xmlns:w=\"" + WsManNames.WsMan.NamespaceName + "\" " +
            "xmlns:xsi=\"" + WsManNames.Xsi.NamespaceName + "\" xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:cim=\"" + WsManNames.Cim.NamespaceName + "\">" +
            "<s:Header><a:Action>x</a:Action><a:RelatesTo>uuid:1</a:RelatesTo></s:Header><s:Body>" + body + "</s:Body></s:Envelope>";

        private static string Output(string method, string parameters) =>
            Envelope("<p:" + method + "_OUTPUT xmlns:p=\"" + StdRegProv + "\">" + parameters + "</p:" + method + "_OUTPUT>");

        private static WsManReply<CimMethodResult> ReadOutput(string xml, string method) =>
            WsManReplyReader.Read(xml, WsManReplyReader.NewOutput(method), WsManReplyReader.ReadOutput, WsManReplyReader.FinishOutput);

        /// <summary>Reads <paramref name="xml"/> both ways and asserts the same outcome; returns 1 when a reply was compared.</summary>
        private static int AssertSameReading(string xml, string what)
        {
            var document = WsManParser.Parse(xml);
            var first = document.Body.Elements().FirstOrDefault(e => e.Name != WsManNames.Soap + "Fault");
            var onePassOutput = ReadOutput(xml, first == null ? "None" : MethodOf(first.Name.LocalName));
            Assert.Equal(document.RelatesTo, onePassOutput.RelatesTo);
            if (document.Fault != null)
            {
                AssertSameFault(document.Fault, onePassOutput.Fault, what);
                return 1;
            }
            Assert.Null(onePassOutput.Fault);
            if (first == null) return 0;
            var local = first.Name.LocalName;
            if (local == "EnumerateResponse" || local == "PullResponse")
            {
                foreach (var fragmentClass in new[] { "Win32_Process", null })
                {
                    var expected = WsManDocumentOracle.ParseEnumerationPage(document.Body, fragmentClass);
                    var actual = WsManReplyReader.Read(xml, WsManReplyReader.NewPage(fragmentClass), WsManReplyReader.ReadPage, WsManReplyReader.FinishPage);
                    Assert.Null(actual.Rejected);
                    Assert.Equal(expected.Context, actual.Value.Context);
                    Assert.Equal(expected.EndOfSequence, actual.Value.EndOfSequence);
                    Assert.Equal(expected.Items.Count, actual.Value.Items.Count);
                    for (var i = 0; i < expected.Items.Count; i++) AssertSameObject(expected.Items[i], actual.Value.Items[i], what + " item " + i);
                }
                return 1;
            }
            if (local.EndsWith("_OUTPUT", StringComparison.Ordinal))
            {
                CimMethodResult expected = null;
                FormatException expectedError = null;
                try { expected = WsManDocumentOracle.ParseMethodOutput(document.Body, MethodOf(local)); }
                catch (FormatException ex) { expectedError = ex; }
                if (expectedError != null)
                {
                    Assert.NotNull(onePassOutput.Rejected);
                    Assert.Equal(expectedError.Message, onePassOutput.Rejected.Message);
                    return 1;
                }
                Assert.Null(onePassOutput.Rejected);
                Assert.Equal(expected.ReturnValue, onePassOutput.Value.ReturnValue);
                AssertSameProperties(expected.OutParameters, onePassOutput.Value.OutParameters, what);
                return 1;
            }
            return 0;
        }

        private static string MethodOf(string local) => local.EndsWith("_OUTPUT", StringComparison.Ordinal) ? local.Substring(0, local.Length - 7) : local;

        private static void AssertSameFault(WsManFault expected, WsManFault actual, string what)
        {
            Assert.NotNull(actual);
            Assert.Equal(expected.Code, actual.Code);
            Assert.Equal(expected.Subcode, actual.Subcode);
            Assert.Equal(expected.Reason, actual.Reason);
            Assert.Equal(expected.WsManCode, actual.WsManCode);
            Assert.Equal(expected.AllWsManCodes, actual.AllWsManCodes);
            Assert.Equal(expected.ProviderMessage, actual.ProviderMessage);
            Assert.Equal(expected.CimStatusCode, actual.CimStatusCode);
            Assert.Equal(expected.WmiErrorCode, actual.WmiErrorCode);
            Assert.Equal(expected.WmiMessageId, actual.WmiMessageId);
            Assert.Equal(expected.WmiMessage, actual.WmiMessage);
            Assert.Equal(expected.ExtendedStatusCode, actual.ExtendedStatusCode);
            var a = WsManFaultMapper.ToException(expected, "h");
            var b = WsManFaultMapper.ToException(actual, "h");
            Assert.True(a.Kind == b.Kind && a.Message == b.Message && a.NativeCode == b.NativeCode && a.Detail == b.Detail, what + ": the faults map differently");
        }

        private static void AssertSameObject(CimObject expected, CimObject actual, string what)
        {
            Assert.Equal(expected.ClassName, actual.ClassName);
            AssertSameProperties(expected.Properties, actual.Properties, what + " (" + expected.ClassName + ")");
        }

        private static void AssertSameProperties(IReadOnlyDictionary<string, CimValue> expected, IReadOnlyDictionary<string, CimValue> actual, string what)
        {
            // Same names, same spelling, same order.
            Assert.Equal(expected.Keys.ToList(), actual.Keys.ToList());
            foreach (var name in expected.Keys) AssertSameValue(expected[name], actual[name], what + "." + name);
        }

        private static void AssertSameValue(CimValue expected, CimValue actual, string what)
        {
            Assert.True(expected.Type == actual.Type, what + ": type " + expected.Type + " read as " + actual.Type);
            Assert.True(expected.IsArray == actual.IsArray, what + ": array or not");
            Assert.True(expected.IsNull == actual.IsNull, what + ": null or not");
            AssertSameRaw(expected.Value, actual.Value, what);
        }

        private static void AssertSameRaw(object expected, object actual, string what)
        {
            switch (expected)
            {
                case null:
                    Assert.Null(actual);
                    return;
                case CimObject o:
                    AssertSameObject(o, Assert.IsType<CimObject>(actual), what);
                    return;
                case string s:
                    Assert.True(actual is string t && string.Equals(s, t, StringComparison.Ordinal), what + ": '" + s + "' read as '" + actual + "'");
                    return;
                case IEnumerable items:
                    var left = items.Cast<object>().ToList();
                    var right = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object>().ToList();
                    Assert.Equal(left.Count, right.Count);
                    for (var i = 0; i < left.Count; i++) AssertSameRaw(left[i], right[i], what + "[" + i + "]");
                    return;
                default:
                    Assert.Equal(expected.GetType(), actual?.GetType());
                    Assert.Equal(expected, actual);
                    return;
            }
        }
    }
}
