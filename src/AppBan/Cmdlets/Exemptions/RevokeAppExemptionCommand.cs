using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Revokes exemptions by id, on devices or in a policy file, or the ones Get-AppExemption sends down the pipeline.
    /// Each revoke writes an ExemptionChange; -WhatIf writes nothing and connects nowhere.
    /// </summary>
    [Cmdlet(VerbsSecurity.Revoke, "AppExemption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
        DefaultParameterSetName = TargetSet + ComputerNameSet)]
    [OutputType(typeof(ExemptionChange))]
    public sealed class RevokeAppExemptionCommand : ExemptionChangeCmdlet<string>
    {
        private const string InputSet = "InputObject";

        private readonly List<ExemptionRecord> records = new List<ExemptionRecord>();

        // The target parameters in this cmdlet's own parameter sets (see AppBanTargetCmdlet).
        [Parameter(ParameterSetName = TargetSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("CN", "ServerName", "DNSHostName", "Name")]
        [ValidateNotNullOrEmpty]
        public override string[] ComputerName { get => base.ComputerName; set => base.ComputerName = value; }

        [Parameter(ParameterSetName = TargetSet + CimSessionSet, Mandatory = true)]
        [Parameter(ParameterSetName = InputSet + CimSessionSet, Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public override MiCimSession[] CimSession { get => base.CimSession; set => base.CimSession = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet)]
        [Credential]
        public override PSCredential Credential { get => base.Credential; set => base.Credential = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet)]
        [ValidateRange(1, 65535)]
        public override int Port { get => base.Port; set => base.Port = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet)]
        public override SwitchParameter UseSSL { get => base.UseSSL; set => base.UseSSL = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet)]
        public override CimAuthentication Authentication { get => base.Authentication; set => base.Authentication = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet)]
        public override SwitchParameter SkipCertificateCheck { get => base.SkipCertificateCheck; set => base.SkipCertificateCheck = value; }

        [Parameter(ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(ParameterSetName = InputSet + ComputerNameSet)]
        public override SwitchParameter UseWsMan { get => base.UseWsMan; set => base.UseWsMan = value; }

        /// <summary>The ids of the exemptions to revoke.</summary>
        [Parameter(Mandatory = true, ParameterSetName = TargetSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ParameterSetName = TargetSet + CimSessionSet)]
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; }

        /// <summary>Revoke from this policy file instead of from devices.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PolicySet)]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>Exemptions from Get-AppExemption: each is revoked where it was read (device or policy file).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet + ComputerNameSet)]
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet + CimSessionSet)]
        [Alias("Exemption")]
        public ExemptionRecord InputObject { get; set; }

        protected override string ProgressActivity => "Revoking exemptions";

        protected override bool ChangesPolicyFile => ParameterSetMode == PolicySet;

        protected override void BeginProcessing()
        {
            if (ParameterSetMode == TargetSet)
            {
                // Device exemption ids become registry paths: only GUIDs get that far.
                var bad = Id.FirstOrDefault(i => !ExemptionId.IsValid(i));
                if (bad != null)
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("'" + bad + "' is not an exemption id: a device exemption id is a GUID. Nothing was revoked."),
                        ErrorIds.InvalidExemptionId, ErrorCategory.InvalidArgument, bad));
            }
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetMode)
            {
                case InputSet:
                    if (InputObject != null) records.Add(InputObject);
                    ComputerName = null;
                    return;
                case TargetSet:
                    base.ProcessRecord();
                    return;
            }
        }

        protected override void EndProcessing()
        {
            switch (ParameterSetMode)
            {
                case PolicySet:
                    RevokeFromPolicy(PolicyInput.ResolveFileSystemPath(this, PolicyPath), Id);
                    break;
                case InputSet:
                    foreach (var file in records.Where(r => r.Source == ExemptionSource.Policy && !string.IsNullOrEmpty(r.Target)).GroupBy(r => r.Target, StringComparer.OrdinalIgnoreCase))
                        RevokeFromPolicy(PolicyInput.ResolveFileSystemPath(this, file.Key), file.Select(r => r.Id).ToList());
                    var idsByTarget = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
                    foreach (var r in records.Where(r => r.Source == ExemptionSource.Device))
                    {
                        if (string.IsNullOrEmpty(r.Target) || !ExemptionId.IsValid(r.Id))
                        {
                            WriteError(new ErrorRecord(new ArgumentException("The device exemption '" + r.Id + "' names no computer or has an id that is not a GUID; it was not revoked."),
                                ErrorIds.InvalidExemptionId, ErrorCategory.InvalidArgument, r));
                            continue;
                        }
                        if (!idsByTarget.TryGetValue(r.Target, out var ids)) idsByTarget[r.Target] = ids = new List<string>();
                        ids.Add(r.Id);
                    }
                    QueueChangesOnTargets(idsByTarget, "where the exemption was read");
                    break;
            }
            base.EndProcessing();
        }

        protected override bool ShouldProcessTarget(string computerName)
        {
            IEnumerable<string> ids = ParameterSetMode == TargetSet ? Id
                : PendingByTarget != null && PendingByTarget.TryGetValue(computerName, out var mine) ? mine : Enumerable.Empty<string>();
            return Approve(computerName, ids, id => "Revoke exemption " + id);
        }

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var service = new DeviceExemptionService(context.Session, context.CallOptions, Clock);
            foreach (var id in ApprovedFor(context.ComputerName))
            {
                try
                {
                    var removed = await service.RevokeAsync(id, context.CancellationToken).ConfigureAwait(false);
                    WriteDeviceChange(context, ExemptionChange.Of(removed, ExemptionAction.Revoked, context.ComputerName, ChangedBy, Clock.UtcNow));
                }
                catch (ExemptionException ex)
                {
                    context.WriteError(ex);
                }
            }
        }

        private void RevokeFromPolicy(string file, IEnumerable<string> ids)
        {
            var writer = new PolicyExemptionWriter(file);
            foreach (var id in ids)
            {
                if (!ShouldProcess(file, "Revoke exemption " + id)) continue;
                Exemption removed;
                try
                {
                    removed = writer.Remove(id);
                }
                catch (ExemptionException ex)
                {
                    WriteError(ExemptionCmdletSupport.ErrorFor(ex, file));
                    continue;
                }
                if (removed == null)
                {
                    WriteError(ExemptionCmdletSupport.ErrorFor(new ExemptionException(ExemptionErrorKind.ExemptionNotFound, file,
                        "No exemption with id " + id + " exists in " + file + "."), file));
                    continue;
                }
                WritePolicyChange(ExemptionChange.Of(removed, ExemptionAction.Revoked, file, ChangedBy, Clock.UtcNow));
            }
        }
    }
}
