using System.Security.Cryptography;
using System.Text;
using AppBan.Engine.Cim.WsMan.Ntlm;

namespace AppBan.Simulator.Auth;

// The NTLM computations (MD4, RC4, NTOWFv2, the keys, sealing) are the engine's, compiled in from src/AppBan.Engine/Cim/WsMan/Ntlm;
// only the server's side of the handshake is the simulator's own.

/// <summary>Who the AUTHENTICATE_MESSAGE proved to be, and the context's session security.</summary>
internal sealed record NtlmIdentity(string User, string Domain, string Workstation, NtlmSessionSecurity Security, byte[] ExportedSessionKey);

/// <summary>
/// The server side of one NTLM authentication, NEGOTIATE -> CHALLENGE -> AUTHENTICATE [MS-NLMP 3.2.5], NTLMv2 only
/// (what Windows clients send by default; NTLMv1 and anonymous are refused). The password comes from the host's
/// accounts, as the Basic check does.
/// </summary>
internal sealed class NtlmServer
{
    private const NtlmFlags Supported = NtlmFlags.Unicode | NtlmFlags.RequestTarget | NtlmFlags.Sign | NtlmFlags.Seal | NtlmFlags.Ntlm
                                        | NtlmFlags.AlwaysSign | NtlmFlags.ExtendedSessionSecurity | NtlmFlags.Version
                                        | NtlmFlags.Negotiate128 | NtlmFlags.KeyExchange | NtlmFlags.Negotiate56;
    private static readonly byte[] Signature = "NTLMSSP\0"u8.ToArray();

    private readonly string computerName;
    private readonly string netBiosDomain;
    private readonly byte[] serverChallenge;
    private readonly DateTime now;
    private byte[]? negotiateMessage;
    private byte[]? challengeMessage;

    /// <param name="computerName">The NetBIOS computer name (MsvAvNbComputerName, TargetName).</param>
    /// <param name="netBiosDomain">MsvAvNbDomainName: the domain, or the computer name on a workgroup computer.</param>
    public NtlmServer(string computerName, string netBiosDomain, byte[]? serverChallenge = null, DateTime? now = null)
    {
        this.computerName = computerName.ToUpperInvariant();
        this.netBiosDomain = netBiosDomain.ToUpperInvariant();
        this.serverChallenge = serverChallenge ?? RandomNumberGenerator.GetBytes(8);
        this.now = now ?? DateTime.UtcNow;
    }

    public NtlmFlags Flags { get; private set; }

    /// <summary>Whether a token is an NTLM message (and not, say, SPNEGO or Kerberos), and which.</summary>
    public static int MessageType(byte[] token) =>
        token.Length >= 12 && token.AsSpan(0, 8).SequenceEqual(Signature) ? BitConverter.ToInt32(token, 8) : 0;

    /// <summary>Reads a NEGOTIATE_MESSAGE [MS-NLMP 2.2.1.1] and builds the CHALLENGE_MESSAGE [MS-NLMP 2.2.1.2].</summary>
    public byte[] Challenge(byte[] negotiate)
    {
        if (MessageType(negotiate) != 1 || negotiate.Length < 16) throw new NtlmException("The first Negotiate token is not an NTLM NEGOTIATE_MESSAGE.");
        var requested = (NtlmFlags)BitConverter.ToUInt32(negotiate, 12);
        // Unicode when offered, else OEM [MS-NLMP 3.2.5.1.1] (ntlm-auth, under pywinrm, offers OEM only).
        var charset = requested.HasFlag(NtlmFlags.Unicode) ? NtlmFlags.Unicode : NtlmFlags.Oem;
        Flags = (requested & Supported & ~NtlmFlags.Unicode) | charset | NtlmFlags.TargetInfo | NtlmFlags.TargetTypeServer | NtlmFlags.Ntlm;
        negotiateMessage = negotiate;

        var targetName = (charset == NtlmFlags.Unicode ? Encoding.Unicode : Encoding.ASCII).GetBytes(computerName);
        var targetInfo = TargetInfo();
        var header = new byte[56];
        Signature.CopyTo(header, 0);
        BitConverter.GetBytes(2).CopyTo(header, 8);
        WriteField(header, 12, targetName.Length, 56);
        BitConverter.GetBytes((uint)Flags).CopyTo(header, 20);
        serverChallenge.CopyTo(header, 24);
        WriteField(header, 40, targetInfo.Length, 56 + targetName.Length);
        // Version [MS-NLMP 2.2.2.10]: Windows 10.0 build 22631, NTLMSSP_REVISION_W2K3.
        byte[] version = [10, 0, .. BitConverter.GetBytes((ushort)22631), 0, 0, 0, 0x0F];
        version.CopyTo(header, 48);
        challengeMessage = [.. header, .. targetName, .. targetInfo];
        return challengeMessage;
    }

    /// <summary>
    /// Verifies an AUTHENTICATE_MESSAGE [MS-NLMP 2.2.1.3, 3.2.5.1.2] with NTLMv2 against the password the lookup gives for
    /// its user and domain (null: no such account), and derives the session keys [MS-NLMP 3.4.5].
    /// </summary>
    public NtlmIdentity Authenticate(byte[] authenticate, Func<string, string, string?> password)
    {
        if (challengeMessage is null) throw new NtlmException("AUTHENTICATE_MESSAGE without a CHALLENGE_MESSAGE on this connection.");
        if (MessageType(authenticate) != 3 || authenticate.Length < 64) throw new NtlmException("The Negotiate token is not an NTLM AUTHENTICATE_MESSAGE.");
        var ntResponse = ReadField(authenticate, 20);
        var strings = ((NtlmFlags)BitConverter.ToUInt32(authenticate, 60)).HasFlag(NtlmFlags.Unicode) ? Encoding.Unicode : Encoding.ASCII;
        var domain = strings.GetString(ReadField(authenticate, 28));
        var user = strings.GetString(ReadField(authenticate, 36));
        var workstation = strings.GetString(ReadField(authenticate, 44));
        var encryptedRandomSessionKey = ReadField(authenticate, 52);
        if (ntResponse.Length == 0 || user.Length == 0) throw new NtlmException("Anonymous NTLM authentication is not accepted.");
        if (ntResponse.Length <= 24) throw new NtlmException("NTLMv1 responses are not accepted; the simulator checks NTLMv2 only.");

        var secret = password(user, domain) ?? throw new NtlmException($"No account {(domain.Length > 0 ? domain + "\\" : "")}{user}.");
        var responseKeyNt = NtlmCrypto.NtowfV2(secret, user, domain);
        var ntProofStr = ntResponse[..16];
        var temp = ntResponse[16..];
        if (!CryptographicOperations.FixedTimeEquals(NtlmCrypto.NtProofStr(responseKeyNt, serverChallenge, temp), ntProofStr))
        {
            throw new NtlmException($"The NTLMv2 response of {user} does not match the password.");
        }
        var keyExchangeKey = NtlmCrypto.SessionBaseKey(responseKeyNt, ntProofStr);
        var exportedSessionKey = Flags.HasFlag(NtlmFlags.KeyExchange) && encryptedRandomSessionKey.Length == 16
            ? Rc4.Once(keyExchangeKey, encryptedRandomSessionKey)
            : keyExchangeKey;
        CheckMic(authenticate, temp, exportedSessionKey);
        return new NtlmIdentity(user, domain, workstation, new NtlmSessionSecurity(exportedSessionKey, isServer: true), exportedSessionKey);
    }

    /// <summary>
    /// When the client's MsvAvFlags say a MIC is present, it must be HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE
    /// + AUTHENTICATE with the MIC zeroed) [MS-NLMP 3.2.5.1.2, 2.2.2.1 MsvAvFlags 0x2].
    /// </summary>
    private void CheckMic(byte[] authenticate, byte[] temp, byte[] exportedSessionKey)
    {
        if (temp.Length < 28 || (ReadAvFlags(temp[28..]) & 0x2) == 0 || authenticate.Length < 88) return;
        var zeroed = (byte[])authenticate.Clone();
        Array.Clear(zeroed, 72, 16);
        var mic = HMACMD5.HashData(exportedSessionKey, NtlmCrypto.Cat(negotiateMessage!, challengeMessage!, zeroed));
        if (!CryptographicOperations.FixedTimeEquals(mic, authenticate.AsSpan(72, 16)))
        {
            throw new NtlmException("The AUTHENTICATE_MESSAGE's MIC does not match the three messages.");
        }
    }

    private static uint ReadAvFlags(byte[] avPairs)
    {
        for (var at = 0; at + 4 <= avPairs.Length;)
        {
            var id = BitConverter.ToUInt16(avPairs, at);
            var length = BitConverter.ToUInt16(avPairs, at + 2);
            if (id == 0 || at + 4 + length > avPairs.Length) break;
            if (id == 6 && length == 4) return BitConverter.ToUInt32(avPairs, at + 4);
            at += 4 + length;
        }
        return 0;
    }

    /// <summary>
    /// TargetInfo [MS-NLMP 2.2.2.1]: NetBIOS domain and computer name, DNS names, and a timestamp (which makes
    /// clients send a MIC, as with Windows).
    /// </summary>
    private byte[] TargetInfo()
    {
        var pairs = new List<byte>();
        void Add(ushort id, byte[] value)
        {
            pairs.AddRange(BitConverter.GetBytes(id));
            pairs.AddRange(BitConverter.GetBytes((ushort)value.Length));
            pairs.AddRange(value);
        }
        Add(2, Encoding.Unicode.GetBytes(netBiosDomain));
        Add(1, Encoding.Unicode.GetBytes(computerName));
        Add(4, Encoding.Unicode.GetBytes(netBiosDomain.ToLowerInvariant()));
        Add(3, Encoding.Unicode.GetBytes(computerName.ToLowerInvariant()));
        Add(7, BitConverter.GetBytes(now.ToFileTimeUtc()));
        Add(0, []);
        return [.. pairs];
    }

    private static void WriteField(byte[] message, int at, int length, int offset)
    {
        BitConverter.GetBytes((ushort)length).CopyTo(message, at);
        BitConverter.GetBytes((ushort)length).CopyTo(message, at + 2);
        BitConverter.GetBytes(offset).CopyTo(message, at + 4);
    }

    private static byte[] ReadField(byte[] message, int at)
    {
        var length = BitConverter.ToUInt16(message, at);
        var offset = BitConverter.ToInt32(message, at + 4);
        if (offset < 0 || offset + length > message.Length) throw new NtlmException("An AUTHENTICATE_MESSAGE field points outside the message.");
        return message.AsSpan(offset, length).ToArray();
    }
}
