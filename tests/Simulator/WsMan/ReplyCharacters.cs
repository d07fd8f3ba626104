using System.Globalization;
using System.Text;

namespace AppBan.Simulator.WsMan;

/// <summary>
/// How a reply carries characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; unpaired
/// surrogates), which a registry string may hold. What WinRM does is not known here, so a host picks one
/// (faults.forbiddenCharacters):
/// <list type="bullet">
/// <item>"raw": the characters as they are, UTF-8 encoded, and an unpaired surrogate as the three bytes its code
/// point would take (ED A0 80 for U+D800), which is not valid UTF-8 [guess W035: a serializer that does not check].</item>
/// <item>"reference": decimal character references, <c>&amp;#27;</c> [guess W035 for WinRM; OMI, Microsoft's WS-Man server
/// for Linux, writes C0 controls this way: microsoft/omi Unix/wsman/wsbuf.c, s_specialCharEncodings].</item>
/// <item>"fault": no value at all; the operation that would carry one answers w:InternalError with WMI's generic
/// failure [guess W035: a service that refuses to write what XML cannot carry].</item>
/// </list>
/// </summary>
public static class ReplyCharacters
{
    public const string Raw = "raw";
    public const string Reference = "reference";
    public const string Fault = "fault";
    public static readonly string[] Modes = [Raw, Reference, Fault];

    /// <summary>True when the reply holds a character XML 1.0 forbids.</summary>
    public static bool HasForbidden(string reply)
    {
        for (var i = 0; i < reply.Length; i++)
            if (IsForbiddenAt(reply, i)) return true;
        return false;
    }

    /// <summary>What the "fault" mode answers instead of a reply that holds such a character.</summary>
    public static WsManFault Refusal() => WsManFault.WmiError(WsManFault.WbemFailed, 1, "Generic failure ");

    public static byte[] Encode(string reply, string mode)
    {
        // Nothing to treat (the usual case): the plain encoder, as before.
        if (!HasForbidden(reply)) return Encoding.UTF8.GetBytes(reply);
        if (mode == Reference) return Encoding.UTF8.GetBytes(References(reply));
        var bytes = new List<byte>(reply.Length + 64);
        for (var i = 0; i < reply.Length; i++)
        {
            int code = reply[i];
            if (char.IsHighSurrogate(reply[i]) && i + 1 < reply.Length && char.IsLowSurrogate(reply[i + 1]))
            {
                code = char.ConvertToUtf32(reply[i], reply[i + 1]);
                i++;
            }
            AppendUtf8(bytes, code);
        }
        return bytes.ToArray();
    }

    private static string References(string reply)
    {
        var sb = new StringBuilder(reply.Length + 32);
        for (var i = 0; i < reply.Length; i++)
        {
            if (IsForbiddenAt(reply, i)) sb.Append("&#").Append(((int)reply[i]).ToString(CultureInfo.InvariantCulture)).Append(';');
            else sb.Append(reply[i]);
        }
        return sb.ToString();
    }

    public static bool IsForbiddenAt(string text, int i)
    {
        var c = text[i];
        if (c < 0x20) return c is not ('\t' or '\n' or '\r');
        if (c is '\uFFFE' or '\uFFFF') return true;
        if (char.IsHighSurrogate(c)) return i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]);
        if (char.IsLowSurrogate(c)) return i == 0 || !char.IsHighSurrogate(text[i - 1]);
        return false;
    }

    /// <summary>UTF-8 of one code point; a lone surrogate gets the bytes of its value, as a non-checking encoder writes them.</summary>
    private static void AppendUtf8(List<byte> bytes, int code)
    {
        if (code < 0x80) bytes.Add((byte)code);
        else if (code < 0x800) { bytes.Add((byte)(0xC0 | (code >> 6))); bytes.Add((byte)(0x80 | (code & 0x3F))); }
        else if (code < 0x10000)
        {
            bytes.Add((byte)(0xE0 | (code >> 12))); bytes.Add((byte)(0x80 | ((code >> 6) & 0x3F))); bytes.Add((byte)(0x80 | (code & 0x3F)));
        }
        else
        {
            bytes.Add((byte)(0xF0 | (code >> 18))); bytes.Add((byte)(0x80 | ((code >> 12) & 0x3F)));
            bytes.Add((byte)(0x80 | ((code >> 6) & 0x3F))); bytes.Add((byte)(0x80 | (code & 0x3F)));
        }
    }
}
