using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    /// <summary>Device reports merged with live results into one fleet report: newest wins, stale, not reporting, progress.</summary>
    public class FleetReportTests
    {
        private static readonly DateTimeOffset Deadline = Start.AddDays(10);

        /// <summary>A device's own report, as a device-side run writes it: one target, reached as localhost.</summary>
        private static DeviceReport Device(string machine, DateTimeOffset endTime, TargetStatus status, params ReportFinding[] findings)
        {
            var target = new TargetReport { ComputerName = "localhost", MachineName = machine, Status = status, Findings = findings.ToList() };
            var report = new AppBanReport
            {
                Run = new ReportRun { PolicyName = "Parliament ban", PolicySha256 = new string('A', 64), StartTime = endTime.AddMinutes(-1), EndTime = endTime },
                Targets = { target },
            };
            return new DeviceReport("/share/" + machine + ".json", endTime, 1000, report);
        }

        private static ReportFinding DeviceFinding(string status, string rule = "tiktok-store") =>
            Finding("localhost", "TikTok", status, rule);

        [Fact]
        public void The_newest_report_of_a_device_wins_and_names_its_records_by_the_device()
        {
            var b = NewBuilder();
            b.AddDeviceReport(Device("PC-1", Start.AddDays(-2), TargetStatus.NonCompliant, DeviceFinding("Violation")));
            b.AddDeviceReport(Device("PC-1", Start.AddHours(-1), TargetStatus.Compliant));
            b.AddDeviceReport(Device("PC-1", Start.AddDays(-3), TargetStatus.NonCompliant, DeviceFinding("Violation")));
            var report = b.Build(Start);

            var target = Assert.Single(report.Targets);
            Assert.Equal("PC-1", target.ComputerName);
            Assert.Equal(TargetStatus.Compliant, target.Status);
            Assert.Equal("DeviceReport", target.Source);
            Assert.Equal(Start.AddHours(-1), target.ReportedAt);
            Assert.Equal("/share/PC-1.json", target.ReportFile);
            Assert.Equal(1, report.Run.DeviceReports);
            Assert.Equal(7, report.Run.StaleAfterDays);
        }

        [Fact]
        public void A_live_result_that_read_the_device_supersedes_its_file_matched_by_machine_name()
        {
            var b = NewBuilder();
            b.AddDeviceReport(Device("PC-1", Start.AddHours(-1), TargetStatus.NonCompliant, DeviceFinding("Violation")));
            b.SetTargetStatus("10.0.0.5", TargetStatus.Compliant);
            b.NoteMachineName("10.0.0.5", "PC-1");
            var report = b.Build(Start);

            var target = Assert.Single(report.Targets);
            Assert.Equal("10.0.0.5", target.ComputerName);
            Assert.Equal("PC-1", target.MachineName);
            Assert.Equal("Live", target.Source);
            Assert.Equal(TargetStatus.Compliant, target.Status);
            Assert.Equal(0, report.Run.DeviceReports);
        }

        [Fact]
        public void A_live_result_that_could_not_read_the_device_keeps_the_file_and_adds_its_error()
        {
            var b = NewBuilder();
            b.AddDeviceReport(Device("PC-1", Start.AddHours(-1), TargetStatus.NonCompliant, DeviceFinding("Violation")));
            b.AddError("pc-1.corp.example", new ReportError { ErrorId = "TargetUnreachable", Category = "ConnectionError", Message = "no answer" });
            var report = b.Build(Start);

            var target = Assert.Single(report.Targets);
            Assert.Equal("DeviceReport", target.Source);
            Assert.Equal(TargetStatus.NonCompliant, target.Status);
            Assert.Contains(target.Errors, e => e.Message == "no answer");
        }

        [Fact]
        public void A_device_whose_newest_report_is_too_old_is_stale_and_keeps_what_it_last_said()
        {
            var b = NewBuilder();
            b.SetStaleAfter(TimeSpan.FromDays(3));
            b.AddDeviceReport(Device("PC-OLD", Start.AddDays(-4), TargetStatus.NonCompliant, DeviceFinding("Violation")));
            b.AddDeviceReport(Device("PC-NEW", Start.AddDays(-2), TargetStatus.Compliant));
            var report = b.Build(Start);

            var old = report.Targets.Single(t => t.ComputerName == "PC-OLD");
            Assert.Equal(TargetStatus.Stale, old.Status);
            Assert.Equal(TargetStatus.NonCompliant, old.LastStatus);
            Assert.Contains("older than 3 days", old.StatusDetail);
            Assert.Equal(TargetStatus.Compliant, report.Targets.Single(t => t.ComputerName == "PC-NEW").Status);
            Assert.Equal(1, report.Summary.Stale);
            Assert.Equal((int)UnattendedExitCode.TargetsFailed, report.Summary.ExitCode);
        }

        [Fact]
        public void Expected_devices_that_never_reported_are_not_reporting_and_match_by_first_label()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "pc-1.corp.example", "PC-2", "pc-3" });
            b.AddDeviceReport(Device("PC-1", Start.AddHours(-1), TargetStatus.Compliant));
            b.AddRejectedReport(new RejectedDeviceReport { Path = "/share/PC-3.json", Reason = "not JSON" });
            var report = b.Build(Start);

            Assert.Equal(3, report.Targets.Count);
            Assert.Equal(TargetStatus.Compliant, report.Targets.Single(t => t.ComputerName == "PC-1").Status);
            Assert.Equal(TargetStatus.NotReporting, report.Targets.Single(t => t.ComputerName == "PC-2").Status);
            var three = report.Targets.Single(t => t.ComputerName == "pc-3");
            Assert.Equal(TargetStatus.NotReporting, three.Status);
            Assert.Contains("refused: not JSON", three.StatusDetail);
            Assert.Equal(2, report.Summary.NotReporting);
            Assert.Equal(1, report.Summary.RejectedReports);
            Assert.Single(report.RejectedReports);
        }

        [Fact]
        public void Without_device_reports_an_expected_target_nothing_came_from_stays_not_scanned()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "pc-1" });
            var report = b.Build(Start);
            Assert.Equal(TargetStatus.NotScanned, Assert.Single(report.Targets).Status);
            Assert.Null(report.Run.StaleAfterDays);
        }

        [Fact]
        public void Progress_counts_each_device_once_per_rule_in_its_worst_state()
        {
            var b = NewBuilder();
            b.SetRules(new[]
            {
                new RuleProgress { RuleId = "tiktok-store", RuleName = "TikTok", EnforceAfter = Deadline },
                new RuleProgress { RuleId = "capcut", RuleName = "CapCut", EnforceAfter = Deadline },
            });
            b.AddDeviceReport(Device("V", Start, TargetStatus.NonCompliant, DeviceFinding("Violation"), DeviceFinding("Exempt")));
            b.AddDeviceReport(Device("G", Start, TargetStatus.GracePeriod, DeviceFinding("GracePeriod")));
            b.AddDeviceReport(Device("E", Start, TargetStatus.Exempt, DeviceFinding("Exempt")));
            b.AddDeviceReport(Device("S", Start, TargetStatus.Scheduled, DeviceFinding("Scheduled")));
            b.AddDeviceReport(Device("C", Start, TargetStatus.Compliant));
            b.AddDeviceReport(Device("P", Start, TargetStatus.Partial));
            // Live: one removed (clean), one left to its user.
            b.AddFinding(Finding("R", "TikTok"));
            b.AddAction(Removal("R", "TikTok"));
            b.AddFinding(Finding("U", "TikTok"));
            b.AddAction(Removal("U", "TikTok", "RequiresUserAction"));
            b.DeclareTargets(new[] { "N" });
            var report = b.Build(Start);

            var tiktok = report.Summary.Rules.Single(r => r.RuleId == "tiktok-store");
            Assert.Equal((1, 1, 1, 1, 1, 2, 2), (tiktok.Violation, tiktok.RequiresUserAction, tiktok.Scheduled, tiktok.GracePeriod, tiktok.Exempt, tiktok.Clean, tiktok.NoData));
            Assert.Equal(10, tiktok.DaysLeft);
            var capcut = report.Summary.Rules.Single(r => r.RuleId == "capcut");
            Assert.Equal(7, capcut.Clean);
            Assert.Equal(2, capcut.NoData);
            Assert.Equal(new[] { "tiktok-store", "capcut" }, report.Summary.Rules.Select(r => r.RuleId));
            Assert.Equal(1, report.Summary.RequiresUserAction);
        }

        [Fact]
        public void Exemptions_ending_within_30_days_are_listed_soonest_first()
        {
            var b = NewBuilder();
            ReportFinding Exempt(int days, string id)
            {
                var f = DeviceFinding("Exempt");
                f.ExemptionId = id;
                f.ExemptionExpires = Start.AddDays(days);
                f.ExemptionReason = "Press office";
                f.ExemptionApprovedBy = "CORP\\ciso";
                return f;
            }
            b.AddDeviceReport(Device("PC-1", Start, TargetStatus.Exempt, Exempt(20, "EX-20"), Exempt(45, "EX-45")));
            b.AddDeviceReport(Device("PC-2", Start, TargetStatus.Exempt, Exempt(3, "EX-3")));
            var report = b.Build(Start);

            Assert.Equal(new[] { "EX-3", "EX-20" }, report.ExpiringExemptions.Select(e => e.ExemptionId));
            var first = report.ExpiringExemptions[0];
            Assert.Equal(("PC-2", 3, "Press office", "CORP\\ciso"), (first.ComputerName, first.DaysLeft, first.Reason, first.ApprovedBy));
        }

        [Fact]
        public void The_history_gains_this_report_as_its_last_point_and_round_trips_through_its_file()
        {
            var path = Path.Combine(Path.GetTempPath(), "appban-history-" + Guid.NewGuid().ToString("N") + ".json");
            try
            {
                Assert.Empty(ReportHistory.Read(path));
                var earlier = new ReportHistoryPoint { Time = Start.AddDays(-7), Devices = 2, Violation = 2 };
                var b = NewBuilder();
                b.SetRules(new[] { new RuleProgress { RuleId = "tiktok-store", EnforceAfter = Deadline } });
                b.SetHistory(new[] { earlier, new ReportHistoryPoint { Time = Start.AddDays(1), Devices = 9 } });
                b.AddDeviceReport(Device("PC-1", Start, TargetStatus.NonCompliant, DeviceFinding("Violation")));
                b.AddDeviceReport(Device("PC-2", Start, TargetStatus.Compliant));
                var report = b.Build(Start);

                // A point from after this report (a clock gone wrong) is dropped rather than charted out of order.
                Assert.Equal(2, report.History.Count);
                var now = report.History.Last();
                Assert.Equal((Start, 2, 1, 1, (DateTimeOffset?)Deadline), (now.Time, now.Devices, now.Violation, now.Clean, now.Deadline));

                ReportHistory.Write(path, report.History);
                var read = ReportHistory.Read(path);
                Assert.Equal(report.History.Select(p => (p.Time, p.Violation, p.Clean)), read.Select(p => (p.Time, p.Violation, p.Clean)));
                Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path), "." + Path.GetFileName(path) + "*"));
            }
            finally { File.Delete(path); }
        }

        [Theory]
        [InlineData("{\"schemaVersion\":\"2.0\",\"points\":[]}", "reads 1.x")]
        [InlineData("{\"points\":[]}", "not an AppBan report history")]
        [InlineData("[1,2", "not valid JSON")]
        [InlineData("{\"schemaVersion\":\"1.0\",\"points\":[{\"time\":\"2026-01-01T00:00:00Z\",\"devices\":-1}]}", "negative")]
        public void A_history_file_that_cannot_be_trusted_is_refused_with_the_reason(string content, string reason)
        {
            var path = Path.Combine(Path.GetTempPath(), "appban-history-" + Guid.NewGuid().ToString("N") + ".json");
            try
            {
                File.WriteAllText(path, content);
                var ex = Assert.Throws<InvalidDataException>(() => ReportHistory.Read(path));
                Assert.Contains(reason, ex.Message);
            }
            finally { File.Delete(path); }
        }

        [Fact]
        public void The_policy_name_comes_from_the_device_reports_when_none_was_given()
        {
            var b = new ReportBuilder(new FixedClock(Start));
            b.AddDeviceReport(Device("PC-1", Start, TargetStatus.Compliant));
            Assert.Equal("Parliament ban", b.Build(Start).Run.PolicyName);
        }

        [Theory]
        [InlineData("pc-1.corp.example", "PC-1")]
        [InlineData("PC-1:5985", "PC-1")]
        [InlineData("10.0.0.5", "10.0.0.5")]
        [InlineData("10.0.0.5:5986", "10.0.0.5")]
        [InlineData("fe80::1", "FE80::1")]
        public void Devices_are_known_by_their_first_label_and_addresses_as_they_are(string name, string key) =>
            Assert.Equal(key, ReportBuilder.DeviceKey(name));
    }
}
