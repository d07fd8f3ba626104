using System;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Remediation;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    public class RemovalPlannerTests
    {
        private static readonly TargetEnvironment Env = TargetEnvironment.WindowsDefaults;

        private static RemovalPlan Plan(Finding finding, Action<RemovalRequest> configure = null, TargetEnvironment env = null)
        {
            var request = new RemovalRequest(finding);
            configure?.Invoke(request);
            return RemovalPlanner.Plan(request, env ?? Env);
        }

        [Fact]
        public void Never_removes_an_exempt_finding()
        {
            var finding = Violation(MachineMsi());
            finding.Status = FindingStatus.Exempt;
            finding.Exemption = new Exemption { Id = "EX-1", Source = ExemptionSource.Policy, Expires = new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero) };
            var plan = Plan(finding, r => r.IncludeGracePeriod = true);
            Assert.Equal(RemovalDecision.SkipExempt, plan.Decision);
            Assert.Equal(RemovalStatus.SkippedExempt, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
            Assert.Contains("EX-1", plan.Reason);
            Assert.Contains("revoke", plan.Reason);
        }

        [Fact]
        public void Removes_grace_period_findings_only_when_asked()
        {
            var finding = Violation(MachineMsi());
            finding.Status = FindingStatus.GracePeriod;
            finding.EnforceAfter = new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero);
            var skipped = Plan(finding);
            Assert.Equal(RemovalStatus.SkippedGracePeriod, skipped.FinalStatus);
            Assert.Contains("2027-03-01", skipped.Reason);
            Assert.Null(skipped.CommandLine);

            var included = Plan(finding, r => r.IncludeGracePeriod = true);
            Assert.Equal(RemovalDecision.Run, included.Decision);
            Assert.Equal(RemovalCommands.Msi(ProductCode), included.CommandLine);
        }

        [Fact]
        public void Leaves_web_apps_to_their_user()
        {
            var plan = Plan(Violation(WebApp()));
            Assert.Equal(RemovalStatus.RequiresUserAction, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
            Assert.Contains(@"CONTOSO\alice", plan.Reason);
            Assert.Contains("edge://apps", plan.Reason);
        }

        [Theory]
        [InlineData("\"C:\\Users\\alice\\AppData\\Local\\CapCut\\uninst.exe\" /S", @"C:\Users\alice\AppData\Local\CapCut\uninst.exe")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" /S", @"C:\Program Files\App\uninst.exe")]
        public void A_command_from_a_users_hive_runs_only_as_that_user_never_elevated(string uninstall, string program)
        {
            var plan = Plan(Violation(UserExe(uninstall)), r => r.SilentSwitches = new[] { "/S" });
            Assert.Equal(RemovalDecision.RunAsUser, plan.Decision);
            Assert.Equal(RemovalMethod.UserTask, plan.Method);
            Assert.Null(plan.FinalStatus);
            Assert.Equal("\"" + program + "\" /S", plan.CommandLine);
            Assert.Null(plan.FallbackCommandLine);
            Assert.Null(plan.ProgramPath);
            Assert.False(plan.RequiresFileSecurityCheck);
        }

        [Fact]
        public void A_hostile_command_in_a_users_hive_is_refused_and_no_task_is_built_from_it()
        {
            var plan = Plan(Violation(UserExe("cmd.exe /c net user attacker P@ss /add & net localgroup administrators attacker /add")), r => r.SilentSwitches = new[] { "/S" });
            Assert.Equal(RemovalDecision.Refuse, plan.Decision);
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Equal(RemovalMethod.None, plan.Method);
            Assert.Null(plan.CommandLine);
            Assert.Contains(@"no task is built from CONTOSO\alice's entry", plan.Reason);
        }

        [Fact]
        public void A_product_code_from_a_users_hive_is_removed_only_as_that_user()
        {
            // A user could name any machine product's GUID (an endpoint agent's, say): msiexec runs with that user's rights only.
            var plan = Plan(Violation(UserExe("MsiExec.exe /X" + ProductCode, msi: true)));
            Assert.Equal(RemovalDecision.RunAsUser, plan.Decision);
            Assert.NotEqual(RemovalMethod.Msi, plan.Method);
            Assert.Null(plan.ProductCode);
            Assert.Equal("\"C:\\Windows\\System32\\msiexec.exe\" /x " + ProductCode + " /qn /norestart", plan.CommandLine);
        }

        [Fact]
        public void Treats_an_hklm_entry_marked_user_writable_as_per_user()
        {
            // Not a machine entry, and it names no user to run as: nothing runs, elevated or not.
            var app = MachineMsi();
            app.FromUserWritableLocation = true;
            Assert.False(RemovalPlanner.IsMachineEntry(app));
            var plan = Plan(Violation(app));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
            Assert.Contains("is not a SID", plan.Reason);
        }

        [Fact]
        public void Builds_msiexec_from_the_product_code()
        {
            var plan = Plan(Violation(MachineMsi()));
            Assert.Equal(RemovalMethod.Msi, plan.Method);
            Assert.Equal("msiexec.exe /x {7C9E6679-7425-40DE-944B-E07FC1F90AE7} /qn /norestart", plan.CommandLine);
            Assert.Equal("Uninstall via msiexec /x {7C9E6679-7425-40DE-944B-E07FC1F90AE7}", plan.Action);
            Assert.Equal("TikTok LIVE Studio 0.56.0 (Machine) on PC01", plan.Target);
        }

        [Fact]
        public void Turns_an_install_form_into_a_removal()
        {
            var app = MachineMsi(keyName: "TikTokLiveStudio", uninstallString: "MsiExec.exe /I" + ProductCode.ToLowerInvariant());
            var plan = Plan(Violation(app));
            Assert.Equal(RemovalCommands.Msi(ProductCode), plan.CommandLine);
        }

        [Fact]
        public void Refuses_a_product_code_that_is_not_the_entrys_key()
        {
            var app = MachineMsi();
            app.ProductCode = "{11111111-1111-1111-1111-111111111111}";
            var plan = Plan(Violation(app));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Contains("does not match", plan.Reason);

            var exe = MachineExe(null, "MsiExec.exe /X{11111111-1111-1111-1111-111111111111}", keyName: ProductCode);
            Assert.Equal(RemovalStatus.Refused, Plan(Violation(exe)).FinalStatus);
        }

        [Fact]
        public void Refuses_an_msi_entry_without_a_valid_product_code()
        {
            var plan = Plan(Violation(MachineMsi(keyName: "TikTok", uninstallString: "MsiExec.exe /X{bad}")));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Contains("GUID", plan.Reason);
        }

        [Fact]
        public void Prefers_the_quiet_uninstall_string_when_the_rule_declares_no_switches()
        {
            var plan = Plan(Violation(MachineExe("\"C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe\" /S", "\"C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe\"")));
            Assert.Equal(RemovalMethod.QuietUninstallString, plan.Method);
            Assert.Equal(UninstallerKind.Unknown, plan.UninstallerKind);
            Assert.Equal("\"C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe\" /S", plan.CommandLine);
            Assert.Equal("Uninstall via QuietUninstallString", plan.Action);
        }

        [Fact]
        public void The_rules_switches_win_over_the_quiet_uninstall_string()
        {
            // QuietUninstallStrings are not always quiet [3rd: Pass4Win issue 41]: the rule's author has the last word.
            var plan = Plan(Violation(MachineExe("\"C:\\Program Files\\Pass4Win\\uninstall.exe\" /S", "\"C:\\Program Files\\Pass4Win\\uninstall.exe\"")),
                r => r.SilentSwitches = new[] { "/quiet" });
            Assert.Equal(RemovalMethod.UninstallString, plan.Method);
            Assert.Equal("\"C:\\Program Files\\Pass4Win\\uninstall.exe\" /quiet", plan.CommandLine);
            Assert.Equal("Uninstall via UninstallString with silent switches", plan.Action);
        }

        [Fact]
        public void Adds_the_rules_silent_switches_to_the_uninstall_string()
        {
            var plan = Plan(Violation(MachineExe(null, "C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe --log")), r => r.SilentSwitches = new[] { "/S", "--force-uninstall" });
            Assert.Equal(RemovalMethod.UninstallString, plan.Method);
            Assert.Equal("\"C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe\" --log /S --force-uninstall", plan.CommandLine);
        }

        [Fact]
        public void Does_not_repeat_a_switch_the_entry_already_has()
        {
            var plan = Plan(Violation(MachineExe(null, "\"C:\\Program Files\\App\\Uninstall.exe\" /s")), r => r.SilentSwitches = new[] { "/S" });
            Assert.Equal("\"C:\\Program Files\\App\\Uninstall.exe\" /s", plan.CommandLine);
        }

        [Fact]
        public void Refuses_an_uninstall_string_without_silent_switches()
        {
            var plan = Plan(Violation(MachineExe(null, "\"C:\\Program Files\\App\\Uninstall.exe\"")));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Contains("silent switches", plan.Reason);
        }

        [Fact]
        public void Refuses_unsafe_silent_switches()
        {
            var plan = Plan(Violation(MachineExe(null, "\"C:\\Program Files\\App\\Uninstall.exe\"")), r => r.SilentSwitches = new[] { "/S", "&", "calc" });
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Contains("silent switches are unsafe", plan.Reason);
        }

        [Fact]
        public void Falls_back_to_the_uninstall_string_when_the_quiet_one_is_unsafe()
        {
            var plan = Plan(Violation(MachineExe("C:\\PROGRA~1\\App\\UNINST~1.EXE /S", "\"C:\\Program Files\\App\\Uninstall.exe\"")), r => r.SilentSwitches = new[] { "/S" });
            Assert.Equal(RemovalMethod.UninstallString, plan.Method);
            Assert.Equal("\"C:\\Program Files\\App\\Uninstall.exe\" /S", plan.CommandLine);
        }

        [Theory]
        [InlineData("\"C:\\Program Files\\App\\Uninstall.exe\" /S & calc.exe", "metacharacter")]
        [InlineData("\"C:\\Program Files\\App\\Uninstall.exe\" /S | calc.exe", "metacharacter")]
        [InlineData("\"C:\\Users\\Public\\Uninstall.exe\" /S", "not under Program Files")]
        [InlineData("\\\\evil\\share\\Uninstall.exe /S", "UNC")]
        [InlineData("\"C:\\Program Files\\..\\Users\\Public\\Uninstall.exe\" /S", "'..'")]
        [InlineData("cmd.exe /c \"C:\\Program Files\\App\\Uninstall.exe\"", "not absolute")]
        [InlineData("C:\\Windows\\System32\\cmd.exe /c calc", "runs other commands")]
        [InlineData("\"%TEMP%\\Uninstall.exe\" /S", "%TEMP%")]
        public void Refuses_unsafe_machine_uninstallers_with_the_reason(string uninstall, string reason)
        {
            var plan = Plan(Violation(MachineExe(uninstall, null)));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
            Assert.Contains(reason, plan.Reason);
            Assert.Contains("QuietUninstallString", plan.Reason);
        }

        [Fact]
        public void Refuses_an_entry_with_no_uninstall_string()
        {
            var plan = Plan(Violation(MachineExe(null, null)));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Contains("neither", plan.Reason);
        }

        [Fact]
        public void Defers_folder_checks_until_the_target_is_known()
        {
            var request = new RemovalRequest(Violation(MachineExe("\"%ProgramFiles%\\App\\Uninstall.exe\" /S", null)));
            var preview = RemovalPlanner.Plan(request, null);
            Assert.Equal(RemovalDecision.Run, preview.Decision);
            Assert.True(preview.Deferred);
            Assert.Null(preview.CommandLine);
            Assert.Equal("Uninstall via QuietUninstallString", preview.Action);

            var final = RemovalPlanner.Plan(request, TargetEnvironment.FromSystemRoot(@"D:\Windows", null));
            Assert.False(final.Deferred);
            Assert.Equal("\"D:\\Program Files\\App\\Uninstall.exe\" /S", final.CommandLine);
        }

        [Fact]
        public void Decides_structural_refusals_before_the_target_is_known()
        {
            var plan = RemovalPlanner.Plan(new RemovalRequest(Violation(MachineExe("\\\\evil\\share\\x.exe /S", null))), null);
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
        }

        [Fact]
        public void Removes_a_store_app_for_its_user()
        {
            var plan = Plan(Violation(StoreApp()), r => r.AllowAllUsersFallback = true);
            Assert.Equal(RemovalMethod.StoreAppForUser, plan.Method);
            Assert.Equal(RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid), plan.CommandLine);
            Assert.Equal(RemovalCommands.RemoveAppxPackageForAllUsers(TikTokPackage), plan.FallbackCommandLine);
            Assert.Equal(@"TikTok 1.0.1.0 (User CONTOSO\alice) on PC01", plan.Target);
            // The question names the fallback too, so that approving it approves what may happen.
            Assert.Equal("Uninstall via Remove-AppxPackage -User; if the package stays, Remove-AppxPackage -AllUsers when every user who still has it was approved here" +
                         @"; otherwise a task that removes it as CONTOSO\alice in their own session", plan.Action);
            Assert.Equal(plan.Action, Plan(Violation(StoreApp())).Action);
        }

        [Fact]
        public void Removes_a_bundled_store_app_for_all_users_by_the_bundle_name_and_for_its_user_by_its_own()
        {
            const string bundle = "BytedancePte.Ltd.TikTok_1.0.1.0_neutral_~_6yccndn6064se";
            var app = StoreApp();
            app.PackageBundleFullName = bundle;
            var plan = Plan(Violation(app), r => r.AllowAllUsersFallback = true);
            Assert.Equal(RemovalCommands.RemoveAppxPackageForUser(TikTokPackage, AliceSid), plan.CommandLine);
            Assert.Equal(RemovalCommands.RemoveAppxPackageForAllUsers(bundle), plan.FallbackCommandLine);

            var withoutUser = StoreApp(sid: null);
            withoutUser.PackageBundleFullName = bundle;
            Assert.Equal(RemovalCommands.RemoveAppxPackageForAllUsers(bundle), Plan(Violation(withoutUser), r => r.AllowAllUsersFallback = true).CommandLine);
        }

        [Theory]
        [InlineData("Microsoft.WindowsCalculator_1.0.1.0_neutral_~_8wekyb3d8bbwe")] // another family
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se")] // not a bundle
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_neutral_~_6yccndn6064se' -AllUsers; calc; '")]
        public void Refuses_a_bundle_name_that_is_not_a_bundle_of_the_packages_family(string bundle)
        {
            var app = StoreApp();
            app.PackageBundleFullName = bundle;
            var plan = Plan(Violation(app), r => r.AllowAllUsersFallback = true);
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
            Assert.Null(plan.FallbackCommandLine);
        }

        [Fact]
        public void Keeps_the_all_users_fallback_off_unless_allowed() =>
            Assert.Null(Plan(Violation(StoreApp())).FallbackCommandLine);

        [Theory]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se' -AllUsers; calc; '")]
        [InlineData("Microsoft.WindowsCalculator_11.0.0.0_x64__8wekyb3d8bbwe")]
        public void Refuses_a_package_that_fails_validation_or_is_not_the_matched_family(string package)
        {
            var plan = Plan(Violation(StoreApp(package: package)));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
        }

        [Fact]
        public void Refuses_a_store_app_with_an_invalid_sid()
        {
            var plan = Plan(Violation(StoreApp(sid: "S-1-5-21-1' -AllUsers '")));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
        }

        [Fact]
        public void Takes_the_rules_removal_settings()
        {
            var finding = Violation(MachineExe(null, "\"C:\\Program Files\\App\\Uninstall.exe\""));
            var request = new RemovalRequest(finding, new AppBan.Engine.Policy.RuleRemovalOptions(false, new[] { "/S" }));
            Assert.False(request.RemoveProvisioned);
            Assert.Equal("\"C:\\Program Files\\App\\Uninstall.exe\" /S", RemovalPlanner.Plan(request, Env).CommandLine);
            Assert.True(new RemovalRequest(finding).RemoveProvisioned);
        }

        [Fact]
        public void Removes_the_provisioned_copy_when_the_rule_asks()
        {
            var plan = Plan(Violation(Provisioned()));
            Assert.Equal(RemovalMethod.ProvisionedPackage, plan.Method);
            Assert.Equal(RemovalCommands.RemoveProvisionedPackage(TikTokPackage), plan.CommandLine);

            var kept = Plan(Violation(Provisioned()), r => r.RemoveProvisioned = false);
            Assert.Equal(RemovalStatus.Refused, kept.FinalStatus);
            Assert.Contains("provisioned", kept.Reason);
        }
    }
}
