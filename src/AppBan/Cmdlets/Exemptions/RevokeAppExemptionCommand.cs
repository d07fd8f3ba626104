using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Engine;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Revokes exemptions by id, on devices or in a policy file, or the ones Get-AppExemption sends down the pipeline.
    /// Each revoke writes an ExemptionChange; -WhatIf writes nothing and connects nowhere.
    /// </summary>
    [Cmdlet(VerbsSecurity.Revoke, "AppExemption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = TargetSet + ComputerNameSet)]
    [OutputType(typeof(ExemptionChange))]
    public sealed partial class RevokeAppExemptionCommand : ExemptionChangeCmdlet<string>
    {
        private const string InputSet = "InputObject";

        private readonly List<ExemptionRecord> records = new List<ExemptionRecord>();

        /// <summary>The ids of the exemptions to revoke.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TargetSet + ComputerNameSet)][Parameter(Mandatory = true, ParameterSetName = TargetSet + CimSessionSet)]
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)][ValidateNotNullOrEmpty]
        public string[] Id { get; set; }
        /// <summary>Revoke from this policy file instead of from devices.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)][ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }
        /// <summary>Exemptions from Get-AppExemption: each is revoked where it was read (device or policy file).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet + CimSessionSet)][Alias("Exemption")]
        public ExemptionRecord InputObject { get; set; }

        protected override string ProgressActivity => "Revoking exemptions";
        protected override bool ChangesPolicyFile => ParameterSetMode == PolicySet;

        protected override void BeginProcessing()
        {
            var bad = ParameterSetMode == TargetSet ? ExemptionRevokePlan.FirstInvalidDeviceId(Id) : null;
            if (bad != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("'" + bad + "' is not an exemption id: a device exemption id is a GUID. Nothing was revoked."),
                    ErrorIds.InvalidExemptionId, ErrorCategory.InvalidArgument, bad));
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetMode == InputSet) { if (InputObject != null) records.Add(InputObject); ComputerName = null; }
            else if (ParameterSetMode == TargetSet) base.ProcessRecord();
        }

        protected override void EndProcessing()
        {
            if (ParameterSetMode == PolicySet) RevokeFromPolicy(PolicyInput.ResolveFileSystemPath(this, PolicyPath), Id);
            else if (ParameterSetMode == InputSet)
            {
                var plan = ExemptionRevokePlan.FromRecords(records);
                foreach (var file in plan.PolicyFiles) RevokeFromPolicy(PolicyInput.ResolveFileSystemPath(this, file.Key), file.Value);
                foreach (var r in plan.Unusable)
                    WriteError(new ErrorRecord(new ArgumentException("The device exemption '" + r.Id + "' names no computer or has an id that is not a GUID; it was not revoked."),
                        ErrorIds.InvalidExemptionId, ErrorCategory.InvalidArgument, r));
                QueueChangesOnTargets(plan.DeviceIdsByTarget, "where the exemption was read");
            }
            base.EndProcessing();
        }

        protected override bool ShouldProcessTarget(string computerName)
        {
            IEnumerable<string> ids = ParameterSetMode == TargetSet ? Id
                : PendingByTarget != null && PendingByTarget.TryGetValue(computerName, out var mine) ? mine : new List<string>();
            return Approve(computerName, ids, Describe);
        }

        protected override Task ProcessTargetAsync(TargetContext context) =>
            new DeviceExemptionChanges(context.Session, context.CallOptions, context.ComputerName, ChangedBy, Clock)
                .RevokeEachAsync(ApprovedFor(context.ComputerName), c => WriteDeviceChange(context, c), context.WriteError, context.CancellationToken);

        private void RevokeFromPolicy(string file, IEnumerable<string> ids) =>
            ChangePolicyFile(file, ids, Describe, new PolicyExemptionChanges(file, ChangedBy, Clock).Revoke);

        private static string Describe(string id) => "Revoke exemption " + id;
    }
}
