using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Scheduling
{
    /// <summary>
    /// The name of one piece of work AppBan leaves on a target for a user (a task, its record): 24 lowercase hex digits,
    /// the first 12 bytes of SHA-256 over UTF-8 <c>"&lt;UserSid&gt;|&lt;RuleId&gt;|&lt;AppIdentity&gt;"</c>, the SID upper-cased
    /// and the rule id lower-cased. The same finding always gives the same id, so registering it again replaces the
    /// task rather than adding one, and every run finds the record of an earlier one.
    /// </summary>
    internal static class WorkId
    {
        public const int Length = 24;

        public static string For(string userSid, string ruleId, string appIdentity)
        {
            if (string.IsNullOrEmpty(userSid)) throw new ArgumentException("A user SID is required.", nameof(userSid));
            if (string.IsNullOrEmpty(ruleId)) throw new ArgumentException("A rule id is required.", nameof(ruleId));
            if (string.IsNullOrEmpty(appIdentity)) throw new ArgumentException("The app's identity is required.", nameof(appIdentity));
            var text = userSid.ToUpperInvariant() + "|" + ruleId.ToLowerInvariant() + "|" + appIdentity;
            byte[] hash;
            using (var sha = SHA256.Create()) hash = sha.ComputeHash(Encoding.UTF8.GetBytes(text));
            var sb = new StringBuilder(Length);
            for (var i = 0; i < Length / 2; i++) sb.Append(hash[i].ToString("x2", CultureInfo.InvariantCulture));
            return sb.ToString();
        }

        /// <summary>Exactly 24 lowercase hex digits: the only key and task names AppBan treats as its own work.</summary>
        public static bool IsValid(string text)
        {
            if (text == null || text.Length != Length) return false;
            foreach (var c in text)
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
            return true;
        }

        /// <summary>What names the app in the id: a Store package's full name, otherwise its uninstall key's name, as found.</summary>
        public static string AppIdentityOf(InstalledApp app)
        {
            if (app == null) throw new ArgumentNullException(nameof(app));
            return app.Kind == AppKind.StoreApp || app.Kind == AppKind.ProvisionedStoreApp ? app.PackageFullName : app.KeyName;
        }
    }
}
