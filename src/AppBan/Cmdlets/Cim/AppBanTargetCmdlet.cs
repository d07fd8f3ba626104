using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.FanOut;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    /// <summary>One target's work, as the base class hands it to a derived cmdlet (on a worker thread).</summary>
    public sealed class TargetContext
    {
        internal TargetContext(ICimSession session, TargetSink sink, CimCallOptions callOptions, CancellationToken token)
        {
            Session = session;
            Sink = sink;
            CallOptions = callOptions;
            CancellationToken = token;
        }

        public ICimSession Session { get; }
        public string ComputerName => Sink.Target;
        /// <summary>Per-call defaults: the operation timeout and the run's cancellation.</summary>
        public CimCallOptions CallOptions { get; }
        public CancellationToken CancellationToken { get; }
        public TargetSink Sink { get; }
        public void WriteObject(object value) => Sink.WriteObject(value);
        public void WriteWarning(string text) => Sink.WriteWarning(text);
        public void WriteVerbose(string text) => Sink.WriteVerbose(text);
        /// <summary>A failure of one item on this target that does not end the target's work.</summary>
        public void WriteError(Exception error) => Sink.WriteError(error);
    }

    /// <summary>
    /// Base of every cmdlet that works on targets. It binds Get-CimInstance-style target parameters, collects targets
    /// as they arrive on the pipeline, runs the work in parallel (throttled) off the pipeline thread, and writes results,
    /// errors, warnings and progress on the pipeline thread as they come. All work of one invocation, the targets and
    /// what follows from them (<see cref="QueueFollowUpWork"/>), goes through one <see cref="FanOutRunner"/>: one
    /// throttle, one queue, one cancellation token. Ctrl+C cancels every work item.
    /// Its parameters come in two parameter sets, as Get-CimInstance's do: ComputerName (with the connection parameters)
    /// and CimSession.
    /// </summary>
    public abstract class AppBanTargetCmdlet : PSCmdlet, IDisposable
    {
        private const int ProgressActivityId = 0x4142, ItemProgressActivityId = 0x4143;
        private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(1500);
        private readonly HashSet<string> seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly CimSessionFactory factory = new CimSessionFactory();
        private FanOutRunner runner;
        private readonly IAuditTrail auditTrail;
        private bool sessionsQueued, progressShown, targetsDone, cleartextWarned, targetNamed;
        private string itemProgressActivity;
        private readonly Stopwatch progressClock = new Stopwatch();

        /// <summary>PowerShell's constructor: changes made to this computer go to the Windows event log.</summary>
        protected AppBanTargetCmdlet() : this(new EventLogAuditTrail()) { }

        private protected AppBanTargetCmdlet(IAuditTrail auditTrail) => this.auditTrail = auditTrail;

        /// <summary>The parameter set of -ComputerName and its connection parameters (Credential, Port, UseSSL, ...).</summary>
        protected const string ComputerNameSet = "ComputerName";

        /// <summary>The parameter set of -CimSession, which carries its own connection settings.</summary>
        protected const string CimSessionSet = "CimSession";

        // The target parameters are virtual: a cmdlet with parameter sets of its own (a mode, such as "Finding") overrides
        // them to place them in "<mode>ComputerName" and "<mode>CimSession", as Get-CimInstance does. PowerShell reads
        // the attributes of the override only, so an override repeats them all.

        /// <summary>Targets: "host" or "host:port". Without -ComputerName, -CimSession and pipeline input, the local machine.</summary>
        [Parameter(ParameterSetName = ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "ServerName", "DNSHostName", "Name")]
        [ValidateNotNullOrEmpty]
        public virtual string[] ComputerName { get; set; }

        /// <summary>Existing CIM sessions (New-CimSession); they are used through MI and left open.</summary>
        [Parameter(ParameterSetName = CimSessionSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public virtual MiCimSession[] CimSession { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [Credential]
        public virtual PSCredential Credential { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        [ValidateRange(1, 65535)]
        public virtual int Port { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        public virtual SwitchParameter UseSSL { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        public virtual CimAuthentication Authentication { get; set; }

        [Parameter(ParameterSetName = ComputerNameSet)]
        public virtual SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>Use the managed WS-Management client on Windows too, instead of MI.</summary>
        [Parameter(ParameterSetName = ComputerNameSet)]
        public virtual SwitchParameter UseWsMan { get; set; }

        [Parameter]
        [Alias("OT")]
        [ValidateRange(0, int.MaxValue)]
        public int OperationTimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int ThrottleLimit { get; set; }

        /// <summary>The cmdlet's own parameter set, without its "ComputerName" or "CimSession" part ("Target" of "TargetCimSession").</summary>
        protected string ParameterSetMode
        {
            get
            {
                var name = ParameterSetName;
                foreach (var suffix in new[] { ComputerNameSet, CimSessionSet })
                    if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.Ordinal)) return name.Substring(0, name.Length - suffix.Length);
                return name;
            }
        }

        /// <summary>The work for one target, on a worker thread: no PowerShell API here, only <paramref name="context"/>.</summary>
        protected abstract Task ProcessTargetAsync(TargetContext context);

        /// <summary>Asked on the pipeline thread before a target's work starts (ShouldProcess goes here).</summary>
        protected virtual bool ShouldProcessTarget(string computerName) => true;

        /// <summary>
        /// A target's session could not be opened or its work failed. Return true when the failure was reported
        /// through <paramref name="sink"/> (as a result object); false writes the standard ErrorRecord.
        /// </summary>
        protected virtual bool HandleTargetFailure(string computerName, string transport, Exception error, TargetSink sink) => false;

        protected virtual string ProgressActivity => MyInvocation.MyCommand.Name;

        /// <summary>A removal ended on <paramref name="computerName"/>: the audit trail decides whether it is recorded. Any thread.</summary>
        private protected void AuditRemoval(string computerName, RemovalResult result, string policyName, string policySha256, Action<string> warn)
        {
            auditTrail.AuditRemoval(computerName, ReportRecords.FromRemoval(result, computerName), policyName, policySha256, warn);
        }

        /// <summary>An exemption change to <paramref name="computerName"/>'s device store, or (null) to a policy file here. Any thread.</summary>
        private protected void AuditExemptionChange(string computerName, ExemptionChange change, Action<string> warn) =>
            auditTrail.AuditExemptionChange(computerName, change, warn);

        /// <summary>A limit for the whole invocation; when it passes, the one cancellation token is cancelled. Null for none.</summary>
        protected virtual TimeSpan? RunTimeLimit => null;

        /// <summary>The runner every work item of this invocation goes through (see <see cref="QueueFollowUpWork"/>).</summary>
        private protected FanOutRunner Runner => runner;

        /// <summary>True once <see cref="RunTimeLimit"/> has passed and cancelled the work.</summary>
        private protected bool TimeLimitReached => runner != null && runner.TimeLimitReached;

        /// <summary>Writes one output a worker posted; pipeline thread. Derived cmdlets may collect it or write more with it.</summary>
        protected virtual void WriteResult(object output) => WriteObject(output);

        /// <summary>ShouldProcess, except that <paramref name="force"/> answers the question unless -Confirm is given; -WhatIf always wins.</summary>
        private protected bool ShouldProcessUnlessForced(string target, string action, SwitchParameter force)
        {
            var confirmAsked = MyInvocation.BoundParameters.TryGetValue("Confirm", out var c) && ((SwitchParameter)c).IsPresent;
            if (!force.IsPresent || confirmAsked || WhatIfMode.IsRequested(this)) return ShouldProcess(target, action);
            WriteVerbose("Performing the operation \"" + action + "\" on target \"" + target + "\".");
            return true;
        }

        /// <summary>
        /// Pipeline thread, once every target's work has ended: queue the work that follows from it (on
        /// <see cref="Runner"/>), after asking ShouldProcess for it here.
        /// </summary>
        protected virtual void QueueFollowUpWork() { }

        /// <summary>
        /// Whether this computer is the target when the command names none and reads no pipeline input. False for an
        /// invocation that works on something else (a policy file), which then contacts no computer unless one is named.
        /// </summary>
        protected virtual bool LocalMachineByDefault => true;

        protected TimeSpan? OperationTimeout => OperationTimeoutSec > 0 ? TimeSpan.FromSeconds(OperationTimeoutSec) : (TimeSpan?)null;

        // -ComputerName and -CimSession, and -CimSession and the connection parameters, are in different parameter sets:
        // PowerShell refuses to combine them before the cmdlet starts.
        protected override void BeginProcessing()
        {
            runner = new FanOutRunner(ThrottleLimit, timeLimit: RunTimeLimit);
            // Pipeline input names the targets, even when there turns out to be none or none usable: an empty or
            // invalid target set does nothing and never turns to this computer.
            targetNamed = MyInvocation.ExpectingInput
                || MyInvocation.BoundParameters.ContainsKey(nameof(ComputerName))
                || MyInvocation.BoundParameters.ContainsKey(nameof(CimSession));
        }

        protected override void ProcessRecord()
        {
            QueueCimSessions();
            if (ComputerName != null) QueueComputerNames(ComputerName);
            Drain(block: false);
        }

        /// <summary>
        /// Targets a derived cmdlet found in its pipeline input (the computers findings or exemptions came from), queued
        /// once that input is complete: through the -CimSession for each when sessions were given (ShouldProcessTarget
        /// picks them), else by name with the connection parameters. Call before base.EndProcessing.
        /// </summary>
        private protected void QueueInputTargets(IReadOnlyCollection<string> computerNames)
        {
            targetNamed = true;
            if (computerNames.Count == 0) return;
            if (CimSession != null && CimSession.Length > 0) QueueCimSessions();
            else QueueComputerNames(computerNames);
        }

        private void QueueComputerNames(IEnumerable<string> names)
        {
            targetNamed = true;
            foreach (var name in names) QueueComputerName(name);
        }

        private void QueueCimSessions()
        {
            if (sessionsQueued || CimSession == null) return;
            sessionsQueued = true;
            targetNamed = true;
            foreach (var session in CimSession) QueueCimSession(session);
        }

        /// <summary>This computer is the target only when the command names none and reads no pipeline input.</summary>
        private bool LocalMachineIsTarget => LocalMachineByDefault && !targetNamed;

        protected override void EndProcessing()
        {
            if (LocalMachineIsTarget)
            {
                try { factory.CheckLocalMachine(); }
                catch (LocalMachineRefusedException ex) { ThrowTerminatingError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidOperation, null)); }
                QueueTarget(Configure(CimTarget.Local()));
            }
            RunToCompletion();
        }

        /// <summary>
        /// Pipeline thread: writes what the work reports until the targets are done, lets the cmdlet queue the work that
        /// follows (<see cref="QueueFollowUpWork"/>), and writes what that reports until it is done too.
        /// </summary>
        private protected void RunToCompletion()
        {
            Drain(block: true, untilIdle: true);
            if (progressShown)
                WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            targetsDone = true;
            if (Stopping) return;
            QueueFollowUpWork();
            runner.CompleteAdding();
            Drain(block: true);
            if (itemProgressActivity != null && !Stopping)
                WriteProgress(new ProgressRecord(ItemProgressActivityId, itemProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        /// <summary>Progress over the items of the work queued after the targets, e.g. "3 of 8 findings done"; pipeline thread.</summary>
        private protected void ShowItemProgress(string activity, int done, int total, string items, string currentOperation)
        {
            itemProgressActivity = activity;
            WriteProgress(new ProgressRecord(ItemProgressActivityId, activity, done + " of " + total + " " + items + " done")
            {
                PercentComplete = Math.Min(100, done * 100 / Math.Max(1, total)),
                CurrentOperation = currentOperation,
            });
        }

        protected override void StopProcessing() => runner?.Cancel();

        /// <summary>PowerShell disposes the cmdlet after the pipeline ends or stops; workers are cancelled and awaited briefly.</summary>
        public void Dispose()
        {
            runner?.Dispose();
            runner = null;
            GC.SuppressFinalize(this);
        }

        private void QueueComputerName(string name)
        {
            CimTarget target;
            try { target = Configure(CimTarget.Parse(name)); }
            catch (ArgumentException ex)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.InvalidComputerName, ErrorCategory.InvalidArgument, name));
                return;
            }
            QueueTarget(target);
        }

        /// <summary>Applies the connection parameters (-Port, -UseSSL, -Credential, ...) to a target; no PowerShell API, any thread.</summary>
        private protected CimTarget Configure(CimTarget target)
        {
            target.Port = Port > 0 ? Port : (int?)null;
            target.UseSsl = UseSSL.IsPresent;
            target.Credential = Credential?.GetNetworkCredential();
            target.Authentication = Authentication;
            target.SkipCertificateCheck = SkipCertificateCheck.IsPresent;
            target.OperationTimeout = OperationTimeout;
            target.ForceWsMan = UseWsMan.IsPresent;
            return target;
        }

        private void QueueTarget(CimTarget target)
        {
            if (!seen.Add(target.ComputerName))
            {
                WriteVerbose(target.ComputerName + " was given more than once; it is processed once.");
                return;
            }
            if (!ShouldProcessTarget(target.ComputerName)) return;
            WarnIfCleartext(target);
            string transport;
            try { transport = factory.TransportFor(target) == CimTransportKind.Mi ? "MI" : "WsMan"; }
            catch (LocalMachineRefusedException ex)
            {
                WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.InvalidOperation, target.ComputerName));
                return;
            }
            runner.Add(target.ComputerName, (sink, ct) => RunAsync(() => factory.Create(target), transport, sink, ct));
        }

        /// <summary>Basic over HTTP sends the password readable by anyone on the path; say so once (loopback stays on the machine).</summary>
        private void WarnIfCleartext(CimTarget target)
        {
            if (cleartextWarned || target.IsLocal || target.UseSsl || target.Authentication != CimAuthentication.Basic) return;
            if (CimTarget.IsLoopbackHost(target.Host)) return;
            cleartextWarned = true;
            WriteWarning("Basic authentication over HTTP sends the password and all data unencrypted. Use -UseSSL where the targets have an HTTPS listener.");
        }

        /// <summary>
        /// A new session to <paramref name="computerName"/> (a finding's computer, named as its scan named it): the
        /// -CimSession connected to it, or one made with the connection parameters. Any thread; the caller disposes it.
        /// </summary>
        private protected ICimSession OpenSessionTo(string computerName)
        {
            if (CimSession != null && CimSession.Length > 0) return OpenGivenCimSession(computerName);
            // A finding from a scan of the local computer names it "localhost"; it is reached the same way again.
            var target = string.Equals(computerName, "localhost", StringComparison.OrdinalIgnoreCase) && factory.IsWindows
                ? CimTarget.Local() : CimTarget.Parse(computerName);
            return factory.Create(Configure(target));
        }

        // Apart, so that nothing of MI is loaded unless -CimSession was given (it cannot load on Linux or macOS).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private ICimSession OpenGivenCimSession(string computerName)
        {
            foreach (MiCimSession session in CimSession)
            {
                if (string.Equals(CimSessionFactory.ComputerNameOf(session), computerName, StringComparison.OrdinalIgnoreCase))
                    return CimSessionFactory.FromCimSession(session, OperationTimeout);
            }
            throw new CimException(CimErrorKind.NotFound, computerName, "No -CimSession given is connected to " + computerName + ".");
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void QueueCimSession(MiCimSession session)
        {
            var name = CimSessionFactory.ComputerNameOf(session);
            if (!seen.Add(name + "#" + session.InstanceId)) return;
            if (!ShouldProcessTarget(name)) return;
            var timeout = OperationTimeout;
            runner.Add(name, (sink, ct) => RunAsync(() => CimSessionFactory.FromCimSession(session, timeout), "MI", sink, ct));
        }

        private async Task RunAsync(Func<ICimSession> open, string transport, TargetSink sink, CancellationToken ct)
        {
            try
            {
                using (var session = open())
                {
                    var options = new CimCallOptions { OperationTimeout = OperationTimeout, CancellationToken = ct };
                    await ProcessTargetAsync(new TargetContext(session, sink, options, ct)).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && HandleTargetFailure(sink.Target, transport, ex, sink))
            {
                // reported as a result
            }
        }

        /// <summary>
        /// Writes what the workers reported, from the runner's one queue. With <paramref name="block"/>, until all work is
        /// done (or, <paramref name="untilIdle"/>, all work queued so far) or the user stops.
        /// </summary>
        private void Drain(bool block, bool untilIdle = false)
        {
            while (true)
            {
                if (Stopping)
                {
                    runner.Cancel();
                    runner.WaitForWorkers(StopGrace);
                    return;
                }
                if (untilIdle && runner.AddedWorkDone)
                {
                    // Each work item posts before it counts as done: what it posted is in the queue now.
                    Drain(block: false);
                    return;
                }
                if (!runner.TryTake(out var e, block ? 100 : 0))
                {
                    if (!block || runner.IsCompleted) return;
                    ShowProgress(force: false);
                    continue;
                }
                switch (e.Kind)
                {
                    case FanOutEventKind.Output: WriteResult(e.Data); break;
                    case FanOutEventKind.Warning: WriteWarning(e.Target + ": " + e.Data); break;
                    case FanOutEventKind.Verbose: WriteVerbose(e.Target + ": " + e.Data); break;
                    case FanOutEventKind.Failed:
                        if (!(runner.IsCancellationRequested && IsCancellation(e.Error))) WriteError(CimErrorRecords.FromException(e.Error, e.Target));
                        break;
                    default: ShowProgress(force: true); break;
                }
            }
        }

        private static bool IsCancellation(Exception ex) =>
            ex is OperationCanceledException || (ex is CimException c && c.Kind == CimErrorKind.Cancelled);

        private void ShowProgress(bool force)
        {
            // Per-target progress; the work queued after the targets reports its own.
            if (targetsDone || runner.Added < 2) return;
            if (!force && progressClock.IsRunning && progressClock.ElapsedMilliseconds < 250) return;
            progressClock.Restart();
            var inFlight = runner.InFlight;
            var status = runner.Completed + " of " + runner.Added + " targets done";
            var record = new ProgressRecord(ProgressActivityId, ProgressActivity, status)
            {
                PercentComplete = Math.Min(100, runner.Completed * 100 / Math.Max(1, runner.Added)),
                CurrentOperation = inFlight.Count == 0 ? "Waiting" :
                    "In flight: " + string.Join(", ", inFlight.Take(5)) + (inFlight.Count > 5 ? " (+" + (inFlight.Count - 5) + " more)" : string.Empty),
            };
            WriteProgress(record);
            progressShown = true;
        }
    }
}
