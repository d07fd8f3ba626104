using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>The client's HTTP behaviour against a scripted loopback endpoint.</summary>
    public class WsManSessionTests
    {
        private const string Password = "Pa55-w0rd!";

        private static WsManSession Session(string computerName, TimeSpan? operationTimeout = null)
        {
            var target = CimTarget.Parse(computerName);
            target.Authentication = CimAuthentication.Basic;
            target.Credential = new NetworkCredential("LAPTOP-01\\admin", Password);
            target.OperationTimeout = operationTimeout;
            return new WsManSession(target, new WsManSessionOptions { MaxElements = 2, ClientGrace = TimeSpan.FromMilliseconds(300), ReleaseTimeout = TimeSpan.FromSeconds(2) });
        }

        private static string Envelope(string body, string relatesTo) =>
            "<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope' xmlns:a='http://schemas.xmlsoap.org/ws/2004/08/addressing' " +
            "xmlns:n='http://schemas.xmlsoap.org/ws/2004/09/enumeration' xmlns:w='http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'>" +
            "<s:Header><a:Action>x</a:Action><a:RelatesTo>" + relatesTo + "</a:RelatesTo></s:Header><s:Body>" + body + "</s:Body></s:Envelope>";

        private static string Item(int i) =>
            "<p:Win32_Process xmlns:p='http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process'><p:Name>p" + i + ".exe</p:Name><p:ProcessId>" + i + "</p:ProcessId></p:Win32_Process>";

        /// <summary>A paged enumeration of <paramref name="total"/> processes, honouring MaxElements; records contexts.</summary>
        private static Func<XDocument, string, Task<(int, string)>> Paged(int total, List<string> pulledContexts, Func<int, Task> beforePull = null)
        {
            var pulls = 0;
            return async (req, id) =>
            {
                var action = req.Descendants().First(e => e.Name.LocalName == "Action").Value;
                if (action.EndsWith("/Release", StringComparison.Ordinal)) return (200, Envelope("<n:ReleaseResponse/>", id));
                var max = int.Parse(req.Descendants().First(e => e.Name.LocalName == "MaxElements").Value);
                int start;
                if (action.EndsWith("/Enumerate", StringComparison.Ordinal)) start = 0;
                else
                {
                    var ctx = ScriptedWsManServer.Body(req, "EnumerationContext");
                    lock (pulledContexts) pulledContexts.Add(ctx);
                    start = int.Parse(ctx.Substring("uuid:ctx-".Length));
                    var n = Interlocked.Increment(ref pulls);
                    if (beforePull != null) await beforePull(n);
                }
                var end = Math.Min(total, start + max);
                var items = string.Concat(Enumerable.Range(start, end - start).Select(Item));
                var tail = end >= total ? "<w:EndOfSequence/>" : "";
                var element = start == 0 && action.EndsWith("/Enumerate", StringComparison.Ordinal) ? "EnumerateResponse" : "PullResponse";
                var ctxElement = end >= total ? "" : "<n:EnumerationContext>uuid:ctx-" + end + "</n:EnumerationContext>";
                return (200, Envelope("<n:" + element + ">" + ctxElement + "<w:Items>" + items + "</w:Items>" + tail + "</n:" + element + ">", id));
            };
        }

        [Fact]
        public async Task Enumeration_pulls_until_EndOfSequence_and_streams_every_item()
        {
            var contexts = new List<string>();
            using (var server = new ScriptedWsManServer { Respond = Paged(7, contexts) })
            using (var session = Session(server.ComputerName))
            {
                var names = new List<string>();
                await session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", o => names.Add(o["Name"].AsString()), CimCallOptions.Default);
                Assert.Equal(Enumerable.Range(0, 7).Select(i => "p" + i + ".exe"), names);
                Assert.Equal(new[] { "uuid:ctx-2", "uuid:ctx-4", "uuid:ctx-6" }, contexts);
                Assert.Equal(new[] { WsManNames.EnumerateAction, WsManNames.PullAction, WsManNames.PullAction, WsManNames.PullAction }, server.Actions);
                // Preemptive Basic with DOMAIN\user, on every request.
                var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("LAPTOP-01\\admin:" + Password));
                Assert.All(server.AuthorizationHeaders, h => Assert.Equal(expected, h));
            }
        }

        [Fact]
        public async Task Cancelling_mid_enumeration_releases_the_context()
        {
            using (var cts = new CancellationTokenSource())
            {
                var contexts = new List<string>();
                using (var server = new ScriptedWsManServer { Respond = Paged(100, contexts, async n => { if (n == 2) { cts.Cancel(); await Task.Delay(Timeout.Infinite, new CancellationTokenSource(5000).Token).ContinueWith(_ => { }); } }) })
                using (var session = Session(server.ComputerName))
                {
                    var seen = 0;
                    var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", _ => seen++,
                        new CimCallOptions { CancellationToken = cts.Token }));
                    Assert.Equal(CimErrorKind.Cancelled, ex.Kind);
                    Assert.Equal(4, seen);
                    var release = server.Requests.Last();
                    Assert.Equal(WsManNames.ReleaseAction, server.Actions.Last());
                    Assert.Equal("uuid:ctx-4", ScriptedWsManServer.Body(release, "EnumerationContext"));
                }
            }
        }

        [Fact]
        public async Task A_failing_consumer_releases_the_context_and_keeps_its_exception()
        {
            using (var server = new ScriptedWsManServer { Respond = Paged(10, new List<string>()) })
            using (var session = Session(server.ComputerName))
            {
                await Assert.ThrowsAsync<InvalidDataException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process",
                    o => { if (o["ProcessId"].AsUInt32() == 3) throw new InvalidDataException("stop"); }, CimCallOptions.Default));
                Assert.Equal(WsManNames.ReleaseAction, server.Actions.Last());
                Assert.Equal("uuid:ctx-4", ScriptedWsManServer.Body(server.Requests.Last(), "EnumerationContext"));
            }
        }

        [Fact]
        public async Task A_fault_during_pull_is_typed_and_releases_the_context()
        {
            var first = true;
            using (var server = new ScriptedWsManServer())
            {
                var paged = Paged(10, new List<string>());
                server.Respond = async (req, id) =>
                {
                    var action = req.Descendants().First(e => e.Name.LocalName == "Action").Value;
                    if (action == WsManNames.PullAction && first) { first = false; return (500, CapturedReplies.ReplyTo("fault-quota.xml", id)); }
                    return await paged(req, id);
                };
                using (var session = Session(server.ComputerName))
                {
                    var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", _ => { }, CimCallOptions.Default));
                    Assert.Equal(CimErrorKind.QuotaExceeded, ex.Kind);
                    Assert.Equal(WsManNames.ReleaseAction, server.Actions.Last());
                }
            }
        }

        [Fact]
        public async Task Method_calls_send_INPUT_and_read_OUTPUT()
        {
            using (var server = new ScriptedWsManServer { Respond = (req, id) => Task.FromResult((200, CapturedReplies.ReplyTo("invoke-enumkey.xml", id))) })
            using (var session = Session(server.ComputerName))
            {
                var r = await new RegistryClient(session).EnumKeyAsync(RegistryHive.LocalMachine, @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall");
                Assert.Equal(3, r.Value.Count);
                var req = server.Requests.Single();
                XNamespace p = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv";
                Assert.Equal(p.NamespaceName + "/EnumKey", server.Actions.Single());
                Assert.Equal("2147483650", req.Descendants(p + "hDefKey").Single().Value);
                Assert.Contains(req.Descendants(), e => e.Name.LocalName == "Option" && (string)e.Attribute("Name") == "wmi:__ProviderArchitecture");
            }
        }

        [Fact]
        public async Task A_reply_to_another_message_is_a_protocol_error()
        {
            using (var server = new ScriptedWsManServer { Respond = (req, id) => Task.FromResult((200, CapturedReplies.Read("invoke-enumkey.xml"))) })
            using (var session = Session(server.ComputerName))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(session).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE"));
                Assert.Equal(CimErrorKind.ProtocolError, ex.Kind);
                Assert.Contains(CapturedReplies.TemplateRelatesTo, ex.Message);
            }
        }

        [Theory]
        [InlineData(401, "", CimErrorKind.AuthenticationFailed)]
        [InlineData(403, "", CimErrorKind.AccessDenied)]
        [InlineData(404, "", CimErrorKind.Unreachable)]
        [InlineData(500, "<html>Internal error</html>", CimErrorKind.ProtocolError)]
        [InlineData(500, "fault-access-denied.xml", CimErrorKind.AccessDenied)]
        [InlineData(400, "fault-schema.xml", CimErrorKind.ProtocolError)]
        [InlineData(200, "<html>not soap</html>", CimErrorKind.ProtocolError)]
        public async Task Http_statuses_and_fault_bodies_become_typed_errors(int status, string body, CimErrorKind kind)
        {
            using (var server = new ScriptedWsManServer
            {
                Respond = (req, id) => Task.FromResult((status, body.EndsWith(".xml", StringComparison.Ordinal) ? CapturedReplies.ReplyTo(body, id) : body)),
            })
            using (var session = Session(server.ComputerName))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", _ => { }, CimCallOptions.Default));
                Assert.Equal(kind, ex.Kind);
                Assert.Equal(server.ComputerName, ex.ComputerName);
                Assert.Contains(server.ComputerName, ex.Message);
                Assert.DoesNotContain(Password, ex.ToString());
            }
        }

        [Fact]
        public async Task A_refused_connection_is_Unreachable()
        {
            using (var session = Session("127.0.0.1:" + ScriptedWsManServer.FreePort()))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", _ => { }, CimCallOptions.Default));
                Assert.Equal(CimErrorKind.Unreachable, ex.Kind);
                Assert.Contains("refused", ex.Message);
            }
        }

        [Fact]
        public async Task An_unresolvable_name_is_Unreachable()
        {
            using (var session = Session("appban-no-such-host.invalid"))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", _ => { }, CimCallOptions.Default));
                Assert.Equal(CimErrorKind.Unreachable, ex.Kind);
            }
        }

        [Fact]
        public async Task A_target_that_never_answers_times_out()
        {
            using (var server = new ScriptedWsManServer { Respond = (req, id) => Task.FromResult((0, (string)null)) })
            using (var session = Session(server.ComputerName, TimeSpan.FromSeconds(1)))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(session).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE"));
                Assert.Equal(CimErrorKind.Timeout, ex.Kind);
                Assert.Equal("PT1.000S", server.Requests.Single().Descendants().First(e => e.Name.LocalName == "OperationTimeout").Value);
            }
        }

        [Fact]
        public async Task Several_operations_are_in_flight_on_one_session()
        {
            const int parallel = 8;
            var waiting = 0;
            var peak = 0;
            var allIn = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (var server = new ScriptedWsManServer
            {
                Respond = async (req, id) =>
                {
                    var now = Interlocked.Increment(ref waiting);
                    lock (allIn) peak = Math.Max(peak, now);
                    if (now == parallel) allIn.TrySetResult(true);
                    await Task.WhenAny(allIn.Task, Task.Delay(10000));
                    return (200, CapturedReplies.ReplyTo("invoke-enumkey.xml", id));
                },
            })
            using (var session = Session(server.ComputerName))
            {
                var registry = new RegistryClient(session);
                var results = await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => registry.EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE")));
                Assert.All(results, r => Assert.True(r.Success));
                Assert.Equal(parallel, peak);
            }
        }

        [Fact]
        public async Task Https_verifies_the_certificate_unless_told_not_to()
        {
            using (var server = new TlsWsManServer())
            {
                var target = CimTarget.Parse("127.0.0.1:" + server.Port);
                target.UseSsl = true;
                target.Authentication = CimAuthentication.Basic;
                target.Credential = new NetworkCredential("admin", Password);
                using (var strict = new WsManSession(target))
                {
                    var ex = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(strict).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE"));
                    Assert.Equal(CimErrorKind.TlsFailure, ex.Kind);
                    Assert.Contains("-SkipCertificateCheck", ex.Message);
                }
                target.SkipCertificateCheck = true;
                using (var lax = new WsManSession(target))
                {
                    var r = await new RegistryClient(lax).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE");
                    Assert.True(r.Success);
                }
            }
        }
    }

    /// <summary>An HTTPS endpoint with a self-signed certificate that answers every request with EnumKey output.</summary>
    internal sealed class TlsWsManServer : IDisposable
    {
        private readonly TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly X509Certificate2 certificate;
        private readonly Task loop;

        public TlsWsManServer()
        {
            using (var key = RSA.Create(2048))
            {
                var request = new CertificateRequest("CN=appban-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using (var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)))
                    certificate = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
            }
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            loop = Task.Run(LoopAsync);
        }

        public int Port { get; }

        private async Task LoopAsync()
        {
            while (true)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            using (var ssl = new SslStream(client.GetStream()))
            {
                try
                {
                    await ssl.AuthenticateAsServerAsync(certificate);
                    var reader = new StreamReader(ssl, Encoding.UTF8);
                    var length = 0;
                    string line;
                    while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                        if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line.Substring(15).Trim());
                    var buffer = new char[length];
                    var read = 0;
                    while (read < length) read += await reader.ReadAsync(buffer, read, length - read);
                    var id = XDocument.Parse(new string(buffer)).Descendants().First(e => e.Name.LocalName == "MessageID").Value;
                    var body = Encoding.UTF8.GetBytes(CapturedReplies.ReplyTo("invoke-enumkey.xml", id));
                    var head = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nContent-Length: " + body.Length + "\r\nConnection: close\r\n\r\n");
                    await ssl.WriteAsync(head, 0, head.Length);
                    await ssl.WriteAsync(body, 0, body.Length);
                }
                catch (Exception) { /* the strict client aborts the handshake */ }
            }
        }

        public void Dispose()
        {
            listener.Stop();
            try { loop.Wait(2000); } catch (Exception) { }
            certificate.Dispose();
        }
    }
}
