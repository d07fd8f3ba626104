using System;
using System.Runtime.InteropServices;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// Whether this process's token is elevated (GetTokenInformation, TokenElevation). Windows only: the imports are
    /// resolved on first call, so nothing is loaded on other systems, where it is never called.
    /// </summary>
    internal static class ProcessElevation
    {
        private const uint TokenQuery = 0x0008;
        private const int TokenElevationClass = 20;

        /// <summary>
        /// True for an elevated administrator and for SYSTEM [guess W018: LocalSystem's token reports TokenIsElevated = 1];
        /// false for a filtered administrator token and for standard users. A failed query counts as not elevated.
        /// </summary>
        public static bool IsElevated()
        {
            if (!OpenProcessToken(GetCurrentProcess(), TokenQuery, out var token)) return false;
            try
            {
                return GetTokenInformation(token, TokenElevationClass, out var elevation, sizeof(uint), out _) && elevation != 0;
            }
            finally
            {
                CloseHandle(token);
            }
        }

        [DllImport("kernel32.dll")]
        private static extern IntPtr GetCurrentProcess();

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool OpenProcessToken(IntPtr processHandle, uint desiredAccess, out IntPtr tokenHandle);

        // TOKEN_ELEVATION is one DWORD, TokenIsElevated.
        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool GetTokenInformation(IntPtr tokenHandle, int tokenInformationClass, out uint tokenInformation,
            int tokenInformationLength, out int returnLength);

        [DllImport("kernel32.dll", SetLastError = true)]
        private static extern bool CloseHandle(IntPtr handle);
    }
}
