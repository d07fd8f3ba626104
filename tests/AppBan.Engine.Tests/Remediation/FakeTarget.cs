using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>What running one command does on the fake target.</summary>
    public sealed class FakeProgram
    {
        public int? ExitCode { get; set; }
        public bool Hangs { get; set; }
        public Action<FakeTarget> Effect { get; set; }
    }

    /// <summary>
    /// An in-memory target behind the CIM port: HKLM keys with string values, Win32_Process.Create that
    /// honours the exit-code wrapper, and a log of every command line it was asked to start.
    /// </summary>
    public sealed class FakeTarget : ICimSession
    {
        private static readonly Regex Wrapper = new Regex(
            "^cmd\\.exe /d /v:on /s /c \"(?<inner>.*) & reg\\.exe add \"HKLM\\\\SOFTWARE\\\\AppBan\\\\Runs\\\\(?<id>[0-9a-f]{32})\" /v ExitCode /t REG_SZ /d !ERRORLEVEL! /f\"$",
            RegexOptions.Singleline);

        private readonly object gate = new object();
        private readonly Dictionary<string, Dictionary<string, string>> keys = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        private readonly HashSet<uint> running = new HashSet<uint>();
        private uint nextPid = 1000;

        public FakeTarget(string computerName = "PC01") { ComputerName = computerName; }

        public string ComputerName { get; }
        public string TransportName => "Fake";
        public List<string> CommandLines { get; } = new List<string>();
        public List<string> InnerCommands { get; } = new List<string>();
        /// <summary>Decides what each inner command does; the int is how many times that command ran before.</summary>
        public Func<string, int, FakeProgram> Programs { get; set; } = (_, __) => new FakeProgram { ExitCode = 0 };
        public uint CreateReturnValue { get; set; }
        public HashSet<string> Packages { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Every StdRegProv call, as "Method key".</summary>
        public List<string> RegistryCalls { get; } = new List<string>();
        /// <summary>Keys (and their subtrees) where every StdRegProv call returns 5.</summary>
        public HashSet<string> DeniedKeys { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        public void SetValue(string key, string name, string value)
        {
            lock (gate)
            {
                CreateKeyPath(key);
                keys[key][name] = value;
            }
        }

        public bool KeyExists(string key) { lock (gate) return keys.ContainsKey(key); }

        public void DeleteKey(string key) { lock (gate) keys.Remove(key); }

        public IReadOnlyList<string> KeysUnder(string prefix)
        {
            lock (gate) return keys.Keys.Where(k => k.StartsWith(prefix + "\\", StringComparison.OrdinalIgnoreCase)).ToList();
        }

        public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
        {
            if (wql == "SELECT ProcessId, ParentProcessId, Name FROM Win32_Process")
            {
                List<uint> all;
                lock (gate) all = running.ToList();
                foreach (var p in all)
                    onInstance(new CimObject("Win32_Process", new Dictionary<string, CimValue>
                    {
                        ["ProcessId"] = CimValue.FromUInt32(p), ["ParentProcessId"] = CimValue.FromUInt32(4), ["Name"] = CimValue.FromString("cmd.exe"),
                    }));
                return Task.CompletedTask;
            }
            var m = Regex.Match(wql, @"^SELECT ProcessId FROM Win32_Process WHERE ProcessId=(\d+)$");
            if (!m.Success) throw new CimException(CimErrorKind.InvalidQuery, ComputerName, "unexpected query " + wql);
            var pid = uint.Parse(m.Groups[1].Value);
            bool alive;
            lock (gate) alive = running.Contains(pid);
            if (alive) onInstance(new CimObject("Win32_Process", new Dictionary<string, CimValue> { ["ProcessId"] = CimValue.FromUInt32(pid) }));
            return Task.CompletedTask;
        }

        public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            var args = inParameters.ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase);
            if (className == "Win32_Process" && methodName == "Create") return Task.FromResult(Create(args["CommandLine"].AsString()));
            if (className != "StdRegProv") throw new CimException(CimErrorKind.InvalidClass, ComputerName, className);
            var hive = args["hDefKey"].AsUInt32();
            if (hive != (uint)RegistryHive.LocalMachine) return Task.FromResult(Result(2));
            var key = args["sSubKeyName"].AsString();
            lock (gate)
            {
                RegistryCalls.Add(methodName + " " + key);
                if (DeniedKeys.Any(d => key.Equals(d, StringComparison.OrdinalIgnoreCase) || key.StartsWith(d + "\\", StringComparison.OrdinalIgnoreCase)))
                    return Task.FromResult(Result(5));
                switch (methodName)
                {
                    case "GetStringValue":
                    case "GetExpandedStringValue":
                        if (!keys.TryGetValue(key, out var values)) return Task.FromResult(Result(2));
                        if (!values.TryGetValue(args["sValueName"].AsString(), out var v)) return Task.FromResult(Result(1));
                        return Task.FromResult(Result(0, ("sValue", CimValue.FromString(v))));
                    case "EnumKey":
                        if (!keys.ContainsKey(key)) return Task.FromResult(Result(2));
                        var children = keys.Keys.Where(k => k.StartsWith(key + "\\", StringComparison.OrdinalIgnoreCase))
                            .Select(k => k.Substring(key.Length + 1)).Where(k => k.IndexOf('\\') < 0).ToList();
                        return Task.FromResult(Result(0, ("sNames", children.Count == 0 ? CimValue.Null : CimValue.FromStringArray(children))));
                    case "DeleteKey":
                        if (!keys.ContainsKey(key)) return Task.FromResult(Result(2));
                        // StdRegProv.DeleteKey refuses a key that has subkeys.
                        if (keys.Keys.Any(k => k.StartsWith(key + "\\", StringComparison.OrdinalIgnoreCase))) return Task.FromResult(Result(5));
                        keys.Remove(key);
                        return Task.FromResult(Result(0));
                    default:
                        throw new CimException(CimErrorKind.NotSupported, ComputerName, methodName);
                }
            }
        }

        public void Dispose() { }

        private CimMethodResult Create(string commandLine)
        {
            lock (gate) CommandLines.Add(commandLine);
            if (CreateReturnValue != 0) return Result(CreateReturnValue);
            var m = Wrapper.Match(commandLine);
            if (!m.Success) throw new InvalidOperationException("A command did not come through the exit-code wrapper: " + commandLine);
            var inner = m.Groups["inner"].Value;
            int previousRuns;
            lock (gate)
            {
                previousRuns = InnerCommands.Count(c => c == inner);
                InnerCommands.Add(inner);
            }
            var program = Programs(inner, previousRuns) ?? new FakeProgram { ExitCode = 0 };
            uint pid;
            lock (gate) pid = nextPid++;
            if (program.Hangs)
            {
                lock (gate) running.Add(pid);
            }
            else
            {
                program.Effect?.Invoke(this);
                if (program.ExitCode.HasValue) SetValue(@"SOFTWARE\AppBan\Runs\" + m.Groups["id"].Value, "ExitCode", program.ExitCode.Value.ToString());
            }
            return Result(0, ("ProcessId", CimValue.FromUInt32(pid)));
        }

        private void CreateKeyPath(string key)
        {
            var parts = key.Split('\\');
            for (var i = 1; i <= parts.Length; i++)
            {
                var path = string.Join("\\", parts.Take(i));
                if (!keys.ContainsKey(path)) keys[path] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }
        }

        private static CimMethodResult Result(uint returnValue, params (string Name, CimValue Value)[] outs) =>
            new CimMethodResult(returnValue, outs.ToDictionary(o => o.Name, o => o.Value, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>The re-scan: an uninstall entry is installed while its key exists, a package while it is listed.</summary>
    public sealed class FakeVerifier : IInstallVerifier
    {
        private readonly FakeTarget target;
        public FakeVerifier(FakeTarget target) { this.target = target; }
        public int Calls { get; private set; }

        public Task<bool> IsStillInstalledAsync(InstalledApp app, System.Threading.CancellationToken cancellationToken)
        {
            Calls++;
            if (app.Kind == AppKind.StoreApp) return Task.FromResult(target.Packages.Contains(app.UserSid + "|" + app.PackageFullName));
            if (app.Kind == AppKind.ProvisionedStoreApp) return Task.FromResult(target.Packages.Contains("provisioned|" + app.PackageFullName));
            return Task.FromResult(target.KeyExists(app.KeyPath.Substring(5)));
        }
    }
}
