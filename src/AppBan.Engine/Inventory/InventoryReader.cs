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
    /// and browser web apps.
    /// <para>
    /// Cost: EnumKey per uninstall root, then ONE GetStringValue(DisplayName) per key. Only keys the caller's
    /// pre-filter keeps (the policy's MightMatch) get their other values read: EnumValues, then one read per value
    /// present among those inventory uses. Store packages come from key names alone. Per target this adds a small
    /// constant: ProfileList (EnumKey + one read per profile), HKU (EnumKey), AppxAllUserStore (EnumKey + one per user
    /// and Applications). Several operations are in flight at once (<see cref="MaxConcurrentOperations"/>).
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
    public sealed class InventoryReader : IInstallVerifier
    {
        public const int DefaultMaxConcurrentOperations = 16;

        public InventoryReader(RegistryClient registry)
        {
            Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        }

        public RegistryClient Registry { get; }
        public string ComputerName => Registry.Session.ComputerName;

        /// <summary>
        /// Operations in flight at once on this target. 16 matches the WS-Man client's connections per target and, on
        /// the simulated laptop at 10 ms latency, roughly halves a scan's wall time compared with 8. [guess W039] It stays far
        /// below WinRM's default per-user quota (MaxConcurrentOperationsPerUser) and what WMI's provider host absorbs.
        /// </summary>
        public int MaxConcurrentOperations { get; set; } = DefaultMaxConcurrentOperations;

        /// <summary>
        /// Reads the inventory. <paramref name="isCandidate"/> gets (uninstall key name, DisplayName) and says whether the
        /// entry could be of interest; only those are read in full. Null keeps every visible entry (costly: several
        /// operations per key). Store packages are always returned: they cost nothing beyond the enumeration.
        /// </summary>
        public Task<InventoryResult> ReadAsync(Func<string, string, bool> isCandidate, CancellationToken cancellationToken)
        {
            return new Scan(this, isCandidate, cancellationToken).RunAsync();
        }

        /// <summary>
        /// Re-scans one app: does its uninstall entry still have a DisplayName, or does its user (or the provisioned
        /// store) still hold a package of the same family? A family match, not the exact full name, so an update
        /// installed meanwhile still counts as installed. Throws <see cref="CimException"/> when it cannot tell.
        /// </summary>
        public async Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken)
        {
            if (app == null) throw new ArgumentNullException(nameof(app));
            if (app.Kind == AppKind.StoreApp || app.Kind == AppKind.ProvisionedStoreApp)
            {
                var identity = PackageIdentity.TryParse(app.PackageFullName)
                    ?? throw new ArgumentException("The app has no valid PackageFullName.", nameof(app));
                string parent;
                if (app.Kind == AppKind.ProvisionedStoreApp) parent = InventoryPaths.AppxAllUserStoreKey + "\\" + InventoryPaths.ProvisionedSubKey;
                else if (SecurityIdentifiers.IsValid(app.UserSid)) parent = InventoryPaths.AppxAllUserStoreKey + "\\" + app.UserSid;
                else throw new ArgumentException("A per-user Store app needs a valid UserSid.", nameof(app));

                var packages = await Registry.EnumKeyAsync(RegistryHive.LocalMachine, parent, cancellationToken).ConfigureAwait(false);
                if (packages.Outcome == RegistryOutcome.KeyNotFound) return false;
                ThrowIfUnreadable(packages.Outcome, packages.ReturnValue, InventoryPaths.Format(RegistryHive.LocalMachine, parent));
                return packages.Value.Any(n => identity.IsSameFamily(PackageIdentity.TryParse(n)));
            }

            if (!InventoryPaths.TryParse(app.KeyPath, out var hive, out var subKey) || string.IsNullOrEmpty(subKey))
                throw new ArgumentException("The app has no valid KeyPath.", nameof(app));
            var name = await ReadStringAsync(Registry, hive, subKey, "DisplayName", false, cancellationToken).ConfigureAwait(false);
            switch (name.Outcome)
            {
                case RegistryOutcome.Success: return !string.IsNullOrWhiteSpace(name.Value);
                case RegistryOutcome.KeyNotFound:
                case RegistryOutcome.ValueNotFound: return false;
                default:
                    ThrowIfUnreadable(name.Outcome, name.ReturnValue, app.KeyPath);
                    return true;
            }
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
        private sealed class Scan
        {
            
            private readonly RegistryClient registry;
            private readonly Func<string, string, bool> isCandidate;
            private readonly CancellationToken outerToken;
            private readonly CancellationTokenSource linked;
            private readonly SemaphoreSlim throttle;
            private readonly string computer;

            private readonly object gate = new object();
            private readonly List<InstalledApp> apps = new List<InstalledApp>();
            private readonly List<string> warnings = new List<string>();
            private readonly Dictionary<string, UserProfile> profiles = new Dictionary<string, UserProfile>(StringComparer.OrdinalIgnoreCase);
            private readonly Dictionary<string, UserNotScannedReason> deniedUsers = new Dictionary<string, UserNotScannedReason>(StringComparer.OrdinalIgnoreCase);
            private List<string> loadedHives;
            private bool partial;
            private int rootsRead;
            private int rootsDenied;
            private CimException firstError;
            private int operations, uninstallKeys, candidates, hidden, excluded, uninstallRoots, packages;

            public Scan(InventoryReader reader, Func<string, string, bool> isCandidate, CancellationToken ct)
            {

                registry = reader.Registry;
                computer = reader.ComputerName;
                this.isCandidate = isCandidate;
                outerToken = ct;
                linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
                throttle = new SemaphoreSlim(Math.Max(1, reader.MaxConcurrentOperations));
            }

            private CancellationToken Token => linked.Token;

            public async Task<InventoryResult> RunAsync()
            {
                try
                {
                    var work = new List<Task>
                    {
                        ReadProfilesAsync(),
                        ScanUninstallRootAsync(UninstallRoot.Machine64),
                        ScanUninstallRootAsync(UninstallRoot.Machine32),
                        ReadStoreAsync(),
                        ReadLoadedHivesThenScanAsync(),
                    };
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

                    if (rootsRead == 0 && rootsDenied > 0)
                        throw new CimException(CimErrorKind.AccessDenied, computer,
                            "Access denied reading the registry on " + computer + ": no uninstall, profile or Store key could be read.", 5);
                    return BuildResult();
                }
                finally
                {
                    linked.Dispose();
                    throttle.Dispose();
                }
            }

            private InventoryResult BuildResult()
            {
                var loaded = new HashSet<string>(loadedHives ?? new List<string>(), StringComparer.OrdinalIgnoreCase);
                foreach (var p in profiles.Values) p.HiveLoaded = loaded.Contains(p.Sid);
                var notScanned = new List<UserNotScanned>();
                foreach (var p in profiles.Values.OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase))
                {
                    if (deniedUsers.TryGetValue(p.Sid, out var reason))
                        notScanned.Add(new UserNotScanned { Sid = p.Sid, UserName = p.UserName, Reason = reason });
                    else if (!p.HiveLoaded)
                        notScanned.Add(new UserNotScanned
                        {
                            Sid = p.Sid,
                            UserName = p.UserName,
                            Reason = loadedHives == null ? UserNotScannedReason.ReadFailed : UserNotScannedReason.HiveNotLoaded,
                        });
                }
                // A loaded hive that ProfileList does not know (it could not be read) is still named when it failed.
                foreach (var d in deniedUsers.Where(d => !profiles.ContainsKey(d.Key)))
                    notScanned.Add(new UserNotScanned { Sid = d.Key, Reason = d.Value });

                foreach (var app in apps.Where(a => a.UserSid != null && a.UserName == null))
                    app.UserName = UserNameOf(app.UserSid);

                return new InventoryResult
                {
                    ComputerName = computer,
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
                    OperationCount = operations,
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
            private async Task<T> Op<T>(RegistryHive hive, Func<CancellationToken, Task<T>> call)
            {
                await throttle.WaitAsync(Token).ConfigureAwait(false);
                try
                {
                    Interlocked.Increment(ref operations);
                    return await call(Token).ConfigureAwait(false);
                }
                catch (CimException ex) when (!(hive == RegistryHive.Users && IsAboutThatEntryOnly(ex)))
                {
                    if (!outerToken.IsCancellationRequested && Interlocked.CompareExchange(ref firstError, ex, null) == null)
                    {
                        try { linked.Cancel(); } catch (ObjectDisposedException) { }
                    }
                    throw;
                }
                finally
                {
                    throttle.Release();
                }
            }

            private Task<RegistryResult<IReadOnlyList<string>>> EnumKey(RegistryHive hive, string subKey) =>
                Op(hive, t => registry.EnumKeyAsync(hive, subKey, t));

            /// <summary>A string value as one throttled operation (two when the type-mismatch retry is needed).</summary>
            private Task<RegistryResult<string>> ReadString(RegistryHive hive, string subKey, string valueName, bool expandedFirst) =>
                Op(hive, t => ReadStringAsync(registry, hive, subKey, valueName, expandedFirst, t, () => Interlocked.Increment(ref operations)));

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

            // ---- users -------------------------------------------------------------------------------------------

            private async Task ReadProfilesAsync()
            {
                var list = await EnumKey(RegistryHive.LocalMachine, InventoryPaths.ProfileListKey).ConfigureAwait(false);
                if (!NoteRoot(list))
                {
                    if (list.Outcome != RegistryOutcome.KeyNotFound)
                        Warn("Cannot list user profiles (HKLM\\" + InventoryPaths.ProfileListKey + ") on " + computer + ": " + Describe(list)
                            + ". Users whose hive is not loaded cannot be named.", true);
                    return;
                }
                var reads = list.Value
                    .Where(sid => SecurityIdentifiers.IsValid(sid) && !SecurityIdentifiers.IsServiceAccount(sid))
                    .Select(ReadProfileAsync);
                await Task.WhenAll(reads).ConfigureAwait(false);
            }

            private async Task ReadProfileAsync(string sid)
            {
                // ProfileImagePath is REG_EXPAND_SZ on Windows [3rd]; ask for that first.
                var path = await ReadString(RegistryHive.LocalMachine, InventoryPaths.ProfileListKey + "\\" + sid,
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
                var hives = await EnumKey(RegistryHive.Users, string.Empty).ConfigureAwait(false);
                if (!NoteRoot(hives))
                {
                    Warn("Cannot list the loaded user hives (HKU) on " + computer + ": " + Describe(hives)
                        + ". No per-user uninstall entry was read.", true);
                    return;
                }
                var users = hives.Value.Where(IsUserHive).ToList();
                lock (gate) loadedHives = users;
                await Task.WhenAll(users.Select(sid => ScanUninstallRootAsync(UninstallRoot.ForUser(sid)))).ConfigureAwait(false);
            }

            // ---- uninstall entries -------------------------------------------------------------------------------

            private async Task ScanUninstallRootAsync(UninstallRoot root)
            {
                RegistryResult<IReadOnlyList<string>> keys;
                try { keys = await EnumKey(root.Hive, root.SubKey).ConfigureAwait(false); }
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
                await Task.WhenAll(keys.Value.Select(k => ScanKeyAsync(root, k))).ConfigureAwait(false);
            }

            private async Task ScanKeyAsync(UninstallRoot root, string keyName)
            {
                try { await ScanEntryAsync(root, keyName).ConfigureAwait(false); }
                catch (CimException ex) when (root.UserSid != null && IsAboutThatEntryOnly(ex))
                {
                    Warn("Skipped the uninstall entry " + EntryPath(root, keyName) + " of " + root.UserSid + " on " + computer +
                         ": the target could not answer about it (" + ex.Message + "). The rest of the scan is complete.", true);
                }
            }

            private async Task ScanEntryAsync(UninstallRoot root, string keyName)
            {
                var path = root.SubKey + "\\" + keyName;
                var name = await ReadString(root.Hive, path, "DisplayName", false).ConfigureAwait(false);
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

                var values = await ReadDetailsAsync(root, keyName, name.Value).ConfigureAwait(false);
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
            private async Task<UninstallEntryValues> ReadDetailsAsync(UninstallRoot root, string keyName, string displayName)
            {
                var path = root.SubKey + "\\" + keyName;
                var list = await Op(root.Hive, t => registry.EnumValuesAsync(root.Hive, path, t)).ConfigureAwait(false);
                if (list.Outcome == RegistryOutcome.KeyNotFound) return null;
                if (!list.Success)
                {
                    Warn("Cannot list the values of " + EntryPath(root, keyName) + " on " + computer + ": " + Describe(list) + ".", true);
                    return null;
                }
                var present = new Dictionary<string, RegistryValueInfo>(StringComparer.OrdinalIgnoreCase);
                foreach (var v in list.Value) if (v.Name != null) present[v.Name] = v;

                var values = new UninstallEntryValues { DisplayName = displayName };
                var read = await ReadValuesAsync(root, keyName, path, present, UninstallEntryRules.ExclusionValueNames).ConfigureAwait(false);
                if (read == null) return null;
                Apply(values, read);
                if (UninstallEntryRules.ExclusionOf(values) != UninstallEntryExclusion.None) return values;

                read = await ReadValuesAsync(root, keyName, path, present, UninstallEntryRules.DetailValueNames).ConfigureAwait(false);
                if (read == null) return null;
                Apply(values, read);
                return values;
            }

            private async Task<Dictionary<string, object>> ReadValuesAsync(UninstallRoot root, string keyName, string path,
                Dictionary<string, RegistryValueInfo> present, IReadOnlyList<string> names)
            {
                var wanted = names.Where(present.ContainsKey).Select(n => present[n]).ToList();
                var results = await Task.WhenAll(wanted.Select(v => ReadTypedAsync(root.Hive, path, v))).ConfigureAwait(false);
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
            private async Task<(RegistryOutcome, uint, object)> ReadTypedAsync(RegistryHive hive, string path, RegistryValueInfo info)
            {
                switch (info.Kind)
                {
                    case RegistryValueKind.DWord:
                        var d = await Op(hive, t => registry.GetDWordValueAsync(hive, path, info.Name, t)).ConfigureAwait(false);
                        return (d.Outcome, d.ReturnValue, d.Success ? (object)d.Value : null);
                    case RegistryValueKind.QWord:
                        var q = await Op(hive, t => registry.GetQWordValueAsync(hive, path, info.Name, t)).ConfigureAwait(false);
                        return (q.Outcome, q.ReturnValue, q.Success ? (object)q.Value : null);
                    case RegistryValueKind.String:
                    case RegistryValueKind.ExpandString:
                        // Expanded in the provider's context, not the owner's [doc: GetExpandedStringValue].
                        var s = await ReadString(hive, path, info.Name, info.Kind == RegistryValueKind.ExpandString).ConfigureAwait(false);
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
            }

            // ---- Store packages ----------------------------------------------------------------------------------

            private async Task ReadStoreAsync()
            {
                var store = await EnumKey(RegistryHive.LocalMachine, InventoryPaths.AppxAllUserStoreKey).ConfigureAwait(false);
                if (!NoteRoot(store))
                {
                    if (store.Outcome != RegistryOutcome.KeyNotFound)
                        Warn("Cannot list Store packages (HKLM\\" + InventoryPaths.AppxAllUserStoreKey + ") on " + computer + ": " + Describe(store) + ".", true);
                    return;
                }
                var reads = new List<Task>();
                foreach (var child in store.Value)
                {
                    if (SecurityIdentifiers.IsValid(child)) reads.Add(ReadPackagesAsync(child));
                    else if (string.Equals(child, InventoryPaths.ProvisionedSubKey, StringComparison.OrdinalIgnoreCase)) reads.Add(ReadPackagesAsync(null));
                    // Other subkeys (Deprovisioned, EndOfLife, Staged, ...) hold no installed package [3rd; meaning a guess].
                }
                await Task.WhenAll(reads).ConfigureAwait(false);
            }

            /// <summary>One user's packages (<paramref name="sid"/>), or the provisioned ones (null).</summary>
            private async Task ReadPackagesAsync(string sid)
            {
                var subKey = InventoryPaths.AppxAllUserStoreKey + "\\" + (sid ?? InventoryPaths.ProvisionedSubKey);
                var list = await EnumKey(RegistryHive.LocalMachine, subKey).ConfigureAwait(false);
                if (list.Outcome == RegistryOutcome.KeyNotFound) return;
                if (!list.Success)
                {
                    Warn("Cannot list Store packages under HKLM\\" + subKey + " on " + computer + ": " + Describe(list) + ".", true);
                    return;
                }
                var ignored = new List<string>();
                foreach (var fullName in list.Value)
                {
                    var identity = PackageIdentity.TryParse(fullName);
                    if (identity == null)
                    {
                        ignored.Add(fullName);
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
                        KeyPath = InventoryPaths.Format(RegistryHive.LocalMachine, subKey + "\\" + fullName),
                        PackageFullName = identity.FullName,
                        PackageName = identity.Name,
                        PackageFamilyName = identity.FamilyName,
                        FromUserWritableLocation = false,
                    };
                    Interlocked.Increment(ref packages);
                    lock (gate) apps.Add(app);
                }
                // One warning per store key, however many odd names it holds: a fleet scan must stay readable.
                if (ignored.Count > 0)
                    Warn("Ignored " + ignored.Count.ToString(CultureInfo.InvariantCulture) + " subkey(s) of HKLM\\" + subKey + " on " + computer +
                         " that are not valid package full names: " + string.Join(", ", ignored.Take(3)) + (ignored.Count > 3 ? ", ..." : "") + ".", false);
            }
        }
    }
}
