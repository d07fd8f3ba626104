using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class WsManFaultTests
    {
        [Theory]
        [InlineData("fault-access-denied.xml", CimErrorKind.AccessDenied, 0x5L)]
        [InlineData("fault-wmi-access-denied.xml", CimErrorKind.AccessDenied, 0x80041003L)]
        [InlineData("fault-wmi-namespace-access-denied.xml", CimErrorKind.AccessDenied, 0x80338104L)]
        [InlineData("fault-invalid-namespace.xml", CimErrorKind.InvalidNamespace, 0x8004100EL)]
        [InlineData("fault-invalid-class.xml", CimErrorKind.InvalidClass, 0x80041010L)]
        [InlineData("fault-invalid-query.xml", CimErrorKind.InvalidQuery, 0x80041017L)]
        [InlineData("fault-timeout.xml", CimErrorKind.Timeout, 0x80338029L)]
        [InlineData("fault-quota.xml", CimErrorKind.QuotaExceeded, 0x803381A6L)]
        [InlineData("fault-provider-failure.xml", CimErrorKind.ProviderFailure, 0x80041001L)]
        [InlineData("fault-schema.xml", CimErrorKind.ProtocolError, 0x80338041L)]
        [InlineData("fault-invalid-context.xml", CimErrorKind.ProtocolError, 0x80338043L)]
        [InlineData("fault-not-found.xml", CimErrorKind.NotFound, 0x80041002L)]
        public void Each_fault_maps_to_its_kind_with_the_native_code(string fixture, CimErrorKind kind, long code)
        {
            var fault = WsManParser.Parse(CapturedReplies.Read(fixture)).Fault;
            Assert.NotNull(fault);
            var ex = WsManFaultMapper.ToException(fault, "laptop-01");
            Assert.Equal(kind, ex.Kind);
            Assert.Equal(code, ex.NativeCode);
            Assert.Equal("laptop-01", ex.ComputerName);
            Assert.StartsWith("laptop-01: ", ex.Message);
            Assert.NotNull(ex.Detail);
        }

        [Fact]
        public void The_innermost_provider_message_is_the_one_shown()
        {
            var fault = WsManParser.Parse(CapturedReplies.Read("fault-invalid-class.xml")).Fault;
            Assert.Equal("n:CannotProcessFilter", fault.Subcode);
            Assert.Equal("s:Sender", fault.Code);
            Assert.Equal(new[] { 2150858778L, 2147749904L }, fault.AllWsManCodes);
            Assert.Equal("Invalid class", fault.ProviderMessage);
            Assert.Contains("Invalid class", WsManFaultMapper.ToException(fault, "h").Message);
        }

        [Theory]
        [InlineData("s:Receiver", null, CimErrorKind.ProviderFailure)]
        [InlineData("s:Sender", null, CimErrorKind.ProtocolError)]
        [InlineData("s:Sender", "w:QuotaLimit", CimErrorKind.QuotaExceeded)]
        [InlineData("s:Sender", "w:TimedOut", CimErrorKind.Timeout)]
        [InlineData("s:Sender", "w:DestinationUnreachable", CimErrorKind.Unreachable)]
        [InlineData("s:Sender", "w:ActionNotSupported", CimErrorKind.NotSupported)]
        [InlineData("s:Sender", "n:CannotProcessFilter", CimErrorKind.InvalidQuery)]
        public void Without_codes_the_subcode_then_the_soap_code_decide(string code, string subcode, CimErrorKind kind)
        {
            Assert.Equal(kind, WsManFaultMapper.KindOf(new WsManFault { Code = code, Subcode = subcode }));
        }

        [Theory]
        [InlineData(0x80338104L)]
        [InlineData(0x80338105L)]
        [InlineData(0x80338106L)]
        public void WinRMs_WMI_access_denied_codes_are_access_denied_whatever_the_subcode(long code)
        {
            var fault = new WsManFault { Code = "s:Receiver", Subcode = "w:InternalError", WsManCode = code, AllWsManCodes = new[] { code } };
            Assert.Equal(CimErrorKind.AccessDenied, WsManFaultMapper.KindOf(fault));
        }

        [Fact]
        public void The_WMI_namespace_refusal_names_itself_in_the_message()
        {
            var ex = WsManFaultMapper.ToException(WsManParser.Parse(CapturedReplies.Read("fault-wmi-namespace-access-denied.xml")).Fault, "nonadmin-01");
            Assert.Equal("nonadmin-01: The WS-Management service cannot process the request. The WMI service returned an 'access denied' error. (0x80338104)", ex.Message);
            Assert.Equal("w:AccessDenied", ex.Detail);
        }

        [Theory]
        [InlineData(1L, CimErrorKind.ProviderFailure)]
        [InlineData(2L, CimErrorKind.AccessDenied)]
        [InlineData(3L, CimErrorKind.InvalidNamespace)]
        [InlineData(4L, CimErrorKind.InvalidParameter)]
        [InlineData(5L, CimErrorKind.InvalidClass)]
        [InlineData(6L, CimErrorKind.NotFound)]
        [InlineData(7L, CimErrorKind.NotSupported)]
        [InlineData(15L, CimErrorKind.InvalidQuery)]
        [InlineData(17L, CimErrorKind.NotSupported)]
        [InlineData(27L, CimErrorKind.QuotaExceeded)]
        public void Cim_status_codes_follow_the_MI_table(long status, CimErrorKind kind)
        {
            Assert.Equal(kind, CimErrorCodes.KindOfCimStatus(status));
        }

        [Theory]
        [InlineData("2150858778", 2150858778L)]
        [InlineData("0x8033801A", 0x8033801AL)]
        [InlineData("HRESULT 0x803381a5", 0x803381A5L)]
        [InlineData("-2147217406", 0x80041002L)]
        [InlineData("nonsense", null)]
        public void Codes_are_read_in_every_form_windows_writes(string text, long? expected)
        {
            Assert.Equal(expected, CimErrorCodes.ParseCode(text));
        }
    }
}
