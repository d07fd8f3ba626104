using System.Collections.Generic;

namespace AppBan.Engine.Inventory
{
    /// <summary>A user profile on the target, from HKLM\...\ProfileList (admin-only, so trusted).</summary>
    public sealed class UserProfile
    {
        public string Sid { get; set; }
        /// <summary>
        /// The profile folder's name (C:\Users\alice gives "alice"). Taken from ProfileList, never from the user's own
        /// hive, which the user could rewrite. [guess W013] The folder name is the account name for most profiles; it can
        /// differ (alice.CONTOSO, renamed accounts).
        /// </summary>
        public string UserName { get; set; }
        public string ProfileImagePath { get; set; }
        /// <summary>True when HKU\&lt;SID&gt; is loaded (the user is logged on or the hive is otherwise mounted).</summary>
        public bool HiveLoaded { get; set; }
        /// <summary>
        /// True when the user's package repository (in HKU\&lt;SID&gt;_Classes) was read: their Store packages are known.
        /// False for a signed-out user: nothing on the device says which packages are theirs.
        /// </summary>
        public bool StorePackagesRead { get; set; }
    }

    public enum UserNotScannedReason
    {
        /// <summary>The profile exists but its hive is not loaded: neither per-user uninstall entries nor Store packages can be read.</summary>
        HiveNotLoaded,
        /// <summary>The hive is loaded but reading its uninstall entries was denied.</summary>
        AccessDenied,
        /// <summary>The hive could not be read for another reason (see the target's warnings).</summary>
        ReadFailed,
        /// <summary>
        /// The user's own hive is loaded but their classes hive (HKU\&lt;SID&gt;_Classes) is not: their uninstall entries
        /// were read, their Store packages were not.
        /// </summary>
        ClassesHiveNotLoaded,
    }

    /// <summary>
    /// A user of whom something was not read: their per-user uninstall entries, their Store packages, or both. Store
    /// packages are per user in the user's classes hive, which is loaded only while they are signed in.
    /// </summary>
    public sealed class UserNotScanned
    {
        public string Sid { get; set; }
        public string UserName { get; set; }
        public UserNotScannedReason Reason { get; set; }
        /// <summary>False when the user's per-user uninstall entries were not read.</summary>
        public bool UninstallEntriesRead { get; set; }
        /// <summary>False when the user's Store packages (their package repository) were not read.</summary>
        public bool StorePackagesRead { get; set; }

        public override string ToString() =>
            (string.IsNullOrEmpty(UserName) ? Sid : UserName + " (" + Sid + ")") + ": " + Reason;
    }

    /// <summary>What <see cref="InventoryReader"/> read from one target.</summary>
    public sealed class InventoryResult
    {
        public string ComputerName { get; set; }
        /// <summary>Visible uninstall entries the pre-filter kept, fully read, plus every Store package.</summary>
        public IReadOnlyList<InstalledApp> Apps { get; set; }
        public IReadOnlyList<UserProfile> Users { get; set; }
        public IReadOnlyList<UserNotScanned> UsersNotScanned { get; set; }
        /// <summary>Everything worth telling the operator; each names the computer.</summary>
        public IReadOnlyList<string> Warnings { get; set; }
        /// <summary>True when some part of the registry could not be read (a hive, a key): the picture is incomplete.</summary>
        public bool IsPartial { get; set; }

        /// <summary>Uninstall keys enumerated across every root (HKLM 64-bit, WOW6432Node, each loaded user hive).</summary>
        public int UninstallKeyCount { get; set; }
        /// <summary>Keys the pre-filter kept and whose values were read in full.</summary>
        public int CandidateKeyCount { get; set; }
        /// <summary>Keys with no DisplayName (not shown to users).</summary>
        public int HiddenKeyCount { get; set; }
        /// <summary>Candidate keys dropped by the filtering rules (SystemComponent, ParentKeyName, update ReleaseType).</summary>
        public int ExcludedKeyCount { get; set; }
        /// <summary>Uninstall roots read: HKLM 64-bit, WOW6432Node and every loaded user hive.</summary>
        public int UninstallRootCount { get; set; }
        public int StorePackageCount { get; set; }
        /// <summary>
        /// Every package full name the device's package repository lists (staged or registered for anyone, bundles and
        /// resource packages included); empty when it could not be read. Says nothing about which user has a package.
        /// </summary>
        public IReadOnlyList<string> DevicePackages { get; set; }
        /// <summary>CIM operations this read issued.</summary>
        public int OperationCount { get; set; }
    }
}
