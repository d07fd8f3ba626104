using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Cim.WsMan.Ntlm;
using AppBan.Simulator.Auth;
using AppBan.Simulator.Control;
using AppBan.Simulator.Model;
using AppBan.Simulator.WsMan;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace AppBan.Simulator;

public sealed class ServerOptions
{
    public IPAddress? AddressBase { get; init; }
    public int Port { get; init; }
    public int ControlPort { get; init; }
    public X509Certificate2? Certificate { get; init; }
}

/// <summary>One Kestrel server: a listener per reachable host (loopback only) and the control endpoint.</summary>
public sealed class Server : IAsyncDisposable
{
    private readonly List<HostState> hosts;
    private readonly ServerOptions options;
    private readonly Dictionary<string, HostState> byEndpoint = new(StringComparer.Ordinal);
    private readonly List<Socket> reservedPorts = [];
    private WebApplication? app;
    private ListenOptions? controlListen;

    public Server(List<HostState> hosts, ServerOptions options)
    {
        this.hosts = hosts;
        this.options = options;
    }

    public IReadOnlyList<HostState> Hosts => hosts;
    public string ControlUrl { get; private set; } = "";
    public CancellationToken Stopping => app?.Lifetime.ApplicationStopping ?? CancellationToken.None;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(1));
        // The program handles SIGTERM, Ctrl+C and end of stdin itself; the console lifetime would hold process exit.
        builder.Services.AddSingleton<IHostLifetime, ProgramLifetime>();
        var listens = new List<(HostState Host, ListenOptions Listen, IPAddress Address)>();
        var scheme = options.Certificate is null ? "http" : "https";
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            // WinRM's default MaxEnvelopeSizekb is 500: larger requests get 413.
            k.Limits.MaxRequestBodySize = 512 * 1024;
            for (var i = 0; i < hosts.Count; i++)
            {
                var host = hosts[i];
                var address = options.AddressBase is null ? IPAddress.Loopback : Offset(options.AddressBase, i);
                // With --https the simulator serves only HTTPS: a host without an HTTPS listener refuses the connection.
                if (host.Description.Faults.Unreachable || (options.Certificate is not null && !host.Description.HttpsListener))
                {
                    host.Url = $"{scheme}://{address}:{(options.AddressBase is null ? ReserveClosedPort() : options.Port)}/wsman";
                    continue;
                }
                var port = options.AddressBase is null ? 0 : options.Port;
                if (host.Description.Faults.SwitchedOff)
                {
                    host.Url = $"{scheme}://{address}:{SilentPort(address, port)}/wsman";
                    continue;
                }
                k.Listen(address, port, lo =>
                {
                    if (options.Certificate is not null) lo.UseHttps(options.Certificate);
                    listens.Add((host, lo, address));
                });
            }
            k.Listen(IPAddress.Loopback, options.ControlPort, lo => controlListen = lo);
        });
        app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        foreach (var (host, listen, address) in listens)
        {
            var port = listen.IPEndPoint!.Port;
            host.Url = $"{scheme}://{address}:{port}/wsman";
            byEndpoint[$"{address}:{port}"] = host;
            host.Listening = true;
        }
        ControlUrl = $"http://127.0.0.1:{controlListen!.IPEndPoint!.Port}/";
    }

    /// <summary>
    /// A port that refuses connections: bound but not listening, so nothing else takes it while the simulator runs.
    /// </summary>
    private int ReserveClosedPort()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        reservedPorts.Add(socket);
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// A port where connection attempts get no answer: it listens with a backlog of 0 and the simulator fills the accept
    /// queue with its own connections, which nobody accepts. The kernel then drops every further SYN (Linux and the
    /// BSDs drop, not refuse, when the accept queue is full), so a client's connect waits as for a switched-off computer.
    /// </summary>
    private int SilentPort(IPAddress address, int port)
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, port));
        listener.Listen(0);
        reservedPorts.Add(listener);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        for (var i = 0; i < 8; i++)
        {
            var filler = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            reservedPorts.Add(filler);
            if (!filler.ConnectAsync(endpoint).Wait(TimeSpan.FromMilliseconds(300))) break;
        }
        return endpoint.Port;
    }

    public static IPAddress Offset(IPAddress start, int offset)
    {
        var bytes = start.GetAddressBytes();
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + (uint)offset;
        var result = new IPAddress(new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value });
        if (result.GetAddressBytes()[0] != 127) throw new ArgumentException($"Host address {result} is outside 127.0.0.0/8.");
        return result;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var local = http.Connection.LocalIpAddress;
        if (local is { IsIPv4MappedToIPv6: true }) local = local.MapToIPv4();
        var port = http.Connection.LocalPort;
        if (controlListen?.IPEndPoint?.Port == port && IPAddress.Loopback.Equals(local))
        {
            await ControlApi.HandleAsync(http, hosts);
            return;
        }
        if (!byEndpoint.TryGetValue($"{local}:{port}", out var host))
        {
            http.Response.StatusCode = 404;
            return;
        }
        await WsManEndpoint.HandleAsync(http, host, Stopping);
    }

    public async Task StopAsync()
    {
        if (app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try { await app.StopAsync(cts.Token); } catch (OperationCanceledException) { }
        }
        foreach (var s in reservedPorts) s.Dispose();
        reservedPorts.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (app is not null) await app.DisposeAsync();
    }
}

internal sealed class ProgramLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The /wsman endpoint of one host: auth, injected faults, latency, then the WS-Man service.</summary>
public static class WsManEndpoint
{
    private const string SoapContentType = "application/soap+xml;charset=UTF-8";
    private const string RecordsKey = "AppBan.Simulator.Records";
    private const string SealerKey = "AppBan.Simulator.Sealer";
    private const string AuthenticationKey = "AppBan.Simulator.Authentication";
    private static readonly AsyncLocal<HttpContext?> CurrentRequest = new();

    /// <summary>
    /// One queue per host in front of its lock. The operations a client keeps in flight on one host end their latency
    /// together and would all contend for the lock at once, where a blocked thread spins first: queuing them
    /// asynchronously costs no CPU while they wait. The lock still guards the state (the control API takes it too).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<HostState, SemaphoreSlim> Gates = new(ReferenceEqualityComparer.Instance);

    private static SemaphoreSlim GateOf(HostState host) => Gates.TryGetValue(host, out var gate) ? gate : Gates.GetOrAdd(host, _ => new SemaphoreSlim(1, 1));

    public static async Task HandleAsync(HttpContext http, HostState host, CancellationToken stopping)
    {
        CurrentRequest.Value = http;
        try { await HandleRequestAsync(http, host, stopping); }
        finally
        {
            // Each record of the request learns the reply's content type, so a test can prove no SOAP body went in clear.
            if (http.Items[RecordsKey] is List<OperationRecord> records)
            {
                lock (host.Lock)
                {
                    foreach (var record in records)
                    {
                        record.ReplyContentType = http.Response.ContentType;
                        record.Authentication = http.Items[AuthenticationKey] as string;
                    }
                }
            }
        }
    }

    private static async Task HandleRequestAsync(HttpContext http, HostState host, CancellationToken stopping)
    {
        http.Response.Headers.Server = "Microsoft-HTTPAPI/2.0";
        if (!string.Equals(http.Request.Path.Value, "/wsman", StringComparison.OrdinalIgnoreCase))
        {
            http.Response.StatusCode = 404;
            return;
        }
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = 405;
            return;
        }
        var unauthenticatedIdentify = string.Equals(http.Request.Headers["WSMANIDENTIFY"].ToString(), "unauthenticated", StringComparison.OrdinalIgnoreCase);
        var basic = http.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
        var connection = host.Description.NegotiateEnabled && !basic ? NegotiateConnection.Of(http) : null;
        if (connection is not null && WinRmNegotiate.Token(http.Request.Headers.Authorization.ToString()) is { } token)
        {
            if (!NegotiateLeg(http, host, connection, token)) return;
            if (!await HasBody(http))
            {
                // The client authenticated with an empty request, as pywinrm does before it encrypts: nothing to answer
                // but success [guess W137: 200 with an empty body; pywinrm only needs a status below 400].
                http.Response.StatusCode = 200;
                return;
            }
        }
        if (basic && !unauthenticatedIdentify && !host.Description.BasicEnabled)
        {
            // Basic is off by default [doc: "Installation and configuration for Windows Remote Management"]: the service
            // challenges with what it does accept. [guess W059] the one header Negotiate (Kerberos may also be offered).
            lock (host.Lock) Record(host, "Unauthorized", null, null, "401").Detail = "Basic authentication is not enabled";
            http.Response.StatusCode = 401;
            http.Response.Headers.WWWAuthenticate = "Negotiate";
            return;
        }
        if (basic && !unauthenticatedIdentify && !http.Request.IsHttps && !host.Description.AllowUnencrypted)
        {
            // Basic over plain HTTP with AllowUnencrypted false: HTTP 500 [3rd: pywinrm issue 208, Metasploit issue 8900,
            // both fixed by AllowUnencrypted=true]. [guess W060] no SOAP body, before the credentials are checked.
            lock (host.Lock) Record(host, "Refused", null, null, "http500").Detail = "unencrypted traffic is not allowed";
            http.Response.StatusCode = 500;
            return;
        }
        var account = connection?.Account ?? Authenticate(http, host);
        http.Items[AuthenticationKey] = connection?.Account is not null ? "Negotiate" : basic ? "Basic" : null;
        if (account is { MayUseWinRm: false })
        {
            // A valid password is not enough: WinRM's access check admits Administrators and Remote Management Users
            // only, and answers everyone else as it answers a wrong password [3rd: Basic clients report "credentials
            // rejected" for such accounts]. [guess W025] the same WWW-Authenticate header as for a wrong password.
            if (!unauthenticatedIdentify)
            {
                lock (host.Lock) Record(host, "Unauthorized", null, null, "401", account.User).Detail = "not an administrator or a member of Remote Management Users";
                Unauthorized(http, host);
                return;
            }
            account = null;
        }
        if (account is null && !unauthenticatedIdentify)
        {
            lock (host.Lock) Record(host, "Unauthorized", null, null, "401");
            Unauthorized(http, host);
            return;
        }
        var contentType = http.Request.ContentType ?? "";
        byte[]? unsealed = null;
        if (connection?.Identity is { } identity && EncryptedMessage.IsEncrypted(contentType))
        {
            // Negotiate encryption [doc: MS-WSMV 2.2.9.1.1]: the SOAP inside is what the rest reads; the reply goes sealed too.
            var sealer = new WinRmNegotiate.Sealer(identity.Security);
            var sealedBody = new MemoryStream();
            await http.Request.Body.CopyToAsync(sealedBody, http.RequestAborted);
            try { unsealed = EncryptedMessage.Parse(contentType, sealedBody.ToArray(), sealer); }
            catch (EncryptedMessageException e)
            {
                // [guess W138] a message that does not decrypt is a bad request, and the connection's context is dropped.
                lock (host.Lock) Record(host, "Refused", null, null, "400", account?.User).Detail = e.Message;
                connection.Reset();
                http.Response.StatusCode = 400;
                return;
            }
            http.Items[SealerKey] = sealer;
            http.Items[AuthenticationKey] = "Negotiate+encrypted";
            contentType = SoapContentType;
        }
        else if (connection?.Account is not null && !http.Request.IsHttps && !host.Description.AllowUnencrypted)
        {
            // SOAP in clear over HTTP after Negotiate, with AllowUnencrypted false: refused [3rd: pywinrm issue 129 and
            // winrm4j issue 151 report HTTP 500 and an event-log entry about an unencrypted message; packer issue 6205
            // reports 401 when the body came with the NTLM AUTHENTICATE]. [guess W136] which, hence winRm.unencryptedReply.
            lock (host.Lock) Record(host, "Refused", null, null, host.Description.WinRm.UnencryptedReply, account?.User).Detail = "unencrypted traffic is not allowed";
            switch (host.Description.WinRm.UnencryptedReply)
            {
                case WinRmDescription.Http401:
                    Unauthorized(http, host);
                    break;
                case WinRmDescription.Http400:
                    http.Response.StatusCode = 400;
                    break;
                default:
                    http.Response.StatusCode = 500;
                    break;
            }
            return;
        }
        if (!contentType.StartsWith("application/soap+xml", StringComparison.OrdinalIgnoreCase))
        {
            // [guess W024] WinRM refuses other media types before reading the body.
            http.Response.StatusCode = 415;
            return;
        }

        WsManRequest request;
        var buffer = new MemoryStream();
        if (unsealed is not null) buffer.Write(unsealed);
        else await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        buffer.Position = 0;
        try { request = WsManRequest.Parse(buffer); }
        catch (BadRequestException)
        {
            http.Response.StatusCode = 400;
            return;
        }
        if (account is null && !request.IsIdentify)
        {
            Unauthorized(http, host);
            return;
        }

        var operation = WsManService.OperationName(request);
        OperationFaultDescription? injected;
        OperationRecord log;
        var gate = GateOf(host);
        await gate.WaitAsync(stopping);
        try
        {
            lock (host.Lock)
            {
                host.OperationIndex++;
                var index = host.OperationIndex;
                injected = host.Description.Faults.Operations.FirstOrDefault(f => f.On == index || (f.AndAfter && index >= f.On));
                log = Record(host, operation, request.Action, request.ResourceUri, "ok", account?.User);
            }
        }
        finally { gate.Release(); }

        var faults = host.Description.Faults;
        var latency = faults.LatencyMs + (faults.LatencyByOperation.TryGetValue(operation, out var extra) ? extra : 0);
        if (latency > 0)
        {
            // A slow provider is still bound by the request's OperationTimeout: WinRM answers w:TimedOut when it passes.
            var limit = request.OperationTimeout ?? TimeSpan.FromSeconds(60);
            var slow = TimeSpan.FromMilliseconds(latency);
            await Delay(slow < limit ? slow : limit, http, stopping);
            if (AbortedBeforeAnswer(http, host, log, stopping)) return;
            if (slow >= limit && !request.IsIdentify)
            {
                await WriteFault(http, host, log, WsManFault.TimedOut(), request.MessageId);
                return;
            }
        }
        if (AbortedBeforeAnswer(http, host, log, stopping)) return;

        switch (injected?.Kind)
        {
            case "hang":
                lock (host.Lock) log.Result = "hang";
                await Delay(Timeout.InfiniteTimeSpan, http, stopping);
                return;
            case "http500":
                lock (host.Lock) log.Result = "http500";
                http.Response.StatusCode = 500;
                http.Response.ContentType = "text/html";
                await http.Response.WriteAsync("<html><body>Internal Server Error</body></html>");
                return;
            case "drop":
                lock (host.Lock) log.Result = "dropped";
                http.Abort();
                return;
            case "timeout":
                await Delay(request.OperationTimeout ?? TimeSpan.FromSeconds(60), http, stopping);
                await WriteFault(http, host, log, WsManFault.TimedOut(), request.MessageId);
                return;
            case "quota":
                await WriteFault(http, host, log, WsManFault.QuotaExceeded(), request.MessageId);
                return;
            case "accessDenied":
                await WriteFault(http, host, log, WsManFault.AccessDenied(), request.MessageId);
                return;
        }

        string reply = "";
        WsManFault? failed = null;
        await gate.WaitAsync(stopping);
        try
        {
            lock (host.Lock)
            {
                host.Advance(DateTime.UtcNow);
                reply = WsManService.Handle(host, account!, request, log);
            }
        }
        catch (WsManFault fault) { failed = fault; }
        finally { gate.Release(); }
        if (failed is not null)
        {
            await WriteFault(http, host, log, failed, request.MessageId);
            return;
        }
        if (host.Description.Faults.ForbiddenCharacters == ReplyCharacters.Fault && ReplyCharacters.HasForbidden(reply))
        {
            await WriteFault(http, host, log, ReplyCharacters.Refusal(), request.MessageId);
            return;
        }
        http.Response.StatusCode = 200;
        await WriteEnvelope(http, host, reply);
    }

    /// <summary>An envelope as the host's faults.forbiddenCharacters says WinRM writes characters XML forbids.</summary>
    private static async Task WriteEnvelope(HttpContext http, HostState host, string envelope)
    {
        http.Response.ContentType = SoapContentType;
        var bytes = ReplyCharacters.Encode(envelope, host.Description.Faults.ForbiddenCharacters);
        if (http.Items[SealerKey] is IMessageSealer sealer)
        {
            // An encrypted request gets an encrypted reply, sealed with the server-to-client keys [doc: MS-WSMV 2.2.9.1.1].
            bytes = EncryptedMessage.Build(bytes, sealer);
            http.Response.ContentType = EncryptedMessage.ContentType;
        }
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes);
    }

    private static async Task WriteFault(HttpContext http, HostState host, OperationRecord log, WsManFault fault, string? relatesTo)
    {
        lock (host.Lock) log.Result = "fault:" + fault.Kind;
        // WinRM answers SOAP faults with HTTP 500.
        http.Response.StatusCode = 500;
        await WriteEnvelope(http, host, fault.ToEnvelope(relatesTo));
    }

    /// <summary>
    /// 401. A Basic request (or a host without Negotiate) is challenged with Basic, as before; anything else is offered
    /// Negotiate, and Basic too when it is on [guess W059], and the connection's Negotiate context ends.
    /// </summary>
    private static void Unauthorized(HttpContext http, HostState host)
    {
        http.Response.StatusCode = 401;
        var basicRequest = http.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase);
        if (basicRequest || !host.Description.NegotiateEnabled)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"WSMAN\"";
            return;
        }
        NegotiateConnection.Of(http)?.Reset();
        http.Response.Headers.WWWAuthenticate = host.Description.BasicEnabled ? new StringValues(["Negotiate", "Basic realm=\"WSMAN\""]) : "Negotiate";
    }

    /// <summary>
    /// One leg of the NTLM handshake in "Authorization: Negotiate" (raw NTLM, as pywinrm sends it) [doc: MS-WSMV 2.2.9.1.1
    /// "SPNEGO ... RFC 4559"; MS-NLMP 3.2.5]: NEGOTIATE gets 401 with the CHALLENGE; AUTHENTICATE, when it verifies,
    /// authenticates the connection and the request goes on (true). Every leg is logged as "Authenticate".
    /// </summary>
    private static bool NegotiateLeg(HttpContext http, HostState host, NegotiateConnection connection, byte[] token)
    {
        var type = NtlmServer.MessageType(token);
        try
        {
            if (type == 1)
            {
                connection.Reset();
                connection.Pending = new NtlmServer(host.Name, string.Equals(host.Description.Domain, "WORKGROUP", StringComparison.OrdinalIgnoreCase) ? host.Name : host.Description.Domain);
                var challenge = connection.Pending.Challenge(token);
                lock (host.Lock) Record(host, "Authenticate", null, null, "401").Detail = "NTLM CHALLENGE";
                http.Response.StatusCode = 401;
                http.Response.Headers.WWWAuthenticate = "Negotiate " + Convert.ToBase64String(challenge);
                return false;
            }
            if (type == 3 && connection.Pending is { } pending)
            {
                connection.Pending = null;
                Account? account = null;
                var identity = pending.Authenticate(token, (user, domain) => (account = WinRmNegotiate.FindAccount(host, user, domain))?.Password);
                // WinRM's access check, as for Basic [guess W025]: a right password is not enough.
                if (!account!.MayUseWinRm) throw new NtlmException($"{account.User} is not an administrator or a member of Remote Management Users");
                connection.Identity = identity;
                connection.Account = account;
                http.Items[AuthenticationKey] = "Negotiate";
                lock (host.Lock) Record(host, "Authenticate", null, null, "ok", account!.User).Detail = $"NTLM {identity.Domain}\\{identity.User}";
                return true;
            }
            throw new NtlmException(type == 0
                ? "The Negotiate token is not raw NTLM (SPNEGO and Kerberos are not simulated)."
                : $"NTLM message type {type} out of order.");
        }
        catch (NtlmException e)
        {
            lock (host.Lock) Record(host, "Unauthorized", null, null, "401").Detail = e.Message;
            connection.Reset();
            http.Response.StatusCode = 401;
            http.Response.Headers.WWWAuthenticate = "Negotiate";
            return false;
        }
    }

    /// <summary>Whether the request has a body (reading a little of it when its length is not given).</summary>
    private static async Task<bool> HasBody(HttpContext http)
    {
        if (http.Request.ContentLength is { } length) return length > 0;
        http.Request.EnableBuffering();
        var probe = new byte[1];
        var read = await http.Request.Body.ReadAsync(probe, http.RequestAborted);
        http.Request.Body.Position = 0;
        return read > 0;
    }

    private static async Task Delay(TimeSpan delay, HttpContext http, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        try { await Task.Delay(delay, linked.Token); } catch (OperationCanceledException) { }
    }

    /// <summary>The client gave up (or the simulator stops) before an answer: the operation never reached WMI, and the log says so.</summary>
    private static bool AbortedBeforeAnswer(HttpContext http, HostState host, OperationRecord log, CancellationToken stopping)
    {
        if (!http.RequestAborted.IsCancellationRequested && !stopping.IsCancellationRequested) return false;
        lock (host.Lock) log.Result = "aborted";
        return true;
    }

    private static OperationRecord Record(HostState host, string operation, string? action, string? resourceUri, string result, string? user = null)
    {
        var record = new OperationRecord
        {
            Sequence = host.Operations.Count + 1, Time = DateTime.UtcNow, Operation = operation, Action = action, ResourceUri = resourceUri, User = user, Result = result,
        };
        host.Operations.Add(record);
        host.Counts[operation] = host.Counts.GetValueOrDefault(operation) + 1;
        if (CurrentRequest.Value is { } http)
        {
            record.RequestContentType = http.Request.ContentType;
            if (http.Items[RecordsKey] is not List<OperationRecord> records) http.Items[RecordsKey] = records = [];
            records.Add(record);
        }
        return record;
    }

    private static Account? Authenticate(HttpContext http, HostState host)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        string decoded;
        try { decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim())); }
        catch (FormatException) { return null; }
        var colon = decoded.IndexOf(':');
        if (colon < 0) return null;
        if (host.Description.Faults.RejectAllCredentials) return null;
        var account = host.FindAccount(decoded[..colon]);
        return account is not null && account.Password == decoded[(colon + 1)..] ? account : null;
    }
}
