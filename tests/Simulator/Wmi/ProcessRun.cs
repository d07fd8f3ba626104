using AppBan.Simulator.Model;

namespace AppBan.Simulator.Wmi;

/// <summary>What running one program does: its exit code, how long it takes (null: forever) and its effects at exit.</summary>
public sealed record ProgramOutcome(int ExitCode, TimeSpan? Duration, Action<HostState>? Effects = null, string? ProcessName = null,
    string? ExecutablePath = null, bool IsMsiexec = false)
{
    /// <summary>The copy the program starts before it exits (an uninstaller that relaunches itself from %TEMP%).</summary>
    public RelaunchedCopy? Relaunch { get; init; }
}

/// <summary>A process a program leaves behind: it outlives its parent, runs <paramref name="Duration"/> (null: forever), then has its effects.</summary>
public sealed record RelaunchedCopy(string ProcessName, string ExecutablePath, string CommandLine, TimeSpan? Duration, Action<HostState>? Effects);

/// <summary>
/// A process started through Win32_Process.Create: either cmd.exe running statements one after another, or a
/// single program. Each statement is evaluated when it starts (against the host as it is then) and its effects
/// land when it ends; the host steps all runs in time order.
/// </summary>
public sealed class ProcessRun
{
    private readonly Queue<CmdStatement> pending;
    private readonly bool isCmd;
    private readonly bool delayedExpansion;
    private readonly SimProcess root;
    private ProgramOutcome? current;
    private SimProcess? child;
    private DateTime currentEnd;
    private int errorLevel;
    private bool orphaned;

    public CommandRecord Record { get; }
    public Account Account { get; }
    public bool Finished { get; private set; }
    public DateTime? NextEventTime => Finished ? null : current?.Duration is null ? null : currentEnd;
    /// <summary>True while msiexec runs inside this process (a second msiexec then answers 1618).</summary>
    public bool RunsMsiexec => !Finished && current?.IsMsiexec == true;
    /// <summary>The session its processes run in: 0 for Win32_Process.Create, the user's for an interactive task.</summary>
    public uint SessionId => root.SessionId;

    private ProcessRun(HostState host, CommandRecord record, Account account, SimProcess root, IEnumerable<CmdStatement> statements, bool isCmd, bool delayed, DateTime now)
    {
        Record = record;
        Account = account;
        this.root = root;
        this.isCmd = isCmd;
        delayedExpansion = delayed;
        pending = new Queue<CmdStatement>(statements);
        host.Processes.Add(root);
        StartNext(host, now);
    }

    /// <summary>Starts a cmd.exe line (already split into statements, %-expanded) or one program.</summary>
    public static ProcessRun Start(HostState host, CommandRecord record, Account account, SimProcess root, IEnumerable<CmdStatement> statements, bool isCmd, bool delayed, DateTime now)
    {
        var run = new ProcessRun(host, record, account, root, statements, isCmd, delayed, now);
        host.Runs.Add(run);
        return run;
    }

    public bool Owns(uint processId) => root.ProcessId == processId || child?.ProcessId == processId;

    /// <summary>Win32_Process.Terminate of the running program or of cmd.exe itself.</summary>
    public void Terminate(HostState host, uint processId, int exitCode, DateTime now)
    {
        if (child?.ProcessId == processId && !orphaned)
        {
            child.Ends = now;
            child = null;
            current = null;
            errorLevel = exitCode;
            StartNext(host, now);
            return;
        }
        if (root.ProcessId == processId)
        {
            root.Ends = now;
            pending.Clear();
            Record.ExitCode = exitCode;
            Record.Finished = true;
            if (current?.Duration is null || child is null) Finished = true;
            else orphaned = true; // the child runs on and still does what it does
        }
    }

    /// <summary>Ends the process and its running program now, without their effects (the session it runs in ends).</summary>
    public void Kill(DateTime now, int exitCode)
    {
        if (child is not null) child.Ends = now;
        root.Ends = now;
        child = null;
        current = null;
        pending.Clear();
        Finished = true;
        if (Record.Finished) return;
        Record.ExitCode = exitCode;
        Record.Finished = true;
    }

    public void Step(HostState host)
    {
        if (current is null || current.Duration is null) return;
        var at = currentEnd;
        current.Effects?.Invoke(host);
        if (current.Relaunch is { } copy) host.StartDetached(copy, child?.ProcessId ?? root.ProcessId, Account, at, root.SessionId);
        errorLevel = current.ExitCode;
        if (child is not null) child.Ends = at;
        child = null;
        current = null;
        StartNext(host, at);
    }

    private void StartNext(HostState host, DateTime at)
    {
        while (pending.Count > 0)
        {
            var statement = pending.Dequeue();
            var runIt = statement.Connector switch { "&&" => errorLevel == 0, "||" => errorLevel != 0, _ => true };
            if (!runIt) continue;
            var text = isCmd && delayedExpansion
                ? CommandLine.DelayedExpand(statement.Text, name => name.Equals("ERRORLEVEL", StringComparison.OrdinalIgnoreCase)
                    ? errorLevel.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : StdRegProv.SystemEnvironment.GetValueOrDefault(name))
                : statement.Text;
            Record.Executed.Add(text);
            var outcome = isCmd ? Programs.RunInCmd(host, Account, text, at, root.SessionId) : Programs.RunDirect(host, Account, text, at, root.SessionId);
            current = outcome;
            if (outcome.Duration is null)
            {
                // Hangs or waits for a user: this process never ends.
                AddChild(host, outcome, text, at);
                return;
            }
            currentEnd = at + outcome.Duration.Value;
            AddChild(host, outcome, text, at);
            return;
        }
        Finished = true;
        if (orphaned) return;
        root.Ends = at;
        Record.ExitCode = errorLevel;
        Record.Finished = true;
    }

    private void AddChild(HostState host, ProgramOutcome outcome, string text, DateTime at)
    {
        if (!isCmd || outcome.ProcessName is null) return;
        host.NextProcessId += 4;
        child = new SimProcess
        {
            ProcessId = host.NextProcessId, ParentProcessId = root.ProcessId, Name = outcome.ProcessName, ExecutablePath = outcome.ExecutablePath,
            CommandLine = text, Started = at, SessionId = root.SessionId,
        };
        host.Processes.Add(child);
    }
}
