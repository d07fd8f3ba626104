using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    /// <summary>Shapes as the discovery, remediation and exemption cmdlets emit them.</summary>
    public class ReportInputTests
    {
        private static IPropertySource Of(object o) => DictionaryPropertySource.FromObject(o);

        private static Finding EngineFinding(string computer, FindingStatus status) => new Finding
        {
            RuleId = "tiktok-store",
            RuleName = "TikTok",
            Status = status,
            App = new InstalledApp
            {
                ComputerName = computer, Kind = AppKind.StoreApp, Scope = AppScope.User, UserSid = "S-1-5-21-1",
                PackageName = "BytedancePte.Ltd.TikTok", PackageFullName = "BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se",
                DisplayVersion = "1.0.1.0",
            },
        };

        [Fact]
        public void A_report_given_no_policy_names_the_one_its_results_were_evaluated_under()
        {
            var b = new ReportBuilder(new FixedClock(Start));
            var finding = EngineFinding("pc-1", FindingStatus.Violation);
            finding.PolicyName = "Parliament TikTok ban";
            ReportInput.Add(b, Of(finding));
            ReportInput.Add(b, Of(new { ComputerName = "pc-2", Status = "Compliant", PolicyName = "Parliament TikTok ban" }));
            Assert.Equal("Parliament TikTok ban", b.Build().Run.PolicyName);
            Assert.Null(b.Build().Run.PolicySha256);
        }

        [Fact]
        public void Results_of_several_policies_are_all_named_and_a_policy_given_wins_over_them()
        {
            var b = new ReportBuilder(new FixedClock(Start));
            var first = EngineFinding("pc-1", FindingStatus.Violation);
            first.PolicyName = "TikTok";
            var second = EngineFinding("pc-2", FindingStatus.Violation);
            second.PolicyName = "ByteDance";
            ReportInput.Add(b, Of(first));
            ReportInput.Add(b, Of(second));
            Assert.Equal("several policies: ByteDance, TikTok", b.Build().Run.PolicyName);
            b.SetPolicy("Given", "ABC");
            Assert.Equal("Given", b.Build().Run.PolicyName);
            Assert.Equal("ABC", b.Build().Run.PolicySha256);
        }

        [Fact]
        public void An_engine_finding_is_recognised_through_its_properties()
        {
            var b = NewBuilder();
            Assert.Equal(ReportInputKind.Finding, ReportInput.Add(b, Of(EngineFinding("pc-1", FindingStatus.Violation))));
            var f = Assert.Single(b.Build().Targets.Single().Findings);
            Assert.Equal("pc-1", f.ComputerName);
            Assert.Equal("BytedancePte.Ltd.TikTok", f.AppName);
            Assert.Equal("StoreApp", f.Kind);
            Assert.Equal("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se", f.Location);
        }

        [Fact]
        public void A_removal_result_becomes_an_action_that_resolves_its_finding()
        {
            var b = NewBuilder();
            ReportInput.Add(b, Of(EngineFinding("pc-1", FindingStatus.Violation)));
            var kind = ReportInput.Add(b, Of(new Dictionary<string, object>
            {
                ["ComputerName"] = "pc-1", ["AppName"] = "BytedancePte.Ltd.TikTok", ["Version"] = "1.0.1.0", ["Kind"] = AppKind.StoreApp,
                ["UserSid"] = "S-1-5-21-1", ["Method"] = "StoreAppForAllUsers", ["CommandLine"] = "powershell.exe ...",
                ["ExitCode"] = (int?)0, ["Status"] = "Removed", ["RebootRequired"] = false, ["Duration"] = TimeSpan.FromSeconds(3.25),
                ["Attempts"] = 1, ["Error"] = null,
            }));
            Assert.Equal(ReportInputKind.Action, kind);
            var target = b.Build().Targets.Single();
            var action = Assert.Single(target.Actions);
            Assert.Equal(ActionOutcome.Removed, action.Outcome);
            Assert.Equal(3.25, action.DurationSeconds);
            Assert.Equal(0, action.ExitCode);
            Assert.Equal(TargetStatus.Remediated, target.Status);
        }

        /// <summary>Results saved before Message existed explained every status in Error; the report moves what is no failure.</summary>
        [Theory]
        [InlineData("RequiresUserAction", false)]
        [InlineData("SkippedExempt", false)]
        [InlineData("SkippedGracePeriod", false)]
        [InlineData("RebootRequired", false)]
        [InlineData("Removed", false)]
        [InlineData("Failed", true)]
        [InlineData("TimedOut", true)]
        [InlineData("Refused", true)]
        [InlineData("SomethingNew", true)]
        public void An_older_results_explanation_lands_in_error_only_for_failures_refusals_and_unknown_statuses(string status, bool staysError)
        {
            var action = ReportInput.ToAction(Of(new Dictionary<string, object>
            {
                ["ComputerName"] = "pc-1", ["AppName"] = "CapCut", ["Method"] = "None", ["Status"] = status,
                ["Error"] = "the explanation",
            }));
            Assert.Equal(staysError ? "the explanation" : null, action.Error);
            Assert.Equal(staysError ? null : "the explanation", action.Message);
        }

        [Fact]
        public void A_removal_result_keeps_its_error_and_its_message()
        {
            var result = new AppBan.Engine.Remediation.RemovalResult
            {
                ComputerName = "pc-1", AppName = "TikTok LIVE Studio", Status = AppBan.Engine.Remediation.RemovalStatus.RebootRequired,
                RebootRequired = true, ExitCode = 3010, Message = "the uninstaller asked for a restart (3010)",
            };
            var action = ReportRecords.FromRemoval(result);
            Assert.Null(action.Error);
            Assert.Equal("the uninstaller asked for a restart (3010)", action.Message);
            Assert.True(action.RebootRequired);
        }

        [Fact]
        public void A_compliance_result_sets_the_status_and_replaces_findings()
        {
            var b = NewBuilder();
            ReportInput.Add(b, Of(EngineFinding("pc-2", FindingStatus.Violation)));
            var kind = ReportInput.Add(b, Of(new Dictionary<string, object>
            {
                ["ComputerName"] = "pc-2", ["Status"] = "Exempt",
                ["Findings"] = new[] { EngineFinding("pc-2", FindingStatus.Exempt) },
                ["ViolationCount"] = 0, ["Error"] = null,
            }));
            Assert.Equal(ReportInputKind.TargetStatus, kind);
            var target = b.Build().Targets.Single();
            Assert.Equal(TargetStatus.Exempt, target.Status);
            Assert.Equal("Exempt", Assert.Single(target.Findings).Status);
        }

        [Fact]
        public void An_unreachable_compliance_result_carries_its_error()
        {
            var b = NewBuilder();
            ReportInput.Add(b, Of(new Dictionary<string, object>
            {
                ["ComputerName"] = "pc-3", ["Status"] = "Unreachable", ["Findings"] = Array.Empty<Finding>(),
                ["Error"] = new AppBan.Engine.Cim.CimException(AppBan.Engine.Cim.CimErrorKind.Unreachable, "pc-3", "pc-3 refused the connection"),
            }));
            var target = b.Build().Targets.Single();
            Assert.Equal(TargetStatus.Unreachable, target.Status);
            Assert.Equal("pc-3 refused the connection", target.StatusDetail);
            Assert.Equal("TargetUnreachable", Assert.Single(target.Errors).ErrorId);
        }

        [Fact]
        public void Device_and_policy_exemption_changes_go_to_their_places()
        {
            var b = NewBuilder();
            var device = new Dictionary<string, object>
            {
                ["Target"] = "pc-4", ["Action"] = "Granted", ["Source"] = "Device", ["Id"] = "EX-1", ["RuleId"] = "tiktok-store",
                ["UserName"] = "CORP\\alice", ["ComputerName"] = "pc-4", ["Reason"] = "Press office", ["ApprovedBy"] = "CORP\\ciso",
                ["Expires"] = Start.AddDays(30), ["ChangedBy"] = "CORP\\admin", ["ChangedOn"] = Start,
                ["Location"] = "HKLM\\SOFTWARE\\AppBan\\Exemptions\\EX-1",
            };
            var policy = new Dictionary<string, object>(device) { ["Target"] = "/p/policy.json", ["Source"] = "Policy", ["Action"] = "Revoked", ["ComputerName"] = "PC-*", ["Location"] = null };
            Assert.Equal(ReportInputKind.ExemptionChange, ReportInput.Add(b, Of(device)));
            Assert.Equal(ReportInputKind.ExemptionChange, ReportInput.Add(b, Of(policy)));
            var report = b.Build();
            var onDevice = Assert.Single(report.Targets.Single(t => t.ComputerName == "pc-4").ExemptionChanges);
            Assert.Equal("Granted", onDevice.Change);
            Assert.Equal(Start.AddDays(30), onDevice.Expires);
            var inPolicy = Assert.Single(report.PolicyExemptionChanges);
            Assert.Null(inPolicy.ComputerName);
            Assert.Equal("PC-*", inPolicy.CoveredComputer);
            Assert.Equal("/p/policy.json", inPolicy.Location);
            Assert.Single(report.Targets);
        }

        [Fact]
        public void Deserialized_shapes_with_strings_work_the_same()
        {
            var b = NewBuilder();
            ReportInput.Add(b, Of(new Dictionary<string, object>
            {
                ["ComputerName"] = "pc-5", ["AppName"] = "CapCut", ["Method"] = "QuietUninstallString", ["Status"] = "TimedOut",
                ["ExitCode"] = "1618", ["RebootRequired"] = "True", ["Duration"] = "00:01:30",
            }));
            var action = b.Build().Targets.Single().Actions.Single();
            Assert.Equal(ActionOutcome.Failed, action.Outcome);
            Assert.Equal(1618, action.ExitCode);
            Assert.True(action.RebootRequired);
            Assert.Equal(90, action.DurationSeconds);
        }

        [Fact]
        public void Anything_else_is_not_taken()
        {
            var b = NewBuilder();
            Assert.Equal(ReportInputKind.Unknown, ReportInput.Add(b, Of(new { ComputerName = "pc-6", Status = "Active", RuleId = "x" })));
            Assert.Equal(ReportInputKind.Unknown, ReportInput.Add(b, Of("just text")));
            Assert.Empty(b.Build().Targets);
        }

        [Fact]
        public void A_compliance_results_machine_name_reaches_its_target_in_the_report()
        {
            var b = new ReportBuilder(new FixedClock(Start));
            ReportInput.Add(b, Of(new { ComputerName = "10.0.0.7", MachineName = "PC-0007", Status = "Compliant", PolicyName = "P" }));
            ReportInput.Add(b, Of(new { ComputerName = "10.0.0.8", MachineName = (string)null, Status = "Unreachable", Error = "No route." }));

            var targets = b.Build().Targets.ToDictionary(t => t.ComputerName);
            Assert.Equal("PC-0007", targets["10.0.0.7"].MachineName);
            Assert.Null(targets["10.0.0.8"].MachineName);
        }

        [Fact]
        public void Findings_and_removal_results_name_their_machine_too()
        {
            var b = new ReportBuilder(new FixedClock(Start));
            var finding = EngineFinding("10.0.0.9", FindingStatus.Violation);
            finding.MachineName = "PC-0009";
            ReportInput.Add(b, Of(finding));
            ReportInput.Add(b, Of(new { ComputerName = "10.0.0.10", MachineName = "PC-0010", AppName = "TikTok", Method = "Msi", Status = "Removed" }));

            var targets = b.Build().Targets.ToDictionary(t => t.ComputerName);
            Assert.Equal("PC-0009", targets["10.0.0.9"].MachineName);
            Assert.Equal("PC-0010", targets["10.0.0.10"].MachineName);
        }

        [Theory]
        [InlineData("<img src=x onerror=alert(1)>")]
        [InlineData("PC 0007")]
        [InlineData("=cmd|' /C calc'!A0")]
        public void A_machine_name_AppBan_would_not_have_read_is_not_carried_into_the_report(string hostile)
        {
            var b = new ReportBuilder(new FixedClock(Start));
            ReportInput.Add(b, Of(new { ComputerName = "10.0.0.7", MachineName = hostile, Status = "Compliant" }));
            Assert.Null(Assert.Single(b.Build().Targets).MachineName);
        }
    }
}
