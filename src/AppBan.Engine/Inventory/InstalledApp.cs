using System;

namespace AppBan.Engine.Inventory
{
    public enum AppKind { Msi, Exe, StoreApp, ProvisionedStoreApp, WebApp }

    public enum AppScope { Machine, User }

    /// <summary>Which registry view an uninstall entry was read from; None for Store packages.</summary>
    public enum RegistryView { None, Registry64, Registry32, User }

    /// <summary>
    /// One installed app instance as read from a target. Every string here may come from a location an
    /// unprivileged user can write (HKU, including the user's package repository): treat as untrusted input.
    /// </summary>
    public sealed class InstalledApp
    {
        public string ComputerName { get; set; }
        public AppKind Kind { get; set; }
        public AppScope Scope { get; set; }
        public RegistryView RegistryView { get; set; }
        /// <summary>SID of the user for per-user entries and Store packages; null for machine scope.</summary>
        public string UserSid { get; set; }
        public string UserName { get; set; }

        public string DisplayName { get; set; }
        public string DisplayVersion { get; set; }
        public string Publisher { get; set; }
        public string InstallLocation { get; set; }
        public string InstallDate { get; set; }

        /// <summary>Uninstall key name (the last path segment), e.g. "{GUID}" or "CapCut".</summary>
        public string KeyName { get; set; }
        /// <summary>Full key path with hive, e.g. HKLM\SOFTWARE\...\Uninstall\CapCut.</summary>
        public string KeyPath { get; set; }
        public string UninstallString { get; set; }
        public string QuietUninstallString { get; set; }
        public bool WindowsInstaller { get; set; }
        /// <summary>Inno Setup writes "Inno Setup: App Path" into its entries; null when absent.</summary>
        public string InnoSetupAppPath { get; set; }
        /// <summary>WiX Burn bundles write BundleCachePath (the cached bundle .exe); null when absent.</summary>
        public string BundleCachePath { get; set; }
        /// <summary>The entry has a BundleUpgradeCode value (WiX Burn; a multi-string, so only its presence is kept).</summary>
        public bool HasBundleUpgradeCode { get; set; }
        /// <summary>MSI ProductCode when the key name validates as a GUID and WindowsInstaller=1.</summary>
        public string ProductCode { get; set; }

        /// <summary>Store packages: PackageFullName (Name_Version_Arch_ResourceId_PublisherId).</summary>
        public string PackageFullName { get; set; }
        public string PackageName { get; set; }
        public string PackageFamilyName { get; set; }
        /// <summary>
        /// Store packages: the bundle (Name_Version_neutral_~_PublisherId) of the same family that the device's package
        /// repository lists, or null. Remove-AppxPackage -AllUsers works off the package type, so it needs this name
        /// when the package came in a bundle [doc: Remove-AppxPackage].
        /// </summary>
        public string PackageBundleFullName { get; set; }

        /// <summary>
        /// True when the entry was read from a location the user can write (HKU, the profile). Nothing from
        /// such an entry is ever executed with admin or SYSTEM rights.
        /// </summary>
        public bool FromUserWritableLocation { get; set; }

        /// <summary>
        /// True when the entry or package was read from a copy of a signed-out user's hive (loaded briefly for the scan).
        /// <see cref="KeyPath"/> still names where it lives in that user's own hive (HKU\&lt;SID&gt;\...), which is not
        /// loaded now; the copy AppBan read from is gone.
        /// </summary>
        public bool SignedOut { get; set; }
    }
}
