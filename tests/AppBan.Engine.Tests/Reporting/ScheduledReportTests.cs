using System;
using System.IO;
using System.Linq;
using AppBan.Engine.FanOut;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using AppBan.Engine.Reporting;
using AppBan.Engine.Tests.Fakes;
using AppBan.Engine.Tests.Remediation;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    /// <summary>
    /// A banned app whose removal waits for its user is neither compliant nor a violation nobody handles: the target is
    /// Scheduled, the run exits 11 (non-compliant remains), and the HTML report counts it in its own tile.
    /// </summary>
    public class ScheduledReportTests
    {
        private static ReportAction Scheduled(string computer, string app, string kind = "Exe") => new ReportAction
        {
            ComputerName = computer, AppName = app, Version = "1.0.1.0", Kind = kind, UserSid = "S-1-5-21-1-2-3-1001",
            Method = "UserTask", CommandLine = "\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\" /S", Status = "Scheduled",
            Outcome = ReportRecords.ClassifyActionStatus("Scheduled"), Message = "scheduled 2026-11-28T10:01:00Z for CORP\\alice", Time = Start.AddMinutes(1),
        };

        private static AppBanReport OnlyScheduled()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "pc-waiting" });
            b.AddFinding(Finding("pc-waiting", "CapCut", "Scheduled", "capcut", "Exe"));
            return b.Build(Start.AddMinutes(5));
        }

        [Fact]
        public void A_target_whose_only_finding_is_Scheduled_is_Scheduled_and_the_run_exits_11()
        {
            var report = OnlyScheduled();
            var target = Assert.Single(report.Targets);
            Assert.Equal(TargetStatus.Scheduled, target.Status);
            Assert.Equal(1, report.Summary.Scheduled);
            Assert.Equal(0, report.Summary.Compliant + report.Summary.NonCompliant + report.Summary.Failed);
            Assert.Equal(1, report.Summary.ByStatus["Scheduled"]);
            Assert.Equal(11, report.Summary.ExitCode);
            Assert.Equal(UnattendedExitCode.NonCompliantRemains, RunExitCode.For(report));
        }

        [Fact]
        public void A_violation_this_run_scheduled_for_its_user_makes_the_target_Scheduled_and_counts_the_action()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("pc-1", "CapCut", "Violation", "capcut", "Exe"));
            b.AddAction(Scheduled("pc-1", "CapCut"));
            var report = b.Build(Start.AddMinutes(5));

            Assert.Equal(TargetStatus.Scheduled, Assert.Single(report.Targets).Status);
            Assert.Equal(ActionOutcome.Scheduled, Assert.Single(report.Targets[0].Actions).Outcome);
            Assert.Equal((1, 0, 0), (report.Summary.ScheduledActions, report.Summary.Removed, report.Summary.FailedActions));
            Assert.Equal(11, report.Summary.ExitCode);
        }

        [Fact]
        public void A_violation_left_alone_beside_a_scheduled_one_keeps_the_target_NonCompliant()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("pc-1", "CapCut", "Violation", "capcut", "Exe"));
            b.AddFinding(Finding("pc-1", "TikTok LIVE Studio", "Violation", "tiktok-live-studio", "Exe"));
            b.AddAction(Scheduled("pc-1", "CapCut"));
            Assert.Equal(TargetStatus.NonCompliant, Assert.Single(b.Build().Targets).Status);
        }

        [Fact]
        public void A_failed_target_outweighs_a_scheduled_one_and_a_scheduled_one_outweighs_a_remediated_one()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("pc-fixed", "TikTok"));
            b.AddAction(Removal("pc-fixed", "TikTok"));
            b.AddFinding(Finding("pc-waiting", "CapCut", "Scheduled", "capcut", "Exe"));
            Assert.Equal(UnattendedExitCode.NonCompliantRemains, RunExitCode.For(b.Build()));

            b.AddFinding(Finding("pc-bad", "TikTok"));
            b.AddAction(Removal("pc-bad", "TikTok", "Failed"));
            Assert.Equal(UnattendedExitCode.TargetsFailed, RunExitCode.For(b.Build()));
        }

        [Fact]
        public void The_html_report_has_the_scheduled_tiles_and_shows_the_target_as_Scheduled()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("pc-1", "CapCut", "Violation", "capcut", "Exe"));
            b.AddAction(Scheduled("pc-1", "CapCut"));
            b.SetTargetStatus("pc-clean", TargetStatus.Compliant);
            var html = ReportWriter.WriteToString(b.Build(Start.AddMinutes(5)), ReportFormat.Html);

            Assert.Matches("<div class=\"tile scheduled\" id=\"tile-scheduled\" data-count=\"1\"><span class=\"num\">1</span><span class=\"label\">Waiting for a user \\(scheduled\\)</span>", html);
            Assert.Matches("<div class=\"tile scheduled\" id=\"tile-scheduledactions\" data-count=\"1\">", html);
            Assert.Equal(new[] { "pc-1 Scheduled", "pc-clean Compliant" }, HtmlReportWriterTests.Hosts(html).Select(h => h.Computer + " " + h.Status));
        }

        [Fact]
        public void Json_and_csv_carry_the_Scheduled_status_and_json_reads_it_back()
        {
            var report = OnlyScheduled();
            var json = ReportWriter.WriteToString(report, ReportFormat.Json);
            var read = JsonReportWriter.Read(new StringReader(json));
            Assert.Equal(TargetStatus.Scheduled, Assert.Single(read.Targets).Status);
            Assert.Equal("Scheduled", Assert.Single(read.Targets[0].Findings).Status);
            Assert.Equal(1, read.Summary.Scheduled);

            var csv = ReportWriter.WriteToString(report, ReportFormat.Csv);
            Assert.Contains(csv.Split('\n'), line => line.Contains("pc-waiting") && line.Contains("Scheduled"));
        }

        [Fact]
        public void Scheduled_results_become_scheduled_actions_and_audit_events_1003()
        {
            var result = new RemovalResult
            {
                ComputerName = "PC01", AppName = "CapCut", Kind = AppKind.Exe, Scope = AppScope.User, UserSid = "S-1-5-21-1-2-3-1001",
                RuleId = "capcut", Method = RemovalMethod.UserTask, CommandLine = "\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\" /S",
                Status = RemovalStatus.Scheduled, Message = "scheduled 2026-12-03T16:00:00Z for CONTOSO\\alice",
            };
            var action = ReportRecords.FromRemoval(result);
            Assert.Equal(ActionOutcome.Scheduled, action.Outcome);
            Assert.Equal("UserTask", action.Method);
            Assert.True(AuditMessages.IsAudited(action));
            Assert.Equal(AuditMessages.RemovalScheduled, AuditMessages.EventIdOf(action));
            Assert.Equal(1003, AuditMessages.EventIdOf(action));
            Assert.Equal(AuditMessages.Level.Information, AuditMessages.LevelOf(action));
            Assert.StartsWith("AppBan set the removal of a banned app in motion in its user's own context.", AuditMessages.Removal(action, "CORP\\admin", "p", new string('A', 64)));
            Assert.Equal(TargetStatus.Scheduled, ReportRecords.ToTargetStatus(ComplianceStatus.Scheduled));
        }

        [Fact]
        public void A_removal_run_that_schedules_a_users_removal_reports_the_target_Scheduled_with_exit_code_11()
        {
            using var host = Inventory.InventoryReaderTests.Laptop();
            var report = new RemediationReport(new ReportBuilder(new FixedClock(Start)), null, null);
            using (var runner = new FanOutRunner(1))
            {
                var settings = RunDriver.Settings(s => new FakeVerifier((FakeWindowsHost)s));
                settings.Report = report;
                settings.RuleIds = new[] { "capcut" };
                settings.Executor.UserTaskWait = TimeSpan.FromMilliseconds(50);
                var run = new RemediationRun(runner, settings);
                run.AddTarget(host.ComputerName, removals: true);
                runner.Add(host.ComputerName, (sink, ct) => run.ScanAndRemoveAsync(host, sink, ct));
                var result = Assert.Single(RunDriver.Results(RunDriver.CompleteAndDrain(runner)));
                Assert.Equal(RemovalStatus.Scheduled, result.Status);
            }

            var end = report.Finish(cancelled: false, timeLimitReached: false);

            var target = Assert.Single(end.Report.Targets);
            Assert.Equal(TargetStatus.Scheduled, target.Status);
            Assert.Equal("Violation", Assert.Single(target.Findings).Status);
            Assert.Equal(ActionOutcome.Scheduled, Assert.Single(target.Actions).Outcome);
            Assert.Equal(11, end.Report.Summary.ExitCode);
            // What was scheduled is a task that runs as alice, registered on the host; elevated, only the scan's copy of a
            // signed-out user's hive ran, never her uninstaller.
            Assert.Contains("<UserId>" + Inventory.InventoryReaderTests.Alice + "</UserId>", Assert.Single(host.ScheduledTasks).Xml);
            Assert.All(host.InnerCommands, c => Assert.StartsWith("reg.exe load ", c));
            Assert.DoesNotContain(host.InnerCommands, c => c.Contains("uninst.exe"));
        }
    }
}
