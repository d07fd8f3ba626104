using System;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Scheduling;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>
    /// What a task running as the user runs, for the per-user installers seen in the wild, and what a planted entry
    /// ends as: refused, or a task that runs only the parsed uninstaller.
    /// </summary>
    public class UserTaskCommandTests
    {
        private const string SamSid = "S-1-5-21-3623811015-3361044348-30300820-1002";
        private const string Local = @"C:\Users\sam\AppData\Local\";
        private const string CapCut = Local + @"CapCut\Apps\uninst.exe";
        private const string PythonCode = "{B420EA91-CEE0-CAE4-D297-8A652DE8AD6B}";
        private static readonly TargetEnvironment Env = TargetEnvironment.WindowsDefaults;

        private static InstalledApp Entry(string keyName, string uninstall, string quiet = null, AppKind kind = AppKind.Exe, string sid = SamSid,
            string hiveSid = null) => new InstalledApp
        {
            ComputerName = "LAPTOP-01", Kind = kind, Scope = AppScope.User, RegistryView = RegistryView.User, UserSid = sid, UserName = @"LAPTOP-01\sam",
            DisplayName = keyName, KeyName = keyName,
            KeyPath = @"HKU\" + (hiveSid ?? sid) + @"\Software\Microsoft\Windows\CurrentVersion\Uninstall\" + keyName,
            UninstallString = uninstall, QuietUninstallString = quiet, FromUserWritableLocation = true,
            WindowsInstaller = kind == AppKind.Msi, ProductCode = kind == AppKind.Msi ? MsiProductCode.TryNormalize(keyName) : null,
        };

        private static UserTaskCommand For(InstalledApp app, params string[] silentSwitches) =>
            UserTaskCommand.For(app, new RuleRemovalOptions(silentSwitches: silentSwitches), Env);

        /// <summary>The command is what the contract's table says, and a task can be defined from it.</summary>
        private static void AssertTask(UserTaskCommand command, UserTaskKind kind, string program, string arguments, InstalledApp app)
        {
            Assert.Null(command.Refusal);
            Assert.Equal((kind, program, arguments), (command.Kind, command.Command, command.Arguments));
            var definition = new UserTaskDefinition(app.UserSid, "rule", WorkId.AppIdentityOf(app), app.DisplayName, command.Command, command.Arguments, DateTimeOffset.UtcNow);
            Assert.Contains("<Command>" + program.Replace("&", "&amp;") + "</Command>", UserTaskXml.Build(definition));
        }

        /// <summary>A known kind: its unattended form, and the kind it was recognised as.</summary>
        private static void AssertTask(UserTaskCommand command, UninstallerKind uninstaller, string program, string arguments, InstalledApp app)
        {
            AssertTask(command, UserTaskKind.KnownUninstaller, program, arguments, app);
            Assert.Equal(uninstaller, command.Uninstaller);
        }

        private static void AssertRefused(UserTaskCommand command, string because)
        {
            Assert.True(command.IsRefused);
            Assert.Null(command.Command);
            Assert.Null(command.Arguments);
            Assert.Contains(because, command.Refusal, StringComparison.OrdinalIgnoreCase);
        }

        [Fact]
        public void CapCut_per_user_runs_its_NSIS_uninstaller_silently()
        {
            var app = Entry("CapCut", "\"" + CapCut + "\"");
            AssertTask(For(app), UninstallerKind.Nsis, CapCut, "/S", app);
        }

        [Theory]
        [InlineData("Discord", Local + @"Discord\Update.exe", "--uninstall")]
        [InlineData("slack", Local + @"slack\Update.exe", "--uninstall -s")]
        [InlineData("Teams", Local + @"Microsoft\Teams\Update.exe", "--uninstall -s")]
        public void Squirrel_apps_run_Update_exe_uninstall_silently(string key, string program, string arguments)
        {
            var app = Entry(key, "\"" + program + "\" " + arguments);
            AssertTask(For(app), UninstallerKind.Squirrel, program, "--uninstall -s", app);
        }

        [Fact]
        public void VS_Code_user_setup_is_Inno_Setup_by_its_program_and_its_key()
        {
            var program = Local + @"Programs\Microsoft VS Code\unins000.exe";
            var app = Entry("{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1", "\"" + program + "\"", "\"" + program + "\" /SILENT");
            AssertTask(For(app), UninstallerKind.InnoSetup, program, "/VERYSILENT /SUPPRESSMSGBOXES /NORESTART", app);
        }

        [Fact]
        public void An_Inno_Setup_key_makes_any_uninstaller_Inno_Setup()
        {
            var program = Local + @"Programs\Foo\uninstall-foo.exe";
            var app = Entry("Foo_is1", "\"" + program + "\"");
            AssertTask(For(app), UninstallerKind.InnoSetup, program, "/VERYSILENT /SUPPRESSMSGBOXES /NORESTART", app);
        }

        [Fact]
        public void Obsidian_electron_builder_runs_its_uninstaller_with_S()
        {
            var program = Local + @"Programs\Obsidian\Uninstall Obsidian.exe";
            var app = Entry("ee0f8b6a-6f2d-5c8e-9c3f-1b6a8e2f4d70", "\"" + program + "\" /currentuser", "\"" + program + "\" /currentuser /S");
            AssertTask(For(app), UninstallerKind.ElectronBuilderNsis, program, "/currentuser /S", app);
        }

        [Fact]
        public void An_unquoted_path_with_spaces_ends_at_the_exe()
        {
            var program = Local + @"Programs\Obsidian\Uninstall Obsidian.exe";
            var app = Entry("Obsidian", program + " /currentuser");
            AssertTask(For(app), UninstallerKind.ElectronBuilderNsis, program, "/currentuser /S", app);
        }

        [Fact]
        public void A_per_user_MSI_runs_msiexec_from_Windows_with_the_product_code_only()
        {
            var app = Entry(PythonCode, "MsiExec.exe /X" + PythonCode, kind: AppKind.Msi);
            AssertTask(For(app), UserTaskKind.Msi, @"C:\Windows\System32\msiexec.exe", "/x " + PythonCode + " /qn /norestart", app);
        }

        [Fact]
        public void Msiexec_takes_Windows_from_the_target_not_from_the_entry()
        {
            var app = Entry(PythonCode, @"D:\evil\MsiExec.exe /X" + PythonCode, kind: AppKind.Msi);
            var command = UserTaskCommand.For(app, RuleRemovalOptions.Default, TargetEnvironment.FromSystemRoot(@"E:\WINDOWS", null));
            Assert.Equal(@"E:\WINDOWS\System32\msiexec.exe", command.Command);
        }

        [Fact]
        public void An_exe_entry_whose_uninstall_string_is_msiexec_is_removed_as_that_product()
        {
            var app = Entry("Python 3.12 launcher", "MsiExec.exe /I" + PythonCode.ToLowerInvariant());
            AssertTask(For(app), UserTaskKind.Msi, @"C:\Windows\System32\msiexec.exe", "/x " + PythonCode + " /qn /norestart", app);
        }

        [Fact]
        public void An_msi_entry_naming_another_product_than_its_key_is_refused()
        {
            var app = Entry(PythonCode, "MsiExec.exe /X" + ProductCode, kind: AppKind.Exe);
            AssertRefused(For(app), "does not match the entry's key");
        }

        [Fact]
        public void A_Store_package_is_removed_by_PowerShell_as_the_user_without_User_or_AllUsers()
        {
            var app = StoreApp(sid: SamSid, user: @"LAPTOP-01\sam");
            var command = For(app);
            AssertTask(command, UserTaskKind.StoreApp, @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
                "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxPackage -Package '" + TikTokPackage + "' -ErrorAction Stop\"", app);
            Assert.DoesNotContain("-User", command.Arguments);
            Assert.DoesNotContain("-AllUsers", command.Arguments);
        }

        [Theory]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se'; calc; '", TikTokFamily, "grammar")]
        [InlineData("Other.App_1.0.0.0_x64__6yccndn6064se", TikTokFamily, "family")]
        public void A_Store_package_that_fails_the_grammar_or_the_family_is_refused(string package, string family, string because)
        {
            var app = StoreApp(sid: SamSid, package: package);
            app.PackageFamilyName = family;
            AssertRefused(For(app), because);
        }

        [Fact]
        public void Another_uninstaller_with_a_QuietUninstallString_runs_as_that_string_says()
        {
            var program = Local + @"Foo\foo-cleanup.exe";
            var app = Entry("Foo", "\"" + program + "\"", "\"" + program + "\" --quiet --keep-settings=false");
            AssertTask(For(app), UserTaskKind.QuietUninstallString, program, "--quiet --keep-settings=false", app);
        }

        [Fact]
        public void Another_uninstaller_without_one_takes_the_rules_silent_switches_once()
        {
            var program = Local + @"Foo\foo-cleanup.exe";
            var app = Entry("Foo", "\"" + program + "\" --mode=remove --silent");
            AssertTask(For(app, "--silent", "--no-restart"), UserTaskKind.SilentSwitches, program, "--mode=remove --silent --no-restart", app);
            AssertRefused(For(app), "silent switches");
            AssertRefused(For(app, "--silent & calc"), "silent switches are unsafe");
        }

        [Fact]
        public void Machine_variables_are_expanded_from_the_target_and_no_other()
        {
            var app = Entry("CapCut", "\"%SystemDrive%\\Users\\sam\\AppData\\Local\\CapCut\\Apps\\uninst.exe\"");
            AssertTask(For(app), UninstallerKind.Nsis, CapCut, "/S", app);
        }

        [Theory]
        [InlineData("\"" + CapCut + "\" & calc.exe", "'&'")]
        [InlineData("\"" + CapCut + "\" /S && calc.exe", "'&'")]
        [InlineData("\"" + CapCut + "\" /S | calc.exe", "'|'")]
        [InlineData("\"" + Local + "Discord\\Update.exe\" --uninstall & calc.exe", "'&'")]
        [InlineData("cmd.exe /c \"" + CapCut + "\"", "not absolute")]
        [InlineData(@"C:\Windows\System32\cmd.exe /c " + CapCut, "runs other commands")]
        [InlineData(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe -c Remove-Item C:\x", "runs other commands")]
        [InlineData(Local + @"Programs\Git\bin\bash.exe -c rm", "runs other commands")]
        [InlineData(@"\\evil\share\uninst.exe /S", "UNC")]
        [InlineData(@"..\..\CapCut\Apps\uninst.exe /S", "not absolute")]
        [InlineData(Local + @"CapCut\..\..\..\..\Public\uninst.exe /S", "'..'")]
        [InlineData(@"C:\Users\SAMWIL~1\AppData\Local\CapCut\Apps\uninst.exe /S", "8.3")]
        [InlineData(@"%TEMP%\uninst.exe /S", "%TEMP%")]
        [InlineData(@"%LOCALAPPDATA%\CapCut\Apps\uninst.exe", "%LOCALAPPDATA%")]
        [InlineData(Local + @"CapCut\Apps\uninst.bat", "not an .exe")]
        [InlineData(Local + @"CapCut\Apps\uninst.exe:evil.exe", "alternate data stream")]
        [InlineData("\"" + CapCut + "\" /S\r\ncalc.exe", "control character")]
        [InlineData("\"" + CapCut + "\" /D=\\\"C:\\x\\\"", "backslash")]
        public void A_planted_uninstall_string_is_refused(string uninstall, string because)
        {
            AssertRefused(For(Entry("CapCut", uninstall), "/S"), because);
        }

        [Fact]
        public void A_planted_string_beside_a_clean_one_ends_as_a_task_that_runs_only_the_parsed_uninstaller()
        {
            var app = Entry("CapCut", "\"" + CapCut + "\" & calc.exe", "\"" + CapCut + "\" /S");
            var command = For(app);
            AssertTask(command, UninstallerKind.Nsis, CapCut, "/S", app);
            Assert.DoesNotContain("calc", command.Command + " " + command.Arguments);
        }

        [Fact]
        public void A_planted_msi_entry_still_runs_msiexec_with_the_product_code_only()
        {
            var app = Entry(PythonCode, "MsiExec.exe /X" + PythonCode + " & calc.exe", kind: AppKind.Msi);
            AssertTask(For(app), UserTaskKind.Msi, @"C:\Windows\System32\msiexec.exe", "/x " + PythonCode + " /qn /norestart", app);
        }

        [Fact]
        public void The_arguments_a_known_kind_ignores_still_refuse_a_chained_entry()
        {
            // Squirrel's arguments are AppBan's own, but an entry that chains is not taken as Squirrel's.
            var app = Entry("Discord", "\"" + Local + "Discord\\Update.exe\" --uninstall | calc.exe");
            AssertRefused(For(app), "'|'");
        }

        [Fact]
        public void A_machine_entry_is_never_a_user_task()
        {
            var app = MachineExe(null, "\"C:\\Program Files\\CapCut\\uninst.exe\" /S");
            app.UserSid = SamSid;
            AssertRefused(For(app), "administrator rights");
        }

        [Fact]
        public void An_entry_in_another_users_hive_is_refused()
        {
            AssertRefused(For(Entry("CapCut", "\"" + CapCut + "\"", sid: SamSid, hiveSid: AliceSid)), "hive");
        }

        [Theory]
        [InlineData("S-1-5-18")]
        [InlineData("S-1-5-32-544")]
        [InlineData("S-1-5-21-1-2-3-1001'")]
        [InlineData(null)]
        public void No_task_for_anyone_but_a_persons_account(string sid)
        {
            AssertRefused(For(Entry("CapCut", "\"" + CapCut + "\"", sid: sid)), sid ?? "not a SID");
        }

        [Fact]
        public void Web_apps_and_provisioned_packages_are_not_user_tasks()
        {
            var web = WebApp();
            AssertRefused(For(web), "browser policy");
            var provisioned = Provisioned();
            provisioned.UserSid = SamSid;
            AssertRefused(For(provisioned), "administrator rights");
        }

        [Fact]
        public void An_entry_without_strings_is_refused_saying_so()
        {
            AssertRefused(For(Entry("CapCut", null)), "neither QuietUninstallString nor UninstallString");
        }
    }
}
