using System.Text.Json;
using Xunit;
using static AppBan.Simulator.Tests.UserTasks;

namespace AppBan.Simulator.Tests;

/// <summary>What a task does when it runs: as its principal, with that user's rights, in that user's session.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class TaskRunTests : IAsyncLifetime
{
    private const string Host = "TASKS-01";
    private const string Sam = "S-1-5-21-700-800-900-1002";
    private const string Jo = "S-1-5-21-700-800-900-1003";
    private const string UserUninstall = @"Software\Microsoft\Windows\CurrentVersion\Uninstall";
    private const string PowerShell = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
    private const string Msiexec = @"C:\Windows\System32\msiexec.exe";
    private const string Reg = @"C:\Windows\System32\reg.exe";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public TaskRunTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private Task<bool> Exists(string path) => KeyExistsAsync(fixture.Simulator, Host, path);

    /// <summary>Registers a task for a signed-in user, waits for the run its registration trigger starts, returns that run's command record.</summary>
    private async Task<JsonElement> RunAsUserAsync(string name, string sid, string command, string? arguments, string runLevel = "LeastPrivilege", string logonType = "InteractiveToken")
    {
        var reply = await RegisterAsync(admin, name, Xml(sid, command, arguments, runLevel: runLevel, logonType: logonType));
        Assert.Equal(0u, reply.ReturnValue);
        return (await FinishedCommandsAsync(fixture.Simulator, Host)).Single(c => c.GetProperty("source").GetString() == @"task:\AppBan\" + name);
    }

    [Fact]
    public async Task A_registration_trigger_runs_the_task_at_once_as_the_signed_in_user_and_their_own_uninstaller_removes_their_entry()
    {
        var command = await RunAsUserAsync("SamCapCut", Sam, @"C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe", "/S");

        Assert.Equal((@"TASKS-01\sam", Sam, false, 0), (command.GetProperty("user").GetString(), command.GetProperty("sid").GetString(),
            command.GetProperty("elevated").GetBoolean(), command.GetProperty("exitCode").GetInt32()));
        // The program itself, not wrapped in cmd.exe.
        Assert.Equal([@"C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe /S"], command.GetProperty("executed").EnumerateArray().Select(e => e.GetString()));
        Assert.False(await Exists($@"HKU\{Sam}\{UserUninstall}\CapCut"));
        var task = await TaskAsync(fixture.Simulator, Host, "SamCapCut");
        Assert.False(task.GetProperty("principal").GetProperty("privileged").GetBoolean());
        var run = Assert.Single(task.GetProperty("runs").EnumerateArray().ToList());
        Assert.Equal((@"TASKS-01\sam", 1u, 0), (run.GetProperty("account").GetString(), run.GetProperty("sessionId").GetUInt32(), run.GetProperty("exitCode").GetInt32()));
    }

    [Fact]
    public async Task A_tasks_process_runs_in_its_users_session_under_the_Schedule_service()
    {
        Assert.Equal(0u, (await RegisterAsync(admin, "Forever", Xml(Sam, @"C:\Tools\forever.exe", null))).ReturnValue);
        var process = (await fixture.Simulator.GetProcessesAsync(Host)).EnumerateArray().Single(p => p.GetProperty("name").GetString() == "forever.exe");
        Assert.Equal((1u, 1508u), (process.GetProperty("sessionId").GetUInt32(), process.GetProperty("parentProcessId").GetUInt32()));
        var command = (await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray().Single();
        Assert.False(command.GetProperty("finished").GetBoolean());
        // IgnoreNew: a second start while it runs starts nothing.
        Assert.Equal(0u, (await StartAsync(admin, "Forever")).ReturnValue);
        Assert.Single((await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray());
    }

    [Fact]
    public async Task A_task_runs_with_its_users_rights_only_HKLM_and_the_policy_keys_are_refused()
    {
        var hklm = await RunAsUserAsync("Hklm", Sam, Reg, @"add HKLM\SOFTWARE\ByTask /v X /t REG_SZ /d 1 /f");
        var own = await RunAsUserAsync("Own", Sam, Reg, @"add HKCU\Software\ByTask /v X /t REG_SZ /d 1 /f");
        var policy = await RunAsUserAsync("Policy", Sam, Reg, @"add HKCU\Software\Policies\Microsoft\Edge\URLBlocklist /v 1 /t REG_SZ /d example.com /f");
        var other = await RunAsUserAsync("Other", Sam, Reg, @"add HKU\S-1-5-21-700-800-900-1001\Software\ByTask /v X /t REG_SZ /d 1 /f");

        Assert.Equal((1, 0, 1, 1), (hklm.GetProperty("exitCode").GetInt32(), own.GetProperty("exitCode").GetInt32(),
            policy.GetProperty("exitCode").GetInt32(), other.GetProperty("exitCode").GetInt32()));
        Assert.False(await Exists(@"HKLM\SOFTWARE\ByTask"));
        Assert.True(await Exists($@"HKU\{Sam}\Software\ByTask"));
        Assert.False(await Exists($@"HKU\{Sam}\Software\Policies\Microsoft\Edge"));
        Assert.False(await Exists(@"HKU\S-1-5-21-700-800-900-1001\Software\ByTask"));
    }

    [Fact]
    public async Task Remove_AppxPackage_without_User_removes_the_package_for_the_user_running_it_without_an_administrator()
    {
        var command = await RunAsUserAsync("Appx", Sam, PowerShell,
            "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxPackage -Package 'Sample.App_1.0.0.0_x64__abcdefghijklm' -ErrorAction Stop\"");

        Assert.Equal(0, command.GetProperty("exitCode").GetInt32());
        var package = (await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray().Single(p => p.GetProperty("fullName").GetString() == "Sample.App_1.0.0.0_x64__abcdefghijklm");
        Assert.Equal([Jo], package.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        Assert.False(await Exists($@"HKU\{Sam}_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages\Sample.App_1.0.0.0_x64__abcdefghijklm"));
    }

    [Fact]
    public async Task Msiexec_removes_a_per_user_product_for_its_own_standard_user_but_not_a_per_machine_one()
    {
        await fixture.Simulator.SignInAsync(Host, Jo);
        var perUser = await RunAsUserAsync("PerUser", Jo, Msiexec, "/x {A1A1A1A1-0000-4000-8000-000000000001} /qn /norestart");
        var perMachine = await RunAsUserAsync("PerMachine", Jo, Msiexec, "/x {B2B2B2B2-0000-4000-8000-000000000002} /qn /norestart");
        // Someone else's per-user product is no product of theirs.
        var samsView = await RunAsUserAsync("NotSams", Sam, Msiexec, "/x {A1A1A1A1-0000-4000-8000-000000000001} /qn /norestart");

        Assert.Equal((0, 1603, 1605), (perUser.GetProperty("exitCode").GetInt32(), perMachine.GetProperty("exitCode").GetInt32(), samsView.GetProperty("exitCode").GetInt32()));
        Assert.False(await Exists($@"HKU\{Jo}\{UserUninstall}\{{A1A1A1A1-0000-4000-8000-000000000001}}"));
        Assert.True(await Exists(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{B2B2B2B2-0000-4000-8000-000000000002}"));
    }

    [Fact]
    public async Task A_per_user_uninstaller_run_as_another_user_removes_nothing()
    {
        await fixture.Simulator.SignInAsync(Host, Jo);
        var command = await RunAsUserAsync("WrongUser", Sam, @"C:\Users\jo\AppData\Local\CapCut\Apps\uninst.exe", "/S");
        Assert.Equal(0, command.GetProperty("exitCode").GetInt32());
        Assert.True(await Exists($@"HKU\{Jo}\{UserUninstall}\CapCut"));
    }

    [Fact]
    public async Task Tasks_that_run_elevated_are_recorded_as_such()
    {
        var system = await RunAsUserAsync("AsSystem", "S-1-5-18", Reg, @"add HKLM\SOFTWARE\BySystem /v X /t REG_SZ /d 1 /f", runLevel: "HighestAvailable", logonType: "ServiceAccount");

        Assert.Equal((@"NT AUTHORITY\SYSTEM", "S-1-5-18", true, 0), (system.GetProperty("user").GetString(), system.GetProperty("sid").GetString(),
            system.GetProperty("elevated").GetBoolean(), system.GetProperty("exitCode").GetInt32()));
        var task = await TaskAsync(fixture.Simulator, Host, "AsSystem");
        Assert.Equal(("HighestAvailable", true, 0u), (task.GetProperty("principal").GetProperty("runLevel").GetString(),
            task.GetProperty("principal").GetProperty("privileged").GetBoolean(), task.GetProperty("runs")[0].GetProperty("sessionId").GetUInt32()));
        Assert.True(await Exists(@"HKLM\SOFTWARE\BySystem"));
    }

    [Fact]
    public async Task A_task_whose_program_is_not_there_fails_with_0x80070002()
    {
        var command = await RunAsUserAsync("Missing", Sam, @"C:\Nowhere\gone.exe", null);
        Assert.Equal((2u, unchecked((int)0x80070002)), (command.GetProperty("returnValue").GetUInt32(), command.GetProperty("exitCode").GetInt32()));
    }

    [Fact]
    public async Task Win32_Process_records_name_the_administrator_and_their_source()
    {
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, @"reg.exe add HKLM\SOFTWARE\ByAdmin /v X /t REG_SZ /d 1 /f"));
        var record = (await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray().Single();
        Assert.Equal(("Win32_Process", @"TASKS-01\admin", "S-1-5-21-700-800-900-500", true), (record.GetProperty("source").GetString(),
            record.GetProperty("user").GetString(), record.GetProperty("sid").GetString(), record.GetProperty("elevated").GetBoolean()));
    }
}
