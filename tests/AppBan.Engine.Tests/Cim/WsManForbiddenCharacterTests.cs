using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// A registry string may hold characters XML 1.0 forbids. Whether WinRM sends them raw or as character references
    /// is not known, so the parser reads both back as the same value, and one such value never makes a reply unreadable.
    /// </summary>
    public class WsManForbiddenCharacterTests
    {
        private const string StdRegProv = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv";

        private static string Envelope(string valueXml) =>
            "<s:Envelope xmlns:s=\"" + WsManNames.Soap.NamespaceName + "\" xmlns:a=\"" + WsManNames.Addressing.NamespaceName + "\">" +
            "<s:Header><a:Action>" + StdRegProv + "/GetStringValueResponse</a:Action></s:Header><s:Body>" +
            "<p:GetStringValue_OUTPUT xmlns:p=\"" + StdRegProv + "\"><p:sValue>" + valueXml + "</p:sValue><p:ReturnValue>0</p:ReturnValue>" +
            "</p:GetStringValue_OUTPUT></s:Body></s:Envelope>";

        private static string ReadValue(string envelope) =>
            WsManDocumentOracle.ParseMethodOutput(WsManParser.Parse(envelope).Body, "GetStringValue").OutParameters["sValue"].AsString();

        [Theory]
        [InlineData("Notes&#27; Pro", "Notes\u001b Pro")]
        [InlineData("Notes&#x1B; Pro", "Notes\u001b Pro")]
        [InlineData("Null&#0;Name", "Null\u0000Name")]
        [InlineData("Tool &#xFFFF;", "Tool \uffff")]
        [InlineData("Notes\u001b Pro", "Notes\u001b Pro")]
        [InlineData("Null\u0000Name", "Null\u0000Name")]
        [InlineData("Tool \uffff", "Tool \uffff")]
        [InlineData("Smile \ud83d\ude00 &amp; tab\t", "Smile \ud83d\ude00 & tab\t")]
        public void Raw_and_referenced_forbidden_characters_read_back_as_the_value(string sent, string expected)
        {
            Assert.Equal(expected, ReadValue(Envelope(sent)));
        }

        [Fact]
        public void An_unpaired_surrogate_reads_back_raw_or_referenced()
        {
            // Built here, not in InlineData: test discovery does not carry unpaired surrogates intact.
            var value = "Su" + (char)0xD800 + "r" + (char)0xDC00;
            Assert.Equal(value, ReadValue(Envelope("Su&#55296;r&#xDC00;")));
            Assert.Equal(value, ReadValue(Envelope(value)));
            Assert.Equal(@"Su\uD800r\uDC00", XmlCharacters.Visible(value));
            Assert.True(XmlCharacters.HasForbidden(value));
        }

        [Fact]
        public void Bytes_that_are_not_UTF8_arrive_as_U_FFFD_and_the_reply_still_reads()
        {
            // ED A0 80 is what a non-checking encoder writes for U+D800; FF is never valid UTF-8.
            var bytes = Encoding.UTF8.GetBytes(Envelope("Su#r X#")).ToList();
            var at = bytes.IndexOf((byte)'#');
            bytes.RemoveAt(at);
            bytes.InsertRange(at, new byte[] { 0xED, 0xA0, 0x80 });
            at = bytes.IndexOf((byte)'#');
            bytes[at] = 0xFF;
            // The HTTP layer decodes the body this way (HttpContent.ReadAsStringAsync with charset=UTF-8).
            var text = new UTF8Encoding(false, false).GetString(bytes.ToArray());
            Assert.Matches("^Su\ufffd+r X\ufffd$", ReadValue(text));
        }

        [CapturedRepliesFact]
        public void Captured_Windows_replies_reach_the_XML_reader_unchanged()
        {
            var files = Directory.GetFiles(CapturedReplies.SharedDirectory!, "*.xml");
            Assert.NotEmpty(files);
            foreach (var file in files)
            {
                var text = File.ReadAllText(file);
                Assert.Same(text, XmlCharacters.ReferenceForbidden(text));
            }
        }

        [Fact]
        public void A_forbidden_character_inside_markup_still_makes_the_reply_unreadable()
        {
            var broken = Envelope("x").Replace("<p:sValue>", "<p:sVa\u001blue>");
            Assert.Throws<FormatException>(() => WsManParser.Parse(broken));
        }

        [Fact]
        public void A_key_name_holding_forbidden_characters_is_sent_as_character_references()
        {
            var keyName = "Shield\u001bKey" + (char)0xD800 + "\u0000";
            var xml = WsManRequest.Invoke(StdRegProv, "GetStringValue", "uuid:1", new WsManHeaderOptions { To = "http://pc/wsman" },
                new[] { new CimParameter("sSubKeyName", CimValue.FromString(keyName)) });
            Assert.DoesNotContain(xml, c => c < 0x20 || char.IsSurrogate(c));
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { CheckCharacters = false });
            var sent = XDocument.Load(reader).Descendants().Single(e => e.Name.LocalName == "sSubKeyName").Value;
            Assert.Equal(keyName, sent);
        }

        [Theory]
        [InlineData("Notes\u001b Pro", @"Notes\x1B Pro")]
        [InlineData("Null\u0000", @"Null\x00")]
        [InlineData("Tool \uffff\ufffe", @"Tool \uFFFF\uFFFE")]
        [InlineData("Smile \ud83d\ude00\t\r\n\ufffd", "Smile \ud83d\ude00\t\r\n\ufffd")]
        public void The_visible_form_escapes_only_what_XML_forbids(string value, string visible)
        {
            Assert.Equal(visible, XmlCharacters.Visible(value));
            Assert.Equal(visible != value, XmlCharacters.HasForbidden(value));
        }
    }
}
