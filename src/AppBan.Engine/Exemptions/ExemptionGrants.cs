using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Exemptions
{
    /// <summary>Builds the exemption a validated request grants, for either store.</summary>
    public static class ExemptionGrants
    {
        public static Exemption ForDevice(ExemptionRequest request, ResolvedUser user, string computerName, IClock clock) =>
            Build(request, user?.AccountName, user?.Sid, computerName, ExemptionSource.Device, clock);

        /// <summary>A policy exemption keeps the user as given: a SID goes to userSid, DOMAIN\name to user.</summary>
        public static Exemption ForPolicy(ExemptionRequest request, UserReference user, IClock clock) =>
            Build(request, user?.AccountName, user?.Sid, string.IsNullOrEmpty(request.Computer) ? null : request.Computer, ExemptionSource.Policy, clock);

        /// <summary>
        /// One grant per distinct (computer, rule, user) among <paramref name="findings"/>, in the order first seen, each
        /// built from <paramref name="template"/> (reason, approver, dates) and checked by <see cref="ExemptionValidator"/>.
        /// A per-user finding grants for its user; a machine-wide one (subject without a SID) for every user of the device.
        /// Policy grants also name the finding's computer. Refused grants are returned with their check, not dropped.
        /// </summary>
        /// <param name="knownRuleIds">The policy to check rule ids against; null when the findings' own policy made them.</param>
        public static IReadOnlyList<FindingGrant<T>> FromFindings<T>(IEnumerable<T> findings, Func<T, GrantSubject> subjectOf,
            ExemptionRequest template, ExemptionSource store, IEnumerable<string> knownRuleIds, IClock clock)
        {
            if (findings == null) throw new ArgumentNullException(nameof(findings));
            if (subjectOf == null) throw new ArgumentNullException(nameof(subjectOf));
            if (template == null) throw new ArgumentNullException(nameof(template));
            var ruleIds = knownRuleIds?.ToList();
            var grants = new List<FindingGrant<T>>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var finding in findings)
            {
                var subject = subjectOf(finding);
                if (!seen.Add(subject.ComputerName + "|" + subject.RuleId + "|" + subject.UserSid)) continue;
                var request = new ExemptionRequest
                {
                    RuleId = subject.RuleId,
                    User = subject.UserSid,
                    Computer = store == ExemptionSource.Policy ? subject.ComputerName : null,
                    Reason = template.Reason,
                    ApprovedBy = template.ApprovedBy,
                    Expires = template.Expires,
                    NotBefore = template.NotBefore,
                };
                grants.Add(new FindingGrant<T>(finding, subject, request, ExemptionValidator.Validate(request, store, ruleIds, clock)));
            }
            return grants;
        }

        private static Exemption Build(ExemptionRequest r, string userName, string userSid, string computer, ExemptionSource source, IClock clock)
        {
            if (r == null) throw new ArgumentNullException(nameof(r));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            return new Exemption
            {
                Id = ExemptionId.New(),
                RuleId = r.RuleId,
                UserName = userName,
                UserSid = userSid,
                ComputerName = computer,
                Reason = r.Reason?.Trim(),
                ApprovedBy = string.IsNullOrWhiteSpace(r.ApprovedBy) ? null : r.ApprovedBy.Trim(),
                GrantedOn = clock.UtcNow,
                Expires = r.Expires?.ToUniversalTime(),
                NotBefore = r.NotBefore?.ToUniversalTime(),
                Source = source,
            };
        }
    }

    /// <summary>Whom a finding's grant is for: its computer and rule, and its user when the finding is one user's copy.</summary>
    public sealed class GrantSubject
    {
        /// <param name="userSid">Null for a machine-wide finding (or a provisioned package): the grant covers every user.</param>
        public GrantSubject(string computerName, string ruleId, string userSid, string userName)
        {
            ComputerName = computerName;
            RuleId = ruleId;
            UserSid = userSid;
            UserName = userSid == null ? null : userName;
        }

        public string ComputerName { get; }
        public string RuleId { get; }
        public string UserSid { get; }
        public string UserName { get; }
        /// <summary>The user as people read it: the name when known, else the SID; null for every user.</summary>
        public string UserLabel => UserSid == null ? null : UserName ?? UserSid;
    }

    /// <summary>One grant made from findings: the first finding of its subject, the request, and the validator's verdict.</summary>
    public sealed class FindingGrant<T>
    {
        internal FindingGrant(T finding, GrantSubject subject, ExemptionRequest request, ExemptionValidationResult check)
        {
            Finding = finding;
            Subject = subject;
            Request = request;
            Check = check;
        }

        public T Finding { get; }
        public GrantSubject Subject { get; }
        public ExemptionRequest Request { get; }
        public ExemptionValidationResult Check { get; }
    }

    /// <summary>
    /// Device exemptions on one target: resolve the user there, then write, delete or read the registry store.
    /// A failure at any step leaves the target's store as it was.
    /// </summary>
    public sealed class DeviceExemptionService
    {
        private readonly ICimSession session;
        private readonly CimCallOptions options;
        private readonly IClock clock;
        private readonly RegistryClient registry;

        public DeviceExemptionService(ICimSession session, CimCallOptions options, IClock clock)
        {
            this.session = session ?? throw new ArgumentNullException(nameof(session));
            this.options = options ?? CimCallOptions.Default;
            this.clock = clock ?? SystemClock.Instance;
            registry = new RegistryClient(session, this.options);
        }

        public string ComputerName => session.ComputerName;

        /// <summary>Grants a request that <see cref="ExemptionValidator"/> accepted; <paramref name="user"/> is its parsed user.</summary>
        public async Task<Exemption> GrantAsync(ExemptionRequest request, UserReference user, CancellationToken ct = default)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            ResolvedUser resolved = null;
            if (user != null) resolved = await new UserResolver(session, options).ResolveAsync(user, ct).ConfigureAwait(false);
            var exemption = ExemptionGrants.ForDevice(request, resolved, ComputerName, clock);
            await DeviceExemptionStore.WriteAsync(registry, ComputerName, exemption, ct).ConfigureAwait(false);
            return exemption;
        }

        /// <summary>Deletes the exemption and returns it; <see cref="ExemptionErrorKind.ExemptionNotFound"/> when absent.</summary>
        public async Task<Exemption> RevokeAsync(string id, CancellationToken ct = default)
        {
            var removed = await DeviceExemptionStore.DeleteAsync(registry, ComputerName, id, ct).ConfigureAwait(false);
            if (removed == null)
                throw new ExemptionException(ExemptionErrorKind.ExemptionNotFound, ComputerName,
                    "No device exemption with id " + id + " exists on " + ComputerName + ".");
            return removed;
        }

        public Task<IReadOnlyList<Exemption>> ReadAllAsync(ICollection<string> problems, CancellationToken ct = default) =>
            DeviceExemptionStore.ReadAllAsync(registry, ComputerName, problems, ct);
    }
}
