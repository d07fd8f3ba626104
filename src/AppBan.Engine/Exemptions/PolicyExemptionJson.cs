using System;
using System.Globalization;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Exemptions
{
    /// <summary>
    /// One entry of a policy document's top-level "exemptions" array, to and from <see cref="Exemption"/>:
    /// {"id", "ruleId", "user" (DOMAIN\name or SID), "userSid", "computer", "reason", "approvedBy", "grantedOn",
    /// "expires" (date or null), "notBefore"}. Dates are ISO 8601 UTC.
    /// </summary>
    public static class PolicyExemptionJson
    {
        public const string ArrayName = "exemptions";
        public const string Id = "id";
        public const string RuleId = "ruleId";
        public const string User = "user";
        public const string UserSid = "userSid";
        public const string Computer = "computer";
        public const string Reason = "reason";
        public const string ApprovedBy = "approvedBy";
        public const string GrantedOn = "grantedOn";
        public const string Expires = "expires";
        public const string NotBefore = "notBefore";

        /// <summary>The entry in the documented property order; "expires" is written as null when there is none.</summary>
        public static JObject ToEntry(Exemption e)
        {
            if (e == null) throw new ArgumentNullException(nameof(e));
            var o = new JObject { [Id] = e.Id, [RuleId] = e.RuleId };
            if (e.UserName != null) o[User] = e.UserName;
            if (e.UserSid != null) o[UserSid] = e.UserSid;
            if (e.ComputerName != null) o[Computer] = e.ComputerName;
            o[Reason] = e.Reason;
            if (e.ApprovedBy != null) o[ApprovedBy] = e.ApprovedBy;
            if (e.GrantedOn.HasValue) o[GrantedOn] = FormatDate(e.GrantedOn.Value);
            o[Expires] = e.Expires.HasValue ? (JToken)FormatDate(e.Expires.Value) : JValue.CreateNull();
            if (e.NotBefore.HasValue) o[NotBefore] = FormatDate(e.NotBefore.Value);
            return o;
        }

        /// <summary>Reads an entry; throws <see cref="FormatException"/> naming the field that is wrong.</summary>
        public static Exemption FromEntry(JObject o, string policyPath)
        {
            if (o == null) throw new ArgumentNullException(nameof(o));
            var user = Text(o, User);
            var userSid = Text(o, UserSid);
            string userName = user;
            if (user != null && user.StartsWith("S-", StringComparison.OrdinalIgnoreCase))
            {
                // "user" may hold a SID; then it is the SID, not a name.
                userName = null;
                userSid = userSid ?? user;
            }
            return new Exemption
            {
                Id = Text(o, Id),
                RuleId = Text(o, RuleId),
                UserName = userName,
                UserSid = userSid,
                ComputerName = Text(o, Computer),
                Reason = Text(o, Reason),
                ApprovedBy = Text(o, ApprovedBy),
                GrantedOn = Date(o, GrantedOn),
                Expires = Date(o, Expires),
                NotBefore = Date(o, NotBefore),
                Source = ExemptionSource.Policy,
                Location = policyPath,
            };
        }

        /// <summary>yyyy-MM-ddTHH:mm:ssZ, with a fraction only when there is one.</summary>
        public static string FormatDate(DateTimeOffset d) =>
            d.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

        private static JToken Get(JObject o, string name) => o.GetValue(name, StringComparison.OrdinalIgnoreCase);

        private static string Text(JObject o, string name)
        {
            var t = Get(o, name);
            if (t == null || t.Type == JTokenType.Null) return null;
            if (t.Type != JTokenType.String) throw new FormatException("Exemption field '" + name + "' must be a string.");
            var s = (string)t;
            return string.IsNullOrEmpty(s) ? null : s;
        }

        private static DateTimeOffset? Date(JObject o, string name)
        {
            var s = Text(o, name);
            if (s == null) return null;
            if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)) return d;
            throw new FormatException("Exemption field '" + name + "' is not an ISO 8601 date: '" + s + "'.");
        }
    }
}
