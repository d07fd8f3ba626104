using System;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;

namespace AppBan.Cmdlets
{
    /// <summary>The one place that turns a target failure into an ErrorRecord: stable ErrorId, real category,
    /// TargetObject = computer name, computer name in the message.</summary>
    public static class CimErrorRecords
    {
        public static string ErrorIdFor(CimErrorKind kind) => CimErrorCodes.ErrorIdFor(kind);

        public static ErrorCategory CategoryFor(CimErrorKind kind)
        {
            switch (kind)
            {
                case CimErrorKind.Unreachable: return ErrorCategory.ConnectionError;
                case CimErrorKind.AuthenticationFailed: return ErrorCategory.AuthenticationError;
                case CimErrorKind.AccessDenied: return ErrorCategory.PermissionDenied;
                case CimErrorKind.InvalidNamespace:
                case CimErrorKind.InvalidClass: return ErrorCategory.MetadataError;
                case CimErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
                case CimErrorKind.InvalidQuery:
                case CimErrorKind.InvalidParameter: return ErrorCategory.InvalidArgument;
                case CimErrorKind.NotSupported: return ErrorCategory.NotImplemented;
                case CimErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case CimErrorKind.QuotaExceeded: return ErrorCategory.ResourceBusy;
                case CimErrorKind.ProviderFailure: return ErrorCategory.InvalidResult;
                case CimErrorKind.ProtocolError: return ErrorCategory.ProtocolError;
                case CimErrorKind.TlsFailure:
                case CimErrorKind.EncryptionRequired: return ErrorCategory.SecurityError;
                case CimErrorKind.Cancelled: return ErrorCategory.OperationStopped;
                default: return ErrorCategory.NotSpecified;
            }
        }

        /// <summary>The ErrorId and category of a failure on a target, whatever the exception; the one table for both.</summary>
        public static (string ErrorId, ErrorCategory Category) Classify(Exception error)
        {
            if (error is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) error = aggregate.InnerExceptions[0];
            switch (error)
            {
                case CimException cim: return (ErrorIdFor(cim.Kind), CategoryFor(cim.Kind));
                case ExemptionException exemption: return (exemption.ErrorId, ExemptionCmdletSupport.CategoryFor(exemption.Kind));
                case ArgumentException _: return (ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument);
                case OperationCanceledException _: return (ErrorIds.OperationStopped, ErrorCategory.OperationStopped);
                default: return (ErrorIds.TargetFailed, ErrorCategory.InvalidOperation);
            }
        }

        /// <summary>An ErrorRecord for a failure on <paramref name="computerName"/>, whatever the exception.</summary>
        public static ErrorRecord FromException(Exception error, string computerName)
        {
            if (error is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) error = aggregate.InnerExceptions[0];
            var (errorId, category) = Classify(error);
            if (error is CimException cim) computerName = computerName ?? cim.ComputerName;
            var record = new ErrorRecord(error, errorId, category, computerName);
            if (!string.IsNullOrEmpty(computerName) && error.Message.IndexOf(computerName, StringComparison.OrdinalIgnoreCase) < 0)
                record.ErrorDetails = new ErrorDetails(computerName + ": " + error.Message);
            var hint = Hint(error as CimException);
            if (hint != null)
            {
                if (record.ErrorDetails == null) record.ErrorDetails = new ErrorDetails(error.Message);
                record.ErrorDetails.RecommendedAction = hint;
            }
            return record;
        }

        private static string Hint(CimException error)
        {
            switch (error?.Kind)
            {
                case CimErrorKind.Unreachable: return "Check the name, that WinRM listens (winrm quickconfig) and that the firewall allows port 5985/5986.";
                case CimErrorKind.AuthenticationFailed: return "Check -Credential and -Authentication; Basic works only for local accounts where it is enabled.";
                case CimErrorKind.AccessDenied:
                    return "Use an account that is an administrator on the target. In a workgroup, UAC remote restrictions make a local " +
                           "administrator other than the built-in Administrator a standard user remotely (LocalAccountTokenFilterPolicy).";
                case CimErrorKind.EncryptionRequired: return "Use -UseSSL (port 5986), or a CimSession on Windows.";
                case CimErrorKind.TlsFailure: return "Install a trusted certificate on the target's HTTPS listener, or pass -SkipCertificateCheck.";
                case CimErrorKind.Timeout: return "Raise -OperationTimeoutSec, or check the target's load.";
                default: return null;
            }
        }
    }
}
