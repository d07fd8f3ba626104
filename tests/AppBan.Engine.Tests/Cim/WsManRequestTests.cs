using System;
using System.Linq;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class WsManRequestTests
    {
        private static readonly XNamespace S = "http://www.w3.org/2003/05/soap-envelope";
        private static readonly XNamespace A = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
        private static readonly XNamespace N = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
        private static readonly XNamespace W = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
        private const string RegUri = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv";

        private static WsManHeaderOptions Header(bool use64 = false) => new WsManHeaderOptions
        {
            To = "http://laptop-01:5985/wsman",
            OperationTimeout = TimeSpan.FromSeconds(30),
            MaxEnvelopeSize = 153600,
            Locale = "de-DE",
            Use64BitProvider = use64,
        };

        [Fact]
        public void Enumerate_carries_the_wql_filter_and_every_header_windows_expects()
        {
            var xml = WsManRequest.Enumerate(WsManNames.ResourceUri(@"root\cimv2", "*"), "uuid:ABC", Header(),
                "SELECT Name FROM Win32_Process WHERE Name='a<b&c'", 250);
            var doc = XDocument.Parse(xml);
            var header = doc.Root.Element(S + "Header");

            Assert.Equal("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*", header.Element(W + "ResourceURI").Value);
            Assert.Equal("true", (string)header.Element(W + "ResourceURI").Attribute(S + "mustUnderstand"));
            Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", header.Element(A + "Action").Value);
            Assert.Equal("http://laptop-01:5985/wsman", header.Element(A + "To").Value);
            Assert.Equal("uuid:ABC", header.Element(A + "MessageID").Value);
            Assert.Equal("153600", header.Element(W + "MaxEnvelopeSize").Value);
            Assert.Equal("PT30.000S", header.Element(W + "OperationTimeout").Value);
            Assert.Equal("de-DE", (string)header.Element(W + "Locale").Attribute(XNamespace.Xml + "lang"));
            Assert.Equal("false", (string)header.Element(W + "Locale").Attribute(S + "mustUnderstand"));
            Assert.Equal(WsManNames.AnonymousAddress, header.Element(A + "ReplyTo").Element(A + "Address").Value);
            Assert.Null(header.Element(W + "OptionSet"));

            var enumerate = doc.Root.Element(S + "Body").Element(N + "Enumerate");
            Assert.NotNull(enumerate.Element(W + "OptimizeEnumeration"));
            Assert.Equal("250", enumerate.Element(W + "MaxElements").Value);
            var filter = enumerate.Element(W + "Filter");
            Assert.Equal("http://schemas.microsoft.com/wbem/wsman/1/WQL", (string)filter.Attribute("Dialect"));
            Assert.Equal("SELECT Name FROM Win32_Process WHERE Name='a<b&c'", filter.Value);
        }

        [Fact]
        public void The_64_bit_provider_travels_as_wmi_prefixed_options()
        {
            var doc = XDocument.Parse(WsManRequest.Invoke(RegUri, "EnumKey", "uuid:1", Header(use64: true), Array.Empty<CimParameter>()));
            var options = doc.Root.Element(S + "Header").Element(W + "OptionSet").Elements(W + "Option").ToList();

            Assert.Equal(2, options.Count);
            Assert.Equal("wmi:__ProviderArchitecture", (string)options[0].Attribute("Name"));
            Assert.Equal("xs:int", (string)options[0].Attribute("Type"));
            // The Type is a QName: its prefix must resolve to XML Schema where it is used.
            Assert.All(options, o => Assert.Equal("http://www.w3.org/2001/XMLSchema", o.GetNamespaceOfPrefix("xs")?.NamespaceName));
            Assert.Equal("64", options[0].Value);
            Assert.Equal("wmi:__RequiredArchitecture", (string)options[1].Attribute("Name"));
            Assert.Equal("true", options[1].Value);
            Assert.All(options, o => Assert.Null(o.Attribute("MustComply")));
        }

        [Fact]
        public void Invoke_writes_the_method_action_and_typed_input_parameters()
        {
            var xml = WsManRequest.Invoke(RegUri, "SetStringValue", "uuid:2", Header(), new[]
            {
                new CimParameter("hDefKey", CimValue.FromUInt32((uint)RegistryHive.LocalMachine)),
                new CimParameter("sSubKeyName", CimValue.FromString(@"SOFTWARE\AppBan\Runs\x")),
                new CimParameter("sValueName", CimValue.Null),
                new CimParameter("sValue", CimValue.FromString("a & <b>")),
            });
            var doc = XDocument.Parse(xml);
            XNamespace p = RegUri;
            Assert.Equal(RegUri + "/SetStringValue", doc.Root.Element(S + "Header").Element(A + "Action").Value);
            Assert.Equal(RegUri, doc.Root.Element(S + "Header").Element(W + "ResourceURI").Value);
            var input = doc.Root.Element(S + "Body").Element(p + "SetStringValue_INPUT");
            Assert.NotNull(input);
            Assert.Equal("2147483650", input.Element(p + "hDefKey").Value);
            Assert.Equal(@"SOFTWARE\AppBan\Runs\x", input.Element(p + "sSubKeyName").Value);
            Assert.Equal("true", (string)input.Element(p + "sValueName").Attribute(XName.Get("nil", "http://www.w3.org/2001/XMLSchema-instance")));
            Assert.Equal("a & <b>", input.Element(p + "sValue").Value);
        }

        [Fact]
        public void Arrays_repeat_the_element_and_booleans_and_datetimes_use_xml_forms()
        {
            var xml = WsManRequest.Invoke(RegUri, "SetMultiStringValue", "uuid:3", Header(), new[]
            {
                new CimParameter("sValue", CimValue.FromStringArray(new[] { "one", "two", "three" })),
                new CimParameter("bFlag", CimValue.FromBoolean(true)),
                new CimParameter("When", CimValue.FromDateTime(new DateTime(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc))),
            });
            XNamespace p = RegUri;
            var input = XDocument.Parse(xml).Descendants(p + "SetMultiStringValue_INPUT").Single();
            Assert.Equal(new[] { "one", "two", "three" }, input.Elements(p + "sValue").Select(e => e.Value));
            Assert.Equal("true", input.Element(p + "bFlag").Value);
            Assert.Equal("2026-11-28T10:00:00Z", input.Element(p + "When").Element(XName.Get("Datetime", "http://schemas.dmtf.org/wbem/wscim/1/common")).Value);
        }

        [Theory]
        [InlineData("Enum Key")]
        [InlineData("x\"y")]
        [InlineData("")]
        public void Invoke_refuses_a_method_name_that_is_not_an_xml_name(string method)
        {
            Assert.Throws<ArgumentException>(() => WsManRequest.Invoke(RegUri, method, "uuid:4", Header(), Array.Empty<CimParameter>()));
        }

        [Fact]
        public void Pull_and_Release_carry_the_enumeration_context()
        {
            var pull = XDocument.Parse(WsManRequest.Pull("r", "uuid:5", Header(), "uuid:CTX-1", 100));
            Assert.Equal(WsManNames.PullAction, pull.Descendants(A + "Action").Single().Value);
            Assert.Equal("uuid:CTX-1", pull.Descendants(N + "EnumerationContext").Single().Value);
            Assert.Equal("100", pull.Descendants(N + "Pull").Single().Element(N + "MaxElements").Value);

            var release = XDocument.Parse(WsManRequest.Release("r", "uuid:6", Header(), "uuid:CTX-1"));
            Assert.Equal(WsManNames.ReleaseAction, release.Descendants(A + "Action").Single().Value);
            Assert.Equal("uuid:CTX-1", release.Descendants(N + "Release").Single().Element(N + "EnumerationContext").Value);
        }

        [Theory]
        [InlineData(@"root\cimv2", "StdRegProv", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv")]
        [InlineData(@"root\default", "StdRegProv", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv")]
        [InlineData("root/cimv2", "*", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*")]
        public void Resource_uris_follow_the_wmi_plugin_layout(string ns, string cls, string expected)
        {
            Assert.Equal(expected, WsManNames.ResourceUri(ns, cls));
        }

        [Fact]
        public void Durations_are_written_as_windows_does()
        {
            Assert.Equal("PT60.000S", WsManRequest.FormatDuration(TimeSpan.FromSeconds(60)));
            Assert.Equal("PT0.500S", WsManRequest.FormatDuration(TimeSpan.FromMilliseconds(500)));
        }
    }
}
