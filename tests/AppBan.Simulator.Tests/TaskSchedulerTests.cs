using System.Text.Json;
using Xunit;
using static AppBan.Simulator.Tests.UserTasks;

namespace AppBan.Simulator.Tests;

/// <summary>The Task Scheduler CIM provider: RegisterByXml, ExportByName, StartByPath and Delete of MSFT_ScheduledTask.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class TaskSchedulerTests : IAsyncLifetime
{
    private const string Host = "TASKS-01";
    private const string Sam = "S-1-5-21-700-800-900-1002";
    private const string Jo = "S-1-5-21-700-800-900-1003";
    private const string JoCapCut = @"C:\Users\jo\AppData\Local\CapCut\Apps\uninst.exe";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public TaskSchedulerTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private static string Reason(SoapReply reply) => reply.BodyElement.Element(SoapReply.S + "Reason")!.Value;

    [Fact]
    public async Task A_registered_task_exports_its_XML_and_is_gone_after_Delete()
    {
        var xml = Xml(Jo, JoCapCut, "/S");
        var register = await RegisterAsync(admin, "AppBan-0123456789abcdef01234567", xml);
        Assert.False(register.IsFault, register.Text);
        Assert.Equal(0u, register.ReturnValue);
        Assert.Contains(register.BodyElement.Elements(), e => e.Name.LocalName == "cmdletOutput");

        var task = await TaskAsync(fixture.Simulator, Host, "AppBan-0123456789abcdef01234567");
        Assert.Equal(@"\AppBan\", task.GetProperty("path").GetString());
        Assert.Equal((Jo, Jo, "InteractiveToken", "LeastPrivilege"), (task.GetProperty("principal").GetProperty("userId").GetString(),
            task.GetProperty("principal").GetProperty("sid").GetString(), task.GetProperty("principal").GetProperty("logonType").GetString(),
            task.GetProperty("principal").GetProperty("runLevel").GetString()));
        Assert.Equal(@"TASKS-01\admin", task.GetProperty("registeredBy").GetString());
        Assert.Equal((JoCapCut, "/S"), (task.GetProperty("actions")[0].GetProperty("command").GetString(), task.GetProperty("actions")[0].GetProperty("arguments").GetString()));
        Assert.Equal(["Logon", "Registration"], task.GetProperty("triggers").EnumerateArray().Select(t => t.GetProperty("type").GetString()));
        Assert.Equal($"D:P(A;;FA;;;BA)(A;;FA;;;SY)(A;;FRFX;;;{Jo})", task.GetProperty("securityDescriptor").GetString());
        // Jo is signed out: the registration trigger does not start an interactive task.
        Assert.Equal(0, task.GetProperty("runs").GetArrayLength());

        var export = await ExportAsync(admin, "AppBan-0123456789abcdef01234567");
        Assert.Equal(0u, export.ReturnValue);
        Assert.Equal([xml], export.Out("cmdletOutput"));

        var delete = await DeleteAsync(admin, "AppBan-0123456789abcdef01234567");
        Assert.False(delete.IsFault, delete.Text);
        Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", delete.Action);
        Assert.Equal(0, (await fixture.Simulator.GetTasksAsync(Host)).GetArrayLength());

        var missing = await ExportAsync(admin, "AppBan-0123456789abcdef01234567");
        Assert.True(missing.IsFault);
        Assert.Contains("0x80070002", Reason(missing));
        Assert.Equal("2147942402", missing.FaultCode);
        var again = await DeleteAsync(admin, "AppBan-0123456789abcdef01234567");
        Assert.True(again.IsFault);
        Assert.Contains("0x80070002", Reason(again));
        var counts = await fixture.Simulator.GetOperationCountsAsync(Host);
        Assert.Equal(2, counts["Delete"]);
    }

    [Fact]
    public async Task A_standard_user_may_neither_register_nor_delete_in_the_AppBan_folder()
    {
        Assert.Equal(0u, (await RegisterAsync(admin, "ByAdmin", Xml(Jo, JoCapCut, "/S"))).ReturnValue);
        using var helpdesk = fixture.As(Host, "helpdesk");

        var register = await RegisterAsync(helpdesk, "ByHelpdesk", Xml("S-1-5-21-700-800-900-1005", JoCapCut, "/S"));
        Assert.Equal("w:AccessDenied", register.FaultSubcode);
        Assert.Equal("2147942405", register.FaultCode);
        var delete = await DeleteAsync(helpdesk, "ByAdmin");
        Assert.Equal("w:AccessDenied", delete.FaultSubcode);
        var export = await ExportAsync(helpdesk, "ByAdmin");
        Assert.Equal("w:AccessDenied", export.FaultSubcode);

        Assert.Equal(["ByAdmin"], (await fixture.Simulator.GetTasksAsync(Host)).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("<Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"><Actions>", "2147750682")] // 0x8004131A not well-formed
    [InlineData("<Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"><Actions /></Task>", "2147750681")] // 0x80041319 no Exec
    [InlineData("<Task xmlns=\"urn:not-task-scheduler\"><Actions><Exec><Command>C:\\x.exe</Command></Exec></Actions></Task>", "2147750681")]
    public async Task XML_Task_Scheduler_cannot_read_is_a_fault_and_registers_nothing(string xml, string code)
    {
        var reply = await RegisterAsync(admin, "Broken", xml);
        Assert.True(reply.IsFault, reply.Text);
        Assert.Equal(code, reply.FaultCode);
        Assert.Equal(0, (await fixture.Simulator.GetTasksAsync(Host)).GetArrayLength());
    }

    [Fact]
    public async Task A_principal_nobody_on_the_machine_has_is_a_fault()
    {
        var reply = await RegisterAsync(admin, "Nobody", Xml("S-1-5-21-1-2-3-4242", JoCapCut, "/S"));
        Assert.True(reply.IsFault);
        Assert.Equal("2147943732", reply.FaultCode); // 0x80070534 ERROR_NONE_MAPPED
        Assert.Contains("0x80070534", Reason(reply));
        Assert.Equal(0, (await fixture.Simulator.GetTasksAsync(Host)).GetArrayLength());
    }

    [Fact]
    public async Task Registering_the_same_path_and_name_again_replaces_the_task_only_with_Force()
    {
        Assert.Equal(0u, (await RegisterAsync(admin, "Twice", Xml(Jo, JoCapCut, "/S"))).ReturnValue);
        var refused = await RegisterAsync(admin, "Twice", Xml(Jo, JoCapCut, "/VERYSILENT"), force: false);
        Assert.Equal("2147942583", refused.FaultCode); // 0x800700B7 ERROR_ALREADY_EXISTS
        Assert.Equal(0u, (await RegisterAsync(admin, "Twice", Xml(Jo, JoCapCut, "/VERYSILENT"))).ReturnValue);

        var tasks = (await fixture.Simulator.GetTasksAsync(Host)).EnumerateArray().ToList();
        var task = Assert.Single(tasks);
        Assert.Equal("/VERYSILENT", task.GetProperty("actions")[0].GetProperty("arguments").GetString());
        Assert.Contains("/VERYSILENT", (await ExportAsync(admin, "Twice")).Out("cmdletOutput").Single());
    }

    [Fact]
    public async Task An_expired_task_with_DeleteExpiredTaskAfter_is_deleted_and_never_runs()
    {
        var expired = await RegisterAsync(admin, "Expired", Xml(Sam, @"C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe", null, end: DateTime.UtcNow.AddMinutes(-1)));
        Assert.Equal(0u, expired.ReturnValue);
        var kept = await RegisterAsync(admin, "NoAutoDelete", Xml(Jo, JoCapCut, "/S", end: DateTime.UtcNow.AddMinutes(-1), deleteExpiredTaskAfter: "P3650D"));
        Assert.Equal(0u, kept.ReturnValue);

        Assert.Equal(["NoAutoDelete"], (await fixture.Simulator.GetTasksAsync(Host)).EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Empty((await fixture.Simulator.GetCommandsAsync(Host)).EnumerateArray());
        Assert.True(await KeyExistsAsync(fixture.Simulator, Host, $@"HKU\{Sam}\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut"));
    }

    [Fact]
    public async Task Tasks_are_instances_of_MSFT_ScheduledTask_and_a_standard_user_sees_only_their_own()
    {
        Assert.Equal(0u, (await RegisterAsync(admin, "ForJo", Xml(Jo, JoCapCut, "/S"))).ReturnValue);
        var items = await admin.QueryAllAsync("SELECT TaskName, TaskPath, State FROM MSFT_ScheduledTask", ns: Namespace);
        var item = Assert.Single(items);
        Assert.Equal(("ForJo", @"\AppBan\", "3"), (Prop(item, "TaskName"), Prop(item, "TaskPath"), Prop(item, "State")));

        using var helpdesk = fixture.As(Host, "helpdesk");
        Assert.Empty(await helpdesk.QueryAllAsync("SELECT TaskName FROM MSFT_ScheduledTask", ns: Namespace));
    }

    private static string? Prop(System.Xml.Linq.XElement item, string name) => item.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
}
