using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>
    /// The managed client's NTLM with WS-Man message encryption against a simulated host with Windows' default WinRM
    /// settings (Basic off, AllowUnencrypted false), over real loopback HTTP.
    /// </summary>
    public class NegotiateHttpTransportTests : IClassFixture<SimulatedFleetFixture>
    {
        private const string Host = "WINRM-DEFAULTS";
        private const string EncryptedType = "multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"";
        private readonly SimulatedFleetFixture fleet;

        public NegotiateHttpTransportTests(SimulatedFleetFixture fleet) => this.fleet = fleet;

        private WsManSession Session(CimAuthentication authentication, string user = "it-admin", string password = SimulatedFleetFixture.Password, int maxConnections = 4)
        {
            var target = fleet.AdminTarget(Host);
            target.Authentication = authentication;
            target.Credential = new NetworkCredential(user, password);
            return new WsManSession(target, new WsManSessionOptions { MaxConnections = maxConnections, ClientGrace = TimeSpan.FromSeconds(1) });
        }

        private async Task<List<JsonElement>> Log() => (await fleet.Simulator.GetOperationsAsync(Host)).EnumerateArray().ToList();

        private static string Text(JsonElement entry, string name) =>
            entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        [Theory]
        [InlineData(CimAuthentication.Default)]
        [InlineData(CimAuthentication.Negotiate)]
        [InlineData(CimAuthentication.Ntlm)]
        public async Task Queries_and_method_calls_travel_encrypted_on_few_connections_each_authenticated_once(CimAuthentication authentication)
        {
            await fleet.Simulator.ResetAsync(Host);
            using (var session = Session(authentication, maxConnections: 2))
            {
                var names = new List<string>();
                await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_OperatingSystem",
                    o => { lock (names) names.Add(o["CSName"].AsString()); }, CimCallOptions.Default)));
                var result = await session.InvokeMethodAsync(@"root\default", "StdRegProv", "EnumKey", new[]
                {
                    new CimParameter("hDefKey", CimValue.FromUInt32(0x80000002u)),
                    new CimParameter("sSubKeyName", CimValue.FromString(@"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall")),
                }, CimCallOptions.Default);
                Assert.Equal(Enumerable.Repeat(Host, 6), names);
                Assert.Equal(0u, result.ReturnValue);
            }

            var log = await Log();
            var soap = log.Where(e => Text(e, "operation") != "Authenticate").ToList();
            Assert.Equal(7, soap.Count);
            Assert.All(soap, e =>
            {
                Assert.Equal(EncryptedType, Text(e, "requestContentType"));
                Assert.Equal(EncryptedType, Text(e, "replyContentType"));
                Assert.Equal("Negotiate+encrypted", Text(e, "authentication"));
                Assert.Equal("it-admin", Text(e, "user"));
            });
            // Two connections at most, each with one CHALLENGE and one accepted AUTHENTICATE.
            var legs = log.Where(e => Text(e, "operation") == "Authenticate").Select(e => Text(e, "result")).ToList();
            Assert.InRange(legs.Count(r => r == "ok"), 1, 2);
            Assert.Equal(legs.Count(r => r == "ok"), legs.Count(r => r == "401"));
        }

        [Fact]
        public async Task A_wrong_password_is_AuthenticationFailed_and_nothing_reaches_WMI()
        {
            await fleet.Simulator.ResetAsync(Host);
            using (var session = Session(CimAuthentication.Default, password: "not-the-password"))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_OperatingSystem", _ => { }, CimCallOptions.Default));
                Assert.Equal(CimErrorKind.AuthenticationFailed, ex.Kind);
                Assert.Contains("rejected the credentials", ex.Message);
                Assert.DoesNotContain("not-the-password", ex.Message);
            }
            var log = await Log();
            Assert.Contains(log, e => Text(e, "detail") == "The NTLMv2 response of it-admin does not match the password.");
            Assert.DoesNotContain(log, e => Text(e, "operation") == "Enumerate");
        }

        [Fact]
        public async Task Basic_against_the_same_host_still_fails_as_before_without_switching_to_Negotiate()
        {
            await fleet.Simulator.ResetAsync(Host);
            using (var session = Session(CimAuthentication.Basic))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_OperatingSystem", _ => { }, CimCallOptions.Default));
                Assert.Equal("BasicAuthenticationDisabled", ex.Detail);
            }
            Assert.DoesNotContain(await Log(), e => Text(e, "operation") == "Authenticate");
        }

        [Fact]
        public async Task A_cancelled_call_is_Cancelled_and_opens_no_NTLM_context()
        {
            await fleet.Simulator.ResetAsync(Host);
            using (var session = Session(CimAuthentication.Default))
            using (var cancel = new CancellationTokenSource())
            {
                cancel.Cancel();
                var options = new CimCallOptions { CancellationToken = cancel.Token };
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_OperatingSystem", _ => { }, options));
                Assert.Equal(CimErrorKind.Cancelled, ex.Kind);
            }
            Assert.DoesNotContain(await Log(), e => Text(e, "operation") == "Authenticate");
        }
    }
}
