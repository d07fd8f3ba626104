using System;
using System.Management.Automation;
using AppBan.Output;
using AppBan.Engine.Cim;
using AppBan.Engine.FanOut;
using AppBan.Engine.Findings;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Test-AppBanCompliance: one AppBanComplianceResult per target, failed targets included (and for those, also one
    /// non-terminating error). -Quiet writes only a bool per target: true for Compliant and Exempt.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "AppBanCompliance", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(AppBanComplianceResult), typeof(bool))]
    public sealed class TestAppBanComplianceCommand : DiscoveryCmdlet
    {
        /// <summary>Write only $true (Compliant or Exempt) or $false for each target.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override string ProgressActivity => "Testing compliance with the AppBan policy";

        protected override void Emit(TargetScanResult result, TargetContext context)
        {
            var compliance = new AppBanComplianceResult(result, EffectivePolicy.Name, EvaluatedAt);
            if (Quiet) context.WriteObject(compliance.IsCompliant);
            else context.WriteObject(compliance);
        }

        protected override void OnTargetFailedToStart(string computerName, Exception error, TargetSink sink)
        {
            var cim = error as CimException ?? new CimException(CimErrorKind.ProviderFailure, computerName, error.Message, null, error);
            var compliance = new AppBanComplianceResult(TargetScanResult.FailedWith(computerName, cim, TimeSpan.Zero), EffectivePolicy.Name, EvaluatedAt);
            if (Quiet) sink.WriteObject(false);
            else sink.WriteObject(compliance);
        }
    }
}
