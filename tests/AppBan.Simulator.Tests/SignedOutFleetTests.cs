using System.Diagnostics;
using System.Text.Json;
using AppBan.Engine.Tests.Simulation;
using Xunit;
using static AppBan.Simulator.Tests.UserTasks;

namespace AppBan.Simulator.Tests;

/// <summary>The sample laptop's signed-out user and generated fleets with per-user apps on signed-out profiles.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class SignedOutFleetTests(SimulatorFixture fixture) : IAsyncLifetime
{
    private const string Laptop = "LAPTOP-01";
    private const string Jo = "S-1-5-21-3623811015-3361044348-30300820-1003";
    private const string JoCapCut = $@"HKU\{Jo}\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut";

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Laptop);
    public Task DisposeAsync() => fixture.Simulator.ResetAsync(Laptop);

    [Fact]
    public async Task Jos_CapCut_waits_in_the_offline_hive_and_goes_when_jos_own_task_runs_at_sign_in()
    {
        Assert.False(await KeyExistsAsync(fixture.Simulator, Laptop, $@"HKU\{Jo}"));
        using var admin = fixture.Admin(Laptop);
        var xml = Xml(Jo, @"C:\Users\jo\AppData\Local\CapCut\Apps\uninst.exe", "/S");
        Assert.Equal(0u, (await RegisterAsync(admin, "AppBan-jo-capcut", xml)).ReturnValue);
        Assert.Empty((await fixture.Simulator.GetCommandsAsync(Laptop)).EnumerateArray());

        var signIn = await fixture.Simulator.SignInAsync(Laptop, Jo);
        Assert.Equal(["AppBan-jo-capcut"], signIn.GetProperty("tasksStarted").EnumerateArray().Select(t => t.GetString()));
        Assert.True(await KeyExistsAsync(fixture.Simulator, Laptop, JoCapCut));
        var command = Assert.Single(await FinishedCommandsAsync(fixture.Simulator, Laptop));
        Assert.Equal((@"LAPTOP-01\jo", false, 0), (command.GetProperty("user").GetString(), command.GetProperty("elevated").GetBoolean(), command.GetProperty("exitCode").GetInt32()));
        Assert.False(await KeyExistsAsync(fixture.Simulator, Laptop, JoCapCut));
    }

    [Fact]
    public void A_template_can_put_per_user_apps_on_signed_out_profiles_with_their_own_uninstallers()
    {
        var template = Path.Combine(SimulatorProcess.RepositoryRoot(), "tests", "hosts", "templates", "fleet-template-signed-out.json");
        var dir = Path.Combine(Path.GetTempPath(), "appban-fleet-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var p = Process.Start(new ProcessStartInfo("dotnet", [SimulatorProcess.SimulatorDll(), "--generate", "6", "--template", template, "--seed", "4", "--out", dir])
                   { RedirectStandardOutput = true, RedirectStandardError = true })!)
            {
                p.WaitForExit(60000);
                Assert.Equal(0, p.ExitCode);
            }
            var hosts = Directory.GetFiles(dir).Order().Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement.Clone()).ToList();
            var checkedEntries = 0;
            foreach (var host in hosts)
            {
                var users = host.GetProperty("users").EnumerateArray().ToDictionary(u => u.GetProperty("sid").GetString()!, u => u);
                foreach (var entry in host.GetProperty("uninstallEntries").EnumerateArray().Where(e => e.GetProperty("key").GetString() == "CapCut"))
                {
                    var sid = entry.GetProperty("user").GetString()!;
                    Assert.False(users[sid].TryGetProperty("hiveLoaded", out var loaded) && loaded.GetBoolean());
                    var profile = users[sid].GetProperty("profilePath").GetString();
                    var program = host.GetProperty("programs").EnumerateArray().Single(p => p.GetProperty("path").GetString() == profile + @"\AppData\Local\CapCut\Apps\uninst.exe");
                    Assert.Equal(sid, program.GetProperty("runsAsUser").GetString());
                    Assert.Equal([$@"HKU\{sid}\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut"], program.GetProperty("removesKeys").EnumerateArray().Select(k => k.GetString()));
                    checkedEntries++;
                }
            }
            Assert.True(checkedEntries >= 3, $"expected CapCut on most of 6 hosts, saw {checkedEntries}");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
