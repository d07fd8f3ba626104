using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Inventory
{
    internal sealed partial class InventoryReader
    {
        /// <summary>
        /// Signed-out users (<see cref="SignedOutProfiles"/>): their uninstall entries, Store packages and policy keys, read
        /// from a copy of their hives. Cost: nothing at all when every profile's hive is loaded. With N signed-out users
        /// whose paths pass the checks: one EnumKey of Profiles (the sweep of old copies), per chunk of users one process
        /// run (Create, one ProcessId query per poll, the exit-code read and its DeleteKey) and the deletion of the copy
        /// (an EnumKey and a DeleteKey per key copied), and per user one EnumValues of the copy's markers plus what a loaded
        /// user's hive costs (the uninstall root and its entries, one EnumKey of the package repository) plus an
        /// EnumValues, an EnumKey and one read per value for each policy key. One GetStringValue of SystemRoot when a
        /// profile path names %SystemRoot% or %SystemDrive%.
        /// </summary>
        private sealed partial class Scan
        {
            private const int MaxPolicyDepth = 32;

            private readonly TaskCompletionSource<bool> hivesListed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            private readonly Dictionary<string, SignedOutRead> signedOut = new Dictionary<string, SignedOutRead>(StringComparer.OrdinalIgnoreCase);
            private readonly Dictionary<string, Dictionary<string, RegistryValueData>> policies =
                new Dictionary<string, Dictionary<string, RegistryValueData>>(StringComparer.OrdinalIgnoreCase);

            /// <summary>What was read of one signed-out user, and why the rest was not.</summary>
            private sealed class SignedOutRead
            {
                public bool UninstallRead { get; set; }
                public UserNotScannedReason? Reason { get; set; }
                public string Message { get; set; }

                public void Fail(UserNotScannedReason reason, string message)
                {
                    if (Reason != null) return; // the first cause is the one to tell
                    Reason = reason;
                    Message = message;
                }
            }

            private async Task ReadSignedOutUsersAsync(Task profilesRead)
            {
                await profilesRead.ConfigureAwait(false);
                await hivesListed.Task.ConfigureAwait(false);
                List<UserProfile> candidates;
                lock (gate)
                {
                    if (loadedHives == null) return; // who is signed in is not known: reported as ReadFailed
                    var loaded = new HashSet<string>(loadedHives, StringComparer.OrdinalIgnoreCase);
                    candidates = profiles.Values.Where(p => !loaded.Contains(p.Sid)).OrderBy(p => p.Sid, StringComparer.OrdinalIgnoreCase).ToList();
                }
                if (candidates.Count == 0) return;

                // Who is signed out and where their profile lives were known after this many round trips.
                var after = Math.Max(1, Volatile.Read(ref profilesDepth));
                var users = await CheckProfilePathsAsync(candidates, after).ConfigureAwait(false);
                if (users.Count == 0) return;
                if (candidates.Any(p => SignedOutProfiles.NeedsSystemRoot(p.ProfileImagePath))) after++;

                // The command's operations (sweep, run, polls, clean-up) are counted as one chain: most wait for the one before.
                var step = after;
                var session = new CountedSession(registry.Session, () =>
                {
                    Interlocked.Increment(ref operations);
                    NoteDepth(Interlocked.Increment(ref step));
                });
                var processes = new ProcessClient(session, registry.Defaults) { Clock = reader.Clock, PollInterval = reader.SnapshotPollInterval };
                var housekeeping = new RegistryClient(session, registry.Defaults, registry.NamespaceName);
                await SweepOldCopiesAsync(housekeeping).ConfigureAwait(false);

                var chunks = SignedOutProfiles.Chunk(users);
                for (var c = 0; c < chunks.Count; c++)
                {
                    var stopped = await SnapshotAsync(chunks[c], processes, housekeeping, () => Volatile.Read(ref step)).ConfigureAwait(false);
                    if (stopped == null) continue;
                    // What stopped one chunk (the account may not start processes, a command that does not end) stops the rest.
                    foreach (var user in chunks.Skip(c + 1).SelectMany(u => u))
                        Record(user.Sid, UserNotScannedReason.SnapshotFailed, stopped);
                    return;
                }
            }

            /// <summary>The users whose ProfileImagePath passes the checks; the others are named with ProfilePathRefused.</summary>
            private async Task<List<SignedOutProfile>> CheckProfilePathsAsync(IReadOnlyList<UserProfile> candidates, int after)
            {
                string systemRoot = null;
                if (candidates.Any(p => SignedOutProfiles.NeedsSystemRoot(p.ProfileImagePath)))
                {
                    var read = await ReadString(RegistryHive.LocalMachine, after, SignedOutProfiles.SystemRootKey, SignedOutProfiles.SystemRootValue, false).ConfigureAwait(false);
                    if (read.Success) systemRoot = read.Value;
                }
                var users = new List<SignedOutProfile>();
                foreach (var profile in candidates)
                {
                    var path = SignedOutProfiles.CheckProfilePath(profile.ProfileImagePath, systemRoot, out var refusal);
                    if (path != null)
                    {
                        users.Add(new SignedOutProfile(profile.Sid, path));
                        continue;
                    }
                    var shown = profile.ProfileImagePath == null ? "" : " '" + XmlCharacters.Visible(profile.ProfileImagePath) + "'";
                    Record(profile.Sid, UserNotScannedReason.ProfilePathRefused,
                        "the user is signed out and their profile path" + shown + " was not used to load their hive: " + refusal);
                }
                return users;
            }

            /// <summary>Copies whose waiter gave up (a scan cancelled or timed out): the Runs rule, whole subtrees.</summary>
            private async Task SweepOldCopiesAsync(RegistryClient housekeeping)
            {
                try
                {
                    var swept = await OnTarget(t => ProcessClient.SweepRunKeysAsync(housekeeping, SignedOutProfiles.ProfilesKey, reader.Clock.UtcNow, true, t)).ConfigureAwait(false);
                    if (swept.NotDeleted > 0)
                        Warn("Could not delete " + swept.NotDeleted.ToString(CultureInfo.InvariantCulture) + " old hive cop(ies) under HKLM\\" + SignedOutProfiles.ProfilesKey +
                             " on " + computer + "; a later scan tries again.", false);
                }
                catch (CimException ex) when (IsRefusal(ex))
                {
                    Warn("Could not sweep old hive copies under HKLM\\" + SignedOutProfiles.ProfilesKey + " on " + computer + ": " + ex.Message, false);
                }
            }

            /// <summary>
            /// One chunk: runs its command, reads each user's copy, deletes the copies. Null when the next chunk may go on;
            /// otherwise why the remaining users cannot be read either.
            /// </summary>
            /// <param name="steps">Round trips in sequence so far, read when the copies are there to read.</param>
            private async Task<string> SnapshotAsync(IReadOnlyList<SignedOutProfile> users, ProcessClient processes, RegistryClient housekeeping, Func<int> steps)
            {
                var timeout = reader.SignedOutSnapshotTimeout;
                var runId = RunKeyName.New(RunKeyName.Later(reader.Clock.UtcNow, timeout));
                var command = SignedOutProfiles.SnapshotCommand(runId, users);
                var wroteNothing = false;
                try
                {
                    ProcessRunResult run;
                    try { run = await OnTarget(t => processes.RunAsync(command, timeout, t)).ConfigureAwait(false); }
                    catch (CimException ex) when (IsRefusal(ex))
                    {
                        return FailAll(users, "the command that loads the hives of signed-out users could not be run on " + computer + " (" + ex.Message + ")");
                    }
                    if (!run.Start.Started)
                    {
                        wroteNothing = true;
                        var why = run.Start.Outcome == ProcessStartOutcome.AccessDenied
                            ? "the account may not start processes there, so no hive was loaded (an administrator's is needed)"
                            : "no hive was loaded";
                        return FailAll(users, "Win32_Process.Create returned " + run.Start.ReturnValue.ToString(CultureInfo.InvariantCulture) + " on " + computer + ": " + why);
                    }
                    if (!run.Exited)
                        return FailAll(users, "the command that loads the hives of signed-out users did not end within "
                            + ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s on " + computer
                            + "; a hive it loaded stays loaded until it ends, and its copy is deleted by a later scan");
                    var after = steps();
                    await Task.WhenAll(users.Select(user => ReadCopyAsync(runId, user, after))).ConfigureAwait(false);
                    return null;
                }
                finally
                {
                    if (!wroteNothing) await DeleteCopyAsync(housekeeping, runId).ConfigureAwait(false);
                }
            }

            private string FailAll(IEnumerable<SignedOutProfile> users, string message)
            {
                Warn("Signed-out users were not scanned: " + message + ".", false);
                foreach (var user in users) Record(user.Sid, UserNotScannedReason.SnapshotFailed, message);
                return message;
            }

            /// <summary>
            /// Deletes the chunk's copies, whatever the read did. Never throws: a copy left (the target went away, access
            /// denied) is swept by a later scan once its run id's deadline has passed.
            /// </summary>
            private async Task DeleteCopyAsync(RegistryClient housekeeping, string runId)
            {
                var key = SignedOutProfiles.CopyKey(runId);
                try
                {
                    var deleted = await housekeeping.DeleteKeyTreeAsync(RegistryHive.LocalMachine, key, Token).ConfigureAwait(false);
                    if (!deleted.Success && deleted.Outcome != RegistryOutcome.KeyNotFound)
                        Warn("Could not delete the hive copy HKLM\\" + key + " on " + computer + ": " + Describe(deleted) + "; a later scan sweeps it.", false);
                }
                catch (Exception ex) when (ex is CimException || ex is OperationCanceledException)
                {
                    if (!Token.IsCancellationRequested)
                        Warn("Could not delete the hive copy HKLM\\" + key + " on " + computer + ": " + ex.Message + " A later scan sweeps it.", false);
                }
            }

            /// <summary>One user's copy: the markers, then as for a loaded hive their uninstall entries, policies and packages.</summary>
            private async Task ReadCopyAsync(string runId, SignedOutProfile user, int after)
            {
                var sid = user.Sid;
                var copy = SignedOutProfiles.UserCopyKey(runId, sid);
                var read = new SignedOutRead();
                try
                {
                    var markers = await Op(RegistryHive.Users, after, t => registry.EnumValuesAsync(RegistryHive.LocalMachine, copy, t)).ConfigureAwait(false);
                    if (!markers.Success && markers.Outcome != RegistryOutcome.KeyNotFound)
                    {
                        read.Fail(UserNotScannedReason.SnapshotFailed, "the copy of the user's hive (HKLM\\" + copy + ") could not be read: " + Describe(markers));
                        Warn("Cannot read HKLM\\" + copy + " on " + computer + ": " + Describe(markers) + ".", true);
                        return;
                    }
                    var names = new HashSet<string>(markers.Success ? markers.Value.Select(v => v.Name) : Enumerable.Empty<string>(), StringComparer.OrdinalIgnoreCase);
                    if (!names.Contains(SignedOutProfiles.LoadedValue))
                        read.Fail(UserNotScannedReason.HiveLoadFailed, "the user is signed out and reg.exe could not load " + user.ProfilePath
                            + "\\NTUSER.DAT (they signed in meanwhile, or the file is missing or in use)");
                    else if (!storeOnly)
                    {
                        await ScanUninstallRootAsync(UninstallRoot.ForSignedOutUser(sid, copy + "\\" + SignedOutProfiles.UninstallCopy), after + 1).ConfigureAwait(false);
                        read.UninstallRead = true;
                        await ReadPolicyKeyAsync(copy + "\\" + SignedOutProfiles.PoliciesCopy,
                            InventoryPaths.Format(RegistryHive.Users, sid + "\\" + SignedOutProfiles.UserPoliciesKey), 0, after + 1).ConfigureAwait(false);
                    }
                    if (!names.Contains(SignedOutProfiles.ClassesLoadedValue))
                        read.Fail(UserNotScannedReason.HiveLoadFailed, "the user is signed out and reg.exe could not load " + user.ProfilePath
                            + "\\AppData\\Local\\Microsoft\\Windows\\UsrClass.dat (they signed in meanwhile, or the file is missing or in use), so their Store packages were not read");
                    else
                        await ReadCopiedPackagesAsync(sid, copy + "\\" + SignedOutProfiles.PackagesCopy, read, after + 1).ConfigureAwait(false);
                }
                catch (CimException ex) when (IsAboutThatEntryOnly(ex))
                {
                    read.Fail(UserNotScannedReason.SnapshotFailed, "the copy of the user's hive could not be read: " + ex.Message);
                    Warn("Cannot read HKLM\\" + copy + " on " + computer + ": " + ex.Message, true);
                }
                finally
                {
                    lock (gate) signedOut[sid] = read;
                }
            }

            private async Task ReadCopiedPackagesAsync(string sid, string copy, SignedOutRead read, int after)
            {
                var device = await deviceRepository.ConfigureAwait(false);
                var list = await EnumKey(RegistryHive.Users, RegistryHive.LocalMachine, after, copy).ConfigureAwait(false);
                if (!list.Success && list.Outcome != RegistryOutcome.KeyNotFound)
                {
                    Warn("Cannot list the Store packages of " + sid + " (HKLM\\" + copy + ") on " + computer + ": " + Describe(list) + ".", true);
                    read.Fail(list.Outcome == RegistryOutcome.AccessDenied ? UserNotScannedReason.AccessDenied : UserNotScannedReason.ReadFailed,
                        "the copy of the user's package repository could not be read");
                    return;
                }
                if (device == null)
                {
                    read.Fail(UserNotScannedReason.ReadFailed, "the device's package repository could not be read");
                    return;
                }
                // No copy: the user has no package repository key (never had a package), as for a loaded classes hive.
                AddPackages(list.Success ? list.Value : new List<string>(), sid, InventoryPaths.Format(RegistryHive.Users, InventoryPaths.UserPackageRepository(sid)),
                    device, signedOut: true);
                lock (gate) storeRead.Add(sid);
            }

            /// <summary>
            /// One policy key of a copy and everything below it, into <see cref="policies"/> under its path in the user's own
            /// hive. A key or value that cannot be read is left out and named in a warning.
            /// </summary>
            private async Task ReadPolicyKeyAsync(string copy, string userPath, int depth, int after)
            {
                var values = await Op(RegistryHive.Users, after, t => registry.EnumValuesAsync(RegistryHive.LocalMachine, copy, t)).ConfigureAwait(false);
                if (values.Outcome == RegistryOutcome.KeyNotFound) return;
                if (!values.Success)
                {
                    Warn("Cannot read the policy key " + XmlCharacters.Visible(userPath) + " from its copy on " + computer + ": " + Describe(values) + ".", false);
                    return;
                }
                var named = values.Value.Where(v => v.Name != null).ToList();
                var data = await Task.WhenAll(named.Select(v => ReadPolicyValueAsync(copy, userPath, v, after + 1))).ConfigureAwait(false);
                var map = new Dictionary<string, RegistryValueData>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < named.Count; i++) if (data[i] != null) map[named[i].Name] = data[i];
                lock (gate) policies[userPath] = map;

                if (depth >= MaxPolicyDepth)
                {
                    Warn("Stopped reading the policy keys below " + XmlCharacters.Visible(userPath) + " on " + computer + ": more than "
                         + MaxPolicyDepth.ToString(CultureInfo.InvariantCulture) + " levels.", false);
                    return;
                }
                // Listed after the values, as the code waits for them: one round trip more when there were any.
                var listAfter = named.Count > 0 ? after + 2 : after + 1;
                var keys = await EnumKey(RegistryHive.Users, RegistryHive.LocalMachine, listAfter, copy).ConfigureAwait(false);
                if (!keys.Success)
                {
                    if (keys.Outcome != RegistryOutcome.KeyNotFound)
                        Warn("Cannot list the policy keys below " + XmlCharacters.Visible(userPath) + " from its copy on " + computer + ": " + Describe(keys) + ".", false);
                    return;
                }
                await Task.WhenAll(keys.Value.Select(k => ReadPolicyKeyAsync(copy + "\\" + k, userPath + "\\" + k, depth + 1, listAfter + 1))).ConfigureAwait(false);
            }

            /// <summary>One policy value as stored (REG_EXPAND_SZ comes back expanded by the provider); null when unreadable.</summary>
            private async Task<RegistryValueData> ReadPolicyValueAsync(string copy, string userPath, RegistryValueInfo info, int after)
            {
                RegistryOutcome outcome;
                object value;
                switch (info.Kind)
                {
                    case RegistryValueKind.MultiString:
                        var multi = await Op(RegistryHive.Users, after, t => registry.GetMultiStringValueAsync(RegistryHive.LocalMachine, copy, info.Name, t)).ConfigureAwait(false);
                        outcome = multi.Outcome;
                        value = multi.Success ? multi.Value.ToArray() : null;
                        break;
                    case RegistryValueKind.DWord:
                    case RegistryValueKind.QWord:
                    case RegistryValueKind.String:
                    case RegistryValueKind.ExpandString:
                        var typed = await ReadTypedAsync(RegistryHive.Users, RegistryHive.LocalMachine, after, copy, info).ConfigureAwait(false);
                        outcome = typed.Item1;
                        value = typed.Item3;
                        break;
                    default:
                        // Binary and other types: RegistryClient does not read them; the value is listed without its data.
                        return new RegistryValueData(info.Kind, null);
                }
                if (outcome == RegistryOutcome.Success) return new RegistryValueData(info.Kind, value);
                if (outcome != RegistryOutcome.ValueNotFound && outcome != RegistryOutcome.KeyNotFound)
                    Warn("Cannot read the policy value " + XmlCharacters.Visible(info.Name) + " of " + XmlCharacters.Visible(userPath) + " from its copy on "
                         + computer + ": " + outcome + ".", false);
                return null;
            }

            private IReadOnlyDictionary<string, IReadOnlyDictionary<string, RegistryValueData>> SignedOutPolicyMap()
            {
                lock (gate)
                    return policies.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, RegistryValueData>)p.Value, StringComparer.OrdinalIgnoreCase);
            }

            private void Record(string sid, UserNotScannedReason reason, string message)
            {
                var read = new SignedOutRead();
                read.Fail(reason, message);
                lock (gate) signedOut[sid] = read;
            }

            /// <summary>An operation outside the throttle (the process and the clean-up); a failure of the target stops the read.</summary>
            private async Task<T> OnTarget<T>(Func<CancellationToken, Task<T>> call)
            {
                try
                {
                    return await call(Token).ConfigureAwait(false);
                }
                catch (CimException ex) when (!IsRefusal(ex))
                {
                    StopOn(ex);
                    throw;
                }
            }

            /// <summary>
            /// The target answered and said no (access denied, no such class or method, a provider error): signed-out users
            /// are then named, the scan goes on. Anything else (unreachable, timed out, a broken reply) stops the read.
            /// </summary>
            private static bool IsRefusal(CimException ex)
            {
                switch (ex.Kind)
                {
                    case CimErrorKind.AccessDenied:
                    case CimErrorKind.InvalidClass:
                    case CimErrorKind.InvalidNamespace:
                    case CimErrorKind.InvalidParameter:
                    case CimErrorKind.NotFound:
                    case CimErrorKind.NotSupported:
                    case CimErrorKind.ProviderFailure:
                        return true;
                    default:
                        return false;
                }
            }
        }

        /// <summary>The session with every operation counted, for the operations the process and clean-up clients make.</summary>
        private sealed class CountedSession : ICimSession
        {
            private readonly ICimSession inner;
            private readonly Action count;

            public CountedSession(ICimSession inner, Action count)
            {
                this.inner = inner;
                this.count = count;
            }

            public string ComputerName => inner.ComputerName;
            public string TransportName => inner.TransportName;

            public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
            {
                count();
                return inner.QueryAsync(namespaceName, wql, onInstance, options);
            }

            public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
                IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
            {
                count();
                return inner.InvokeMethodAsync(namespaceName, className, methodName, inParameters, options);
            }

            /// <summary>The session belongs to the caller.</summary>
            public void Dispose() { }
        }
    }
}
