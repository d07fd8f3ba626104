using System.Collections.Generic;
using AppBan.Engine.Cim;

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
        /// For a signed-out user, true only when a copy of their classes hive was read (see <see cref="InventoryReader.ReadSignedOutProfiles"/>):
        /// nothing else on the device says which packages are theirs.
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
        /// <summary>
        /// The user is signed out and a hive of theirs could not be loaded for the scan (they signed in meanwhile, the file
        /// is missing or in use); <see cref="UserNotScanned.Message"/> says which. Nothing of that hive was read.
        /// </summary>
        HiveLoadFailed,
        /// <summary>
        /// The user is signed out and their ProfileImagePath is missing or failed the checks (not a plain local path), so
        /// their hive was never loaded.
        /// </summary>
        ProfilePathRefused,
        /// <summary>
        /// The user is signed out and the command that loads hives could not run or did not finish (the account may not
        /// start processes, the time bound passed), or its copy could not be read.
        /// </summary>
        SnapshotFailed,
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
        /// <summary>What went wrong, for the reasons that need more than their name (a signed-out user's); else null.</summary>
        public string Message { get; set; }

        public override string ToString() =>
            (string.IsNullOrEmpty(UserName) ? Sid : UserName + " (" + Sid + ")") + ": " + Reason
            + (string.IsNullOrEmpty(Message) ? string.Empty : " (" + Message + ")");
    }

    /// <summary>One registry value as read: its type and its data (string, uint, ulong, string[]; null for binary).</summary>
    public sealed class RegistryValueData
    {
        public RegistryValueData(RegistryValueKind kind, object value)
        {
            Kind = kind;
            Value = value;
        }

        public RegistryValueKind Kind { get; }
        public object Value { get; }
    }

    /// <summary>What <see cref="InventoryReader"/> read from one target.</summary>
    public sealed class InventoryResult
    {
        public string ComputerName { get; set; }
        /// <summary>
        /// The name the target gives itself (<see cref="MachineNames.ActiveComputerNameKey"/>), beside the name it was reached
        /// by; null when it could not be read or is not a valid name (a warning says which).
        /// </summary>
        public string MachineName { get; set; }
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
        /// <summary>
        /// Round trips in sequence: the longest chain of operations in which each was started by the answer of the one
        /// before (listing a key, then a name under it, then a candidate's values). With operations in flight at once, a
        /// read needs at least this many latencies however fast the target answers the rest.
        /// </summary>
        public int CriticalPath { get; set; }
        /// <summary>
        /// The policy keys of signed-out users' hives (Software\Policies and below), as their copies held them: key path as
        /// it is in the user's own hive (HKU\&lt;SID&gt;\Software\Policies\...) to that key's values by name. A key without
        /// values is listed with none. Empty when no signed-out user's hive was read.
        /// </summary>
        public IReadOnlyDictionary<string, IReadOnlyDictionary<string, RegistryValueData>> SignedOutPolicies { get; set; }
            = new Dictionary<string, IReadOnlyDictionary<string, RegistryValueData>>();
    }
}
