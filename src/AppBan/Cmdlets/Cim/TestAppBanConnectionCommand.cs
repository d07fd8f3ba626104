using System;
using System.Management.Automation;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.FanOut;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Checks each target the way AppBan will use it: connection, WQL (Win32_OperatingSystem), StdRegProv read of the
    /// Uninstall key, and write access to HKLM\SOFTWARE (administrator). A failed check is part of the answer, so it is
    /// reported in the result object (Error, ErrorId), not as an ErrorRecord.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "AppBanConnection", DefaultParameterSetName = ComputerNameSet)]
    [OutputType(typeof(ConnectionTestResult), typeof(bool))]
    public sealed class TestAppBanConnectionCommand : AppBanTargetCmdlet
    {
        /// <summary>Return only $true (every check passed) or $false per target.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override string ProgressActivity => "Testing AppBan connections";

        protected override async Task ProcessTargetAsync(TargetContext context)
        {
            var result = await ConnectionTester.TestAsync(context.Session, context.CallOptions, context.CancellationToken).ConfigureAwait(false);
            Emit(result, context.Sink);
        }

        protected override bool HandleTargetFailure(string computerName, string transport, Exception error, TargetSink sink)
        {
            var cim = error as CimException;
            if (cim == null) return false;
            var result = new ConnectionTestResult
            {
                ComputerName = computerName,
                Transport = transport,
                Reachable = cim.Kind == CimErrorKind.AuthenticationFailed,
                Error = cim.Message,
                ErrorKind = cim.Kind,
            };
            Emit(result, sink);
            return true;
        }

        private void Emit(ConnectionTestResult result, TargetSink sink)
        {
            if (Quiet) sink.WriteObject(result.Success);
            else sink.WriteObject(result);
        }
    }
}
