using System;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Inventory
{
    /// <summary>Where installed apps live in the registry (see WINDOWS-FACTS "Where installed apps live").</summary>
    public static class InventoryPaths
    {
        public const string UninstallKey = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        public const string Wow6432UninstallKey = @"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall";
        /// <summary>
        /// Per user, under HKU\&lt;SID&gt;. HKCU\Software is shared between the 32- and 64-bit views, so one location
        /// holds both [guess W010: per "Registry Keys Affected by WOW64", not checked on a machine].
        /// </summary>
        public const string UserUninstallKey = @"Software\Microsoft\Windows\CurrentVersion\Uninstall";
        public const string ProfileListKey = @"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";
        public const string ProfileImagePathValue = "ProfileImagePath";
        /// <summary>Store packages: &lt;SID&gt;\&lt;PackageFullName&gt; per user, Applications\&lt;PackageFullName&gt; provisioned [3rd].</summary>
        public const string AppxAllUserStoreKey = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
        public const string ProvisionedSubKey = "Applications";

        public const string LocalMachinePrefix = "HKLM";
        public const string UsersPrefix = "HKU";

        /// <summary>"HKLM\..." or "HKU\..." for a hive and subkey.</summary>
        public static string Format(RegistryHive hive, string subKey)
        {
            string prefix;
            switch (hive)
            {
                case RegistryHive.LocalMachine: prefix = LocalMachinePrefix; break;
                case RegistryHive.Users: prefix = UsersPrefix; break;
                case RegistryHive.CurrentUser: prefix = "HKCU"; break;
                case RegistryHive.ClassesRoot: prefix = "HKCR"; break;
                default: throw new ArgumentOutOfRangeException(nameof(hive));
            }
            return string.IsNullOrEmpty(subKey) ? prefix : prefix + "\\" + subKey;
        }

        /// <summary>Splits "HKLM\..." or "HKU\..." (also the long HKEY_ forms) into hive and subkey.</summary>
        public static bool TryParse(string keyPath, out RegistryHive hive, out string subKey)
        {
            hive = default(RegistryHive);
            subKey = null;
            if (string.IsNullOrEmpty(keyPath)) return false;
            var slash = keyPath.IndexOf('\\');
            var root = slash < 0 ? keyPath : keyPath.Substring(0, slash);
            switch (root.ToUpperInvariant())
            {
                case "HKLM": case "HKEY_LOCAL_MACHINE": hive = RegistryHive.LocalMachine; break;
                case "HKU": case "HKEY_USERS": hive = RegistryHive.Users; break;
                case "HKCU": case "HKEY_CURRENT_USER": hive = RegistryHive.CurrentUser; break;
                case "HKCR": case "HKEY_CLASSES_ROOT": hive = RegistryHive.ClassesRoot; break;
                default: return false;
            }
            subKey = slash < 0 ? string.Empty : keyPath.Substring(slash + 1).Trim('\\');
            return true;
        }
    }
}
