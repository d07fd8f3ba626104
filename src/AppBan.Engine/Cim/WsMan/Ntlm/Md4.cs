using System;

namespace AppBan.Engine.Cim.WsMan.Ntlm
{
    /// <summary>
    /// MD4 (RFC 1320), which .NET does not offer: NTLM's NT one-way function hashes the password with it [MS-NLMP 3.3.2,
    /// section 6 "MD4(M)"]. Only for NTLM; never for anything that needs a secure hash.
    /// </summary>
    internal static class Md4
    {
        private static readonly int[] Round1 = { 0, 4, 8, 12 };
        private static readonly int[] Round2 = { 0, 1, 2, 3 };
        private static readonly int[] Round3 = { 0, 2, 1, 3 };

        public static byte[] Hash(byte[] message)
        {
            // Padding: 0x80, zeros to 56 mod 64, then the bit length as 64-bit little-endian.
            var length = message.Length;
            var padded = new byte[(length + 8) / 64 * 64 + 64];
            Buffer.BlockCopy(message, 0, padded, 0, length);
            padded[length] = 0x80;
            var bits = (ulong)length * 8;
            for (var i = 0; i < 8; i++) padded[padded.Length - 8 + i] = (byte)(bits >> (8 * i));

            uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
            var x = new uint[16];
            for (var block = 0; block < padded.Length; block += 64)
            {
                for (var i = 0; i < 16; i++) x[i] = BitConverter.ToUInt32(padded, block + i * 4);
                uint aa = a, bb = b, cc = c, dd = d;
                foreach (var k in Round1)
                {
                    a = Rotl(a + F(b, c, d) + x[k], 3);
                    d = Rotl(d + F(a, b, c) + x[k + 1], 7);
                    c = Rotl(c + F(d, a, b) + x[k + 2], 11);
                    b = Rotl(b + F(c, d, a) + x[k + 3], 19);
                }
                foreach (var k in Round2)
                {
                    a = Rotl(a + G(b, c, d) + x[k] + 0x5a827999, 3);
                    d = Rotl(d + G(a, b, c) + x[k + 4] + 0x5a827999, 5);
                    c = Rotl(c + G(d, a, b) + x[k + 8] + 0x5a827999, 9);
                    b = Rotl(b + G(c, d, a) + x[k + 12] + 0x5a827999, 13);
                }
                foreach (var k in Round3)
                {
                    a = Rotl(a + H(b, c, d) + x[k] + 0x6ed9eba1, 3);
                    d = Rotl(d + H(a, b, c) + x[k + 8] + 0x6ed9eba1, 9);
                    c = Rotl(c + H(d, a, b) + x[k + 4] + 0x6ed9eba1, 11);
                    b = Rotl(b + H(c, d, a) + x[k + 12] + 0x6ed9eba1, 15);
                }
                a += aa; b += bb; c += cc; d += dd;
            }
            var digest = new byte[16];
            BitConverter.GetBytes(a).CopyTo(digest, 0);
            BitConverter.GetBytes(b).CopyTo(digest, 4);
            BitConverter.GetBytes(c).CopyTo(digest, 8);
            BitConverter.GetBytes(d).CopyTo(digest, 12);
            return digest;
        }

        private static uint F(uint x, uint y, uint z) => (x & y) | (~x & z);
        private static uint G(uint x, uint y, uint z) => (x & y) | (x & z) | (y & z);
        private static uint H(uint x, uint y, uint z) => x ^ y ^ z;
        private static uint Rotl(uint value, int shift) => (value << shift) | (value >> (32 - shift));
    }
}
