using System;
using System.IO;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using Xunit;

namespace AppBan.Engine.Tests.Reporting
{
    public class RemediationReportTests
    {
        [Fact]
        public void When_the_time_limit_is_reached_every_target_not_done_is_Failed_RunTimeLimitReached()
        {
            var report = new RemediationReport(new ReportBuilder(), null, null);
            report.DeclareTarget("PC-DONE");
            report.DeclareTarget("PC-FAILED");
            report.DeclareTarget("PC-CUT");
            report.TargetEnded("PC-DONE");
            report.TargetFailed("PC-FAILED", new CimException(CimErrorKind.Unreachable, "PC-FAILED", "refused"), "TargetUnreachable", "ConnectionError");

            var end = report.Finish(cancelled: false, timeLimitReached: true);

            var cut = Assert.Single(end.TimedOut);
            Assert.Equal("PC-CUT", cut.ComputerName);
            Assert.Equal(ErrorIds.RunTimeLimitReached, cut.Error.ErrorId);
            var targets = end.Report.Targets.ToDictionary(t => t.ComputerName);
            Assert.Equal(TargetStatus.Failed, targets["PC-CUT"].Status);
            Assert.Equal(ErrorIds.RunTimeLimitReached, Assert.Single(targets["PC-CUT"].Errors).ErrorId);
            Assert.Equal(TargetStatus.Unreachable, targets["PC-FAILED"].Status);
            Assert.Equal("TargetUnreachable", Assert.Single(targets["PC-FAILED"].Errors).ErrorId);
            Assert.Empty(targets["PC-DONE"].Errors);
            Assert.True(end.Report.Run.Cancelled);
            Assert.Contains(end.Warnings, w => w.Contains("time limit"));
            Assert.Equal((int)UnattendedExitCode.TargetsFailed, end.Report.Summary.ExitCode);
        }

        [Theory]
        [InlineData(RemovalStatus.SkippedExempt, false)]
        [InlineData(RemovalStatus.SkippedGracePeriod, false)]
        [InlineData(RemovalStatus.Removed, true)]
        [InlineData(RemovalStatus.Refused, true)]
        public void Only_removals_that_are_actions_are_recorded_and_said_to_be_so(RemovalStatus status, bool isAction)
        {
            IRemediationRecorder report = new RemediationReport(new ReportBuilder(), null, null);
            var result = new RemovalResult { ComputerName = "PC01", AppName = "TikTok", Status = status };

            Assert.Equal(isAction, report.AddRemoval(result, "PC01"));
            var end = ((RemediationReport)report).Finish(cancelled: false, timeLimitReached: false);
            Assert.Equal(isAction ? 1 : 0, end.Report.Targets.SelectMany(t => t.Actions).Count());
        }

        [Fact]
        public void A_stop_marks_the_report_cancelled_without_blaming_the_time_limit_and_the_end_is_written_once()
        {
            var folder = Path.Combine(Path.GetTempPath(), "appban-" + Guid.NewGuid().ToString("N"));
            try
            {
                var json = Path.Combine(folder, "run.json");
                var log = new RunLog(Path.Combine(folder, "run.log"));
                var report = new RemediationReport(new ReportBuilder(), new[] { new System.Collections.Generic.KeyValuePair<string, ReportFormat>(json, ReportFormat.Json) }, log);
                report.DeclareTarget("PC-CUT");

                var end = report.Finish(cancelled: true, timeLimitReached: false);

                Assert.Null(report.Finish(cancelled: false, timeLimitReached: false));
                Assert.Empty(end.TimedOut);
                Assert.True(end.Report.Run.Cancelled);
                Assert.Equal(new[] { json }, end.Written);
                Assert.True(File.Exists(json));
                Assert.Contains("Run ended. ", File.ReadAllText(log.Path));
            }
            finally
            {
                if (Directory.Exists(folder)) Directory.Delete(folder, true);
            }
        }
    }
}
