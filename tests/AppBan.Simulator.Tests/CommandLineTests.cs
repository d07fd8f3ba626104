using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AppBan.Engine.Tests.Simulation;
using Xunit;
using static AppBan.Simulator.Tests.SoapReply;

namespace AppBan.Simulator.Tests;

/// <summary>The simulator as a program: modes, options, and a clean exit.</summary>
public sealed class CommandLineTests
{
    private static string Template => Path.Combine(SimulatorProcess.RepositoryRoot(), "tests", "hosts", "templates", "fleet-template.json");

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static async Task<string> CsName(SimulatedHost host, HttpMessageHandler? handler = null, string? user = null)
    {
        var account = host.Accounts.SingleOrDefault(a => a.User == user);
        using var client = new RawWsMan(host.Url, account?.User ?? host.AdminUser, account?.Password ?? host.AdminPassword, handler: handler);
        var items = await client.QueryAllAsync("SELECT CSName FROM Win32_OperatingSystem");
        return items.Single().Element("CSName")!.Value;
    }

    [Fact]
    public void It_exits_cleanly_when_its_standard_input_closes()
    {
        var sim = SimulatorProcess.Start("clean-01.json");
        var pid = sim.ProcessId;
        sim.Dispose();
        using var p = TryGet(pid);
        Assert.True(p is null || p.HasExited, "The simulator is still running after its standard input closed.");
    }

    [Fact]
    public async Task Each_host_gets_its_own_loopback_address_with_address_base()
    {
        var port = FreePort();
        using var sim = SimulatorProcess.StartWithArguments("--hosts", SimulatorProcess.ResolveHostFile("clean-01.json"),
            "--hosts", SimulatorProcess.ResolveHostFile("unreachable-01.json"), "--hosts", SimulatorProcess.ResolveHostFile("nonadmin-01.json"),
            "--address-base", "127.0.77.1", "--port", port.ToString());
        Assert.Equal($"http://127.0.77.1:{port}/wsman", sim["CLEAN-01"].Url);
        // Addresses follow the order the hosts were given in.
        Assert.Equal($"http://127.0.77.2:{port}/wsman", sim["UNREACHABLE-01"].Url);
        Assert.Equal($"http://127.0.77.3:{port}/wsman", sim["NONADMIN-01"].Url);
        Assert.Equal("CLEAN-01", await CsName(sim["CLEAN-01"]));
        // NONADMIN-01 has no administrator: its student has been granted Remote Enable.
        Assert.Equal("NONADMIN-01", await CsName(sim["NONADMIN-01"], user: "student"));
        using var tcp = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => tcp.ConnectAsync(IPAddress.Parse("127.0.77.2"), port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task Https_uses_a_certificate_that_clients_must_trust_explicitly()
    {
        // A host as Windows ships has no HTTPS listener: with --https its port refuses the connection.
        var shipped = Path.Combine(Path.GetTempPath(), $"no-https-{Guid.NewGuid():N}.json");
        File.WriteAllText(shipped, "{ \"schemaVersion\": 2, \"computerName\": \"NO-HTTPS-01\", \"accounts\": [ { \"user\": \"a\", \"password\": \"p\", \"isAdmin\": true } ] }");
        using var sim = SimulatorProcess.StartWithArguments("--hosts", SimulatorProcess.ResolveHostFile("clean-01.json"), "--hosts", shipped, "--https");
        File.Delete(shipped);
        Assert.False(sim["NO-HTTPS-01"].Reachable);
        using (var client = new System.Net.Sockets.TcpClient())
        {
            var refused = await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => client.ConnectAsync("127.0.0.1", sim["NO-HTTPS-01"].Port));
            Assert.Equal(System.Net.Sockets.SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
        var host = sim["CLEAN-01"];
        Assert.StartsWith("https://127.0.0.1:", host.Url);
        Assert.NotNull(sim.CertificatePath);

        // Default verification rejects a self-signed certificate.
        await Assert.ThrowsAsync<HttpRequestException>(() => CsName(host));

        using var trusted = X509CertificateLoader.LoadCertificateFromFile(sim.CertificatePath!);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert is not null && cert.Thumbprint == trusted.Thumbprint,
        };
        Assert.Equal("CLEAN-01", await CsName(host, handler));
    }

    [Fact]
    public void The_same_seed_generates_the_same_fleet()
    {
        string Generate(int seed)
        {
            var dir = Path.Combine(Path.GetTempPath(), "appban-fleet-" + Guid.NewGuid().ToString("N"));
            using var p = Process.Start(new ProcessStartInfo("dotnet", [SimulatorProcess.SimulatorDll(), "--generate", "25", "--template", Template, "--seed", seed.ToString(), "--out", dir])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.WaitForExit(60000);
            Assert.Equal(0, p.ExitCode);
            var text = string.Join("\n", Directory.GetFiles(dir).Order().Select(File.ReadAllText));
            Directory.Delete(dir, true);
            return text;
        }
        var a = Generate(11);
        Assert.Equal(a, Generate(11));
        Assert.NotEqual(a, Generate(12));
        Assert.Contains("PC-0025", a);
    }

    [Fact]
    public void A_version_2_template_makes_version_2_hosts_with_its_WinRM_settings_or_Windows_defaults()
    {
        List<JsonElement> Generate(string template)
        {
            var dir = Path.Combine(Path.GetTempPath(), "appban-fleet-" + Guid.NewGuid().ToString("N"));
            using var p = Process.Start(new ProcessStartInfo("dotnet", [SimulatorProcess.SimulatorDll(), "--generate", "3", "--template", template, "--seed", "5", "--out", dir])
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.WaitForExit(60000);
            Assert.Equal(0, p.ExitCode);
            var hosts = Directory.GetFiles(dir).Order().Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone()).ToList();
            Directory.Delete(dir, true);
            return hosts;
        }
        static bool? Basic(JsonElement host) =>
            host.TryGetProperty("winRm", out var w) && w.TryGetProperty("basic", out var b) && b.ValueKind != JsonValueKind.Null ? b.GetBoolean() : null;

        var declared = Generate(Template);
        Assert.All(declared, h => Assert.Equal(2, h.GetProperty("schemaVersion").GetInt32()));
        Assert.All(declared, h => Assert.True(Basic(h)));

        // Without winRm, a version 2 template's hosts keep Windows' defaults: Basic is not turned on.
        var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Template))!.AsObject();
        node.Remove("winRm");
        var bare = Path.Combine(Path.GetTempPath(), "appban-template-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(bare, node.ToJsonString());
        try
        {
            var defaults = Generate(bare);
            Assert.All(defaults, h => Assert.Equal(2, h.GetProperty("schemaVersion").GetInt32()));
            Assert.All(defaults, h => Assert.Null(Basic(h)));
        }
        finally { File.Delete(bare); }
    }

    [Fact]
    public async Task A_generated_fleet_is_served_from_one_process()
    {
        using var sim = SimulatorProcess.StartWithArguments("--generate", "50", "--template", Template, "--seed", "3");
        Assert.Equal(50, sim.Hosts.Count);
        Assert.Equal(50, sim.Hosts.Select(h => h.Url).Distinct().Count());
        var reachable = sim.Hosts.Where(h => h.Reachable).Take(3).ToList();
        foreach (var h in reachable) Assert.Equal(h.Name, await CsName(h));
    }

    [Fact]
    public void A_broken_host_file_stops_the_start_with_a_message()
    {
        var file = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{ \"schemaVersion\": 3, \"computerName\": \"X\" }");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => SimulatorProcess.Start(file));
            Assert.Contains("schemaVersion must be 1 or 2", error.Message);
        }
        finally { File.Delete(file); }
    }

    /// <summary>What the host file holds that the simulator cannot represent, and what the message must say.</summary>
    public static TheoryData<string, string> Unrepresentable => new()
    {
        { "\"computerName\": \"X\\ud800\"", "surrogate" },
        { "\"computerName\": \"X\", \"uninstallEntries\": [ { \"view\": \"user\", \"user\": \"S-1-5-21-1-2-3-1001\", \"key\": \"K\", \"values\": { \"DisplayName\": \"A\\udc00\" } } ]", "value 'DisplayName'" },
        { "\"computerName\": \"X\", \"registry\": [ { \"path\": \"HKLM\\\\SOFTWARE\\\\\\ud800\", \"values\": {} } ]", "surrogate" },
        { "\"computerName\": \"X\", \"registry\": [ { \"path\": \"HKLM\\\\SOFTWARE\\\\A\", \"values\": { \"N\": 99999999999 } } ]", "value 'N'" },
        { "\"computerName\": \"X\", \"registry\": [ { \"path\": \"HKLM\\\\SOFTWARE\\\\A\", \"values\": { \"B\": { \"type\": \"REG_BINARY\", \"value\": \"XYZ\" } } } ]", "value 'B'" },
        { "\"computerName\": \"X\", \"registry\": [ { \"path\": \"HKLM\\\\SOFTWARE\\\\A\", \"values\": { \"U\": { \"type\": \"REG_SZ\", \"utf16\": \"12345\" } } } ]", "code unit" },
        { "\"computerName\": \"X\", \"registry\": [ { \"path\": \"HKLM\\\\SOFTWARE\\\\A\", \"values\": { \"S\": { \"type\": \"REG_SZ\", \"value\": 5 } } } ]", "value 'S'" },
        { "\"computerName\": \"X\", \"faults\": { \"forbiddenCharacters\": \"escaped\" }", "forbiddenCharacters must be raw, reference, fault" },
    };

    [Theory]
    [MemberData(nameof(Unrepresentable))]
    public void A_host_file_it_cannot_represent_exits_2_naming_the_file_and_the_problem(string fields, string problem)
    {
        var file = Path.Combine(Path.GetTempPath(), $"unrepresentable-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{ \"schemaVersion\": 1, " + fields + ", \"accounts\": [ { \"user\": \"u\", \"password\": \"p\", \"isAdmin\": true } ] }");
        try
        {
            using var p = Process.Start(new ProcessStartInfo("dotnet", [SimulatorProcess.SimulatorDll(), "--hosts", file])
            { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(60000), "The simulator did not stop.");
            Assert.Equal(2, p.ExitCode);
            var message = stderr.Result;
            Assert.StartsWith(file, message);
            Assert.Contains(problem, message);
            Assert.DoesNotContain("Unhandled exception", message);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Remote_Enable_on_a_namespace_the_simulator_does_not_know_stops_the_start()
    {
        var file = Path.Combine(Path.GetTempPath(), $"typo-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """
            { "schemaVersion": 1, "computerName": "X",
              "accounts": [ { "user": "u", "password": "p", "remoteManagementUsers": true, "remoteEnableNamespaces": ["root\\cimv"] } ] }
            """);
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => SimulatorProcess.Start(file));
            Assert.Contains(@"Remote Enable on 'root\cimv'", error.Message);
        }
        finally { File.Delete(file); }
    }

    private static Process? TryGet(int pid)
    {
        try { return Process.GetProcessById(pid); } catch (ArgumentException) { return null; }
    }
}
