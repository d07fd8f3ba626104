using System.Management.Automation;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Get-AppBanPolicy [-Path] | -Name: the effective policy: a policy file, a built-in policy by name ("TikTok",
    /// "ByteDance"), or the default built-in one (TikTok) when neither is given.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "AppBanPolicy", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(AppBanPolicy))]
    public sealed class GetAppBanPolicyCommand : PSCmdlet
    {
        private const string PathSet = "Path", NameSet = "Name";

        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Alias("PSPath", "PolicyPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>A built-in policy by name.</summary>
        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [Alias("PolicyName")]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string Name { get; set; }

        protected override void ProcessRecord()
        {
            WriteObject(ParameterSetName == NameSet ? PolicyInput.BuiltIn(this, Name) : PolicyInput.Load(this, Path));
        }
    }
}
