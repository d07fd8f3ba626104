using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Output;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Grants an exemption: on devices (HKLM\SOFTWARE\AppBan\Exemptions through CIM) or in a policy file. Rule and
    /// user come from parameters, or from Get-BannedApp findings on the pipeline. Every grant writes an
    /// ExemptionChange for the audit trail; -WhatIf writes nothing and connects nowhere.
    /// </summary>
    [Cmdlet(VerbsSecurity.Grant, "AppExemption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = TargetSet + ComputerNameSet)]
    [OutputType(typeof(ExemptionChange))]
    public sealed class GrantAppExemptionCommand : ExemptionChangeCmdlet<GrantAppExemptionCommand.PendingGrant>
    {
        private const string FindingSet = "Finding";
        private const string FindingPolicySet = "FindingPolicy";

        private readonly List<BannedAppFinding> findings = new List<BannedAppFinding>();
        private ExemptionRequest template;
        private UserReference user;
        private AppBanPolicy effectivePolicy;
        private string policyFile;

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

        /// <summary>Write into this policy file instead of onto devices.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [Parameter(Mandatory = true, ParameterSetName = FindingPolicySet)]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>Findings from Get-BannedApp: each grants for its rule, its user (per-user findings) and its computer.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingSet + CimSessionSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = FindingPolicySet)]
        [Alias("Finding")]
        public BannedAppFinding InputObject { get; set; }

        /// <summary>The rule to lift, by id; "*" lifts every rule.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ParameterSetName = TargetSet + CimSessionSet)]
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [Alias("RuleId")]
        [AllowEmptyString]
        [ArgumentCompleter(typeof(RuleIdCompleter))]
        public string Rule { get; set; }

        /// <summary>DOMAIN\name or SID; without it the exemption covers every user (of the device, or of -Computer).</summary>
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = TargetSet + CimSessionSet)]
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
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = TargetSet + CimSessionSet)]
        [Parameter(ParameterSetName = FindingSet + ComputerNameSet)]
        [Parameter(ParameterSetName = FindingSet + CimSessionSet)]
        public AppBanPolicy Policy { get; set; }

        private bool IntoPolicy => ParameterSetMode == PolicySet || ParameterSetMode == FindingPolicySet;
        protected override bool ChangesPolicyFile => IntoPolicy;
        private bool FromFindings => ParameterSetMode == FindingSet || ParameterSetMode == FindingPolicySet;

        protected override string ProgressActivity => "Granting exemptions";

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
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
                policyFile = PolicyInput.ResolveFileSystemPath(this, PolicyPath);
                effectivePolicy = PolicyInput.Load(this, policyFile);
            }
            else effectivePolicy = Policy ?? PolicyLoader.BuiltIn();

            // Findings bring rule, user and computer with them; what they share is checked now, the rest per finding.
            var check = FromFindings
                ? ExemptionValidator.ValidateReasonAndDates(template, Clock)
                : ExemptionValidator.Validate(template, IntoPolicy ? ExemptionSource.Policy : ExemptionSource.Device,
                    effectivePolicy.Rules.Select(r => r.Id), Clock);
            if (!check.IsValid) ThrowTerminatingError(ExemptionCmdletSupport.InvalidRequest(check, IntoPolicy ? (object)policyFile : Rule));
            user = check.User;
            foreach (var warning in check.Warnings) WriteWarning(warning);
        }

        protected override void ProcessRecord()
        {
            if (FromFindings)
            {
                // The finding's ComputerName also binds to -ComputerName; targets are queued once every finding is in,
                // so that each target's work sees all of its findings.
                if (InputObject != null) findings.Add(InputObject);
                ComputerName = null;
                return;
            }
            if (ParameterSetMode == TargetSet) base.ProcessRecord();
        }

        protected override void EndProcessing()
        {
            switch (ParameterSetMode)
            {
                case PolicySet:
                    GrantIntoPolicy(new[] { new PendingGrant(template, user, null, user?.ToString()) });
                    break;
                case FindingPolicySet:
                    GrantIntoPolicy(PendingFromFindings(ExemptionSource.Policy));
                    break;
                case FindingSet:
                    QueueChangesOnTargets(PendingFromFindings(ExemptionSource.Device)
                        .GroupBy(g => g.Target, StringComparer.OrdinalIgnoreCase)
                        .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase), "where the finding was made");
                    break;
            }
            base.EndProcessing();
        }

        protected override bool ShouldProcessTarget(string computerName)
        {
            if (ParameterSetMode == TargetSet)
                return ShouldProcess(computerName, ExemptionCmdletSupport.Describe(template, user?.ToString()));
            if (PendingByTarget == null || !PendingByTarget.TryGetValue(computerName, out var pending)) return false;
            return Approve(computerName, pending, g => ExemptionCmdletSupport.Describe(g.Request, g.UserLabel));
        }

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var service = new DeviceExemptionService(context.Session, context.CallOptions, Clock);
            if (ParameterSetMode == TargetSet)
            {
                var granted = await service.GrantAsync(template, user, context.CancellationToken).ConfigureAwait(false);
                WriteDeviceChange(context, ExemptionChange.Of(granted, ExemptionAction.Granted, context.ComputerName, ChangedBy, Clock.UtcNow));
                return;
            }
            foreach (var grant in ApprovedFor(context.ComputerName))
            {
                try
                {
                    var granted = await service.GrantAsync(grant.Request, grant.User, context.CancellationToken).ConfigureAwait(false);
                    WriteDeviceChange(context, ExemptionChange.Of(granted, ExemptionAction.Granted, context.ComputerName, ChangedBy, Clock.UtcNow));
                }
                catch (ExemptionException ex)
                {
                    // One finding's grant failed (its user is gone, say); the others on this target still go ahead.
                    context.WriteError(ex);
                }
            }
        }

        /// <summary>The findings' grants (one per computer, rule and user, see ExemptionGrants.FromFindings); a refused one is an error.</summary>
        private List<PendingGrant> PendingFromFindings(ExemptionSource store)
        {
            // A finding's rule came from the policy that produced it; it is checked only against a policy named here.
            var ruleIds = Policy != null || store == ExemptionSource.Policy ? effectivePolicy.Rules.Select(r => r.Id).ToList() : null;
            var grants = ExemptionGrants.FromFindings(findings,
                f => new GrantSubject(f.ComputerName, f.RuleId, f.Scope == AppScope.User ? f.UserSid : null, f.UserName),
                template, store, ruleIds, Clock);
            var list = new List<PendingGrant>();
            foreach (var grant in grants)
            {
                if (!grant.Check.IsValid)
                {
                    WriteError(ExemptionCmdletSupport.InvalidRequest(grant.Check, grant.Finding));
                    continue;
                }
                list.Add(new PendingGrant(grant.Request, grant.Check.User, grant.Subject.ComputerName, grant.Subject.UserLabel));
            }
            return list;
        }

        private void GrantIntoPolicy(IEnumerable<PendingGrant> grants)
        {
            var writer = new PolicyExemptionWriter(policyFile);
            foreach (var grant in grants)
            {
                var description = ExemptionCmdletSupport.Describe(grant.Request, grant.UserLabel) +
                                  (grant.Request.Computer != null ? " on '" + grant.Request.Computer + "'" : "");
                if (!ShouldProcess(policyFile, description)) continue;
                var exemption = ExemptionGrants.ForPolicy(grant.Request, grant.User, Clock);
                try
                {
                    writer.Add(exemption);
                }
                catch (ExemptionException ex)
                {
                    WriteError(ExemptionCmdletSupport.ErrorFor(ex, policyFile));
                    continue;
                }
                WritePolicyChange(ExemptionChange.Of(exemption, ExemptionAction.Granted, policyFile, ChangedBy, Clock.UtcNow));
            }
        }

        /// <summary>One grant waiting for its target: the request, its resolved user, where it goes.</summary>
        public sealed class PendingGrant
        {
            internal PendingGrant(ExemptionRequest request, UserReference user, string target, string userLabel)
            {
                Request = request;
                User = user;
                Target = target;
                UserLabel = userLabel;
            }

            public ExemptionRequest Request { get; }
            public UserReference User { get; }
            /// <summary>The computer the finding was made on (device grants go there).</summary>
            public string Target { get; }
            public string UserLabel { get; }
        }
    }
}
