using System.Security;
using System.Text.Json;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>Task XML as the contract writes it, the Task Scheduler calls over WS-Man, and waiting for what the host ran.</summary>
internal static class UserTasks
{
    public const string Namespace = "root/Microsoft/Windows/TaskScheduler";
    public const string Folder = @"\AppBan\";

    /// <summary>A task in the shape AppBan registers: logon and registration triggers, the user's own least-privilege token.</summary>
    public static string Xml(string userId, string command, string? arguments, DateTime? end = null, string logonType = "InteractiveToken",
        string runLevel = "LeastPrivilege", bool registrationTrigger = true, string? logonUser = null, string deleteExpiredTaskAfter = "PT0S")
    {
        var start = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var until = (end ?? DateTime.UtcNow.AddDays(30)).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var boundaries = $"<StartBoundary>{start}</StartBoundary><EndBoundary>{until}</EndBoundary><Enabled>true</Enabled>";
        return "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n" +
            "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">" +
            "<RegistrationInfo><Author>AppBan</Author><Description>AppBan: remove CapCut (rule capcut) for " + SecurityElement.Escape(userId) + "</Description>" +
            $"<SecurityDescriptor>D:P(A;;FA;;;BA)(A;;FA;;;SY)(A;;FRFX;;;{SecurityElement.Escape(userId)})</SecurityDescriptor></RegistrationInfo>" +
            "<Triggers>" +
            $"<LogonTrigger>{boundaries}<UserId>{SecurityElement.Escape(logonUser ?? userId)}</UserId></LogonTrigger>" +
            (registrationTrigger ? $"<RegistrationTrigger>{boundaries}</RegistrationTrigger>" : "") +
            "</Triggers>" +
            $"<Principals><Principal id=\"Author\"><UserId>{SecurityElement.Escape(userId)}</UserId><LogonType>{logonType}</LogonType><RunLevel>{runLevel}</RunLevel></Principal></Principals>" +
            "<Settings><MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy><AllowStartOnDemand>true</AllowStartOnDemand><Enabled>true</Enabled>" +
            $"<ExecutionTimeLimit>PT1H</ExecutionTimeLimit><DeleteExpiredTaskAfter>{deleteExpiredTaskAfter}</DeleteExpiredTaskAfter></Settings>" +
            "<Actions Context=\"Author\"><Exec><Command>" + SecurityElement.Escape(command) + "</Command>" +
            (arguments is null ? "" : "<Arguments>" + SecurityElement.Escape(arguments) + "</Arguments>") + "</Exec></Actions></Task>";
    }

    public static Task<SoapReply> RegisterAsync(RawWsMan client, string name, string xml, string path = Folder, bool force = true) =>
        client.InvokeAsync(Namespace, "PS_ScheduledTask", "RegisterByXml",
            [("Force", force ? "true" : "false"), ("TaskName", name), ("TaskPath", path), ("Xml", xml)], "");

    public static Task<SoapReply> ExportAsync(RawWsMan client, string name, string path = Folder) =>
        client.InvokeAsync(Namespace, "PS_ScheduledTask", "ExportByName", [("TaskName", name), ("TaskPath", path)], "");

    public static Task<SoapReply> StartAsync(RawWsMan client, string name, string path = Folder) =>
        client.InvokeAsync(Namespace, "PS_ScheduledTask", "StartByPath", [("TaskName", name), ("TaskPath", path)], "");

    public static Task<SoapReply> DeleteAsync(RawWsMan client, string name, string path = Folder) =>
        client.DeleteAsync(Namespace, "MSFT_ScheduledTask", ("TaskName", name), ("TaskPath", path));

    /// <summary>The host's command records once every one of them has finished.</summary>
    public static async Task<List<JsonElement>> FinishedCommandsAsync(SimulatorProcess sim, string host)
    {
        for (var i = 0; i < 400; i++)
        {
            var commands = (await sim.GetCommandsAsync(host)).EnumerateArray().ToList();
            if (commands.All(c => c.GetProperty("finished").GetBoolean())) return commands;
            await Task.Delay(25);
        }
        throw new TimeoutException($"{host}: a command is still running.");
    }

    /// <summary>Runs a command line through Win32_Process.Create as the client and waits until it has finished; its exit code.</summary>
    public static async Task<int> RunAsync(SimulatorProcess sim, string host, RawWsMan client, string commandLine)
    {
        var create = await client.CreateProcessAsync(commandLine);
        Assert.Equal(0u, create.ReturnValue);
        var pid = uint.Parse(create.Out("ProcessId").Single()!);
        var record = (await FinishedCommandsAsync(sim, host)).Single(c => c.GetProperty("processId").ValueKind == JsonValueKind.Number && c.GetProperty("processId").GetUInt32() == pid);
        return record.GetProperty("exitCode").GetInt32();
    }

    public static async Task<JsonElement> TaskAsync(SimulatorProcess sim, string host, string name) =>
        (await sim.GetTasksAsync(host)).EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);

    public static async Task<JsonElement> UserAsync(SimulatorProcess sim, string host, string sid) =>
        (await sim.GetUsersAsync(host)).EnumerateArray().Single(u => u.GetProperty("sid").GetString() == sid);

    public static async Task<bool> KeyExistsAsync(SimulatorProcess sim, string host, string path) => await sim.GetRegistryAsync(host, path) is not null;
}
