using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Tests.Fakes
{
    /// <summary>What running one command does on the fake host.</summary>
    public sealed class FakeProgram
    {
        /// <summary>Written to the run's key by the exit-code wrapper; null: the wrapper never writes it.</summary>
        public int? ExitCode { get; set; }
        /// <summary>The process keeps running (it stays visible to a ProcessId query).</summary>
        public bool Hangs { get; set; }
        public Action<FakeWindowsHost> Effect { get; set; }
    }

    /// <summary>One operation the fake host was asked to run.</summary>
    public sealed class FakeCall
    {
        public FakeCall(string className, string method, string keyPath, string valueName, IReadOnlyList<CimParameter> parameters, CimCallOptions options)
        {
            ClassName = className;
            Method = method;
            KeyPath = keyPath;
            ValueName = valueName;
            Parameters = parameters;
            Options = options;
        }

        public string ClassName { get; }
        public string Method { get; }
        /// <summary>"HKLM\..." or "HKU\..." for a StdRegProv call, else null.</summary>
        public string KeyPath { get; }
        public string ValueName { get; }
        public IReadOnlyList<CimParameter> Parameters { get; }
        public CimCallOptions Options { get; }
    }

    /// <summary>A command line Win32_Process.Create was asked to start, and the account it runs as.</summary>
    public sealed class StartedProcess
    {
        public StartedProcess(string commandLine, string account) { CommandLine = commandLine; Account = account; }
        public string CommandLine { get; }
        public string Account { get; }
    }

    /// <summary>
    /// One in-memory Windows host behind the CIM port, for unit tests (end-to-end tests use the simulator):
    /// StdRegProv over typed values in HKLM and HKU with Windows' ReturnValues (1 value missing, 2 key missing,
    /// 5 denied, 0x80041005 wrong type; SetStringValue on a missing key is 2, CreateKey makes parents, DeleteKey
    /// refuses a key with subkeys), Win32_Process.Create behind the exit-code wrapper with scripted programs,
    /// WQL answered by a delegate, failures injected per call, a log and counters of every operation, and each
    /// call's cancellation token observed.
    /// </summary>
    public sealed partial class FakeWindowsHost : ICimSession
    {
        private static readonly Regex ExitCodeWrapper = new Regex(
            "^cmd\\.exe /d /v:on /s /c \"(?<inner>.*) & reg\\.exe add \"HKLM\\\\SOFTWARE\\\\AppBan\\\\Runs\\\\(?<id>[0-9a-f]{32})\" /v ExitCode /t REG_SZ /d !ERRORLEVEL! /f\"$",
            RegexOptions.Singleline);
        private const string ProcessListQuery = "SELECT ProcessId, ParentProcessId, Name, SessionId FROM Win32_Process";
        private static readonly Regex ProcessIdQuery = new Regex(@"^SELECT ProcessId(?<session>, SessionId)? FROM Win32_Process WHERE ProcessId=(?<pid>\d+)$");
        /// <summary>Where Win32_Process.Create puts every process this host runs: the non-interactive session 0.</summary>
        private const uint CreatedSession = 0;

        private readonly object gate = new object();
        private readonly Dictionary<RegistryHive, Node> hives = new Dictionary<RegistryHive, Node>();
        private readonly HashSet<string> denied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<string> writeDenied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, int> counts = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        private readonly List<string> log = new List<string>();
        private readonly List<FakeCall> calls = new List<FakeCall>();
        private readonly List<string> queries = new List<string>();
        private readonly List<StartedProcess> processes = new List<StartedProcess>();
        private readonly List<string> innerCommands = new List<string>();
        private readonly HashSet<uint> running = new HashSet<uint>();
        private uint nextPid = 1000;
        private int inFlight, maxInFlight, total;

        public FakeWindowsHost(string computerName = "PC-01") { ComputerName = computerName; }

        public string ComputerName { get; }
        public string TransportName => "Fake";

        /// <summary>The account the session connected as: what Win32_Process.Create runs a command as.</summary>
        public string Account { get; set; } = @"PC-01\Administrator";

        // ---- Failure injection and scheduling ----

        /// <summary>A ReturnValue to fail a call with, or null to let it run.</summary>
        public Func<FakeCall, uint?> ReturnValueFor { get; set; }
        /// <summary>An exception to throw for a call (a transport or provider failure), or null to let it run.</summary>
        public Func<FakeCall, Exception> ThrowFor { get; set; }
        /// <summary>Thrown by every registry operation on a key path starting with Path (HKLM\.. or HKU\.. form).</summary>
        public (string Path, CimException Error)? FailOn { get; set; }
        /// <summary>A call this accepts waits until its own CimCallOptions token is cancelled (<see cref="Held"/> is set first).</summary>
        public Func<FakeCall, bool> HoldUntilCancelled { get; set; }
        public ManualResetEventSlim Held { get; } = new ManualResetEventSlim();
        public bool SawCancellation { get; private set; }
        /// <summary>Each operation yields for this long first, so several can be in flight at once (MaxInFlight).</summary>
        public TimeSpan? Latency { get; set; }

        // ---- What happened ----

        /// <summary>Every StdRegProv call, as "Method HKLM\key" or "Method HKLM\key :value".</summary>
        public IReadOnlyList<string> Log { get { lock (gate) return log.ToList(); } }
        /// <summary>Every method call with its parameters and options.</summary>
        public IReadOnlyList<FakeCall> Calls { get { lock (gate) return calls.ToList(); } }
        public IReadOnlyList<string> Queries { get { lock (gate) return queries.ToList(); } }
        /// <summary>Operations per method name (and "Query").</summary>
        public IReadOnlyDictionary<string, int> Counts => counts;
        public int TotalOperations => total;
        public int MaxInFlight => maxInFlight;
        public bool AnyCallWithout64BitView { get; private set; }

        // ---- Processes ----

        /// <summary>Decides what each inner command does; the int is how many times that command ran before.</summary>
        public Func<string, int, FakeProgram> Programs { get; set; } = (_, __) => new FakeProgram { ExitCode = 0 };
        /// <summary>A non-zero ReturnValue for Win32_Process.Create (the process is not started).</summary>
        public uint CreateReturnValue { get; set; }
        public IReadOnlyList<StartedProcess> Processes { get { lock (gate) return processes.ToList(); } }
        public IReadOnlyList<string> CommandLines => Processes.Select(p => p.CommandLine).ToList();
        /// <summary>The commands inside the exit-code wrapper, in the order they were started.</summary>
        public IReadOnlyList<string> InnerCommands { get { lock (gate) return innerCommands.ToList(); } }

        /// <summary>Store packages, as "SID|PackageFullName" or "provisioned|PackageFullName".</summary>
        public ISet<string> Packages { get; } = new ConcurrentSet();

        /// <summary>Answers WQL other than the ProcessId query; without it a query is an invalid-class fault, as Windows gives for an unknown class.</summary>
        public Func<string, IEnumerable<CimObject>> Query { get; set; }

        // ---- Registry ----

        public KeyBuilder Key(string keyPath)
        {
            lock (gate) return new KeyBuilder(this, Resolve(keyPath, create: true));
        }

        public void SetValue(string keyPath, string name, string value) => Key(keyPath).String(name, value);

        /// <summary>Every StdRegProv call on this key or below returns 5.</summary>
        public void Deny(string keyPath) { lock (gate) denied.Add(keyPath.TrimEnd('\\')); }

        /// <summary>The connected account may read this key and below but not change them: what CheckAccess reports.</summary>
        public void DenyWrite(string keyPath) { lock (gate) writeDenied.Add(keyPath.TrimEnd('\\')); }

        public bool KeyExists(string keyPath) { lock (gate) return Resolve(keyPath, create: false) != null; }

        public void DeleteKey(string keyPath)
        {
            lock (gate)
            {
                var cut = keyPath.LastIndexOf('\\');
                Resolve(keyPath.Substring(0, cut), create: false)?.Keys.Remove(keyPath.Substring(cut + 1));
            }
        }

        /// <summary>A key's values as .NET objects (string, uint, ulong), or null for a missing key.</summary>
        public IReadOnlyDictionary<string, object> ValuesOf(string keyPath)
        {
            lock (gate)
            {
                var node = Resolve(keyPath, create: false);
                return node?.Values.ToDictionary(v => v.Key, v => v.Value.Data, StringComparer.OrdinalIgnoreCase);
            }
        }

        public IReadOnlyList<string> SubKeys(string keyPath)
        {
            lock (gate) return Resolve(keyPath, create: false)?.Keys.Keys.ToList() ?? new List<string>();
        }

        /// <summary>Every key below this one, as full paths.</summary>
        public IReadOnlyList<string> KeysUnder(string keyPath)
        {
            lock (gate)
            {
                var found = new List<string>();
                void Walk(string path, Node node)
                {
                    foreach (var child in node.Keys) { found.Add(path + "\\" + child.Key); Walk(path + "\\" + child.Key, child.Value); }
                }
                var start = Resolve(keyPath, create: false);
                if (start != null) Walk(keyPath.TrimEnd('\\'), start);
                return found;
            }
        }

        // ---- The port ----

        public async Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
        {
            var call = new FakeCall(null, "Query", null, null, Array.Empty<CimParameter>(), options);
            lock (gate) queries.Add(wql);
            await BeginAsync(call).ConfigureAwait(false);
            try
            {
                var pid = ProcessIdQuery.Match(wql);
                if (pid.Success)
                {
                    bool alive;
                    var id = uint.Parse(pid.Groups["pid"].Value);
                    lock (gate) alive = running.Contains(id);
                    if (!alive) return;
                    var found = new Dictionary<string, CimValue> { ["ProcessId"] = CimValue.FromUInt32(id) };
                    if (pid.Groups["session"].Success) found["SessionId"] = CimValue.FromUInt32(CreatedSession);
                    onInstance(new CimObject("Win32_Process", found));
                    return;
                }
                if (wql == ProcessListQuery)
                {
                    // Every process the host runs, as children of System (4): the relaunch follower's listing.
                    List<uint> all;
                    lock (gate) all = running.ToList();
                    foreach (var p in all)
                        onInstance(new CimObject("Win32_Process", new Dictionary<string, CimValue>
                        {
                            ["ProcessId"] = CimValue.FromUInt32(p), ["ParentProcessId"] = CimValue.FromUInt32(4), ["Name"] = CimValue.FromString("cmd.exe"),
                            ["SessionId"] = CimValue.FromUInt32(CreatedSession),
                        }));
                    return;
                }
                if (Query == null) throw new CimException(CimErrorKind.InvalidClass, ComputerName, "Invalid class: " + wql);
                foreach (var o in Query(wql)) onInstance(o);
            }
            finally { Interlocked.Decrement(ref inFlight); }
        }

        public async Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            options = options ?? CimCallOptions.Default;
            var args = inParameters.ToDictionary(x => x.Name, x => x.Value, StringComparer.OrdinalIgnoreCase);
            string keyPath = null, valueName = null;
            if (className == "StdRegProv")
            {
                if (!options.Use64BitProvider) AnyCallWithout64BitView = true;
                keyPath = InventoryPaths.Format((RegistryHive)args["hDefKey"].AsUInt32().Value, args["sSubKeyName"].AsString());
                valueName = args.TryGetValue("sValueName", out var vn) ? vn.AsString() : null;
            }
            var call = new FakeCall(className, methodName, keyPath, valueName, inParameters, options);
            lock (gate)
            {
                calls.Add(call);
                if (keyPath != null) log.Add(methodName + " " + keyPath + (valueName != null ? " :" + valueName : ""));
            }
            await BeginAsync(call).ConfigureAwait(false);
            try
            {
                if (keyPath != null && FailOn.HasValue && keyPath.StartsWith(FailOn.Value.Path, StringComparison.OrdinalIgnoreCase)) throw FailOn.Value.Error;
                var thrown = ThrowFor?.Invoke(call);
                if (thrown != null) throw thrown;
                var failed = ReturnValueFor?.Invoke(call);
                if (failed.HasValue) return Result(failed.Value);
                if (className == "Win32_Process" && methodName == "Create") return Create(args["CommandLine"].AsString());
                if (className == TaskSchedulerClient.MethodsClassName) return ScheduledTaskMethod(methodName, args);
                if (className != "StdRegProv") throw new CimException(CimErrorKind.InvalidClass, ComputerName, "Invalid class " + className);
                lock (gate) return Registry(methodName, keyPath, valueName, args);
            }
            finally { Interlocked.Decrement(ref inFlight); }
        }

        public void Dispose() { }

        /// <summary>Counts the operation, observes its token, and holds or delays it as the test asked.</summary>
        private async Task BeginAsync(FakeCall call)
        {
            var token = call.Options?.CancellationToken ?? CancellationToken.None;
            token.ThrowIfCancellationRequested();
            counts.AddOrUpdate(call.Method, 1, (_, n) => n + 1);
            Interlocked.Increment(ref total);
            var now = Interlocked.Increment(ref inFlight);
            int seen;
            while ((seen = maxInFlight) < now && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen) { }
            try
            {
                if (HoldUntilCancelled?.Invoke(call) == true)
                {
                    Held.Set();
                    try { await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false); }
                    catch (OperationCanceledException) { SawCancellation = true; throw; }
                }
                if (Latency.HasValue) await Task.Delay(Latency.Value, token).ConfigureAwait(false);
            }
            catch
            {
                Interlocked.Decrement(ref inFlight);
                throw;
            }
        }

        private CimMethodResult Registry(string method, string keyPath, string valueName, IDictionary<string, CimValue> args)
        {
            if (Covers(denied, keyPath)) return Result(5);
            if (method == "CreateKey")
            {
                Resolve(keyPath, create: true);
                return Result(0);
            }
            var node = Resolve(keyPath, create: false);
            if (node == null) return Result(2);
            switch (method)
            {
                case "EnumKey":
                    return Result(0, ("sNames", node.Keys.Count == 0 ? CimValue.Null : CimValue.FromStringArray(node.Keys.Keys)));
                case "EnumValues":
                    return Result(0,
                        ("sNames", node.Values.Count == 0 ? CimValue.Null : CimValue.FromStringArray(node.Values.Keys)),
                        ("Types", node.Values.Count == 0 ? CimValue.Null : new CimValue(CimType.SInt32, true, node.Values.Values.Select(v => (object)(int)v.Kind).ToList())));
                case "SetStringValue":
                    node.Values[valueName ?? ""] = (RegistryValueKind.String, args["sValue"].AsString());
                    return Result(0);
                case "GetStringValue":
                case "GetExpandedStringValue":
                case "GetDWORDValue":
                case "GetQWORDValue":
                    if (!node.Values.TryGetValue(valueName ?? "", out var value)) return Result(1);
                    var wanted = method == "GetStringValue" ? RegistryValueKind.String
                        : method == "GetExpandedStringValue" ? RegistryValueKind.ExpandString
                        : method == "GetDWORDValue" ? RegistryValueKind.DWord : RegistryValueKind.QWord;
                    if (value.Kind != wanted) return Result(0x80041005);
                    return wanted == RegistryValueKind.DWord ? Result(0, ("uValue", CimValue.FromUInt32((uint)value.Data)))
                        : wanted == RegistryValueKind.QWord ? Result(0, ("uValue", CimValue.FromUInt64((ulong)value.Data)))
                        : Result(0, ("sValue", CimValue.FromString((string)value.Data)));
                case "CheckAccess":
                    // KEY_QUERY_VALUE, KEY_ENUMERATE_SUB_KEYS, KEY_NOTIFY and READ_CONTROL only read.
                    const uint readRights = 0x1 | 0x8 | 0x10 | 0x20000;
                    var granted = (args["uRequired"].AsUInt32().Value & ~readRights) == 0 || !Covers(writeDenied, keyPath);
                    return Result(0, ("bGranted", CimValue.FromBoolean(granted)));
                case "DeleteKey":
                    if (node.Keys.Count > 0) return Result(5);
                    DeleteKey(keyPath);
                    return Result(0);
                default:
                    if (TryMultiStringRegistry(method, node, valueName, args, out var more)) return more;
                    throw new CimException(CimErrorKind.NotSupported, ComputerName, "Not modelled: " + method);
            }
        }

        private static bool Covers(IEnumerable<string> keys, string keyPath) =>
            keys.Any(k => keyPath.Equals(k, StringComparison.OrdinalIgnoreCase) || keyPath.StartsWith(k + "\\", StringComparison.OrdinalIgnoreCase));

        private CimMethodResult Create(string commandLine)
        {
            lock (gate) processes.Add(new StartedProcess(commandLine, Account));
            if (CreateReturnValue != 0) return Result(CreateReturnValue);
            var m = ExitCodeWrapper.Match(commandLine);
            if (!m.Success) throw new InvalidOperationException("A command did not come through the exit-code wrapper: " + commandLine);
            var inner = m.Groups["inner"].Value;
            int previousRuns;
            uint pid;
            lock (gate)
            {
                previousRuns = innerCommands.Count(c => c == inner);
                innerCommands.Add(inner);
                pid = nextPid++;
            }
            var program = Programs(inner, previousRuns) ?? new FakeProgram { ExitCode = 0 };
            if (program.Hangs)
            {
                lock (gate) running.Add(pid);
            }
            else
            {
                program.Effect?.Invoke(this);
                if (program.ExitCode.HasValue) SetValue(@"HKLM\SOFTWARE\AppBan\Runs\" + m.Groups["id"].Value, "ExitCode", program.ExitCode.Value.ToString());
            }
            return Result(0, ("ProcessId", CimValue.FromUInt32(pid)));
        }

        /// <summary>The node of a full key path; null when it is missing and not created.</summary>
        private Node Resolve(string keyPath, bool create)
        {
            if (!InventoryPaths.TryParse(keyPath, out var hive, out var subKey)) throw new ArgumentException("Not a full key path: " + keyPath);
            if (!hives.TryGetValue(hive, out var node)) hives[hive] = node = new Node();
            if (string.IsNullOrEmpty(subKey)) return node;
            foreach (var part in subKey.Split('\\'))
            {
                if (!node.Keys.TryGetValue(part, out var next))
                {
                    if (!create) return null;
                    next = node.Keys[part] = new Node();
                }
                node = next;
            }
            return node;
        }

        public static CimMethodResult Result(uint returnValue, params (string Name, CimValue Value)[] outs) =>
            new CimMethodResult(returnValue, returnValue == 0
                ? outs.ToDictionary(o => o.Name, o => o.Value, StringComparer.OrdinalIgnoreCase)
                : new Dictionary<string, CimValue>(StringComparer.OrdinalIgnoreCase));

        private sealed class Node
        {
            public readonly SortedDictionary<string, Node> Keys = new SortedDictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
            public readonly Dictionary<string, (RegistryValueKind Kind, object Data)> Values =
                new Dictionary<string, (RegistryValueKind, object)>(StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>Sets typed values on one key.</summary>
        public sealed class KeyBuilder
        {
            private readonly FakeWindowsHost host;
            private readonly Node node;
            internal KeyBuilder(FakeWindowsHost host, object node) { this.host = host; this.node = (Node)node; }
            public KeyBuilder String(string name, string value) => Set(name, RegistryValueKind.String, value);
            public KeyBuilder Expand(string name, string value) => Set(name, RegistryValueKind.ExpandString, value);
            public KeyBuilder DWord(string name, uint value) => Set(name, RegistryValueKind.DWord, value);
            public KeyBuilder QWord(string name, ulong value) => Set(name, RegistryValueKind.QWord, value);

            private KeyBuilder Set(string name, RegistryValueKind kind, object data)
            {
                lock (host.gate) node.Values[name] = (kind, data);
                return this;
            }
        }

        /// <summary>A thread-safe set: a program's effect and a verifier may touch Packages from different workers.</summary>
        private sealed class ConcurrentSet : ISet<string>
        {
            private readonly HashSet<string> items = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            private T Locked<T>(Func<HashSet<string>, T> f) { lock (items) return f(items); }
            private void Locked(Action<HashSet<string>> f) { lock (items) f(items); }
            public int Count => Locked(s => s.Count);
            public bool IsReadOnly => false;
            public bool Add(string item) => Locked(s => s.Add(item));
            void ICollection<string>.Add(string item) => Add(item);
            public void Clear() => Locked(s => s.Clear());
            public bool Contains(string item) => Locked(s => s.Contains(item));
            public void CopyTo(string[] array, int arrayIndex) => Locked(s => s.CopyTo(array, arrayIndex));
            public bool Remove(string item) => Locked(s => s.Remove(item));
            public IEnumerator<string> GetEnumerator() => Locked(s => s.ToList()).GetEnumerator();
            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
            public void ExceptWith(IEnumerable<string> other) => Locked(s => s.ExceptWith(other));
            public void IntersectWith(IEnumerable<string> other) => Locked(s => s.IntersectWith(other));
            public bool IsProperSubsetOf(IEnumerable<string> other) => Locked(s => s.IsProperSubsetOf(other));
            public bool IsProperSupersetOf(IEnumerable<string> other) => Locked(s => s.IsProperSupersetOf(other));
            public bool IsSubsetOf(IEnumerable<string> other) => Locked(s => s.IsSubsetOf(other));
            public bool IsSupersetOf(IEnumerable<string> other) => Locked(s => s.IsSupersetOf(other));
            public bool Overlaps(IEnumerable<string> other) => Locked(s => s.Overlaps(other));
            public bool SetEquals(IEnumerable<string> other) => Locked(s => s.SetEquals(other));
            public void SymmetricExceptWith(IEnumerable<string> other) => Locked(s => s.SymmetricExceptWith(other));
            public void UnionWith(IEnumerable<string> other) => Locked(s => s.UnionWith(other));
        }
    }

    /// <summary>The re-scan on the fake host: an uninstall entry is installed while its key exists, a package while it is listed.</summary>
    public sealed class FakeVerifier : IInstallVerifier
    {
        private readonly FakeWindowsHost host;
        private int calls;
        public FakeVerifier(FakeWindowsHost host) { this.host = host; }
        public int Calls => calls;

        public Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            if (app.Kind == AppKind.StoreApp) return Task.FromResult(host.Packages.Contains(app.UserSid + "|" + app.PackageFullName));
            if (app.Kind == AppKind.ProvisionedStoreApp) return Task.FromResult(host.Packages.Contains("provisioned|" + app.PackageFullName));
            return Task.FromResult(host.KeyExists(app.KeyPath));
        }

        /// <summary>Every user is read on the fake host; a holder is a user listed with a package of the family.</summary>
        public Task<StoreFamilyHolders> ReadStoreFamilyHoldersAsync(InstalledApp app, CancellationToken cancellationToken)
        {
            var family = PackageIdentity.TryParse(app.PackageFullName);
            var holders = host.Packages.Select(p => p.Split('|'))
                .Where(p => p.Length == 2 && p[0] != "provisioned" && family.IsSameFamily(PackageIdentity.TryParse(p[1])))
                .Select(p => p[0]).Distinct().ToList();
            return Task.FromResult(new StoreFamilyHolders { UserSids = holders });
        }
    }
}
