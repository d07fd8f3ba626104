using System.Management.Automation;
using AppBan.Engine.Cim;
using MiCimSession = Microsoft.Management.Infrastructure.CimSession;

namespace AppBan.Cmdlets
{
    // The target parameters in this cmdlet's own parameter sets: PowerShell reads a parameter's sets from the
    // overriding property only, so each combination of mode and target set is declared here (see AppBanTargetCmdlet).
    public sealed partial class RevokeAppExemptionCommand
    {
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
    }
}
