#nullable disable
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>
    /// The security context that protects WS-Man messages over HTTP once Negotiate (NTLM or Kerberos) has authenticated:
    /// it seals a message and gives back the encryption header apart from the sealed data, as [MS-WSMV] 2.2.9.1.1.2.2
    /// carries them. For NTLM the header is the 16-byte Message Signature [MS-NLMP 2.2.2.9]; for Kerberos it is the
    /// RFC 4121 per-message token header, whose length varies. The codec never does cryptography itself.
    /// </summary>
    internal interface IMessageSealer
    {
        /// <summary>Encrypts and signs <paramref name="plain"/>; returns the sealed data and, separately, its header.</summary>
        byte[] Seal(byte[] plain, out byte[] header);

        /// <summary>Checks <paramref name="header"/> and decrypts <paramref name="sealedData"/>; throws when the check fails.</summary>
        byte[] Unseal(byte[] header, byte[] sealedData);
    }

    /// <summary>A message body that is not the encrypted framing WinRM sends, or whose content does not check out.</summary>
    internal sealed class EncryptedMessageException : Exception
    {
        public EncryptedMessageException(string message) : base(message) { }
        public EncryptedMessageException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>
    /// The body of a WS-Man message encrypted with the Negotiate security context, as WinRM sends and expects it over
    /// HTTP when AllowUnencrypted is false [doc: MS-WSMV 2.2.9.1.1 "Negotiate Encrypted Message"; 3rd: pywinrm
    /// winrm/encryption.py, which Windows accepts]:
    /// <code>
    /// --Encrypted Boundary\r\n
    /// \tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n
    /// \tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=&lt;plain length&gt;\r\n
    /// --Encrypted Boundary\r\n
    /// \tContent-Type: application/octet-stream\r\n
    /// &lt;header length, 4 bytes little-endian&gt;&lt;header&gt;&lt;sealed data&gt;--Encrypted Boundary--\r\n
    /// </code>
    /// with the HTTP header <see cref="ContentType"/>. Over HTTPS there is no message encryption. A Negotiate message is
    /// one part however long: only CredSSP splits messages into 16 KB parts (multipart/x-multi-encrypted) [doc: MS-WSMV
    /// 2.2.9.1.3; 3rd: pywinrm chunks for CredSSP only], and the parser reads several parts should they come.
    /// </summary>
    internal static class EncryptedMessage
    {
        public const string Protocol = "application/HTTP-SPNEGO-session-encrypted";
        public const string Boundary = "Encrypted Boundary";
        public const string ContentType = "multipart/encrypted;protocol=\"" + Protocol + "\";boundary=\"" + Boundary + "\"";
        private const string OriginalContentPrefix = "type=application/soap+xml;charset=UTF-8;Length=";

        private static readonly byte[] PartStart = Encoding.ASCII.GetBytes("--" + Boundary + "\r\n");
        private static readonly byte[] BoundaryLine = Encoding.ASCII.GetBytes("--" + Boundary);
        private static readonly byte[] Closing = Encoding.ASCII.GetBytes("--" + Boundary + "--\r\n");

        /// <summary>Seals <paramref name="soap"/> (UTF-8 SOAP) and frames it into an HTTP body.</summary>
        public static byte[] Build(byte[] soap, IMessageSealer sealer)
        {
            if (soap == null) throw new ArgumentNullException(nameof(soap));
            if (sealer == null) throw new ArgumentNullException(nameof(sealer));
            var sealedData = sealer.Seal(soap, out var header);
            return Frame(soap.Length, header, sealedData);
        }

        /// <summary>The framing alone: one encrypted part and the closing boundary, around a header and sealed data.</summary>
        public static byte[] Frame(int originalLength, byte[] header, byte[] sealedData)
        {
            var head = Encoding.ASCII.GetBytes(
                "--" + Boundary + "\r\n" +
                "\tContent-Type: " + Protocol + "\r\n" +
                "\tOriginalContent: " + OriginalContentPrefix + originalLength.ToString(CultureInfo.InvariantCulture) + "\r\n" +
                "--" + Boundary + "\r\n" +
                "\tContent-Type: application/octet-stream\r\n");
            var body = new byte[head.Length + 4 + header.Length + sealedData.Length + Closing.Length];
            var at = 0;
            Append(body, ref at, head);
            Append(body, ref at, new[] { (byte)header.Length, (byte)(header.Length >> 8), (byte)(header.Length >> 16), (byte)(header.Length >> 24) });
            Append(body, ref at, header);
            Append(body, ref at, sealedData);
            Append(body, ref at, Closing);
            return body;
        }

        /// <summary>Whether an HTTP Content-Type header announces this framing (any protocol), so that it is not read as SOAP.</summary>
        public static bool IsEncrypted(string contentType) =>
            contentType != null && (MediaType(contentType) == "multipart/encrypted" || MediaType(contentType) == "multipart/x-multi-encrypted");

        /// <summary>Unframes and unseals a body; the SOAP bytes of every part, in order.</summary>
        public static byte[] Parse(string contentType, byte[] body, IMessageSealer sealer)
        {
            if (sealer == null) throw new ArgumentNullException(nameof(sealer));
            var plain = new List<byte>();
            foreach (var part in Split(contentType, body))
            {
                byte[] unsealed;
                try { unsealed = sealer.Unseal(part.Header, part.SealedData); }
                catch (Exception e) when (!(e is EncryptedMessageException))
                {
                    throw new EncryptedMessageException("The encrypted message failed its integrity check: " + e.Message, e);
                }
                if (unsealed.Length != part.OriginalLength)
                {
                    throw new EncryptedMessageException(
                        $"The encrypted message decrypts to {unsealed.Length} bytes, but its OriginalContent says Length={part.OriginalLength}.");
                }
                plain.AddRange(unsealed);
            }
            return plain.ToArray();
        }

        /// <summary>One encrypted part, still sealed.</summary>
        internal sealed class Part
        {
            public int OriginalLength { get; set; }
            public byte[] Header { get; set; }
            public byte[] SealedData { get; set; }
        }

        /// <summary>The parts of a body, checked for the framing but not unsealed.</summary>
        public static IReadOnlyList<Part> Split(string contentType, byte[] body)
        {
            CheckContentType(contentType);
            if (body == null || body.Length == 0) throw new EncryptedMessageException("The encrypted message is empty.");
            var parts = new List<Part>();
            var at = 0;
            while (true)
            {
                if (!StartsWith(body, at, PartStart))
                {
                    throw new EncryptedMessageException(parts.Count == 0
                        ? "The encrypted message does not start with the boundary line \"--" + Boundary + "\"."
                        : "The encrypted message does not end with the closing boundary \"--" + Boundary + "--\".");
                }
                at += PartStart.Length;
                var headers = ReadHeaders(body, ref at, "the first part");
                if (!string.Equals(Header(headers, "Content-Type"), Protocol, StringComparison.OrdinalIgnoreCase))
                {
                    throw new EncryptedMessageException("The encrypted message's first part has Content-Type \"" + Header(headers, "Content-Type") +
                                                        "\", not " + Protocol + ".");
                }
                var originalLength = OriginalLength(Header(headers, "OriginalContent"));
                if (!StartsWith(body, at, PartStart)) throw new EncryptedMessageException("The encrypted message has no second part (the encrypted data).");
                at += PartStart.Length;
                var dataHeaders = ReadDataHeader(body, ref at);
                if (!string.Equals(dataHeaders, "application/octet-stream", StringComparison.OrdinalIgnoreCase))
                {
                    throw new EncryptedMessageException("The encrypted message's second part has Content-Type \"" + dataHeaders + "\", not application/octet-stream.");
                }
                if (body.Length - at < 4) throw new EncryptedMessageException("The encrypted data is too short for its 4-byte header length.");
                var headerLength = (uint)(body[at] | body[at + 1] << 8 | body[at + 2] << 16 | body[at + 3] << 24);
                at += 4;
                var end = DataEnd(body, at, headerLength, originalLength);
                if (headerLength > (uint)(end - at))
                {
                    throw new EncryptedMessageException($"The encrypted data's header length {headerLength} is beyond the {end - at} bytes of data.");
                }
                var header = new byte[headerLength];
                Buffer.BlockCopy(body, at, header, 0, header.Length);
                var sealedData = new byte[end - at - header.Length];
                Buffer.BlockCopy(body, at + header.Length, sealedData, 0, sealedData.Length);
                parts.Add(new Part { OriginalLength = originalLength, Header = header, SealedData = sealedData });
                at = end;
                if (StartsWith(body, at, BoundaryLine) && StartsWith(body, at + BoundaryLine.Length, new[] { (byte)'-', (byte)'-' }))
                {
                    // The closing boundary; a line end after it is optional, and nothing else may follow.
                    at += BoundaryLine.Length + 2;
                    if (StartsWith(body, at, new[] { (byte)'\r', (byte)'\n' })) at += 2;
                    if (at != body.Length) throw new EncryptedMessageException("The encrypted message has data after its closing boundary.");
                    return parts;
                }
                // A part boundary that is the last thing in the body also ends the message (pywinrm accepts it).
                if (at + PartStart.Length == body.Length && StartsWith(body, at, PartStart)) return parts;
            }
        }

        private static void CheckContentType(string contentType)
        {
            if (!IsEncrypted(contentType))
            {
                throw new EncryptedMessageException("The message is not encrypted: its Content-Type is \"" + contentType + "\", not multipart/encrypted.");
            }
            var protocol = Parameter(contentType, "protocol");
            if (!string.Equals(protocol, Protocol, StringComparison.OrdinalIgnoreCase))
            {
                throw new EncryptedMessageException("The encrypted message uses protocol \"" + protocol + "\"; only " + Protocol + " (Negotiate) is supported.");
            }
            var boundary = Parameter(contentType, "boundary");
            if (!string.Equals(boundary, Boundary, StringComparison.Ordinal))
            {
                throw new EncryptedMessageException("The encrypted message's boundary is \"" + boundary + "\", not \"" + Boundary + "\".");
            }
        }

        /// <summary>
        /// Where the sealed data ends. NTLM and Kerberos seal without changing the length, so the data normally ends at
        /// header + original length, where a boundary must follow; otherwise (another cipher) the first boundary after
        /// the header. Sealed bytes may contain the boundary's text by chance, hence the length first.
        /// </summary>
        private static int DataEnd(byte[] body, int at, uint headerLength, int originalLength)
        {
            var expected = (long)at + headerLength + originalLength;
            if (expected <= body.Length && StartsWith(body, (int)expected, BoundaryLine)) return (int)expected;
            var from = headerLength <= (uint)(body.Length - at) ? at + (int)headerLength : at;
            var found = IndexOf(body, BoundaryLine, from);
            if (found < 0) throw new EncryptedMessageException("The encrypted message has no closing boundary \"--" + Boundary + "--\".");
            return found;
        }

        private static int OriginalLength(string originalContent)
        {
            if (originalContent == null) throw new EncryptedMessageException("The encrypted message's first part has no OriginalContent header.");
            var index = originalContent.IndexOf("Length=", StringComparison.OrdinalIgnoreCase);
            var text = index < 0 ? null : originalContent.Substring(index + 7).Trim();
            if (text == null || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw new EncryptedMessageException("The encrypted message's OriginalContent \"" + originalContent + "\" has no valid Length.");
            }
            return length;
        }

        /// <summary>Header lines ("\tName: value\r\n") up to the next boundary line.</summary>
        private static Dictionary<string, string> ReadHeaders(byte[] body, ref int at, string where)
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (at < body.Length && !StartsWith(body, at, BoundaryLine))
            {
                var line = ReadLine(body, ref at, where);
                var colon = line.IndexOf(':');
                if (colon < 0) throw new EncryptedMessageException("The encrypted message's " + where + " has a malformed header line \"" + line.Trim() + "\".");
                headers[line.Substring(0, colon).Trim()] = line.Substring(colon + 1).Trim();
            }
            return headers;
        }

        /// <summary>The one header line of the data part; the binary data follows at once.</summary>
        private static string ReadDataHeader(byte[] body, ref int at)
        {
            var line = ReadLine(body, ref at, "second part");
            var colon = line.IndexOf(':');
            if (colon < 0 || !string.Equals(line.Substring(0, colon).Trim(), "Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                throw new EncryptedMessageException("The encrypted message's second part does not start with a Content-Type header.");
            }
            return line.Substring(colon + 1).Trim();
        }

        private static string ReadLine(byte[] body, ref int at, string where)
        {
            var end = IndexOf(body, new[] { (byte)'\r', (byte)'\n' }, at);
            if (end < 0 || end - at > 1024) throw new EncryptedMessageException("The encrypted message's " + where + " ends inside a header line.");
            var line = Encoding.ASCII.GetString(body, at, end - at);
            at = end + 2;
            return line;
        }

        private static string Header(Dictionary<string, string> headers, string name) => headers.TryGetValue(name, out var value) ? value : null;

        private static string MediaType(string contentType)
        {
            var semicolon = contentType.IndexOf(';');
            return (semicolon < 0 ? contentType : contentType.Substring(0, semicolon)).Trim().ToLowerInvariant();
        }

        private static string Parameter(string contentType, string name)
        {
            foreach (var piece in contentType.Split(';'))
            {
                var equals = piece.IndexOf('=');
                if (equals < 0 || !string.Equals(piece.Substring(0, equals).Trim(), name, StringComparison.OrdinalIgnoreCase)) continue;
                return piece.Substring(equals + 1).Trim().Trim('"');
            }
            return null;
        }

        private static void Append(byte[] target, ref int at, byte[] source)
        {
            Buffer.BlockCopy(source, 0, target, at, source.Length);
            at += source.Length;
        }

        private static bool StartsWith(byte[] body, int at, byte[] prefix)
        {
            if (at < 0 || body.Length - at < prefix.Length) return false;
            for (var i = 0; i < prefix.Length; i++)
            {
                if (body[at + i] != prefix[i]) return false;
            }
            return true;
        }

        private static int IndexOf(byte[] body, byte[] needle, int from)
        {
            for (var i = from; i <= body.Length - needle.Length; i++)
            {
                if (StartsWith(body, i, needle)) return i;
            }
            return -1;
        }
    }
}
