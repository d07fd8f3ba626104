using System;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class ReportBuilderTests
    {
        [Fact]
        public void Every_declared_target_appears_with_its_derived_status()
        {
            var report = Mixed();
            var byName = report.Targets.ToDictionary(t => t.ComputerName, t => t.Status);
            Assert.Equal(new[] { "pc-clean", "pc-fixed", "pc-bad", "pc-exempt", "pc-grace", "pc-down", "pc-error", "pc-never" },
                report.Targets.Select(t => t.ComputerName));
            Assert.Equal(report.Targets.Select(t => t.ComputerName), report.Run.Targets);
            Assert.Equal(TargetStatus.Compliant, byName["pc-clean"]);
            Assert.Equal(TargetStatus.Remediated, byName["pc-fixed"]);
            Assert.Equal(TargetStatus.NonCompliant, byName["pc-bad"]);
            Assert.Equal(TargetStatus.Exempt, byName["pc-exempt"]);
            Assert.Equal(TargetStatus.GracePeriod, byName["pc-grace"]);
            Assert.Equal(TargetStatus.Unreachable, byName["pc-down"]);
            Assert.Equal(TargetStatus.Failed, byName["pc-error"]);
            Assert.Equal(TargetStatus.NotScanned, byName["pc-never"]);
            Assert.Equal("pc-down: no answer", report.Targets.Single(t => t.ComputerName == "pc-down").StatusDetail);
        }

        [Fact]
        public void Summary_counts_each_target_once_and_removals_by_app()
        {
            var s = Mixed().Summary;
            Assert.Equal(8, s.Targets);
            Assert.Equal(2, s.Compliant);
            Assert.Equal(1, s.Remediated);
            Assert.Equal(2, s.NonCompliant);
            Assert.Equal(1, s.Exempt);
            Assert.Equal(1, s.Unreachable);
            Assert.Equal(2, s.Failed);
            Assert.Equal(s.Targets, s.Compliant + s.NonCompliant + s.Exempt + s.Unreachable + s.Failed);
            Assert.Equal(1, s.Removed);
            Assert.Equal(1, s.FailedActions);
            Assert.Equal(4, s.Findings);
            Assert.Equal(2, s.ExemptionChanges);
            Assert.Equal(4, s.FindingsByApp["TikTok"]);
            Assert.Equal(Enum.GetNames(typeof(TargetStatus)).OrderBy(n => n), s.ByStatus.Keys.OrderBy(n => n));
            Assert.Equal(1, s.ByStatus["NotScanned"]);
            Assert.Equal((int)UnattendedExitCode.TargetsFailed, s.ExitCode);
        }

        [Fact]
        public void A_policy_file_exemption_change_belongs_to_the_run_not_to_a_target()
        {
            var report = Mixed();
            var change = Assert.Single(report.PolicyExemptionChanges);
            Assert.Equal("EX-2", change.ExemptionId);
            Assert.DoesNotContain(report.Targets, t => t.ExemptionChanges.Contains(change));
            Assert.Equal(8, report.Targets.Count);
        }

        [Fact]
        public void Run_metadata_is_kept()
        {
            var report = Mixed();
            Assert.Equal("0.1.0", report.Run.ModuleVersion);
            Assert.Equal("Parliament ban", report.Run.PolicyName);
            Assert.Equal(new string('A', 64), report.Run.PolicySha256);
            Assert.Equal("CORP\\admin", report.Run.Operator);
            Assert.Equal(Start, report.Run.StartTime);
            Assert.Equal(Start.AddMinutes(5), report.Run.EndTime);
            Assert.False(string.IsNullOrEmpty(report.Run.Host));
            Assert.False(report.Run.Cancelled);
        }

        [Fact]
        public void A_report_built_after_a_cancel_holds_what_finished_before_it()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "a", "b", "c" });
            b.SetTargetStatus("a", TargetStatus.Compliant);
            b.AddFinding(Finding("b", "TikTok"));
            b.MarkCancelled();
            var report = b.Build();
            Assert.True(report.Run.Cancelled);
            Assert.Equal(TargetStatus.Compliant, report.Targets[0].Status);
            Assert.Equal(TargetStatus.NonCompliant, report.Targets[1].Status);
            Assert.Single(report.Targets[1].Findings);
            Assert.Equal(TargetStatus.NotScanned, report.Targets[2].Status);
            Assert.Equal((int)UnattendedExitCode.TargetsFailed, report.Summary.ExitCode);
        }

        [Fact]
        public void A_status_reported_after_removals_wins_and_compliant_after_removal_reads_remediated()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            b.SetTargetStatus("a", TargetStatus.NonCompliant);
            b.AddAction(Removal("a", "TikTok"));
            Assert.Equal(TargetStatus.Remediated, b.Build().Targets[0].Status);

            b.SetTargetStatus("a", TargetStatus.Compliant);
            Assert.Equal(TargetStatus.Remediated, b.Build().Targets[0].Status);

            b.SetTargetStatus("a", TargetStatus.NonCompliant, "re-scan still finds it");
            var target = b.Build().Targets[0];
            Assert.Equal(TargetStatus.NonCompliant, target.Status);
            Assert.Equal("re-scan still finds it", target.StatusDetail);
        }

        [Fact]
        public void A_partial_scan_stays_partial_after_its_removals_succeed()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            b.SetTargetStatus("a", TargetStatus.Partial, "HKU\\S-1-5-21-9 was denied");
            b.AddAction(Removal("a", "TikTok"));
            var target = b.Build().Targets[0];
            Assert.Equal(TargetStatus.Partial, target.Status);
            Assert.Equal("HKU\\S-1-5-21-9 was denied", target.StatusDetail);
        }

        [Fact]
        public void A_removal_for_another_user_does_not_resolve_a_finding()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            var other = Removal("a", "TikTok");
            other.UserSid = "S-1-5-21-1-2-3-9999";
            b.AddAction(other);
            Assert.Equal(TargetStatus.NonCompliant, b.Build().Targets[0].Status);
        }

        [Fact]
        public void The_same_finding_arriving_twice_is_counted_once_and_names_match_case_insensitively()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("PC-1", "TikTok"));
            b.AddFinding(Finding("pc-1", "TikTok"));
            var report = b.Build();
            Assert.Single(report.Targets);
            Assert.Single(report.Targets[0].Findings);
            Assert.Equal("PC-1", report.Targets[0].ComputerName);
        }

        [Fact]
        public void The_same_error_arriving_twice_is_kept_once()
        {
            var b = NewBuilder();
            b.AddError("a", new ReportError { ErrorId = "TargetUnreachable", Message = "a: refused" });
            b.AddError("A", new ReportError { ErrorId = "TargetUnreachable", Message = "a: refused" });
            b.AddError("a", new ReportError { ErrorId = "TargetUnreachable", Message = "a: timed out" });
            Assert.Equal(2, b.Build().Targets.Single().Errors.Count);
        }

        [Fact]
        public void Replace_findings_supersedes_the_first_scan()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok"));
            b.AddFinding(Finding("a", "CapCut", rule: "capcut", kind: "Exe"));
            b.ReplaceFindings("a", new[] { Finding("a", "CapCut", "Exempt", "capcut", "Exe") });
            var target = b.Build().Targets[0];
            Assert.Single(target.Findings);
            Assert.Equal(TargetStatus.Exempt, target.Status);
        }

        [Fact]
        public void Errors_beside_resolved_findings_make_the_target_partial()
        {
            var b = NewBuilder();
            b.AddFinding(Finding("a", "TikTok", "Exempt"));
            b.AddError("a", new ReportError { ErrorId = "HiveNotReadable", Category = "PermissionDenied", Message = "a: HKU\\S-1 denied" });
            Assert.Equal(TargetStatus.Partial, b.Build().Targets[0].Status);
        }

        [Fact]
        public void An_engine_finding_maps_to_a_report_finding()
        {
            var finding = new Finding
            {
                RuleId = "capcut",
                RuleName = "CapCut",
                Status = FindingStatus.GracePeriod,
                EnforceAfter = Start.AddDays(10),
                App = new InstalledApp
                {
                    ComputerName = "pc-7", Kind = AppKind.Exe, Scope = AppScope.User, DisplayName = "CapCut",
                    DisplayVersion = "3.2", Publisher = "Bytedance Pte. Ltd.", UserSid = "S-1-5-21-9",
                    KeyPath = "HKU\\S-1-5-21-9\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\CapCut",
                },
                Exemption = new AppBan.Engine.Exemptions.Exemption { Id = "EX-9", Expires = Start.AddDays(3) },
            };
            var r = ReportRecords.FromFinding(finding);
            Assert.Equal("pc-7", r.ComputerName);
            Assert.Equal("CapCut", r.AppName);
            Assert.Equal("Exe", r.Kind);
            Assert.Equal("User", r.Scope);
            Assert.Equal("GracePeriod", r.Status);
            Assert.Equal("EX-9", r.ExemptionId);
            Assert.Equal(Start.AddDays(3), r.ExemptionExpires);
            Assert.Equal(Start.AddDays(10), r.EnforceAfter);
            Assert.EndsWith("Uninstall\\CapCut", r.Location);
        }

        [Theory]
        [InlineData("Removed", ActionOutcome.Removed)]
        [InlineData("RebootRequired", ActionOutcome.Removed)]
        [InlineData("Refused", ActionOutcome.Refused)]
        [InlineData("WhatIf", ActionOutcome.Refused)]
        [InlineData("Failed", ActionOutcome.Failed)]
        [InlineData("TimedOut", ActionOutcome.Failed)]
        [InlineData("something new", ActionOutcome.Failed)]
        [InlineData(null, ActionOutcome.Failed)]
        public void Unknown_action_words_count_as_failures(string status, ActionOutcome expected)
        {
            Assert.Equal(expected, ReportRecords.ClassifyActionStatus(status));
        }

        [Theory]
        [InlineData("NonCompliant", TargetStatus.NonCompliant)]
        [InlineData("non-compliant", TargetStatus.NonCompliant)]
        [InlineData("Grace Period", TargetStatus.GracePeriod)]
        [InlineData("unreachable", TargetStatus.Unreachable)]
        public void Target_status_words_parse(string text, TargetStatus expected)
        {
            Assert.True(ReportRecords.TryParseTargetStatus(text, out var status));
            Assert.Equal(expected, status);
            Assert.False(ReportRecords.TryParseTargetStatus("Sideways", out _));
        }

        [Fact]
        public void Concurrent_feeding_loses_nothing()
        {
            var b = NewBuilder();
            Parallel.For(0, 200, i =>
            {
                b.AddFinding(Finding("pc-" + (i % 20), "TikTok " + i));
                b.AddAction(Removal("pc-" + (i % 20), "TikTok " + i));
            });
            var report = b.Build();
            Assert.Equal(20, report.Targets.Count);
            Assert.Equal(200, report.Summary.Findings);
            Assert.Equal(200, report.Summary.Removed);
            Assert.All(report.Targets, t => Assert.Equal(TargetStatus.Remediated, t.Status));
        }
    }
}
