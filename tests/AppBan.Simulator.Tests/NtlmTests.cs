using System.Security.Cryptography;
using System.Text;
using AppBan.Engine.Cim.WsMan.Ntlm;
using AppBan.Simulator.Auth;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>
/// The simulator's NTLM server against the sample values of [MS-NLMP] 4.2.4 (NTLMv2 Authentication); the computations
/// themselves are the engine's, tested in tests/AppBan.Engine.Tests/Cim/NtlmTests.cs.
/// </summary>
public class NtlmTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    // [MS-NLMP 4.2.1] common values and [4.2.4] NTLMv2 values.
    private const string User = "User";
    private const string UserDom = "Domain";
    private const string Password = "Password";
    private static readonly byte[] RandomSessionKey = Enumerable.Repeat((byte)0x55, 16).ToArray();
    private static readonly byte[] ServerChallenge = Hex("01 23 45 67 89 ab cd ef");
    private static readonly byte[] Temp = Hex(
        "01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00" +
        "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00 00 00 00 00 00 00 00 00");

    [Fact]
    public void The_server_verifies_an_NTLMv2_AUTHENTICATE_message_and_recovers_the_exported_session_key()
    {
        var server = new NtlmServer("SERVER", "DOMAIN", ServerChallenge);
        var challenge = server.Challenge(Negotiate());
        Assert.Equal(2, NtlmServer.MessageType(challenge));
        Assert.Equal(ServerChallenge, challenge[24..32]);
        Assert.True(server.Flags.HasFlag(NtlmFlags.Seal | NtlmFlags.Sign | NtlmFlags.KeyExchange | NtlmFlags.Negotiate128 | NtlmFlags.ExtendedSessionSecurity));

        var identity = server.Authenticate(Authenticate(), (user, domain) => user == User && domain == UserDom ? Password : null);

        Assert.Equal(User, identity.User);
        Assert.Equal(UserDom, identity.Domain);
        Assert.Equal(RandomSessionKey, identity.ExportedSessionKey);
        var client = new NtlmSessionSecurity(RandomSessionKey, isServer: false);
        var sealedData = client.Seal("hello"u8.ToArray(), out var signature);
        Assert.Equal("hello"u8.ToArray(), identity.Security.Unseal(signature, sealedData));
    }

    [Fact]
    public void The_server_refuses_a_wrong_password_and_an_unknown_account()
    {
        var server = new NtlmServer("SERVER", "DOMAIN", ServerChallenge);
        server.Challenge(Negotiate());
        var wrong = Assert.Throws<NtlmException>(() => server.Authenticate(Authenticate(), (_, _) => "not the password"));
        Assert.Contains("does not match the password", wrong.Message);
        var unknown = Assert.Throws<NtlmException>(() => server.Authenticate(Authenticate(), (_, _) => null));
        Assert.Contains(@"No account Domain\User", unknown.Message);
    }

    [Theory]
    [InlineData("SERVER", "DOMAIN", "Domain")]
    [InlineData("WS-01", "WS-01", "")]
    public void The_module_s_client_and_the_server_agree_on_the_keys_with_a_timestamp_and_MIC(string computer, string netBiosDomain, string domain)
    {
        var server = new NtlmServer(computer, netBiosDomain);
        var client = new NtlmClient(User, domain, Password);
        var authenticate = client.Authenticate(server.Challenge(client.Negotiate()));

        var identity = server.Authenticate(authenticate, (user, d) => user == User && d == domain ? Password : null);

        Assert.Equal(client.ExportedSessionKey, identity.ExportedSessionKey);
        var sealedData = client.Security!.Seal("request"u8.ToArray(), out var signature);
        Assert.Equal("request"u8.ToArray(), identity.Security.Unseal(signature, sealedData));
        var sealedReply = identity.Security.Seal("reply"u8.ToArray(), out var replySignature);
        Assert.Equal("reply"u8.ToArray(), client.Security.Unseal(replySignature, sealedReply));
    }

    [Fact]
    public void The_server_refuses_the_module_s_client_with_a_wrong_password_or_a_tampered_MIC()
    {
        var server = new NtlmServer("SERVER", "DOMAIN");
        var client = new NtlmClient(User, UserDom, "wrong");
        var authenticate = client.Authenticate(server.Challenge(client.Negotiate()));
        Assert.Contains("does not match the password", Assert.Throws<NtlmException>(() => server.Authenticate(authenticate, (_, _) => Password)).Message);

        server = new NtlmServer("SERVER", "DOMAIN");
        client = new NtlmClient(User, UserDom, Password);
        authenticate = client.Authenticate(server.Challenge(client.Negotiate()));
        authenticate[72] ^= 1;
        Assert.Contains("MIC does not match", Assert.Throws<NtlmException>(() => server.Authenticate(authenticate, (_, _) => Password)).Message);
    }

    [Fact]
    public void An_AUTHENTICATE_without_a_CHALLENGE_first_is_refused()
    {
        var server = new NtlmServer("SERVER", "DOMAIN", ServerChallenge);
        Assert.Throws<NtlmException>(() => server.Authenticate(Authenticate(), (_, _) => Password));
    }

    private static byte[] Negotiate() =>
        [.. "NTLMSSP\0"u8.ToArray(), 1, 0, 0, 0, .. BitConverter.GetBytes(0xE2888237u), .. new byte[16]];

    /// <summary>An AUTHENTICATE_MESSAGE as a client computes it from the 4.2.4 values (no MIC).</summary>
    private static byte[] Authenticate()
    {
        var ntProofStr = NtlmCrypto.NtProofStr(NtlmCrypto.NtowfV2(Password, User, UserDom), ServerChallenge, Temp);
        byte[] ntResponse = [.. ntProofStr, .. Temp];
        var lmResponse = new byte[24];
        var domain = Encoding.Unicode.GetBytes(UserDom);
        var user = Encoding.Unicode.GetBytes(User);
        var workstation = Encoding.Unicode.GetBytes("COMPUTER");
        var encryptedKey = Hex("c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e");
        var header = new byte[88];
        "NTLMSSP\0"u8.ToArray().CopyTo(header, 0);
        BitConverter.GetBytes(3).CopyTo(header, 8);
        var offset = header.Length;
        var payload = new List<byte>();
        foreach (var (at, field) in new[] { (12, lmResponse), (20, ntResponse), (28, domain), (36, user), (44, workstation), (52, encryptedKey) })
        {
            BitConverter.GetBytes((ushort)field.Length).CopyTo(header, at);
            BitConverter.GetBytes((ushort)field.Length).CopyTo(header, at + 2);
            BitConverter.GetBytes(offset + payload.Count).CopyTo(header, at + 4);
            payload.AddRange(field);
        }
        BitConverter.GetBytes(0xE28A8233u).CopyTo(header, 60);
        return [.. header, .. payload];
    }
}
