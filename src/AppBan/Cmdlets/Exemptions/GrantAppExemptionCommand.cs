using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Output;
using AppBan.Engine;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Grants an exemption: on devices (HKLM\SOFTWARE\AppBan\Exemptions through CIM) or in a policy file. Rule and
    /// user come from parameters, or from Get-BannedApp findings on the pipeline. Every grant writes an
    /// ExemptionChange for the audit trail; -WhatIf writes nothing and connects nowhere.
    /// </summary>
    [Cmdlet(VerbsSecurity.Grant, "AppExemption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = TargetSet + ComputerNameSet)]
    [OutputType(typeof(ExemptionChange))]
    public sealed partial class GrantAppExemptionCommand : ExemptionChangeCmdlet<PendingGrant>
    {
        private const string FindingSet = "Finding", FindingPolicySet = "FindingPolicy";

        private readonly List<BannedAppFinding> findings = new List<BannedAppFinding>();
        private ExemptionGrantPlan plan;
        private string policyFile;

        /// <summary>Write into this policy file instead of onto devices.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)][Parameter(Mandatory = true, ParameterSetName = FindingPolicySet)][ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }
        /// <summary>Findings from Get-BannedApp: each grants for its rule, its user (per-user findings) and its computer.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + ComputerNameSet)][Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + CimSessionSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingPolicySet)][Alias("Finding")]
        public BannedAppFinding InputObject { get; set; }
        /// <summary>The rule to lift, by id; "*" lifts every rule.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TargetSet + ComputerNameSet)][Parameter(Mandatory = true, ParameterSetName = TargetSet + CimSessionSet)][Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [Alias("RuleId")][AllowEmptyString][ArgumentCompleter(typeof(RuleIdCompleter))]
        public string Rule { get; set; }
        /// <summary>DOMAIN\name or SID; without it the exemption covers every user (of the device, or of -Computer).</summary>
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)][Parameter(ParameterSetName = TargetSet + CimSessionSet)][Parameter(ParameterSetName = PolicySet)]
        public string User { get; set; }
        /// <summary>Policy exemptions: the computer name or wildcard pattern covered.</summary>
        [Parameter(ParameterSetName = PolicySet)] public string Computer { get; set; }
        [Parameter(Mandatory = true)][AllowNull][AllowEmptyString] public string Reason { get; set; }
        [Parameter] public DateTime Expires { get; set; }
        [Parameter] public DateTime NotBefore { get; set; }
        [Parameter] public string ApprovedBy { get; set; }
        /// <summary>The effective policy whose rule ids a device grant is checked against; the built-in policy by default.</summary>
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)][Parameter(ParameterSetName = TargetSet + CimSessionSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)][Parameter(ParameterSetName = FindingSet + CimSessionSet)]
        public AppBanPolicy Policy { get; set; }
        /// <summary>A built-in policy by name ("TikTok", "ByteDance") whose rule ids a device grant is checked against, instead of -Policy.</summary>
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)][Parameter(ParameterSetName = TargetSet + CimSessionSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)][Parameter(ParameterSetName = FindingSet + CimSessionSet)]
        [ValidateNotNullOrEmpty][BuiltInPolicyName][ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        private bool IntoPolicy => ParameterSetMode == PolicySet || ParameterSetMode == FindingPolicySet;
        private bool FromFindings => ParameterSetMode == FindingSet || ParameterSetMode == FindingPolicySet;
        protected override bool ChangesPolicyFile => IntoPolicy;
        protected override string ProgressActivity => "Granting exemptions";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (IntoPolicy) policyFile = PolicyInput.ResolveFileSystemPath(this, PolicyPath);
            PolicyInput.RequireOneSource(this, Policy, null, PolicyName);
            var policy = IntoPolicy ? PolicyInput.Load(this, policyFile) : Policy ?? PolicyInput.Load(this, null, PolicyName);
            var template = ExemptionGrantPlan.TemplateFrom(Rule, User, Computer, Reason, ApprovedBy, BoundDate(nameof(Expires), Expires), BoundDate(nameof(NotBefore), NotBefore));
            plan = new ExemptionGrantPlan(template, IntoPolicy ? ExemptionSource.Policy : ExemptionSource.Device, FromFindings, policy.Rules.Select(r => r.Id), Policy != null || PolicyName != null, Clock);
            if (!plan.Check.IsValid) ThrowTerminatingError(ExemptionCmdletSupport.InvalidRequest(plan.Check, IntoPolicy ? (object)policyFile : Rule));
            foreach (var warning in plan.Check.Warnings) WriteWarning(warning);
        }

        protected override void ProcessRecord()
        {
            // A finding's ComputerName also binds to -ComputerName; targets are queued once all findings are in (each target sees all of its own).
            if (FromFindings) { if (InputObject != null) findings.Add(InputObject); ComputerName = null; }
            else if (ParameterSetMode == TargetSet) base.ProcessRecord();
        }

        protected override void EndProcessing()
        {
            if (ParameterSetMode == PolicySet) GrantIntoPolicy(new[] { plan.Single });
            else if (ParameterSetMode == FindingPolicySet) GrantIntoPolicy(PendingFromFindings());
            else if (ParameterSetMode == FindingSet) QueueChangesOnTargets(PendingGrant.ByTarget(PendingFromFindings()), "where the finding was made");
            base.EndProcessing();
        }

        protected override bool ShouldProcessTarget(string computerName) => ParameterSetMode == TargetSet ? ShouldProcess(computerName, plan.Single.Description)
            : PendingByTarget != null && PendingByTarget.TryGetValue(computerName, out var pending) && Approve(computerName, pending, g => g.Description);

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var device = new DeviceExemptionChanges(context.Session, context.CallOptions, context.ComputerName, ChangedBy, Clock);
            if (ParameterSetMode == TargetSet) WriteDeviceChange(context, await device.GrantAsync(plan.Single, context.CancellationToken).ConfigureAwait(false));
            // One finding's grant may fail (its user is gone, say); the others on this target still go ahead.
            else await device.GrantEachAsync(ApprovedFor(context.ComputerName), c => WriteDeviceChange(context, c), context.WriteError, context.CancellationToken).ConfigureAwait(false);
        }

        private IReadOnlyList<PendingGrant> PendingFromFindings() => plan.PendingFromFindings(findings,
            f => new GrantSubject(f.ComputerName, f.RuleId, f.Scope == AppScope.User ? f.UserSid : null, f.UserName),
            (finding, check) => WriteError(ExemptionCmdletSupport.InvalidRequest(check, finding)));

        private void GrantIntoPolicy(IEnumerable<PendingGrant> grants) =>
            ChangePolicyFile(policyFile, grants, g => g.PolicyDescription, new PolicyExemptionChanges(policyFile, ChangedBy, Clock).Grant);

        private DateTime? BoundDate(string name, DateTime value) => MyInvocation.BoundParameters.ContainsKey(name) ? value : (DateTime?)null;
    }
}
