using System.Globalization;
using System.Linq;
using System.Text;

namespace AppBan.Engine.Reporting
{
    /// <summary>Short texts about a run, for logs, monitoring and the last line of management scripts.</summary>
    public static class RunSummary
    {
        public static string Meaning(UnattendedExitCode code)
        {
            switch (code)
            {
                case UnattendedExitCode.Compliant: return "compliant";
                case UnattendedExitCode.Remediated: return "remediated, now compliant";
                case UnattendedExitCode.NonCompliantRemains: return "non-compliant remains (exempt, grace period or refused)";
                case UnattendedExitCode.TargetsFailed: return "some targets failed";
                case UnattendedExitCode.ReportNotDelivered: return "device report not delivered";
                default: return "bad input";
            }
        }

        /// <summary>"Exit 1 (remediated, now compliant): 50 targets, 45 compliant (3 remediated), ... policy X."</summary>
        public static string OneLine(AppBanReport report)
        {
            var s = report.Summary;
            var text = new StringBuilder();
            text.Append("Exit ").Append(s.ExitCode.ToString(CultureInfo.InvariantCulture))
                .Append(" (").Append(Meaning((UnattendedExitCode)s.ExitCode)).Append("): ")
                .Append(Count(s.Targets, "target")).Append(", ")
                .Append(s.Compliant.ToString(CultureInfo.InvariantCulture)).Append(" compliant");
            if (s.Remediated > 0) text.Append(" (").Append(s.Remediated.ToString(CultureInfo.InvariantCulture)).Append(" remediated)");
            text.Append(", ").Append(s.NonCompliant.ToString(CultureInfo.InvariantCulture)).Append(" non-compliant")
                .Append(", ").Append(s.Exempt.ToString(CultureInfo.InvariantCulture)).Append(" exempt")
                .Append(", ").Append(s.Unreachable.ToString(CultureInfo.InvariantCulture)).Append(" unreachable")
                .Append(", ").Append(s.Failed.ToString(CultureInfo.InvariantCulture)).Append(" failed")
                .Append("; ").Append(Count(s.Removed, "app")).Append(" removed");
            if (s.FailedActions > 0) text.Append(", ").Append(Count(s.FailedActions, "removal")).Append(" failed");
            if (report.Run.Cancelled) text.Append("; cancelled");
            if (!string.IsNullOrEmpty(report.Run.PolicyName)) text.Append("; policy ").Append(report.Run.PolicyName);
            return OneLineOf(text.ToString());
        }

        /// <summary>What remains on a target, for a management script's last line: "TikTok 1.0 (StoreApp, CORP\alice): Violation; ...".</summary>
        public static string Findings(TargetReport target, int maxLength)
        {
            var parts = target.Findings.Select(f =>
                (f.AppName ?? f.RuleName ?? f.RuleId) + (string.IsNullOrEmpty(f.Version) ? "" : " " + f.Version) +
                " (" + f.Kind + (string.IsNullOrEmpty(f.UserName ?? f.UserSid) ? "" : ", " + (f.UserName ?? f.UserSid)) + "): " + f.Status);
            return Cut(OneLineOf(string.Join("; ", parts)), maxLength);
        }

        /// <summary>Control characters (line breaks included) become spaces: a value read from a target cannot add lines.</summary>
        public static string OneLineOf(string text)
        {
            if (string.IsNullOrEmpty(text)) return string.Empty;
            var chars = text.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
                if (char.IsControl(chars[i])) chars[i] = ' ';
            return new string(chars);
        }

        public static string Cut(string text, int maxLength)
        {
            if (text == null || text.Length <= maxLength) return text;
            return maxLength <= 3 ? text.Substring(0, maxLength) : text.Substring(0, maxLength - 3) + "...";
        }

        private static string Count(int n, string noun) =>
            n.ToString(CultureInfo.InvariantCulture) + " " + noun + (n == 1 ? "" : "s");
    }
}
