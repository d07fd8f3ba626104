using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Tests.Exemptions
{
    /// <summary>
    /// An in-memory StdRegProv behind the CIM port, with the return codes Windows gives: SetStringValue on a
    /// missing key is 2, CreateKey makes parents, DeleteKey refuses a key with subkeys. Tests inject faults and
    /// answer WQL queries through delegates, and read the resulting registry back.
    /// </summary>
    internal sealed class FakeRegistrySession : ICimSession
    {
        private readonly object gate = new object();
        // Key path (HIVE\path, case-insensitive) -> values (name -> value).
        private readonly Dictionary<string, Dictionary<string, object>> keys = new Dictionary<string, Dictionary<string, object>>(StringComparer.OrdinalIgnoreCase);

        public FakeRegistrySession(string computerName = "PC-01") { ComputerName = computerName; }

        public string ComputerName { get; }
        public string TransportName => "Fake";
        public List<string> Calls { get; } = new List<string>();

        /// <summary>Returns a ReturnValue to fail a StdRegProv call with, or null to let it run.</summary>
        public Func<string, IReadOnlyList<CimParameter>, uint?> FailMethod { get; set; }
        /// <summary>Throws to simulate a transport failure on a StdRegProv call.</summary>
        public Func<string, Exception> ThrowOnMethod { get; set; }
        /// <summary>Answers WQL; the default is an invalid-class fault, as Windows gives for an unknown class.</summary>
        public Func<string, IEnumerable<CimObject>> Query { get; set; }
        public List<string> Queries { get; } = new List<string>();

        public void SetValue(string key, string name, object value)
        {
            lock (gate)
            {
                CreateKeyPath(key);
                keys[key][name] = value;
            }
        }

        public bool KeyExists(string key) { lock (gate) return keys.ContainsKey(key); }

        public IReadOnlyDictionary<string, object> ValuesOf(string key)
        {
            lock (gate) return keys.TryGetValue(key, out var v) ? new Dictionary<string, object>(v, StringComparer.OrdinalIgnoreCase) : null;
        }

        public IReadOnlyList<string> SubKeys(string key)
        {
            lock (gate)
            {
                var prefix = key.TrimEnd('\\') + "\\";
                return keys.Keys.Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && k.IndexOf('\\', prefix.Length) < 0)
                    .Select(k => k.Substring(prefix.Length)).ToList();
            }
        }

        public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
        {
            lock (gate) Queries.Add(wql);
            if (Query == null) throw new CimException(CimErrorKind.InvalidClass, ComputerName, "Invalid class");
            foreach (var o in Query(wql)) onInstance(o);
            return Task.CompletedTask;
        }

        public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            options?.CancellationToken.ThrowIfCancellationRequested();
            if (className != "StdRegProv") throw new CimException(CimErrorKind.InvalidClass, ComputerName, "Invalid class " + className);
            var p = inParameters.ToDictionary(x => x.Name, x => x.Value, StringComparer.OrdinalIgnoreCase);
            var hive = HiveName((uint)p["hDefKey"].AsUInt32());
            var key = hive + "\\" + p["sSubKeyName"].AsString();
            var value = p.TryGetValue("sValueName", out var vn) ? vn.AsString() : null;
            lock (gate) Calls.Add(methodName + " " + key + (value != null ? " " + value : ""));
            var thrown = ThrowOnMethod?.Invoke(methodName);
            if (thrown != null) throw thrown;
            var fail = FailMethod?.Invoke(methodName, inParameters);
            if (fail.HasValue) return Task.FromResult(new CimMethodResult(fail.Value, new Dictionary<string, CimValue>()));

            lock (gate)
            {
                switch (methodName)
                {
                    case "EnumKey":
                        if (!keys.ContainsKey(key)) return Done(2);
                        return Done(0, ("sNames", CimValue.FromStringArray(SubKeys(key))));
                    case "CreateKey":
                        CreateKeyPath(key);
                        return Done(0);
                    case "SetStringValue":
                        if (!keys.TryGetValue(key, out var set)) return Done(2);
                        set[value] = p["sValue"].AsString();
                        return Done(0);
                    case "GetStringValue":
                    case "GetExpandedStringValue":
                        if (!keys.TryGetValue(key, out var get)) return Done(2);
                        if (!get.TryGetValue(value, out var v)) return Done(1);
                        if (v is ExpandString e)
                            return methodName == "GetExpandedStringValue" ? Done(0, ("sValue", CimValue.FromString(e.Text))) : Done(0x80041005);
                        if (!(v is string s)) return Done(0x80041005);
                        return methodName == "GetStringValue" ? Done(0, ("sValue", CimValue.FromString(s))) : Done(0x80041005);
                    case "DeleteKey":
                        if (!keys.ContainsKey(key)) return Done(2);
                        if (SubKeys(key).Count > 0) return Done(5);
                        keys.Remove(key);
                        return Done(0);
                    default:
                        throw new CimException(CimErrorKind.NotSupported, ComputerName, "Not modelled: " + methodName);
                }
            }
        }

        private void CreateKeyPath(string key)
        {
            var parts = key.Split('\\');
            for (var i = 1; i <= parts.Length; i++)
            {
                var path = string.Join("\\", parts.Take(i));
                if (!keys.ContainsKey(path)) keys[path] = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            }
        }

        private static Task<CimMethodResult> Done(uint rv, params (string, CimValue)[] outs) =>
            Task.FromResult(new CimMethodResult(rv, rv == 0 ? outs.ToDictionary(o => o.Item1, o => o.Item2, StringComparer.OrdinalIgnoreCase) : new Dictionary<string, CimValue>()));

        private static string HiveName(uint hive) => hive switch
        {
            0x80000002 => "HKLM",
            0x80000003 => "HKU",
            _ => "HIVE" + hive,
        };

        public void Dispose() { }
    }

    /// <summary>A REG_EXPAND_SZ value in the fake registry.</summary>
    internal sealed class ExpandString
    {
        public ExpandString(string text) { Text = text; }
        public string Text { get; }
    }
}
