using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Cim.WsMan.Ntlm;
using AppBan.Simulator.Auth;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>
/// NTLM in "Authorization: Negotiate" and encrypted messages on a host with WinRM's default settings, spoken by hand on
/// one TCP connection (pywinrm checks the same from outside, in tests/Pester/Negotiate.Tests.ps1).
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class NegotiateHttpTests(SimulatorFixture fixture)
{
    private const string Host = "WINRM-NEGOTIATE-01";

    /// <summary>The client side of NTLMv2 with key exchange, from the same [MS-NLMP] computations the server uses.</summary>
    private sealed class NtlmTestClient(string user, string domain, string password)
    {
        public NtlmSessionSecurity? Security { get; private set; }

        public static byte[] Negotiate() =>
            [.. "NTLMSSP\0"u8.ToArray(), 1, 0, 0, 0, .. BitConverter.GetBytes(0xE0088235u), .. new byte[16]];

        public byte[] Authenticate(byte[] challenge)
        {
            var serverChallenge = challenge[24..32];
            var targetInfo = challenge.AsSpan(BitConverter.ToInt32(challenge, 44), BitConverter.ToUInt16(challenge, 40)).ToArray();
            byte[] temp = [1, 1, 0, 0, 0, 0, 0, 0, .. BitConverter.GetBytes(DateTime.UtcNow.ToFileTimeUtc()), .. RandomNumberGenerator.GetBytes(8),
                0, 0, 0, 0, .. targetInfo, 0, 0, 0, 0];
            var responseKeyNt = NtlmCrypto.NtowfV2(password, user, domain);
            var ntProofStr = NtlmCrypto.NtProofStr(responseKeyNt, serverChallenge, temp);
            var exportedSessionKey = RandomNumberGenerator.GetBytes(16);
            var encryptedKey = Rc4.Once(NtlmCrypto.SessionBaseKey(responseKeyNt, ntProofStr), exportedSessionKey);
            Security = new NtlmSessionSecurity(exportedSessionKey, isServer: false);
            var fields = new[] { new byte[24], [.. ntProofStr, .. temp], Encoding.Unicode.GetBytes(domain), Encoding.Unicode.GetBytes(user), Encoding.Unicode.GetBytes("LINUX"), encryptedKey };
            var header = new byte[88];
            "NTLMSSP\0"u8.ToArray().CopyTo(header, 0);
            BitConverter.GetBytes(3).CopyTo(header, 8);
            var payload = new List<byte>();
            for (var i = 0; i < fields.Length; i++)
            {
                BitConverter.GetBytes((ushort)fields[i].Length).CopyTo(header, 12 + 8 * i);
                BitConverter.GetBytes((ushort)fields[i].Length).CopyTo(header, 14 + 8 * i);
                BitConverter.GetBytes(header.Length + payload.Count).CopyTo(header, 16 + 8 * i);
                payload.AddRange(fields[i]);
            }
            challenge.AsSpan(20, 4).CopyTo(header.AsSpan(60));
            return [.. header, .. payload];
        }
    }

    private sealed class Sealer(NtlmSessionSecurity security) : IMessageSealer
    {
        public byte[] Seal(byte[] plain, out byte[] header) => security.Seal(plain, out header);
        public byte[] Unseal(byte[] header, byte[] sealedData) => security.Unseal(header, sealedData);
    }

    /// <summary>One connection for everything: NTLM authenticates the connection.</summary>
    private static HttpClient OneConnection() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) }) { Timeout = TimeSpan.FromSeconds(30) };

    private static string Enumerate() => RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", RawWsMan.WmiPrefix + "root/cimv2/*",
        "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>32000</w:MaxElements><w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">SELECT * FROM Win32_OperatingSystem</w:Filter></n:Enumerate>",
        "uuid:" + Guid.NewGuid().ToString().ToUpperInvariant());

    private async Task<HttpResponseMessage> Post(HttpClient http, byte[] body, string contentType, string? negotiate = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Simulator[Host].Url) { Content = new ByteArrayContent(body) };
        // As WinRM writes it, without the space .NET's formatter would put after each semicolon.
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (negotiate is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Negotiate", negotiate);
        return await http.SendAsync(request);
    }

    /// <summary>NEGOTIATE, CHALLENGE, AUTHENTICATE on the client's one connection; the client then holds the keys.</summary>
    private async Task<NtlmTestClient> Handshake(HttpClient http, string password = "pw")
    {
        var client = new NtlmTestClient("admin", "", password);
        using var challenge = await Post(http, [], "application/soap+xml;charset=UTF-8", Convert.ToBase64String(NtlmTestClient.Negotiate()));
        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        var token = Assert.Single(challenge.Headers.WwwAuthenticate);
        Assert.Equal("Negotiate", token.Scheme);
        using var done = await Post(http, [], "application/soap+xml;charset=UTF-8", Convert.ToBase64String(client.Authenticate(Convert.FromBase64String(token.Parameter!))));
        Assert.Equal(password == "pw" ? HttpStatusCode.OK : HttpStatusCode.Unauthorized, done.StatusCode);
        return client;
    }

    private async Task<List<(string Operation, string? Result, string? Request, string? Reply)>> Log()
    {
        var log = await fixture.Simulator.GetOperationsAsync(Host);
        return log.EnumerateArray().Select(e => (e.GetProperty("operation").GetString()!, e.GetProperty("result").GetString(),
            e.GetProperty("requestContentType").GetString(), e.GetProperty("replyContentType").GetString())).ToList();
    }

    [Fact]
    public async Task An_encrypted_Enumerate_after_NTLM_gets_an_encrypted_answer_and_nothing_goes_in_clear()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var http = OneConnection();
        var client = await Handshake(http);

        var sealer = new Sealer(client.Security!);
        using var reply = await Post(http, EncryptedMessage.Build(Encoding.UTF8.GetBytes(Enumerate()), sealer), EncryptedMessage.ContentType);

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var contentType = reply.Content.Headers.ContentType!.ToString();
        var soap = Encoding.UTF8.GetString(EncryptedMessage.Parse(contentType, await reply.Content.ReadAsByteArrayAsync(), sealer));
        Assert.Contains("<p:CSName>WINRM-NEGOTIATE-01</p:CSName>", soap);
        var enumerate = Assert.Single(await Log(), e => e.Operation == "Enumerate");
        Assert.Equal(EncryptedMessage.ContentType, enumerate.Request);
        Assert.Equal(EncryptedMessage.ContentType, enumerate.Reply);
    }

    [Fact]
    public async Task SOAP_in_clear_after_NTLM_is_refused_with_HTTP_500_before_WMI()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var http = OneConnection();
        await Handshake(http);

        using var reply = await Post(http, Encoding.UTF8.GetBytes(Enumerate()), "application/soap+xml;charset=UTF-8");

        Assert.Equal(HttpStatusCode.InternalServerError, reply.StatusCode);
        var log = await Log();
        Assert.DoesNotContain(log, e => e.Operation == "Enumerate");
        Assert.Contains(log, e => e.Operation == "Refused" && e.Result == "http500");
    }

    [Fact]
    public async Task The_context_belongs_to_the_connection()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var first = OneConnection();
        var client = await Handshake(first);

        using var other = OneConnection();
        using var reply = await Post(other, EncryptedMessage.Build(Encoding.UTF8.GetBytes(Enumerate()), new Sealer(client.Security!)), EncryptedMessage.ContentType);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.StatusCode);
        Assert.Equal(["Negotiate"], reply.Headers.WwwAuthenticate.Select(c => c.ToString()));
        Assert.DoesNotContain(await Log(), e => e.Operation == "Enumerate");
    }

    [Fact]
    public async Task A_tampered_message_is_a_bad_request_and_ends_the_context()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var http = OneConnection();
        var client = await Handshake(http);
        var body = EncryptedMessage.Build(Encoding.UTF8.GetBytes(Enumerate()), new Sealer(client.Security!));
        body[^40] ^= 1; // inside the sealed data

        using var bad = await Post(http, body, EncryptedMessage.ContentType);
        using var next = await Post(http, EncryptedMessage.Build(Encoding.UTF8.GetBytes(Enumerate()), new Sealer(client.Security!)), EncryptedMessage.ContentType);

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
        Assert.Contains(await Log(), e => e.Operation == "Refused" && e.Result == "400");
    }

    [Fact]
    public async Task A_wrong_password_and_a_SPNEGO_token_get_401_offering_Negotiate()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var http = OneConnection();
        await Handshake(http, password: "wrong");
        // An SPNEGO NegTokenInit (application tag 0x60), which the simulator does not speak.
        using var spnego = await Post(http, [], "application/soap+xml;charset=UTF-8", Convert.ToBase64String([0x60, 0x06, 0x06, 0x04, 0x2b, 0x06, 0x01, 0x05]));

        Assert.Equal(HttpStatusCode.Unauthorized, spnego.StatusCode);
        var operations = await fixture.Simulator.GetOperationsAsync(Host);
        var details = operations.EnumerateArray().Select(e => e.GetProperty("detail").GetString()).ToList();
        Assert.Contains("The NTLMv2 response of admin does not match the password.", details);
        Assert.Contains("The Negotiate token is not raw NTLM (SPNEGO and Kerberos are not simulated).", details);
    }
}
