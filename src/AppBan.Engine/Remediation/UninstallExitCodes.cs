namespace AppBan.Engine.Remediation
{
    internal enum ExitCodeMeaning
    {
        /// <summary>No exit code could be read back.</summary>
        Unknown,
        Success,
        /// <summary>1605: the product is not installed.</summary>
        AlreadyAbsent,
        /// <summary>3010: success, a restart completes it.</summary>
        RebootRequired,
        /// <summary>1641: success, the installer started a restart.</summary>
        RebootInitiated,
        /// <summary>1618: another installation is in progress; try again later.</summary>
        InstallerBusy,
        Failed,
    }

    /// <summary>
    /// What an uninstaller's exit code says. [doc] Windows Installer codes; EXE uninstallers and PowerShell
    /// use 0 for success and anything else for failure. The final status always comes from a re-scan.
    /// </summary>
    internal static class UninstallExitCodes
    {
        public const int Success = 0;
        public const int UnknownProduct = 1605;
        public const int FatalError = 1603;
        public const int InstallInProgress = 1618;
        public const int RebootRequired = 3010;
        public const int RebootInitiated = 1641;
        public const int UserCancelled = 1602;

        public static ExitCodeMeaning Interpret(int? exitCode)
        {
            if (!exitCode.HasValue) return ExitCodeMeaning.Unknown;
            switch (exitCode.Value)
            {
                case Success: return ExitCodeMeaning.Success;
                case UnknownProduct: return ExitCodeMeaning.AlreadyAbsent;
                case RebootRequired: return ExitCodeMeaning.RebootRequired;
                case RebootInitiated: return ExitCodeMeaning.RebootInitiated;
                case InstallInProgress: return ExitCodeMeaning.InstallerBusy;
                default: return ExitCodeMeaning.Failed;
            }
        }

        public static bool MeansReboot(ExitCodeMeaning meaning) =>
            meaning == ExitCodeMeaning.RebootRequired || meaning == ExitCodeMeaning.RebootInitiated;
    }
}
