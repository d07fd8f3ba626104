using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Commands;
using AppBan.Discovery;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Removes banned apps: findings from the pipeline, or the findings of a scan of the targets. Every
    /// confirmation is asked on the pipeline thread before any removal starts; removals then run per computer,
    /// computers in parallel, and each result is written back here.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "BannedApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = TargetSet + ComputerNameSet)]
    [OutputType(typeof(RemovalResult))]
    public sealed class RemoveBannedAppCommand : AppBanTargetCmdlet
    {
        private const string TargetSet = "Target";
        private const string FindingSet = "Finding";
        private const int ProgressActivityId = 0x4143;
        private const string RemovalActivity = "Removing banned apps";
        /// <summary>Per removal, when -OperationTimeoutSec is 0: MSI removals of large products take minutes.</summary>
        public const int DefaultRemovalTimeoutSec = 600;

        private readonly ConcurrentQueue<Finding> scanned = new ConcurrentQueue<Finding>();
        // Written by workers, drained on the pipeline thread.
        private readonly ConcurrentQueue<string> lateWarnings = new ConcurrentQueue<string>();
        private readonly List<RemovalRequest> requests = new List<RemovalRequest>();
        private readonly Dictionary<Finding, BannedAppFinding> pipelineObjects = new Dictionary<Finding, BannedAppFinding>();
        private readonly CancellationTokenSource cancel = new CancellationTokenSource();
        private AppBanPolicy policy;
        private TargetScanner scanner;
        private bool computerNameGiven;

        // The target parameters in this cmdlet's own parameter sets (see AppBanTargetCmdlet).
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "ServerName", "DNSHostName", "Name")]
        [ValidateNotNullOrEmpty]
        public override string[] ComputerName { get => base.ComputerName; set => base.ComputerName = value; }

        [Parameter(ParameterSetName = TargetSet + CimSessionSet, Mandatory = true)]
        [Parameter(ParameterSetName = FindingSet + CimSessionSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public override MiCimSession[] CimSession { get => base.CimSession; set => base.CimSession = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        [Credential]
        public override PSCredential Credential { get => base.Credential; set => base.Credential = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        [ValidateRange(1, 65535)]
        public override int Port { get => base.Port; set => base.Port = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        public override SwitchParameter UseSSL { get => base.UseSSL; set => base.UseSSL = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        public override CimAuthentication Authentication { get => base.Authentication; set => base.Authentication = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        public override SwitchParameter SkipCertificateCheck { get => base.SkipCertificateCheck; set => base.SkipCertificateCheck = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        public override SwitchParameter UseWsMan { get => base.UseWsMan; set => base.UseWsMan = value; }

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + CimSessionSet)]
        [ValidateNotNull]
        public BannedAppFinding[] InputObject { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RuleIdCompleter))]
        public string[] Rule { get; set; }

        [Parameter]
        public SwitchParameter IncludeGracePeriod { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override string ProgressActivity => "Scanning for banned apps";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // Only the command line is bound yet: findings come later, from the pipeline.
            computerNameGiven = MyInvocation.BoundParameters.ContainsKey(nameof(ComputerName));
            policy = PolicyInput.Load(this, PolicyPath);
            try
            {
                // Fails on a rule id the policy does not have, before any computer is contacted.
                scanner = TargetScanner.ForPolicy(policy, SystemClock.Instance, Rule);
            }
            catch (ArgumentException ex)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "UnknownRule", ErrorCategory.InvalidArgument, Rule));
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetMode != FindingSet)
            {
                base.ProcessRecord();
                return;
            }
            if (computerNameGiven)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                    "Findings from the pipeline are removed on their own computers; do not give -ComputerName with them."),
                    "ComputerNameWithFindings", ErrorCategory.InvalidArgument, ComputerName));
            // Findings: each is confirmed now, on the pipeline thread; nothing runs before EndProcessing.
            foreach (var item in InputObject)
            {
                if (item?.Finding == null) continue;
                pipelineObjects[item.Finding] = item;
                Consider(item.Finding);
            }
        }

        protected override void EndProcessing()
        {
            if (ParameterSetMode != FindingSet)
            {
                // Scan first (the base class runs ProcessTargetAsync for every target), then confirm what was found.
                base.EndProcessing();
                foreach (var finding in scanned.OrderBy(f => f.ComputerName, StringComparer.OrdinalIgnoreCase)) Consider(finding);
            }
            RunRemovals();
        }

        protected override void StopProcessing()
        {
            cancel.Cancel();
            base.StopProcessing();
        }

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var result = await scanner.ScanAsync(context.Session, context.CallOptions, context.CancellationToken).ConfigureAwait(false);
            // One non-terminating error per failed target, written by the base class on the pipeline thread.
            if (result.Error != null) throw result.Error;
            foreach (var warning in result.Warnings) context.WriteWarning(warning);
            if (result.UsersNotScanned.Count > 0)
                context.WriteWarning("Per-user apps of " + result.UsersNotScanned.Count + " user(s) were not scanned: "
                    + string.Join("; ", result.UsersNotScanned.Select(u => u.ToString())) + ".");
            foreach (var finding in result.Findings) scanned.Enqueue(finding);
        }

        private void Consider(Finding finding)
        {
            if (Rule != null && !Rule.Contains(finding.RuleId, StringComparer.OrdinalIgnoreCase))
            {
                WriteVerbose(finding.ComputerName + ": " + finding.App?.DisplayName + " matches rule '" + finding.RuleId + "', not one of -Rule; passed over.");
                return;
            }
            // A finding of a rule the policy does not have (scanned with another policy) gets the default settings.
            var request = new RemovalRequest(finding, policy.FindRule(finding.RuleId)?.Removal)
            {
                IncludeGracePeriod = IncludeGracePeriod.IsPresent,
            };
            var preview = RemovalPlanner.Plan(request, null);
            // Skipped, refused and per-user findings change nothing: they are reported without asking.
            if (preview.Decision == RemovalDecision.Run && !Approve(preview.Target, preview.Action)) return;
            requests.Add(request);
        }

        /// <summary>ShouldProcess, except that -Force answers the question; -WhatIf always wins.</summary>
        private bool Approve(string target, string action)
        {
            var confirmAsked = MyInvocation.BoundParameters.TryGetValue("Confirm", out var c) && ((SwitchParameter)c).IsPresent;
            if (Force.IsPresent && !confirmAsked && !WhatIfMode.IsRequested(this))
            {
                WriteVerbose("Performing the operation \"" + action + "\" on target \"" + target + "\".");
                return true;
            }
            return ShouldProcess(target, action);
        }

        private void RunRemovals()
        {
            if (requests.Count == 0) return;
            var timeout = TimeSpan.FromSeconds(OperationTimeoutSec > 0 ? OperationTimeoutSec : DefaultRemovalTimeoutSec);
            var callOptions = new CimCallOptions { OperationTimeout = OperationTimeout };
            var options = new RemovalExecutorOptions { Timeout = timeout };
            var factory = new CimSessionFactory();
            var now = SystemClock.Instance.UtcNow;
            var work = requests
                .GroupBy(r => r.Finding.ComputerName ?? "localhost", StringComparer.OrdinalIgnoreCase)
                .Select(g => new RemovalHostWork(g.Key, g.ToList(), ct => OpenAsync(factory, g.Key, g.ToList(), now, ct)))
                .ToList();

            // -WhatIf runs nothing; the refusals it still reports are not events of this machine.
            var audit = !WhatIfMode.IsRequested(this);
            var results = new BlockingCollection<RemovalResult>();
            var run = Task.Run(() => RemovalRunner.RunAsync(work, ThrottleLimit,
                    session => new InventoryReader(new RegistryClient(session, callOptions)), options,
                    result =>
                    {
                        // Recorded as each removal ends, so a stopped pipeline loses no event.
                        if (audit) AuditRemoval(result.ComputerName, ReportRecords.FromRemoval(result), policy.Name, policy.Sha256, lateWarnings.Enqueue);
                        results.Add(result);
                    }, cancel.Token))
                .ContinueWith(t => { results.CompleteAdding(); return t; }, TaskScheduler.Default).Unwrap();

            var done = 0;
            var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            while (!results.IsCompleted)
            {
                if (Stopping) { cancel.Cancel(); break; }
                while (lateWarnings.TryDequeue(out var warning)) WriteWarning(warning);
                if (!results.TryTake(out var result, 100)) continue;
                done++;
                Write(result, reported);
                WriteProgress(new ProgressRecord(ProgressActivityId, RemovalActivity, done + " of " + requests.Count + " findings done")
                {
                    PercentComplete = Math.Min(100, done * 100 / requests.Count),
                    CurrentOperation = result.ComputerName + ": " + result.AppName + " " + result.Status,
                });
            }
            while (lateWarnings.TryDequeue(out var last)) WriteWarning(last);
            WriteProgress(new ProgressRecord(ProgressActivityId, RemovalActivity, "Done") { RecordType = ProgressRecordType.Completed });
            try { run.Wait(); }
            catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OperationCanceledException)) { }
        }

        private async Task<ICimSession> OpenAsync(CimSessionFactory factory, string computerName, IReadOnlyList<RemovalRequest> hostRequests,
            DateTimeOffset now, CancellationToken ct)
        {
            var session = OpenSession(factory, computerName);
            try
            {
                // A finding may be older than an exemption granted since: read the device's exemptions again.
                var registry = new RegistryClient(session, new CimCallOptions { OperationTimeout = OperationTimeout });
                var problems = new List<string>();
                var device = await DeviceExemptionStore.ReadAllAsync(registry, computerName, problems, ct).ConfigureAwait(false);
                foreach (var problem in problems) lateWarnings.Enqueue(problem);
                var exemptions = policy.Exemptions.Concat(device).ToList();
                foreach (var request in hostRequests.Where(r => r.Finding.Status != FindingStatus.Exempt))
                    request.LateExemption = ExemptionMatcher.FindApplicable(exemptions, request.Finding.RuleId, request.Finding.App, computerName, now);
                return session;
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }

        private ICimSession OpenSession(CimSessionFactory factory, string computerName)
        {
            if (CimSession != null && CimSession.Length > 0) return OpenCimSession(computerName);
            // A finding from a scan of the local computer names it "localhost"; it is reached the same way again.
            var target = string.Equals(computerName, "localhost", StringComparison.OrdinalIgnoreCase) && factory.IsWindows
                ? CimTarget.Local() : CimTarget.Parse(computerName);
            return factory.Create(Configure(target));
        }

        // Apart, so that nothing of MI is loaded unless -CimSession was given (it cannot load on Linux or macOS).
        [MethodImpl(MethodImplOptions.NoInlining)]
        private ICimSession OpenCimSession(string computerName)
        {
            foreach (MiCimSession session in CimSession)
            {
                var name = CimSessionFactory.ComputerNameOf(session);
                if (string.Equals(name, computerName, StringComparison.OrdinalIgnoreCase))
                    return CimSessionFactory.FromCimSession(session, OperationTimeout);
            }
            throw new CimException(CimErrorKind.NotFound, computerName, "No -CimSession given is connected to " + computerName + ".");
        }

        private void Write(RemovalResult result, HashSet<string> reportedHosts)
        {
            WriteObject(result);
            var error = RemovalErrorRecords.For(result, TargetObjectFor(result), reportedHosts.Add);
            if (error != null) WriteError(error);
            switch (result.Status)
            {
                case RemovalStatus.Refused:
                    WriteWarning(result.ComputerName + ": " + result.AppName + " was not removed: " + result.Error);
                    break;
                case RemovalStatus.RequiresUserAction:
                case RemovalStatus.SkippedExempt:
                case RemovalStatus.SkippedGracePeriod:
                    WriteVerbose(result.ComputerName + ": " + result.AppName + ": " + result.Status + ": " + result.Error);
                    break;
            }
        }

        private object TargetObjectFor(RemovalResult result)
        {
            if (result.Finding == null) return result.ComputerName;
            return pipelineObjects.TryGetValue(result.Finding, out var piped) ? piped : new BannedAppFinding(result.Finding);
        }
    }
}
