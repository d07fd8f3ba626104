using System;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// The reply's bytes become the same text whichever way they are decoded: UTF-8 with or without a byte order mark or a
    /// charset, invalid bytes as U+FFFD, and other charsets through the HTTP layer. The request carries its headers as
    /// WinRM expects them.
    /// </summary>
    public class WsManHttpTextTests
    {
        private const string StdRegProv = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv";

        private static string Reply(string messageId, string value) =>
            "<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope' xmlns:a='http://schemas.xmlsoap.org/ws/2004/08/addressing'>" +
            "<s:Header><a:Action>x</a:Action><a:RelatesTo>" + messageId + "</a:RelatesTo></s:Header><s:Body>" +
            "<p:GetStringValue_OUTPUT xmlns:p='" + StdRegProv + "'><p:sValue>" + value + "</p:sValue><p:ReturnValue>0</p:ReturnValue>" +
            "</p:GetStringValue_OUTPUT></s:Body></s:Envelope>";

        private static async Task<(string Value, ScriptedWsManServer Server)> ReadAsync(Func<string, (string, byte[])> respond)
        {
            var server = new ScriptedWsManServer { RespondBytes = (request, id) => respond(id) };
            var target = CimTarget.Parse(server.ComputerName);
            target.Authentication = CimAuthentication.Basic;
            target.Credential = new NetworkCredential("LAPTOP-01\\admin", "Pa55-w0rd!");
            using (var session = new WsManSession(target))
            {
                var result = await session.InvokeMethodAsync(@"root\default", "StdRegProv", "GetStringValue", Array.Empty<CimParameter>(), null);
                return (result.OutParameters["sValue"].AsString(), server);
            }
        }

        [Theory]
        [InlineData("application/soap+xml;charset=UTF-8", false)]
        [InlineData("application/soap+xml; charset=\"utf-8\"", false)]
        [InlineData("application/soap+xml", false)]
        [InlineData(null, false)]
        [InlineData("application/soap+xml;charset=UTF-8", true)]
        [InlineData("application/soap+xml", true)]
        public async Task UTF8_replies_read_back_with_or_without_charset_and_byte_order_mark(string contentType, bool byteOrderMark)
        {
            const string value = "Grüße 日本語 \ud83d\ude00 &amp; done";
            var (read, server) = await ReadAsync(id =>
            {
                var body = Encoding.UTF8.GetBytes(Reply(id, value));
                return (contentType, byteOrderMark ? Encoding.UTF8.GetPreamble().Concat(body).ToArray() : body);
            });
            using (server)
            {
                Assert.Equal("Grüße 日本語 \ud83d\ude00 & done", read);
                var headers = server.RequestHeaders.Single();
                Assert.Equal("application/soap+xml;charset=UTF-8", headers.ContentType);
                Assert.Equal("AppBan-WSMan/1.0", headers.UserAgent);
                Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("LAPTOP-01\\admin:Pa55-w0rd!")), server.AuthorizationHeaders.Single());
            }
        }

        [Fact]
        public async Task Bytes_that_are_not_UTF8_read_as_U_FFFD_and_nothing_else_is_lost()
        {
            var (read, server) = await ReadAsync(id =>
            {
                var text = Reply(id, "before|after");
                var bytes = Encoding.UTF8.GetBytes(text).ToList();
                var bar = bytes.IndexOf((byte)'|');
                bytes.RemoveAt(bar);
                bytes.InsertRange(bar, new byte[] { 0xC3, 0x28, 0xFF });
                return ("application/soap+xml;charset=UTF-8", bytes.ToArray());
            });
            using (server) Assert.Equal("before\ufffd(\ufffdafter", read);
        }

        [Theory]
        [InlineData("application/soap+xml;charset=UTF-16", false)]
        [InlineData("application/soap+xml;charset=utf-16", true)]
        [InlineData("application/soap+xml", true)]
        public async Task UTF16_replies_read_back_through_the_HTTP_layer(string contentType, bool byteOrderMark)
        {
            var (read, server) = await ReadAsync(id =>
            {
                var body = Encoding.Unicode.GetBytes(Reply(id, "Grüße 日本語"));
                return (contentType, byteOrderMark ? Encoding.Unicode.GetPreamble().Concat(body).ToArray() : body);
            });
            using (server) Assert.Equal("Grüße 日本語", read);
        }
    }
}
