using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Exemptions
{
    public sealed class ExemptionValidationResult
    {
        internal ExemptionValidationResult(IReadOnlyList<ExemptionProblem> errors, IReadOnlyList<string> warnings, UserReference user)
        {
            Errors = errors;
            Warnings = warnings;
            User = user;
        }

        public IReadOnlyList<ExemptionProblem> Errors { get; }
        /// <summary>Things the operator should hear about but that do not stop the grant (no expiry).</summary>
        public IReadOnlyList<string> Warnings { get; }
        /// <summary>The parsed user, when one was given and it parses.</summary>
        public UserReference User { get; }
        public bool IsValid => Errors.Count == 0;

        public void ThrowIfInvalid(string target)
        {
            if (!IsValid)
                throw new ExemptionException(ExemptionErrorKind.InvalidRequest, target, string.Join(" ", Errors.Select(e => e.Message)));
        }
    }

    /// <summary>
    /// Checks a grant request against <see cref="ExemptionRules"/>, plus what only a grant can get wrong: an expiry
    /// that has already passed, and -Computer on a device exemption (a device exemption covers its device).
    /// </summary>
    public static class ExemptionValidator
    {
        public const int MaxReasonLength = ExemptionRules.MaxReasonLength;


        /// <param name="knownRuleIds">The effective policy's rule ids. Null only when the rule id came from a finding
        /// that the policy engine produced, so it is known to exist; then only its syntax is checked.</param>
        public static ExemptionValidationResult Validate(ExemptionRequest request, ExemptionSource store,
            IEnumerable<string> knownRuleIds, IClock clock)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            var errors = new List<ExemptionProblem>();
            var warnings = new List<string>();
            CheckReasonAndDates(request, clock.UtcNow, errors, warnings);
            Add(errors, ExemptionRules.CheckRuleId(request.RuleId, knownRuleIds, out _));

            UserReference user = null;
            if (request.User != null) Add(errors, ExemptionRules.CheckUser(request.User, out user));

            if (store == ExemptionSource.Device)
            {
                if (!string.IsNullOrEmpty(request.Computer))
                    errors.Add(new ExemptionProblem(ErrorIds.ComputerNotAllowed, "Computer",
                        "-Computer applies to policy exemptions only; a device exemption covers the device it is written to."));
            }
            else
            {
                if (!string.IsNullOrEmpty(request.Computer)) Add(errors, ExemptionRules.CheckComputer(request.Computer));
                Add(errors, ExemptionRules.CheckSubject(request.User != null, !string.IsNullOrEmpty(request.Computer)));
            }

            return new ExemptionValidationResult(errors, warnings, user);
        }

        /// <summary>
        /// Only the parts every grant shares (reason, expiry, NotBefore), for requests whose rule and user are not
        /// known yet: findings from the pipeline bring those with them.
        /// </summary>
        public static ExemptionValidationResult ValidateReasonAndDates(ExemptionRequest request, IClock clock)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            var errors = new List<ExemptionProblem>();
            var warnings = new List<string>();
            CheckReasonAndDates(request, clock.UtcNow, errors, warnings);
            return new ExemptionValidationResult(errors, warnings, null);
        }

        private static void CheckReasonAndDates(ExemptionRequest request, DateTimeOffset now, List<ExemptionProblem> errors, List<string> warnings)
        {
            Add(errors, ExemptionRules.CheckReason(request.Reason));
            Add(errors, ExemptionRules.CheckExpiryAtGrant(request.Expires, now));
            Add(errors, ExemptionRules.CheckPeriod(request.NotBefore, request.Expires));
            if (!request.Expires.HasValue)
                warnings.Add("The exemption has no expiry date: it never expires until it is revoked.");
        }

        private static void Add(List<ExemptionProblem> errors, ExemptionProblem problem)
        {
            if (problem != null) errors.Add(problem);
        }
    }
}
