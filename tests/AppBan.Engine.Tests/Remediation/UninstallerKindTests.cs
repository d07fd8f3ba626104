using System;
using System.Threading.Tasks;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>
    /// Each installer technology recognised from real entries as Windows shows them, and the unattended command AppBan
    /// builds for it, at machine scope and in a user's own task alike.
    /// </summary>
    public class UninstallerKindTests
    {
        private const string AliceSid = "S-1-5-21-3623811015-3361044348-30300820-1013";
        private const string Local = @"C:\Users\alice\AppData\Local\";
        private static readonly TargetEnvironment Env = TargetEnvironment.WindowsDefaults;

        private static InstalledApp Machine(string keyName, string uninstall, string quiet = null, string installLocation = null) => new InstalledApp
        {
            ComputerName = "PC01", Kind = AppKind.Exe, Scope = AppScope.Machine, RegistryView = RegistryView.Registry64,
            DisplayName = keyName, KeyName = keyName, KeyPath = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\" + keyName,
            UninstallString = uninstall, QuietUninstallString = quiet, InstallLocation = installLocation,
        };

        private static InstalledApp User(string keyName, string uninstall, string quiet = null) => new InstalledApp
        {
            ComputerName = "PC01", Kind = AppKind.Exe, Scope = AppScope.User, RegistryView = RegistryView.User, UserSid = AliceSid, UserName = @"PC01\alice",
            DisplayName = keyName, KeyName = keyName, KeyPath = @"HKU\" + AliceSid + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\" + keyName,
            UninstallString = uninstall, QuietUninstallString = quiet, FromUserWritableLocation = true,
        };

        private static RemovalPlan Plan(InstalledApp app, params string[] silentSwitches) =>
            RemovalPlanner.Plan(new RemovalRequest(Violation(app), new RuleRemovalOptions(silentSwitches: silentSwitches)), Env);

        private static void AssertRuns(RemovalPlan plan, UninstallerKind kind, string commandLine)
        {
            Assert.Null(plan.Reason);
            Assert.Equal(RemovalDecision.Run, plan.Decision);
            Assert.Equal((RemovalMethod.KnownUninstaller, kind, commandLine), (plan.Method, plan.UninstallerKind, plan.CommandLine));
        }

        // Git for Windows: Inno Setup, key Git_is1, QuietUninstallString with /SILENT (as Inno Setup writes it).
        private const string GitUninstaller = @"C:\Program Files\Git\unins000.exe";

        [Fact]
        public void Git_is_Inno_Setup_and_runs_very_silent_even_though_its_quiet_string_says_SILENT()
        {
            var app = Machine("Git_is1", "\"" + GitUninstaller + "\"", "\"" + GitUninstaller + "\" /SILENT", @"C:\Program Files\Git\");
            AssertRuns(Plan(app), UninstallerKind.InnoSetup, "\"" + GitUninstaller + "\" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART");
            Assert.Equal("Uninstall via the Inno Setup uninstaller, unattended", Plan(app).Action);
        }

        [Fact]
        public void Inno_Setup_is_recognised_by_its_key_its_value_or_its_program_each_alone()
        {
            var byProgram = Machine("Git", "\"" + GitUninstaller + "\"");
            var byKey = Machine("Foo_is1", @"""C:\Program Files\Foo\remove-foo.exe""");
            var byValue = Machine("Foo", @"""C:\Program Files\Foo\remove-foo.exe""");
            byValue.InnoSetupAppPath = @"C:\Program Files\Foo";
            Assert.Equal(UninstallerKind.InnoSetup, UninstallerKinds.Recognize(byProgram, GitUninstaller, Array.Empty<string>()));
            Assert.Equal(UninstallerKind.InnoSetup, UninstallerKinds.Recognize(byKey, @"C:\Program Files\Foo\remove-foo.exe", Array.Empty<string>()));
            Assert.Equal(UninstallerKind.InnoSetup, UninstallerKinds.Recognize(byValue, @"C:\Program Files\Foo\remove-foo.exe", Array.Empty<string>()));
            Assert.Equal(UninstallerKind.Unknown, UninstallerKinds.Recognize(Machine("Foo", null), @"C:\Program Files\Foo\remove-foo.exe", Array.Empty<string>()));
        }

        // Google Chrome, system level: <version>\Installer\setup.exe --uninstall with its channel and level.
        private const string ChromeSetup = @"C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\setup.exe";

        [Fact]
        public void Chrome_keeps_its_channel_and_level_and_adds_force_uninstall()
        {
            var app = Machine("Google Chrome", "\"" + ChromeSetup + "\" --uninstall --channel=stable --system-level --verbose-logging",
                installLocation: @"C:\Program Files\Google\Chrome\Application");
            AssertRuns(Plan(app), UninstallerKind.ChromiumSetup,
                "\"" + ChromeSetup + "\" --uninstall --channel=stable --system-level --verbose-logging --force-uninstall");
        }

        [Fact]
        public void Edge_keeps_its_product_switch()
        {
            const string setup = @"C:\Program Files (x86)\Microsoft\Edge\Application\120.0.2210.91\Installer\setup.exe";
            var app = Machine("Microsoft Edge", "\"" + setup + "\" --uninstall --msedge --channel=stable --system-level --verbose-logging",
                installLocation: @"C:\Program Files (x86)\Microsoft\Edge\Application");
            AssertRuns(Plan(app), UninstallerKind.ChromiumSetup,
                "\"" + setup + "\" --uninstall --msedge --channel=stable --system-level --verbose-logging --force-uninstall");
        }

        [Fact]
        public void A_setup_exe_without_uninstall_is_no_Chromium_uninstaller()
        {
            Assert.Equal(UninstallerKind.Unknown, UninstallerKinds.Recognize(Machine("Foo", null), @"C:\Program Files\Foo\setup.exe", new[] { "/remove" }));
        }

        [Theory]
        [InlineData(19, "Success")] // UNINSTALL_SUCCESSFUL
        [InlineData(15, "AlreadyAbsent")] // CHROME_NOT_INSTALLED
        [InlineData(20, "Failed")] // UNINSTALL_FAILED
        [InlineData(21, "Failed")] // UNINSTALL_CANCELLED
        public void Chromium_setup_exit_codes(int code, string meaning) =>
            Assert.Equal(meaning, UninstallerKinds.InterpretExitCode(UninstallerKind.ChromiumSetup, code).ToString());

        [Fact]
        public void Exit_code_19_means_nothing_special_for_other_kinds() =>
            Assert.Equal(ExitCodeMeaning.Failed, UninstallerKinds.InterpretExitCode(UninstallerKind.InnoSetup, 19));

        // Python 3.12 from python.org: a WiX Burn bundle, cached in ProgramData\Package Cache\{BundleId}.
        private const string PythonBundle = @"C:\ProgramData\Package Cache\{3E8C6B40-3E6D-4C0A-9C16-2F6C2F1D2B9E}\python-3.12.0-amd64.exe";

        [Fact]
        public void A_Python_bundle_is_WiX_Burn_and_runs_uninstall_quiet_norestart()
        {
            var app = Machine("{3E8C6B40-3E6D-4C0A-9C16-2F6C2F1D2B9E}", "\"" + PythonBundle + "\" /uninstall", "\"" + PythonBundle + "\" /uninstall /quiet");
            app.BundleCachePath = PythonBundle;
            app.HasBundleUpgradeCode = true;
            var plan = Plan(app);
            AssertRuns(plan, UninstallerKind.WixBurn, "\"" + PythonBundle + "\" /uninstall /quiet /norestart");
            Assert.True(plan.RequiresFileSecurityCheck);
        }

        [Fact]
        public void Burn_is_recognised_by_its_values_where_the_program_is_not_in_the_cache()
        {
            var app = Machine("Foo", @"""C:\Program Files\Foo\bundle.exe"" /uninstall");
            Assert.Equal(UninstallerKind.Unknown, UninstallerKinds.Recognize(app, @"C:\Program Files\Foo\bundle.exe", new[] { "/uninstall" }));
            app.HasBundleUpgradeCode = true;
            Assert.Equal(UninstallerKind.WixBurn, UninstallerKinds.Recognize(app, @"C:\Program Files\Foo\bundle.exe", new[] { "/uninstall" }));
        }

        // Obsidian, all users: electron-builder's "Uninstall <App>.exe" with /allusers, quiet form /allusers /S.
        [Fact]
        public void Obsidian_for_all_users_is_electron_builder_NSIS_and_keeps_allusers()
        {
            const string program = @"C:\Program Files\Obsidian\Uninstall Obsidian.exe";
            var app = Machine("ee0f8b6a-6f2d-5c8e-9c3f-1b6a8e2f4d70", "\"" + program + "\" /allusers", "\"" + program + "\" /allusers /S");
            AssertRuns(Plan(app), UninstallerKind.ElectronBuilderNsis, "\"" + program + "\" /allusers /S");
        }

        [Fact]
        public void Discord_is_Squirrel_in_the_users_own_task()
        {
            var program = Local + @"Discord\Update.exe";
            var command = UserTaskCommand.For(User("Discord", "\"" + program + "\" --uninstall"), RuleRemovalOptions.Default, Env);
            Assert.Equal((UserTaskKind.KnownUninstaller, UninstallerKind.Squirrel, program, "--uninstall -s"),
                (command.Kind, command.Uninstaller, command.Command, command.Arguments));
        }

        [Fact]
        public void A_per_user_Inno_Setup_entry_gets_the_same_arguments_as_a_machine_one()
        {
            var program = Local + @"Programs\Microsoft VS Code\unins000.exe";
            var command = UserTaskCommand.For(User("{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1", "\"" + program + "\"", "\"" + program + "\" /SILENT"),
                new RuleRemovalOptions(silentSwitches: new[] { "/SILENT" }), Env);
            Assert.Equal((UninstallerKind.InnoSetup, "/VERYSILENT /SUPPRESSMSGBOXES /NORESTART"), (command.Uninstaller, command.Arguments));
        }

        [Fact]
        public void The_rules_switches_win_over_the_quiet_string_in_a_users_own_task_too()
        {
            var program = Local + @"Foo\foo-cleanup.exe";
            var app = User("Foo", "\"" + program + "\"", "\"" + program + "\" --quiet");
            var command = UserTaskCommand.For(app, new RuleRemovalOptions(silentSwitches: new[] { "--silent" }), Env);
            Assert.Equal((UserTaskKind.SilentSwitches, UninstallerKind.Unknown, "--silent"), (command.Kind, command.Uninstaller, command.Arguments));
            command = UserTaskCommand.For(app, RuleRemovalOptions.Default, Env);
            Assert.Equal((UserTaskKind.QuietUninstallString, "--quiet"), (command.Kind, command.Arguments));
        }

        [Fact]
        public void A_known_kind_keeps_every_check_a_planted_program_fails()
        {
            // unins000.exe in a folder users can write: the kind chooses arguments, never the program's trust.
            var app = Machine("Evil_is1", @"""C:\Users\Public\unins000.exe""", @"""C:\Users\Public\unins000.exe"" /SILENT");
            var plan = Plan(app);
            Assert.Equal(RemovalDecision.Refuse, plan.Decision);
            Assert.Contains("not under Program Files", plan.Reason);
            Assert.Null(plan.CommandLine);
            // And it falls back to nothing else: the rule's switches do not get another go at the same program.
            Assert.Equal(RemovalDecision.Refuse, Plan(app, "/VERYSILENT").Decision);
        }

        [Fact]
        public void A_known_kind_still_refuses_metacharacters_in_the_entrys_arguments()
        {
            var app = Machine("ee0f8b6a", @"""C:\Program Files\Obsidian\Uninstall Obsidian.exe"" /allusers & calc.exe");
            var plan = Plan(app);
            Assert.Equal(RemovalDecision.Refuse, plan.Decision);
            Assert.Null(plan.CommandLine);
        }
    }
}
