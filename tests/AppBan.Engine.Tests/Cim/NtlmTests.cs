using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AppBan.Engine.Cim.WsMan.Ntlm;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>The engine's NTLM against the sample values of [MS-NLMP] 4.2.4 (NTLMv2 Authentication), and the client's messages.</summary>
    public class NtlmTests
    {
        private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

        // [MS-NLMP 4.2.1] common values and [4.2.4] NTLMv2 values.
        private const string User = "User";
        private const string UserDom = "Domain";
        private const string Password = "Password";
        private static readonly byte[] RandomSessionKey = Enumerable.Repeat((byte)0x55, 16).ToArray();
        private static readonly byte[] ClientChallenge = Enumerable.Repeat((byte)0xaa, 8).ToArray();
        private static readonly byte[] ServerChallenge = Hex("01 23 45 67 89 ab cd ef");
        private static readonly byte[] Temp = Hex(
            "01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00" +
            "02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00 00 00 00 00 00 00 00 00");

        /// <summary>[MS-NLMP 4.2.4.3] the CHALLENGE_MESSAGE: target "Server", TargetInfo with domain and server names, no timestamp.</summary>
        private static readonly byte[] SampleChallenge = Hex(
            "4e 54 4c 4d 53 53 50 00 02 00 00 00 0c 00 0c 00 38 00 00 00 33 82 8a e2 01 23 45 67 89 ab cd ef" +
            "00 00 00 00 00 00 00 00 24 00 24 00 44 00 00 00 06 00 70 17 00 00 00 0f 53 00 65 00 72 00 76 00" +
            "65 00 72 00 02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00" +
            "65 00 72 00 00 00 00 00");

        [Fact]
        public void Md4_and_Rc4_give_the_published_outputs()
        {
            // RFC 1320 appendix A.5.
            Assert.Equal(Hex("31d6cfe0d16ae931b73c59d7e0c089c0"), Md4.Hash(new byte[0]));
            Assert.Equal(Hex("a448017aaf21d8525fc10ae87aa6729d"), Md4.Hash(Encoding.ASCII.GetBytes("abc")));
            Assert.Equal(Hex("e33b4ddc9c38f2199c3e7b164fcc0536"), Md4.Hash(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("1234567890", 8)))));
            // The classic RC4 sample: key "Key", "Plaintext".
            Assert.Equal(Hex("bbf316e8d940af0ad3"), Rc4.Once(Encoding.ASCII.GetBytes("Key"), Encoding.ASCII.GetBytes("Plaintext")));
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
        public void Sealing_Plaintext_gives_the_MS_NLMP_4_2_4_4_data_and_signature_and_the_other_side_unseals_it()
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
                var request = Encoding.UTF8.GetBytes("request " + i);
                var sealedRequest = client.Seal(request, out var requestSignature);
                Assert.Equal(BitConverter.GetBytes((uint)i), requestSignature[12..]);
                Assert.Equal(request, server.Unseal(requestSignature, sealedRequest));
                var reply = Encoding.UTF8.GetBytes("reply " + i);
                var sealedReply = server.Seal(reply, out var replySignature);
                Assert.Equal(reply, client.Unseal(replySignature, sealedReply));
            }
        }

        [Fact]
        public void A_replayed_or_tampered_message_fails_its_signature()
        {
            var client = new NtlmSessionSecurity(RandomSessionKey, isServer: false);
            var server = new NtlmSessionSecurity(RandomSessionKey, isServer: true);
            var sealedData = client.Seal(Encoding.ASCII.GetBytes("first"), out var signature);
            server.Unseal(signature, sealedData);
            Assert.Throws<NtlmException>(() => server.Unseal(signature, sealedData));
            var next = client.Seal(Encoding.ASCII.GetBytes("second"), out var nextSignature);
            next[0] ^= 1;
            Assert.Throws<NtlmException>(() => new NtlmSessionSecurity(RandomSessionKey, isServer: true).Unseal(nextSignature, next));
        }

        [Fact]
        public void The_NEGOTIATE_message_asks_for_what_Windows_clients_ask_for()
        {
            var message = new NtlmClient(User, UserDom, Password).Negotiate();
            Assert.Equal(40, message.Length);
            Assert.Equal(Encoding.ASCII.GetBytes("NTLMSSP\0"), message[..8]);
            Assert.Equal(1, BitConverter.ToInt32(message, 8));
            // UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN, EXTENDED_SESSIONSECURITY, TARGET_INFO, VERSION, 128, KEY_EXCH, 56.
            Assert.Equal(0xE2888235u, BitConverter.ToUInt32(message, 12));
        }

        [Fact]
        public void The_MS_NLMP_4_2_4_3_CHALLENGE_parses()
        {
            var challenge = NtlmChallenge.Parse(SampleChallenge);
            Assert.Equal(0xe28a8233u, (uint)challenge.Flags);
            Assert.Equal(ServerChallenge, challenge.ServerChallenge);
            Assert.Equal("Server", challenge.TargetName);
            Assert.Equal(Temp[28..^4], challenge.TargetInfo);
            Assert.Null(challenge.Timestamp);
        }

        [Fact]
        public void The_AUTHENTICATE_for_the_sample_CHALLENGE_carries_the_MS_NLMP_4_2_4_2_responses_and_key()
        {
            var client = new NtlmClient(User, UserDom, Password, "COMPUTER", n => n == 8 ? ClientChallenge : RandomSessionKey, () => DateTime.FromFileTimeUtc(0));
            client.Negotiate();
            var message = client.Authenticate(SampleChallenge);

            Assert.Equal(3, BitConverter.ToInt32(message, 8));
            // 4.2.4.2.1 LMv2 response (no timestamp in the CHALLENGE, so an LMv2 response and no MIC).
            Assert.Equal(Hex("86 c3 50 97 ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa aa aa aa aa"), Field(message, 12));
            // 4.2.4.2.2 NTLMv2 response: NTProofStr, then temp.
            Assert.Equal(Hex("68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c").Concat(Temp), Field(message, 20));
            Assert.Equal(Encoding.Unicode.GetBytes(UserDom), Field(message, 28));
            Assert.Equal(Encoding.Unicode.GetBytes(User), Field(message, 36));
            Assert.Equal(Encoding.Unicode.GetBytes("COMPUTER"), Field(message, 44));
            Assert.Equal(Hex("c5 da d2 54 4f c9 79 90 94 ce 1c e9 0b c9 d0 3e"), Field(message, 52));
            Assert.Equal(new byte[16], message[72..88]);
            Assert.Equal(RandomSessionKey, client.ExportedSessionKey);
            // Sealing with the exported key is 4.2.4.4's.
            Assert.Equal(Hex("54 e5 01 65 bf 19 36 dc 99 60 20 c1 81 1b 0f 06 fb 5f"), client.Security.Seal(Encoding.Unicode.GetBytes("Plaintext"), out _));
        }

        [Fact]
        public void With_a_timestamp_the_AUTHENTICATE_uses_it_sends_no_LM_response_and_carries_a_MIC()
        {
            var timestamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).ToFileTimeUtc();
            var targetInfo = Temp[28..^8].Concat(new byte[] { 7, 0, 8, 0 }).Concat(BitConverter.GetBytes(timestamp)).Concat(new byte[4]).ToArray();
            var challengeMessage = Challenge(0xe28a8235u, targetInfo);
            var client = new NtlmClient(User, UserDom, Password, "COMPUTER", n => n == 8 ? ClientChallenge : RandomSessionKey, () => DateTime.FromFileTimeUtc(0));
            var negotiate = client.Negotiate();
            var message = client.Authenticate(challengeMessage);

            Assert.Equal(new byte[24], Field(message, 12));
            var ntResponse = Field(message, 20);
            var temp = ntResponse[16..];
            Assert.Equal(timestamp, BitConverter.ToInt64(temp, 8));
            var pairs = AvPairs.Read(temp[28..^4]);
            Assert.Equal(2u, BitConverter.ToUInt32(pairs.Single(p => p.Key == AvPairs.Flags).Value, 0));
            Assert.Equal(timestamp, BitConverter.ToInt64(pairs.Single(p => p.Key == AvPairs.Timestamp).Value, 0));
            // MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE + AUTHENTICATE with the MIC zeroed) [MS-NLMP 3.1.5.1.2].
            var zeroed = (byte[])message.Clone();
            Array.Clear(zeroed, 72, 16);
            Assert.Equal(NtlmCrypto.HmacMd5(RandomSessionKey, NtlmCrypto.Cat(negotiate, challengeMessage, zeroed)), message[72..88]);
            var responseKeyNt = NtlmCrypto.NtowfV2(Password, User, UserDom);
            Assert.Equal(NtlmCrypto.NtProofStr(responseKeyNt, ServerChallenge, temp), ntResponse[..16]);
        }

        [Theory]
        [InlineData(@"CORP\dana", "", "dana", "CORP")]
        [InlineData("dana", "CORP", "dana", "CORP")]
        [InlineData(@".\it-admin", "", "it-admin", "")]
        [InlineData("it-admin", ".", "it-admin", "")]
        [InlineData("it-admin", "", "it-admin", "")]
        [InlineData("dana@corp.example", "", "dana@corp.example", "")]
        public void User_names_split_as_Windows_clients_send_them(string userName, string domainName, string user, string domain)
        {
            NtlmClient.SplitUserName(userName, domainName, out var actualUser, out var actualDomain);
            Assert.Equal(user, actualUser);
            Assert.Equal(domain, actualDomain);
        }

        public static IEnumerable<object[]> MalformedChallenges()
        {
            yield return new object[] { SampleChallenge[..40], "shorter than its 48-byte header" };
            var wrongType = (byte[])SampleChallenge.Clone();
            wrongType[8] = 3;
            yield return new object[] { wrongType, "not an NTLM CHALLENGE_MESSAGE" };
            var spnego = (byte[])SampleChallenge.Clone();
            spnego[0] = 0x60;
            yield return new object[] { spnego, "not an NTLM CHALLENGE_MESSAGE" };
            var targetInfoOutside = (byte[])SampleChallenge.Clone();
            BitConverter.GetBytes(0x70).CopyTo(targetInfoOutside, 44);
            yield return new object[] { targetInfoOutside, "TargetInfo (offset 112, length 36) lies outside" };
            var nameInHeader = (byte[])SampleChallenge.Clone();
            BitConverter.GetBytes(8).CopyTo(nameInHeader, 16);
            yield return new object[] { nameInHeader, "TargetName (offset 8" };
            var pairTooLong = (byte[])SampleChallenge.Clone();
            pairTooLong[0x44 + 2] = 0xff;
            yield return new object[] { pairTooLong, "longer than the list" };
            yield return new object[] { Challenge(0xe28a8235u, Temp[28..^8]), "ends without MsvAvEOL" };
            yield return new object[] { Challenge(0xe28a8235u, new byte[] { 7, 0, 4, 0, 1, 2, 3, 4, 0, 0, 0, 0 }), "MsvAvTimestamp is 4 bytes" };
            yield return new object[] { Challenge(0xe28a8235u & ~0x20u, Temp[28..^4]), "did not agree to NTLM session security" };
        }

        [Theory]
        [MemberData(nameof(MalformedChallenges))]
        public void A_malformed_or_weak_CHALLENGE_is_refused_with_the_reason(byte[] challenge, string reason)
        {
            var client = new NtlmClient(User, UserDom, Password);
            client.Negotiate();
            var ex = Assert.Throws<NtlmException>(() => client.Authenticate(challenge));
            Assert.Contains(reason, ex.Message);
            Assert.Null(client.Security);
        }

        private static byte[] Challenge(uint flags, byte[] targetInfo)
        {
            var header = SampleChallenge[..56];
            BitConverter.GetBytes(flags).CopyTo(header, 20);
            BitConverter.GetBytes((ushort)0).CopyTo(header, 12);
            BitConverter.GetBytes((ushort)0).CopyTo(header, 14);
            BitConverter.GetBytes((ushort)targetInfo.Length).CopyTo(header, 40);
            BitConverter.GetBytes((ushort)targetInfo.Length).CopyTo(header, 42);
            BitConverter.GetBytes(56).CopyTo(header, 44);
            return header.Concat(targetInfo).ToArray();
        }

        private static byte[] Field(byte[] message, int at) =>
            message.AsSpan(BitConverter.ToInt32(message, at + 4), BitConverter.ToUInt16(message, at)).ToArray();
    }
}
