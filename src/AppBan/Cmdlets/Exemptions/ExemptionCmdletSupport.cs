using System;
using System.Linq;
using System.Management.Automation;
using AppBan.Engine.Exemptions;

namespace AppBan.Cmdlets
{
    /// <summary>What the three exemption cmdlets share: the error records of exemption failures and refused requests.</summary>
    internal static class ExemptionCmdletSupport
    {
        public static ErrorCategory CategoryFor(ExemptionErrorKind kind)
        {
            switch (kind)
            {
                case ExemptionErrorKind.UserNotFound: return ErrorCategory.ObjectNotFound;
                case ExemptionErrorKind.UserAmbiguous: return ErrorCategory.InvalidArgument;
                case ExemptionErrorKind.ExemptionNotFound: return ErrorCategory.ObjectNotFound;
                case ExemptionErrorKind.ExemptionExists: return ErrorCategory.ResourceExists;
                case ExemptionErrorKind.WriteFailed: return ErrorCategory.WriteError;
                case ExemptionErrorKind.PolicyLocked: return ErrorCategory.ResourceBusy;
                case ExemptionErrorKind.InvalidPolicy: return ErrorCategory.InvalidData;
                default: return ErrorCategory.InvalidArgument;
            }
        }

        /// <summary>An ErrorRecord for an exemption failure; the ErrorId is the kind's name.</summary>
        public static ErrorRecord ErrorFor(ExemptionException ex, object targetObject) =>
            new ErrorRecord(ex, ex.ErrorId, CategoryFor(ex.Kind), targetObject ?? ex.Target);

        /// <summary>
        /// The terminating error for a request the validator refused: every problem in the message, the first
        /// problem's id as ErrorId (ReasonRequired, ExpiryInPast, UnknownRule, InvalidUser, ...).
        /// </summary>
        public static ErrorRecord InvalidRequest(ExemptionValidationResult result, object targetObject)
        {
            var first = result.Errors[0];
            var message = string.Join(" ", result.Errors.Select(e => e.Message)) + " Nothing was written.";
            return new ErrorRecord(new ArgumentException(message), first.ErrorId, ErrorCategory.InvalidArgument, targetObject);
        }
    }
}
