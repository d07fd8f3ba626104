#nullable disable
using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace AppBan.Engine.Cim.WsMan.Ntlm
{
    /// <summary>A CHALLENGE_MESSAGE [MS-NLMP 2.2.1.2], read from the network and checked field by field.</summary>
    internal sealed class NtlmChallenge
    {
        private const int HeaderLength = 48;

        public NtlmFlags Flags { get; private set; }
        public byte[] ServerChallenge { get; private set; }
        public string TargetName { get; private set; }
        /// <summary>The raw AV_PAIR list [MS-NLMP 2.2.2.1], ending with MsvAvEOL.</summary>
        public byte[] TargetInfo { get; private set; }
        /// <summary>MsvAvTimestamp (FILETIME), when the server sent one.</summary>
        public long? Timestamp { get; private set; }

        public static NtlmChallenge Parse(byte[] message)
        {
            if (message == null || message.Length < HeaderLength)
                throw new NtlmException("The NTLM CHALLENGE_MESSAGE is " + (message?.Length ?? 0) + " bytes, shorter than its 48-byte header.");
            if (NtlmClient.MessageType(message) != 2)
                throw new NtlmException("The server's Negotiate token is not an NTLM CHALLENGE_MESSAGE (SPNEGO and Kerberos are not supported by this client).");
            var challenge = new NtlmChallenge
            {
                Flags = (NtlmFlags)BitConverter.ToUInt32(message, 20),
                ServerChallenge = NtlmCrypto.Slice(message, 24, 8),
            };
            var targetName = Field(message, 12, "TargetName");
            challenge.TargetName = (challenge.Flags & NtlmFlags.Unicode) != 0 ? Encoding.Unicode.GetString(targetName) : Encoding.ASCII.GetString(targetName);
            challenge.TargetInfo = (challenge.Flags & NtlmFlags.TargetInfo) != 0 ? Field(message, 40, "TargetInfo") : new byte[0];
            foreach (var pair in AvPairs.Read(challenge.TargetInfo))
            {
                if (pair.Key == AvPairs.Timestamp)
                {
                    if (pair.Value.Length != 8) throw new NtlmException("The CHALLENGE_MESSAGE's MsvAvTimestamp is " + pair.Value.Length + " bytes, not 8.");
                    challenge.Timestamp = BitConverter.ToInt64(pair.Value, 0);
                }
            }
            return challenge;
        }

        /// <summary>A payload field (Len, MaxLen, BufferOffset) that must lie inside the message, after the header.</summary>
        private static byte[] Field(byte[] message, int at, string name)
        {
            var length = BitConverter.ToUInt16(message, at);
            var offset = BitConverter.ToUInt32(message, at + 4);
            if (length == 0) return new byte[0];
            if (offset < HeaderLength || offset > (uint)message.Length || length > message.Length - (int)offset)
                throw new NtlmException("The CHALLENGE_MESSAGE's " + name + " (offset " + offset + ", length " + length + ") lies outside the " + message.Length + "-byte message.");
            return NtlmCrypto.Slice(message, (int)offset, length);
        }
    }

    /// <summary>AV_PAIR lists [MS-NLMP 2.2.2.1].</summary>
    internal static class AvPairs
    {
        public const ushort Eol = 0;
        public const ushort Flags = 6;
        public const ushort Timestamp = 7;
        /// <summary>MsvAvFlags bit: the AUTHENTICATE_MESSAGE carries a MIC.</summary>
        public const uint MicPresent = 0x2;

        /// <summary>The pairs up to MsvAvEOL; a pair running past the end, or a list without MsvAvEOL, is refused.</summary>
        public static List<KeyValuePair<ushort, byte[]>> Read(byte[] list)
        {
            var pairs = new List<KeyValuePair<ushort, byte[]>>();
            if (list.Length == 0) return pairs;
            for (var at = 0; ;)
            {
                if (list.Length - at < 4) throw new NtlmException("The CHALLENGE_MESSAGE's TargetInfo ends without MsvAvEOL.");
                var id = BitConverter.ToUInt16(list, at);
                var length = BitConverter.ToUInt16(list, at + 2);
                if (id == Eol) return pairs;
                if (length > list.Length - at - 4) throw new NtlmException("The CHALLENGE_MESSAGE's TargetInfo has an AV_PAIR (id " + id + ") longer than the list.");
                pairs.Add(new KeyValuePair<ushort, byte[]>(id, NtlmCrypto.Slice(list, at + 4, length)));
                at += 4 + length;
            }
        }

        public static byte[] Write(IEnumerable<KeyValuePair<ushort, byte[]>> pairs)
        {
            var bytes = new List<byte>();
            foreach (var pair in pairs)
            {
                bytes.AddRange(BitConverter.GetBytes(pair.Key));
                bytes.AddRange(BitConverter.GetBytes((ushort)pair.Value.Length));
                bytes.AddRange(pair.Value);
            }
            bytes.AddRange(new byte[4]);
            return bytes.ToArray();
        }
    }

    /// <summary>
    /// The client side of one NTLM authentication, NEGOTIATE -> CHALLENGE -> AUTHENTICATE [MS-NLMP 3.1.5.1], NTLMv2 with
    /// extended session security and key exchange only, for a connection whose messages are then sealed. Without GSSAPI
    /// or SSPI, so the same code runs on every platform PowerShell runs on.
    /// </summary>
    internal sealed class NtlmClient
    {
        /// <summary>UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN, EXTENDED_SESSIONSECURITY, TARGET_INFO, VERSION, 128, KEY_EXCH, 56 [MS-NLMP 2.2.2.5]: NTLMv2 with sealing.</summary>
        public const NtlmFlags Requested = NtlmFlags.Unicode | NtlmFlags.RequestTarget | NtlmFlags.Sign | NtlmFlags.Seal | NtlmFlags.Ntlm
                                           | NtlmFlags.AlwaysSign | NtlmFlags.ExtendedSessionSecurity | NtlmFlags.TargetInfo | NtlmFlags.Version
                                           | NtlmFlags.Negotiate128 | NtlmFlags.KeyExchange | NtlmFlags.Negotiate56;

        /// <summary>What the sealing of <see cref="NtlmSessionSecurity"/> needs the server to have agreed to.</summary>
        private const NtlmFlags Required = NtlmFlags.Unicode | NtlmFlags.Sign | NtlmFlags.Seal | NtlmFlags.ExtendedSessionSecurity
                                           | NtlmFlags.Negotiate128 | NtlmFlags.KeyExchange;

        private static readonly byte[] Signature = Encoding.ASCII.GetBytes("NTLMSSP\0");
        /// <summary>VERSION [MS-NLMP 2.2.2.10]: 10.0 build 19041, NTLMSSP_REVISION_W2K3.</summary>
        private static readonly byte[] ClientVersion = { 10, 0, 0x61, 0x4A, 0, 0, 0, 0x0F };

        private readonly string user;
        private readonly string domain;
        private readonly string password;
        private readonly string workstation;
        private readonly Func<int, byte[]> random;
        private readonly Func<DateTime> now;
        private byte[] negotiateMessage;

        /// <param name="user">The user name as it goes into the message (a UPN stays whole).</param>
        /// <param name="domain">The domain as it goes into the message: empty for the target's local accounts and UPNs.</param>
        public NtlmClient(string user, string domain, string password, string workstation = null, Func<int, byte[]> random = null, Func<DateTime> now = null)
        {
            if (string.IsNullOrEmpty(user)) throw new ArgumentException("NTLM needs a user name.", nameof(user));
            this.user = user;
            this.domain = domain ?? "";
            this.password = password ?? "";
            this.workstation = (workstation ?? SafeMachineName()).ToUpperInvariant();
            this.random = random ?? RandomBytes;
            this.now = now ?? (() => DateTime.UtcNow);
        }

        /// <summary>The negotiated session security, after <see cref="Authenticate"/>.</summary>
        public NtlmSessionSecurity Security { get; private set; }
        public byte[] ExportedSessionKey { get; private set; }

        /// <summary>
        /// The user and domain that go into the message for a credential: "DOMAIN\user" as given; ".\user" and a plain
        /// "user" are the target's local accounts, sent with an empty domain, which the target reads as its own
        /// [doc: MS-NLMP 3.3.2 "UserDom"] [guess W139]; "user@domain" (a UPN) goes whole with an empty domain, for the
        /// domain controller to resolve [guess W140].
        /// </summary>
        public static void SplitUserName(string userName, string domainName, out string user, out string domain)
        {
            user = userName ?? "";
            domain = domainName ?? "";
            if (domain.Length == 0)
            {
                var slash = user.IndexOf('\\');
                if (slash >= 0)
                {
                    domain = user.Substring(0, slash);
                    user = user.Substring(slash + 1);
                }
            }
            if (domain == ".") domain = "";
        }

        public static int MessageType(byte[] token)
        {
            if (token == null || token.Length < 12) return 0;
            for (var n = 0; n < Signature.Length; n++) if (token[n] != Signature[n]) return 0;
            return BitConverter.ToInt32(token, 8);
        }

        /// <summary>NEGOTIATE_MESSAGE [MS-NLMP 2.2.1.1]: flags and version, no domain or workstation supplied.</summary>
        public byte[] Negotiate()
        {
            var message = new byte[40];
            Signature.CopyTo(message, 0);
            BitConverter.GetBytes(1).CopyTo(message, 8);
            BitConverter.GetBytes((uint)Requested).CopyTo(message, 12);
            WriteField(message, 16, 0, 40);
            WriteField(message, 24, 0, 40);
            ClientVersion.CopyTo(message, 32);
            negotiateMessage = message;
            return (byte[])message.Clone();
        }

        /// <summary>
        /// AUTHENTICATE_MESSAGE [MS-NLMP 2.2.1.3] for a CHALLENGE_MESSAGE, computed as [MS-NLMP 3.1.5.1.2] and 3.3.2
        /// (NTLMv2) say; derives the session keys [MS-NLMP 3.4.5] into <see cref="Security"/>.
        /// </summary>
        public byte[] Authenticate(byte[] challengeMessage)
        {
            if (negotiateMessage == null) throw new InvalidOperationException("NEGOTIATE_MESSAGE first.");
            var challenge = NtlmChallenge.Parse(challengeMessage);
            if ((challenge.Flags & Required) != Required)
                throw new NtlmException("The server did not agree to NTLM session security with 128-bit sealing and key exchange (flags 0x" +
                                        ((uint)challenge.Flags).ToString("X8") + "); WS-Man message encryption needs it.");
            var flags = (challenge.Flags & Requested) | NtlmFlags.Unicode;

            // [MS-NLMP 3.1.5.1.2] With a timestamp from the server: use it, send Z(24) as LmChallengeResponse, and a MIC
            // announced in MsvAvFlags. Without one: the client's time and an LMv2 response.
            var withMic = challenge.Timestamp.HasValue;
            var time = challenge.Timestamp ?? now().ToFileTimeUtc();
            var clientChallenge = random(8);
            var pairs = AvPairs.Read(challenge.TargetInfo);
            // [guess W142] Windows clients also add MsvAvTargetName (the SPN) and MsvAvChannelBindings; WinRM over HTTP
            // (no channel to bind, Extended Protection off for HTTP) accepts the list without them, as it does pywinrm's.
            if (withMic)
            {
                var index = pairs.FindIndex(p => p.Key == AvPairs.Flags && p.Value.Length == 4);
                var avFlags = (index >= 0 ? BitConverter.ToUInt32(pairs[index].Value, 0) : 0) | AvPairs.MicPresent;
                var pair = new KeyValuePair<ushort, byte[]>(AvPairs.Flags, BitConverter.GetBytes(avFlags));
                if (index >= 0) pairs[index] = pair; else pairs.Add(pair);
            }
            // temp [MS-NLMP 3.3.2]: Responserversion, HiResponserversion, Z(6), Time, ClientChallenge, Z(4), ServerName, Z(4).
            var temp = NtlmCrypto.Cat(new byte[] { 1, 1, 0, 0, 0, 0, 0, 0 }, BitConverter.GetBytes(time), clientChallenge, new byte[4],
                AvPairs.Write(pairs), new byte[4]);

            var responseKeyNt = NtlmCrypto.NtowfV2(password, user, domain);
            var ntProofStr = NtlmCrypto.NtProofStr(responseKeyNt, challenge.ServerChallenge, temp);
            var ntResponse = NtlmCrypto.Cat(ntProofStr, temp);
            var lmResponse = withMic
                ? new byte[24]
                : NtlmCrypto.Cat(NtlmCrypto.HmacMd5(responseKeyNt, NtlmCrypto.Cat(challenge.ServerChallenge, clientChallenge)), clientChallenge);
            var keyExchangeKey = NtlmCrypto.SessionBaseKey(responseKeyNt, ntProofStr);
            // KEY_EXCH [MS-NLMP 3.1.5.1.2]: a random ExportedSessionKey, sent RC4K-encrypted with the KeyExchangeKey.
            ExportedSessionKey = random(16);
            var encryptedRandomSessionKey = Rc4.Once(keyExchangeKey, ExportedSessionKey);

            var fields = new[]
            {
                lmResponse, ntResponse, Encoding.Unicode.GetBytes(domain), Encoding.Unicode.GetBytes(user),
                Encoding.Unicode.GetBytes(workstation), encryptedRandomSessionKey,
            };
            const int headerLength = 88;
            var length = headerLength;
            foreach (var field in fields) length += field.Length;
            var message = new byte[length];
            Signature.CopyTo(message, 0);
            BitConverter.GetBytes(3).CopyTo(message, 8);
            var offset = headerLength;
            for (var n = 0; n < fields.Length; n++)
            {
                WriteField(message, 12 + 8 * n, fields[n].Length, offset);
                fields[n].CopyTo(message, offset);
                offset += fields[n].Length;
            }
            BitConverter.GetBytes((uint)flags).CopyTo(message, 60);
            ClientVersion.CopyTo(message, 64);
            if (withMic)
            {
                // MIC [MS-NLMP 3.1.5.1.2]: HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE + AUTHENTICATE with the MIC zero).
                var mic = NtlmCrypto.HmacMd5(ExportedSessionKey, NtlmCrypto.Cat(negotiateMessage, challengeMessage, message));
                mic.CopyTo(message, 72);
            }
            Security = new NtlmSessionSecurity(ExportedSessionKey, isServer: false);
            return message;
        }

        private static void WriteField(byte[] message, int at, int length, int offset)
        {
            if (length > ushort.MaxValue) throw new NtlmException("An NTLM field is longer than 65535 bytes.");
            BitConverter.GetBytes((ushort)length).CopyTo(message, at);
            BitConverter.GetBytes((ushort)length).CopyTo(message, at + 2);
            BitConverter.GetBytes(offset).CopyTo(message, at + 4);
        }

        private static byte[] RandomBytes(int count)
        {
            var bytes = new byte[count];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return bytes;
        }

        private static string SafeMachineName()
        {
            try { return Environment.MachineName; }
            catch (InvalidOperationException) { return "WORKSTATION"; }
        }
    }
}
