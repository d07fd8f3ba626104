using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim
{
    public enum ProcessStartOutcome
    {
        Started = 0, AccessDenied = 2, InsufficientPrivilege = 3, UnknownFailure = 8, PathNotFound = 9, InvalidParameter = 21, Other = -1,
    }

    public sealed class ProcessStartResult
    {
        public ProcessStartResult(uint returnValue, uint? processId)
        {
            ReturnValue = returnValue;
            ProcessId = processId;
            Outcome = Enum.IsDefined(typeof(ProcessStartOutcome), (int)returnValue) ? (ProcessStartOutcome)(int)returnValue : ProcessStartOutcome.Other;
        }

        public uint ReturnValue { get; }
        public uint? ProcessId { get; }
        public ProcessStartOutcome Outcome { get; }
        public bool Started => Outcome == ProcessStartOutcome.Started && ProcessId.HasValue;
    }

    public sealed class ProcessRunResult
    {
        public string CommandLine { get; set; }
        public ProcessStartResult Start { get; set; }
        public bool Exited { get; set; }
        public bool TimedOut { get; set; }
        /// <summary>The exit code recorded by the wrapper; null when it could not be read back.</summary>
        public int? ExitCode { get; set; }
        public TimeSpan Duration { get; set; }
        /// <summary>The processes that ran before the start, when the run was asked to follow relaunches; null otherwise.</summary>
        public IReadOnlyCollection<uint> ProcessesBefore { get; set; }
        /// <summary>The session the run's own process runs in, read right after the start when following relaunches; null when it had exited already or the target did not say.</summary>
        public uint? SessionId { get; set; }
    }

    /// <summary>What one sweep of HKLM\SOFTWARE\AppBan\Runs found and did.</summary>
    public sealed class RunSweepResult
    {
        /// <summary>EnumKey of Runs: KeyNotFound when nothing ever ran, AccessDenied and the like when it could not look.</summary>
        public RegistryOutcome Outcome { get; set; }
        /// <summary>Run keys deleted: their waiter had given up, or their name does not say (an older AppBan).</summary>
        public int Deleted { get; set; }
        /// <summary>Run keys kept because their waiter may still read them.</summary>
        public int Awaited { get; set; }
        /// <summary>Subkeys whose names are not run keys: never touched.</summary>
        public int Ignored { get; set; }
        /// <summary>Run keys whose deletion failed (a subkey under them, access denied); left for a later sweep.</summary>
        public int NotDeleted { get; set; }
    }

    public sealed class RunningProcess
    {
        public uint ProcessId { get; set; }
        public uint ParentProcessId { get; set; }
        public string Name { get; set; }
        public string ExecutablePath { get; set; }
        /// <summary>Win32_Process.SessionId; null when the listing did not carry it.</summary>
        public uint? SessionId { get; set; }
    }

    /// <summary>
    /// Win32_Process over the CIM port. Processes start in session 0 as the connecting identity.
    /// Win32_Process.Create gives no exit code, so <see cref="RunAsync"/> wraps the command in cmd.exe and has
    /// it write %ERRORLEVEL% to an admin-only registry key that is read back and deleted afterwards.
    /// A run that times out or is cancelled leaves its uninstaller running, and cmd.exe writes the key later with
    /// nobody left to read it: <see cref="SweepRunsAsync"/> deletes such keys. The key's name
    /// (<see cref="RunKeyName"/>) carries the time after which its waiter no longer reads it, so the sweep needs no
    /// per-key read and no process query, and never takes the key of a run that another AppBan (another
    /// administrator, a scheduled task) is still waiting for. cmd.exe writes the key only as its last statement,
    /// so no key exists while its wrapper still waits on the uninstaller ([guess W015] as cmd.exe /c waits, see
    /// <see cref="WrapForExitCode"/>); a key whose waiter is gone is therefore finished with, and the sweep
    /// queries no processes.
    /// </summary>
    public sealed class ProcessClient
    {
        public const string ClassName = "Win32_Process";
        public const string RunsKey = @"SOFTWARE\AppBan\Runs";
        /// <summary>
        /// How long after its waiter's deadline a run key is still left alone: the waiter's last poll, read-back and
        /// delete take a few CIM operations past the deadline, and the waiter's clock may be behind the sweeper's
        /// (Kerberos expects domain clocks within 5 minutes, MS-KILE; [guess W016] the computers AppBan runs from keep it).
        /// </summary>
        public static readonly TimeSpan RunKeyGrace = TimeSpan.FromMinutes(15);
        private static readonly Regex CmdMetacharacters = new Regex("[&|<>^%!\"\\r\\n]", RegexOptions.CultureInvariant);

        private readonly RegistryClient registry;

        public ProcessClient(ICimSession session, CimCallOptions defaults = null)
        {
            Session = session ?? throw new ArgumentNullException(nameof(session));
            Defaults = defaults ?? CimCallOptions.Default;
            registry = new RegistryClient(session, Defaults);
        }

        public ICimSession Session { get; }
        public CimCallOptions Defaults { get; }
        /// <summary>How often a running process is polled. Tests and the benchmark may shorten it.</summary>
        public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
        /// <summary>The time written into run key names and compared by the sweep.</summary>
        public IClock Clock { get; set; } = SystemClock.Instance;

        public async Task<ProcessStartResult> CreateAsync(string commandLine, CancellationToken ct = default)
        {
            if (string.IsNullOrWhiteSpace(commandLine)) throw new ArgumentException("A command line is required.", nameof(commandLine));
            var r = await Session.InvokeMethodAsync(@"root\cimv2", ClassName, "Create",
                new[] { new CimParameter("CommandLine", CimValue.FromString(commandLine)) },
                Defaults.With(ct)).ConfigureAwait(false);
            uint? pid = null;
            if (r.ReturnValue == 0 && r.OutParameters != null && r.OutParameters.TryGetValue("ProcessId", out var v)) pid = v?.AsUInt32();
            return new ProcessStartResult(r.ReturnValue, pid);
        }

        public async Task<bool> IsRunningAsync(uint processId, CancellationToken ct = default)
        {
            var found = false;
            await Session.QueryAsync(@"root\cimv2",
                "SELECT ProcessId FROM Win32_Process WHERE ProcessId=" + processId.ToString(CultureInfo.InvariantCulture),
                _ => found = true, Defaults.With(ct)).ConfigureAwait(false);
            return found;
        }

        /// <summary>Polls until the process is gone or <paramref name="timeout"/> passes; true when it exited.</summary>
        public async Task<bool> WaitForExitAsync(uint processId, TimeSpan timeout, CancellationToken ct = default)
        {
            var watch = Stopwatch.StartNew();
            while (true)
            {
                if (!await IsRunningAsync(processId, ct).ConfigureAwait(false)) return true;
                if (watch.Elapsed >= timeout) return false;
                var wait = timeout - watch.Elapsed;
                await Task.Delay(wait < PollInterval ? wait : PollInterval, ct).ConfigureAwait(false);
            }
        }

        public async Task<IReadOnlyList<RunningProcess>> FindByNameAsync(string name, CancellationToken ct = default)
        {
            if (string.IsNullOrEmpty(name) || name.IndexOfAny(new[] { '\'', '\\', '"' }) >= 0)
                throw new ArgumentException("A process name must not contain quotes or backslashes.", nameof(name));
            var list = new List<RunningProcess>();
            await Session.QueryAsync(@"root\cimv2",
                "SELECT ProcessId, Name, ExecutablePath FROM Win32_Process WHERE Name='" + name + "'",
                o => list.Add(new RunningProcess
                {
                    ProcessId = o["ProcessId"].AsUInt32() ?? 0,
                    Name = o["Name"].AsString(),
                    ExecutablePath = o["ExecutablePath"].AsString(),
                }), Defaults.With(ct)).ConfigureAwait(false);
            return list;
        }

        /// <summary>Every process on the target, with its parent and session (one enumeration).</summary>
        public async Task<IReadOnlyList<RunningProcess>> ListAsync(CancellationToken ct = default)
        {
            var list = new List<RunningProcess>();
            await Session.QueryAsync(@"root\cimv2", "SELECT ProcessId, ParentProcessId, Name, SessionId FROM Win32_Process",
                o => list.Add(new RunningProcess
                {
                    ProcessId = o["ProcessId"].AsUInt32() ?? 0,
                    ParentProcessId = o["ParentProcessId"].AsUInt32() ?? 0,
                    Name = o["Name"].AsString(),
                    SessionId = o["SessionId"].AsUInt32(),
                }), Defaults.With(ct)).ConfigureAwait(false);
            return list;
        }

        /// <summary>The session <paramref name="processId"/> runs in; null when it is gone or the target does not say.</summary>
        public async Task<uint?> SessionOfAsync(uint processId, CancellationToken ct = default)
        {
            uint? session = null;
            await Session.QueryAsync(@"root\cimv2",
                "SELECT ProcessId, SessionId FROM Win32_Process WHERE ProcessId=" + processId.ToString(CultureInfo.InvariantCulture),
                o => session = o["SessionId"].AsUInt32(), Defaults.With(ct)).ConfigureAwait(false);
            return session;
        }

        /// <summary>
        /// The processes a finished run left behind: those started since the run began, in the run's own session, whose
        /// parent is the run's own process, another of them, or a process that also started since and has already exited.
        /// The exited-parent rule is what catches an uninstaller that copies itself to %TEMP%, starts the copy and exits
        /// at once (NSIS, Inno Setup [3rd: Electron-Cash PR 2184, freeorion 55a5f7a]): Windows keeps the copy's
        /// ParentProcessId naming the exited uninstaller [doc: Win32_Process.ParentProcessId]. The session rule keeps a
        /// signed-in user out of it: a process started remotely by Win32_Process.Create is not interactive [doc: Win32_Process.Create, as
        /// ../shared/WINDOWS-FACTS.md; 3rd: SmartBear TestComplete WMI.CreateProcess], so it runs in session 0,
        /// while a user's processes run in their own session and cannot start one in session 0 [guess W067]; a user's
        /// launcher that exits leaves an orphan AppBan does not wait for. When the run's own process was gone before its
        /// session could be read, session 0 is taken [guess W067]. Another session-0 process started meanwhile whose
        /// parent has exited (an agent, an update) is still taken as ours [guess W057]; the caller's wait is bounded,
        /// so that costs time, never a hang. A process whose session the listing does not give is not followed.
        /// Empty when the run was not started with followRelaunches.
        /// </summary>
        public async Task<IReadOnlyList<RunningProcess>> FindLeftBehindAsync(ProcessRunResult run, CancellationToken ct = default)
        {
            if (run?.ProcessesBefore == null || run.Start?.ProcessId == null) return Array.Empty<RunningProcess>();
            return LeftBehind(run.ProcessesBefore, run.Start.ProcessId.Value, run.SessionId ?? CreatedProcessSession, await ListAsync(ct).ConfigureAwait(false));
        }

        /// <summary>Where Win32_Process.Create over a remote session puts its process: the non-interactive session 0 [guess W067].</summary>
        internal const uint CreatedProcessSession = 0;

        internal static IReadOnlyList<RunningProcess> LeftBehind(IReadOnlyCollection<uint> before, uint rootProcessId, uint runSessionId, IReadOnlyList<RunningProcess> now)
        {
            var existed = new HashSet<uint>(before);
            var running = new HashSet<uint>();
            foreach (var p in now) running.Add(p.ProcessId);
            var ours = new HashSet<uint> { rootProcessId };
            var found = new List<RunningProcess>();
            for (var grew = true; grew;)
            {
                grew = false;
                foreach (var p in now)
                {
                    if (existed.Contains(p.ProcessId) || ours.Contains(p.ProcessId) || p.SessionId != runSessionId) continue;
                    var parentExitedSinceStart = !running.Contains(p.ParentProcessId) && !existed.Contains(p.ParentProcessId);
                    if (!ours.Contains(p.ParentProcessId) && !parentExitedSinceStart) continue;
                    ours.Add(p.ProcessId);
                    found.Add(p);
                    grew = true;
                }
            }
            return found;
        }

        /// <summary>
        /// The wrapper that records the exit code. /s makes cmd strip only the outermost quotes, so the inner
        /// command keeps its own quoting; /v:on delays !ERRORLEVEL! until the inner command has finished.
        /// The inner command must carry no cmd metacharacters except the double quotes around paths.
        /// [guess W015] cmd.exe /c waits for a GUI-subsystem program (msiexec) as a batch file would.
        /// </summary>
        public static string WrapForExitCode(string innerCommand, string runId)
        {
            if (string.IsNullOrWhiteSpace(innerCommand)) throw new ArgumentException("A command is required.", nameof(innerCommand));
            if (CmdMetacharacters.IsMatch(innerCommand.Replace("\"", string.Empty)))
                throw new ArgumentException("The command carries cmd.exe metacharacters and cannot be wrapped safely.", nameof(innerCommand));
            CheckRunId(runId);
            return "cmd.exe /d /v:on /s /c \"" + innerCommand +
                   " & reg.exe add \"HKLM\\" + RunsKey + "\\" + runId + "\" /v ExitCode /t REG_SZ /d !ERRORLEVEL! /f\"";
        }

        /// <summary>
        /// The wrapper around a chain of commands (<see cref="CommandChain"/>): its joiners are the only metacharacters the
        /// line carries, and the exit-code statement follows the chain's last command whatever it returned.
        /// </summary>
        internal static string WrapForExitCode(CommandChain chain, string runId)
        {
            if (chain == null || chain.Count == 0) throw new ArgumentException("A command is required.", nameof(chain));
            CheckRunId(runId);
            return "cmd.exe /d /v:on /s /c \"" + chain +
                   " & reg.exe add \"HKLM\\" + RunsKey + "\\" + runId + "\" /v ExitCode /t REG_SZ /d !ERRORLEVEL! /f\"";
        }

        private static void CheckRunId(string runId)
        {
            if (!Regex.IsMatch(runId ?? string.Empty, @"\A[0-9a-f]{32}\z"))
                throw new ArgumentException("A run id is 32 lowercase hex digits.", nameof(runId));
        }

        /// <summary>
        /// Starts <paramref name="innerCommand"/> through the exit-code wrapper, waits up to
        /// <paramref name="timeout"/>, then reads back and deletes the recorded exit code. With
        /// <paramref name="followRelaunches"/> it first notes the running processes, so that
        /// <see cref="FindLeftBehindAsync"/> can tell what the run started.
        /// </summary>
        public Task<ProcessRunResult> RunAsync(string innerCommand, TimeSpan timeout, CancellationToken ct = default, bool followRelaunches = false)
        {
            return RunWrappedAsync(innerCommand, runId => WrapForExitCode(innerCommand, runId), timeout, ct, followRelaunches);
        }

        /// <summary>Runs a chain of commands through the exit-code wrapper, as <see cref="RunAsync(string, TimeSpan, CancellationToken, bool)"/> does one.</summary>
        internal Task<ProcessRunResult> RunAsync(CommandChain chain, TimeSpan timeout, CancellationToken ct = default)
        {
            if (chain == null) throw new ArgumentNullException(nameof(chain));
            return RunWrappedAsync(chain.ToString(), runId => WrapForExitCode(chain, runId), timeout, ct, false);
        }

        private async Task<ProcessRunResult> RunWrappedAsync(string innerCommand, Func<string, string> wrap, TimeSpan timeout, CancellationToken ct, bool followRelaunches)
        {
            var runId = RunKeyName.New(RunKeyName.Later(Clock.UtcNow, timeout));
            var commandLine = wrap(runId);
            var watch = Stopwatch.StartNew();
            var result = new ProcessRunResult { CommandLine = innerCommand };
            if (followRelaunches)
            {
                // Following is a refinement: a target that will not list its processes still runs the command.
                try { result.ProcessesBefore = (await ListAsync(ct).ConfigureAwait(false)).Select(p => p.ProcessId).ToList(); }
                catch (CimException ex) when (ex.Kind == CimErrorKind.AccessDenied || ex.Kind == CimErrorKind.ProviderFailure || ex.Kind == CimErrorKind.NotSupported) { }
            }
            result.Start = await CreateAsync(commandLine, ct).ConfigureAwait(false);
            if (!result.Start.Started) { result.Duration = watch.Elapsed; return result; }
            if (result.ProcessesBefore != null) result.SessionId = await SessionOfAsync(result.Start.ProcessId.Value, ct).ConfigureAwait(false);

            result.Exited = await WaitForExitAsync(result.Start.ProcessId.Value, timeout, ct).ConfigureAwait(false);
            result.TimedOut = !result.Exited;
            if (result.Exited)
            {
                var key = RunsKey + "\\" + runId;
                var code = await registry.GetStringValueAsync(RegistryHive.LocalMachine, key, "ExitCode", ct).ConfigureAwait(false);
                if (code.Success && int.TryParse(code.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var exit)) result.ExitCode = exit;
                // reg.exe writes a value, never a subkey: one DeleteKey removes it.
                await registry.DeleteKeyAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
            }
            result.Duration = watch.Elapsed;
            return result;
        }

        /// <summary>
        /// Deletes the run keys nobody will read: those whose name says their waiter has given up (more than
        /// <see cref="RunKeyGrace"/> ago), and those of an older layout that says nothing. Only subkeys of Runs named
        /// exactly 32 lowercase hex digits are deleted, one DeleteKey each (which refuses a key with subkeys);
        /// anything else under Runs is neither opened nor followed. An empty or missing Runs costs one EnumKey.
        /// Registry refusals come back in the result; transport failures throw <see cref="CimException"/>.
        /// </summary>
        public Task<RunSweepResult> SweepRunsAsync(CancellationToken ct = default) =>
            SweepRunKeysAsync(registry, RunsKey, Clock.UtcNow, false, ct);

        /// <summary>
        /// The sweep of any key whose subkeys are named by <see cref="RunKeyName"/> (Runs, and the hive snapshots under
        /// Profiles): the rule of <see cref="SweepRunsAsync"/>. With <paramref name="withSubtree"/> an abandoned key is
        /// deleted with everything below it (<see cref="RegistryClient.DeleteKeyTreeAsync"/>); without it, one DeleteKey,
        /// which leaves a key that has subkeys.
        /// </summary>
        internal static async Task<RunSweepResult> SweepRunKeysAsync(RegistryClient registry, string parentKey, DateTimeOffset now, bool withSubtree,
            CancellationToken ct)
        {
            var result = new RunSweepResult();
            var names = await registry.EnumKeyAsync(RegistryHive.LocalMachine, parentKey, ct).ConfigureAwait(false);
            result.Outcome = names.Outcome;
            if (!names.Success) return result;
            foreach (var name in names.Value)
            {
                if (!RunKeyName.IsRunKeyName(name)) { result.Ignored++; continue; }
                if (!RunKeyName.IsAbandoned(name, now, RunKeyGrace)) { result.Awaited++; continue; }
                var key = parentKey + "\\" + name;
                var deleted = withSubtree
                    ? await registry.DeleteKeyTreeAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false)
                    : await registry.DeleteKeyAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
                // Gone meanwhile: another sweep, or its own waiter, took it.
                if (deleted.Success || deleted.Outcome == RegistryOutcome.KeyNotFound) result.Deleted++;
                else result.NotDeleted++;
            }
            return result;
        }
    }
}
