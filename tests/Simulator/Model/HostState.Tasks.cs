namespace AppBan.Simulator.Model;

/// <summary>A Task Scheduler call that fails, with the HRESULT Windows reports [doc: System Error Codes; Task Scheduler error constants].</summary>
public sealed class TaskSchedulerError(uint hresult, string message) : Exception(message)
{
    public const uint AccessDenied = 0x80070005;      // E_ACCESSDENIED
    public const uint FileNotFound = 0x80070002;      // ERROR_FILE_NOT_FOUND: no such task
    public const uint AlreadyExists = 0x800700B7;     // ERROR_ALREADY_EXISTS
    public const uint NoneMapped = 0x80070534;        // ERROR_NONE_MAPPED: no account has that name or SID

    public uint HResult32 { get; } = hresult;

    public static TaskSchedulerError NotFound(string fullName) =>
        new(FileNotFound, $"The system cannot find the file specified. {fullName}");

    /// <summary>The message with its HRESULT, as the fault carries it: "... (0x80070002)".</summary>
    public string MessageWithCode => $"{Message} (0x{HResult32:X8})";
}

/// <summary>Task Scheduler: registered tasks, their triggers and runs.</summary>
public sealed partial class HostState
{
    /// <summary>The folder only administrators may write (AppBan's).</summary>
    public const string AppBanTaskFolder = @"\AppBan\";
    /// <summary>The Schedule service's svchost, the parent of every task's process.</summary>
    public const uint ScheduleServiceProcessId = 1508;

    public List<ScheduledTask> Tasks { get; private set; } = [];

    /// <summary>"\AppBan\" for "AppBan", "\AppBan" or "\AppBan\"; "\" for the root folder.</summary>
    public static string NormalizeTaskPath(string? path)
    {
        var p = (path ?? "").Trim();
        if (p.Length == 0) return "\\";
        if (!p.StartsWith('\\')) p = "\\" + p;
        if (!p.EndsWith('\\')) p += "\\";
        return p;
    }

    public ScheduledTask? FindTask(string? path, string? name) =>
        name is null ? null : Tasks.FirstOrDefault(t => Eq(t.Path, NormalizeTaskPath(path)) && Eq(t.Name, name.Trim()));

    /// <summary>
    /// A standard user may not write a folder administrators keep (\AppBan\, whose security grants only Administrators and
    /// SYSTEM) nor a task that runs as someone else [guess W071: the folder's security and the refusal].
    /// </summary>
    private static bool MayManage(Account account, string path, string? principalSid) =>
        account.IsAdmin || (!Eq(path, AppBanTaskFolder) && (principalSid is null || Eq(principalSid, account.Sid)));

    /// <summary>
    /// RegisterByXml: parses the XML, resolves its principal, registers (or, with <paramref name="force"/>, replaces) the
    /// task and starts it at once when it has an active RegistrationTrigger and can run now.
    /// </summary>
    public ScheduledTask RegisterTask(Account account, string? path, string? name, string? xml, bool force, DateTime now)
    {
        EnsureInitialized();
        var folder = NormalizeTaskPath(path);
        if (string.IsNullOrWhiteSpace(name)) throw new TaskSchedulerError(0x80070057, "The parameter is incorrect. TaskName");
        if (!MayManage(account, folder, null)) throw new TaskSchedulerError(TaskSchedulerError.AccessDenied, "Access is denied.");
        TaskXml.Parsed parsed;
        try { parsed = TaskXml.Parse(xml); }
        catch (TaskXmlException e) { throw new TaskSchedulerError(e.HResult32, e.Message); }
        // Without a principal the task runs as whoever registers it.
        var sid = parsed.UserId is null ? account.Sid : ResolvePrincipal(parsed.UserId)
            ?? throw new TaskSchedulerError(TaskSchedulerError.NoneMapped, "No mapping between account names and security IDs was done. " + parsed.UserId);
        foreach (var t in parsed.Triggers.Where(t => t.UserId is not null))
            if (ResolvePrincipal(t.UserId!) is null)
                throw new TaskSchedulerError(TaskSchedulerError.NoneMapped, "No mapping between account names and security IDs was done. " + t.UserId);
        if (!MayManage(account, folder, sid)) throw new TaskSchedulerError(TaskSchedulerError.AccessDenied, "Access is denied.");
        var existing = FindTask(folder, name);
        if (existing is not null)
        {
            if (!force) throw new TaskSchedulerError(TaskSchedulerError.AlreadyExists, "Cannot create a file when that file already exists.");
            Tasks.Remove(existing);
        }
        var task = new ScheduledTask
        {
            Path = folder, Name = name.Trim(), Xml = xml!, Author = parsed.Author, Description = parsed.Description, Uri = parsed.Uri,
            SecurityDescriptor = parsed.SecurityDescriptor, PrincipalUserId = parsed.UserId ?? account.Sid, PrincipalSid = sid,
            LogonType = parsed.LogonType, RunLevel = parsed.RunLevel, Triggers = parsed.Triggers, Actions = parsed.Actions, Enabled = parsed.Enabled,
            DeleteExpiredTaskAfter = parsed.DeleteExpiredTaskAfter, MultipleInstancesPolicy = parsed.MultipleInstancesPolicy,
            RegisteredBy = QualifiedName(account), Registered = now,
        };
        Tasks.Add(task);
        // [doc: RegistrationTrigger] starts the task when it is registered (or updated); an InteractiveToken task runs
        // only in its user's session, so not at all while they are signed out [doc: TASK_LOGON_INTERACTIVE_TOKEN].
        if (!task.ExpiredAt(now) && task.Triggers.Any(t => t.Type == "Registration" && t.ActiveAt(now))) StartTask(task, now);
        return task;
    }

    /// <summary>A task the account may act on: access denied in a folder it may not use or for a task that is not its own; not found otherwise.</summary>
    private ScheduledTask Accessible(Account account, string? path, string? name)
    {
        EnsureInitialized();
        var folder = NormalizeTaskPath(path);
        if (!MayManage(account, folder, null)) throw new TaskSchedulerError(TaskSchedulerError.AccessDenied, "Access is denied.");
        var task = FindTask(folder, name) ?? throw TaskSchedulerError.NotFound(folder + name);
        if (!MayManage(account, task.Path, task.PrincipalSid)) throw new TaskSchedulerError(TaskSchedulerError.AccessDenied, "Access is denied.");
        return task;
    }

    /// <summary>ExportByName: the XML the task was registered with.</summary>
    public string ExportTask(Account account, string? path, string? name) => Accessible(account, path, name).Xml;

    /// <summary>GetInfoByName: the task, for its last run.</summary>
    public ScheduledTask TaskFor(Account account, string? path, string? name) => Accessible(account, path, name);

    /// <summary>WS-Transfer Delete of MSFT_ScheduledTask. A run in progress goes on.</summary>
    public void DeleteTask(Account account, string? path, string? name) => Tasks.Remove(Accessible(account, path, name));

    /// <summary>StartByPath: runs the task now, if it can run (its user signed in, for an interactive task).</summary>
    public void StartTaskOnDemand(Account account, string? path, string? name, DateTime now) => StartTask(Accessible(account, path, name), now);

    /// <summary>
    /// Starts a task's actions, one after another, as its principal: a standard user's token unless the principal is SYSTEM
    /// or an administrator asking for HighestAvailable, in the principal's session for an interactive task (session 0
    /// otherwise). Nothing starts when the task is disabled, already running (IgnoreNew), or needs a session its user does
    /// not have. The process is the program itself, a child of the Schedule service [guess W074]. Returns whether it started.
    /// </summary>
    public bool StartTask(ScheduledTask task, DateTime now)
    {
        if (!task.Enabled) return false;
        if (task.Running && !string.Equals(task.MultipleInstancesPolicy, "Parallel", StringComparison.OrdinalIgnoreCase)) return false;
        uint sessionId = 0;
        if (task.NeedsInteractiveSession)
        {
            if (!Sessions.TryGetValue(task.PrincipalSid, out var session)) return false;
            sessionId = session.SessionId;
        }
        var account = AccountFor(task.PrincipalSid, task.HighestAvailable);
        if (account is null) return false;
        var lines = task.Actions.Select(a => a.CommandLine).ToList();
        var record = new CommandRecord
        {
            Sequence = Commands.Count + 1, Time = now, Source = "task:" + task.FullName, User = QualifiedName(account), Sid = account.Sid,
            Elevated = account.IsAdmin, CommandLine = string.Join(Environment.NewLine, lines),
        };
        Commands.Add(record);
        task.Runs.Add(new TaskRun { Time = now, Account = record.User, Sid = account.Sid, SessionId = sessionId, Command = record });
        var first = Wmi.Programs.FindForCreate(this, lines[0]);
        if (first is null)
        {
            // The program is not on the machine: the launch fails, and Task Scheduler's last result is 0x80070002.
            record.ReturnValue = 2;
            record.ExitCode = unchecked((int)TaskSchedulerError.FileNotFound);
            record.Finished = true;
            return true;
        }
        NextProcessId += 4;
        var root = new SimProcess
        {
            ProcessId = NextProcessId, ParentProcessId = ScheduleServiceProcessId, Name = Wmi.CommandLine.FileName(first.Value.Program),
            ExecutablePath = first.Value.Program, CommandLine = lines[0], Started = now, SessionId = sessionId,
        };
        record.ProcessId = root.ProcessId;
        // A task's process is the program itself, not cmd.exe.
        Wmi.ProcessRun.Start(this, record, account, root, lines.Select(l => new Wmi.CmdStatement(l, "")), isCmd: false, delayed: false, now);
        return true;
    }

    /// <summary>
    /// At sign-in: every enabled, unexpired task whose principal is the user and that has an active LogonTrigger for them
    /// (or for any user) [doc: LogonTrigger UserId]. Returns the names of the tasks that started.
    /// </summary>
    private List<string> RunLogonTasks(string sid, DateTime now)
    {
        var started = new List<string>();
        foreach (var task in Tasks.Where(t => Eq(t.PrincipalSid, sid) && !t.ExpiredAt(now)).ToList())
        {
            var logon = task.Triggers.Any(t => t.Type == "Logon" && t.ActiveAt(now) && (t.UserId is null || Eq(ResolvePrincipal(t.UserId) ?? "", sid)));
            if (logon && StartTask(task, now)) started.Add(task.Name);
        }
        return started;
    }

    /// <summary>Expired tasks with DeleteExpiredTaskAfter go once that delay has passed [doc: ITaskSettings::DeleteExpiredTaskAfter].</summary>
    private void DeleteExpiredTasks(DateTime now) =>
        Tasks.RemoveAll(t => t.DeleteExpiredTaskAfter is { } delay && t.Expires is { } expires && now >= expires + delay);
}
