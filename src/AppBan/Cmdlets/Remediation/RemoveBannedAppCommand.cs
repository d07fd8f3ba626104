using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Output;
using AppBan.Engine;
using AppBan.Engine.Findings;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Removes banned apps: findings from the pipeline, or those a scan of the targets finds. Each removal is confirmed
    /// here before any starts; the engine's run removes what was approved, and each result is written here as it comes.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "BannedApp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = TargetSet + ComputerNameSet)]
    [OutputType(typeof(RemovalResult))]
    public sealed partial class RemoveBannedAppCommand : AppBanTargetCmdlet
    {
        private const string TargetSet = "Target", FindingSet = "Finding";
        /// <summary>Per removal, when -OperationTimeoutSec is 0: MSI removals of large products take minutes.</summary>
        public const int DefaultRemovalTimeoutSec = 600;

        private readonly List<Finding> scanned = new List<Finding>();
        private readonly List<RemovalRequest> requests = new List<RemovalRequest>();
        private readonly Dictionary<Finding, BannedAppFinding> pipelineObjects = new Dictionary<Finding, BannedAppFinding>();
        private readonly HashSet<string> reportedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private RemediationRun run;
        private int done;
        private bool computerNameGiven;

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + CimSessionSet)]
        [ValidateNotNull]
        public BannedAppFinding[] InputObject { get; set; }
        [Parameter][ValidateNotNullOrEmpty] public string PolicyPath { get; set; }
        /// <summary>A built-in policy by name ("TikTok", "ByteDance"), instead of -PolicyPath.</summary>
        [Parameter][ValidateNotNullOrEmpty][BuiltInPolicyName][ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))] public string PolicyName { get; set; }
        [Parameter][ValidateNotNullOrEmpty][ArgumentCompleter(typeof(RuleIdCompleter))] public string[] Rule { get; set; }
        [Parameter] public SwitchParameter IncludeGracePeriod { get; set; }
        [Parameter] public SwitchParameter Force { get; set; }
        /// <summary>
        /// With computers: do not load signed-out users' hives in the scan (their per-user apps are then not removed).
        /// -WhatIf never loads them.
        /// </summary>
        [Parameter] public SwitchParameter SkipSignedOutUsers { get; set; }

        protected override string ProgressActivity => "Scanning for banned apps";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            // Only the command line is bound yet: findings come later, from the pipeline.
            computerNameGiven = MyInvocation.BoundParameters.ContainsKey(nameof(ComputerName));
            var policy = PolicyInput.Load(this, PolicyPath, PolicyName);
            var audit = !WhatIfMode.IsRequested(this); // -WhatIf runs nothing; its refusals are no events of this machine
            var whatIf = !audit;
            var settings = new RemediationSettings
            {
                Policy = policy, RuleIds = Rule, IncludeGracePeriod = IncludeGracePeriod.IsPresent, OperationTimeout = OperationTimeout,
                Executor = new RemovalExecutorOptions { Timeout = TimeSpan.FromSeconds(OperationTimeoutSec > 0 ? OperationTimeoutSec : DefaultRemovalTimeoutSec) },
                OnRemoved = (r, sink) => { if (audit) AuditRemoval(r.ComputerName, r, policy.Name, policy.Sha256, sink.WriteWarning); },
                SettleScheduledWork = !whatIf,
                // -WhatIf starts nothing on a target, not even the short load of a signed-out user's hive.
                ReadSignedOutProfiles = !SkipSignedOutUsers.IsPresent && !whatIf,
            };
            try { run = new RemediationRun(Runner, settings); } // an unknown rule stops before any computer is contacted
            catch (ArgumentException ex) { ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.UnknownRule, ErrorCategory.InvalidArgument, Rule)); }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetMode != FindingSet) base.ProcessRecord();
            else if (computerNameGiven)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Findings from the pipeline are removed on their own computers; do not give -ComputerName with them."),
                    ErrorIds.ComputerNameWithFindings, ErrorCategory.InvalidArgument, ComputerName));
            else foreach (var item in InputObject.Where(i => i?.Finding != null)) Consider((pipelineObjects[item.Finding] = item).Finding);
        }

        // Targets are scanned first (ProcessTargetAsync), then what they found is confirmed and removed (QueueFollowUpWork).
        protected override void EndProcessing()
        {
            if (ParameterSetMode == FindingSet) RunToCompletion(); else base.EndProcessing();
        }

        protected override Task ProcessTargetAsync(TargetContext context) => run.ScanAsync(context.Session, context.Sink, context.CancellationToken);

        protected override void QueueFollowUpWork()
        {
            foreach (var finding in scanned.OrderBy(f => f.ComputerName, StringComparer.OrdinalIgnoreCase)) Consider(finding);
            run.QueueRemovals(requests, OpenSessionTo);
        }

        protected override void WriteResult(object output)
        {
            if (output is Finding finding) { scanned.Add(finding); return; }
            var result = (RemovalResult)output;
            WriteObject(result);
            // A confirmation of a removal done in a user's own context answers no finding of this run.
            object target = result.Finding == null ? (object)result
                : pipelineObjects.TryGetValue(result.Finding, out var piped) ? piped : new BannedAppFinding(result.Finding);
            RemovalErrorRecords.Write(this, result, target, reportedHosts.Add);
            ShowItemProgress("Removing banned apps", ++done, requests.Count, "findings", result.ComputerName + ": " + result.AppName + " " + result.Status);
        }

        private void Consider(Finding finding)
        {
            var plan = run.Preview(finding);
            if (plan == null) WriteVerbose(finding.ComputerName + ": " + finding.App?.DisplayName + " matches rule '" + finding.RuleId + "', not one of -Rule; passed over.");
            // Skipped, refused and user-action findings change nothing: they are reported without asking. A user's task and
            // browser policy change the target, so they are asked like any command.
            else if (!plan.ChangesTarget || ShouldProcessUnlessForced(plan.Target, plan.Action, Force)) requests.Add(plan.Request);
        }
    }
}
