using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class AuditMessagesTests
    {
        [Fact]
        public void A_removal_names_the_app_the_command_and_the_operator()
        {
            var action = Removal("pc-1", "TikTok");
            var text = AuditMessages.Removal(action, "CORP\\admin", "Parliament ban", "ABC");
            Assert.StartsWith("AppBan removed a banned app.", text);
            Assert.Contains("Computer: pc-1", text);
            Assert.Contains("Command line: " + action.CommandLine, text);
            Assert.Contains("Exit code: 0", text);
            Assert.Contains("Operator: CORP\\admin", text);
            Assert.Contains("Policy: Parliament ban (SHA-256 ABC)", text);
            Assert.Equal(AuditMessages.AppRemoved, AuditMessages.EventIdOf(action));
            Assert.Equal(AuditMessages.Level.Information, AuditMessages.LevelOf(action));
        }

        [Fact]
        public void Failures_and_refusals_get_their_own_ids_and_levels()
        {
            var failed = Removal("pc-1", "TikTok", "Failed");
            var refused = Removal("pc-1", "TikTok", "Refused");
            Assert.Equal(AuditMessages.RemovalFailed, AuditMessages.EventIdOf(failed));
            Assert.Equal(AuditMessages.Level.Error, AuditMessages.LevelOf(failed));
            Assert.Equal(AuditMessages.RemovalRefused, AuditMessages.EventIdOf(refused));
            Assert.Equal(AuditMessages.Level.Warning, AuditMessages.LevelOf(refused));
        }

        [Fact]
        public void A_value_from_the_target_cannot_forge_lines()
        {
            var action = Removal("pc-1", "TikTok\r\nOperator: CORP\\ceo");
            var text = AuditMessages.Removal(action, "CORP\\admin", null, null);
            Assert.Contains("App: TikTok\\r\\nOperator: CORP\\ceo", text);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "^Operator:", System.Text.RegularExpressions.RegexOptions.Multiline));
        }

        [Fact]
        public void Exemption_changes_say_who_what_and_until_when()
        {
            var change = new ReportExemptionChange
            {
                Change = "Granted", ExemptionId = "EX-1", RuleId = "tiktok-store", UserName = "CORP\\alice",
                Reason = "Press office", ApprovedBy = "CORP\\ciso", ChangedBy = "CORP\\admin",
            };
            var text = AuditMessages.ExemptionChange(change);
            Assert.StartsWith("AppBan exemption granted.", text);
            Assert.Contains("Expires: never", text);
            Assert.Contains("Approved by: CORP\\ciso", text);
            Assert.Equal(AuditMessages.ExemptionGranted, AuditMessages.EventIdOf(change));
            change.Change = "Revoked";
            Assert.Equal(AuditMessages.ExemptionRevoked, AuditMessages.EventIdOf(change));
        }

        [Fact]
        public void Long_messages_are_cut_below_the_event_log_limit()
        {
            var action = Removal("pc-1", new string('x', 40000));
            var text = AuditMessages.Removal(action, null, null, null);
            Assert.True(text.Length <= AuditMessages.MaxMessageLength);
            Assert.EndsWith("[truncated]", text);
        }
    }
}
