using System;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class WsManParserTests
    {
        private static WsManEnumerationPage Page(string fixture, string fragmentClass = null)
        {
            var response = WsManParser.Parse(CapturedReplies.Read(fixture));
            Assert.Null(response.Fault);
            return WsManDocumentOracle.ParseEnumerationPage(response.Body, fragmentClass);
        }

        private static CimMethodResult Output(string fixture, string method) =>
            WsManDocumentOracle.ParseMethodOutput(WsManParser.Parse(CapturedReplies.Read(fixture)).Body, method);

        [Fact]
        public void Typed_items_keep_class_values_nils_and_datetimes()
        {
            var page = Page("enumerate-typed.xml");
            Assert.Equal("uuid:A0B1C2D3-0000-4000-8000-000000000001", page.Context);
            Assert.False(page.EndOfSequence);
            Assert.Equal(2, page.Items.Count);

            var tiktok = page.Items[0];
            Assert.Equal("Win32_Process", tiktok.ClassName);
            Assert.Equal("TikTok.exe", tiktok["Name"].AsString());
            Assert.Equal(7312u, tiktok["processid"].AsUInt32());
            Assert.Equal(104857600ul, tiktok["WorkingSetSize"].AsUInt64());
            Assert.True(tiktok["ExecutablePath"].IsNull);
            Assert.StartsWith("\"C:\\Program Files\\WindowsApps\\", tiktok["CommandLine"].AsString());
            Assert.Equal(new DateTime(2026, 11, 27, 8, 15, 30, 125, DateTimeKind.Utc), tiktok["CreationDate"].AsDateTime());
            Assert.Equal(CimType.DateTime, tiktok["CreationDate"].Type);
            Assert.True(tiktok["NoSuchProperty"].IsNull);

            Assert.True(page.Items[1]["CreationDate"].IsNull);
            Assert.Null(page.Items[1]["CreationDate"].AsDateTime());
        }

        [Fact]
        public void A_pull_reply_with_EndOfSequence_ends_the_enumeration()
        {
            var page = Page("pull-end.xml");
            Assert.True(page.EndOfSequence);
            Assert.Null(page.Context);
            Assert.Equal("CapCut.exe", page.Items.Single()["Name"].AsString());
        }

        [Fact]
        public void XmlFragment_items_take_the_class_from_the_query()
        {
            var page = Page("enumerate-fragment.xml", "Win32_OperatingSystem");
            Assert.True(page.EndOfSequence);
            Assert.Equal("", page.Context);
            var os = page.Items.Single();
            Assert.Equal("Win32_OperatingSystem", os.ClassName);
            Assert.Equal("10.0.26100", os["Version"].AsString());
            Assert.Equal(26100u, os["BuildNumber"].AsUInt32());
            Assert.True(os["CSDVersion"].IsNull);
        }

        [Fact]
        public void Method_output_reads_arrays_returnvalue_and_nil()
        {
            var r = Output("invoke-enumkey.xml", "EnumKey");
            Assert.Equal(0u, r.ReturnValue);
            Assert.False(r.OutParameters.ContainsKey("ReturnValue"));
            Assert.True(r.OutParameters["sNames"].IsArray);
            Assert.Equal(new[] { "7-Zip", "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se", "{3F2504E0-4F89-41D3-9A0C-0305E82C3301}" },
                r.OutParameters["sNames"].AsStringArray());

            var single = Output("invoke-enumkey-single.xml", "EnumKey");
            Assert.Equal(new[] { "OnlyChild" }, single.OutParameters["sNames"].AsStringArray());

            var empty = Output("invoke-enumkey-empty.xml", "EnumKey");
            Assert.True(empty.OutParameters["sNames"].IsNull);
        }

        [Fact]
        public void A_non_zero_return_value_comes_back_without_out_parameters()
        {
            var r = Output("invoke-getstringvalue-missing.xml", "GetStringValue");
            Assert.Equal(1u, r.ReturnValue);
            Assert.False(r.OutParameters.ContainsKey("sValue"));
            Assert.Equal(0x80041005u, Output("invoke-getstringvalue-typemismatch.xml", "GetStringValue").ReturnValue);
        }

        [Fact]
        public void A_reply_for_another_method_is_a_format_error()
        {
            Assert.Throws<FormatException>(() => Output("invoke-enumkey.xml", "GetStringValue"));
        }

        [Theory]
        [InlineData("<html><body>IIS</body></html>")]
        [InlineData("not xml at all")]
        [InlineData("<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'/>")]
        public void Anything_but_a_soap_envelope_is_a_format_error(string text)
        {
            Assert.Throws<FormatException>(() => WsManParser.Parse(text));
        }

        [Fact]
        public void A_dtd_is_refused()
        {
            var evil = "<!DOCTYPE s [<!ENTITY x 'y'>]><s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body>&x;</s:Body></s:Envelope>";
            Assert.Throws<FormatException>(() => WsManParser.Parse(evil));
        }

        [Fact]
        public void Typed_text_uses_xsi_type_when_present()
        {
            var fault = WsManParser.Parse(CapturedReplies.Read("fault-invalid-namespace.xml")).Fault;
            Assert.Equal(3, fault.CimStatusCode);
            Assert.Equal(0x8004100EL, fault.WmiErrorCode);
            Assert.Equal("HRESULT 0x8004100e", fault.WmiMessageId);
        }

        [Fact]
        public void Addressing_headers_are_read()
        {
            var r = WsManParser.Parse(CapturedReplies.Read("invoke-enumkey.xml"));
            Assert.Equal(CapturedReplies.TemplateRelatesTo, r.RelatesTo);
            Assert.Equal("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv/EnumKeyResponse", r.Action);
        }
    }
}
