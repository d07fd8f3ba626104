using AppBan.Engine.Exemptions;
using AppBan.Engine.Remediation;
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
        public void A_restart_says_so_as_a_message_and_a_failure_as_an_error()
        {
            var restart = Removal("pc-1", "TikTok LIVE Studio", "RebootRequired", "Msi");
            restart.Error = null;
            restart.Message = RestartMessage;
            var restartText = AuditMessages.Removal(restart, "CORP\\admin", null, null);
            Assert.Contains("Message: " + RestartMessage, restartText);
            Assert.DoesNotContain("Error:", restartText);

            var failedText = AuditMessages.Removal(Removal("pc-1", "TikTok", "Failed"), "CORP\\admin", null, null);
            Assert.Contains("Error: The removal ran and the app is still installed.", failedText);
            Assert.DoesNotContain("Message:", failedText);
        }

        [Fact]
        public void A_value_from_the_target_cannot_forge_lines()
        {
            var action = Removal("pc-1", "TikTok\r\nOperator: CORP\\ceo");
            var text = AuditMessages.Removal(action, "CORP\\admin", null, null);
            Assert.Contains("App: TikTok\\r\\nOperator: CORP\\ceo", text);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "^Operator:", System.Text.RegularExpressions.RegexOptions.Multiline));
        }

        [Theory]
        [InlineData("\u0085")]
        [InlineData("\u2028")]
        [InlineData("\u2029")]
        public void Unicode_line_separators_cannot_forge_lines_either(string separator)
        {
            var text = AuditMessages.Removal(Removal("pc-1", "TikTok" + separator + "Operator: CORP\\ceo"), "CORP\\admin", null, null);
            Assert.DoesNotContain(separator, text);
            Assert.Contains("App: TikTok\\u" + ((int)separator[0]).ToString("x4") + "Operator: CORP\\ceo", text);
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

        [Theory]
        [InlineData(RemovalStatus.Removed, "msiexec.exe /x {11111111-2222-3333-4444-555555555555} /qn /norestart", true)]
        [InlineData(RemovalStatus.Failed, "msiexec.exe /x {11111111-2222-3333-4444-555555555555} /qn /norestart", true)]
        [InlineData(RemovalStatus.TimedOut, "\"C:\\Program Files\\TikTok\\uninstall.exe\" /S", true)]
        [InlineData(RemovalStatus.Refused, null, true)]
        [InlineData(RemovalStatus.Failed, null, false)]
        [InlineData(RemovalStatus.RequiresUserAction, null, false)]
        [InlineData(RemovalStatus.SkippedExempt, null, false)]
        [InlineData(RemovalStatus.SkippedGracePeriod, null, false)]
        public void Only_removals_that_ran_a_command_or_were_refused_are_audited(RemovalStatus status, string commandLine, bool audited)
        {
            var result = new RemovalResult { ComputerName = "localhost", AppName = "TikTok", Status = status, CommandLine = commandLine };
            var action = ReportRecords.FromRemoval(result);
            Assert.Equal(status.ToString(), action.Status);
            Assert.Equal(commandLine, action.CommandLine);
            Assert.Equal(audited, AuditMessages.IsAudited(action));
        }

        [Theory]
        [InlineData(RemovalStatus.Scheduled, true)]
        [InlineData(RemovalStatus.Removed, true)]
        [InlineData(RemovalStatus.RequiresUserAction, false)]
        public void Browser_policy_written_into_a_users_hive_is_audited_though_no_command_ran(RemovalStatus status, bool audited)
        {
            var result = new RemovalResult { ComputerName = "localhost", AppName = "TikTok", Status = status, Method = RemovalMethod.BrowserPolicy };
            var action = ReportRecords.FromRemoval(result);
            Assert.Null(action.CommandLine);
            Assert.Equal(audited, AuditMessages.IsAudited(action));
        }

        [Fact]
        public void A_device_grant_is_worded_from_the_change_the_cmdlet_emits()
        {
            var exemption = new Exemption
            {
                Id = "0f8fad5b-d9cb-469f-a165-70867728950e", RuleId = "tiktok-store", Source = ExemptionSource.Device,
                UserName = "CORP\\alice", UserSid = "S-1-5-21-1-2-3-1001", ComputerName = "PC-7", Reason = "Press office",
                ApprovedBy = "CORP\\ciso", Expires = Start.AddDays(30),
                Location = "HKLM\\SOFTWARE\\AppBan\\Exemptions\\0f8fad5b-d9cb-469f-a165-70867728950e",
            };
            var change = ExemptionChange.Of(exemption, ExemptionAction.Granted, "localhost", "CORP\\admin", Start);
            var record = ReportRecords.FromExemptionChange(change);
            var text = AuditMessages.ExemptionChange(record);
            Assert.Equal(AuditMessages.ExemptionGranted, AuditMessages.EventIdOf(record));
            Assert.StartsWith("AppBan exemption granted.", text);
            Assert.Contains("Id: " + exemption.Id, text);
            Assert.Contains("Rule: tiktok-store", text);
            Assert.Contains("User: CORP\\alice", text);
            Assert.Contains("User SID: S-1-5-21-1-2-3-1001", text);
            Assert.Contains("Computer: PC-7", text);
            Assert.Contains("Reason: Press office", text);
            Assert.Contains("Expires: " + exemption.Expires.Value.ToString("o", System.Globalization.CultureInfo.InvariantCulture), text);
            Assert.Contains("Changed by: CORP\\admin", text);
            Assert.Contains("Stored in: " + exemption.Location, text);
        }

        [Fact]
        public void A_policy_revoke_names_the_file_it_was_removed_from()
        {
            var exemption = new Exemption { Id = "EX-7", RuleId = "*", Source = ExemptionSource.Policy, ComputerName = "PRESS-*", Reason = "Press", Location = "/etc/appban/policy.json" };
            var record = ReportRecords.FromExemptionChange(ExemptionChange.Of(exemption, ExemptionAction.Revoked, "/etc/appban/policy.json", "CORP\\admin", Start));
            Assert.Null(record.ComputerName);
            Assert.Equal(AuditMessages.ExemptionRevoked, AuditMessages.EventIdOf(record));
            var text = AuditMessages.ExemptionChange(record);
            Assert.StartsWith("AppBan exemption revoked.", text);
            Assert.Contains("Computer: PRESS-*", text);
            Assert.Contains("Stored in: /etc/appban/policy.json", text);
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
