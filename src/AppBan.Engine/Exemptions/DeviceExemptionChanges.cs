using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// Grants and revokes on one target's device store, each recorded as the ExemptionChange the audit trail keeps.
    /// The "Each" forms make the changes one by one: one that fails (its user is gone, its id is not there) is reported
    /// and the others on the target still go ahead.
    /// </summary>
    public sealed class DeviceExemptionChanges
    {
        private readonly DeviceExemptionService service;
        private readonly string target;
        private readonly string changedBy;
        private readonly IClock clock;

        /// <param name="target">The computer as it was addressed: the change's Target.</param>
        public DeviceExemptionChanges(ICimSession session, CimCallOptions options, string target, string changedBy, IClock clock)
        {
            this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
            service = new DeviceExemptionService(session, options, clock);
            this.target = target;
            this.changedBy = changedBy;
        }

        public async Task<ExemptionChange> GrantAsync(PendingGrant grant, CancellationToken ct = default)
        {
            if (grant == null) throw new ArgumentNullException(nameof(grant));
            var granted = await service.GrantAsync(grant.Request, grant.User, ct).ConfigureAwait(false);
            return ExemptionChange.Of(granted, ExemptionAction.Granted, target, changedBy, clock.UtcNow);
        }

        /// <summary>Deletes the exemption; <see cref="ExemptionErrorKind.ExemptionNotFound"/> when it is not there.</summary>
        public async Task<ExemptionChange> RevokeAsync(string id, CancellationToken ct = default)
        {
            var removed = await service.RevokeAsync(id, ct).ConfigureAwait(false);
            return ExemptionChange.Of(removed, ExemptionAction.Revoked, target, changedBy, clock.UtcNow);
        }

        /// <param name="made">Called on this thread as soon as each change is made, before the next one starts.</param>
        public Task GrantEachAsync(IEnumerable<PendingGrant> grants, Action<ExemptionChange> made, Action<ExemptionException> failed,
            CancellationToken ct = default) => EachAsync(grants, GrantAsync, made, failed, ct);

        /// <param name="made">Called on this thread as soon as each change is made, before the next one starts.</param>
        public Task RevokeEachAsync(IEnumerable<string> ids, Action<ExemptionChange> made, Action<ExemptionException> failed,
            CancellationToken ct = default) => EachAsync(ids, RevokeAsync, made, failed, ct);

        private static async Task EachAsync<T>(IEnumerable<T> items, Func<T, CancellationToken, Task<ExemptionChange>> change,
            Action<ExemptionChange> made, Action<ExemptionException> failed, CancellationToken ct)
        {
            if (items == null) throw new ArgumentNullException(nameof(items));
            if (made == null) throw new ArgumentNullException(nameof(made));
            if (failed == null) throw new ArgumentNullException(nameof(failed));
            foreach (var item in items)
            {
                try
                {
                    made(await change(item, ct).ConfigureAwait(false));
                }
                catch (ExemptionException ex)
                {
                    failed(ex);
                }
            }
        }
    }
}
