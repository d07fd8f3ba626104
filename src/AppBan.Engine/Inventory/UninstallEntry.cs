using System;
using System.Collections.Generic;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Inventory
{
    /// <summary>The values of one uninstall key that inventory reads. Null means the value is absent.</summary>
    internal sealed class UninstallEntryValues
    {
        public string DisplayName { get; set; }
        public string DisplayVersion { get; set; }
        public string Publisher { get; set; }
        public string InstallLocation { get; set; }
        public string InstallDate { get; set; }
        public string UninstallString { get; set; }
        public string QuietUninstallString { get; set; }
        public uint? WindowsInstaller { get; set; }
        public string InnoSetupAppPath { get; set; }
        public string BundleCachePath { get; set; }
        public bool HasBundleUpgradeCode { get; set; }
        public uint? SystemComponent { get; set; }
        public string ParentKeyName { get; set; }
        public string ReleaseType { get; set; }
    }

    /// <summary>Why a key with a DisplayName is still not an installed app.</summary>
    internal enum UninstallEntryExclusion
    {
        None,
        /// <summary>No DisplayName: Windows does not show the entry.</summary>
        NoDisplayName,
        /// <summary>SystemComponent=1: hidden from Programs and Features.</summary>
        SystemComponent,
        /// <summary>ParentKeyName set: a child of another entry (a patch or a component).</summary>
        HasParent,
        /// <summary>ReleaseType names an update (Security Update, Update, Hotfix, Service Pack, Update Rollup).</summary>
        Update,
    }

    /// <summary>
    /// One uninstall root: which hive and key, and what every entry under it is (scope, view, owner). A signed-out user's
    /// root is read from a copy elsewhere (<see cref="ReadHive"/>, <see cref="ReadSubKey"/>) but stays, for everything it
    /// says about its entries, the user's own key.
    /// </summary>
    internal sealed class UninstallRoot
    {
        public UninstallRoot(RegistryHive hive, string subKey, AppScope scope, RegistryView view, string userSid)
            : this(hive, subKey, scope, view, userSid, hive, subKey)
        {
        }

        private UninstallRoot(RegistryHive hive, string subKey, AppScope scope, RegistryView view, string userSid, RegistryHive readHive, string readSubKey)
        {
            Hive = hive;
            SubKey = subKey;
            Scope = scope;
            View = view;
            UserSid = userSid;
            ReadHive = readHive;
            ReadSubKey = readSubKey;
        }

        /// <summary>Where the entries live: the hive and key their KeyPath names.</summary>
        public RegistryHive Hive { get; }
        public string SubKey { get; }
        /// <summary>Where they are read from: the same key, or the copy of a signed-out user's key.</summary>
        public RegistryHive ReadHive { get; }
        public string ReadSubKey { get; }
        /// <summary>Read from the copy of a signed-out user's hive.</summary>
        public bool SignedOut => ReadHive != Hive || !string.Equals(ReadSubKey, SubKey, StringComparison.OrdinalIgnoreCase);
        public AppScope Scope { get; }
        public RegistryView View { get; }
        public string UserSid { get; }
        /// <summary>Everything under HKU can be written by that user.</summary>
        public bool IsUserWritable => Hive == RegistryHive.Users || Hive == RegistryHive.CurrentUser;
        public string DisplayPath => InventoryPaths.Format(Hive, SubKey);

        public static UninstallRoot Machine64 { get; } =
            new UninstallRoot(RegistryHive.LocalMachine, InventoryPaths.UninstallKey, AppScope.Machine, RegistryView.Registry64, null);

        public static UninstallRoot Machine32 { get; } =
            new UninstallRoot(RegistryHive.LocalMachine, InventoryPaths.Wow6432UninstallKey, AppScope.Machine, RegistryView.Registry32, null);

        public static UninstallRoot ForUser(string sid) =>
            new UninstallRoot(RegistryHive.Users, sid + "\\" + InventoryPaths.UserUninstallKey, AppScope.User, RegistryView.User, sid);

        /// <summary>
        /// A signed-out user's uninstall key, read from its copy at HKLM\<paramref name="copySubKey"/>. The entries are
        /// still the user's (user scope, user-writable, KeyPath under HKU\&lt;SID&gt;): the copy sits in an admin-only key,
        /// but what it holds the user wrote.
        /// </summary>
        public static UninstallRoot ForSignedOutUser(string sid, string copySubKey) =>
            new UninstallRoot(RegistryHive.Users, sid + "\\" + InventoryPaths.UserUninstallKey, AppScope.User, RegistryView.User, sid,
                RegistryHive.LocalMachine, copySubKey);
    }

    /// <summary>
    /// How an uninstall entry is filtered and classified [3rd: the usual Programs and Features rules, WINDOWS-FACTS].
    /// </summary>
    internal static class UninstallEntryRules
    {
        /// <summary>Chromium writes this switch into the UninstallString of every web app it installs [doc, Chromium source].</summary>
        public const string WebAppUninstallSwitch = "--uninstall-app-id=";

        /// <summary>The values read for a candidate beyond DisplayName; the first three decide exclusion.</summary>
        public static readonly IReadOnlyList<string> ExclusionValueNames = new[] { "SystemComponent", "ParentKeyName", "ReleaseType" };

        public static readonly IReadOnlyList<string> DetailValueNames = new[]
        {
            "DisplayVersion", "Publisher", "InstallLocation", "InstallDate", "UninstallString", "QuietUninstallString", "WindowsInstaller",
            // What the installer technology writes beside the usual values (UninstallerKinds reads them).
            InnoSetupAppPathValueName, "BundleCachePath",
        };

        /// <summary>[3rd: Inno Setup writes "Inno Setup: App Path", "Inno Setup: Setup Version", ... into its uninstall key]</summary>
        public const string InnoSetupAppPathValueName = "Inno Setup: App Path";

        /// <summary>
        /// [guess W110] Burn writes BundleUpgradeCode as REG_MULTI_SZ, which inventory does not read as text: its presence in
        /// the key's value list is what is kept.
        /// </summary>
        public const string BundleUpgradeCodeValueName = "BundleUpgradeCode";

        private static readonly string[] UpdateReleaseTypes = { "Security Update", "Update", "Hotfix", "Service Pack", "Update Rollup" };

        public static UninstallEntryExclusion ExclusionOf(UninstallEntryValues values)
        {
            if (values == null || string.IsNullOrWhiteSpace(values.DisplayName)) return UninstallEntryExclusion.NoDisplayName;
            if (values.SystemComponent == 1) return UninstallEntryExclusion.SystemComponent;
            if (!string.IsNullOrWhiteSpace(values.ParentKeyName)) return UninstallEntryExclusion.HasParent;
            if (IsUpdateReleaseType(values.ReleaseType)) return UninstallEntryExclusion.Update;
            return UninstallEntryExclusion.None;
        }

        public static bool IsUpdateReleaseType(string releaseType)
        {
            if (string.IsNullOrWhiteSpace(releaseType)) return false;
            foreach (var t in UpdateReleaseTypes)
                if (string.Equals(releaseType.Trim(), t, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        /// <summary>A browser web app: a per-user entry whose UninstallString carries --uninstall-app-id=.</summary>
        public static bool IsWebApp(UninstallRoot root, UninstallEntryValues values) =>
            root.Scope == AppScope.User
            && values.UninstallString != null
            && values.UninstallString.IndexOf(WebAppUninstallSwitch, StringComparison.OrdinalIgnoreCase) >= 0;

        public static AppKind KindOf(UninstallRoot root, UninstallEntryValues values)
        {
            if (IsWebApp(root, values)) return AppKind.WebApp;
            return values.WindowsInstaller == 1 ? AppKind.Msi : AppKind.Exe;
        }

        /// <summary>Builds the record for a visible entry; call only when <see cref="ExclusionOf"/> says None.</summary>
        public static InstalledApp ToInstalledApp(string computerName, UninstallRoot root, string keyName, UninstallEntryValues values,
            string userName)
        {
            var kind = KindOf(root, values);
            return new InstalledApp
            {
                ComputerName = computerName,
                Kind = kind,
                Scope = root.Scope,
                RegistryView = root.View,
                UserSid = root.UserSid,
                UserName = userName,
                DisplayName = values.DisplayName,
                DisplayVersion = values.DisplayVersion,
                Publisher = values.Publisher,
                InstallLocation = values.InstallLocation,
                InstallDate = values.InstallDate,
                KeyName = keyName,
                KeyPath = root.DisplayPath + "\\" + keyName,
                UninstallString = values.UninstallString,
                QuietUninstallString = values.QuietUninstallString,
                WindowsInstaller = values.WindowsInstaller == 1,
                InnoSetupAppPath = values.InnoSetupAppPath,
                BundleCachePath = values.BundleCachePath,
                HasBundleUpgradeCode = values.HasBundleUpgradeCode,
                // Only a key name that is exactly a braced GUID, on an entry that says it is MSI.
                ProductCode = values.WindowsInstaller == 1 ? MsiProductCode.TryNormalize(keyName) : null,
                FromUserWritableLocation = root.IsUserWritable,
                SignedOut = root.SignedOut,
            };
        }
    }
}
