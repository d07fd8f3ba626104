namespace AppBan.Engine.Cim.WsMan.Ntlm
{
    /// <summary>
    /// RC4, which .NET does not offer: NTLM seals messages and encrypts the key exchange with it [MS-NLMP section 6,
    /// "RC4K", "RC4Init", "RC4"]. A handle keeps its state, as NTLM's connection-oriented sealing needs [MS-NLMP 3.4.3].
    /// </summary>
    internal sealed class Rc4
    {
        private readonly byte[] s = new byte[256];
        private int i;
        private int j;

        public Rc4(byte[] key)
        {
            for (var n = 0; n < 256; n++) s[n] = (byte)n;
            for (int n = 0, m = 0; n < 256; n++)
            {
                m = (m + s[n] + key[n % key.Length]) & 0xff;
                var t = s[n]; s[n] = s[m]; s[m] = t;
            }
        }

        /// <summary>Encrypts or decrypts (the same thing), continuing the key stream.</summary>
        public byte[] Transform(byte[] data)
        {
            var output = new byte[data.Length];
            for (var n = 0; n < data.Length; n++)
            {
                i = (i + 1) & 0xff;
                j = (j + s[i]) & 0xff;
                var t = s[i]; s[i] = s[j]; s[j] = t;
                output[n] = (byte)(data[n] ^ s[(s[i] + s[j]) & 0xff]);
            }
            return output;
        }

        /// <summary>RC4K: one message under a fresh key.</summary>
        public static byte[] Once(byte[] key, byte[] data) => new Rc4(key).Transform(data);
    }
}
