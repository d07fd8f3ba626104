using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AppBan.Engine.Policy;

namespace AppBan.Engine.Exemptions
{
    /// <summary>One thing wrong with a request. ErrorId is stable: cmdlets use it as their ErrorRecord id.</summary>
    public sealed class ExemptionProblem
    {
        public ExemptionProblem(string errorId, string parameterName, string message)
        {
            ErrorId = errorId;
            ParameterName = parameterName;
            Message = message;
        }

        public string ErrorId { get; }
        /// <summary>The cmdlet parameter the problem is about (Reason, Expires, Rule, User, Computer, NotBefore).</summary>
        public string ParameterName { get; }
        public string Message { get; }
        public override string ToString() => Message;
    }

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
    /// The rules every grant obeys, whichever store it goes to: a reason that is not blank, an expiry (if any) in
    /// the future, a rule the effective policy knows (or "*"), a user that is DOMAIN\name or a valid SID, and for
    /// policy exemptions at least one of user and computer.
    /// </summary>
    public static class ExemptionValidator
    {
        public const string AnyRule = ExemptionMatcher.AllRules;
        public const int MaxReasonLength = 2000;

        public const string ReasonRequired = "ReasonRequired";
        public const string ReasonInvalid = "ReasonInvalid";
        public const string ExpiryInPast = "ExpiryInPast";
        public const string NotBeforeAfterExpiry = "NotBeforeAfterExpiry";
        public const string UnknownRule = "UnknownRule";
        public const string InvalidUser = "InvalidUser";
        public const string InvalidComputer = "InvalidComputer";
        public const string MissingSubject = "MissingSubject";
        public const string ComputerNotAllowed = "ComputerNotAllowed";

        /// <param name="knownRuleIds">The effective policy's rule ids. Null only when the rule id came from a finding
        /// that the policy engine produced, so it is known to exist.</param>
        public static ExemptionValidationResult Validate(ExemptionRequest request, ExemptionSource store,
            IEnumerable<string> knownRuleIds, IClock clock)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            var errors = new List<ExemptionProblem>();
            var warnings = new List<string>();
            CheckReasonAndDates(request, clock.UtcNow, errors, warnings);

            if (string.IsNullOrWhiteSpace(request.RuleId))
                errors.Add(new ExemptionProblem(UnknownRule, "Rule", "A rule id is required (or '*' for every rule)."));
            else if (request.RuleId != AnyRule && knownRuleIds != null &&
                     !knownRuleIds.Any(r => string.Equals(r, request.RuleId, StringComparison.OrdinalIgnoreCase)))
                errors.Add(new ExemptionProblem(UnknownRule, "Rule",
                    "The rule '" + request.RuleId + "' is not in the effective policy. Known rules: " +
                    string.Join(", ", knownRuleIds.OrderBy(r => r, StringComparer.OrdinalIgnoreCase)) + " (or '*')."));

            UserReference user = null;
            if (request.User != null && !UserReference.TryParse(request.User, out user, out var userError))
                errors.Add(new ExemptionProblem(InvalidUser, "User", userError));

            if (store == ExemptionSource.Device)
            {
                if (!string.IsNullOrEmpty(request.Computer))
                    errors.Add(new ExemptionProblem(ComputerNotAllowed, "Computer",
                        "-Computer applies to policy exemptions only; a device exemption covers the device it is written to."));
            }
            else
            {
                // The same wildcard syntax the policy loader reads "computer" with.
                if (!string.IsNullOrEmpty(request.Computer) &&
                    (request.Computer.Any(char.IsControl) || !TextPattern.TryWildcard(request.Computer, out _, out _)))
                    errors.Add(new ExemptionProblem(InvalidComputer, "Computer",
                        "'" + request.Computer + "' is not a computer name or wildcard pattern such as PC-* or kiosk-0?."));
                if (request.User == null && string.IsNullOrEmpty(request.Computer))
                    errors.Add(new ExemptionProblem(MissingSubject, "User",
                        "A policy exemption must name a user, a computer, or both."));
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
            if (string.IsNullOrWhiteSpace(request.Reason))
                errors.Add(new ExemptionProblem(ReasonRequired, "Reason", "A reason is required and must not be blank."));
            else if (request.Reason.Length > MaxReasonLength)
                errors.Add(new ExemptionProblem(ReasonInvalid, "Reason", "The reason is longer than " + MaxReasonLength + " characters."));
            else if (request.Reason.Any(c => c == '\0'))
                errors.Add(new ExemptionProblem(ReasonInvalid, "Reason", "The reason contains a NUL character."));

            if (request.Expires.HasValue && request.Expires.Value <= now)
                errors.Add(new ExemptionProblem(ExpiryInPast, "Expires",
                    "The expiry " + Format(request.Expires.Value) + " is not in the future (now is " + Format(now) + ")."));
            if (request.Expires.HasValue && request.NotBefore.HasValue && request.NotBefore.Value >= request.Expires.Value)
                errors.Add(new ExemptionProblem(NotBeforeAfterExpiry, "NotBefore",
                    "NotBefore " + Format(request.NotBefore.Value) + " is not before the expiry " + Format(request.Expires.Value) + "."));
            if (!request.Expires.HasValue)
                warnings.Add("The exemption has no expiry date: it never expires until it is revoked.");
        }

        private static string Format(DateTimeOffset d) => d.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
