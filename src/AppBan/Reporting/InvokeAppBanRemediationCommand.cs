using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Commands;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.FanOut;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Scan, removal and report in one call, for scheduled tasks and automation accounts: scans every target, removes
    /// the banned apps the policy wants gone, writes the reports and the log, and returns the run's outcome with the
    /// documented exit code.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "AppBanRemediation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
        DefaultParameterSetName = PolicyPathSet + ComputerNameSet)]
    [OutputType(typeof(AppBanRunOutcome))]
    public sealed class InvokeAppBanRemediationCommand : AppBanTargetCmdlet
    {
        private const string PolicyPathSet = "PolicyPath";
        private const string PolicySet = "Policy";

        private readonly ConcurrentDictionary<string, bool> _removalAllowed = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        private readonly ConcurrentQueue<ErrorRecord> _removalErrors = new ConcurrentQueue<ErrorRecord>();
        // Warnings from worker threads (the audit trail's), written on the pipeline thread.
        private readonly ConcurrentQueue<string> _lateWarnings = new ConcurrentQueue<string>();
        private readonly ConcurrentDictionary<string, bool> _failedHosts = new ConcurrentDictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        private readonly List<KeyValuePair<string, ReportFormat>> _reports = new List<KeyValuePair<string, ReportFormat>>();
        private readonly IClock _clock = SystemClock.Instance;
        private AppBanPolicy _policy;
        private ReportBuilder _builder;
        private RunLog _log;
        private CancellationTokenSource _deadline;
        private int _finished;

        // The target parameters in this cmdlet's own parameter sets (see AppBanTargetCmdlet).
        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "ServerName", "DNSHostName", "Name")]
        [ValidateNotNullOrEmpty]
        public override string[] ComputerName { get => base.ComputerName; set => base.ComputerName = value; }

        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet, Mandatory = true)]
        [Parameter(ParameterSetName = PolicySet + CimSessionSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public override MiCimSession[] CimSession { get => base.CimSession; set => base.CimSession = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet)]
        [Credential]
        public override PSCredential Credential { get => base.Credential; set => base.Credential = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet)]
        [ValidateRange(1, 65535)]
        public override int Port { get => base.Port; set => base.Port = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet)]
        public override SwitchParameter UseSSL { get => base.UseSSL; set => base.UseSSL = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet)]
        public override CimAuthentication Authentication { get => base.Authentication; set => base.Authentication = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet)]
        public override SwitchParameter SkipCertificateCheck { get => base.SkipCertificateCheck; set => base.SkipCertificateCheck = value; }

        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicySet + ComputerNameSet)]
        public override SwitchParameter UseWsMan { get => base.UseWsMan; set => base.UseWsMan = value; }

        /// <summary>The policy file; without it and -Policy, the built-in policy.</summary>
        [Parameter(ParameterSetName = PolicyPathSet + ComputerNameSet)]
        [Parameter(ParameterSetName = PolicyPathSet + CimSessionSet)]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PolicySet + ComputerNameSet)]
        [Parameter(Mandatory = true, ParameterSetName = PolicySet + CimSessionSet)]
        [ValidateNotNull]
        public AppBanPolicy Policy { get; set; }

        /// <summary>Report files; the extension (.json, .csv, .html) picks each one's format.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] ReportPath { get; set; }

        /// <summary>A plain-text log the run appends to.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string LogPath { get; set; }

        /// <summary>The limit for the whole run in seconds; 0 means none.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int TimeoutSec { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            _policy = Policy ?? PolicyInput.Load(this, PolicyPath);
            foreach (var path in ReportPath ?? Array.Empty<string>())
            {
                var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                if (!ReportWriter.TryGetFormatFromPath(full, out var format))
                    ThrowTerminatingError(new ErrorRecord(
                        new ArgumentException("Cannot tell the report format from '" + path + "': use a .json, .csv or .html file name."),
                        "ReportFormatUnknown", ErrorCategory.InvalidArgument, path));
                _reports.Add(new KeyValuePair<string, ReportFormat>(full, format));
            }
            if (LogPath != null) _log = new RunLog(SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath), _clock);

            _builder = ReportSession.NewBuilder(this);
            _builder.SetPolicy(_policy.Name, _policy.Sha256, _policy.Source);
            _deadline = TimeoutSec > 0 ? new CancellationTokenSource(TimeSpan.FromSeconds(TimeoutSec)) : new CancellationTokenSource();
            _log?.Write("AppBan " + (MyInvocation.MyCommand.Module?.Version?.ToString() ?? "") + " run started by " +
                        _builder.Build().Run.Operator + " on " + Environment.MachineName + "; policy " + _policy.Name + " (SHA-256 " +
                        _policy.Sha256 + ", " + _policy.Source + ")" + (TimeoutSec > 0 ? "; time limit " + TimeoutSec + " s" : ""));
        }

        protected override bool ShouldProcessTarget(string computerName)
        {
            _builder.DeclareTargets(new[] { computerName });
            // Every target is scanned; the question is whether its banned apps may be removed (-WhatIf, -Confirm).
            _removalAllowed[computerName] = ShouldProcess(computerName, "Remove banned apps");
            return true;
        }

        protected override void ProcessRecord()
        {
            base.ProcessRecord();
            FlushWorkerMessages();
        }

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var computer = context.ComputerName;
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _deadline.Token))
            {
                var token = linked.Token;
                var options = (context.CallOptions ?? new CimCallOptions()).With(token);
                var scanner = new TargetScanner(_policy.MightMatch,
                    (apps, deviceExemptions) => FindingEvaluator.Evaluate(apps, _policy, deviceExemptions, _clock));
                var scan = await scanner.ScanAsync(context.Session, options, token).ConfigureAwait(false);

                foreach (var finding in scan.Findings) _builder.AddFinding(ReportRecords.FromFinding(finding));
                ReportRecords.TryParseTargetStatus(scan.Status.ToString(), out var status);
                _builder.SetTargetStatus(computer, status, scan.Error?.Message ?? (scan.Warnings.Count > 0 ? scan.Warnings[0] : null));
                foreach (var warning in scan.Warnings) context.WriteWarning(warning);
                if (scan.Error != null) throw scan.Error;

                bool allowed;
                if (!_removalAllowed.TryGetValue(computer, out allowed) || !allowed) return;
                var requests = scan.Findings.Select(NewRequest).ToList();
                if (!requests.Any(r => r.Finding.Status == FindingStatus.Violation)) return;

                var host = new RemovalHostWork(computer, requests, ct => Task.FromResult<ICimSession>(new BorrowedSession(context.Session)));
                await RemovalRunner.RunAsync(new[] { host }, 1, session => new InventoryReader(new RegistryClient(session, options)),
                    new RemovalExecutorOptions(), result => OnRemoval(result, computer), token).ConfigureAwait(false);
            }
        }

        private RemovalRequest NewRequest(Finding finding) =>
            new RemovalRequest(finding, _policy.FindRule(finding.RuleId)?.Removal);

        /// <summary>On a worker thread: record, log and audit one removal; errors wait for the pipeline thread.</summary>
        private void OnRemoval(RemovalResult result, string computer)
        {
            // Exempt and grace-period findings are not actions: the findings already say why they stay.
            if (result.Status == RemovalStatus.SkippedExempt || result.Status == RemovalStatus.SkippedGracePeriod) return;
            var action = ReportRecords.FromRemoval(result);
            if (string.IsNullOrEmpty(action.ComputerName)) action.ComputerName = computer;
            action.Time = _clock.UtcNow;
            _builder.AddAction(action);
            _log?.WriteAction(action);
            AuditRemoval(computer, action, _policy.Name, _policy.Sha256, _lateWarnings.Enqueue);
            // The same error records as Remove-BannedApp: one per failed app, one per unreachable host.
            var error = RemovalErrorRecords.For(result, (object)result.Finding ?? computer, key => _failedHosts.TryAdd(key, true));
            if (error != null) _removalErrors.Enqueue(error);
        }

        protected override bool HandleTargetFailure(string computerName, string transport, Exception error, TargetSink sink)
        {
            var cim = error as CimException;
            var timedOut = _deadline.IsCancellationRequested && (error is OperationCanceledException || cim?.Kind == CimErrorKind.Cancelled);
            var record = CimErrorRecords.FromException(error, computerName);
            _builder.AddError(computerName, new ReportError
            {
                ErrorId = timedOut ? "RunTimeLimitReached" : record.FullyQualifiedErrorId?.Split(',')[0],
                Category = timedOut ? ErrorCategory.OperationTimeout.ToString() : record.CategoryInfo.Category.ToString(),
                Message = timedOut ? computerName + ": the run's time limit was reached before this computer was done." : error.Message,
            });
            if (cim?.Kind == CimErrorKind.Unreachable) _builder.SetTargetStatus(computerName, TargetStatus.Unreachable, error.Message);
            else if (timedOut) _builder.SetTargetStatus(computerName, TargetStatus.Failed, "The run's time limit was reached.");
            else if (!(error is CimException)) _builder.SetTargetStatus(computerName, TargetStatus.Failed, error.Message);
            return false;
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            FlushWorkerMessages();
            if (Stopping) return;
            if (_deadline.IsCancellationRequested && TimeoutSec > 0)
            {
                _builder.MarkCancelled();
                WriteWarning("The run's time limit of " + TimeoutSec + " s was reached; the report holds what finished before it.");
            }
            var outcome = Finish();
            foreach (var problem in outcome.Value) WriteError(problem);
            WriteObject(outcome.Key);
        }

        protected override void StopProcessing()
        {
            base.StopProcessing();
            _builder?.MarkCancelled();
            try { Finish(); }
            catch (Exception) { /* the stop goes on; nothing can be reported from this thread */ }
        }

        /// <summary>Writes the reports and the end of the log once; returns the outcome and any write failures.</summary>
        private KeyValuePair<AppBanRunOutcome, List<ErrorRecord>> Finish()
        {
            var problems = new List<ErrorRecord>();
            if (Interlocked.Exchange(ref _finished, 1) == 1) return new KeyValuePair<AppBanRunOutcome, List<ErrorRecord>>(null, problems);
            var report = _builder.Build();
            var written = new List<string>();
            foreach (var target in _reports)
            {
                try
                {
                    ReportWriter.Write(report, target.Key, target.Value);
                    written.Add(target.Key);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
                {
                    problems.Add(new ErrorRecord(ex, "ReportWriteFailed", ErrorCategory.WriteError, target.Key));
                    _log?.Write("Cannot write the report " + target.Key + ": " + ex.Message);
                }
            }
            var outcome = AppBanRunOutcome.From(report, written.ToArray(), _log?.Path);
            if (_log != null)
            {
                foreach (var target in report.Targets) _log.WriteTarget(target);
                _log.Write("Run ended. " + outcome.Summary);
                if (_log.Problem != null) WriteWarningSafe("Cannot write the log " + _log.Path + ": " + _log.Problem);
            }
            return new KeyValuePair<AppBanRunOutcome, List<ErrorRecord>>(outcome, problems);
        }

        private void WriteWarningSafe(string text)
        {
            if (!Stopping) WriteWarning(text);
        }

        private void FlushWorkerMessages()
        {
            while (_removalErrors.TryDequeue(out var record)) WriteError(record);
            while (_lateWarnings.TryDequeue(out var warning)) WriteWarning(warning);
        }

        /// <summary>The base class owns the session; the removal runner must not close it.</summary>
        private sealed class BorrowedSession : ICimSession
        {
            private readonly ICimSession _inner;
            public BorrowedSession(ICimSession inner) { _inner = inner; }
            public string ComputerName => _inner.ComputerName;
            public string TransportName => _inner.TransportName;
            public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options) =>
                _inner.QueryAsync(namespaceName, wql, onInstance, options);
            public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
                IReadOnlyList<CimParameter> inParameters, CimCallOptions options) =>
                _inner.InvokeMethodAsync(namespaceName, className, methodName, inParameters, options);
            public void Dispose() { }
        }
    }
}
