using System;
using System.Globalization;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Scheduling
{
    /// <summary>
    /// The names and rules every piece of AppBan's scheduled work shares: the task folder and names, the form of its
    /// dates, and who a task may run as. The scan reads the records and the removal writes them, so both live below
    /// Findings and Remediation.
    /// </summary>
    internal static class ScheduledWork
    {
        /// <summary>The task folder every AppBan task lives in.</summary>
        public const string TaskPath = @"\AppBan\";
        public const string TaskNamePrefix = "AppBan-";
        /// <summary>The Command of a record of browser policy written for a user: no program runs.</summary>
        public const string BrowserPolicyCommand = "(browser policy)";

        /// <summary>The task that carries <paramref name="workId"/>'s removal.</summary>
        public static string TaskNameOf(string workId) => TaskNamePrefix + workId;

        /// <summary>The moment in whole seconds of UTC: the form the task XML and the record carry, so both read back equal.</summary>
        public static DateTimeOffset WholeSecondUtc(DateTimeOffset time)
        {
            var utc = time.UtcDateTime;
            return new DateTimeOffset(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        }

        /// <summary>yyyy-MM-ddTHH:mm:ssZ, the form of the task's boundaries and of the record's dates.</summary>
        public static string FormatTime(DateTimeOffset time) =>
            time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        /// <summary>Null when a task may run as this SID; otherwise why not.</summary>
        public static string CheckPrincipal(string sid)
        {
            if (!SecurityIdentifiers.IsValid(sid)) return "'" + sid + "' is not a SID, so no task is registered for it";
            if (SecurityIdentifiers.IsServiceAccount(sid))
                return sid + " is " + SecurityIdentifiers.WellKnownName(sid) + "; a user's removal never runs as a service account";
            if (sid.StartsWith("S-1-5-32-", StringComparison.OrdinalIgnoreCase))
                return sid + " is a built-in group (such as Administrators); a user's removal runs as that user only";
            if (!SecurityIdentifiers.IsUserAccount(sid))
                return sid + " is not a person's account (S-1-5-21-... or S-1-12-1-...); a user's removal runs as that user only";
            return null;
        }
    }
}
