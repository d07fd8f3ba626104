using AppBan.Engine.Inventory;

namespace AppBan.Engine.Tests.Policy
{
    /// <summary>Installed apps as inventory reports them, for matching tests.</summary>
    internal static class Apps
    {
        public const string AliceSid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        public const string BobSid = "S-1-5-21-1004336348-1177238915-682003330-1002";

        public static InstalledApp TikTokStore(string userSid = AliceSid, string userName = @"PARL\alice", string computer = "PC-01") => new InstalledApp
        {
            ComputerName = computer,
            Kind = AppKind.StoreApp,
            Scope = AppScope.User,
            UserSid = userSid,
            UserName = userName,
            DisplayName = "TikTok",
            PackageFullName = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se",
            PackageName = "BytedancePte.Ltd.TikTok",
            PackageFamilyName = "BytedancePte.Ltd.TikTok_6yccndn6064se",
            FromUserWritableLocation = true,
        };

        public static InstalledApp TikTokProvisioned(string computer = "PC-01") => new InstalledApp
        {
            ComputerName = computer,
            Kind = AppKind.ProvisionedStoreApp,
            Scope = AppScope.Machine,
            PackageFullName = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se",
        };

        public static InstalledApp CapCut(string userSid = AliceSid, string userName = @"PARL\alice", string computer = "PC-01") => new InstalledApp
        {
            ComputerName = computer,
            Kind = AppKind.Exe,
            Scope = AppScope.User,
            RegistryView = RegistryView.User,
            UserSid = userSid,
            UserName = userName,
            DisplayName = "CapCut",
            Publisher = "Bytedance Pte. Ltd.",
            KeyName = "CapCut",
            KeyPath = @"HKU\" + userSid + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut",
            UninstallString = "\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\"",
            FromUserWritableLocation = true,
        };

        public static InstalledApp UninstallEntry(string keyName, string displayName, string publisher = null, AppScope scope = AppScope.Machine,
            string uninstallString = null, string userSid = null, string computer = "PC-01") => new InstalledApp
        {
            ComputerName = computer,
            Kind = AppKind.Exe,
            Scope = scope,
            RegistryView = scope == AppScope.User ? RegistryView.User : RegistryView.Registry64,
            UserSid = userSid ?? (scope == AppScope.User ? AliceSid : null),
            KeyName = keyName,
            DisplayName = displayName,
            Publisher = publisher,
            UninstallString = uninstallString,
            FromUserWritableLocation = scope == AppScope.User,
        };

        public static InstalledApp WebApp(string displayName = "TikTok", AppScope scope = AppScope.User, string userSid = AliceSid) => new InstalledApp
        {
            ComputerName = "PC-01",
            Kind = AppKind.WebApp,
            Scope = scope,
            RegistryView = RegistryView.User,
            UserSid = scope == AppScope.User ? userSid : null,
            KeyName = "2a2c4a54f0d3a1b06c8e1bd9c3d5e0f1",
            DisplayName = displayName,
            Publisher = "Microsoft Edge",
            UninstallString = "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --profile-directory=Default --uninstall-app-id=fhihpiojkbmbpdjeoajapmgkhlnakfjf",
            FromUserWritableLocation = true,
        };

        public static InstalledApp Msi(string productCode, string displayName = "Some product") => new InstalledApp
        {
            ComputerName = "PC-01",
            Kind = AppKind.Msi,
            Scope = AppScope.Machine,
            RegistryView = RegistryView.Registry64,
            KeyName = productCode,
            ProductCode = productCode,
            WindowsInstaller = true,
            DisplayName = displayName,
            UninstallString = "MsiExec.exe /X" + productCode,
        };
    }
}
