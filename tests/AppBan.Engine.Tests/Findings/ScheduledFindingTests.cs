using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Scheduling;
using AppBan.Engine.Tests.Fakes;
using AppBan.Engine.Tests.Inventory;
using Xunit;
using static AppBan.Engine.Tests.Inventory.InventoryReaderTests;

namespace AppBan.Engine.Tests.Findings
{
    /// <summary>
    /// A violation whose user already has AppBan's removal waiting (an unexpired record of a task or of browser policy) is
    /// Scheduled; a record whose app a scan no longer finds, for a user it read, is work a removal run confirms.
    /// </summary>
    public class ScheduledFindingTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);
        private static readonly AppBanPolicy BuiltIn = PolicyLoader.BuiltIn();
        private const string CapCutUninstaller = @"C:\Users\alice\AppData\Local\CapCut\uninst.exe";

        private static ScheduledWorkRecord Record(string sid, string ruleId, string appIdentity, DateTimeOffset registered) =>
            new UserTaskDefinition(sid, ruleId, appIdentity, appIdentity, CapCutUninstaller, "/S", registered).ToRecord(BuiltIn.Name);

        private static InstalledApp App(string sid, string keyName) => new InstalledApp
        {
            ComputerName = "laptop-01", Kind = AppKind.Exe, Scope = AppScope.User, UserSid = sid, KeyName = keyName,
            KeyPath = UserUninstall(sid) + "\\" + keyName, DisplayName = keyName,
        };

        private static Finding Violation(InstalledApp app, string ruleId = "capcut", FindingStatus status = FindingStatus.Violation) =>
            new Finding { RuleId = ruleId, App = app, Status = status };

        private static InventoryResult Inventory(params InstalledApp[] apps) =>
            new InventoryResult { Apps = apps, UsersNotScanned = Array.Empty<UserNotScanned>() };

        // ---- MarkScheduled ----

        [Fact]
        public void A_violation_with_a_live_record_for_its_user_app_and_rule_is_Scheduled_with_the_records_dates()
        {
            var app = App(Alice, "CapCut");
            var finding = Violation(app);
            var record = Record(Alice, "capcut", "CapCut", Now.AddDays(-2));

            var completed = TargetScanner.MarkScheduled(new[] { finding }, Inventory(app), new[] { record }, Now);

            Assert.Equal(FindingStatus.Scheduled, finding.Status);
            Assert.Equal(Now.AddDays(-2), finding.ScheduledAt);
            Assert.Equal(Now.AddDays(28), finding.ScheduledUntil);
            Assert.Empty(completed);
        }

        [Fact]
        public void An_expired_record_leaves_the_violation_a_violation()
        {
            var app = App(Alice, "CapCut");
            var finding = Violation(app);
            // Expires exactly now: the task's triggers have ended.
            var record = Record(Alice, "capcut", "CapCut", Now - UserTaskDefinition.Lifetime);

            var completed = TargetScanner.MarkScheduled(new[] { finding }, Inventory(app), new[] { record }, Now);

            Assert.Equal(FindingStatus.Violation, finding.Status);
            Assert.Null(finding.ScheduledAt);
            Assert.Empty(completed);
        }

        [Fact]
        public void A_record_of_another_user_app_or_rule_does_not_mark_the_violation()
        {
            var app = App(Alice, "CapCut");
            var records = new[]
            {
                Record(Bob, "capcut", "CapCut", Now),
                Record(Alice, "capcut", "CapCut Helper", Now),
                Record(Alice, "tiktok-store", "CapCut", Now),
            };
            var finding = Violation(app);

            TargetScanner.MarkScheduled(new[] { finding }, Inventory(app), records, Now);

            Assert.Equal(FindingStatus.Violation, finding.Status);
        }

        [Theory]
        [InlineData(FindingStatus.Exempt)]
        [InlineData(FindingStatus.GracePeriod)]
        public void Only_a_violation_becomes_Scheduled(FindingStatus status)
        {
            var app = App(Alice, "CapCut");
            var finding = Violation(app, status: status);

            TargetScanner.MarkScheduled(new[] { finding }, Inventory(app), new[] { Record(Alice, "capcut", "CapCut", Now) }, Now);

            Assert.Equal(status, finding.Status);
            Assert.Null(finding.ScheduledAt);
        }

        [Fact]
        public void A_record_whose_app_is_gone_for_a_user_who_was_read_is_completed_work()
        {
            var record = Record(Alice, "capcut", "CapCut", Now.AddDays(-1));
            var other = App(Alice, "Notes");

            var completed = TargetScanner.MarkScheduled(Array.Empty<Finding>(), Inventory(other), new[] { record }, Now);

            Assert.Same(record, Assert.Single(completed));
        }

        [Theory]
        [InlineData(false, false)]
        [InlineData(false, true)]
        [InlineData(true, false)]
        public void A_record_of_a_user_whose_apps_were_not_read_is_not_completed(bool entriesRead, bool packagesRead)
        {
            var record = Record(Carol, "capcut", "CapCut", Now.AddDays(-1));
            var inventory = Inventory();
            inventory.UsersNotScanned = new[]
            {
                new UserNotScanned { Sid = Carol, UserName = "carol", Reason = UserNotScannedReason.HiveNotLoaded, UninstallEntriesRead = entriesRead, StorePackagesRead = packagesRead },
            };

            Assert.Empty(TargetScanner.MarkScheduled(Array.Empty<Finding>(), inventory, new[] { record }, Now));
        }

        // ---- Compliance ----

        private static Finding F(FindingStatus status) => new Finding { Status = status, RuleId = "r" };

        [Fact]
        public void Scheduled_is_not_compliant_and_comes_after_violations_and_partial_scans_and_before_grace_periods()
        {
            Assert.Equal(ComplianceStatus.Scheduled, ComplianceRules.StatusOf(null, false, new[] { F(FindingStatus.Scheduled), F(FindingStatus.Exempt) }));
            Assert.Equal(ComplianceStatus.Scheduled, ComplianceRules.StatusOf(null, false, new[] { F(FindingStatus.GracePeriod), F(FindingStatus.Scheduled) }));
            Assert.Equal(ComplianceStatus.NonCompliant, ComplianceRules.StatusOf(null, false, new[] { F(FindingStatus.Scheduled), F(FindingStatus.Violation) }));
            Assert.Equal(ComplianceStatus.Partial, ComplianceRules.StatusOf(null, true, new[] { F(FindingStatus.Scheduled) }));
            Assert.False(ComplianceRules.IsCompliant(ComplianceStatus.Scheduled));
        }

        // ---- The scan, on the fake laptop ----

        private static TargetScanner Scanner(params string[] ruleIds)
        {
            var scanner = TargetScanner.ForPolicy(BuiltIn, new FixedClock(Now), ruleIds.Length == 0 ? null : ruleIds);
            scanner.ReadSignedOutProfiles = false;
            return scanner;
        }

        private static Task Write(FakeWindowsHost host, ScheduledWorkRecord record) =>
            ScheduledWorkStore.WriteAsync(new RegistryClient(host), record, CancellationToken.None);

        [Fact]
        public async Task A_target_whose_only_violation_waits_for_its_user_is_Scheduled()
        {
            using var host = Laptop();
            await Write(host, Record(Alice, "capcut", "CapCut", Now.AddDays(-1)));

            var result = await Scanner("capcut").ScanAsync(host, CancellationToken.None);

            Assert.Null(result.Error);
            var finding = Assert.Single(result.Findings);
            Assert.Equal(FindingStatus.Scheduled, finding.Status);
            Assert.Equal(Now.AddDays(-1), finding.ScheduledAt);
            Assert.Equal(ComplianceStatus.Scheduled, result.Status);
            Assert.Equal((0, 1), (result.ViolationCount, result.ScheduledCount));
            Assert.Single(result.ScheduledWork);
            Assert.Empty(result.CompletedWork);
        }

        [Fact]
        public async Task An_expired_record_on_the_target_leaves_it_NonCompliant()
        {
            using var host = Laptop();
            await Write(host, Record(Alice, "capcut", "CapCut", Now.AddDays(-31)));

            var result = await Scanner("capcut").ScanAsync(host, CancellationToken.None);

            Assert.Equal(FindingStatus.Violation, Assert.Single(result.Findings).Status);
            Assert.Equal(ComplianceStatus.NonCompliant, result.Status);
        }

        [Fact]
        public async Task Records_whose_app_is_gone_are_completed_only_for_users_the_scan_read()
        {
            using var host = Laptop();
            host.DeleteKey(UserUninstall(Alice) + @"\CapCut");
            var alices = Record(Alice, "capcut", "CapCut", Now.AddDays(-1));
            // Carol is signed out and her hive is not read here: the absence of her app proves nothing.
            var carols = Record(Carol, "capcut", "CapCut", Now.AddDays(-1));
            await Write(host, alices);
            await Write(host, carols);

            var result = await Scanner().ScanAsync(host, CancellationToken.None);

            Assert.Contains(result.UsersNotScanned, u => u.Sid == Carol);
            Assert.Equal(alices.WorkId, Assert.Single(result.CompletedWork).WorkId);
            Assert.Equal(2, result.ScheduledWork.Count);
            Assert.DoesNotContain(result.Findings, f => f.Status == FindingStatus.Scheduled);
            // The scan only reads: both records stay until a removal run settles them.
            Assert.Equal(2, host.SubKeys(@"HKLM\" + ScheduledWorkStore.RootKey).Count);
        }

        [Fact]
        public async Task A_record_that_cannot_be_trusted_is_named_and_the_violation_stays()
        {
            using var host = Laptop();
            var record = Record(Alice, "capcut", "CapCut", Now.AddDays(-1));
            await Write(host, record);
            // Someone pointed the record at another task: it is ignored, never followed.
            host.SetValue(@"HKLM\" + ScheduledWorkStore.KeyOf(record.WorkId), ScheduledWorkStore.TaskNameValue, "Other-Task");

            var result = await Scanner("capcut").ScanAsync(host, CancellationToken.None);

            Assert.Equal(FindingStatus.Violation, Assert.Single(result.Findings).Status);
            Assert.Empty(result.ScheduledWork);
            Assert.Contains(result.Warnings, w => w.Contains(record.WorkId) && w.Contains("the record is ignored"));
        }

        [Fact]
        public async Task Scheduled_work_that_cannot_be_read_is_a_warning_and_the_findings_stay_violations()
        {
            using var host = Laptop();
            await Write(host, Record(Alice, "capcut", "CapCut", Now.AddDays(-1)));
            host.Deny(@"HKLM\" + ScheduledWorkStore.RootKey);

            var result = await Scanner("capcut").ScanAsync(host, CancellationToken.None);

            Assert.Null(result.Error);
            Assert.Equal(FindingStatus.Violation, Assert.Single(result.Findings).Status);
            Assert.Contains(result.Warnings, w => w.Contains("AppBan's scheduled work on laptop-01 cannot be read"));
        }
    }
}
