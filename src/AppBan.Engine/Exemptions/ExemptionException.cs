using System;

namespace AppBan.Engine.Exemptions
{
    /// <summary>Why an exemption could not be granted, revoked or read. The names are the cmdlets' stable ErrorIds.</summary>
    public enum ExemptionErrorKind
    {
        /// <summary>The user could not be found on the target; nothing was written.</summary>
        UserNotFound,
        /// <summary>DOMAIN\name matched several profiles on the target and none could be told apart.</summary>
        UserAmbiguous,
        /// <summary>No exemption with that id exists in the store.</summary>
        ExemptionNotFound,
        /// <summary>An exemption with that id already exists.</summary>
        ExemptionExists,
        /// <summary>Writing to the target's registry or to the policy file failed; nothing was left half-written.</summary>
        WriteFailed,
        /// <summary>Another process held the policy file's lock for longer than the wait allows.</summary>
        PolicyLocked,
        /// <summary>The policy file cannot be read or edited as a policy document.</summary>
        InvalidPolicy,
        /// <summary>The request itself is invalid (reason, dates, rule, user syntax).</summary>
        InvalidRequest,
    }

    public sealed class ExemptionException : Exception
    {
        public ExemptionException(ExemptionErrorKind kind, string target, string message, Exception inner = null)
            : base(message, inner)
        {
            Kind = kind;
            Target = target;
        }

        public ExemptionErrorKind Kind { get; }
        /// <summary>The stable ErrorId of <see cref="Kind"/>.</summary>
        public string ErrorId => ErrorIdFor(Kind);
        /// <summary>The computer name or the policy path the operation was aimed at.</summary>
        public string Target { get; }

        public static string ErrorIdFor(ExemptionErrorKind kind)
        {
            switch (kind)
            {
                case ExemptionErrorKind.UserNotFound: return ErrorIds.UserNotFound;
                case ExemptionErrorKind.UserAmbiguous: return ErrorIds.UserAmbiguous;
                case ExemptionErrorKind.ExemptionNotFound: return ErrorIds.ExemptionNotFound;
                case ExemptionErrorKind.ExemptionExists: return ErrorIds.ExemptionExists;
                case ExemptionErrorKind.WriteFailed: return ErrorIds.WriteFailed;
                case ExemptionErrorKind.PolicyLocked: return ErrorIds.PolicyLocked;
                case ExemptionErrorKind.InvalidPolicy: return ErrorIds.InvalidPolicy;
                case ExemptionErrorKind.InvalidRequest: return ErrorIds.InvalidRequest;
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "An exemption failure kind without an ErrorId.");
            }
        }
    }
}
