using System;
using System.Collections.Generic;
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
