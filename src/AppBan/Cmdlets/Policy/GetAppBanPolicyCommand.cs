using System.Management.Automation;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>Get-AppBanPolicy [-Path]: the effective policy (the built-in one when no path is given).</summary>
    [Cmdlet(VerbsCommon.Get, "AppBanPolicy")]
    [OutputType(typeof(AppBanPolicy))]
    public sealed class GetAppBanPolicyCommand : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "PolicyPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        protected override void ProcessRecord()
        {
            WriteObject(PolicyInput.Load(this, Path));
        }
    }
}
