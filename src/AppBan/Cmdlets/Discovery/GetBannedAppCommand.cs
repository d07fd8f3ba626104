using System.Linq;
using System.Management.Automation;
using AppBan.Output;
using AppBan.Engine.Findings;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Get-BannedApp: one BannedAppFinding per banned app instance on each target. Exempt findings are hidden unless
    /// -IncludeExempt (Test-AppBanCompliance counts them). A target that cannot be scanned gives one non-terminating
    /// error; a partial scan gives its findings and a warning.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "BannedApp", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(BannedAppFinding))]
    public sealed class GetBannedAppCommand : DiscoveryCmdlet
    {
        /// <summary>Also write findings covered by an active exemption.</summary>
        [Parameter]
        public SwitchParameter IncludeExempt { get; set; }

        protected override void Emit(TargetScanResult result, TargetContext context)
        {
            if (result.Error != null) return;
            foreach (var warning in result.Warnings) context.WriteWarning(warning);
            var usersNotScanned = result.UsersNotScannedWarning();
            if (usersNotScanned != null) context.WriteWarning(usersNotScanned);
            var hidden = 0;
            foreach (var finding in result.Findings)
            {
                if (finding.Status == FindingStatus.Exempt && !IncludeExempt) { hidden++; continue; }
                context.WriteObject(new BannedAppFinding(finding));
            }
            context.WriteVerbose(result.Status + ": " + result.ViolationCount + " violation(s), " + result.GracePeriodCount
                + " in grace period, " + result.ExemptCount + " exempt" + (hidden > 0 ? " (hidden; use -IncludeExempt)" : "")
                + ", " + (result.Inventory?.OperationCount ?? 0) + " CIM operations (" + (result.Inventory?.CriticalPath ?? 0)
                + " round trips in sequence) in " + result.Duration.TotalMilliseconds.ToString("0") + " ms.");
        }
    }
}
