using System;
using AppBan.Engine.Exemptions;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// Grants and revokes in one policy file (through <see cref="PolicyExemptionWriter"/>), each recorded as the
    /// ExemptionChange the audit trail keeps, with the file as its target. A failure throws ExemptionException and
    /// leaves the file as it was.
    /// </summary>
    public sealed class PolicyExemptionChanges
    {
        private readonly PolicyExemptionWriter writer;
        private readonly string changedBy;
        private readonly IClock clock;

        public PolicyExemptionChanges(string policyFile, string changedBy, IClock clock)
        {
            writer = new PolicyExemptionWriter(policyFile);
            PolicyFile = policyFile;
            this.changedBy = changedBy;
            this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        }

        /// <summary>The file as it was given: the changes' target.</summary>
        public string PolicyFile { get; }

        public ExemptionChange Grant(PendingGrant grant)
        {
            if (grant == null) throw new ArgumentNullException(nameof(grant));
            var exemption = ExemptionGrants.ForPolicy(grant.Request, grant.User, clock);
            writer.Add(exemption);
            return ExemptionChange.Of(exemption, ExemptionAction.Granted, PolicyFile, changedBy, clock.UtcNow);
        }

        /// <summary>Removes the exemption; <see cref="ExemptionErrorKind.ExemptionNotFound"/> when the file has none with that id.</summary>
        public ExemptionChange Revoke(string id)
        {
            var removed = writer.Remove(id)
                ?? throw new ExemptionException(ExemptionErrorKind.ExemptionNotFound, PolicyFile,
                    "No exemption with id " + id + " exists in " + PolicyFile + ".");
            return ExemptionChange.Of(removed, ExemptionAction.Revoked, PolicyFile, changedBy, clock.UtcNow);
        }
    }
}
