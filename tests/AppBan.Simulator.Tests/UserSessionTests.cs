using System.Text.Json;
using Xunit;
using static AppBan.Simulator.Tests.UserTasks;

namespace AppBan.Simulator.Tests;

/// <summary>Users signing in and out, their hives on disk, and reg.exe load / copy / unload of a signed-out user's hive.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class UserSessionTests : IAsyncLifetime
{
    private const string Host = "TASKS-01";
    private const string Sam = "S-1-5-21-700-800-900-1002";
    private const string Jo = "S-1-5-21-700-800-900-1003";
    private const string JoCapCut = @"C:\Users\jo\AppData\Local\CapCut\Apps\uninst.exe";
    private const string UserUninstall = @"Software\Microsoft\Windows\CurrentVersion\Uninstall";
    private const string Repository = @"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";
    private const string Package = "Sample.App_1.0.0.0_x64__abcdefghijklm";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public UserSessionTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private Task<bool> Exists(string path) => KeyExistsAsync(fixture.Simulator, Host, path);

    /// <summary>The snapshot command of the contract (section 3) for one user, with its run's keys.</summary>
    private static string Snapshot(string sid, string profile, string runId = "0123456789abcdef0123456789abcdef")
    {
        var k = $@"HKU\AppBan-{runId}-0";
        var d = $@"HKLM\SOFTWARE\AppBan\Profiles\{runId}\{sid}";
        return $"reg.exe load \"{k}\" \"{profile}\\NTUSER.DAT\" && reg.exe add \"{d}\" /v Loaded /t REG_DWORD /d 1 /f & " +
               $"reg.exe copy \"{k}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\" \"{d}\\Uninstall\" /s /f & " +
               $"reg.exe copy \"{k}\\Software\\Policies\" \"{d}\\Policies\" /s /f & reg.exe unload \"{k}\" & " +
               $"reg.exe load \"{k}_C\" \"{profile}\\AppData\\Local\\Microsoft\\Windows\\UsrClass.dat\" && reg.exe add \"{d}\" /v ClassesLoaded /t REG_DWORD /d 1 /f & " +
               $"reg.exe copy \"{k}_C\\{Repository}\" \"{d}\\Packages\" /s /f & reg.exe unload \"{k}_C\"";
    }

    private static string Cmd(string line) => "cmd.exe /d /v:on /s /c \"" + line + "\"";

    [Fact]
    public async Task A_signed_out_users_hive_is_on_disk_only_and_signing_in_loads_it_in_a_new_session_with_explorer()
    {
        Assert.False(await Exists($@"HKU\{Jo}"));
        Assert.False(await Exists($@"HKU\{Jo}_Classes"));
        var before = await UserAsync(fixture.Simulator, Host, Jo);
        Assert.Equal((false, JsonValueKind.Null), (before.GetProperty("signedIn").GetBoolean(), before.GetProperty("loadedAs").ValueKind));

        var signIn = await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.Equal((true, 3u, false), (signIn.GetProperty("signedIn").GetBoolean(), signIn.GetProperty("sessionId").GetUInt32(), signIn.GetProperty("temporaryProfile").GetBoolean()));
        Assert.True(await Exists($@"HKU\{Jo}\{UserUninstall}\CapCut"));
        Assert.True(await Exists($@"HKU\{Jo}\Software\Offline"));
        Assert.True(await Exists($@"HKU\{Jo}_Classes\{Repository}\{Package}"));
        Assert.Contains((await fixture.Simulator.GetProcessesAsync(Host)).EnumerateArray(),
            p => p.GetProperty("name").GetString() == "explorer.exe" && p.GetProperty("sessionId").GetUInt32() == 3);
        var after = await UserAsync(fixture.Simulator, Host, Jo);
        Assert.Equal((true, 3u, Jo), (after.GetProperty("signedIn").GetBoolean(), after.GetProperty("sessionId").GetUInt32(), after.GetProperty("loadedAs").GetString()));
    }

    [Fact]
    public async Task Signing_out_ends_the_sessions_processes_and_writes_the_hive_back_for_the_next_sign_in()
    {
        await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.Equal(0u, (await admin.RegAsync("CreateKey", RawWsMan.HKU, $@"{Jo}\Software\WrittenWhileSignedIn")).ReturnValue);
        Assert.Equal(0u, (await RegisterAsync(admin, "Forever", Xml(Jo, @"C:\Tools\forever.exe", null))).ReturnValue);
        Assert.Contains((await fixture.Simulator.GetProcessesAsync(Host)).EnumerateArray(), p => p.GetProperty("name").GetString() == "forever.exe");

        var signedOut = await fixture.Simulator.SignOutAsync(Host, Jo);
        Assert.False(signedOut.GetProperty("signedIn").GetBoolean());
        Assert.DoesNotContain((await fixture.Simulator.GetProcessesAsync(Host)).EnumerateArray(), p => p.GetProperty("sessionId").GetUInt32() == 3);
        Assert.True((await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray().Single().GetProperty("finished").GetBoolean());
        Assert.False(await Exists($@"HKU\{Jo}"));
        Assert.False(await Exists($@"HKU\{Jo}_Classes"));

        await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.True(await Exists($@"HKU\{Jo}\Software\WrittenWhileSignedIn"));
    }

    [Fact]
    public async Task Signing_in_runs_the_users_logon_tasks_and_their_removal_survives_sign_out()
    {
        Assert.Equal(0u, (await RegisterAsync(admin, "JoCapCut", Xml(Jo, JoCapCut, "/S"))).ReturnValue);
        Assert.Empty((await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray());

        var signIn = await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.Equal(["JoCapCut"], signIn.GetProperty("tasksStarted").EnumerateArray().Select(t => t.GetString()));
        var command = Assert.Single(await FinishedCommandsAsync(fixture.Simulator, Host));
        Assert.Equal((@"task:\AppBan\JoCapCut", @"TASKS-01\jo", false, 0), (command.GetProperty("source").GetString(), command.GetProperty("user").GetString(),
            command.GetProperty("elevated").GetBoolean(), command.GetProperty("exitCode").GetInt32()));
        Assert.Equal(3u, (await TaskAsync(fixture.Simulator, Host, "JoCapCut")).GetProperty("runs")[0].GetProperty("sessionId").GetUInt32());
        Assert.False(await Exists($@"HKU\{Jo}\{UserUninstall}\CapCut"));

        await fixture.Simulator.SignOutAsync(Host, Jo);
        await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.False(await Exists($@"HKU\{Jo}\{UserUninstall}\CapCut"));
        Assert.True(await Exists($@"HKU\{Jo}\{UserUninstall}\{{A1A1A1A1-0000-4000-8000-000000000001}}"));
    }

    [Fact]
    public async Task A_logon_task_for_someone_else_does_not_start_at_this_users_sign_in()
    {
        Assert.Equal(0u, (await RegisterAsync(admin, "SamAtJoLogon", Xml(Sam, @"C:\Tools\forever.exe", null, registrationTrigger: false, logonUser: Jo))).ReturnValue);
        var signIn = await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.Equal(0, signIn.GetProperty("tasksStarted").GetArrayLength());
        Assert.Empty((await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray());
    }

    [Fact]
    public async Task The_snapshot_command_loads_copies_and_unloads_a_signed_out_users_hives()
    {
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, Cmd(Snapshot(Jo, @"C:\Users\jo"))));

        var d = $@"HKLM\SOFTWARE\AppBan\Profiles\0123456789abcdef0123456789abcdef\{Jo}";
        var snapshot = (await fixture.Simulator.GetRegistryAsync(Host, d))!.Value;
        Assert.Equal((1u, 1u), (snapshot.GetProperty("values").GetProperty("Loaded").GetProperty("value").GetUInt32(),
            snapshot.GetProperty("values").GetProperty("ClassesLoaded").GetProperty("value").GetUInt32()));
        Assert.Equal("\"C:\\Users\\jo\\AppData\\Local\\CapCut\\Apps\\uninst.exe\"",
            (await fixture.Simulator.GetRegistryAsync(Host, d + @"\Uninstall\CapCut"))!.Value.GetProperty("values").GetProperty("UninstallString").GetProperty("value").GetString());
        Assert.True(await Exists(d + @"\Packages\" + Package));
        // Jo has no policies: that copy failed and nothing else did.
        Assert.False(await Exists(d + @"\Policies"));
        var executed = (await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray().Single().GetProperty("executed").GetArrayLength();
        Assert.Equal(9, executed);

        var hku = (await fixture.Simulator.GetRegistryAsync(Host, "HKU"))!.Value.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain(hku, n => n!.StartsWith("AppBan-", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Null, (await UserAsync(fixture.Simulator, Host, Jo)).GetProperty("loadedAs").ValueKind);
    }

    [Fact]
    public async Task Reg_load_of_a_signed_in_users_hive_fails_and_only_administrators_may_load()
    {
        Assert.Equal(1, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe load HKU\AppBan-x-0 C:\Users\sam\NTUSER.DAT"));
        Assert.Equal(1, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe load HKU\AppBan-x-0 C:\Users\nobody\NTUSER.DAT"));
        Assert.Equal(1, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe unload HKU\{Sam}"));
        Assert.True(await Exists($@"HKU\{Sam}\{UserUninstall}\CapCut"));

        Assert.Equal(0u, (await RegisterAsync(admin, "SamLoads", Xml(Sam, @"C:\Windows\System32\reg.exe", @"load HKU\AppBan-x-1 C:\Users\jo\NTUSER.DAT"))).ReturnValue);
        var byUser = (await FinishedCommandsAsync(fixture.Simulator, Host)).Single(c => c.GetProperty("source").GetString() == @"task:\AppBan\SamLoads");
        Assert.Equal(1, byUser.GetProperty("exitCode").GetInt32());
        Assert.False(await Exists(@"HKU\AppBan-x-0"));
        Assert.False(await Exists(@"HKU\AppBan-x-1"));
    }

    [Fact]
    public async Task A_user_whose_hive_is_loaded_elsewhere_signs_in_to_a_temporary_profile()
    {
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, @"reg.exe load HKU\AppBan-held-0 C:\Users\jo\NTUSER.DAT"));
        Assert.True(await Exists($@"HKU\AppBan-held-0\{UserUninstall}\CapCut"));
        Assert.Equal("AppBan-held-0", (await UserAsync(fixture.Simulator, Host, Jo)).GetProperty("loadedAs").GetString());
        // Loaded once, it cannot be loaded again.
        Assert.Equal(1, await RunAsync(fixture.Simulator, Host, admin, @"reg.exe load HKU\AppBan-held-1 C:\Users\jo\NTUSER.DAT"));

        var signIn = await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.True(signIn.GetProperty("temporaryProfile").GetBoolean());
        Assert.True(await Exists($@"HKU\{Jo}"));
        Assert.False(await Exists($@"HKU\{Jo}\{UserUninstall}\CapCut"));
        Assert.False(await Exists($@"HKU\{Jo}_Classes\{Repository}"));

        await fixture.Simulator.SignOutAsync(Host, Jo);
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, @"reg.exe unload HKU\AppBan-held-0"));
        var again = await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.False(again.GetProperty("temporaryProfile").GetBoolean());
        Assert.True(await Exists($@"HKU\{Jo}\{UserUninstall}\CapCut"));
    }

    [Fact]
    public async Task Reg_copy_copies_values_and_with_s_subkeys_and_fails_for_a_missing_source()
    {
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe copy HKU\{Sam}\Software\Microsoft\Windows\CurrentVersion\Uninstall HKLM\SOFTWARE\Copy\Flat /f"));
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe copy HKU\{Sam}\Software\Microsoft\Windows\CurrentVersion\Uninstall HKLM\SOFTWARE\Copy\Deep /s /f"));
        Assert.Equal(1, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe copy HKU\{Sam}\Software\Nothing HKLM\SOFTWARE\Copy\None /s /f"));

        Assert.True(await Exists(@"HKLM\SOFTWARE\Copy\Flat"));
        Assert.False(await Exists(@"HKLM\SOFTWARE\Copy\Flat\CapCut"));
        Assert.Equal("CapCut", (await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\Copy\Deep\CapCut"))!.Value
            .GetProperty("values").GetProperty("DisplayName").GetProperty("value").GetString());
        Assert.False(await Exists(@"HKLM\SOFTWARE\Copy\None"));
    }

    [Fact]
    public async Task A_signed_out_users_package_repository_follows_their_packages_on_disk()
    {
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin,
            $"powershell.exe -NoProfile -Command \"Remove-AppxPackage -Package '{Package}' -User '{Jo}' -ErrorAction Stop\""));
        var package = (await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray().Single(p => p.GetProperty("fullName").GetString() == Package);
        Assert.Equal([Sam], package.GetProperty("users").EnumerateArray().Select(u => u.GetString()));

        // What a reg.exe load of jo's UsrClass.dat shows, and what jo's own sign-in shows.
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, @"reg.exe load HKU\AppBan-c-0_C C:\Users\jo\AppData\Local\Microsoft\Windows\UsrClass.dat"));
        Assert.True(await Exists($@"HKU\AppBan-c-0_C\{Repository}"));
        Assert.False(await Exists($@"HKU\AppBan-c-0_C\{Repository}\{Package}"));
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, @"reg.exe unload HKU\AppBan-c-0_C"));
        await fixture.Simulator.SignInAsync(Host, Jo);
        Assert.False(await Exists($@"HKU\{Jo}_Classes\{Repository}\{Package}"));
    }

    [Fact]
    public async Task Reset_signs_everyone_back_as_described_and_forgets_tasks()
    {
        await fixture.Simulator.SignInAsync(Host, Jo);
        await fixture.Simulator.SignOutAsync(Host, Sam);
        Assert.Equal(0u, (await RegisterAsync(admin, "Forgotten", Xml(Jo, JoCapCut, "/S"))).ReturnValue);

        await fixture.Simulator.ResetAsync(Host);
        var users = (await fixture.Simulator.GetUsersAsync(Host)).EnumerateArray().ToDictionary(u => u.GetProperty("sid").GetString()!, u => u.GetProperty("signedIn").GetBoolean());
        Assert.Equal((true, false), (users[Sam], users[Jo]));
        Assert.Equal(0, (await fixture.Simulator.GetTasksAsync(Host)).GetArrayLength());
        Assert.True(await Exists($@"HKU\{Sam}\{UserUninstall}\CapCut"));
        Assert.False(await Exists($@"HKU\{Jo}"));
    }
}
