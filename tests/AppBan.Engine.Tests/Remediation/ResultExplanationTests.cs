using System;
using System.Threading.Tasks;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>Error holds failures and refusals only; every other status explains itself in Message.</summary>
    public class ResultExplanationTests
    {
        private const string MsiKey = TestFindings.UninstallRoot + ProductCode;

        private static async Task<(RemovalResult Result, FakeWindowsHost Target)> Remove(Finding finding, Func<string, int, FakeProgram> programs = null,
            bool keepEntry = true)
        {
            var target = new FakeWindowsHost("PC01");
            target.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\" + AliceSid).Expand("ProfileImagePath", @"C:\Users\alice");
            if (keepEntry) target.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
            target.Programs = programs ?? ((_, __) => new FakeProgram { ExitCode = 0, Effect = t => t.DeleteKey(MsiKey) });
            var executor = new RemovalExecutor(target, new FakeVerifier(target), new RemovalExecutorOptions
            {
                Timeout = TimeSpan.FromMinutes(1),
                PollInterval = TimeSpan.FromMilliseconds(5),
            });
            return (await executor.ExecuteAsync(new RemovalRequest(finding)), target);
        }

        private static void AssertMessageOnly(RemovalResult result, string contains)
        {
            Assert.Null(result.Error);
            Assert.Contains(contains, result.Message);
        }

        private static void AssertErrorOnly(RemovalResult result, string contains)
        {
            Assert.Null(result.Message);
            Assert.Contains(contains, result.Error);
        }

        [Theory]
        [InlineData(RemovalStatus.Failed, true)]
        [InlineData(RemovalStatus.TimedOut, true)]
        [InlineData(RemovalStatus.Refused, true)]
        [InlineData(RemovalStatus.Removed, false)]
        [InlineData(RemovalStatus.AlreadyAbsent, false)]
        [InlineData(RemovalStatus.RebootRequired, false)]
        [InlineData(RemovalStatus.RequiresUserAction, false)]
        [InlineData(RemovalStatus.SkippedExempt, false)]
        [InlineData(RemovalStatus.SkippedGracePeriod, false)]
        [InlineData(RemovalStatus.Scheduled, false)]
        public void Only_failures_and_refusals_explain_as_an_error(RemovalStatus status, bool asError)
        {
            Assert.Equal(asError, RemovalResult.ExplainsAsError(status));
        }

        [Fact]
        public async Task A_per_user_install_without_a_silent_form_needs_the_user_in_Message()
        {
            var app = UserExe("\"C:\\Users\\alice\\AppData\\Local\\CapCut\\CapCut.exe\" --remove");
            app.QuietUninstallString = null;
            var (result, target) = await Remove(Violation(app));
            Assert.Equal(RemovalStatus.RequiresUserAction, result.Status);
            AssertMessageOnly(result, "alice");
            Assert.Empty(target.CommandLines);
            Assert.Empty(target.ScheduledTasks);
        }

        [Fact]
        public async Task A_per_user_removal_scheduled_for_its_user_says_for_whom_in_Message()
        {
            var (result, target) = await Remove(Violation(UserExe("\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\"")));
            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            AssertMessageOnly(result, @"for CONTOSO\alice");
            Assert.Empty(target.CommandLines);
            Assert.Single(target.ScheduledTasks);
        }

        [Fact]
        public async Task A_web_app_needs_the_user_in_Message()
        {
            var (result, _) = await Remove(Violation(WebApp()));
            Assert.Equal(RemovalStatus.RequiresUserAction, result.Status);
            Assert.Null(result.Error);
            Assert.False(string.IsNullOrEmpty(result.Message));
        }

        [Fact]
        public async Task An_exempt_finding_names_its_exemption_in_Message()
        {
            var finding = Violation(MachineMsi());
            finding.Status = FindingStatus.Exempt;
            finding.Exemption = new Exemption { Id = "EX-42", RuleId = "tiktok", Source = ExemptionSource.Device, Reason = "pilot" };
            var (result, target) = await Remove(finding);
            Assert.Equal(RemovalStatus.SkippedExempt, result.Status);
            AssertMessageOnly(result, "EX-42");
            Assert.True(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task A_finding_in_its_grace_period_names_the_date_in_Message()
        {
            var finding = Violation(MachineMsi());
            finding.Status = FindingStatus.GracePeriod;
            finding.EnforceAfter = new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero);
            var (result, target) = await Remove(finding);
            Assert.Equal(RemovalStatus.SkippedGracePeriod, result.Status);
            AssertMessageOnly(result, "2027-01-31");
            Assert.True(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task A_refused_entry_explains_in_Error()
        {
            var (result, target) = await Remove(Violation(MachineExe("\"C:\\Program Files\\App\\Uninstall.exe\" /S & calc.exe", null)));
            Assert.Equal(RemovalStatus.Refused, result.Status);
            Assert.Null(result.Message);
            Assert.False(string.IsNullOrEmpty(result.Error));
            Assert.Empty(target.CommandLines);
        }

        [Theory]
        [InlineData(3010, "asked for a restart (3010)")]
        [InlineData(1641, "started a restart (1641)")]
        public async Task A_restart_code_with_the_app_gone_says_so_in_Message(int code, string contains)
        {
            var (result, target) = await Remove(Violation(MachineMsi()), (_, __) => new FakeProgram { ExitCode = code, Effect = t => t.DeleteKey(MsiKey) });
            Assert.Equal(RemovalStatus.RebootRequired, result.Status);
            Assert.True(result.RebootRequired);
            AssertMessageOnly(result, contains);
            Assert.False(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task An_unusual_exit_code_with_the_app_gone_is_Removed_with_the_code_in_Message()
        {
            var (result, target) = await Remove(Violation(MachineMsi()), (_, __) => new FakeProgram { ExitCode = 1, Effect = t => t.DeleteKey(MsiKey) });
            Assert.Equal(RemovalStatus.Removed, result.Status);
            AssertMessageOnly(result, "exited with 1");
            Assert.False(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task A_clean_removal_and_an_app_already_gone_have_nothing_to_say()
        {
            var (removed, _) = await Remove(Violation(MachineMsi()));
            var (absent, target) = await Remove(Violation(MachineMsi()), keepEntry: false);
            Assert.Equal(RemovalStatus.Removed, removed.Status);
            Assert.Equal(RemovalStatus.AlreadyAbsent, absent.Status);
            Assert.All(new[] { removed, absent }, r => { Assert.Null(r.Error); Assert.Null(r.Message); });
            Assert.Empty(target.CommandLines);
        }

        [Fact]
        public async Task A_failed_uninstall_explains_in_Error()
        {
            var (result, target) = await Remove(Violation(MachineMsi()), (_, __) => new FakeProgram { ExitCode = 1603 });
            Assert.Equal(RemovalStatus.Failed, result.Status);
            AssertErrorOnly(result, "1603");
            Assert.True(target.KeyExists(MsiKey));
        }
    }
}
