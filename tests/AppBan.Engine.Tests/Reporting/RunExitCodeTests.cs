using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class RunExitCodeTests
    {
        [Fact]
        public void All_compliant_and_nothing_removed_is_0()
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.SetTargetStatus("b", TargetStatus.Compliant);
            Assert.Equal(UnattendedExitCode.Compliant, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void Removed_and_now_compliant_is_1()
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
        public void A_banned_app_that_remains_is_2(string findingStatus)
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.AddFinding(Finding("b", "TikTok", findingStatus));
            Assert.Equal(UnattendedExitCode.NonCompliantRemains, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void A_refused_removal_is_2_even_beside_a_successful_one()
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
        public void A_failed_target_is_3_and_outranks_non_compliance(TargetStatus failure)
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok", "Exempt"));
            b.SetTargetStatus("b", failure);
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void A_failed_removal_is_3()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            b.AddAction(Removal("a", "TikTok", "Failed"));
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void A_cancelled_or_empty_run_is_3()
        {
            var b = NewBuilder();
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.MarkCancelled();
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(NewBuilder().Build()));
        }
    }
}
