using System;
using System.Globalization;
using System.Text;

namespace AppBan.Engine.Reporting
{
    /// <summary>Event ids and texts of the local audit trail (Application log, source AppBan).</summary>
    public static class AuditMessages
    {
        public const string EventSource = "AppBan";
        public const string LogName = "Application";

        public const int AppRemoved = 1000;
        public const int RemovalFailed = 1001;
        public const int RemovalRefused = 1002;
        public const int RemovalScheduled = 1003;
        public const int ExemptionGranted = 2000;
        public const int ExemptionRevoked = 2001;
        public const int ExemptionChanged = 2002;

        /// <summary>[guess W046] An event message may hold about 31,839 characters; stay well below that.</summary>
        public const int MaxMessageLength = 16000;

        public enum Level { Information, Warning, Error }

        /// <summary>
        /// Whether a removal belongs in the audit trail: a command was run on the machine (elevated, or a task registered to
        /// run as a user), browser policy was written, or the safety checks refused one (a forged uninstall string is worth
        /// an event). Skipped and never-started removals changed nothing.
        /// </summary>
        public static bool IsAudited(ReportAction action) =>
            action != null && (!string.IsNullOrEmpty(action.CommandLine) ||
                               string.Equals(action.Status, "Refused", StringComparison.OrdinalIgnoreCase) ||
                               // Browser policy written into a user's hive changes the machine without a command.
                               string.Equals(action.Method, "BrowserPolicy", StringComparison.OrdinalIgnoreCase) &&
                               !string.Equals(action.Status, "RequiresUserAction", StringComparison.OrdinalIgnoreCase));

        public static int EventIdOf(ReportAction action) =>
            action.Outcome == ActionOutcome.Removed ? AppRemoved
            : action.Outcome == ActionOutcome.Refused ? RemovalRefused
            : action.Outcome == ActionOutcome.Scheduled ? RemovalScheduled
            : RemovalFailed;

        public static Level LevelOf(ReportAction action) =>
            action.Outcome == ActionOutcome.Removed || action.Outcome == ActionOutcome.Scheduled ? Level.Information
            : action.Outcome == ActionOutcome.Refused ? Level.Warning
            : Level.Error;

        public static int EventIdOf(ReportExemptionChange change)
        {
            switch ((change.Change ?? string.Empty).ToLowerInvariant())
            {
                case "granted": return ExemptionGranted;
                case "revoked": return ExemptionRevoked;
                default: return ExemptionChanged;
            }
        }

        public static string Removal(ReportAction action, string operatorName, string policyName, string policySha256)
        {
            var text = new StringBuilder();
            text.AppendLine(action.Outcome == ActionOutcome.Removed ? "AppBan removed a banned app."
                : action.Outcome == ActionOutcome.Scheduled ? "AppBan set the removal of a banned app in motion in its user's own context."
                : action.Outcome == ActionOutcome.Refused ? "AppBan did not remove a banned app."
                : "AppBan failed to remove a banned app.");
            Line(text, "Computer", action.ComputerName);
            Line(text, "App", action.AppName);
            Line(text, "Version", action.Version);
            Line(text, "Kind", action.Kind);
            Line(text, "User SID", action.UserSid);
            Line(text, "Method", action.Method);
            Line(text, "Command line", action.CommandLine);
            Line(text, "Exit code", action.ExitCode?.ToString(CultureInfo.InvariantCulture));
            Line(text, "Status", action.Status);
            Line(text, "Reboot required", action.RebootRequired ? "yes" : null);
            Line(text, "Error", action.Error);
            Line(text, "Message", action.Message);
            Line(text, "Operator", operatorName);
            Line(text, "Policy", Policy(policyName, policySha256));
            return Limit(text.ToString());
        }

        public static string ExemptionChange(ReportExemptionChange change)
        {
            var text = new StringBuilder();
            text.AppendLine("AppBan exemption " + (string.IsNullOrEmpty(change.Change) ? "changed" : change.Change.ToLowerInvariant()) + ".");
            Line(text, "Id", change.ExemptionId);
            Line(text, "Rule", change.RuleId);
            Line(text, "User", change.UserName);
            Line(text, "User SID", change.UserSid);
            Line(text, "Computer", change.CoveredComputer);
            Line(text, "Reason", change.Reason);
            Line(text, "Approved by", change.ApprovedBy);
            Line(text, "Expires", change.Expires?.ToString("o", CultureInfo.InvariantCulture) ?? "never");
            Line(text, "Not before", change.NotBefore?.ToString("o", CultureInfo.InvariantCulture));
            Line(text, "Changed by", change.ChangedBy);
            Line(text, "Stored in", change.Location);
            return Limit(text.ToString());
        }

        private static string Policy(string name, string sha) =>
            name == null ? null : string.IsNullOrEmpty(sha) ? name : name + " (SHA-256 " + sha + ")";

        private static void Line(StringBuilder text, string label, string value)
        {
            if (string.IsNullOrEmpty(value)) return;
            // One value per line: a value read from the target cannot forge further lines of the record.
            text.Append(label).Append(": ").AppendLine(value.Replace("\r", "\\r").Replace("\n", "\\n")
                .Replace("\u0085", "\\u0085").Replace("\u2028", "\\u2028").Replace("\u2029", "\\u2029"));
        }

        private static string Limit(string text) =>
            text.Length <= MaxMessageLength ? text : text.Substring(0, MaxMessageLength - 20) + Environment.NewLine + "[truncated]";
    }
}
