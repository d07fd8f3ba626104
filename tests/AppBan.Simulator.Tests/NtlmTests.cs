using System.Security.Cryptography;
using System.Text;
using AppBan.Simulator.Auth;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>The simulator's NTLM against the sample values of [MS-NLMP] 4.2.4 (NTLMv2 Authentication).</summary>
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
    public void Md4_and_Rc4_give_the_published_outputs()
    {
        // RFC 1320 appendix A.5.
        Assert.Equal(Hex("31d6cfe0d16ae931b73c59d7e0c089c0"), Md4.Hash([]));
        Assert.Equal(Hex("a448017aaf21d8525fc10ae87aa6729d"), Md4.Hash("abc"u8.ToArray()));
        Assert.Equal(Hex("e33b4ddc9c38f2199c3e7b164fcc0536"), Md4.Hash(Encoding.ASCII.GetBytes("1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890")[..80]));
        // The classic RC4 sample: key "Key", "Plaintext".
        Assert.Equal(Hex("bbf316e8d940af0ad3"), Rc4.Once("Key"u8.ToArray(), "Plaintext"u8.ToArray()));
    }

    [Fact]
    public void NTLMv2_keys_match_MS_NLMP_4_2_4()
    {
        var responseKeyNt = NtlmCrypto.NtowfV2(Password, User, UserDom);
        Assert.Equal(Hex("0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f"), responseKeyNt);

        var ntProofStr = NtlmCrypto.NtProofStr(responseKeyNt, ServerChallenge, Temp);
        Assert.Equal(Hex("68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c"), ntProofStr);

        var sessionBaseKey = NtlmCrypto.SessionBaseKey(responseKeyNt, ntProofStr);
        Assert.Equal(Hex("8d e4 0c ca db c1 4a 82 f1 5c b0 ad 0d e9 5c a3"), sessionBaseKey);

        // 4.2.4.2.3 Encrypted Session Key: RC4K(KeyExchangeKey, RandomSessionKey).
        Assert.Equal(Hex("c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e"), Rc4.Once(sessionBaseKey, RandomSessionKey));

        // 4.2.4.4: the client-to-server keys.
        Assert.Equal(Hex("59 f6 00 97 3c c4 96 0a 25 48 0a 7c 19 6e 4c 58"), NtlmCrypto.SealKey(RandomSessionKey, clientToServer: true));
        Assert.Equal(Hex("47 88 dc 86 1b 47 82 f3 5d 43 fd 98 fe 1a 2d 39"), NtlmCrypto.SignKey(RandomSessionKey, clientToServer: true));
    }

    [Fact]
    public void Sealing_Plaintext_gives_the_MS_NLMP_4_2_4_4_data_and_signature_and_the_server_unseals_it()
    {
        var client = new NtlmSessionSecurity(RandomSessionKey, isServer: false);
        var server = new NtlmSessionSecurity(RandomSessionKey, isServer: true);
        var plain = Encoding.Unicode.GetBytes("Plaintext");

        var sealedData = client.Seal(plain, out var signature);

        Assert.Equal(Hex("54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f"), sealedData);
        Assert.Equal(Hex("01 00 00 00 7f b3 8e c5 c5 5d 49 76 00 00 00 00"), signature);
        Assert.Equal(plain, server.Unseal(signature, sealedData));
    }

    [Fact]
    public void Both_directions_keep_their_own_handles_and_sequence_numbers()
    {
        var client = new NtlmSessionSecurity(RandomSessionKey, isServer: false);
        var server = new NtlmSessionSecurity(RandomSessionKey, isServer: true);

        for (var i = 0; i < 3; i++)
        {
            var request = Encoding.UTF8.GetBytes($"request {i}");
            var sealedRequest = client.Seal(request, out var requestSignature);
            Assert.Equal(BitConverter.GetBytes((uint)i), requestSignature[12..]);
            Assert.Equal(request, server.Unseal(requestSignature, sealedRequest));

            var reply = Encoding.UTF8.GetBytes($"reply {i}");
            var sealedReply = server.Seal(reply, out var replySignature);
            Assert.Equal(reply, client.Unseal(replySignature, sealedReply));
        }
    }

    [Fact]
    public void A_replayed_or_tampered_message_fails_its_signature()
    {
        var client = new NtlmSessionSecurity(RandomSessionKey, isServer: false);
        var server = new NtlmSessionSecurity(RandomSessionKey, isServer: true);
        var sealedData = client.Seal("first"u8.ToArray(), out var signature);
        server.Unseal(signature, sealedData);

        // The same message again: the server's handle and sequence number have moved on.
        Assert.Throws<NtlmException>(() => server.Unseal(signature, sealedData));
        var next = client.Seal("second"u8.ToArray(), out var nextSignature);
        next[0] ^= 1;
        Assert.Throws<NtlmException>(() => new NtlmSessionSecurity(RandomSessionKey, isServer: true).Unseal(nextSignature, next));
    }

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
