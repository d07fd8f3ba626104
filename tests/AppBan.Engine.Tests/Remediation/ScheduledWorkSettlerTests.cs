using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.FanOut;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Scheduling;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Inventory.InventoryReaderTests;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>
    /// What a removal run settles after its scan, on the fake laptop: a user's removal whose app is gone is confirmed (its
    /// task and record deleted), one a new exemption covers is cancelled, and browser policy without a ban behind it is
    /// taken back. Asserted on the host's tasks, records and policy values.
    /// </summary>
    public class ScheduledWorkSettlerTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);
        private static readonly AppBanPolicy BuiltIn = PolicyLoader.BuiltIn();
        private const string CapCutUninstaller = @"C:\Users\alice\AppData\Local\CapCut\uninst.exe";
        private const string ScheduledRoot = @"HKLM\SOFTWARE\AppBan\Scheduled";
        private const string ExemptionId = "8f3c2a61-5d4e-4b7a-9c1d-2e3f4a5b6c7d";
        private static string Blocklist(string sid, string browser) =>
            @"HKU\" + sid + (browser == "Edge" ? @"\Software\Policies\Microsoft\Edge" : @"\Software\Policies\Google\Chrome") + @"\URLBlocklist";

        /// <summary>A key's values; none when the key is gone.</summary>
        private static IReadOnlyDictionary<string, object> ValuesOf(FakeWindowsHost host, string key) =>
            host.ValuesOf(key) ?? new Dictionary<string, object>();

        private static UserTaskDefinition CapCutTask(string sid = Alice) =>
            new UserTaskDefinition(sid, "capcut", "CapCut", "CapCut", CapCutUninstaller, "/S", Now.AddDays(-1));

        /// <summary>The laptop with alice's CapCut removal registered a day ago: the task and AppBan's record of it.</summary>
        private static async Task<FakeWindowsHost> LaptopWithCapCutScheduled(string sid = Alice)
        {
            var host = Laptop();
            var task = CapCutTask(sid);
            host.AddScheduledTask(UserTaskDefinition.TaskPath, task.TaskName, UserTaskXml.Build(task));
            await ScheduledWorkStore.WriteAsync(new RegistryClient(host), task.ToRecord(BuiltIn.Name), CancellationToken.None);
            return host;
        }

        private static Task<TargetScanResult> Scan(FakeWindowsHost host)
        {
            var scanner = TargetScanner.ForPolicy(BuiltIn, new FixedClock(Now));
            scanner.ReadSignedOutProfiles = false;
            return scanner.ScanAsync(host, CancellationToken.None);
        }

        private static ScheduledWorkSettler Settler(FakeWindowsHost host, AppBanPolicy policy = null) =>
            new ScheduledWorkSettler(host, null, policy ?? BuiltIn, new FixedClock(Now));

        [Fact]
        public async Task A_removal_whose_app_is_gone_is_confirmed_Removed_as_a_user_task_and_its_task_and_record_are_deleted()
        {
            using var host = await LaptopWithCapCutScheduled();
            host.DeleteKey(UserUninstall(Alice) + @"\CapCut"); // the task ran while alice was signed in
            var work = CapCutTask().WorkId;

            var results = await Settler(host).ConfirmAsync(await Scan(host), CancellationToken.None);

            var result = Assert.Single(results);
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Equal((AppKind.Exe, AppScope.User, Alice, "alice", "capcut", "CapCut"),
                (result.Kind, result.Scope, result.UserSid, result.UserName, result.RuleId, result.AppName));
            Assert.Equal("\"" + CapCutUninstaller + "\" /S", result.CommandLine);
            Assert.Equal("confirmed: gone for alice, removed in their own context by the task registered 2026-12-02T16:00:00Z; confirmed 2026-12-03T16:00:00Z",
                result.Message);
            Assert.Null(result.Error);
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.SubKeys(ScheduledRoot));
            var delete = Assert.Single(host.Calls, c => c.Method == "DeleteInstance");
            Assert.Equal(new[] { "TaskName=AppBan-" + work, @"TaskPath=\AppBan\" },
                delete.Parameters.Select(p => p.Name + "=" + p.Value.AsString()).OrderBy(x => x, StringComparer.Ordinal));
            Assert.Empty(host.CommandLines);
        }

        [Fact]
        public async Task A_removal_whose_app_is_still_there_is_left_waiting()
        {
            using var host = await LaptopWithCapCutScheduled();

            var scan = await Scan(host);
            var results = await Settler(host).ConfirmAsync(scan, CancellationToken.None);

            Assert.Empty(results);
            Assert.Equal(FindingStatus.Scheduled, scan.Findings.Single(f => f.RuleId == "capcut").Status);
            Assert.Single(host.ScheduledTasks);
            Assert.Single(host.SubKeys(ScheduledRoot));
        }

        [Fact]
        public async Task A_confirmed_task_that_is_already_gone_still_has_its_record_deleted()
        {
            // Task Scheduler deleted it (or an administrator did): the record goes all the same.
            using var host = await LaptopWithCapCutScheduled();
            host.DeleteKey(UserUninstall(Alice) + @"\CapCut");
            var task = Assert.Single(host.ScheduledTasks);
            await new TaskSchedulerClient(host).DeleteAsync(task.Path, task.Name, CancellationToken.None);

            var result = Assert.Single(await Settler(host).ConfirmAsync(await Scan(host), CancellationToken.None));

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Empty(host.SubKeys(ScheduledRoot));
        }

        [Fact]
        public async Task A_confirmed_web_app_removal_deletes_its_record_and_keeps_the_policy_that_keeps_the_site_blocked()
        {
            using var host = Laptop();
            const string webAppKey = "8f3c0e6d2b1a49c7a5e4d3c2b1a09f8e";
            var registry = new RegistryClient(host);
            await new BrowserPolicyWriter(registry).ApplyAsync(Alice, "tiktok-webapp", new[] { "tiktok.com" }, new[] { "https://www.tiktok.com/" }, BuiltIn.Name, CancellationToken.None);
            var work = WorkId.For(Alice, "tiktok-webapp", webAppKey);
            await ScheduledWorkStore.WriteAsync(registry, new ScheduledWorkRecord
            {
                WorkId = work, RuleId = "tiktok-webapp", UserSid = Alice, AppIdentity = webAppKey, AppName = "TikTok",
                TaskPath = ScheduledWork.TaskPath, TaskName = ScheduledWork.TaskNameOf(work), Command = ScheduledWork.BrowserPolicyCommand,
                Arguments = "tiktok.com https://www.tiktok.com/", Registered = Now.AddDays(-1), Expires = Now.AddDays(29), Policy = BuiltIn.Name,
            }, CancellationToken.None);
            host.DeleteKey(UserUninstall(Alice) + "\\" + webAppKey); // the browser unregistered it

            var result = Assert.Single(await Settler(host).ConfirmAsync(await Scan(host), CancellationToken.None));

            Assert.Equal((RemovalStatus.Removed, RemovalMethod.BrowserPolicy, AppKind.WebApp), (result.Status, result.Method, result.Kind));
            Assert.Null(result.CommandLine);
            Assert.Contains("under the browser policy written 2026-12-02T16:00:00Z", result.Message);
            Assert.Empty(host.SubKeys(ScheduledRoot));
            Assert.DoesNotContain(host.Calls, c => c.Method == "DeleteInstance");
            Assert.Equal("tiktok.com", host.ValuesOf(Blocklist(Alice, "Edge"))["1"]);
        }

        private static void GrantDeviceExemption(FakeWindowsHost host, string ruleId, string sid)
        {
            var key = @"HKLM\" + DeviceExemptionStore.KeyOf(ExemptionId);
            host.SetValue(key, DeviceExemptionStore.RuleIdValue, ruleId);
            host.SetValue(key, DeviceExemptionStore.UserSidValue, sid);
            host.SetValue(key, DeviceExemptionStore.ReasonValue, "Video team");
        }

        [Fact]
        public async Task A_new_exemption_cancels_the_users_waiting_removal_and_says_so()
        {
            using var host = await LaptopWithCapCutScheduled();
            GrantDeviceExemption(host, "capcut", Alice);

            var scan = await Scan(host);
            var notes = await Settler(host).CancelForExemptAsync(scan, CancellationToken.None);

            Assert.Equal(FindingStatus.Exempt, scan.Findings.Single(f => f.RuleId == "capcut").Status);
            Assert.Equal(new[] { "laptop-01: the scheduled removal of CapCut for alice was cancelled: " + ExemptionId + " now covers it" }, notes);
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.SubKeys(ScheduledRoot));
            Assert.True(host.KeyExists(UserUninstall(Alice) + @"\CapCut"));
        }

        [Fact]
        public async Task An_exemption_of_another_user_cancels_nothing()
        {
            using var host = await LaptopWithCapCutScheduled();
            GrantDeviceExemption(host, "capcut", Bob);

            var notes = await Settler(host).CancelForExemptAsync(await Scan(host), CancellationToken.None);

            Assert.Empty(notes);
            Assert.Single(host.ScheduledTasks);
            Assert.Single(host.SubKeys(ScheduledRoot));
        }

        private static Task Apply(FakeWindowsHost host, string ruleId, string policyName) =>
            new BrowserPolicyWriter(new RegistryClient(host)).ApplyAsync(Alice, ruleId, new[] { "tiktok.com" }, Array.Empty<string>(), policyName, CancellationToken.None);

        [Fact]
        public async Task Browser_policy_of_a_rule_the_policy_no_longer_has_is_taken_back_and_the_administrators_entries_stay()
        {
            using var host = Laptop();
            host.SetValue(Blocklist(Alice, "Edge"), "1", "example.com");
            await Apply(host, "old-webapp", BuiltIn.Name);
            Assert.Equal("tiktok.com", host.ValuesOf(Blocklist(Alice, "Edge"))["2"]);

            var notes = await Settler(host).CancelForExemptAsync(await Scan(host), CancellationToken.None);

            Assert.Equal(new[] { "example.com" }, host.ValuesOf(Blocklist(Alice, "Edge")).Values);
            Assert.Empty(ValuesOf(host, Blocklist(Alice, "Chrome")));
            Assert.Empty(host.SubKeys(@"HKLM\SOFTWARE\AppBan\BrowserPolicy\" + Alice));
            Assert.Equal(2, notes.Count);
            Assert.All(notes, n => Assert.StartsWith("laptop-01: browser policy AppBan wrote for alice (old-webapp) was taken back: ", n));
        }

        [Fact]
        public async Task Browser_policy_of_a_rule_still_banned_or_written_under_another_policy_stays()
        {
            using var host = Laptop();
            await Apply(host, "tiktok-webapp", BuiltIn.Name);
            using var other = Laptop();
            await Apply(other, "old-webapp", "Another policy");

            Assert.Empty(await Settler(host).CancelForExemptAsync(await Scan(host), CancellationToken.None));
            Assert.Empty(await Settler(other).CancelForExemptAsync(await Scan(other), CancellationToken.None));

            Assert.Equal("tiktok.com", host.ValuesOf(Blocklist(Alice, "Edge"))["1"]);
            Assert.Equal("tiktok.com", other.ValuesOf(Blocklist(Alice, "Edge"))["1"]);
            Assert.Equal(2, other.SubKeys(@"HKLM\SOFTWARE\AppBan\BrowserPolicy\" + Alice).Count);
        }

        [Fact]
        public async Task Browser_policy_of_a_user_now_exempt_from_its_rule_is_taken_back()
        {
            using var host = Laptop();
            await Apply(host, "tiktok-webapp", BuiltIn.Name);
            GrantDeviceExemption(host, "tiktok-webapp", Alice);

            var notes = await Settler(host).CancelForExemptAsync(await Scan(host), CancellationToken.None);

            Assert.Equal(2, notes.Count);
            Assert.Empty(ValuesOf(host, Blocklist(Alice, "Edge")));
            Assert.Empty(ValuesOf(host, Blocklist(Alice, "Chrome")));
            Assert.Empty(host.SubKeys(@"HKLM\SOFTWARE\AppBan\BrowserPolicy\" + Alice));
        }

        // ---- In a removal run ----

        private static List<FanOutEvent> ScanAndRemove(FakeWindowsHost host, bool settle)
        {
            using var runner = new FanOutRunner(1);
            var settings = RunDriver.Settings(s => new FakeVerifier((FakeWindowsHost)s));
            settings.Clock = new FixedClock(Now);
            settings.SettleScheduledWork = settle;
            settings.RuleIds = new[] { "capcut" };
            var run = new RemediationRun(runner, settings);
            run.AddTarget(host.ComputerName, removals: true);
            runner.Add(host.ComputerName, (sink, ct) => run.ScanAndRemoveAsync(host, sink, ct));
            return RunDriver.CompleteAndDrain(runner);
        }

        [Fact]
        public async Task A_removal_run_posts_the_confirmation_as_a_result_and_deletes_the_finished_work()
        {
            using var host = await LaptopWithCapCutScheduled();
            host.DeleteKey(UserUninstall(Alice) + @"\CapCut");

            var result = Assert.Single(RunDriver.Results(ScanAndRemove(host, settle: true)));

            Assert.Equal((RemovalStatus.Removed, RemovalMethod.UserTask, Alice), (result.Status, result.Method, result.UserSid));
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.SubKeys(ScheduledRoot));
        }

        [Fact]
        public async Task Without_settling_a_run_leaves_finished_work_as_it_is()
        {
            using var host = await LaptopWithCapCutScheduled();
            host.DeleteKey(UserUninstall(Alice) + @"\CapCut");

            Assert.Empty(RunDriver.Results(ScanAndRemove(host, settle: false)));

            Assert.Single(host.ScheduledTasks);
            Assert.Single(host.SubKeys(ScheduledRoot));
        }

        [Fact]
        public async Task Settling_that_fails_is_a_warning_and_the_removals_go_on()
        {
            using var host = await LaptopWithCapCutScheduled();
            host.DeleteKey(UserUninstall(Alice) + @"\CapCut");
            host.ThrowFor = call => call.Method == "DeleteInstance" ? new CimException(CimErrorKind.AccessDenied, "laptop-01", "Access is denied.") : null;

            var events = ScanAndRemove(host, settle: true);

            Assert.Contains(events, e => e.Kind == FanOutEventKind.Warning
                                         && (string)e.Data == "laptop-01: AppBan's scheduled work could not be settled: Access is denied.");
            Assert.Empty(RunDriver.Results(events));
            Assert.DoesNotContain(events, e => e.Kind == FanOutEventKind.Failed);
            Assert.Single(host.ScheduledTasks);
            Assert.Single(host.SubKeys(ScheduledRoot));
        }
    }
}
