using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>
    /// An in-memory StdRegProv behind the CIM port, with StdRegProv's ReturnValues (1, 2, 5, 0x80041005), per-key
    /// access denial, injected transport failures and operation counters. Unit tests only; end-to-end tests use the
    /// simulator.
    /// </summary>
    internal sealed class FakeRegistrySession : ICimSession
    {
        private readonly Node hklm = new Node();
        private readonly Node hku = new Node();
        private readonly HashSet<string> denied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentDictionary<string, int> counts = new ConcurrentDictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentQueue<string> log = new ConcurrentQueue<string>();
        private int inFlight, maxInFlight, total;

        public FakeRegistrySession(string computerName = "pc1") { ComputerName = computerName; }

        public string ComputerName { get; }
        public string TransportName => "Fake";
        public int TotalOperations => total;
        public int MaxInFlight => maxInFlight;
        public bool AnyCallWithout64BitView { get; private set; }
        public IReadOnlyDictionary<string, int> Counts => counts;
        public IEnumerable<string> Log => log;
        /// <summary>Thrown by the operation that touches a key path starting with this (full HK.. form).</summary>
        public (string Path, CimException Error)? FailOn { get; set; }

        public KeyBuilder Key(string fullPath)
        {
            Resolve(fullPath, create: true, out var node);
            return new KeyBuilder(node);
        }

        public void Deny(string fullPath) => denied.Add(fullPath.TrimEnd('\\'));

        public void DeleteKey(string fullPath)
        {
            var parentPath = fullPath.Substring(0, fullPath.LastIndexOf('\\'));
            var leaf = fullPath.Substring(fullPath.LastIndexOf('\\') + 1);
            if (Resolve(parentPath, false, out var parent)) parent.Keys.Remove(leaf);
        }

        public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options) =>
            throw new CimException(CimErrorKind.InvalidQuery, ComputerName, "Inventory must not query: " + wql);

        public async Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            if (className != "StdRegProv") throw new CimException(CimErrorKind.InvalidClass, ComputerName, "Invalid class " + className);
            if (!options.Use64BitProvider) AnyCallWithout64BitView = true;
            var p = inParameters.ToDictionary(x => x.Name, x => x.Value, StringComparer.OrdinalIgnoreCase);
            var hive = (RegistryHive)p["hDefKey"].AsUInt32().Value;
            var subKey = p["sSubKeyName"].AsString();
            var valueName = p.TryGetValue("sValueName", out var vn) ? vn.AsString() : null;
            var full = InventoryPaths.Format(hive, subKey);
            counts.AddOrUpdate(methodName, 1, (_, n) => n + 1);
            Interlocked.Increment(ref total);
            log.Enqueue(methodName + " " + full + (valueName != null ? " :" + valueName : ""));
            var now = Interlocked.Increment(ref inFlight);
            try
            {
                int seen;
                while ((seen = maxInFlight) < now && Interlocked.CompareExchange(ref maxInFlight, now, seen) != seen) { }
                await Task.Delay(1, options.CancellationToken).ConfigureAwait(false);
                if (FailOn.HasValue && full.StartsWith(FailOn.Value.Path, StringComparison.OrdinalIgnoreCase)) throw FailOn.Value.Error;
                return Answer(methodName, hive, full, subKey, valueName);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }

        private CimMethodResult Answer(string method, RegistryHive hive, string full, string subKey, string valueName)
        {
            if (denied.Any(d => full.Equals(d, StringComparison.OrdinalIgnoreCase) || full.StartsWith(d + "\\", StringComparison.OrdinalIgnoreCase)))
                return Fail(5);
            if (!Resolve(full, false, out var node)) return Fail(2);
            var outs = new Dictionary<string, CimValue>(StringComparer.OrdinalIgnoreCase);
            switch (method)
            {
                case "EnumKey":
                    outs["sNames"] = node.Keys.Count == 0 ? CimValue.Null : CimValue.FromStringArray(node.Keys.Keys);
                    return new CimMethodResult(0, outs);
                case "EnumValues":
                    outs["sNames"] = node.Values.Count == 0 ? CimValue.Null : CimValue.FromStringArray(node.Values.Keys);
                    outs["Types"] = node.Values.Count == 0 ? CimValue.Null
                        : new CimValue(CimType.SInt32, true, node.Values.Values.Select(v => (object)(int)v.Kind).ToList());
                    return new CimMethodResult(0, outs);
                case "GetStringValue":
                case "GetExpandedStringValue":
                case "GetDWORDValue":
                case "GetQWORDValue":
                    if (!node.Values.TryGetValue(valueName ?? "", out var value)) return Fail(1);
                    var wanted = method == "GetStringValue" ? RegistryValueKind.String
                        : method == "GetExpandedStringValue" ? RegistryValueKind.ExpandString
                        : method == "GetDWORDValue" ? RegistryValueKind.DWord : RegistryValueKind.QWord;
                    if (value.Kind != wanted) return Fail(0x80041005);
                    outs[wanted == RegistryValueKind.DWord || wanted == RegistryValueKind.QWord ? "uValue" : "sValue"] =
                        wanted == RegistryValueKind.DWord ? CimValue.FromUInt32((uint)value.Data)
                        : wanted == RegistryValueKind.QWord ? CimValue.FromUInt64((ulong)value.Data)
                        : CimValue.FromString((string)value.Data);
                    return new CimMethodResult(0, outs);
                default:
                    throw new CimException(CimErrorKind.NotSupported, ComputerName, "Not modelled: " + method);
            }
        }

        private static CimMethodResult Fail(uint code) => new CimMethodResult(code, new Dictionary<string, CimValue>());

        private bool Resolve(string fullPath, bool create, out Node node)
        {
            InventoryPaths.TryParse(fullPath, out var hive, out var subKey);
            node = hive == RegistryHive.Users ? hku : hklm;
            if (string.IsNullOrEmpty(subKey)) return true;
            foreach (var part in subKey.Split('\\'))
            {
                if (!node.Keys.TryGetValue(part, out var next))
                {
                    if (!create) { node = null; return false; }
                    next = node.Keys[part] = new Node();
                }
                node = next;
            }
            return true;
        }

        public void Dispose() { }

        internal sealed class Node
        {
            public readonly SortedDictionary<string, Node> Keys = new SortedDictionary<string, Node>(StringComparer.OrdinalIgnoreCase);
            public readonly Dictionary<string, (RegistryValueKind Kind, object Data)> Values =
                new Dictionary<string, (RegistryValueKind, object)>(StringComparer.OrdinalIgnoreCase);
        }

        internal sealed class KeyBuilder
        {
            private readonly Node node;
            public KeyBuilder(Node node) { this.node = node; }
            public KeyBuilder String(string name, string value) { node.Values[name] = (RegistryValueKind.String, value); return this; }
            public KeyBuilder Expand(string name, string value) { node.Values[name] = (RegistryValueKind.ExpandString, value); return this; }
            public KeyBuilder DWord(string name, uint value) { node.Values[name] = (RegistryValueKind.DWord, value); return this; }
        }
    }
}
