using System;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public class RemovalCommandsTests
    {
        private const string Pfn = TestFindings.TikTokPackage;
        private const string Sid = TestFindings.AliceSid;

        [Fact]
        public void Builds_the_msi_form() =>
            Assert.Equal("msiexec.exe /x {7C9E6679-7425-40DE-944B-E07FC1F90AE7} /qn /norestart",
                RemovalCommands.Msi("{7c9e6679-7425-40de-944b-e07fc1f90ae7}"));

        [Fact]
        public void Builds_the_store_forms()
        {
            Assert.Equal("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxPackage -Package 'BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se' -AllUsers -ErrorAction Stop\"",
                RemovalCommands.RemoveAppxPackageForAllUsers(Pfn));
            Assert.Equal("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxPackage -Package 'BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se' -User 'S-1-5-21-1004336348-1177238915-682003330-1001' -ErrorAction Stop\"",
                RemovalCommands.RemoveAppxPackageForUser(Pfn, Sid));
            Assert.Equal("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"Remove-AppxProvisionedPackage -Online -PackageName 'BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se' -ErrorAction Stop\"",
                RemovalCommands.RemoveProvisionedPackage(Pfn));
        }

        [Fact]
        public void Builds_the_exe_form_with_the_program_quoted()
        {
            Assert.Equal("\"C:\\Program Files\\App\\uninst.exe\" /S --force", RemovalCommands.Executable(@"C:\Program Files\App\uninst.exe", new[] { "/S", "--force" }));
            Assert.Equal("\"C:\\Program Files\\App\\uninst.exe\"", RemovalCommands.Executable(@"C:\Program Files\App\uninst.exe", null));
        }

        [Fact]
        public void Refuses_to_build_from_unvalidated_input()
        {
            Assert.Throws<ArgumentException>(() => RemovalCommands.Msi("{7C9E6679-7425-40DE-944B-E07FC1F90AE7} & calc"));
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveAppxPackageForAllUsers(Pfn + "' ; calc ; '"));
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveAppxPackageForUser(Pfn, Sid + "' -AllUsers '"));
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveProvisionedPackage("x"));
            Assert.Throws<ArgumentException>(() => RemovalCommands.Executable("C:\\a\" & calc & \".exe", null));
            Assert.Throws<ArgumentException>(() => RemovalCommands.Executable(@"C:\Program Files\App\uninst.exe", new[] { "/S", "&", "calc" }));
        }

        [Theory]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\n")]
        [InlineData("7C9E6679-7425-40DE-944B-E07FC1F90AE7")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\" & calc.exe & \"")]
        public void Builds_msiexec_only_from_an_exact_braced_guid(string code) =>
            Assert.Throws<ArgumentException>(() => RemovalCommands.Msi(code));

        [Theory]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se'")]
        [InlineData("Bytedance Pte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se\n")]
        [InlineData("Bytedance$(calc)_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("Bytedance;calc_1.0.1.0_x64__6yccndn6064se")]
        public void Builds_appx_commands_only_from_a_package_name_that_follows_the_grammar(string package)
        {
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveAppxPackageForAllUsers(package));
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveProvisionedPackage(package));
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveAppxPackageForUser(package, Sid));
        }

        [Theory]
        [InlineData("S-1-5-21-1-2-3-1001' -AllUsers '")]
        [InlineData("S-1-5-21-1-2-3-1001\n")]
        [InlineData("S-1-5-21-1-2-3-1001 ")]
        [InlineData("alice")]
        public void Builds_a_per_user_removal_only_for_a_sid(string sid) =>
            Assert.Throws<ArgumentException>(() => RemovalCommands.RemoveAppxPackageForUser(Pfn, sid));

        [Fact]
        public void Doubles_single_quotes_in_powershell_literals() =>
            Assert.Equal("'it''s'", RemovalCommands.PowerShellLiteral("it's"));

        [Fact]
        public void Every_form_passes_the_exit_code_wrapper()
        {
            var id = Guid.NewGuid().ToString("N");
            foreach (var inner in new[]
            {
                RemovalCommands.Msi(TestFindings.ProductCode),
                RemovalCommands.RemoveAppxPackageForAllUsers(Pfn),
                RemovalCommands.RemoveAppxPackageForUser(Pfn, Sid),
                RemovalCommands.RemoveProvisionedPackage(Pfn),
                RemovalCommands.Executable(@"C:\Program Files (x86)\App\uninst.exe", new[] { "/S", "/LOG=\"C:\\a b.txt\"" }),
            })
            {
                Assert.StartsWith("cmd.exe /d /v:on /s /c \"" + inner + " & reg.exe add", ProcessClient.WrapForExitCode(inner, id));
            }
        }
    }
}
