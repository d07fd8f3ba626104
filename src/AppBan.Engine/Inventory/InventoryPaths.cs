using System;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Inventory
{
    /// <summary>Where installed apps live in the registry (see WINDOWS-FACTS "Where installed apps live").</summary>
    internal static class InventoryPaths
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
        /// <summary>
        /// The deployment service's store. Only Applications\&lt;PackageFullName&gt; (provisioned for new users) is read;
        /// &lt;SID&gt;\&lt;PackageFullName&gt; is work still pending for that user, not what is installed [3rd: engramic-ai/baseline-tool,
        /// AppxOracleTests.cs, compared with Get-AppxPackage -AllUsers on Windows].
        /// </summary>
        public const string AppxAllUserStoreKey = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
        public const string ProvisionedSubKey = "Applications";
        /// <summary>
        /// Under HKLM: one key per package on the device (staged or registered for anyone; bundles and resource packages
        /// too), named by its full name; a package removed from the device loses its key [3rd: engramic-ai/baseline-tool,
        /// AppxRepository.cs, tested against Get-AppxPackage]. Written only by the deployment service, so trusted.
        /// </summary>
        public const string DevicePackageRepositoryKey = @"SOFTWARE\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\PackageRepository\Packages";
        /// <summary>
        /// Under HKU\&lt;SID&gt;_Classes (loaded while the user is signed in): one key per main and framework package
        /// registered for the user. Keys can outlive an update or a removal, so a name counts only while the device
        /// repository lists it too [3rd: same source].
        /// </summary>
        public const string UserPackageRepositoryKey = @"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";
        /// <summary>The suffix of a user's classes hive (UsrClass.dat) beside their own hive under HKU.</summary>
        public const string ClassesHiveSuffix = "_Classes";

        /// <summary>HKU subkey of a user's package repository.</summary>
        public static string UserPackageRepository(string sid) => sid + ClassesHiveSuffix + "\\" + UserPackageRepositoryKey;

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
