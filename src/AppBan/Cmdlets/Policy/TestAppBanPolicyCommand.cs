using System.Management.Automation;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Test-AppBanPolicy -Path [-Quiet]: one PolicyProblem object per problem (nothing when the file is valid),
    /// or with -Quiet one bool per file.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "AppBanPolicy")]
    [OutputType(typeof(PolicyProblem))]
    [OutputType(typeof(bool))]
    public sealed class TestAppBanPolicyCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "PolicyPath")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; }

        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var path in Path)
            {
                var fullPath = PolicyInput.ResolveFileSystemPath(this, path);
                var problems = PolicyValidator.ValidateFile(fullPath);
                if (Quiet)
                {
                    WriteObject(problems.Count == 0);
                    continue;
                }
                if (problems.Count == 0) WriteVerbose("The policy '" + fullPath + "' is valid.");
                foreach (var problem in problems) WriteObject(problem);
            }
        }
    }
}
