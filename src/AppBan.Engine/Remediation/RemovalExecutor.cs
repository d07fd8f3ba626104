using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    public sealed class RemovalExecutorOptions
    {
        /// <summary>The bound for one finding: every attempt, 1618 back-off and wait included.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
        /// <summary>The first wait after a 1618 (another installation in progress); it doubles each time.</summary>
        public TimeSpan BusyRetryDelay { get; set; } = TimeSpan.FromSeconds(5);
        public TimeSpan BusyRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How often a running uninstaller is polled; null keeps ProcessClient's default.</summary>
        public TimeSpan? PollInterval { get; set; }
        /// <summary>Per-call options for every CIM operation (the operation timeout); null for the transport's.</summary>
        public CimCallOptions CallOptions { get; set; }
        /// <summary>The time run keys are named and swept by (see <see cref="ProcessClient.SweepRunsAsync"/>); null for the system clock.</summary>
        public IClock Clock { get; set; }
        /// <summary>
        /// How long a removal waits for a task that runs as a signed-in user to take the app away before it reports
        /// Scheduled (a later run confirms it); within <see cref="Timeout"/>.
        /// </summary>
        public TimeSpan UserTaskWait { get; set; } = TimeSpan.FromSeconds(10);
        /// <summary>The policy whose name the records of scheduled work carry.</summary>
        public string PolicyName { get; set; }
    }

    /// <summary>
    /// Removes one finding at a time on one target: plans, runs the command through
    /// <see cref="ProcessClient.RunAsync"/> within a bounded time, retries 1618 with back-off, then re-scans
    /// through <see cref="IInstallVerifier"/>. The status comes from the re-scan, never from the exit code alone.
    /// One executor serves one target; its callers run removals on that target one after another, because
    /// installers collide (1618). The first removal that reaches the target first sweeps the exit-code keys that
    /// earlier runs left behind (timed out or cancelled): a key nobody waits for any more does not outlive the next
    /// removal run on the host (<see cref="ProcessClient.SweepRunsAsync"/>).
    /// </summary>
    internal sealed partial class RemovalExecutor
    {
        private readonly ICimSession session;
        private readonly ProcessClient processes;
        private readonly RegistryClient registry;
        private readonly IInstallVerifier verifier;
        private readonly RemovalExecutorOptions options;
        private readonly string computerName;
        private Task<TargetEnvironment> environment;
        private bool swept;

        public RemovalExecutor(ICimSession session, IInstallVerifier verifier, RemovalExecutorOptions options = null)
        {
            this.session = session ?? throw new ArgumentNullException(nameof(session));
            this.verifier = verifier ?? throw new ArgumentNullException(nameof(verifier));
            this.options = options ?? new RemovalExecutorOptions();
            processes = new ProcessClient(session, this.options.CallOptions);
            if (this.options.PollInterval.HasValue) processes.PollInterval = this.options.PollInterval.Value;
            if (this.options.Clock != null) processes.Clock = this.options.Clock;
            registry = new RegistryClient(session, this.options.CallOptions);
            computerName = session.ComputerName;
        }

        public async Task<RemovalResult> ExecuteAsync(RemovalRequest request, CancellationToken ct = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var watch = Stopwatch.StartNew();
            var result = NewResult(request.Finding);
            try
            {
                var plan = RemovalPlanner.Plan(request, null);
                if (plan.Deferred)
                    plan = RemovalPlanner.Plan(request, await GetEnvironmentAsync(ct).ConfigureAwait(false));
                result.Method = plan.Method;
                if (plan.FinalStatus.HasValue)
                {
                    result.Status = plan.FinalStatus.Value;
                    result.Explain(plan.Reason);
                    return result;
                }
                if (request.ApprovedDecision.HasValue && request.ApprovedDecision.Value != plan.Decision)
                {
                    // Decided after ShouldProcess (the host's other requests): nobody approved a command for this finding.
                    result.Method = RemovalMethod.None;
                    result.Status = RemovalStatus.Refused;
                    result.Error = "the removal was approved as " + request.ApprovedDecision.Value + ", but would now run " + RemovalPlanner.DescribeMethod(plan.Method, plan.ProductCode) +
                                   "; nothing runs that was not approved";
                    return result;
                }
                if (plan.Decision == RemovalDecision.RunAsUser)
                    return await ScheduleForUserAsync(request, plan.UserCommand, result, watch, watch.Elapsed + options.Timeout, null, ct).ConfigureAwait(false);
                if (plan.Decision == RemovalDecision.BlockInBrowser)
                    return await BlockInBrowserAsync(request, plan.BrowserPolicy, result, ct).ConfigureAwait(false);
                if (plan.RequiresFileSecurityCheck)
                {
                    // A program where standard users may create files runs only when none of them can change it (read only).
                    var unsafeProgram = await ProgramFileSecurity.CheckAsync(session, plan.ProgramPath,
                        await GetEnvironmentAsync(ct).ConfigureAwait(false), CallOptions(ct)).ConfigureAwait(false);
                    if (unsafeProgram != null)
                    {
                        result.Method = RemovalMethod.None;
                        result.Status = RemovalStatus.Refused;
                        result.Error = unsafeProgram;
                        return result;
                    }
                }

                await SweepRunKeysOnceAsync(ct).ConfigureAwait(false);
                var app = request.Finding.App;
                // Idempotence: a finding that is already gone is reported as such, and nothing runs.
                if (!await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false))
                {
                    result.Status = RemovalStatus.AlreadyAbsent;
                    return result;
                }

                var deadline = watch.Elapsed + options.Timeout;
                var (outcome, run) = await RunWithRetryAsync(plan.CommandLine, result, watch, deadline, ct).ConfigureAwait(false);
                if (outcome != null) return outcome;

                // Each kind's own success codes (Chromium's setup.exe: 19); the re-scan still decides.
                var meaning = UninstallerKinds.InterpretExitCode(plan.UninstallerKind, result.ExitCode);
                bool stillInstalled;
                (outcome, stillInstalled) = await AwaitSettledAsync(app, run, result, watch, deadline, ct).ConfigureAwait(false);
                if (outcome != null) return outcome;
                var fallbackDue = stillInstalled && plan.FallbackCommandLine != null && watch.Elapsed < deadline;
                var withheld = fallbackDue ? await WhyNotForAllUsersAsync(request, ct).ConfigureAwait(false) : null;
                if (fallbackDue && withheld == null)
                {
                    // [3rd] -User sometimes leaves the package: remove it for all users (nobody keeps it, every holder approved).
                    result.Method = RemovalMethod.StoreAppForAllUsers;
                    (outcome, run) = await RunWithRetryAsync(plan.FallbackCommandLine, result, watch, deadline, ct).ConfigureAwait(false);
                    if (outcome != null) return outcome;
                    meaning = UninstallExitCodes.Interpret(result.ExitCode);
                    (outcome, stillInstalled) = await AwaitSettledAsync(app, run, result, watch, deadline, ct).ConfigureAwait(false);
                    if (outcome != null) return outcome;
                }
                Verdict(result, meaning, stillInstalled);
                if (withheld != null && result.Status == RemovalStatus.Failed) result.Error += "; the -AllUsers fallback did not run: " + withheld;
                if (result.Status == RemovalStatus.Failed && result.Method == RemovalMethod.StoreAppForUser && watch.Elapsed < deadline)
                {
                    // The elevated removal for another user cannot take it (0x80073D19, no effect): the user's own task can.
                    var ownCommand = UserTaskCommand.For(app, request.Removal, await GetEnvironmentAsync(ct).ConfigureAwait(false));
                    if (!ownCommand.IsRefused)
                    {
                        var elevatedOutcome = result.Error;
                        result.Error = null;
                        try { return await ScheduleForUserAsync(request, ownCommand, result, watch, deadline, elevatedOutcome, ct).ConfigureAwait(false); }
                        catch (CimException ex)
                        {
                            // Why the elevated removal left the app stays in the error: it is why the task was needed.
                            result.Status = RemovalStatus.Failed;
                            result.Error = computerName + ": " + ex.Kind + ": " + ex.Message + After(elevatedOutcome);
                            result.Cause = ex;
                            return result;
                        }
                    }
                }
                return result;
            }
            catch (CimException ex)
            {
                result.Status = RemovalStatus.Failed;
                result.Error = computerName + ": " + ex.Kind + ": " + ex.Message;
                result.Cause = ex;
                return result;
            }
            finally
            {
                result.Duration = watch.Elapsed;
            }
        }

        /// <summary>
        /// Outcome null when the command ran to an exit code (the run is then the last attempt); otherwise the final
        /// result (start failure, timeout).
        /// </summary>
        private async Task<(RemovalResult Outcome, ProcessRunResult Run)> RunWithRetryAsync(string commandLine, RemovalResult result, Stopwatch watch, TimeSpan deadline, CancellationToken ct)
        {
            var delay = options.BusyRetryDelay;
            result.CommandLine = commandLine;
            while (true)
            {
                var remaining = deadline - watch.Elapsed;
                if (remaining <= TimeSpan.Zero) return (TimedOut(result, "no time was left to start the uninstaller"), null);
                var run = await processes.RunAsync(commandLine, remaining, ct, followRelaunches: true).ConfigureAwait(false);
                result.Attempts++;
                if (!run.Start.Started)
                {
                    result.Status = RemovalStatus.Failed;
                    result.Error = computerName + ": the uninstaller could not be started (Win32_Process.Create returned " +
                                   run.Start.ReturnValue.ToString(CultureInfo.InvariantCulture) + ", " + run.Start.Outcome + ")";
                    return (result, run);
                }
                if (run.TimedOut)
                    return (TimedOut(result, "the uninstaller was still running after " + Seconds(options.Timeout) +
                                             " (process " + run.Start.ProcessId + "); it was left running"), run);
                result.ExitCode = run.ExitCode;
                if (UninstallExitCodes.Interpret(run.ExitCode) != ExitCodeMeaning.InstallerBusy) return (null, run);

                // 1618: another installation holds the Windows Installer mutex. Back off within the bound.
                if (deadline - watch.Elapsed <= delay) return (InstallerBusy(result), run);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                if (deadline - watch.Elapsed <= TimeSpan.Zero) return (InstallerBusy(result), run);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.BusyRetryMaxDelay.Ticks));
            }
        }

        /// <summary>
        /// The re-scan after the wrapper exited. An uninstaller that relaunches itself (NSIS, Inno Setup copy themselves
        /// to %TEMP%, start the copy and exit 0 at once [3rd: Electron-Cash PR 2184, freeorion 55a5f7a]) has not done
        /// its work yet: while a process the run left behind is still running, the re-scan is repeated every poll
        /// interval until the app is gone, the processes end (one last re-scan), or the removal's deadline passes
        /// (TimedOut, the copy left running). Each pass waits, so the loop ends by the deadline.
        /// </summary>
        private async Task<(RemovalResult Outcome, bool StillInstalled)> AwaitSettledAsync(InstalledApp app, ProcessRunResult run, RemovalResult result,
            Stopwatch watch, TimeSpan deadline, CancellationToken ct)
        {
            if (!await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false)) return (null, false);
            var waited = false;
            while (true)
            {
                var leftBehind = await processes.FindLeftBehindAsync(run, ct).ConfigureAwait(false);
                if (leftBehind.Count == 0)
                    return (null, !waited || await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false));
                var remaining = deadline - watch.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    var names = string.Join(", ", leftBehind.Select(p => (p.Name ?? "?") + " (process " + p.ProcessId.ToString(CultureInfo.InvariantCulture) + ")"));
                    return (TimedOut(result, "the uninstaller exited (" + ExitCodeText(result.ExitCode) + ") but what it started was still running after " +
                                             Seconds(options.Timeout) + ": " + names + "; it was left running"), true);
                }
                await Task.Delay(remaining < processes.PollInterval ? remaining : processes.PollInterval, ct).ConfigureAwait(false);
                waited = true;
                if (!await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false)) return (null, false);
            }
        }

        private static string ExitCodeText(int? code) => code.HasValue ? code.Value.ToString(CultureInfo.InvariantCulture) : "no exit code";

        private RemovalResult Verdict(RemovalResult result, ExitCodeMeaning meaning, bool stillInstalled)
        {
            var code = ExitCodeText(result.ExitCode);
            result.RebootRequired = UninstallExitCodes.MeansReboot(meaning);
            if (!stillInstalled)
            {
                switch (meaning)
                {
                    case ExitCodeMeaning.AlreadyAbsent: result.Status = RemovalStatus.AlreadyAbsent; break;
                    case ExitCodeMeaning.RebootRequired:
                    case ExitCodeMeaning.RebootInitiated:
                        result.Status = RemovalStatus.RebootRequired;
                        result.Message = (meaning == ExitCodeMeaning.RebootInitiated ? "the uninstaller started a restart (" : "the uninstaller asked for a restart (")
                                         + code + ") to complete the removal; the re-scan finds the app gone";
                        break;
                    case ExitCodeMeaning.Success: result.Status = RemovalStatus.Removed; break;
                    default:
                        result.Status = RemovalStatus.Removed;
                        result.Message = "the uninstaller exited with " + code + ", but the re-scan finds the app gone";
                        break;
                }
                return result;
            }

            result.Status = RemovalStatus.Failed;
            switch (meaning)
            {
                case ExitCodeMeaning.Success:
                    result.Error = computerName + ": the uninstaller reported success, but the re-scan still finds the app" + StoreHint(result); break;
                case ExitCodeMeaning.AlreadyAbsent:
                    result.Error = computerName + ": Windows Installer does not know the product (1605), but the re-scan still finds the entry"; break;
                case ExitCodeMeaning.RebootRequired:
                case ExitCodeMeaning.RebootInitiated:
                    result.Error = computerName + ": the uninstaller asked for a restart (" + code + ") and the re-scan still finds the app; check again after the restart"; break;
                case ExitCodeMeaning.Unknown:
                    result.Error = computerName + ": the exit code could not be read back, and the re-scan still finds the app"; break;
                default:
                    result.Error = computerName + ": the uninstaller failed with exit code " + code + DescribeFailure(result.ExitCode) + StoreHint(result); break;
            }
            return result;
        }

        /// <summary>
        /// Null when -AllUsers takes only copies approved in this run: every user of the target had their Store packages
        /// read, and each who still holds the family is the request's user or in <see cref="RemovalRequest.ApprovedUsersForFamily"/>.
        /// Otherwise why it may not run.
        /// </summary>
        private async Task<string> WhyNotForAllUsersAsync(RemovalRequest request, CancellationToken ct)
        {
            var holders = await verifier.ReadStoreFamilyHoldersAsync(request.Finding.App, ct).ConfigureAwait(false);
            if (holders.UsersNotRead.Count > 0)
                return "the Store packages of " + string.Join(", ", holders.UsersNotRead) + " could not be read, and -AllUsers would remove a copy they may hold";
            var approved = new HashSet<string>(request.ApprovedUsersForFamily ?? new string[0], StringComparer.OrdinalIgnoreCase) { request.Finding.App.UserSid };
            var others = holders.UserSids.Where(sid => !approved.Contains(sid)).ToList();
            return others.Count == 0 ? null
                : "the package is also installed for " + string.Join(", ", others) + ", whose removal was not approved in this run";
        }

        /// <summary>Housekeeping: a sweep that fails (access denied, a provider error) must not fail the removal.</summary>
        private async Task SweepRunKeysOnceAsync(CancellationToken ct)
        {
            if (swept) return;
            swept = true;
            try { await processes.SweepRunsAsync(ct).ConfigureAwait(false); }
            catch (CimException) { }
        }

        private CimCallOptions CallOptions(CancellationToken ct) => (options.CallOptions ?? CimCallOptions.Default).With(ct);

        private Task<TargetEnvironment> GetEnvironmentAsync(CancellationToken ct) =>
            environment ?? (environment = TargetEnvironmentReader.ReadAsync(registry, ct));

        private RemovalResult InstallerBusy(RemovalResult result)
        {
            result.Status = RemovalStatus.Failed;
            result.Error = computerName + ": another installation was still in progress (1618) after " +
                           result.Attempts.ToString(CultureInfo.InvariantCulture) + " attempts within " + Seconds(options.Timeout);
            return result;
        }

        private RemovalResult TimedOut(RemovalResult result, string why)
        {
            result.Status = RemovalStatus.TimedOut;
            result.Error = computerName + ": " + why;
            return result;
        }

        private static string DescribeFailure(int? exitCode)
        {
            switch (exitCode)
            {
                case UninstallExitCodes.FatalError: return " (fatal error during installation)";
                case UninstallExitCodes.UserCancelled: return " (cancelled)";
                default: return string.Empty;
            }
        }

        /// <summary>
        /// Why Remove-AppxPackage -User may leave a package: it can exit 0 without effect [3rd: PowerShell issue 10788;
        /// windows-powershell-docs issue 2881], and from a non-interactive WinRM or SYSTEM process it can fail with
        /// 0x80073D19 [3rd]. The exit code alone does not say which.
        /// </summary>
        private static string StoreHint(RemovalResult result) =>
            result.Method != RemovalMethod.StoreAppForUser ? string.Empty
            : result.ExitCode == 0 ? " (Remove-AppxPackage -User can exit 0 and leave the package)"
            : " (Remove-AppxPackage -User stopped with an error; from a WinRM or SYSTEM process per-user AppX operations can fail with 0x80073D19)";

        private static string Seconds(TimeSpan t) => ((int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + " s";

        internal static RemovalResult NewResult(Finding finding)
        {
            var app = finding.App;
            return new RemovalResult
            {
                ComputerName = app?.ComputerName,
                MachineName = finding.MachineName,
                AppName = app?.DisplayName ?? app?.PackageName,
                Version = app?.DisplayVersion,
                Kind = app?.Kind ?? AppKind.Exe,
                Scope = app?.Scope ?? AppScope.Machine,
                UserName = app?.UserName,
                UserSid = app?.UserSid,
                RuleId = finding.RuleId,
                Method = RemovalMethod.None,
                Finding = finding,
            };
        }
    }
}
