using System.Globalization;
using AppBan.Simulator.Model;
using AppBan.Simulator.WsMan;

namespace AppBan.Simulator.Wmi;

/// <summary>
/// The Task Scheduler CIM provider (root\Microsoft\Windows\TaskScheduler), which the ScheduledTasks module's cmdlets
/// call: static methods of PS_ScheduledTask [3rd: microsoft/wmi pkg/.../taskscheduler PS_ScheduledTask.go; Red Canary
/// atomic T1053.005 test 6 calls RegisterByXml with Xml and Force] and the MSFT_ScheduledTask instances, which
/// Unregister-ScheduledTask deletes (keys TaskName, TaskPath).
/// </summary>
public static class TaskSchedulerProvider
{
    public const string Namespace = "root/microsoft/windows/taskscheduler";

    /// <summary>
    /// A Task Scheduler failure as the WMI plugin sends it: an MSFT_WmiError with the HRESULT, access denied under
    /// w:AccessDenied, a missing task with CIM status NOT_FOUND [guess W071: the shapes; the HRESULTs are Windows' own].
    /// </summary>
    public static WsManFault Fault(TaskSchedulerError e, bool addressed = false) => e.HResult32 switch
    {
        TaskSchedulerError.AccessDenied => WsManFault.CimError(e.HResult32, cimStatus: 2, e.MessageWithCode, category: 18, subcode: "w:AccessDenied", code: "s:Sender"),
        TaskSchedulerError.FileNotFound => addressed
            ? WsManFault.CimError(e.HResult32, cimStatus: 6, e.MessageWithCode, category: 13, subcode: "a:DestinationUnreachable", code: "s:Sender")
            : WsManFault.CimError(e.HResult32, cimStatus: 6, e.MessageWithCode, category: 13),
        _ => WsManFault.CimError(e.HResult32, cimStatus: 1, e.MessageWithCode, category: 0),
    };

    /// <summary>An MSFT_ScheduledTask instance (the properties a client reads; State as TASK_STATE [doc]).</summary>
    public static CimInstance Instance(ScheduledTask t) => new("MSFT_ScheduledTask",
    [
        new("Author", CimType.String, t.Author), new("Date", CimType.String, t.Registered.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)),
        new("Description", CimType.String, t.Description), new("SecurityDescriptor", CimType.String, t.SecurityDescriptor),
        new("Source", CimType.String, null), new("State", CimType.UInt32, !t.Enabled ? 1u : t.Running ? 4u : 3u),
        new("TaskName", CimType.String, t.Name), new("TaskPath", CimType.String, t.Path), new("URI", CimType.String, t.Uri ?? t.FullName),
        new("Version", CimType.String, null),
    ]);

    /// <summary>Whether an account sees a task: administrators see all, others the tasks that run as them.</summary>
    public static bool Visible(Account account, ScheduledTask t) => account.IsAdmin || string.Equals(t.PrincipalSid, account.Sid, StringComparison.OrdinalIgnoreCase);
}

internal sealed class PsScheduledTask : IWmiClass
{
    public string Name => "PS_ScheduledTask";
    public IReadOnlyCollection<string> Namespaces { get; } = [TaskSchedulerProvider.Namespace];
    public IReadOnlyCollection<string> PropertyNames { get; } = [];
    public IEnumerable<CimInstance> Instances(CallContext ctx) => [];

    private static readonly string[] Methods = ["RegisterByXml", "ExportByName", "StartByPath", "GetInfoByName"];

    public string? CanonicalMethod(string method) => Methods.FirstOrDefault(m => string.Equals(m, method, StringComparison.OrdinalIgnoreCase));

    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args)
    {
        var host = ctx.Host;
        try
        {
            switch (method)
            {
                case "RegisterByXml":
                {
                    var force = string.Equals(args.String("Force")?.Trim(), "true", StringComparison.OrdinalIgnoreCase) || args.String("Force")?.Trim() == "1";
                    var task = host.RegisterTask(ctx.Account, args.String("TaskPath"), args.String("TaskName"), args.String("Xml"), force, ctx.Now);
                    return new MethodResult(0, new CimProperty("cmdletOutput", CimType.Instance, TaskSchedulerProvider.Instance(task)));
                }
                case "ExportByName":
                {
                    var xml = host.ExportTask(ctx.Account, args.String("TaskPath"), args.String("TaskName"));
                    return new MethodResult(0, new CimProperty("cmdletOutput", CimType.String, xml));
                }
                case "GetInfoByName":
                {
                    // MSFT_TaskDynamicInfo: LastTaskResult is the action's exit code, SCHED_S_TASK_RUNNING (0x41301) while it
                    // runs, SCHED_S_TASK_HAS_NOT_RUN (0x41303) before its first run [doc: Task Scheduler Error and Success Constants].
                    var task = host.TaskFor(ctx.Account, args.String("TaskPath"), args.String("TaskName"));
                    var last = task.Runs.LastOrDefault();
                    var code = last is null ? 0x41303u : !last.Command.Finished ? 0x41301u : unchecked((uint)(last.Command.ExitCode ?? 0));
                    return new MethodResult(0, new CimProperty("cmdletOutput", CimType.Instance, new CimInstance("MSFT_TaskDynamicInfo",
                    [
                        new("LastRunTime", CimType.DateTime, last?.Time), new("LastTaskResult", CimType.UInt32, code),
                        new("NextRunTime", CimType.DateTime, null), new("NumberOfMissedRuns", CimType.UInt32, 0u),
                        new("TaskName", CimType.String, task.Name), new("TaskPath", CimType.String, task.Path),
                    ])));
                }
                default:
                    host.StartTaskOnDemand(ctx.Account, args.String("TaskPath"), args.String("TaskName"), ctx.Now);
                    return new MethodResult(0);
            }
        }
        catch (TaskSchedulerError e) { throw TaskSchedulerProvider.Fault(e); }
    }
}

internal sealed class MsftScheduledTask : IWmiClass
{
    public string Name => "MSFT_ScheduledTask";
    public IReadOnlyCollection<string> Namespaces { get; } = [TaskSchedulerProvider.Namespace];
    public IReadOnlyCollection<string> PropertyNames { get; } =
        ["Author", "Date", "Description", "SecurityDescriptor", "Source", "State", "TaskName", "TaskPath", "URI", "Version"];

    public IEnumerable<CimInstance> Instances(CallContext ctx) =>
        ctx.Host.Tasks.Where(t => TaskSchedulerProvider.Visible(ctx.Account, t)).OrderBy(t => t.FullName, StringComparer.OrdinalIgnoreCase)
            .Select(TaskSchedulerProvider.Instance).ToList();

    public string? CanonicalMethod(string method) => null;
    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args) => throw WsManFault.MethodNotFound(method);

    /// <summary>WS-Transfer Delete, selectors TaskName and TaskPath (Unregister-ScheduledTask).</summary>
    public void Delete(CallContext ctx)
    {
        ctx.Selectors.TryGetValue("TaskName", out var name);
        ctx.Selectors.TryGetValue("TaskPath", out var path);
        try { ctx.Host.DeleteTask(ctx.Account, path, name); }
        catch (TaskSchedulerError e) { throw TaskSchedulerProvider.Fault(e, addressed: true); }
    }
}
