using System;
using System.Linq;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class RunExitCodeTests
    {
        /// <summary>
        /// The documented table (docs/scheduled-task.md). 1 is what powershell.exe -File and pwsh -File return when the
        /// script cannot run or stops on an uncaught error, so no outcome may be 1; 2 to 9 are left free so that no
        /// code of module 0.1.0 (1 to 4) now means something else.
        /// </summary>
        [Theory]
        [InlineData(UnattendedExitCode.Compliant, 0, "compliant")]
        [InlineData(UnattendedExitCode.Remediated, 10, "remediated, now compliant")]
        [InlineData(UnattendedExitCode.NonCompliantRemains, 11, "non-compliant remains (exempt, grace period or refused)")]
        [InlineData(UnattendedExitCode.TargetsFailed, 12, "some targets failed")]
        [InlineData(UnattendedExitCode.BadInput, 13, "bad input")]
        [InlineData(UnattendedExitCode.ReportNotDelivered, 14, "device report not delivered")]
        public void The_exit_code_table_is_the_documented_one(UnattendedExitCode code, int value, string meaning)
        {
            Assert.Equal(value, (int)code);
            Assert.Equal(meaning, RunSummary.Meaning(code));
        }

        [Fact]
        public void No_outcome_shares_a_code_with_PowerShell_failing_to_run_the_script_or_with_module_0_1_0()
        {
            var values = Enum.GetValues(typeof(UnattendedExitCode)).Cast<int>().ToList();
            Assert.Equal(6, values.Distinct().Count());
            Assert.DoesNotContain(1, values);
            Assert.All(values.Where(v => v != 0), v => Assert.InRange(v, 10, 255));
            // The worst condition wins by comparing codes, so the numeric order is the severity order (14 stands apart:
            // RunExitCode.WithReportNotDelivered puts it only in place of 0, 10 and 11).
            Assert.Equal(values.OrderBy(v => v), values);
        }

        [Fact]
        public void All_compliant_and_nothing_removed_is_0()
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.SetTargetStatus("b", TargetStatus.Compliant);
            Assert.Equal(UnattendedExitCode.Compliant, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void Removed_and_now_compliant_is_Remediated()
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.AddFinding(Finding("b", "TikTok"));
            b.AddAction(Removal("b", "TikTok"));
            b.SetTargetStatus("b", TargetStatus.Compliant);
            Assert.Equal(UnattendedExitCode.Remediated, RunExitCode.For(b.Build()));
        }

        [Theory]
        [InlineData("Exempt")]
        [InlineData("GracePeriod")]
        [InlineData("Violation")]
        public void A_banned_app_that_remains_is_NonCompliantRemains(string findingStatus)
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.AddFinding(Finding("b", "TikTok", findingStatus));
            Assert.Equal(UnattendedExitCode.NonCompliantRemains, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void A_refused_removal_is_NonCompliantRemains_even_beside_a_successful_one()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            b.AddAction(Removal("a", "TikTok"));
            b.AddFinding(Finding("b", "CapCut", rule: "capcut", kind: "Exe"));
            b.AddAction(Removal("b", "CapCut", "Refused", "Exe"));
            Assert.Equal(UnattendedExitCode.NonCompliantRemains, RunExitCode.For(b.Build()));
        }

        [Theory]
        [InlineData(TargetStatus.Unreachable)]
        [InlineData(TargetStatus.Failed)]
        [InlineData(TargetStatus.Partial)]
        public void A_failed_target_is_TargetsFailed_and_outranks_non_compliance(TargetStatus failure)
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok", "Exempt"));
            b.SetTargetStatus("b", failure);
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void A_failed_removal_is_TargetsFailed()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            b.AddAction(Removal("a", "TikTok", "Failed"));
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void A_cancelled_or_empty_run_is_TargetsFailed()
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.MarkCancelled();
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(NewBuilder().Build()));
        }
    }
}
