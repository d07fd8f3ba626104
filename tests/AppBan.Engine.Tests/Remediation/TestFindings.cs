using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;

namespace AppBan.Engine.Tests.Remediation
{
    internal static class TestFindings
    {
        public const string ProductCode = "{7C9E6679-7425-40DE-944B-E07FC1F90AE7}";
        public const string TikTokPackage = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se";
        public const string TikTokFamily = "BytedancePte.Ltd.TikTok_6yccndn6064se";
        public const string AliceSid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        public const string BobSid = "S-1-5-21-1004336348-1177238915-682003330-1002";
        public const string UninstallRoot = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\";

        public static Finding Violation(InstalledApp app, string ruleId = "tiktok") =>
            new Finding { RuleId = ruleId, RuleName = ruleId, App = app, Status = FindingStatus.Violation };

        public static InstalledApp MachineMsi(string keyName = ProductCode, string uninstallString = null, string computer = "PC01") => new InstalledApp
        {
            ComputerName = computer, Kind = AppKind.Msi, Scope = AppScope.Machine, RegistryView = RegistryView.Registry64,
            DisplayName = "TikTok LIVE Studio", DisplayVersion = "0.56.0", KeyName = keyName, KeyPath = UninstallRoot + keyName,
            UninstallString = uninstallString ?? "MsiExec.exe /X" + keyName, WindowsInstaller = true,
            ProductCode = MsiProductCode.IsValid(keyName) ? keyName : null,
        };

        public static InstalledApp MachineExe(string quiet, string uninstall, string keyName = "TikTok LIVE Studio", string computer = "PC01") => new InstalledApp
        {
            ComputerName = computer, Kind = AppKind.Exe, Scope = AppScope.Machine, RegistryView = RegistryView.Registry64,
            DisplayName = "TikTok LIVE Studio", DisplayVersion = "0.56.0", KeyName = keyName, KeyPath = UninstallRoot + keyName,
            QuietUninstallString = quiet, UninstallString = uninstall,
        };

        public static InstalledApp UserExe(string uninstall, bool msi = false) => new InstalledApp
        {
            ComputerName = "PC01", Kind = msi ? AppKind.Msi : AppKind.Exe, Scope = AppScope.User, RegistryView = RegistryView.User,
            UserSid = AliceSid, UserName = @"CONTOSO\alice", DisplayName = "CapCut", DisplayVersion = "3.0", KeyName = msi ? ProductCode : "CapCut",
            KeyPath = @"HKU\" + AliceSid + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\" + (msi ? ProductCode : "CapCut"),
            UninstallString = uninstall, QuietUninstallString = uninstall, FromUserWritableLocation = true, WindowsInstaller = msi,
            ProductCode = msi ? ProductCode : null,
        };

        public static InstalledApp WebApp() => new InstalledApp
        {
            ComputerName = "PC01", Kind = AppKind.WebApp, Scope = AppScope.User, RegistryView = RegistryView.User,
            UserSid = AliceSid, UserName = @"CONTOSO\alice", DisplayName = "TikTok", Publisher = "Microsoft Edge",
            KeyName = "0123456789abcdef0123456789abcdef",
            KeyPath = @"HKU\" + AliceSid + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\0123456789abcdef0123456789abcdef",
            UninstallString = "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --profile-directory=Default --uninstall-app-id=abc",
            FromUserWritableLocation = true,
        };

        public static InstalledApp StoreApp(string sid = AliceSid, string user = @"CONTOSO\alice", string package = TikTokPackage) => new InstalledApp
        {
            ComputerName = "PC01", Kind = AppKind.StoreApp, Scope = AppScope.User, UserSid = sid, UserName = user,
            DisplayName = "TikTok", DisplayVersion = "1.0.1.0", PackageFullName = package, PackageName = "BytedancePte.Ltd.TikTok",
            PackageFamilyName = TikTokFamily,
        };

        public static InstalledApp Provisioned(string package = TikTokPackage) => new InstalledApp
        {
            ComputerName = "PC01", Kind = AppKind.ProvisionedStoreApp, Scope = AppScope.Machine,
            DisplayName = "TikTok", DisplayVersion = "1.0.1.0", PackageFullName = package, PackageName = "BytedancePte.Ltd.TikTok",
            PackageFamilyName = TikTokFamily,
        };
    }
}
