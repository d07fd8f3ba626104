using System;
using System.Linq;
using System.Text;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class EncryptedMessageTests
    {
        /// <summary>pywinrm's own test double: the header is "1234" and sealing is base64 (tests/test_encryption.py).</summary>
        private sealed class Base64Sealer : IMessageSealer
        {
            public byte[] Seal(byte[] plain, out byte[] header)
            {
                header = Encoding.ASCII.GetBytes("1234");
                return Encoding.ASCII.GetBytes(Convert.ToBase64String(plain));
            }

            public byte[] Unseal(byte[] header, byte[] sealedData)
            {
                if (Encoding.ASCII.GetString(header) != "1234") throw new InvalidOperationException("bad signature");
                return Convert.FromBase64String(Encoding.ASCII.GetString(sealedData));
            }
        }

        /// <summary>A length-preserving cipher like NTLM's RC4 or Kerberos' AES, with a header of any length.</summary>
        private sealed class XorSealer : IMessageSealer
        {
            private readonly int headerLength;
            public XorSealer(int headerLength) => this.headerLength = headerLength;

            public byte[] Seal(byte[] plain, out byte[] header)
            {
                header = Enumerable.Range(0, headerLength).Select(i => (byte)(i + 1)).ToArray();
                return plain.Select(b => (byte)(b ^ 0x5A)).ToArray();
            }

            public byte[] Unseal(byte[] header, byte[] sealedData)
            {
                if (header.Length != headerLength || header.Where((b, i) => b != i + 1).Any()) throw new InvalidOperationException("the signature does not match");
                return sealedData.Select(b => (byte)(b ^ 0x5A)).ToArray();
            }
        }

        private static readonly byte[] Sample = Encoding.ASCII.GetBytes("unencrypted message");

        /// <summary>pywinrm 0.3.0 tests/test_encryption.py test_encrypt_message: the body it sends, byte for byte.</summary>
        private static byte[] PywinrmSampleBody(string end = "--Encrypted Boundary--\r\n") =>
            Encoding.ASCII.GetBytes(
                "--Encrypted Boundary\r\n" +
                "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n" +
                "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=19\r\n" +
                "--Encrypted Boundary\r\n" +
                "\tContent-Type: application/octet-stream\r\n")
                .Concat(new byte[] { 4, 0, 0, 0 })
                .Concat(Encoding.ASCII.GetBytes("1234" + "dW5lbmNyeXB0ZWQgbWVzc2FnZQ==" + end))
                .ToArray();

        [Fact]
        public void Build_gives_the_exact_bytes_pywinrm_sends()
        {
            var body = EncryptedMessage.Build(Sample, new Base64Sealer());

            Assert.Equal(PywinrmSampleBody(), body);
            Assert.Equal(272, body.Length); // pywinrm's test asserts Content-Length 272
            Assert.Equal("multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Encrypted Boundary\"",
                EncryptedMessage.ContentType);
        }

        [Fact]
        public void Parse_reads_the_pywinrm_sample_with_either_ending()
        {
            Assert.Equal(Sample, EncryptedMessage.Parse(EncryptedMessage.ContentType, PywinrmSampleBody(), new Base64Sealer()));
            // pywinrm's test_decrypt_message ends with a part boundary instead of the closing one.
            Assert.Equal(Sample, EncryptedMessage.Parse(EncryptedMessage.ContentType, PywinrmSampleBody("--Encrypted Boundary\r\n"), new Base64Sealer()));
        }

        [Theory]
        [InlineData(16)] // NTLM's Message Signature
        [InlineData(60)] // a Kerberos RFC 4121 wrap token header
        [InlineData(0)]
        public void Round_trip_keeps_the_message_and_its_header(int headerLength)
        {
            var soap = Encoding.UTF8.GetBytes("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>é</s:Body></s:Envelope>");
            var sealer = new XorSealer(headerLength);
            var body = EncryptedMessage.Build(soap, sealer);

            var part = Assert.Single(EncryptedMessage.Split(EncryptedMessage.ContentType, body));
            Assert.Equal(soap.Length, part.OriginalLength);
            Assert.Equal(headerLength, part.Header.Length);
            Assert.Equal(soap, EncryptedMessage.Parse(EncryptedMessage.ContentType, body, sealer));
            Assert.DoesNotContain("Envelope", Encoding.ASCII.GetString(body));
        }

        [Fact]
        public void Sealed_data_that_happens_to_hold_the_boundary_text_is_not_cut_short()
        {
            // XOR 0x5A of this plain text is "--Encrypted Boundary--\r\n" in the middle of the sealed data.
            var boundary = Encoding.ASCII.GetBytes("--Encrypted Boundary--\r\n");
            var soap = Encoding.ASCII.GetBytes("<a>").Concat(boundary.Select(b => (byte)(b ^ 0x5A))).Concat(Encoding.ASCII.GetBytes("</a>")).ToArray();
            var sealer = new XorSealer(16);

            Assert.Equal(soap, EncryptedMessage.Parse(EncryptedMessage.ContentType, EncryptedMessage.Build(soap, sealer), sealer));
        }

        [Fact]
        public void A_large_message_is_one_part_for_Negotiate()
        {
            var soap = Encoding.ASCII.GetBytes(new string('x', 200_000));
            var sealer = new XorSealer(16);
            var body = EncryptedMessage.Build(soap, sealer);

            Assert.Single(EncryptedMessage.Split(EncryptedMessage.ContentType, body));
            Assert.Equal(soap, EncryptedMessage.Parse(EncryptedMessage.ContentType, body, sealer));
        }

        [Fact]
        public void Several_parts_are_read_in_order()
        {
            var sealer = new XorSealer(16);
            var first = EncryptedMessage.Build(Encoding.ASCII.GetBytes("first "), sealer);
            var second = EncryptedMessage.Build(Encoding.ASCII.GetBytes("second"), sealer);
            var closing = Encoding.ASCII.GetBytes("--Encrypted Boundary--\r\n");
            var body = first.Take(first.Length - closing.Length).Concat(second).ToArray();

            Assert.Equal("first second", Encoding.ASCII.GetString(EncryptedMessage.Parse(EncryptedMessage.ContentType, body, sealer)));
        }

        [Theory]
        [InlineData("application/soap+xml;charset=UTF-8", "not encrypted")]
        [InlineData("multipart/encrypted;protocol=\"application/HTTP-CredSSP-session-encrypted\";boundary=\"Encrypted Boundary\"", "only application/HTTP-SPNEGO-session-encrypted")]
        [InlineData("multipart/encrypted;protocol=\"application/HTTP-SPNEGO-session-encrypted\";boundary=\"Other\"", "boundary is \"Other\"")]
        public void Refuses_a_content_type_that_is_not_Negotiate_encryption(string contentType, string expected)
        {
            var error = Assert.Throws<EncryptedMessageException>(() => EncryptedMessage.Parse(contentType, PywinrmSampleBody(), new Base64Sealer()));
            Assert.Contains(expected, error.Message);
        }

        [Theory]
        [InlineData("", "empty")]
        [InlineData("<s:Envelope/>", "does not start with the boundary")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=19\r\n",
            "no second part")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u0004\0\0\0" + "1234xx--Encrypted Boundary--\r\n",
            "no OriginalContent")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: text/plain\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=2\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u0004\0\0\0" + "1234xx--Encrypted Boundary--\r\n",
            "Content-Type \"text/plain\"")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=x\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u0004\0\0\0" + "1234xx--Encrypted Boundary--\r\n",
            "no valid Length")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=2\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u00ff\0\0\0" + "1234xx--Encrypted Boundary--\r\n",
            "header length 255 is beyond the 6 bytes")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=2\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u0004\0",
            "too short for its 4-byte header length")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=2\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u0004\0\0\0" + "1234xx",
            "no closing boundary")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=2\r\n--Encrypted Boundary\r\n\tContent-Type: text/xml\r\n\u0004\0\0\0" + "1234xx--Encrypted Boundary--\r\n",
            "not application/octet-stream")]
        [InlineData("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=2\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\u0004\0\0\0" + "1234xx--Encrypted Boundary--\r\ntrailing",
            "data after its closing boundary")]
        public void Refuses_malformed_bodies_with_a_clear_error(string body, string expected)
        {
            var bytes = body.Select(c => (byte)c).ToArray();
            var error = Assert.Throws<EncryptedMessageException>(() => EncryptedMessage.Split(EncryptedMessage.ContentType, bytes));
            Assert.Contains(expected, error.Message);
        }

        [Fact]
        public void Refuses_a_message_whose_length_differs_from_OriginalContent()
        {
            // pywinrm test_decrypt_message_length_mismatch: Length=20 for a 19-byte message.
            var body = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(PywinrmSampleBody()).Replace("Length=19", "Length=20"));

            var error = Assert.Throws<EncryptedMessageException>(() => EncryptedMessage.Parse(EncryptedMessage.ContentType, body, new Base64Sealer()));
            Assert.Contains("decrypts to 19 bytes, but its OriginalContent says Length=20", error.Message);
        }

        [Fact]
        public void A_failed_integrity_check_is_reported_as_such()
        {
            var body = EncryptedMessage.Build(Sample, new XorSealer(16));

            var error = Assert.Throws<EncryptedMessageException>(() => EncryptedMessage.Parse(EncryptedMessage.ContentType, body, new XorSealer(12)));
            Assert.Contains("failed its integrity check: the signature does not match", error.Message);
        }
    }
}
