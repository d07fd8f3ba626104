using System;
using System.Collections.Generic;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class CimValueTests
    {
        [Fact]
        public void Wire_text_converts_on_demand()
        {
            var v = new CimValue(CimType.Unknown, false, "4294967295");
            Assert.Equal(uint.MaxValue, v.AsUInt32());
            Assert.Equal(4294967295L, v.AsSInt64());
            Assert.Equal("4294967295", v.AsString());
        }

        [Theory]
        [InlineData("true", true)]
        [InlineData("FALSE", false)]
        [InlineData("1", true)]
        [InlineData("0", false)]
        public void Booleans_read_xml_and_numeric_forms(string text, bool expected)
        {
            Assert.Equal(expected, new CimValue(CimType.Unknown, false, text).AsBoolean());
        }

        [Fact]
        public void Bad_text_fails_loudly_instead_of_returning_a_default()
        {
            Assert.Throws<FormatException>(() => new CimValue(CimType.Unknown, false, "yes").AsBoolean());
            Assert.Throws<FormatException>(() => new CimValue(CimType.Unknown, false, "abc").AsUInt32());
            Assert.Throws<OverflowException>(() => new CimValue(CimType.Unknown, false, "-1").AsUInt32());
        }

        [Fact]
        public void Null_reads_as_null_for_every_accessor()
        {
            Assert.Null(CimValue.Null.AsString());
            Assert.Null(CimValue.Null.AsUInt32());
            Assert.Null(CimValue.Null.AsBoolean());
            Assert.Null(CimValue.Null.AsDateTime());
            Assert.Null(CimValue.Null.AsStringArray());
        }

        [Fact]
        public void An_array_is_not_a_scalar()
        {
            var v = CimValue.FromStringArray(new[] { "a", "b" });
            Assert.Throws<InvalidCastException>(() => v.AsString());
            Assert.Equal(new[] { "a", "b" }, v.AsStringArray());
        }

        [Fact]
        public void Datetimes_are_utc_whatever_their_offset()
        {
            Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), new CimValue(CimType.Unknown, false, "2026-01-01T13:00:00+01:00").AsDateTime());
            var parsed = WsManDocumentOracle.ParseValue(System.Xml.Linq.XElement.Parse(
                "<p:When xmlns:p='urn:x' xmlns:cim='http://schemas.dmtf.org/wbem/wscim/1/common'><cim:Datetime>2026-06-30T23:59:59-02:00</cim:Datetime></p:When>"));
            Assert.Equal(new DateTime(2026, 7, 1, 1, 59, 59, DateTimeKind.Utc), parsed.AsDateTime());
            Assert.Equal(DateTimeKind.Utc, parsed.AsDateTime().Value.Kind);
        }

        [Fact]
        public void Typed_wire_values_keep_their_cim_type()
        {
            var e = System.Xml.Linq.XElement.Parse(
                "<p:Code xmlns:p='urn:x' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xmlns:cim='http://schemas.dmtf.org/wbem/wscim/1/common' xsi:type='cim:cimUnsignedInt'>2150859173</p:Code>");
            var v = WsManDocumentOracle.ParseValue(e);
            Assert.Equal(CimType.UInt32, v.Type);
            Assert.Equal(2150859173u, v.Value);
        }

        [Fact]
        public void An_embedded_instance_becomes_a_CimObject()
        {
            var e = System.Xml.Linq.XElement.Parse(
                "<p:Startup xmlns:p='urn:x' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xsi:type='p:Win32_ProcessStartup_Type'><p:ShowWindow>0</p:ShowWindow><p:Title xsi:nil='true'/></p:Startup>");
            var v = WsManDocumentOracle.ParseValue(e);
            Assert.Equal(CimType.Instance, v.Type);
            var o = v.AsInstance();
            Assert.Equal("Win32_ProcessStartup", o.ClassName);
            Assert.Equal(0, o["ShowWindow"].AsSInt32());
            Assert.True(o["Title"].IsNull);
        }

        [Fact]
        public void Object_properties_are_case_insensitive()
        {
            var o = new CimObject("C", new Dictionary<string, CimValue> { ["Name"] = CimValue.FromString("x") });
            Assert.Equal("x", o["NAME"].AsString());
        }
    }
}
