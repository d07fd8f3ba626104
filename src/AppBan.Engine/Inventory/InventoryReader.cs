using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Inventory
{
    /// <summary>
    /// Reads what is installed on one target through StdRegProv (never Win32_Product): uninstall entries under HKLM
    /// (64-bit view and WOW6432Node) and every loaded user hive, user profiles, Store packages per user and provisioned,
    /// and browser web apps. Signed-out users' hives are read from a short-lived copy (InventoryReader.SignedOut.cs).
    /// <para>
    /// Cost: EnumKey per uninstall root, then ONE GetStringValue(DisplayName) per key. Only keys the caller's
    /// pre-filter keeps (the policy's MightMatch) get their other values read: EnumValues, then one read per value
    /// present among those inventory uses. Store packages come from key names alone. Per target this adds a small
    /// constant: ProfileList (EnumKey + one read per profile), HKU (EnumKey), the device's package repository and
    /// AppxAllUserStore\Applications (one EnumKey each), and one EnumKey per signed-in user's package repository. Several operations are in flight at once (<see cref="MaxConcurrentOperations"/>).
    /// Each read starts as soon as the answer it needs is in (a key's name, a candidate's DisplayName), never in phases;
    /// listings and candidates' values go ahead of the bulk of DisplayName reads (<see cref="OperationThrottle"/>).
    /// Signed-out users cost nothing when there are none; see InventoryReader.SignedOut.cs for what each costs.
    /// </para>
    /// <para>
    /// Failures: a StdRegProv ReturnValue that denies one hive or key is recorded as a warning and marks the result
    /// partial; everything else that was found is kept. A transport failure (a <see cref="CimException"/>) stops the
    /// whole read, cancels what is in flight, and is rethrown: the target is unreachable or broken, not partial. When
    /// every root read is denied the read fails with <see cref="CimErrorKind.AccessDenied"/>.
    /// </para>
    /// <para>
    /// A user's hive is theirs to write, so nothing in it may fail the target: a reply about one entry there that cannot
    /// be read, or a provider fault for it, is a warning naming that entry, and only that entry is skipped. A value or
    /// key name holding characters XML 1.0 cannot carry (<see cref="XmlCharacters"/>) or U+FFFD (bytes the reply could
    /// not carry) is kept as read and named in a warning, in <see cref="XmlCharacters.Visible"/> form.
    /// </para>
    /// </summary>
    internal sealed partial class InventoryReader : IInstallVerifier
    {
        public const int DefaultMaxConcurrentOperations = 64;

        public InventoryReader(RegistryClient registry)
        {
            Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        }

        public RegistryClient Registry { get; }
        public string ComputerName => Registry.Session.ComputerName;

        /// <summary>
        /// Operations in flight at once on this target (the session needs as many connections: CimSessionFactory). WinRM
        /// refuses a user's operations beyond MaxConcurrentOperationsPerUser, 1500 by default since Windows 8 and Server
        /// 2012, so on 2012 R2 and 2016 too [doc: MS-WSMV 2.2.4.36 ServiceType, default 1500] [3rd: `winrm get
        /// winrm/config` on Server 2012 R2: MaxConcurrentOperationsPerUser = 1500, MaxConnections = 300]; 64 is a
        /// twentieth of that, and a fifth of the 300 requests the service takes from all users at once. [guess W039] 64
        /// stays within what WMI's provider host absorbs for registry reads. WinRM 2.0 (Windows 7, Server 2008 R2) allowed
        /// 15 [capture: txwinrm-data_error-max_concurrent.xml], which the previous 16 already passed. With the simulated
        /// laptop's 196 operations, 64 lets a scan's DisplayName reads go in three waves instead of twelve, so a scan
        /// takes little more than its critical path (<see cref="InventoryResult.CriticalPath"/>) in round trips.
        /// </summary>
        public int MaxConcurrentOperations { get; set; } = DefaultMaxConcurrentOperations;

        /// <summary>
        /// Reads the hives of users who are signed out by loading them briefly (<see cref="SignedOutProfiles"/>): one elevated
        /// command per target, only when such a user exists. Off: they are named with <see cref="UserNotScannedReason.HiveNotLoaded"/>.
        /// </summary>
        public bool ReadSignedOutProfiles { get; set; } = true;

        /// <summary>How long one snapshot command may run before its users are named as not read.</summary>
        public TimeSpan SignedOutSnapshotTimeout { get; set; } = SignedOutProfiles.DefaultTimeout;

        /// <summary>The time snapshot keys are named and swept by.</summary>
        public IClock Clock { get; set; } = SystemClock.Instance;

        /// <summary>How often a running snapshot command is polled; tests may shorten it.</summary>
        public TimeSpan SnapshotPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

        /// <summary>
        /// Reads the inventory. <paramref name="isCandidate"/> gets (uninstall key name, DisplayName) and says whether the
        /// entry could be of interest; only those are read in full. Null keeps every visible entry (costly: several
        /// operations per key). Store packages are always returned: they cost nothing beyond the enumeration.
        /// </summary>
        public Task<InventoryResult> ReadAsync(Func<string, string, bool> isCandidate, CancellationToken cancellationToken)
        {
            return new Scan(this, isCandidate, false, cancellationToken).RunAsync();
        }

        /// <summary>
        /// Reads only the Store side of a scan (profiles, loaded hives, the device's package repository and each signed-in
        /// user's) and names the users of <paramref name="app"/>'s family and those whose packages were not read.
        /// </summary>
        public async Task<StoreFamilyHolders> ReadStoreFamilyHoldersAsync(InstalledApp app, CancellationToken cancellationToken)
        {
            if (app == null) throw new ArgumentNullException(nameof(app));
            var identity = PackageIdentity.TryParse(app.PackageFullName)
                ?? throw new ArgumentException("The app has no valid PackageFullName.", nameof(app));
            var read = await new Scan(this, null, true, cancellationToken).RunAsync().ConfigureAwait(false);
            return new StoreFamilyHolders
            {
                UserSids = read.Apps.Where(a => a.Kind == AppKind.StoreApp && identity.IsSameFamily(PackageIdentity.TryParse(a.PackageFullName)))
                    .Select(a => a.UserSid).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                UsersNotRead = read.UsersNotScanned.Where(u => !u.StorePackagesRead).ToList(),
            };
        }

        /// <summary>
        /// Re-scans one app: does its uninstall entry still have a DisplayName (a user's entry whose hive is not loaded, as
        /// a signed-out user's, counts as still there: nothing says otherwise), or does its user's package repository
        /// (or the provisioned store) still hold a package of the same family that the device's repository lists? A family
        /// match, not the exact full name, so an update installed meanwhile still counts as installed. Throws
        /// <see cref="CimException"/> when it cannot tell.
        /// </summary>
        public async Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken)
        {
            if (app == null) throw new ArgumentNullException(nameof(app));
            if (app.Kind == AppKind.StoreApp || app.Kind == AppKind.ProvisionedStoreApp)
            {
                var identity = PackageIdentity.TryParse(app.PackageFullName)
                    ?? throw new ArgumentException("The app has no valid PackageFullName.", nameof(app));
                if (app.Kind == AppKind.ProvisionedStoreApp)
                {
                    var provisioned = InventoryPaths.AppxAllUserStoreKey + "\\" + InventoryPaths.ProvisionedSubKey;
                    return (await ListAsync(RegistryHive.LocalMachine, provisioned, cancellationToken).ConfigureAwait(false))
                        .Any(n => identity.IsSameFamily(PackageIdentity.TryParse(n)));
                }
                if (!string.IsNullOrEmpty(app.UserSid) && !SecurityIdentifiers.IsValid(app.UserSid))
                    throw new ArgumentException("A per-user Store app needs a valid UserSid.", nameof(app));

                // A package of the family on the device: the device's repository, which loses a package's key when it leaves.
                var device = (await ListAsync(RegistryHive.LocalMachine, InventoryPaths.DevicePackageRepositoryKey, cancellationToken).ConfigureAwait(false))
                    .Where(n => { var p = PackageIdentity.TryParse(n); return p != null && !p.IsBundle && identity.IsSameFamily(p); })
                    .ToList();
                if (device.Count == 0 || string.IsNullOrEmpty(app.UserSid)) return device.Count > 0;

                // The user's repository, checked against the device's (its keys can outlive a removal). When the user's
                // classes hive is no longer loaded (they signed out), nothing tells whose copy is left: still installed.
                var userKey = InventoryPaths.UserPackageRepository(app.UserSid);
                var user = await Registry.EnumKeyAsync(RegistryHive.Users, userKey, cancellationToken).ConfigureAwait(false);
                if (user.Outcome == RegistryOutcome.KeyNotFound)
                {
                    var classesHive = await Registry.EnumKeyAsync(RegistryHive.Users, app.UserSid + InventoryPaths.ClassesHiveSuffix, cancellationToken).ConfigureAwait(false);
                    return classesHive.Outcome == RegistryOutcome.KeyNotFound;
                }
                ThrowIfUnreadable(user.Outcome, user.ReturnValue, InventoryPaths.Format(RegistryHive.Users, userKey));
                return user.Value.Any(n => device.Contains(n, StringComparer.OrdinalIgnoreCase));
            }

            if (!InventoryPaths.TryParse(app.KeyPath, out var hive, out var subKey) || string.IsNullOrEmpty(subKey))
                throw new ArgumentException("The app has no valid KeyPath.", nameof(app));
            var name = await ReadStringAsync(Registry, hive, subKey, "DisplayName", false, cancellationToken).ConfigureAwait(false);
            switch (name.Outcome)
            {
                case RegistryOutcome.Success: return !string.IsNullOrWhiteSpace(name.Value);
                case RegistryOutcome.KeyNotFound:
                    // A user's entry whose hive is not loaded (they are signed out, or signed out since the scan): nothing
                    // here says it is gone. One more operation, only for a per-user entry that was not found.
                    return hive == RegistryHive.Users && !await IsUserHiveLoadedAsync(subKey, cancellationToken).ConfigureAwait(false);
                case RegistryOutcome.ValueNotFound: return false;
                default:
                    ThrowIfUnreadable(name.Outcome, name.ReturnValue, app.KeyPath);
                    return true;
            }
        }

        /// <summary>Whether the hive that HKU\<paramref name="subKey"/> lies in (its first segment) is loaded; throws when it cannot tell.</summary>
        private async Task<bool> IsUserHiveLoadedAsync(string subKey, CancellationToken ct)
        {
            var hiveName = subKey.Split('\\')[0];
            var hive = await Registry.EnumKeyAsync(RegistryHive.Users, hiveName, ct).ConfigureAwait(false);
            if (hive.Outcome == RegistryOutcome.KeyNotFound) return false;
            ThrowIfUnreadable(hive.Outcome, hive.ReturnValue, InventoryPaths.Format(RegistryHive.Users, hiveName));
            return true;
        }

        /// <summary>A key's subkeys; empty when the key does not exist; throws when it cannot be read.</summary>
        private async Task<IReadOnlyList<string>> ListAsync(RegistryHive hive, string subKey, CancellationToken ct)
        {
            var list = await Registry.EnumKeyAsync(hive, subKey, ct).ConfigureAwait(false);
            if (list.Outcome == RegistryOutcome.KeyNotFound) return new string[0];
            ThrowIfUnreadable(list.Outcome, list.ReturnValue, InventoryPaths.Format(hive, subKey));
            return list.Value;
        }

        private void ThrowIfUnreadable(RegistryOutcome outcome, uint returnValue, string path)
        {
            if (outcome == RegistryOutcome.Success) return;
            var kind = outcome == RegistryOutcome.AccessDenied ? CimErrorKind.AccessDenied : CimErrorKind.ProviderFailure;
            throw new CimException(kind, ComputerName,
                "Cannot read " + path + " on " + ComputerName + ": " + outcome + " (" + returnValue.ToString(CultureInfo.InvariantCulture) + ").",
                returnValue);
        }

        /// <summary>
        /// Reads a string value with the method its type needs: GetStringValue for REG_SZ, GetExpandedStringValue for
        /// REG_EXPAND_SZ. StdRegProv answers 0x80041005 (type mismatch) to the wrong one [3rd], so on a mismatch the
        /// other method is tried: one extra operation, only for the odd value.
        /// </summary>
        internal static async Task<RegistryResult<string>> ReadStringAsync(RegistryClient registry, RegistryHive hive, string subKey,
            string valueName, bool expandedFirst, CancellationToken ct, Action onRetry = null)
        {
            var first = expandedFirst
                ? await registry.GetExpandedStringValueAsync(hive, subKey, valueName, ct).ConfigureAwait(false)
                : await registry.GetStringValueAsync(hive, subKey, valueName, ct).ConfigureAwait(false);
            if (first.Outcome != RegistryOutcome.TypeMismatch) return first;
            onRetry?.Invoke();
            return expandedFirst
                ? await registry.GetStringValueAsync(hive, subKey, valueName, ct).ConfigureAwait(false)
                : await registry.GetExpandedStringValueAsync(hive, subKey, valueName, ct).ConfigureAwait(false);
        }

        internal static string LastPathSegment(string path)
        {
            var trimmed = path.Trim().TrimEnd('\\', '/');
            var cut = trimmed.LastIndexOfAny(new[] { '\\', '/' });
            var name = cut < 0 ? trimmed : trimmed.Substring(cut + 1);
            return name.Length == 0 ? null : name;
        }

        /// <summary>A user's hive under HKU: a SID, not its _Classes twin, not .DEFAULT, not a service account.</summary>
        internal static bool IsUserHive(string name) =>
            SecurityIdentifiers.IsValid(name) && !SecurityIdentifiers.IsServiceAccount(name);

        /// <summary>One read of one target: its state, throttle and first transport failure.</summary>
        private sealed partial class Scan
        {
            private readonly InventoryReader reader;
            private readonly RegistryClient registry;
            private readonly Func<string, string, bool> isCandidate;
            /// <summary>Only the users' Store packages: no uninstall entry, no provisioned package.</summary>
            private readonly bool storeOnly;
            private readonly CancellationToken outerToken;
            private readonly CancellationTokenSource linked;
            private readonly OperationThrottle throttle;
            private readonly string computer;

            private readonly object gate = new object();
            private readonly List<InstalledApp> apps = new List<InstalledApp>();
            private readonly List<string> warnings = new List<string>();
            private readonly Dictionary<string, UserProfile> profiles = new Dictionary<string, UserProfile>(StringComparer.OrdinalIgnoreCase);
            private readonly Dictionary<string, UserNotScannedReason> deniedUsers = new Dictionary<string, UserNotScannedReason>(StringComparer.OrdinalIgnoreCase);
            private List<string> loadedHives;
            private Task<HashSet<string>> deviceRepository;
            private Task<string> machineName;
            private HashSet<string> deviceNames;
            private readonly HashSet<string> storeRead = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            private readonly Dictionary<string, UserNotScannedReason> storeNotRead = new Dictionary<string, UserNotScannedReason>(StringComparer.OrdinalIgnoreCase);
            private bool partial;
            private int rootsRead;
            private int rootsDenied;
            private CimException firstError;
            private int operations, uninstallKeys, candidates, hidden, excluded, uninstallRoots, packages;
            /// <summary>The longest chain of operations each started by the answer of the one before (round trips in sequence).</summary>
            private int criticalPath;
            /// <summary>Round trips in sequence before every profile path was known (what signed-out users wait for).</summary>
            private int profilesDepth;

            public Scan(InventoryReader reader, Func<string, string, bool> isCandidate, bool storeOnly, CancellationToken ct)
            {
                this.storeOnly = storeOnly;
                this.reader = reader;
                registry = reader.Registry;
                computer = reader.ComputerName;
                this.isCandidate = isCandidate;
                outerToken = ct;
                linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
                throttle = new OperationThrottle(reader.MaxConcurrentOperations);
            }

            private CancellationToken Token => linked.Token;

            public async Task<InventoryResult> RunAsync()
            {
                try
                {
                    // First, beside the other first reads: it adds an operation, never a round trip in sequence.
                    machineName = storeOnly ? Task.FromResult<string>(null) : ReadMachineNameAsync();
                    deviceRepository = ReadDeviceRepositoryAsync();
                    var profilesRead = ReadProfilesAsync();
                    var work = new List<Task> { machineName, profilesRead, deviceRepository, ReadLoadedHivesThenScanAsync() };
                    if (reader.ReadSignedOutProfiles) work.Add(ReadSignedOutUsersAsync(profilesRead));
                    if (!storeOnly)
                        work.AddRange(new[] { ScanUninstallRootAsync(UninstallRoot.Machine64, 0), ScanUninstallRootAsync(UninstallRoot.Machine32, 0), ReadProvisionedAsync() });
                    try
                    {
                        await Task.WhenAll(work).ConfigureAwait(false);
                    }
                    catch (Exception) when (Volatile.Read(ref firstError) != null || outerToken.IsCancellationRequested)
                    {
                        // The first transport failure or the caller's cancel decides; the rest were cancelled by it.
                    }
                    outerToken.ThrowIfCancellationRequested();
                    var error = Volatile.Read(ref firstError);
                    if (error != null) ExceptionDispatchInfo.Capture(error).Throw();
                    deviceNames = deviceRepository.Result;

                    if (rootsRead == 0 && rootsDenied > 0)
                        throw new CimException(CimErrorKind.AccessDenied, computer,
                            "Access denied reading the registry on " + computer + ": no uninstall, profile or Store key could be read.", 5);
                    return BuildResult();
                }
                finally
                {
                    linked.Dispose();
                }
            }

            private InventoryResult BuildResult()
            {
                var loaded = new HashSet<string>(loadedHives ?? new List<string>(), StringComparer.OrdinalIgnoreCase);
                foreach (var p in profiles.Values) p.HiveLoaded = loaded.Contains(p.Sid);
                foreach (var p in profiles.Values) p.StorePackagesRead = storeRead.Contains(p.Sid);
                var notScanned = new List<UserNotScanned>();
                foreach (var p in profiles.Values.OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase))
                {
                    var entry = NotScanned(p.Sid, p.HiveLoaded);
                    if (entry == null) continue;
                    entry.UserName = p.UserName;
                    notScanned.Add(entry);
                }
                // A loaded hive that ProfileList does not know (it could not be read) is still named when it failed.
                foreach (var sid in deniedUsers.Keys.Concat(storeNotRead.Keys).Where(s => !profiles.ContainsKey(s)).Distinct(StringComparer.OrdinalIgnoreCase)
                             .OrderBy(s => s, StringComparer.OrdinalIgnoreCase))
                    notScanned.Add(NotScanned(sid, true));

                foreach (var app in apps.Where(a => a.UserSid != null && a.UserName == null))
                    app.UserName = UserNameOf(app.UserSid);

                return new InventoryResult
                {
                    ComputerName = computer,
                    MachineName = machineName?.Status == TaskStatus.RanToCompletion ? machineName.Result : null,
                    Apps = apps.OrderBy(a => a.KeyPath, StringComparer.OrdinalIgnoreCase).ToList(),
                    Users = profiles.Values.OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase).ToList(),
                    UsersNotScanned = notScanned,
                    Warnings = warnings.ToList(),
                    IsPartial = partial,
                    UninstallKeyCount = uninstallKeys,
                    CandidateKeyCount = candidates,
                    HiddenKeyCount = hidden,
                    ExcludedKeyCount = excluded,
                    UninstallRootCount = uninstallRoots,
                    StorePackageCount = packages,
                    DevicePackages = (deviceNames ?? new HashSet<string>()).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToList(),
                    OperationCount = operations,
                    CriticalPath = criticalPath,
                    SignedOutPolicies = SignedOutPolicyMap(),
                };
            }

            /// <summary>What was not read of one user (null: everything was), and why: the uninstall side decides first.</summary>
            private UserNotScanned NotScanned(string sid, bool hiveLoaded)
            {
                signedOut.TryGetValue(sid, out var copy);
                var uninstallRead = ((hiveLoaded && loadedHives != null) || (copy != null && copy.UninstallRead)) && !deniedUsers.ContainsKey(sid);
                var packagesRead = storeRead.Contains(sid);
                if (packagesRead && (uninstallRead || storeOnly)) return null;
                UserNotScannedReason reason;
                if (deniedUsers.TryGetValue(sid, out var denied)) reason = denied;
                else if (loadedHives == null) reason = UserNotScannedReason.ReadFailed;
                else if (!hiveLoaded) reason = copy?.Reason ?? UserNotScannedReason.HiveNotLoaded;
                else if (storeNotRead.TryGetValue(sid, out var storeReason)) reason = storeReason;
                else reason = UserNotScannedReason.ClassesHiveNotLoaded;
                return new UserNotScanned
                {
                    Sid = sid, Reason = reason, UninstallEntriesRead = uninstallRead && !storeOnly, StorePackagesRead = packagesRead,
                    Message = hiveLoaded ? null : copy?.Message,
                };
            }

            private string UserNameOf(string sid)
            {
                lock (gate)
                {
                    if (profiles.TryGetValue(sid, out var p) && p.UserName != null) return p.UserName;
                }
                return SecurityIdentifiers.WellKnownName(sid);
            }

            /// <summary>
            /// Runs one CIM operation under the per-target throttle; a transport failure stops the whole read. A failure
            /// about one key of <see cref="RegistryHive.Users"/> (<see cref="IsAboutThatEntryOnly"/>) is left to the caller,
            /// who skips that one entry.
            /// </summary>
            /// <param name="after">Round trips in sequence before this one: the depth of the operation whose answer started it (0: none).</param>
            /// <param name="aboutThatCallOnly">A provider fault or an unreadable reply concerns this one call whatever the hive.</param>
            /// <param name="bulk">One of many reads that mostly lead nowhere (a DisplayName per key): it waits behind the others.</param>
            private async Task<T> Op<T>(RegistryHive hive, int after, Func<CancellationToken, Task<T>> call, bool aboutThatCallOnly = false, bool bulk = false)
            {
                await throttle.WaitAsync(bulk, after, Token).ConfigureAwait(false);
                try
                {
                    Interlocked.Increment(ref operations);
                    NoteDepth(after + 1);
                    return await call(Token).ConfigureAwait(false);
                }
                catch (CimException ex) when (!((hive == RegistryHive.Users || aboutThatCallOnly) && IsAboutThatEntryOnly(ex)))
                {
                    StopOn(ex);
                    throw;
                }
                finally
                {
                    throttle.Release(bulk);
                }
            }

            /// <summary>Records an operation <paramref name="depth"/> round trips deep; the deepest is the critical path.</summary>
            private void NoteDepth(int depth)
            {
                var seen = Volatile.Read(ref criticalPath);
                while (depth > seen)
                {
                    var was = Interlocked.CompareExchange(ref criticalPath, depth, seen);
                    if (was == seen) return;
                    seen = was;
                }
            }

            /// <summary>The first failure of the target stops the whole read: what is in flight is cancelled.</summary>
            private void StopOn(CimException ex)
            {
                if (!outerToken.IsCancellationRequested && Interlocked.CompareExchange(ref firstError, ex, null) == null)
                {
                    try { linked.Cancel(); } catch (ObjectDisposedException) { }
                }
            }

            private Task<RegistryResult<IReadOnlyList<string>>> EnumKey(RegistryHive hive, int after, string subKey) => EnumKey(hive, hive, after, subKey);

            /// <summary>
            /// <paramref name="owner"/> is the hive the data comes from, which decides what a failure stops (see <see cref="Op"/>):
            /// a signed-out user's copy is read from HKLM, yet what it holds the user wrote.
            /// </summary>
            private Task<RegistryResult<IReadOnlyList<string>>> EnumKey(RegistryHive owner, RegistryHive hive, int after, string subKey) =>
                Op(owner, after, t => registry.EnumKeyAsync(hive, subKey, t));

            /// <summary>
            /// A string value as one throttled operation (two in sequence when the type-mismatch retry is needed; callers go on
            /// from <paramref name="after"/> + 1 either way, so a retry lengthens the recorded path only where it happens).
            /// </summary>
            private Task<RegistryResult<string>> ReadString(RegistryHive hive, int after, string subKey, string valueName, bool expandedFirst, bool bulk = false) =>
                ReadString(hive, hive, after, subKey, valueName, expandedFirst, bulk);

            private Task<RegistryResult<string>> ReadString(RegistryHive owner, RegistryHive hive, int after, string subKey, string valueName, bool expandedFirst, bool bulk = false) =>
                Op(owner, after, t => ReadStringAsync(registry, hive, subKey, valueName, expandedFirst, t, () =>
                {
                    Interlocked.Increment(ref operations);
                    NoteDepth(after + 2);
                }), bulk: bulk);

            private void Warn(string message, bool makesPartial)
            {
                lock (gate)
                {
                    warnings.Add(message);
                    if (makesPartial) partial = true;
                }
            }

            private string Describe<T>(RegistryResult<T> r) =>
                r.Outcome == RegistryOutcome.AccessDenied ? "access denied"
                : r.Outcome + " (ReturnValue " + r.ReturnValue.ToString(CultureInfo.InvariantCulture) + ")";

            /// <summary>An entry's key path as shown in warnings: a key name a user chose may hold any character.</summary>
            private static string EntryPath(UninstallRoot root, string keyName) => root.DisplayPath + "\\" + XmlCharacters.Visible(keyName);

            /// <summary>
            /// Names a key name or value that holds characters XML 1.0 cannot carry, or U+FFFD. The value is kept as read
            /// and the entry is evaluated like any other; the warning only says which user, key and value, and how it reads.
            /// </summary>
            private void NoteUnusualText(UninstallRoot root, string keyName, string valueName, string value)
            {
                string what = null;
                if (XmlCharacters.HasForbidden(keyName))
                    what = "its key name holds characters XML 1.0 cannot carry (shown escaped)";
                else if (XmlCharacters.HasForbidden(value))
                    what = "value " + valueName + " holds characters XML 1.0 cannot carry; kept as read, shown escaped: '" + XmlCharacters.Visible(value) + "'";
                else if (value != null && value.IndexOf(XmlCharacters.Replacement) >= 0)
                    what = "value " + valueName + " holds U+FFFD, which stands for bytes the reply could not carry; the original characters are lost: '" + value + "'";
                if (what == null) return;
                var owner = root.UserSid == null ? "" : " (the hive of " + root.UserSid + ")";
                var warning = "Uninstall entry " + EntryPath(root, keyName) + owner + " on " + computer + ": " + what + ".";
                lock (gate) if (!warnings.Contains(warning)) warnings.Add(warning);
            }

            /// <summary>
            /// A failure that says something about the data asked for, not about the target: a reply that arrived but could
            /// not be read as a WS-Man envelope (the transport's FormatException), or a provider fault for that one call
            /// (WinRM may refuse to put such a value into XML [guess W035]). Transport failures, timeouts and denials are not.
            /// </summary>
            private static bool IsAboutThatEntryOnly(CimException ex) =>
                (ex.Kind == CimErrorKind.ProtocolError && ex.InnerException is FormatException) || ex.Kind == CimErrorKind.ProviderFailure;

            /// <summary>Counts a root enumeration for the "everything denied" rule; true when it can be used.</summary>
            private bool NoteRoot<T>(RegistryResult<T> r)
            {
                lock (gate)
                {
                    if (r.Success || r.Outcome == RegistryOutcome.KeyNotFound) rootsRead++;
                    else if (r.Outcome == RegistryOutcome.AccessDenied) rootsDenied++;
                }
                return r.Success;
            }

            // ---- the machine's own name ---------------------------------------------------------------------------

            /// <summary>
            /// The name the target gives itself; null when it is missing, unreadable or not a name AppBan carries
            /// (<see cref="MachineNames.TryValidate"/>). Never makes the scan partial: nothing about the apps depends on it.
            /// A transport failure still fails the target, as any other read's does.
            /// </summary>
            private async Task<string> ReadMachineNameAsync()
            {
                var where = "HKLM\\" + MachineNames.ActiveComputerNameKey + "\\" + MachineNames.ComputerNameValue;
                RegistryResult<string> read;
                try
                {
                    read = await Op(RegistryHive.LocalMachine, 0, t => registry.GetStringValueAsync(RegistryHive.LocalMachine,
                        MachineNames.ActiveComputerNameKey, MachineNames.ComputerNameValue, t), aboutThatCallOnly: true, bulk: true).ConfigureAwait(false);
                }
                catch (CimException ex) when (IsAboutThatEntryOnly(ex))
                {
                    Warn("Cannot read the computer's own name (" + where + ") on " + computer + ": " + ex.Message + " It is named by " + computer + ".", false);
                    return null;
                }
                // Absent: nothing to tell (Windows always has it; a fake or a stripped image may not).
                if (read.Outcome == RegistryOutcome.ValueNotFound || read.Outcome == RegistryOutcome.KeyNotFound) return null;
                if (!read.Success)
                {
                    var why = read.Outcome == RegistryOutcome.TypeMismatch ? "it is not a string (REG_SZ)" : Describe(read);
                    Warn("Cannot read the computer's own name (" + where + ") on " + computer + ": " + why + ". It is named by " + computer + ".", false);
                    return null;
                }
                if (!MachineNames.TryValidate(read.Value, out var reason))
                {
                    // Written on the device: quoted shortened, on one line, anything but printable ASCII as \uXXXX.
                    var value = read.Value ?? string.Empty;
                    var shown = new System.Text.StringBuilder();
                    foreach (var c in value.Length > 40 ? value.Substring(0, 40) : value)
                        shown.Append(c >= ' ' && c <= '~' ? c.ToString() : "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    if (value.Length > 40) shown.Append("...");
                    Warn("Ignored the computer's own name on " + computer + " (" + where + "): " + reason + ": '" + shown + "'. It is named by " + computer + ".", false);
                    return null;
                }
                return read.Value;
            }

            // ---- users -------------------------------------------------------------------------------------------

            private async Task ReadProfilesAsync()
            {
                var list = await EnumKey(RegistryHive.LocalMachine, 0, InventoryPaths.ProfileListKey).ConfigureAwait(false);
                Volatile.Write(ref profilesDepth, 1);
                if (!NoteRoot(list))
                {
                    if (list.Outcome != RegistryOutcome.KeyNotFound)
                        Warn("Cannot list user profiles (HKLM\\" + InventoryPaths.ProfileListKey + ") on " + computer + ": " + Describe(list)
                            + ". Users whose hive is not loaded cannot be named.", true);
                    return;
                }
                var reads = list.Value
                    .Where(sid => SecurityIdentifiers.IsValid(sid) && !SecurityIdentifiers.IsServiceAccount(sid))
                    .Select(sid => ReadProfileAsync(sid, 1)).ToList();
                await Task.WhenAll(reads).ConfigureAwait(false);
                if (reads.Count > 0) Volatile.Write(ref profilesDepth, 2);
            }

            private async Task ReadProfileAsync(string sid, int after)
            {
                // ProfileImagePath is REG_EXPAND_SZ on Windows [3rd]; ask for that first.
                var path = await ReadString(RegistryHive.LocalMachine, after, InventoryPaths.ProfileListKey + "\\" + sid,
                    InventoryPaths.ProfileImagePathValue, true).ConfigureAwait(false);
                var profile = new UserProfile { Sid = sid };
                if (path.Success && !string.IsNullOrWhiteSpace(path.Value))
                {
                    profile.ProfileImagePath = path.Value;
                    profile.UserName = LastPathSegment(path.Value);
                }
                else if (path.Outcome != RegistryOutcome.ValueNotFound && path.Outcome != RegistryOutcome.KeyNotFound)
                {
                    Warn("Cannot read the profile path of " + sid + " on " + computer + ": " + Describe(path) + ".", false);
                }
                lock (gate) profiles[sid] = profile;
            }

            private async Task ReadLoadedHivesThenScanAsync()
            {
                List<string> users;
                HashSet<string> classes;
                try
                {
                    var hives = await EnumKey(RegistryHive.Users, 0, string.Empty).ConfigureAwait(false);
                    if (!NoteRoot(hives))
                    {
                        Warn("Cannot list the loaded user hives (HKU) on " + computer + ": " + Describe(hives)
                            + ". No per-user uninstall entry was read.", true);
                        return;
                    }
                    users = hives.Value.Where(IsUserHive).ToList();
                    classes = new HashSet<string>(hives.Value, StringComparer.OrdinalIgnoreCase);
                    lock (gate) loadedHives = users;
                }
                finally
                {
                    // Who is signed out is known from here on (or, when HKU could not be listed, that it is not known).
                    hivesListed.TrySetResult(true);
                }
                var userUninstallRoots = storeOnly ? Enumerable.Empty<Task>() : users.Select(sid => ScanUninstallRootAsync(UninstallRoot.ForUser(sid), 1));
                await Task.WhenAll(userUninstallRoots
                    .Concat(users.Select(sid => ReadUserPackagesAsync(sid, classes.Contains(sid + InventoryPaths.ClassesHiveSuffix), 1)))).ConfigureAwait(false);
            }

            // ---- uninstall entries -------------------------------------------------------------------------------

            /// <param name="after">Round trips in sequence before the root's name was known.</param>
            private async Task ScanUninstallRootAsync(UninstallRoot root, int after)
            {
                RegistryResult<IReadOnlyList<string>> keys;
                try { keys = await EnumKey(root.Hive, root.ReadHive, after, root.ReadSubKey).ConfigureAwait(false); }
                catch (CimException ex) when (root.UserSid != null && IsAboutThatEntryOnly(ex))
                {
                    Warn("Cannot list " + root.DisplayPath + " on " + computer + ": " + ex.Message + " No per-user uninstall entry of " +
                         root.UserSid + " was read.", true);
                    lock (gate) deniedUsers[root.UserSid] = UserNotScannedReason.ReadFailed;
                    return;
                }
                var usable = root.UserSid == null ? NoteRoot(keys) : keys.Success;
                Interlocked.Increment(ref uninstallRoots);
                if (keys.Outcome == RegistryOutcome.KeyNotFound) return;
                if (!usable)
                {
                    Warn("Cannot list " + root.DisplayPath + " on " + computer + ": " + Describe(keys) + ".", true);
                    if (root.UserSid != null)
                        lock (gate) deniedUsers[root.UserSid] = keys.Outcome == RegistryOutcome.AccessDenied
                            ? UserNotScannedReason.AccessDenied : UserNotScannedReason.ReadFailed;
                    return;
                }
                Interlocked.Add(ref uninstallKeys, keys.Value.Count);
                await Task.WhenAll(keys.Value.Select(k => ScanKeyAsync(root, k, after + 1))).ConfigureAwait(false);
            }

            private async Task ScanKeyAsync(UninstallRoot root, string keyName, int after)
            {
                try { await ScanEntryAsync(root, keyName, after).ConfigureAwait(false); }
                catch (CimException ex) when (root.UserSid != null && IsAboutThatEntryOnly(ex))
                {
                    Warn("Skipped the uninstall entry " + EntryPath(root, keyName) + " of " + root.UserSid + " on " + computer +
                         ": the target could not answer about it (" + ex.Message + "). The rest of the scan is complete.", true);
                }
            }

            private async Task ScanEntryAsync(UninstallRoot root, string keyName, int after)
            {
                var path = root.ReadSubKey + "\\" + keyName;
                // A key named like a banned app ("CapCut", not a product code) is probably a candidate: its name goes first.
                var likely = isCandidate == null || isCandidate(keyName, keyName);
                var name = await ReadString(root.Hive, root.ReadHive, after, path, "DisplayName", false, bulk: !likely).ConfigureAwait(false);
                if (name.Success) NoteUnusualText(root, keyName, "DisplayName", name.Value);
                switch (name.Outcome)
                {
                    case RegistryOutcome.Success:
                        if (string.IsNullOrWhiteSpace(name.Value)) { Interlocked.Increment(ref hidden); return; }
                        break;
                    case RegistryOutcome.ValueNotFound:
                        Interlocked.Increment(ref hidden);
                        return;
                    case RegistryOutcome.KeyNotFound:
                        return; // removed between the enumeration and this read
                    default:
                        Warn("Cannot read " + EntryPath(root, keyName) + " on " + computer + ": " + Describe(name) + ".", true);
                        return;
                }
                if (isCandidate != null && !isCandidate(keyName, name.Value)) return;
                Interlocked.Increment(ref candidates);

                var values = await ReadDetailsAsync(root, keyName, name.Value, after + 1).ConfigureAwait(false);
                if (values == null) return;
                if (UninstallEntryRules.ExclusionOf(values) != UninstallEntryExclusion.None)
                {
                    Interlocked.Increment(ref excluded);
                    return;
                }
                var app = UninstallEntryRules.ToInstalledApp(computer, root, keyName, values, null);
                lock (gate) apps.Add(app);
            }

            /// <summary>
            /// EnumValues, then the exclusion values present, then (if still visible) the detail values present, each
            /// batch concurrently. Null when the key vanished or could not be read.
            /// </summary>
            private async Task<UninstallEntryValues> ReadDetailsAsync(UninstallRoot root, string keyName, string displayName, int after)
            {
                var path = root.ReadSubKey + "\\" + keyName;
                var list = await Op(root.Hive, after, t => registry.EnumValuesAsync(root.ReadHive, path, t)).ConfigureAwait(false);
                if (list.Outcome == RegistryOutcome.KeyNotFound) return null;
                if (!list.Success)
                {
                    Warn("Cannot list the values of " + EntryPath(root, keyName) + " on " + computer + ": " + Describe(list) + ".", true);
                    return null;
                }
                var present = new Dictionary<string, RegistryValueInfo>(StringComparer.OrdinalIgnoreCase);
                foreach (var v in list.Value) if (v.Name != null) present[v.Name] = v;

                var values = new UninstallEntryValues { DisplayName = displayName };
                var read = await ReadValuesAsync(root, keyName, path, present, UninstallEntryRules.ExclusionValueNames, after + 1).ConfigureAwait(false);
                if (read == null) return null;
                Apply(values, read);
                if (UninstallEntryRules.ExclusionOf(values) != UninstallEntryExclusion.None) return values;

                // After the exclusion values when any was read; else nothing was waited for since the listing.
                var detailsAfter = UninstallEntryRules.ExclusionValueNames.Any(present.ContainsKey) ? after + 2 : after + 1;
                read = await ReadValuesAsync(root, keyName, path, present, UninstallEntryRules.DetailValueNames, detailsAfter).ConfigureAwait(false);
                if (read == null) return null;
                Apply(values, read);
                values.HasBundleUpgradeCode = present.ContainsKey(UninstallEntryRules.BundleUpgradeCodeValueName);
                return values;
            }

            private async Task<Dictionary<string, object>> ReadValuesAsync(UninstallRoot root, string keyName, string path,
                Dictionary<string, RegistryValueInfo> present, IReadOnlyList<string> names, int after)
            {
                var wanted = names.Where(present.ContainsKey).Select(n => present[n]).ToList();
                var results = await Task.WhenAll(wanted.Select(v => ReadTypedAsync(root.Hive, root.ReadHive, after, path, v))).ConfigureAwait(false);
                var map = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < wanted.Count; i++)
                {
                    var (outcome, returnValue, value) = results[i];
                    if (outcome == RegistryOutcome.Success)
                    {
                        map[wanted[i].Name] = value;
                        if (value is string text) NoteUnusualText(root, keyName, wanted[i].Name, text);
                    }
                    else if (outcome == RegistryOutcome.KeyNotFound) return null;
                    else if (outcome == RegistryOutcome.AccessDenied || outcome == RegistryOutcome.Failed)
                    {
                        Warn("Cannot read " + wanted[i].Name + " of " + EntryPath(root, keyName) + " on " + computer + ": "
                            + (outcome == RegistryOutcome.AccessDenied ? "access denied" : "ReturnValue " + returnValue.ToString(CultureInfo.InvariantCulture)) + ".", true);
                        return null;
                    }
                }
                return map;
            }

            /// <summary>One value, read with the method its registry type needs.</summary>
            private async Task<(RegistryOutcome, uint, object)> ReadTypedAsync(RegistryHive owner, RegistryHive hive, int after, string path, RegistryValueInfo info)
            {
                switch (info.Kind)
                {
                    case RegistryValueKind.DWord:
                        var d = await Op(owner, after, t => registry.GetDWordValueAsync(hive, path, info.Name, t)).ConfigureAwait(false);
                        return (d.Outcome, d.ReturnValue, d.Success ? (object)d.Value : null);
                    case RegistryValueKind.QWord:
                        var q = await Op(owner, after, t => registry.GetQWordValueAsync(hive, path, info.Name, t)).ConfigureAwait(false);
                        return (q.Outcome, q.ReturnValue, q.Success ? (object)q.Value : null);
                    case RegistryValueKind.String:
                    case RegistryValueKind.ExpandString:
                        // Expanded in the provider's context, not the owner's [doc: GetExpandedStringValue].
                        var s = await ReadString(owner, hive, after, path, info.Name, info.Kind == RegistryValueKind.ExpandString).ConfigureAwait(false);
                        return (s.Outcome, s.ReturnValue, s.Value);
                    default:
                        // Binary or multi-string where inventory expects text or a number: treat as absent.
                        return (RegistryOutcome.ValueNotFound, 1u, null);
                }
            }

            private static void Apply(UninstallEntryValues values, Dictionary<string, object> read)
            {
                string Text(string n) => read.TryGetValue(n, out var v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;
                uint? Number(string n)
                {
                    if (!read.TryGetValue(n, out var v) || v == null) return null;
                    if (v is uint u) return u;
                    if (v is ulong ul) return ul <= uint.MaxValue ? (uint?)ul : null;
                    return uint.TryParse(Convert.ToString(v, CultureInfo.InvariantCulture).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)
                        ? p : (uint?)null;
                }

                if (read.ContainsKey("SystemComponent")) values.SystemComponent = Number("SystemComponent");
                if (read.ContainsKey("ParentKeyName")) values.ParentKeyName = Text("ParentKeyName");
                if (read.ContainsKey("ReleaseType")) values.ReleaseType = Text("ReleaseType");
                if (read.ContainsKey("DisplayVersion")) values.DisplayVersion = Text("DisplayVersion");
                if (read.ContainsKey("Publisher")) values.Publisher = Text("Publisher");
                if (read.ContainsKey("InstallLocation")) values.InstallLocation = Text("InstallLocation");
                if (read.ContainsKey("InstallDate")) values.InstallDate = Text("InstallDate");
                if (read.ContainsKey("UninstallString")) values.UninstallString = Text("UninstallString");
                if (read.ContainsKey("QuietUninstallString")) values.QuietUninstallString = Text("QuietUninstallString");
                if (read.ContainsKey("WindowsInstaller")) values.WindowsInstaller = Number("WindowsInstaller");
                if (read.ContainsKey(UninstallEntryRules.InnoSetupAppPathValueName)) values.InnoSetupAppPath = Text(UninstallEntryRules.InnoSetupAppPathValueName);
                if (read.ContainsKey("BundleCachePath")) values.BundleCachePath = Text("BundleCachePath");
            }

            // ---- Store packages ----------------------------------------------------------------------------------
            // What is installed for a user is their package repository (HKU\<SID>_Classes), each name checked against the
            // device's package repository (HKLM), since a user's keys can outlive a removal. AppxAllUserStore\<SID> is
            // the deployment service's pending work, not what is installed, and is not read. [3rd: engramic-ai/baseline-tool,
            // AppxRepository.cs and AppxRegistrySource.cs, compared with Get-AppxPackage -AllUsers on Windows in
            // AppxOracleTests.cs.] Neither that source nor Microsoft's documentation shows anything under the device
            // repository that names a package's users, so a signed-out user's packages are read from a copy of their classes
            // hive (SignedOutProfiles) or reported as not read, never guessed.

            /// <summary>The device's package repository: every package full name on the device; null when unreadable.</summary>
            private async Task<HashSet<string>> ReadDeviceRepositoryAsync()
            {
                var list = await EnumKey(RegistryHive.LocalMachine, 0, InventoryPaths.DevicePackageRepositoryKey).ConfigureAwait(false);
                var usable = NoteRoot(list);
                if (list.Outcome == RegistryOutcome.KeyNotFound)
                    return new HashSet<string>(StringComparer.OrdinalIgnoreCase); // [guess W066] no package was ever deployed
                if (!usable)
                {
                    Warn("Cannot list the packages on the device (HKLM\\" + InventoryPaths.DevicePackageRepositoryKey + ") on " + computer + ": "
                         + Describe(list) + ". No user's Store packages could be confirmed.", true);
                    return null;
                }
                return new HashSet<string>(list.Value, StringComparer.OrdinalIgnoreCase);
            }

            private async Task ReadProvisionedAsync()
            {
                var subKey = InventoryPaths.AppxAllUserStoreKey + "\\" + InventoryPaths.ProvisionedSubKey;
                var list = await EnumKey(RegistryHive.LocalMachine, 0, subKey).ConfigureAwait(false);
                NoteRoot(list);
                if (list.Outcome == RegistryOutcome.KeyNotFound) return;
                if (!list.Success)
                {
                    Warn("Cannot list the provisioned Store packages (HKLM\\" + subKey + ") on " + computer + ": " + Describe(list) + ".", true);
                    return;
                }
                AddPackages(list.Value, null, InventoryPaths.Format(RegistryHive.LocalMachine, subKey), null);
            }

            /// <summary>One signed-in user's Store packages: their repository's names that the device's repository lists.</summary>
            private async Task ReadUserPackagesAsync(string sid, bool classesLoaded, int after)
            {
                if (!classesLoaded) return; // reported by BuildResult: ClassesHiveNotLoaded
                var subKey = InventoryPaths.UserPackageRepository(sid);
                var path = InventoryPaths.Format(RegistryHive.Users, subKey);
                // Listed without waiting for the device's repository: only the check of the names needs both.
                RegistryResult<IReadOnlyList<string>> list;
                try { list = await EnumKey(RegistryHive.Users, after, subKey).ConfigureAwait(false); }
                catch (CimException ex) when (IsAboutThatEntryOnly(ex))
                {
                    Warn("Cannot list the Store packages of " + sid + " (" + path + ") on " + computer + ": " + ex.Message, true);
                    lock (gate) storeNotRead[sid] = UserNotScannedReason.ReadFailed;
                    return;
                }
                if (!list.Success && list.Outcome != RegistryOutcome.KeyNotFound)
                {
                    Warn("Cannot list the Store packages of " + sid + " (" + path + ") on " + computer + ": " + Describe(list) + ".", true);
                    lock (gate) storeNotRead[sid] = list.Outcome == RegistryOutcome.AccessDenied ? UserNotScannedReason.AccessDenied : UserNotScannedReason.ReadFailed;
                    return;
                }
                var device = await deviceRepository.ConfigureAwait(false);
                if (device == null)
                {
                    lock (gate) storeNotRead[sid] = UserNotScannedReason.ReadFailed;
                    return;
                }
                // No repository key: a user who never had a package [3rd: baseline-tool treats it as read, nothing installed].
                AddPackages(list.Success ? list.Value : new List<string>(), sid, path, device);
                lock (gate) storeRead.Add(sid);
            }

            /// <summary>
            /// Adds each valid package full name as an app of <paramref name="sid"/> (null: provisioned); a user's only while
            /// <paramref name="device"/> (the device's repository) lists it. <paramref name="parentPath"/> is where the names live
            /// (the user's own repository key also when <paramref name="signedOut"/>: they were read from its copy).
            /// </summary>
            private void AddPackages(IEnumerable<string> fullNames, string sid, string parentPath, HashSet<string> device, bool signedOut = false)
            {
                var ignored = new List<string>();
                var stale = 0;
                foreach (var fullName in fullNames)
                {
                    var identity = PackageIdentity.TryParse(fullName);
                    if (identity == null)
                    {
                        ignored.Add(fullName);
                        continue;
                    }
                    if (sid != null && identity.IsBundle) continue; // a bundle is not registered for a user itself; its packages are
                    if (sid != null && !device.Contains(fullName))
                    {
                        stale++;
                        continue;
                    }
                    var app = new InstalledApp
                    {
                        ComputerName = computer,
                        Kind = sid == null ? AppKind.ProvisionedStoreApp : AppKind.StoreApp,
                        Scope = sid == null ? AppScope.Machine : AppScope.User,
                        RegistryView = RegistryView.None,
                        UserSid = sid,
                        DisplayName = identity.Name,
                        DisplayVersion = identity.Version,
                        KeyName = fullName,
                        KeyPath = parentPath + "\\" + fullName,
                        PackageFullName = identity.FullName,
                        PackageName = identity.Name,
                        PackageFamilyName = identity.FamilyName,
                        PackageBundleFullName = device == null ? null : BundleOf(identity, device),
                        // The name is confirmed by the device's repository (admin-only); the user's hive said it is theirs.
                        FromUserWritableLocation = sid != null,
                        SignedOut = signedOut,
                    };
                    Interlocked.Increment(ref packages);
                    lock (gate) apps.Add(app);
                }
                // One warning per key, however many odd names it holds: a fleet scan must stay readable.
                if (ignored.Count > 0)
                    Warn("Ignored " + ignored.Count.ToString(CultureInfo.InvariantCulture) + " subkey(s) of " + parentPath + " on " + computer +
                         " that are not valid package full names: " + string.Join(", ", ignored.Take(3)) + (ignored.Count > 3 ? ", ..." : "") + ".", false);
                if (stale > 0)
                    Warn("Passed over " + stale.ToString(CultureInfo.InvariantCulture) + " key(s) of " + parentPath + " on " + computer +
                         " that the device's package repository does not list: packages since updated or removed.", false);
            }
        }

        /// <summary>
        /// The bundle of <paramref name="package"/>'s family that the device's repository lists, or null. A bundle's version
        /// need not equal its packages' (Store bundles are often versioned apart) [guess W063], so the family decides; of
        /// several, the same version, else the highest [guess W063: an older bundle can linger while an update is staged].
        /// </summary>
        internal static string BundleOf(PackageIdentity package, IEnumerable<string> devicePackages)
        {
            var bundles = devicePackages.Select(PackageIdentity.TryParse)
                .Where(p => p != null && p.IsBundle && p.IsSameFamily(package)).ToList();
            if (bundles.Count == 0) return null;
            var same = bundles.FirstOrDefault(b => b.Version == package.Version);
            return (same ?? bundles.OrderByDescending(b => b.ParsedVersion).First()).FullName;
        }
    }
}
