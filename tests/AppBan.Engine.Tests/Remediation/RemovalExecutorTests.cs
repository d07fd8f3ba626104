using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    public class RemovalExecutorTests
    {
        private const string MsiKey = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\" + ProductCode;
        private static readonly string MsiCommand = RemovalCommands.Msi(ProductCode);

        private static RemovalExecutorOptions FastOptions(TimeSpan? timeout = null) => new RemovalExecutorOptions
        {
            Timeout = timeout ?? TimeSpan.FromMinutes(1),
            BusyRetryDelay = TimeSpan.FromMilliseconds(5),
            BusyRetryMaxDelay = TimeSpan.FromMilliseconds(20),
            PollInterval = TimeSpan.FromMilliseconds(5),
        };

        private static (FakeWindowsHost Target, RemovalExecutor Executor) MsiHost(Func<string, int, FakeProgram> programs, RemovalExecutorOptions options = null)
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(MsiKey, "DisplayName", "TikTok LIVE Studio");
            target.Programs = programs;
            return (target, new RemovalExecutor(target, new FakeVerifier(target), options ?? FastOptions()));
        }

        private static FakeProgram Uninstalls(int exitCode) => new FakeProgram { ExitCode = exitCode, Effect = t => t.DeleteKey(MsiKey) };

        private static Task<RemovalResult> Remove(RemovalExecutor executor, InstalledApp app, Action<RemovalRequest> configure = null)
        {
            var request = new RemovalRequest(Violation(app));
            configure?.Invoke(request);
            return executor.ExecuteAsync(request);
        }

        [Fact]
        public async Task Exit_0_and_the_entry_gone_is_Removed()
        {
            var (target, executor) = MsiHost((_, __) => Uninstalls(0));
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(MsiCommand, result.CommandLine);
            Assert.Equal(RemovalMethod.Msi, result.Method);
            Assert.False(target.KeyExists(MsiKey));
            Assert.Equal(new[] { MsiCommand }, target.InnerCommands);
            Assert.Empty(target.KeysUnder(@"HKLM\SOFTWARE\AppBan\Runs"));
            Assert.Equal("PC01", result.ComputerName);
            Assert.Equal("TikTok LIVE Studio", result.AppName);
            Assert.Equal("0.56.0", result.Version);
            Assert.Null(result.Error);
        }

        [Fact]
        public async Task Exit_0_with_the_entry_still_there_is_Failed()
        {
            var (target, executor) = MsiHost((_, __) => new FakeProgram { ExitCode = 0 });
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Contains("still finds", result.Error);
            Assert.True(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task Exit_1605_is_AlreadyAbsent_once_the_rescan_agrees()
        {
            var (_, executor) = MsiHost((_, __) => Uninstalls(1605));
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.AlreadyAbsent, result.Status);
            Assert.Equal(1605, result.ExitCode);
        }

        [Fact]
        public async Task Exit_1605_with_the_entry_still_there_is_Failed()
        {
            var (_, executor) = MsiHost((_, __) => new FakeProgram { ExitCode = 1605 });
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Contains("1605", result.Error);
        }

        [Theory]
        [InlineData(3010)]
        [InlineData(1641)]
        public async Task Reboot_codes_are_RebootRequired(int code)
        {
            var (target, executor) = MsiHost((_, __) => Uninstalls(code));
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.RebootRequired, result.Status);
            Assert.True(result.RebootRequired);
            Assert.Equal(code, result.ExitCode);
            Assert.False(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task Exit_1603_is_Failed_with_the_code()
        {
            var (target, executor) = MsiHost((_, __) => new FakeProgram { ExitCode = 1603 });
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Equal(1603, result.ExitCode);
            Assert.Contains("1603", result.Error);
            Assert.Contains("PC01", result.Error);
            Assert.True(result.IsFailure);
            Assert.True(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task Exit_1618_is_retried_until_the_installer_is_free()
        {
            var (target, executor) = MsiHost((_, previous) => previous < 2 ? new FakeProgram { ExitCode = 1618 } : Uninstalls(0));
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(3, result.Attempts);
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(3, target.InnerCommands.Count(c => c == MsiCommand));
        }

        [Fact]
        public async Task Exit_1618_that_never_clears_fails_within_the_timeout()
        {
            var (target, executor) = MsiHost((_, __) => new FakeProgram { ExitCode = 1618 }, FastOptions(TimeSpan.FromMilliseconds(200)));
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Equal(1618, result.ExitCode);
            Assert.Contains("1618", result.Error);
            // How many attempts fit in 200 ms depends on the machine's load; that 1618 is retried at all is
            // Exit_1618_is_retried_until_the_installer_is_free's to show. Every attempt is one command run.
            Assert.Equal(target.InnerCommands.Count, result.Attempts);
            Assert.True(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task A_hanging_uninstaller_is_TimedOut()
        {
            var (target, executor) = MsiHost((_, __) => new FakeProgram { Hangs = true }, FastOptions(TimeSpan.FromMilliseconds(100)));
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.TimedOut, result.Status);
            Assert.Null(result.ExitCode);
            Assert.Contains("still running", result.Error);
            Assert.Null(result.Message);
            Assert.Single(target.InnerCommands);
        }

        [Fact]
        public async Task An_unreadable_exit_code_defers_to_the_rescan()
        {
            var (_, executor) = MsiHost((_, __) => new FakeProgram { ExitCode = null, Effect = t => t.DeleteKey(MsiKey) });
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Null(result.ExitCode);
        }

        [Fact]
        public async Task A_failed_start_is_Failed()
        {
            var (target, executor) = MsiHost((_, __) => Uninstalls(0));
            target.CreateReturnValue = 2;
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.Failed, result.Status);
            Assert.Contains("could not be started", result.Error);
            Assert.True(target.KeyExists(MsiKey));
        }

        [Fact]
        public async Task An_app_already_gone_runs_nothing()
        {
            var target = new FakeWindowsHost("PC01");
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());
            var result = await Remove(executor, MachineMsi());
            Assert.Equal(RemovalStatus.AlreadyAbsent, result.Status);
            Assert.Empty(target.CommandLines);
            Assert.Null(result.CommandLine);
        }

        [Fact]
        public async Task Refused_and_per_user_findings_run_nothing()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Evil", "DisplayName", "TikTok");
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());
            var refused = await Remove(executor, MachineExe("\"C:\\Program Files\\App\\Uninstall.exe\" /S & calc.exe", null, keyName: "Evil"));
            var user = await Remove(executor, UserExe("C:\\Windows\\System32\\cmd.exe /c calc"));
            var web = await Remove(executor, WebApp());
            Assert.Equal(RemovalStatus.Refused, refused.Status);
            // A command runner in a user's entry becomes no task either: refused, for an administrator to look at.
            Assert.Equal(RemovalStatus.Refused, user.Status);
            Assert.Contains("runs other commands", user.Error);
            // The rule names no sites: no browser policy to write.
            Assert.Equal(RemovalStatus.RequiresUserAction, web.Status);
            Assert.All(new[] { refused, user, web }, r => Assert.Null(r.CommandLine));
            Assert.Empty(target.CommandLines);
            Assert.Empty(target.ScheduledTasks);
            Assert.Empty(target.KeysUnder(@"HKLM\SOFTWARE\AppBan"));
        }

        [Fact]
        public async Task Exe_uninstallers_use_the_targets_folders()
        {
            var target = new FakeWindowsHost("PC01");
            const string key = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\TikTok LIVE Studio";
            target.SetValue(key, "DisplayName", "TikTok LIVE Studio");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion", "SystemRoot", @"D:\Windows");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion", "ProgramFilesDir", @"D:\Program Files");
            const string expected = "\"D:\\Program Files\\TikTok LIVE Studio\\Uninstall TikTok LIVE Studio.exe\" /S";
            target.Programs = (inner, _) => inner == expected ? new FakeProgram { ExitCode = 0, Effect = t => t.DeleteKey(key) } : new FakeProgram { ExitCode = 1 };
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());
            var result = await Remove(executor, MachineExe("\"%ProgramFiles%\\TikTok LIVE Studio\\Uninstall TikTok LIVE Studio.exe\" /S", null));
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(RemovalMethod.KnownUninstaller, result.Method);
            Assert.Equal(new[] { expected }, target.InnerCommands);
        }

        [Fact]
        public async Task Store_apps_fall_back_to_all_users_when_the_user_removal_leaves_them()
        {
            var target = new FakeWindowsHost("PC01");
            target.Packages.Add(AliceSid + "|" + TikTokPackage);
            var forUser = RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid);
            var forAll = RemovalCommands.RemoveAppxPackageForAllUsers(TikTokPackage);
            target.Programs = (inner, _) => inner == forAll
                ? new FakeProgram { ExitCode = 0, Effect = t => t.Packages.Clear() }
                : new FakeProgram { ExitCode = 0 };
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());
            var result = await Remove(executor, StoreApp(), r => r.AllowAllUsersFallback = true);
            Assert.Equal(RemovalStatus.Removed, result.Status);
            Assert.Equal(RemovalMethod.StoreAppForAllUsers, result.Method);
            Assert.Equal(new[] { forUser, forAll }, target.InnerCommands);
            Assert.Equal(forAll, result.CommandLine);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task The_all_users_fallback_runs_only_when_every_user_who_still_has_the_package_was_approved(bool bobApproved)
        {
            var target = new FakeWindowsHost("PC01");
            target.Packages.Add(AliceSid + "|" + TikTokPackage);
            target.Packages.Add(BobSid + "|" + TikTokPackage);
            var forAll = RemovalCommands.RemoveAppxPackageForAllUsers(TikTokPackage);
            target.Programs = (inner, _) => new FakeProgram { ExitCode = 0, Effect = t => { if (inner == forAll) t.Packages.Clear(); } };
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());

            var result = await Remove(executor, StoreApp(), r =>
            {
                r.AllowAllUsersFallback = true;
                r.ApprovedUsersForFamily = bobApproved ? new[] { BobSid } : new string[0];
            });

            if (bobApproved)
            {
                Assert.Equal(RemovalStatus.Removed, result.Status);
                Assert.Equal(forAll, target.InnerCommands.Last());
                Assert.Empty(target.Packages);
                return;
            }
            // -AllUsers would take Bob's copy: Alice's own task removes hers instead, and says why the fallback did not run.
            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Null(result.Error);
            Assert.Contains("the -AllUsers fallback did not run: the package is also installed for " + BobSid, result.Message);
            Assert.Equal(new[] { RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid) }, target.InnerCommands);
            Assert.Contains(BobSid + "|" + TikTokPackage, target.Packages);
            var task = Assert.Single(target.ScheduledTasks);
            Assert.Contains("<UserId>" + AliceSid + "</UserId>", task.Xml);
            Assert.DoesNotContain(BobSid, task.Xml);
        }

        [Fact]
        public async Task Store_apps_stay_for_other_users_when_the_fallback_is_not_allowed()
        {
            var target = new FakeWindowsHost("PC01");
            target.Packages.Add(AliceSid + "|" + TikTokPackage);
            target.Programs = (_, __) => new FakeProgram { ExitCode = 0 };
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());
            var result = await Remove(executor, StoreApp());
            // One elevated -User, never -AllUsers; what it left goes to a task that runs as Alice.
            Assert.Equal(new[] { RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid) }, target.InnerCommands);
            Assert.Equal(RemovalStatus.Scheduled, result.Status);
            Assert.Equal(RemovalMethod.UserTask, result.Method);
            Assert.Contains("-User can exit 0 and leave the package", result.Message);
            Assert.Single(target.ScheduledTasks);
            Assert.Contains(AliceSid + "|" + TikTokPackage, target.Packages);
        }

        [Fact]
        public void A_host_runs_provisioned_first_and_keeps_an_exempt_users_copy()
        {
            var target = new FakeWindowsHost("PC01");
            target.Packages.Add(AliceSid + "|" + TikTokPackage);
            target.Packages.Add(BobSid + "|" + TikTokPackage);
            target.Packages.Add("provisioned|" + TikTokPackage);
            var alice = Violation(StoreApp());
            var bob = Violation(StoreApp(BobSid, @"CONTOSO\bob"));
            bob.Status = FindingStatus.Exempt;
            var provisioned = Violation(Provisioned());
            target.Programs = (inner, _) => new FakeProgram
            {
                ExitCode = 0,
                Effect = t =>
                {
                    if (inner.Contains("Remove-AppxProvisionedPackage")) t.Packages.Remove("provisioned|" + TikTokPackage);
                    else if (inner.Contains(AliceSid)) t.Packages.Remove(AliceSid + "|" + TikTokPackage);
                    else if (inner.Contains("-AllUsers")) t.Packages.Clear();
                },
            };
            var results = RunDriver.RemoveOnOneHost(target, new RemovalRequest(alice), new RemovalRequest(bob), new RemovalRequest(provisioned));

            Assert.Equal(new[] { RemovalStatus.SkippedExempt, RemovalStatus.Removed, RemovalStatus.Removed }, results.Select(r => r.Status));
            Assert.Equal(new[] { BobSid, null, AliceSid }, results.Select(r => r.UserSid));
            Assert.Equal(new[] { AppKind.StoreApp, AppKind.ProvisionedStoreApp, AppKind.StoreApp }, results.Select(r => r.Kind));
            Assert.Contains(BobSid + "|" + TikTokPackage, target.Packages);
            Assert.DoesNotContain(target.InnerCommands, c => c.Contains("-AllUsers"));
        }

        [Fact]
        public async Task A_program_under_ProgramData_is_Refused_when_its_security_cannot_be_read_and_nothing_runs()
        {
            // FakeWindowsHost has no instance methods, so GetSecurityDescriptor cannot be called: fail closed.
            var target = new FakeWindowsHost("PC01");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\TikTok LIVE Studio", "DisplayName", "TikTok LIVE Studio");
            var executor = new RemovalExecutor(target, new FakeVerifier(target), FastOptions());
            var app = MachineExe("\"C:\\ProgramData\\Package Cache\\" + ProductCode + "\\setup.exe\" /uninstall /quiet", null);
            var result = await Remove(executor, app);
            Assert.Equal(RemovalStatus.Refused, result.Status);
            Assert.Contains("cannot be read", result.Error);
            Assert.Empty(target.CommandLines);
        }
    }
}
