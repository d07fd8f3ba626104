#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace AppBan.Engine.Tests.Simulation
{
    /// <summary>One simulated host as the simulator reports it.</summary>
    public sealed class SimulatedHost
    {
        public string Name { get; init; } = "";
        /// <summary>http://127.0.0.1:&lt;port&gt;/wsman (or the host's own loopback address).</summary>
        public string Url { get; init; } = "";
        public int Port { get; init; }
        /// <summary>"127.0.0.1:&lt;port&gt;", what a client passes as the computer name.</summary>
        public string ComputerName { get; init; } = "";
        public bool Reachable { get; init; }
        public string AdminUser { get; init; } = "";
        public string AdminPassword { get; init; } = "";
        public IReadOnlyList<SimulatedAccount> Accounts { get; init; } = Array.Empty<SimulatedAccount>();
    }

    public sealed class SimulatedAccount
    {
        public string User { get; init; } = "";
        public string Password { get; init; } = "";
        public bool IsAdmin { get; init; }
        public string Sid { get; init; } = "";
    }

    /// <summary>
    /// Runs tests/Simulator as a child process for a test: starts it with host files, reads the HOST/CONTROL/READY
    /// lines, exposes the control endpoint, and stops it (closing its standard input) on Dispose.
    /// </summary>
    public sealed class SimulatorProcess : IDisposable
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
        private readonly Process process;
        private readonly HttpClient control;

        private SimulatorProcess(Process process, IReadOnlyList<SimulatedHost> hosts, Uri controlUri, string? certificatePath)
        {
            this.process = process;
            Hosts = hosts;
            ControlUri = controlUri;
            CertificatePath = certificatePath;
            control = new HttpClient { BaseAddress = controlUri, Timeout = TimeSpan.FromSeconds(30) };
        }

        public IReadOnlyList<SimulatedHost> Hosts { get; }
        public Uri ControlUri { get; }
        /// <summary>The PEM of the self-signed certificate when started with --https.</summary>
        public string? CertificatePath { get; }
        public int ProcessId => process.Id;
        public bool HasExited => process.HasExited;

        public SimulatedHost this[string name] =>
            Hosts.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"The simulator serves no host named {name}.");

        /// <summary>Starts the simulator with host files; a bare file name is looked up in tests/hosts.</summary>
        public static SimulatorProcess Start(params string[] hostFiles) =>
            StartWithArguments(hostFiles.SelectMany(f => new[] { "--hosts", ResolveHostFile(f) }).ToArray());

        /// <summary>Starts the simulator with any command-line arguments (--generate, --https, ...).</summary>
        public static SimulatorProcess StartWithArguments(params string[] arguments)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(SimulatorDll());
            foreach (var a in arguments) info.ArgumentList.Add(a);
            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the simulator.");
            var stderr = process.StandardError.ReadToEndAsync();
            var hosts = new List<(string Name, string Url)>();
            string? controlUrl = null, certificate = null;
            var watch = Stopwatch.StartNew();
            try
            {
                while (true)
                {
                    var lineTask = process.StandardOutput.ReadLineAsync();
                    if (!lineTask.Wait(StartTimeout - watch.Elapsed > TimeSpan.Zero ? StartTimeout - watch.Elapsed : TimeSpan.Zero))
                        throw new TimeoutException($"The simulator did not print READY within {StartTimeout.TotalSeconds} s.");
                    var line = lineTask.Result;
                    if (line is null)
                        throw new InvalidOperationException($"The simulator exited before READY: {(stderr.Wait(2000) ? stderr.Result : "")}");
                    var parts = line.Split(' ', 3);
                    if (parts[0] == "HOST" && parts.Length == 3) hosts.Add((parts[1], parts[2]));
                    else if (parts[0] == "CONTROL" && parts.Length >= 2) controlUrl = parts[1];
                    else if (parts[0] == "CERTIFICATE" && parts.Length >= 2) certificate = line.Substring("CERTIFICATE ".Length);
                    else if (parts[0] == "READY") break;
                }
            }
            catch
            {
                Kill(process);
                throw;
            }
            // Nothing more is printed, but keep the pipe drained.
            _ = process.StandardOutput.ReadToEndAsync();

            using var http = new HttpClient { BaseAddress = new Uri(controlUrl!), Timeout = TimeSpan.FromSeconds(30) };
            var summary = JsonDocument.Parse(http.GetStringAsync("hosts").GetAwaiter().GetResult()).RootElement;
            var list = new List<SimulatedHost>();
            foreach (var (name, url) in hosts)
            {
                var entry = summary.EnumerateArray().First(e => string.Equals(e.GetProperty("name").GetString(), name, StringComparison.OrdinalIgnoreCase));
                var accounts = entry.GetProperty("accounts").EnumerateArray().Select(a => new SimulatedAccount
                {
                    User = a.GetProperty("user").GetString()!, Password = a.GetProperty("password").GetString()!,
                    IsAdmin = a.GetProperty("isAdmin").GetBoolean(), Sid = a.GetProperty("sid").GetString()!,
                }).ToList();
                var admin = accounts.FirstOrDefault(a => a.IsAdmin) ?? accounts.FirstOrDefault();
                var uri = new Uri(url);
                list.Add(new SimulatedHost
                {
                    Name = name, Url = url, Port = uri.Port, ComputerName = uri.Authority, Reachable = entry.GetProperty("reachable").GetBoolean(),
                    AdminUser = admin?.User ?? "", AdminPassword = admin?.Password ?? "", Accounts = accounts,
                });
            }
            return new SimulatorProcess(process, list, new Uri(controlUrl!), certificate);
        }

        /// <summary>Counts of WS-Man operations by kind ("Enumerate", "Pull", "StdRegProv.EnumKey", ...).</summary>
        public async Task<IReadOnlyDictionary<string, int>> GetOperationCountsAsync(string host)
        {
            var doc = await GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/operations");
            return doc.GetProperty("counts").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32(), StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>The ordered operation log (sequence, time, operation, action, resourceUri, detail, user, result).</summary>
        public async Task<JsonElement> GetOperationsAsync(string host) =>
            (await GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/operations")).GetProperty("log");

        /// <summary>Every command line passed to Win32_Process.Create, in order.</summary>
        public async Task<IReadOnlyList<string>> GetCommandLinesAsync(string host) =>
            (await GetCommandsAsync(host)).EnumerateArray().Select(c => c.GetProperty("commandLine").GetString()!).ToList();

        /// <summary>The command records: commandLine, returnValue, processId, executed statements, exitCode, finished.</summary>
        public Task<JsonElement> GetCommandsAsync(string host) => GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/commands");

        /// <summary>A registry subtree (name, values{name: {type, value}}, keys[]); null when the key does not exist.</summary>
        public async Task<JsonElement?> GetRegistryAsync(string host, string path)
        {
            using var response = await control.GetAsync($"hosts/{Uri.EscapeDataString(host)}/registry?path={Uri.EscapeDataString(path)}");
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            response.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("key");
        }

        /// <summary>Store packages: fullName, users (SIDs), provisioned.</summary>
        public Task<JsonElement> GetPackagesAsync(string host) => GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/packages");

        public Task<JsonElement> GetProcessesAsync(string host) => GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/processes");

        /// <summary>Open enumeration contexts on the host (contexts not yet finished or released).</summary>
        public async Task<int> GetOpenEnumerationCountAsync(string host) =>
            (await GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/enumerations")).GetProperty("count").GetInt32();

        /// <summary>The host's users: sid, name, signedIn, sessionId, temporaryProfile, loadedAs.</summary>
        public Task<JsonElement> GetUsersAsync(string host) => GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/users");

        /// <summary>The host's scheduled tasks: path, name, principal, triggers, actions, securityDescriptor, registeredBy, endBoundary, runs.</summary>
        public Task<JsonElement> GetTasksAsync(string host) => GetJsonAsync($"hosts/{Uri.EscapeDataString(host)}/tasks");

        /// <summary>Signs a user in (hives load, a session starts, logon tasks run): sid, signedIn, sessionId, temporaryProfile, tasksStarted.</summary>
        public Task<JsonElement> SignInAsync(string host, string sid) => PostJsonAsync($"hosts/{Uri.EscapeDataString(host)}/users/{Uri.EscapeDataString(sid)}/signin");

        /// <summary>Signs a user out (their processes end, their hives are written back and unloaded).</summary>
        public Task<JsonElement> SignOutAsync(string host, string sid) => PostJsonAsync($"hosts/{Uri.EscapeDataString(host)}/users/{Uri.EscapeDataString(sid)}/signout");

        /// <summary>Back to the description: registry, packages, processes, logs and counters.</summary>
        public Task ResetAsync(string host) => PostAsync($"hosts/{Uri.EscapeDataString(host)}/reset");

        /// <summary>Clears operation counts, the operation and command logs and the operation index.</summary>
        public Task ResetCountersAsync(string host) => PostAsync($"hosts/{Uri.EscapeDataString(host)}/counters/reset");

        private async Task<JsonElement> GetJsonAsync(string path)
        {
            using var response = await control.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        private async Task<JsonElement> PostJsonAsync(string path)
        {
            using var response = await control.PostAsync(path, null);
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {text}");
            return JsonDocument.Parse(text).RootElement.Clone();
        }

        private async Task PostAsync(string path)
        {
            using var response = await control.PostAsync(path, null);
            response.EnsureSuccessStatusCode();
        }

        public void Dispose()
        {
            control.Dispose();
            try
            {
                if (!process.HasExited)
                {
                    // Closing stdin is the simulator's signal to stop cleanly.
                    process.StandardInput.Close();
                    if (!process.WaitForExit(5000)) Kill(process);
                }
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }

        private static void Kill(Process p)
        {
            try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }

        public static string RepositoryRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AppBan.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("AppBan.sln not found above " + AppContext.BaseDirectory);
        }

        public static string ResolveHostFile(string file)
        {
            if (File.Exists(file) || Directory.Exists(file)) return Path.GetFullPath(file);
            var inHosts = Path.Combine(RepositoryRoot(), "tests", "hosts", file);
            if (File.Exists(inHosts) || Directory.Exists(inHosts)) return inHosts;
            throw new FileNotFoundException($"No host file '{file}' (looked in tests/hosts too).");
        }

        /// <summary>The simulator built next to this test assembly's configuration (APPBAN_SIMULATOR_DLL overrides).</summary>
        public static string SimulatorDll()
        {
            var overridden = Environment.GetEnvironmentVariable("APPBAN_SIMULATOR_DLL");
            if (!string.IsNullOrEmpty(overridden)) return overridden;
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Parent?.Name ?? "Release";
            var root = RepositoryRoot();
            foreach (var c in new[] { configuration, "Release", "Debug" })
            {
                var dll = Path.Combine(root, "tests", "Simulator", "bin", c, "net10.0", "AppBan.Simulator.dll");
                if (File.Exists(dll)) return dll;
            }
            throw new FileNotFoundException("AppBan.Simulator.dll is not built: build tests/Simulator first.");
        }
    }
}
