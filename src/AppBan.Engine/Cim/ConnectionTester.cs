using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim
{
    /// <summary>What Test-AppBanConnection reports for one target.</summary>
    public sealed class ConnectionTestResult
    {
        public string ComputerName { get; set; }
        public string Transport { get; set; }
        public bool Reachable { get; set; }
        public bool Authenticated { get; set; }
        public string OSCaption { get; set; }
        public string OSVersion { get; set; }
        public string OSBuildNumber { get; set; }
        public bool CanReadRegistry { get; set; }
        public bool IsAdministrator { get; set; }
        /// <summary>Round trip of the Win32_OperatingSystem query, in milliseconds; null when it failed.</summary>
        public long? LatencyMs { get; set; }
        /// <summary>Null when every check passed.</summary>
        public string Error { get; set; }
        /// <summary>The kind of the first failure, when there was one.</summary>
        public CimErrorKind? ErrorKind { get; set; }
        /// <summary>The stable id an ErrorRecord for this failure would carry (TargetUnreachable, AuthenticationFailed, ...).</summary>
        public string ErrorId => ErrorKind.HasValue ? CimErrorCodes.ErrorIdFor(ErrorKind.Value) : null;

        /// <summary>Everything a remediation run needs works.</summary>
        public bool Success => Reachable && Authenticated && CanReadRegistry && IsAdministrator && Error == null;
    }

    /// <summary>
    /// The first diagnostic on a target: connect, read the OS with WQL, read the Uninstall key through StdRegProv,
    /// and ask StdRegProv whether the account may write HKLM\SOFTWARE (which only administrators may).
    /// </summary>
    public static class ConnectionTester
    {
        public const string UninstallKey = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        /// <summary>KEY_SET_VALUE | KEY_CREATE_SUB_KEY.</summary>
        public const uint WriteAccess = 2 | 4;

        public static async Task<ConnectionTestResult> TestAsync(ICimSession session, CimCallOptions defaults, CancellationToken ct)
        {
            var result = new ConnectionTestResult { ComputerName = session.ComputerName, Transport = session.TransportName };
            var options = (defaults ?? CimCallOptions.Default).With(ct);

            var watch = Stopwatch.StartNew();
            try
            {
                await session.QueryAsync(@"root\cimv2", "SELECT Caption, Version, BuildNumber FROM Win32_OperatingSystem", os =>
                {
                    result.OSCaption = os["Caption"].AsString();
                    result.OSVersion = os["Version"].AsString();
                    result.OSBuildNumber = os["BuildNumber"].AsString();
                }, options).ConfigureAwait(false);
                result.LatencyMs = watch.ElapsedMilliseconds;
                result.Reachable = result.Authenticated = true;
            }
            catch (CimException ex) when (ex.Kind != CimErrorKind.Cancelled)
            {
                Record(result, ex);
                if (!result.Authenticated) return result;
            }

            var registry = new RegistryClient(session, options);
            try
            {
                var uninstall = await registry.EnumKeyAsync(RegistryHive.LocalMachine, UninstallKey, ct).ConfigureAwait(false);
                result.CanReadRegistry = uninstall.Success;
                if (!uninstall.Success)
                    SetError(result, CimErrorKind.AccessDenied, result.ComputerName + ": StdRegProv could not read HKLM\\" + UninstallKey + " (ReturnValue " + uninstall.ReturnValue + ", " + uninstall.Outcome + ").");

                // [guess W001] Only Administrators (and SYSTEM) hold write access to HKLM\SOFTWARE, so this answers "is admin".
                var access = await registry.CheckAccessAsync(RegistryHive.LocalMachine, "SOFTWARE", WriteAccess, ct).ConfigureAwait(false);
                result.IsAdministrator = access.Success && access.Value;
                if (!result.IsAdministrator)
                    SetError(result, CimErrorKind.AccessDenied, result.ComputerName + ": the account cannot write HKLM\\SOFTWARE: it is not an administrator on the target, so AppBan cannot remove apps there.");
            }
            catch (CimException ex) when (ex.Kind != CimErrorKind.Cancelled)
            {
                Record(result, ex);
            }
            return result;
        }

        private static void Record(ConnectionTestResult result, CimException ex)
        {
            switch (ex.Kind)
            {
                case CimErrorKind.Unreachable:
                case CimErrorKind.Timeout:
                case CimErrorKind.TlsFailure:
                case CimErrorKind.EncryptionRequired:
                    result.Reachable = false;
                    result.Authenticated = false;
                    break;
                case CimErrorKind.AuthenticationFailed:
                    result.Reachable = true;
                    result.Authenticated = false;
                    break;
                default:
                    // The service answered with a fault, so it was reached and accepted the credentials.
                    result.Reachable = true;
                    result.Authenticated = true;
                    break;
            }
            SetError(result, ex.Kind, ex.Message);
        }

        private static void SetError(ConnectionTestResult result, CimErrorKind kind, string message)
        {
            if (result.Error != null) return; // the first failure is the one to report
            result.Error = message;
            result.ErrorKind = kind;
        }
    }
}
