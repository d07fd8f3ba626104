#nullable disable
using System;
using System.Security.Cryptography;
using System.Text;

namespace AppBan.Engine.Cim.WsMan.Ntlm
{
    /// <summary>NegotiateFlags [MS-NLMP 2.2.2.5].</summary>
    [Flags]
    internal enum NtlmFlags : uint
    {
        Unicode = 0x00000001,
        Oem = 0x00000002,
        RequestTarget = 0x00000004,
        Sign = 0x00000010,
        Seal = 0x00000020,
        LmKey = 0x00000080,
        Ntlm = 0x00000200,
        Anonymous = 0x00000800,
        AlwaysSign = 0x00008000,
        TargetTypeDomain = 0x00010000,
        TargetTypeServer = 0x00020000,
        ExtendedSessionSecurity = 0x00080000,
        TargetInfo = 0x00800000,
        Version = 0x02000000,
        Negotiate128 = 0x20000000,
        KeyExchange = 0x40000000,
        Negotiate56 = 0x80000000,
    }

    /// <summary>An NTLM message that cannot be accepted (malformed, wrong type, failed check); the message says which.</summary>
    internal sealed class NtlmException : Exception
    {
        public NtlmException(string message) : base(message) { }
    }

    /// <summary>The NTLMv2 computations of [MS-NLMP 3.3.2] and the key derivations of [MS-NLMP 3.4.5].</summary>
    internal static class NtlmCrypto
    {
        /// <summary>NTOWFv2: HMAC_MD5(MD4(UNICODE(Passwd)), UNICODE(ConcatenationOf(Uppercase(User), UserDom))).</summary>
        public static byte[] NtowfV2(string password, string user, string domain) =>
            HmacMd5(Md4.Hash(Encoding.Unicode.GetBytes(password ?? "")), Encoding.Unicode.GetBytes(user.ToUpperInvariant() + (domain ?? "")));

        /// <summary>NTProofStr: HMAC_MD5(ResponseKeyNT, ConcatenationOf(ServerChallenge, temp)).</summary>
        public static byte[] NtProofStr(byte[] responseKeyNt, byte[] serverChallenge, byte[] temp) =>
            HmacMd5(responseKeyNt, Cat(serverChallenge, temp));

        /// <summary>SessionBaseKey: HMAC_MD5(ResponseKeyNT, NTProofStr); with NTLMv2 also the KeyExchangeKey [MS-NLMP 3.4.5.1].</summary>
        public static byte[] SessionBaseKey(byte[] responseKeyNt, byte[] ntProofStr) => HmacMd5(responseKeyNt, ntProofStr);

        /// <summary>SIGNKEY [MS-NLMP 3.4.5.2]: MD5(ConcatenationOf(ExportedSessionKey, magic constant with its NUL)).</summary>
        public static byte[] SignKey(byte[] exportedSessionKey, bool clientToServer) =>
            Md5(Cat(exportedSessionKey, Encoding.ASCII.GetBytes(
                "session key to " + (clientToServer ? "client-to-server" : "server-to-client") + " signing key magic constant\0")));

        /// <summary>SEALKEY [MS-NLMP 3.4.5.3] with NTLMSSP_NEGOTIATE_128 and extended session security.</summary>
        public static byte[] SealKey(byte[] exportedSessionKey, bool clientToServer) =>
            Md5(Cat(exportedSessionKey, Encoding.ASCII.GetBytes(
                "session key to " + (clientToServer ? "client-to-server" : "server-to-client") + " sealing key magic constant\0")));

        public static byte[] HmacMd5(byte[] key, byte[] data)
        {
            using (var hmac = new HMACMD5(key)) return hmac.ComputeHash(data);
        }

        public static byte[] Md5(byte[] data)
        {
            using (var md5 = MD5.Create()) return md5.ComputeHash(data);
        }

        public static byte[] Cat(params byte[][] parts)
        {
            var length = 0;
            foreach (var part in parts) length += part.Length;
            var all = new byte[length];
            var at = 0;
            foreach (var part in parts)
            {
                Buffer.BlockCopy(part, 0, all, at, part.Length);
                at += part.Length;
            }
            return all;
        }

        public static byte[] Slice(byte[] data, int offset, int length)
        {
            var part = new byte[length];
            Buffer.BlockCopy(data, offset, part, 0, length);
            return part;
        }

        /// <summary>Compares without stopping at the first difference, so that timing tells nothing about a signature.</summary>
        public static bool FixedTimeEquals(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            var diff = 0;
            for (var n = 0; n < a.Length; n++) diff |= a[n] ^ b[n];
            return diff == 0;
        }
    }

    /// <summary>
    /// One direction of NTLM session security with extended session security and key exchange, connection-oriented: one
    /// RC4 handle for the whole connection and a sequence number counting the messages [MS-NLMP 3.4.3 SEAL, 3.4.4.2 MAC
    /// with extended session security]. A message is RC4-encrypted, then the signature is version 1, the first 8 bytes of
    /// HMAC_MD5(SignKey, SeqNum + message) RC4-encrypted with the same handle, and the sequence number.
    /// </summary>
    internal sealed class NtlmSealingDirection
    {
        private readonly byte[] signKey;
        private readonly Rc4 handle;
        private uint sequence;

        public NtlmSealingDirection(byte[] signKey, byte[] sealKey)
        {
            this.signKey = signKey;
            handle = new Rc4(sealKey);
        }

        public byte[] Seal(byte[] plain, out byte[] signature)
        {
            var sealedData = handle.Transform(plain);
            signature = Sign(plain);
            return sealedData;
        }

        /// <summary>Decrypts and checks the signature; the sequence number must be the next one.</summary>
        public byte[] Unseal(byte[] signature, byte[] sealedData)
        {
            if (signature.Length != 16) throw new NtlmException("The NTLM signature is " + signature.Length + " bytes, not 16.");
            var plain = handle.Transform(sealedData);
            var expected = Sign(plain);
            if (!NtlmCrypto.FixedTimeEquals(expected, signature))
                throw new NtlmException("The NTLM signature does not match the message (wrong key, tampered data or out-of-order sequence number).");
            return plain;
        }

        private byte[] Sign(byte[] plain)
        {
            var seq = BitConverter.GetBytes(sequence);
            var checksum = NtlmCrypto.Slice(NtlmCrypto.HmacMd5(signKey, NtlmCrypto.Cat(seq, plain)), 0, 8);
            sequence++;
            return NtlmCrypto.Cat(new byte[] { 1, 0, 0, 0 }, handle.Transform(checksum), seq);
        }
    }

    /// <summary>The keys of an authenticated NTLM context, for both directions [MS-NLMP 3.4]; the sealer of WS-Man messages.</summary>
    internal sealed class NtlmSessionSecurity : IMessageSealer
    {
        private readonly NtlmSealingDirection outgoing;
        private readonly NtlmSealingDirection incoming;

        /// <param name="exportedSessionKey">The ExportedSessionKey both sides derived.</param>
        /// <param name="isServer">The server sends with the server-to-client keys and receives with the client-to-server ones.</param>
        public NtlmSessionSecurity(byte[] exportedSessionKey, bool isServer)
        {
            var clientToServer = new NtlmSealingDirection(NtlmCrypto.SignKey(exportedSessionKey, true), NtlmCrypto.SealKey(exportedSessionKey, true));
            var serverToClient = new NtlmSealingDirection(NtlmCrypto.SignKey(exportedSessionKey, false), NtlmCrypto.SealKey(exportedSessionKey, false));
            outgoing = isServer ? serverToClient : clientToServer;
            incoming = isServer ? clientToServer : serverToClient;
        }

        public byte[] Seal(byte[] plain, out byte[] signature) => outgoing.Seal(plain, out signature);
        public byte[] Unseal(byte[] signature, byte[] sealedData) => incoming.Unseal(signature, sealedData);
    }
}
