using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Exemptions
{
    /// <summary>One grant waiting for approval and its store: the checked request, its parsed user, where it goes.</summary>
    public sealed class PendingGrant
    {
        public PendingGrant(ExemptionRequest request, UserReference user, string target, string userLabel)
        {
            Request = request ?? throw new ArgumentNullException(nameof(request));
            User = user;
            Target = target;
            UserLabel = userLabel;
        }

        public ExemptionRequest Request { get; }
        public UserReference User { get; }
        /// <summary>The computer the finding was made on (device grants go there); null for the parameters' own grant.</summary>
        public string Target { get; }
        /// <summary>The user as people read it; null for every user.</summary>
        public string UserLabel { get; }

        /// <summary>What the grant does, as ShouldProcess asks it.</summary>
        public string Description
        {
            get
            {
                var who = UserLabel == null ? "every user" : "user '" + UserLabel + "'";
                var until = Request.Expires.HasValue ? "until " + Request.Expires.Value.ToUniversalTime().ToString("yyyy-MM-dd HH:mm'Z'") : "with no expiry";
                return "Grant exemption from rule '" + Request.RuleId + "' for " + who + " " + until;
            }
        }

        /// <summary>The description of a policy grant: a policy exemption may also name the computer it covers.</summary>
        public string PolicyDescription => Description + (Request.Computer != null ? " on '" + Request.Computer + "'" : "");

        /// <summary>The grants by the computer each goes to, in the order first seen.</summary>
        public static Dictionary<string, List<PendingGrant>> ByTarget(IEnumerable<PendingGrant> grants) =>
            grants.GroupBy(g => g.Target, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
    }
}
