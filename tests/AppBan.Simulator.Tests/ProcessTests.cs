using System.Text.Json;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>Win32_Process.Create with the exit-code wrapper and the programs the host knows.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class ProcessTests : IAsyncLifetime
{
    private const string Host = "REGISTRY-01";
    private const string Uninstall = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public ProcessTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private static string Wrap(string inner, string runId) =>
        "cmd.exe /d /v:on /s /c \"" + inner + " & reg.exe add \"HKLM\\SOFTWARE\\AppBan\\Runs\\" + runId + "\" /v ExitCode /t REG_SZ /d !ERRORLEVEL! /f\"";

    /// <summary>Starts the wrapped command, polls Win32_Process until the process is gone, returns the recorded exit code.</summary>
    private async Task<string?> RunAsync(string inner, RawWsMan? client = null)
    {
        client ??= admin;
        var runId = Guid.NewGuid().ToString("N");
        var create = await client.CreateProcessAsync(Wrap(inner, runId));
        Assert.Equal(0u, create.ReturnValue);
        var pid = create.Out("ProcessId").Single();
        for (var i = 0; i < 200; i++)
        {
            if ((await client.QueryAllAsync($"SELECT ProcessId FROM Win32_Process WHERE ProcessId={pid}")).Count == 0) break;
            await Task.Delay(50);
        }
        var exit = await client.RegAsync("GetStringValue", RawWsMan.HKLM, @"SOFTWARE\AppBan\Runs\" + runId, "ExitCode");
        return exit.ReturnValue == 0 ? exit.Out("sValue").Single() : null;
    }

    private async Task<bool> KeyExists(string path) => await fixture.Simulator.GetRegistryAsync(Host, path) is not null;

    [Fact]
    public async Task Msiexec_uninstall_removes_the_product_and_reports_0()
    {
        Assert.Equal("0", await RunAsync("msiexec.exe /x {11111111-1111-1111-1111-111111111111} /qn /norestart"));
        Assert.False(await KeyExists(Uninstall + @"\{11111111-1111-1111-1111-111111111111}"));
        var commands = await fixture.Simulator.GetCommandsAsync(Host);
        var record = commands.EnumerateArray().Single();
        Assert.Equal(2, record.GetProperty("executed").GetArrayLength());
        Assert.True(record.GetProperty("finished").GetBoolean());
    }

    [Theory]
    [InlineData("{22222222-2222-2222-2222-222222222222}", "3010", true)]
    [InlineData("{44444444-4444-4444-4444-444444444444}", "1641", true)]
    [InlineData("{33333333-3333-3333-3333-333333333333}", "1603", false)]
    [InlineData("{99999999-9999-9999-9999-999999999999}", "1605", false)]
    public async Task Msiexec_exit_codes_follow_the_declared_product(string code, string exit, bool removed)
    {
        var existed = await KeyExists(Uninstall + "\\" + code) || await KeyExists(@"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\" + code);
        Assert.Equal(exit, await RunAsync($"msiexec.exe /x {code} /qn /norestart"));
        var exists = await KeyExists(Uninstall + "\\" + code) || await KeyExists(@"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\" + code);
        Assert.Equal(existed && !removed, exists);
    }

    [Fact]
    public async Task A_second_msiexec_while_one_runs_gets_1618()
    {
        var slow = await admin.CreateProcessAsync(Wrap("msiexec.exe /x {55555555-5555-5555-5555-555555555555} /qn /norestart", Guid.NewGuid().ToString("N")));
        Assert.Equal(0u, slow.ReturnValue);
        Assert.Equal("1618", await RunAsync("msiexec.exe /x {11111111-1111-1111-1111-111111111111} /qn /norestart"));
        Assert.True(await KeyExists(Uninstall + @"\{11111111-1111-1111-1111-111111111111}"));
        // While it runs, msiexec.exe is visible by name.
        Assert.NotEmpty(await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE Name='msiexec.exe'"));
    }

    [Fact]
    public async Task Msiexec_without_quiet_switches_never_ends()
    {
        var create = await admin.CreateProcessAsync(Wrap("msiexec.exe /x {11111111-1111-1111-1111-111111111111}", Guid.NewGuid().ToString("N")));
        var pid = create.Out("ProcessId").Single();
        await Task.Delay(300);
        Assert.Single(await admin.QueryAllAsync($"SELECT ProcessId FROM Win32_Process WHERE ProcessId={pid}"));
        Assert.True(await KeyExists(Uninstall + @"\{11111111-1111-1111-1111-111111111111}"));
    }

    private const string Ps = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command ";
    private const string DeviceRepository = @"HKLM\SOFTWARE\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\PackageRepository\Packages";
    private static string UserRepository(string sid) => @"HKU\" + sid + @"_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";

    private async Task<string[]> UsersOf(string fullName) =>
        (await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray().Where(p => p.GetProperty("fullName").GetString() == fullName)
            .SelectMany(p => p.GetProperty("users").EnumerateArray().Select(u => u.GetString()!)).OrderBy(u => u, StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Remove_AppxPackage_AllUsers_of_a_bundled_package_needs_the_bundle_name_and_user_keys_can_outlive_it()
    {
        const string package = "Bundled.App_2.0.0.0_x64__abcdefghijklm";
        const string bundle = "Bundled.App_2.0.0.0_neutral_~_abcdefghijklm";
        Assert.Equal("1", await RunAsync(Ps + $"\"Remove-AppxPackage -Package '{package}' -AllUsers -ErrorAction Stop\""));
        Assert.Equal(["S-1-5-21-100-200-300-1001", "S-1-5-21-100-200-300-1002"], await UsersOf(package));

        Assert.Equal("0", await RunAsync(Ps + $"\"Remove-AppxPackage -Package '{bundle}' -AllUsers -ErrorAction Stop\""));
        Assert.Empty(await UsersOf(package));
        Assert.False(await KeyExists(DeviceRepository + "\\" + package));
        Assert.False(await KeyExists(DeviceRepository + "\\" + bundle));
        // The host says the users' keys outlive the removal: only the device's repository tells it is gone.
        Assert.True(await KeyExists(UserRepository("S-1-5-21-100-200-300-1001") + "\\" + package));
        Assert.True(await KeyExists(UserRepository("S-1-5-21-100-200-300-1002") + "\\" + package));
    }

    [Fact]
    public async Task Remove_AppxPackage_User_can_exit_0_without_effect_or_fail_from_a_non_interactive_process()
    {
        const string noEffect = "NoEffect.App_1.0.0.0_x64__abcdefghijklm";
        const string session = "Session.App_1.0.0.0_x64__abcdefghijklm";
        const string user = "S-1-5-21-100-200-300-1001";
        Assert.Equal("0", await RunAsync(Ps + $"\"Remove-AppxPackage -Package '{noEffect}' -User '{user}' -ErrorAction Stop\""));
        Assert.Equal([user], await UsersOf(noEffect));
        Assert.True(await KeyExists(UserRepository(user) + "\\" + noEffect));

        Assert.Equal("1", await RunAsync(Ps + $"\"Remove-AppxPackage -Package '{session}' -User '{user}' -ErrorAction Stop\""));
        Assert.Equal([user], await UsersOf(session));
        // -AllUsers is not a per-user operation: it works.
        Assert.Equal("0", await RunAsync(Ps + $"\"Remove-AppxPackage -Package '{session}' -AllUsers -ErrorAction Stop\""));
        Assert.Empty(await UsersOf(session));
    }

    [Fact]
    public async Task Remove_AppxPackage_for_all_users_and_for_one_user()
    {
        const string tiktok = "BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se";
        const string ps = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command ";
        Assert.Equal("0", await RunAsync(ps + $"\"Remove-AppxPackage -Package '{tiktok}' -User 'S-1-5-21-100-200-300-1002' -ErrorAction Stop\""));
        var package = (await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray().Single(p => p.GetProperty("fullName").GetString() == tiktok);
        Assert.Equal(["S-1-5-21-100-200-300-1001"], package.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        Assert.False(await KeyExists(UserRepository("S-1-5-21-100-200-300-1002") + "\\" + tiktok));
        Assert.True(await KeyExists(UserRepository("S-1-5-21-100-200-300-1001") + "\\" + tiktok));

        Assert.Equal("0", await RunAsync(ps + $"\"Remove-AppxPackage -Package '{tiktok}' -AllUsers -ErrorAction Stop\""));
        package = (await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray().Single(p => p.GetProperty("fullName").GetString() == tiktok);
        Assert.Equal(0, package.GetProperty("users").GetArrayLength());
        Assert.True(package.GetProperty("provisioned").GetBoolean());

        Assert.Equal("0", await RunAsync(ps + $"\"Remove-AppxProvisionedPackage -Online -PackageName '{tiktok}' -ErrorAction Stop\""));
        Assert.DoesNotContain((await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray(), p => p.GetProperty("fullName").GetString() == tiktok);
        Assert.False(await KeyExists(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore\Applications\" + tiktok));

        Assert.False(await KeyExists(DeviceRepository + "\\" + tiktok));
        // Gone now: removing it again is an error.
        Assert.Equal("1", await RunAsync(ps + $"\"Remove-AppxPackage -Package '{tiktok}' -AllUsers -ErrorAction Stop\""));
    }

    [Fact]
    public async Task A_package_that_fails_to_deploy_reports_1_and_stays()
    {
        Assert.Equal("1", await RunAsync("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxPackage -Package 'Broken.Package_1.0.0.0_x64__abcdefghijklm' -AllUsers -ErrorAction Stop\""));
        Assert.Contains((await fixture.Simulator.GetPackagesAsync(Host)).EnumerateArray(), p => p.GetProperty("fullName").GetString() == "Broken.Package_1.0.0.0_x64__abcdefghijklm");
    }

    [Fact]
    public async Task A_declared_program_runs_with_its_arguments_and_effects()
    {
        Assert.Equal("0", await RunAsync("\"C:\\Program Files\\Tool\\uninstall.exe\" /S"));
        Assert.False(await KeyExists(Uninstall + @"\Tool"));
    }

    [Fact]
    public async Task A_per_user_uninstaller_run_by_an_administrator_exits_0_but_removes_nothing()
    {
        Assert.Equal("0", await RunAsync("\"C:\\Users\\user\\AppData\\Local\\PerUser\\uninst.exe\""));
        Assert.True(await KeyExists(@"HKU\S-1-5-21-100-200-300-1001\Software\Microsoft\Windows\CurrentVersion\Uninstall\PerUser"));
    }

    [Fact]
    public async Task Unknown_programs_inside_cmd_set_errorlevel_9009_and_are_logged()
    {
        Assert.Equal("9009", await RunAsync("calc.exe"));
        var commands = await fixture.Simulator.GetCommandsAsync(Host);
        Assert.Contains(commands.EnumerateArray().Single().GetProperty("executed").EnumerateArray(), e => e.GetString() == "calc.exe");
    }

    [Fact]
    public async Task Chained_commands_run_in_order_and_the_last_errorlevel_counts()
    {
        Assert.Equal("0", await RunAsync("calc.exe & \"C:\\Program Files\\Tool\\uninstall.exe\" /S"));
        var executed = (await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray().Single().GetProperty("executed").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal("calc.exe", executed[0]);
        Assert.StartsWith("\"C:\\Program Files\\Tool\\uninstall.exe\"", executed[1]);
    }

    [Fact]
    public async Task A_program_that_hangs_keeps_running_and_never_records_an_exit_code()
    {
        var runId = Guid.NewGuid().ToString("N");
        var create = await admin.CreateProcessAsync(Wrap("\"C:\\Program Files\\Hang\\hang.exe\"", runId));
        var pid = create.Out("ProcessId").Single();
        await Task.Delay(300);
        Assert.Single(await admin.QueryAllAsync($"SELECT ProcessId FROM Win32_Process WHERE ProcessId={pid}"));
        Assert.Single(await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE Name='hang.exe'"));
        Assert.False(await KeyExists(@"HKLM\SOFTWARE\AppBan\Runs\" + runId));
        Assert.False((await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray().Single().GetProperty("finished").GetBoolean());
    }

    [Fact]
    public async Task Created_processes_run_in_session_0_and_a_declared_user_orphan_starts_during_the_run_in_session_1()
    {
        const string host = "PROCESS-USER-ORPHAN";
        const string listing = "SELECT ProcessId, ParentProcessId, Name, SessionId FROM Win32_Process";
        await fixture.Simulator.ResetAsync(host);
        using var client = fixture.Admin(host);
        static string Prop(System.Xml.Linq.XElement item, string name) => item.Elements().Single(e => e.Name.LocalName == name).Value;

        var before = await client.QueryAllAsync(listing);
        Assert.DoesNotContain(before, p => Prop(p, "Name") == "launcher-child.exe");
        Assert.Equal("1", Prop(before.Single(p => Prop(p, "Name") == "notes.exe"), "SessionId"));
        Assert.Equal("0", Prop(before.Single(p => Prop(p, "Name") == "service-helper.exe"), "SessionId"));

        var create = await client.CreateProcessAsync("\"C:\\Program Files\\Tool\\uninstall.exe\"");
        var pid = create.Out("ProcessId").Single();
        var after = await client.QueryAllAsync(listing);
        Assert.Equal("0", Prop(after.Single(p => Prop(p, "ProcessId") == pid), "SessionId"));
        var orphan = after.Single(p => Prop(p, "Name") == "launcher-child.exe");
        Assert.Equal("1", Prop(orphan, "SessionId"));
        // Its launcher has exited: no process carries its ParentProcessId.
        Assert.DoesNotContain(after, p => Prop(p, "ProcessId") == Prop(orphan, "ParentProcessId"));

        // Started once: a second Create starts no second copy.
        await client.CreateProcessAsync("\"C:\\Program Files\\Tool\\uninstall.exe\"");
        Assert.Single(await client.QueryAllAsync(listing), p => Prop(p, "Name") == "launcher-child.exe");
    }

    [Fact]
    public async Task Create_return_codes_for_a_missing_program_an_empty_line_and_a_standard_user()
    {
        Assert.Equal(9u, (await admin.CreateProcessAsync("C:\\Nowhere\\nothing.exe /x")).ReturnValue);
        Assert.Equal(21u, (await admin.CreateProcessAsync("")).ReturnValue);
        using var user = fixture.As(Host, "user");
        var denied = await user.CreateProcessAsync("cmd.exe /c echo hi");
        Assert.Equal(2u, denied.ReturnValue);
        Assert.True(denied.OutIsNil("ProcessId"));
        // Every command line is logged, started or not.
        Assert.Equal(3, (await fixture.Simulator.GetCommandLinesAsync(Host)).Count);
    }

    [Fact]
    public async Task A_declared_program_started_directly_follows_CreateProcess_path_rules()
    {
        var create = await admin.CreateProcessAsync("C:\\Program Files\\Tool\\uninstall.exe /S");
        Assert.Equal(0u, create.ReturnValue);
        var pid = create.Out("ProcessId").Single();
        for (var i = 0; i < 100 && (await admin.QueryAllAsync($"SELECT ProcessId FROM Win32_Process WHERE ProcessId={pid}")).Count > 0; i++) await Task.Delay(50);
        Assert.False(await KeyExists(Uninstall + @"\Tool"));
    }

    [Fact]
    public async Task Percent_ERRORLEVEL_expands_when_the_line_is_read_not_after_the_command()
    {
        var runId = Guid.NewGuid().ToString("N");
        var line = "cmd.exe /d /s /c \"calc.exe & reg.exe add \"HKLM\\SOFTWARE\\AppBan\\Runs\\" + runId + "\" /v ExitCode /t REG_SZ /d %ERRORLEVEL% /f\"";
        var create = await admin.CreateProcessAsync(line);
        var pid = create.Out("ProcessId").Single();
        for (var i = 0; i < 100 && (await admin.QueryAllAsync($"SELECT ProcessId FROM Win32_Process WHERE ProcessId={pid}")).Count > 0; i++) await Task.Delay(50);
        var exit = await admin.RegAsync("GetStringValue", RawWsMan.HKLM, @"SOFTWARE\AppBan\Runs\" + runId, "ExitCode");
        Assert.Equal(["0"], exit.Out("sValue"));
    }

    private Task<SoapReply> TerminateAsync(string pid, string reason) =>
        admin.InvokeAsync("root/cimv2", "Win32_Process", "Terminate", [("Reason", reason)],
            $"<w:SelectorSet><w:Selector Name=\"Handle\">{pid}</w:Selector></w:SelectorSet>");

    [Fact]
    public async Task Terminating_a_hung_program_lets_cmd_record_the_reason_as_its_exit_code()
    {
        var runId = Guid.NewGuid().ToString("N");
        var create = await admin.CreateProcessAsync(Wrap("\"C:\\Program Files\\Hang\\hang.exe\"", runId));
        var cmdPid = create.Out("ProcessId").Single();
        var hung = (await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE Name='hang.exe'")).Single().Element("ProcessId")!.Value;
        Assert.Equal(0u, (await TerminateAsync(hung, "7")).ReturnValue);
        for (var i = 0; i < 100 && (await admin.QueryAllAsync($"SELECT ProcessId FROM Win32_Process WHERE ProcessId={cmdPid}")).Count > 0; i++) await Task.Delay(50);
        Assert.Equal(["7"], (await admin.RegAsync("GetStringValue", RawWsMan.HKLM, @"SOFTWARE\AppBan\Runs\" + runId, "ExitCode")).Out("sValue"));
        Assert.Empty(await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE Name='hang.exe'"));
    }

    [Fact]
    public async Task Terminate_stops_a_running_app_and_refuses_system_processes_and_unknown_ids()
    {
        Assert.Equal(0u, (await TerminateAsync("9120", "1")).ReturnValue);
        Assert.Empty(await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE Name='TikTok LIVE Studio.exe'"));
        Assert.Equal(2u, (await TerminateAsync("4", "1")).ReturnValue);
        Assert.Equal("a:DestinationUnreachable", (await TerminateAsync("424242", "1")).FaultSubcode);
    }
}
