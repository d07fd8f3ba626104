using System.Collections.Generic;
using AppBan.Engine.Remediation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public class UninstallCommandParserTests
    {
        private static readonly TargetEnvironment Env = TargetEnvironment.WindowsDefaults;

        private static UninstallCommand Parsed(string text)
        {
            var r = UninstallCommandParser.Parse(text, Env);
            Assert.True(r.Success, r.Error);
            return r.Command;
        }

        [Theory]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" /S", "C:\\Program Files\\App\\uninst.exe", "/S")]
        [InlineData("C:\\Program Files\\App\\uninst.exe /S", "C:\\Program Files\\App\\uninst.exe", "/S")]
        [InlineData("C:\\Program Files (x86)\\App Dir\\unins000.exe", "C:\\Program Files (x86)\\App Dir\\unins000.exe", "")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\"/S", "C:\\Program Files\\App\\uninst.exe", "/S")]
        [InlineData("C:\\Program Files\\App\\uninst.exe/S /norestart", "C:\\Program Files\\App\\uninst.exe", "/S|/norestart")]
        [InlineData("C:\\PROGRA~1\\App\\UNINST~1.EXE /S", "C:\\PROGRA~1\\App\\UNINST~1.EXE", "/S")]
        [InlineData("\"\"C:\\Program Files\\App\\uninst.exe\"\" /S", "C:\\Program Files\\App\\uninst.exe", "/S")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" \"\" /S", "C:\\Program Files\\App\\uninst.exe", "\"\"|/S")]
        [InlineData("  \"C:\\Program Files\\App\\uninst.exe\"   --uninstall   -s  ", "C:\\Program Files\\App\\uninst.exe", "--uninstall|-s")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" /LOG=\"C:\\Program Files\\App\\un log.txt\" /S", "C:\\Program Files\\App\\uninst.exe", "/LOG=\"C:\\Program Files\\App\\un log.txt\"|/S")]
        [InlineData("C:\\Program Files\\App\\Uninstall App.exe --force-uninstall", "C:\\Program Files\\App\\Uninstall App.exe", "--force-uninstall")]
        [InlineData("C:\\Program Files\\My.exeTools\\uninst.exe /S", "C:\\Program Files\\My.exeTools\\uninst.exe", "/S")]
        public void Splits_program_and_arguments(string text, string exe, string args)
        {
            var c = Parsed(text);
            Assert.Equal(UninstallCommandForm.Executable, c.Form);
            Assert.Equal(exe, c.ExecutablePath);
            Assert.Equal(args.Length == 0 ? new string[0] : args.Split('|'), c.Arguments);
        }

        [Theory]
        [InlineData("MsiExec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7}", false)]
        [InlineData("MsiExec.exe /I{7c9e6679-7425-40de-944b-e07fc1f90ae7}", true)]
        [InlineData("msiexec /x {7C9E6679-7425-40DE-944B-E07FC1F90AE7} /qb", false)]
        [InlineData("C:\\Windows\\System32\\msiexec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7}", false)]
        [InlineData("\"C:\\Windows\\System32\\MsiExec.exe\" /X \"{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\"", false)]
        [InlineData("MsiExec.exe/X{7C9E6679-7425-40DE-944B-E07FC1F90AE7}", false)]
        [InlineData("%SystemRoot%\\System32\\MsiExec.exe -x {7C9E6679-7425-40DE-944B-E07FC1F90AE7}", false)]
        [InlineData("MsiExec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7} & calc.exe", false)]
        public void Turns_msiexec_forms_into_a_product_code(string text, bool install)
        {
            var c = Parsed(text);
            Assert.Equal(UninstallCommandForm.Msi, c.Form);
            Assert.Equal("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}", c.ProductCode);
            Assert.Equal(install, c.MsiInstallForm);
        }

        [Theory]
        [InlineData("MsiExec.exe /X{not-a-guid}", "valid product code")]
        [InlineData("MsiExec.exe /I C:\\Users\\bob\\evil.msi", "valid product code")]
        [InlineData("MsiExec.exe /qn", "names no product")]
        [InlineData("MsiExec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7} /X{11111111-1111-1111-1111-111111111111}", "two different")]
        [InlineData("MsiExec.exe /X{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\" & calc.exe", "unbalanced")]
        public void Refuses_msiexec_forms_without_a_usable_product_code(string text, string reason)
        {
            var r = UninstallCommandParser.Parse(text, Env);
            Assert.False(r.Success);
            Assert.Contains(reason, r.Error);
        }

        [Theory]
        [InlineData("%ProgramFiles%\\App\\uninst.exe /S", "C:\\Program Files\\App\\uninst.exe")]
        [InlineData("\"%ProgramFiles(x86)%\\App\\uninst.exe\" /S", "C:\\Program Files (x86)\\App\\uninst.exe")]
        [InlineData("\"%programdata%\\Package Cache\\{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\\setup.exe\" /uninstall", "C:\\ProgramData\\Package Cache\\{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\\setup.exe")]
        [InlineData("%windir%\\Installer\\x.exe", "C:\\Windows\\Installer\\x.exe")]
        public void Expands_only_the_fixed_system_folders(string text, string exe) => Assert.Equal(exe, Parsed(text).ExecutablePath);

        [Fact]
        public void Expands_with_the_targets_own_values()
        {
            var env = TargetEnvironment.FromSystemRoot(@"D:\WINNT", new Dictionary<string, string> { ["ProgramFiles"] = @"E:\Apps" });
            var r = UninstallCommandParser.Parse("%ProgramFiles%\\App\\uninst.exe /D=%SystemDrive%\\x", env);
            Assert.True(r.Success, r.Error);
            Assert.Equal(@"E:\Apps\App\uninst.exe", r.Command.ExecutablePath);
            Assert.Equal(new[] { @"/D=D:\x" }, r.Command.Arguments);
        }

        [Theory]
        [InlineData("%LOCALAPPDATA%\\CapCut\\uninst.exe", "%LOCALAPPDATA%")]
        [InlineData("\"%TEMP%\\x.exe\"", "%TEMP%")]
        [InlineData("%USERPROFILE%\\x.exe", "%USERPROFILE%")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" /D=50%", "unpaired %")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" %%", "%%")]
        public void Refuses_other_variables(string text, string reason)
        {
            var r = UninstallCommandParser.Parse(text, Env);
            Assert.False(r.Success);
            Assert.Contains(reason, r.Error);
        }

        [Theory]
        [InlineData(null, "empty")]
        [InlineData("   ", "empty")]
        [InlineData("\"\"", "empty quotes")]
        [InlineData("\"\" /S", "empty quotes")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe", "unbalanced")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" /S\r\ncalc.exe", "line break")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" /S\ncalc.exe", "line break")]
        [InlineData("\"C:\\Program Files\\App\\uninst.exe\" \"a\\\"b\"", "backslash")]
        public void Refuses_malformed_strings(string text, string reason)
        {
            var r = UninstallCommandParser.Parse(text, Env);
            Assert.False(r.Success);
            Assert.Contains(reason, r.Error);
        }

        [Fact]
        public void Leaves_shell_chaining_to_the_policy_but_keeps_it_visible()
        {
            var c = Parsed("\"C:\\Program Files\\App\\uninst.exe\" /S & calc.exe");
            Assert.Equal(new[] { "/S", "&", "calc.exe" }, c.Arguments);
            Assert.NotNull(ExecutablePolicy.CheckArguments(c.Arguments));
        }
    }
}
