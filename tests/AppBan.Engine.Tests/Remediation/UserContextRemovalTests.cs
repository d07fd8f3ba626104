using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using System.Xml.Linq;
using AppBan.Engine.Findings;
using AppBan.Engine.FanOut;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Scheduling;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>
    /// Per-user apps are removed in their user's own context: a task that runs as that user (never elevated) for uninstall
    /// entries and Store packages, browser policy in the user's hive for web apps. What the planner decides and shows, and
    /// what the executor leaves on the host: the registered task and its XML, AppBan's record, the policy values, and
    /// what ran as whom.
    /// </summary>
    public class UserContextRemovalTests
    {
        private const string PolicyName = "Contoso baseline";
        private const string UserUninstall = @"HKU\" + AliceSid + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\";
        private const string CapCutKey = UserUninstall + "CapCut";
        private const string CapCutUninstaller = @"C:\Users\alice\AppData\Local\CapCut\uninst.exe";
        private const string CapCutTaskLine = "\"" + CapCutUninstaller + "\" /S";
        private const string ScheduledRoot = @"HKLM\SOFTWARE\AppBan\Scheduled";
        private const string PowerShell = @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
        private static readonly XNamespace T = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);
        private static readonly string CapCutWork = WorkId.For(AliceSid, "capcut", "CapCut");
        private static readonly RuleRemovalOptions WebAppRemoval = new RuleRemovalOptions(false, null, new[] { "tiktok.com" }, new[] { "https://www.tiktok.com/" });

        // ---- What the planner decides ----

        private static InstalledApp UserEntry(string keyName, string uninstall, string quiet = null, AppKind kind = AppKind.Exe) => new InstalledApp
        {
            ComputerName = "PC01", Kind = kind, Scope = AppScope.User, RegistryView = RegistryView.User, UserSid = AliceSid, UserName = @"CONTOSO\alice",
            DisplayName = keyName, KeyName = keyName, KeyPath = UserUninstall + keyName, UninstallString = uninstall, QuietUninstallString = quiet,
            FromUserWritableLocation = true, WindowsInstaller = kind == AppKind.Msi, ProductCode = kind == AppKind.Msi ? keyName : null,
        };

        private static Finding For(InstalledApp app, string ruleId = "capcut") =>
            new Finding { RuleId = ruleId, RuleName = ruleId, App = app, Status = FindingStatus.Violation, PolicyName = PolicyName };

        private static RemovalPlan Plan(Finding finding, RuleRemovalOptions removal = null, TargetEnvironment environment = null) =>
            RemovalPlanner.Plan(new RemovalRequest(finding, removal), environment ?? TargetEnvironment.WindowsDefaults);

        public static IEnumerable<object[]> PerUserKinds() => new[]
        {
            // Squirrel (Discord): Update.exe with AppBan's own arguments, whatever the entry adds.
            new object[] { UserEntry("Discord", @"C:\Users\alice\AppData\Local\Discord\Update.exe --uninstall"), null,
                "\"C:\\Users\\alice\\AppData\\Local\\Discord\\Update.exe\" --uninstall -s" },
            // Inno Setup (VS Code user setup), by its key name.
            new object[] { UserEntry("{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1", "\"C:\\Users\\alice\\AppData\\Local\\Programs\\Microsoft VS Code\\unins000.exe\""), null,
                "\"C:\\Users\\alice\\AppData\\Local\\Programs\\Microsoft VS Code\\unins000.exe\" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART" },
            // NSIS (CapCut), by its uninstaller's name.
            new object[] { UserEntry("CapCut", "\"" + CapCutUninstaller + "\""), null, CapCutTaskLine },
            // Another uninstaller whose entry says how to run it quietly.
            new object[] { UserEntry("Notes", "\"C:\\Users\\alice\\AppData\\Local\\Notes\\remove.exe\"", "\"C:\\Users\\alice\\AppData\\Local\\Notes\\remove.exe\" --quiet"), null,
                "\"C:\\Users\\alice\\AppData\\Local\\Notes\\remove.exe\" --quiet" },
            // Another uninstaller with the rule's silent switches.
            new object[] { UserEntry("Notes", "\"C:\\Users\\alice\\AppData\\Local\\Notes\\remove.exe\" --log"), new RuleRemovalOptions(false, new[] { "--silent" }),
                "\"C:\\Users\\alice\\AppData\\Local\\Notes\\remove.exe\" --log --silent" },
            // Windows Installer, for this user: msiexec from Windows with the product code alone.
            new object[] { UserEntry(ProductCode, "MsiExec.exe /X" + ProductCode, kind: AppKind.Msi), null,
                "\"C:\\Windows\\System32\\msiexec.exe\" /x " + ProductCode + " /qn /norestart" },
        };

        [Theory]
        [MemberData(nameof(PerUserKinds))]
        public void Each_kind_of_per_user_entry_plans_a_task_as_its_user_with_the_command_AppBan_builds(InstalledApp app, RuleRemovalOptions removal, string command)
        {
            var plan = Plan(For(app), removal);

            Assert.Equal(RemovalDecision.RunAsUser, plan.Decision);
            Assert.Equal(RemovalMethod.UserTask, plan.Method);
            Assert.Null(plan.FinalStatus);
            Assert.True(plan.ChangesTarget);
            Assert.False(plan.Deferred);
            Assert.Equal(command, plan.CommandLine);
            Assert.Null(plan.FallbackCommandLine);
            Assert.Null(plan.ProductCode);
        }

        [Fact]
        public void A_per_user_entry_without_a_silent_form_is_left_to_its_user()
        {
            var plan = Plan(For(UserEntry("Notes", "\"C:\\Users\\alice\\AppData\\Local\\Notes\\remove.exe\"")));
            Assert.Equal(RemovalDecision.RequiresUserAction, plan.Decision);
            Assert.Equal(RemovalMethod.None, plan.Method);
            Assert.Null(plan.CommandLine);
            Assert.False(plan.ChangesTarget);
            Assert.Contains(@"Ask CONTOSO\alice to uninstall it from Settings > Apps", plan.Reason);
        }

        [Fact]
        public void Before_the_target_is_known_the_plan_already_says_it_runs_as_the_user_and_is_made_again_later()
        {
            var preview = RemovalPlanner.Plan(new RemovalRequest(For(UserEntry("CapCut", "\"" + CapCutUninstaller + "\""))), null);
            Assert.Equal(RemovalDecision.RunAsUser, preview.Decision);
            Assert.True(preview.Deferred);
            Assert.Equal(CapCutTaskLine, preview.CommandLine);
        }

        [Fact]
        public void The_question_for_a_users_task_names_the_user_says_never_elevated_and_shows_the_exact_command()
        {
            var plan = Plan(For(UserEntry("CapCut", "\"" + CapCutUninstaller + "\"")));
            Assert.Equal(@"Schedule a task that runs as CONTOSO\alice (never elevated), now if signed in and at each sign-in for 30 days: " + CapCutTaskLine, plan.Action);
            Assert.Equal(@"CapCut (User CONTOSO\alice) on PC01", plan.Target);
            Assert.DoesNotContain("Uninstall via", plan.Action);
        }

        [Fact]
        public void The_run_previews_a_users_task_for_approval_as_RunAsUser()
        {
            using var runner = new FanOutRunner(1);
            var run = new RemediationRun(runner, new RemediationSettings { Policy = PolicyLoader.BuiltIn() });
            var app = UserEntry("CapCut", "\"" + CapCutUninstaller + "\"");
            var preview = run.Preview(For(app));
            Assert.Equal(RemovalDecision.RunAsUser, preview.Decision);
            Assert.Equal(RemovalDecision.RunAsUser, preview.Request.ApprovedDecision);
            Assert.Contains(@"runs as CONTOSO\alice (never elevated)", preview.Action);
        }

        [Fact]
        public void A_web_app_whose_rule_blocks_sites_plans_browser_policy_for_its_user()
        {
            var plan = Plan(For(WebApp(), "tiktok-webapp"), WebAppRemoval);
            Assert.Equal(RemovalDecision.BlockInBrowser, plan.Decision);
            Assert.Equal(RemovalMethod.BrowserPolicy, plan.Method);
            Assert.Null(plan.FinalStatus);
            Assert.True(plan.ChangesTarget);
            Assert.Null(plan.CommandLine);
            Assert.Equal("Block tiktok.com and unregister the web app https://www.tiktok.com/ through Edge and Chrome policy for " + AliceSid +
                         @" (CONTOSO\alice; administrators only can change it)", plan.Action);
        }

        [Fact]
        public void A_web_app_whose_rule_names_no_sites_is_left_to_its_user()
        {
            var plan = Plan(For(WebApp(), "tiktok-webapp"), new RuleRemovalOptions(false));
            Assert.Equal(RemovalDecision.RequiresUserAction, plan.Decision);
            Assert.False(plan.ChangesTarget);
            Assert.Contains("removal.blockSites", plan.Reason);
            Assert.Contains("edge://apps", plan.Reason);
        }

        [Fact]
        public void A_web_app_of_an_account_that_is_not_a_persons_gets_no_policy()
        {
            var app = WebApp();
            app.UserSid = "S-1-5-18";
            var plan = Plan(For(app, "tiktok-webapp"), WebAppRemoval);
            Assert.Equal(RemovalDecision.Refuse, plan.Decision);
            Assert.Contains("no browser policy is written", plan.Reason);
        }

        // ---- What the executor leaves on the host ----

        /// <summary>PC01 with alice's profile and CapCut entry; alice is signed in (her hive is loaded) unless told otherwise.</summary>
        private static FakeWindowsHost Host(bool aliceSignedIn = true)
        {
            var host = new FakeWindowsHost("PC01") { Account = @"PC01\Administrator" };
            host.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion", "SystemRoot", @"C:\Windows");
            host.Key(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\" + AliceSid).Expand("ProfileImagePath", @"C:\Users\alice");
            if (aliceSignedIn) host.SetValue(CapCutKey, "DisplayName", "CapCut");
            return host;
        }

        private static RemovalExecutorOptions Options(IClock clock = null) => new RemovalExecutorOptions
        {
            Timeout = TimeSpan.FromMinutes(1),
            PollInterval = TimeSpan.FromMilliseconds(5),
            UserTaskWait = TimeSpan.FromMilliseconds(100),
            Clock = clock ?? new FixedClock(Now),
            PolicyName = PolicyName,
        };

        private static Task<RemovalResult> Remove(FakeWindowsHost host, Finding finding, RuleRemovalOptions removal = null, IClock clock = null) =>
            new RemovalExecutor(host, new FakeVerifier(host), Options(clock)).ExecuteAsync(new RemovalRequest(finding, removal));

        private static Finding CapCut() => For(UserEntry("CapCut", "\"" + CapCutUninstaller + "\""));

        private static XElement Principal(FakeScheduledTask task) => XDocument.Parse(task.Xml).Descendants(T + "Principal").Single();

        private static (string Command, string Arguments) Action(FakeScheduledTask task)
        {
            var exec = XDocument.Parse(task.Xml).Descendants(T + "Exec").Single();
            return (exec.Element(T + "Command")?.Value, exec.Element(T + "Arguments")?.Value);
        }

        /// <summary>The task runs as the user's own SID, only in their session, never elevated; and only they sign in to start it.</summary>
        private static void AssertRunsAsTheUserOnly(FakeScheduledTask task, string sid)
        {
            var principal = Principal(task);
            Assert.Equal(sid, principal.Element(T + "UserId")?.Value);
            Assert.Equal("InteractiveToken", principal.Element(T + "LogonType")?.Value);
            Assert.Equal("LeastPrivilege", principal.Element(T + "RunLevel")?.Value);
            Assert.Equal(sid, XDocument.Parse(task.Xml).Descendants(T + "LogonTrigger").Single().Element(T + "UserId")?.Value);
        }

        [Fact]
        public async Task A_signed_in_users_removal_is_a_task_registered_as_her_with_AppBans_record_and_nothing_elevated()
        {
            var host = Host();

            var result = await Remove(host, CapCut());

            var task = Assert.Single(host.ScheduledTasks);
            Assert.Equal(@"\AppBan\", task.Path);
            Assert.Equal("AppBan-" + CapCutWork, task.Name);
            Assert.Equal(@"PC01\Administrator", task.RegisteredBy);
            AssertRunsAsTheUserOnly(task, AliceSid);
            Assert.Equal((CapCutUninstaller, "/S"), Action(task));
            Assert.Equal(new Dictionary<string, object>
            {
                ["RuleId"] = "capcut", ["UserSid"] = AliceSid, ["AppIdentity"] = "CapCut", ["AppName"] = "CapCut",
                ["TaskPath"] = @"\AppBan\", ["TaskName"] = "AppBan-" + CapCutWork, ["Command"] = CapCutUninstaller, ["Arguments"] = "/S",
                ["Registered"] = "2026-12-03T16:00:00Z", ["Expires"] = "2027-01-02T16:00:00Z", ["Policy"] = PolicyName,
            }, host.ValuesOf(ScheduledRoot + "\\" + CapCutWork).ToDictionary(v => v.Key, v => v.Value));

            // The fake does not run tasks here: the removal waits for a later run to confirm it.
            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Equal(CapCutTaskLine, result.CommandLine);
            Assert.Null(result.Error);
            Assert.Equal(@"scheduled 2026-12-03T16:00:00Z for CONTOSO\alice: the task started in their session and had not finished; " +
                         "a later run confirms the removal, until 2027-01-02T16:00:00Z", result.Message);
            Assert.True(host.KeyExists(CapCutKey));
            Assert.Empty(host.CommandLines);
        }

        [Fact]
        public async Task A_task_that_removes_the_app_while_the_removal_waits_is_Removed_and_its_task_and_record_are_deleted()
        {
            var host = Host();
            host.RunsTasksAtRegistration = true;
            host.Programs = (line, _) => line == CapCutTaskLine
                ? new FakeProgram { ExitCode = 0, Effect = h => h.DeleteKey(CapCutKey) }
                : new FakeProgram { ExitCode = 1 };

            var result = await Remove(host, CapCut());

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Equal(@"removed by a task that ran as CONTOSO\alice in their own session, never elevated", result.Message);
            var run = Assert.Single(host.TaskRuns);
            Assert.Equal(AliceSid, run.UserId);
            Assert.False(run.Elevated);
            Assert.Equal("InteractiveToken", run.LogonType);
            Assert.Equal(CapCutTaskLine, run.CommandLine);
            Assert.False(host.KeyExists(CapCutKey));
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.SubKeys(ScheduledRoot));
            Assert.Empty(host.CommandLines);
        }

        [Fact]
        public async Task A_removed_app_whose_task_cannot_be_deleted_is_still_Removed_and_its_record_waits_for_the_next_run()
        {
            var host = Host();
            host.RunsTasksAtRegistration = true;
            host.Programs = (line, _) => new FakeProgram { ExitCode = 0, Effect = h => h.DeleteKey(CapCutKey) };
            host.ThrowFor = call => call.Method == "DeleteInstance"
                ? new AppBan.Engine.Cim.CimException(AppBan.Engine.Cim.CimErrorKind.AccessDenied, "PC01", "Access is denied.")
                : null;

            var result = await Remove(host, CapCut());

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Null(result.Error);
            Assert.Contains("its task and record stay until the next removal run confirms it (AccessDenied: Access is denied.)", result.Message);
            Assert.Single(host.ScheduledTasks);
            Assert.True(host.KeyExists(ScheduledRoot + "\\" + CapCutWork));
        }

        [Fact]
        public async Task Running_twice_registers_one_task_and_says_it_is_already_scheduled_since_the_first_run()
        {
            var host = Host();
            var clock = new FixedClock(Now);
            var first = await Remove(host, CapCut(), clock: clock);
            clock.UtcNow = Now.AddHours(3);

            var second = await Remove(host, CapCut(), clock: clock);

            Assert.Equal(RemovalStatus.Scheduled, first.Status);
            Assert.Equal(RemovalStatus.Scheduled, second.Status);
            Assert.Equal(1, host.Counts["RegisterByXml"]);
            var task = Assert.Single(host.ScheduledTasks);
            Assert.Contains("<StartBoundary>2026-12-03T16:00:00Z</StartBoundary>", task.Xml);
            Assert.Equal(@"already scheduled 2026-12-03T16:00:00Z for CONTOSO\alice: the task \AppBan\AppBan-" + CapCutWork +
                         " runs as them at their next sign-in, until 2027-01-02T16:00:00Z", second.Message);
            // The record keeps the task's own dates: it is not live longer than the task.
            var record = host.ValuesOf(ScheduledRoot + "\\" + CapCutWork);
            Assert.Equal("2026-12-03T16:00:00Z", record["Registered"]);
            Assert.Equal("2027-01-02T16:00:00Z", record["Expires"]);
        }

        [Fact]
        public async Task A_task_that_no_longer_runs_the_same_command_is_replaced_not_added()
        {
            var host = Host();
            await Remove(host, CapCut());
            var changed = For(UserEntry("CapCut", "\"C:\\Users\\alice\\AppData\\Local\\CapCut\\Apps\\uninst.exe\""));

            var result = await Remove(host, changed);

            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(2, host.Counts["RegisterByXml"]);
            Assert.Equal((@"C:\Users\alice\AppData\Local\CapCut\Apps\uninst.exe", "/S"), Action(Assert.Single(host.ScheduledTasks)));
            Assert.Equal(@"C:\Users\alice\AppData\Local\CapCut\Apps\uninst.exe", host.ValuesOf(ScheduledRoot + "\\" + CapCutWork)["Command"]);
        }

        [Fact]
        public async Task A_signed_out_users_removal_is_scheduled_for_her_next_sign_in_and_nothing_runs_now()
        {
            // Her entry was read from her hive while it was loaded for the scan; HKU\<SID> is not loaded now.
            var host = Host(aliceSignedIn: false);
            host.RunsTasksAtRegistration = true;

            var result = await Remove(host, CapCut());

            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(@"scheduled 2026-12-03T16:00:00Z for CONTOSO\alice: the task \AppBan\AppBan-" + CapCutWork +
                         " runs as them at their next sign-in, until 2027-01-02T16:00:00Z", result.Message);
            AssertRunsAsTheUserOnly(Assert.Single(host.ScheduledTasks), AliceSid);
            Assert.True(host.KeyExists(ScheduledRoot + "\\" + CapCutWork));
            Assert.Empty(host.TaskRuns);
            Assert.Empty(host.CommandLines);
            Assert.False(host.KeyExists(@"HKU\" + AliceSid));
        }

        [Fact]
        public async Task A_hostile_per_user_entry_registers_nothing_and_runs_nothing()
        {
            var host = Host();
            var hostile = For(UserEntry("CapCut", "cmd.exe /c net user attacker P@ss /add & net localgroup administrators attacker /add"));

            var result = await Remove(host, hostile);

            Assert.Equal(RemovalStatus.Refused, result.Status);
            Assert.Null(result.CommandLine);
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.KeysUnder(@"HKLM\SOFTWARE\AppBan"));
            Assert.Empty(host.CommandLines);
        }

        private static FakeWindowsHost StoreHost(bool aliceSignedIn = true)
        {
            var host = Host(aliceSignedIn);
            host.Packages.Add(AliceSid + "|" + TikTokPackage);
            host.Packages.Add(BobSid + "|" + TikTokPackage);
            return host;
        }

        private static readonly string StoreTaskArguments =
            "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxPackage -Package '" + TikTokPackage + "' -ErrorAction Stop\"";

        [Fact]
        public async Task A_store_app_the_elevated_User_removal_leaves_is_scheduled_as_a_task_of_that_user_without_User()
        {
            var host = StoreHost();
            // -User exits 0 and leaves the package; -AllUsers is not allowed (bob's copy).
            host.Programs = (_, __) => new FakeProgram { ExitCode = 0 };

            var result = await Remove(host, For(StoreApp(), "tiktok-store"));

            Assert.Equal(new[] { RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid) }, host.InnerCommands);
            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Equal("\"" + PowerShell + "\" " + StoreTaskArguments, result.CommandLine);
            Assert.Contains("(the elevated removal for this user left it: PC01: the uninstaller reported success, but the re-scan still finds the app", result.Message);
            var task = Assert.Single(host.ScheduledTasks);
            Assert.Equal("AppBan-" + WorkId.For(AliceSid, "tiktok-store", TikTokPackage), task.Name);
            AssertRunsAsTheUserOnly(task, AliceSid);
            Assert.Equal((PowerShell, StoreTaskArguments), Action(task));
            Assert.DoesNotContain("-User", Action(task).Arguments);
            Assert.DoesNotContain(host.InnerCommands, c => c.Contains("-AllUsers"));
            Assert.Equal(new[] { AliceSid + "|" + TikTokPackage, BobSid + "|" + TikTokPackage }, host.Packages.OrderBy(p => p, StringComparer.Ordinal));
        }

        [Fact]
        public async Task A_store_app_removed_by_its_users_own_task_is_Removed_and_the_elevated_command_was_only_User()
        {
            var host = StoreHost();
            host.RunsTasksAtRegistration = true;
            var taskLine = "\"" + PowerShell + "\" " + StoreTaskArguments;
            host.Programs = (line, _) => line == taskLine
                ? new FakeProgram { ExitCode = 0, Effect = h => h.Packages.Remove(AliceSid + "|" + TikTokPackage) }
                : new FakeProgram { ExitCode = 0 };

            var result = await Remove(host, For(StoreApp(), "tiktok-store"));

            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.StartsWith(@"removed by a task that ran as CONTOSO\alice in their own session, never elevated (the elevated removal for this user left it:", result.Message);
            var run = Assert.Single(host.TaskRuns);
            Assert.Equal((AliceSid, false, taskLine), (run.UserId, run.Elevated, run.CommandLine));
            Assert.Equal(new[] { RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid) }, host.InnerCommands);
            Assert.Equal(new[] { BobSid + "|" + TikTokPackage }, host.Packages);
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.SubKeys(ScheduledRoot));
        }

        [Fact]
        public async Task A_store_app_whose_task_cannot_be_registered_fails_naming_both_reasons()
        {
            var host = StoreHost();
            host.Programs = (_, __) => new FakeProgram { ExitCode = 0 };
            host.ThrowFor = call => call.Method == "ExportByName"
                ? new AppBan.Engine.Cim.CimException(AppBan.Engine.Cim.CimErrorKind.InvalidNamespace, "PC01", "Invalid namespace root/Microsoft/Windows/TaskScheduler")
                : null;

            var result = await Remove(host, For(StoreApp(), "tiktok-store"));

            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.StartsWith("PC01: InvalidNamespace: Invalid namespace root/Microsoft/Windows/TaskScheduler (the elevated removal for this user left it: ", result.Error);
            Assert.Contains("-User can exit 0 and leave the package", result.Error);
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.SubKeys(ScheduledRoot));
        }

        private const string WebAppKey = UserUninstall + "0123456789abcdef0123456789abcdef";
        private const string EdgeBlocklist = @"HKU\" + AliceSid + @"\Software\Policies\Microsoft\Edge\URLBlocklist";

        [Fact]
        public async Task A_signed_in_users_web_app_gets_browser_policy_in_her_hive_and_AppBans_records_and_is_Scheduled()
        {
            var host = Host();
            host.SetValue(WebAppKey, "DisplayName", "TikTok");
            host.SetValue(EdgeBlocklist, "1", "example.com");

            var result = await Remove(host, For(WebApp(), "tiktok-webapp"), WebAppRemoval);

            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(RemovalMethod.BrowserPolicy, result.Method);
            Assert.Null(result.CommandLine);
            Assert.StartsWith(@"browser policy written 2026-12-03T16:00:00Z for CONTOSO\alice: Block tiktok.com and unregister the web app https://www.tiktok.com/", result.Message);
            // Appended after the administrator's entry, in both browsers.
            Assert.Equal("example.com", host.ValuesOf(EdgeBlocklist)["1"]);
            Assert.Equal("tiktok.com", host.ValuesOf(EdgeBlocklist)["2"]);
            Assert.Equal("tiktok.com", host.ValuesOf(@"HKU\" + AliceSid + @"\Software\Policies\Google\Chrome\URLBlocklist")["1"]);
            Assert.Contains("\"manifest_id\":\"https://www.tiktok.com/\"", (string)host.ValuesOf(@"HKU\" + AliceSid + @"\Software\Policies\Microsoft\Edge")["WebAppSettings"]);
            Assert.Equal(new[] { "Chrome", "Edge" }, host.SubKeys(@"HKLM\SOFTWARE\AppBan\BrowserPolicy\" + AliceSid).OrderBy(k => k, StringComparer.Ordinal));
            var work = WorkId.For(AliceSid, "tiktok-webapp", "0123456789abcdef0123456789abcdef");
            var record = host.ValuesOf(ScheduledRoot + "\\" + work);
            Assert.Equal("(browser policy)", record["Command"]);
            Assert.Equal("tiktok.com https://www.tiktok.com/", record["Arguments"]);
            Assert.Equal("2027-01-02T16:00:00Z", record["Expires"]);
            Assert.Empty(host.ScheduledTasks);
            Assert.Empty(host.CommandLines);
            Assert.True(host.KeyExists(WebAppKey));
        }

        [Fact]
        public async Task A_signed_out_users_web_app_needs_a_run_while_she_is_signed_in_and_nothing_is_written()
        {
            var host = Host(aliceSignedIn: false);

            var result = await Remove(host, For(WebApp(), "tiktok-webapp"), WebAppRemoval);

            Assert.Equal(RemovalStatus.RequiresUserAction, result.Status);
            Assert.Equal(RemovalMethod.BrowserPolicy, result.Method);
            Assert.Contains("signed out", result.Message);
            Assert.False(host.KeyExists(@"HKU\" + AliceSid));
            Assert.Empty(host.KeysUnder(@"HKLM\SOFTWARE\AppBan"));
            Assert.Empty(host.ScheduledTasks);
            Assert.DoesNotContain(host.Log, l => l.StartsWith("Set", StringComparison.Ordinal) || l.StartsWith("CreateKey", StringComparison.Ordinal));
        }
    }
}
