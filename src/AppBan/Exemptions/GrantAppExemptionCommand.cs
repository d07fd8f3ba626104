using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Commands;
using AppBan.Engine;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Grants an exemption: on devices (HKLM\SOFTWARE\AppBan\Exemptions through CIM) or in a policy file. Every grant
    /// writes an ExemptionChange for the audit trail; -WhatIf writes nothing and connects nowhere.
    /// </summary>
    [Cmdlet(VerbsSecurity.Grant, "AppExemption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = TargetSet)]
    [OutputType(typeof(ExemptionChange))]
    public sealed class GrantAppExemptionCommand : AppBanTargetCmdlet
    {
        private const string TargetSet = "Target";
        private const string PolicySet = "Policy";

        private readonly IClock clock = SystemClock.Instance;
        private ExemptionRequest template;
        private UserReference user;
        private AppBanPolicy effectivePolicy;
        private string policyFile;
        private string changedBy;

        /// <summary>Write into this policy file instead of onto devices.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>The rule to lift, by id; "*" lifts every rule.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TargetSet)]
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [Alias("RuleId")]
        [AllowEmptyString]
        public string Rule { get; set; }

        /// <summary>DOMAIN\name or SID; without it the exemption covers every user (of the device, or of -Computer).</summary>
        [Parameter(ParameterSetName = TargetSet)]
        [Parameter(ParameterSetName = PolicySet)]
        public string User { get; set; }

        /// <summary>Policy exemptions: the computer name or wildcard pattern covered.</summary>
        [Parameter(ParameterSetName = PolicySet)]
        public string Computer { get; set; }

        [Parameter(Mandatory = true)]
        [AllowNull]
        [AllowEmptyString]
        public string Reason { get; set; }

        [Parameter]
        public DateTime Expires { get; set; }

        [Parameter]
        public DateTime NotBefore { get; set; }

        [Parameter]
        public string ApprovedBy { get; set; }

        /// <summary>The effective policy whose rule ids a device grant is checked against; the built-in policy by default.</summary>
        [Parameter(ParameterSetName = TargetSet)]
        public AppBanPolicy Policy { get; set; }

        private bool IntoPolicy => ParameterSetName == PolicySet;

        protected override string ProgressActivity => "Granting exemptions";

        protected override void BeginProcessing()
        {
            changedBy = ExemptionCmdletSupport.CurrentUser();
            template = new ExemptionRequest
            {
                RuleId = Rule,
                User = User,
                Computer = Computer,
                Reason = Reason,
                ApprovedBy = ApprovedBy,
                Expires = MyInvocation.BoundParameters.ContainsKey("Expires") ? ExemptionCmdletSupport.ToOffset(Expires) : null,
                NotBefore = MyInvocation.BoundParameters.ContainsKey("NotBefore") ? ExemptionCmdletSupport.ToOffset(NotBefore) : null,
            };

            if (IntoPolicy)
            {
                ExemptionCmdletSupport.RefuseTargetsWithPolicyPath(this, PolicyPath);
                policyFile = PolicyInput.ResolveFileSystemPath(this, PolicyPath);
                effectivePolicy = PolicyInput.Load(this, policyFile);
            }
            else
            {
                base.BeginProcessing();
                effectivePolicy = Policy ?? PolicyLoader.BuiltIn();
            }

            var check = ExemptionValidator.Validate(template, IntoPolicy ? ExemptionSource.Policy : ExemptionSource.Device,
                effectivePolicy.Rules.Select(r => r.Id), clock);
            if (!check.IsValid) ThrowTerminatingError(ExemptionCmdletSupport.InvalidRequest(check, IntoPolicy ? (object)policyFile : Rule));
            user = check.User;
            foreach (var warning in check.Warnings) WriteWarning(warning);
        }

        protected override void ProcessRecord()
        {
            if (!IntoPolicy) base.ProcessRecord();
        }

        protected override void EndProcessing()
        {
            if (IntoPolicy) GrantIntoPolicy(template, user);
            else base.EndProcessing();
        }

        protected override bool ShouldProcessTarget(string computerName) =>
            ShouldProcess(computerName, ExemptionCmdletSupport.Describe(template, user?.ToString()));

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var service = new DeviceExemptionService(context.Session, context.CallOptions, clock);
            var granted = await service.GrantAsync(template, user, context.CancellationToken).ConfigureAwait(false);
            context.WriteObject(ExemptionChange.Of(granted, ExemptionAction.Granted, context.ComputerName, changedBy, clock.UtcNow));
        }

        private void GrantIntoPolicy(ExemptionRequest request, UserReference who)
        {
            var description = ExemptionCmdletSupport.Describe(request, who?.ToString()) +
                              (request.Computer != null ? " on '" + request.Computer + "'" : "");
            if (!ShouldProcess(policyFile, description)) return;
            var exemption = ExemptionGrants.ForPolicy(request, who, clock);
            try
            {
                new PolicyExemptionWriter(policyFile).Add(exemption);
            }
            catch (ExemptionException ex)
            {
                WriteError(ExemptionCmdletSupport.ErrorFor(ex, policyFile));
                return;
            }
            WriteObject(ExemptionChange.Of(exemption, ExemptionAction.Granted, policyFile, changedBy, clock.UtcNow));
        }
    }
}
