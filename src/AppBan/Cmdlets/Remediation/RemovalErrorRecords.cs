using System;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;

namespace AppBan.Cmdlets
{
    /// <summary>The error records of removal results, the same for Remove-BannedApp and Invoke-AppBanRemediation.</summary>
    internal static class RemovalErrorRecords
    {
        /// <summary>
        /// The ErrorRecord for a failed or timed-out removal; null for any other result. A computer that cannot be reached
        /// fails each of its findings but is one error: <paramref name="firstReport"/> says whether its key (computer and
        /// failure kind) is new.
        /// </summary>
        public static ErrorRecord For(RemovalResult result, object targetObject, Func<string, bool> firstReport)
        {
            switch (result.Status)
            {
                case RemovalStatus.Failed:
                    if (result.Cause is CimException cim)
                        return firstReport(result.ComputerName + "|" + cim.Kind) ? CimErrorRecords.FromException(cim, result.ComputerName) : null;
                    return new ErrorRecord(new InvalidOperationException(result.Error), ErrorIds.UninstallFailed, ErrorCategory.InvalidResult, targetObject);
                case RemovalStatus.TimedOut:
                    return new ErrorRecord(new TimeoutException(result.Error), ErrorIds.UninstallTimedOut, ErrorCategory.OperationTimeout, targetObject);
                default:
                    return null;
            }
        }

        /// <summary>Writes the error record of a removal result, and says why a finding was left: a warning when AppBan refused it.</summary>
        public static void Write(Cmdlet cmdlet, RemovalResult result, object targetObject, Func<string, bool> firstReport)
        {
            var error = For(result, targetObject, firstReport);
            if (error != null) cmdlet.WriteError(error);
            switch (result.Status)
            {
                case RemovalStatus.Refused:
                    cmdlet.WriteWarning(result.ComputerName + ": " + result.AppName + " was not removed: " + result.Error);
                    break;
                case RemovalStatus.RequiresUserAction:
                case RemovalStatus.Scheduled:
                case RemovalStatus.SkippedExempt:
                case RemovalStatus.SkippedGracePeriod:
                    cmdlet.WriteVerbose(result.ComputerName + ": " + result.AppName + ": " + result.Status + ": " + result.Message);
                    break;
            }
        }
    }
}
