using System.Collections.Generic;
using AppBan.Engine.Remediation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public class ExecutablePolicyTests
    {
        private static readonly TargetEnvironment Env = TargetEnvironment.WindowsDefaults;

        [Theory]
        [InlineData(@"C:\Program Files\App\uninst.exe")]
        [InlineData(@"C:\Program Files (x86)\App Dir\unins000.exe")]
        [InlineData(@"C:\ProgramData\Package Cache\{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\setup.exe")]
        [InlineData(@"c:\program files\app\UNINSTALL.EXE")]
        [InlineData(@"C:\Windows\Installer\{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\uninst.exe")]
        public void Accepts_uninstallers_under_the_machine_folders(string path) => Assert.Null(ExecutablePolicy.CheckExecutable(path, Env));

        [Theory]
        [InlineData(@"C:\Users\alice\AppData\Local\CapCut\uninst.exe", "not under Program Files")]
        [InlineData(@"C:\Program Files Evil\uninst.exe", "not under Program Files")]
        [InlineData(@"C:\ProgramDataX\uninst.exe", "not under Program Files")]
        [InlineData(@"C:\uninst.exe", "not under Program Files")]
        [InlineData(@"D:\Program Files\App\uninst.exe", "not under Program Files")]
        [InlineData(@"\\server\share\uninst.exe", "UNC")]
        [InlineData(@"\\?\C:\Program Files\App\uninst.exe", "UNC")]
        [InlineData(@"Program Files\App\uninst.exe", "not absolute")]
        [InlineData(@"uninst.exe", "not absolute")]
        [InlineData(@"C:Program Files\App\uninst.exe", "not absolute")]
        [InlineData(@"C:\Program Files\..\Users\alice\uninst.exe", "'..'")]
        [InlineData(@"C:\Program Files\.\App\uninst.exe", "'.'")]
        [InlineData(@"C:\Program Files\\App\uninst.exe", "empty folder name")]
        [InlineData(@"C:\Program Files\App.\uninst.exe", "trailing")]
        [InlineData(@"C:\Program Files\App \uninst.exe", "trailing")]
        [InlineData(@"C:/Program Files/App/uninst.exe", "not absolute")]
        [InlineData(@"C:\Program Files\App/x\uninst.exe", "character a file name cannot have")]
        [InlineData(@"C:\Program Files\App\uninst.exe:evil.exe", "alternate data stream")]
        [InlineData(@"C:\PROGRA~1\App\UNINST~1.EXE", "8.3")]
        [InlineData(@"C:\Program Files\App\uninst.bat", "not an .exe")]
        [InlineData(@"C:\Program Files\App\uninst.cmd", "not an .exe")]
        [InlineData(@"C:\Program Files\App\uninst", "not an .exe")]
        [InlineData(@"C:\Program Files\A&B\uninst.exe", "metacharacter")]
        [InlineData(@"C:\Windows\System32\cmd.exe", "runs other commands")]
        [InlineData(@"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "runs other commands")]
        [InlineData(@"C:\Windows\System32\rundll32.exe", "runs other commands")]
        [InlineData(@"C:\Windows\System32\msiexec.exe", "runs other commands")]
        [InlineData(@"C:\Windows\Temp\uninst.exe", "users can write")]
        [InlineData(@"C:\Windows\Tasks\uninst.exe", "users can write")]
        [InlineData(@"C:\Windows\System32\spool\drivers\color\uninst.exe", "users can write")]
        [InlineData(@"C:\Windows\tracing\sub\uninst.exe", "users can write")]
        public void Refuses_anything_else(string path, string reason)
        {
            var error = ExecutablePolicy.CheckExecutable(path, Env);
            Assert.NotNull(error);
            Assert.Contains(reason, error);
        }

        [Fact]
        public void Uses_the_targets_own_folders()
        {
            var env = TargetEnvironment.FromSystemRoot(@"D:\Windows", null);
            Assert.Null(ExecutablePolicy.CheckExecutable(@"D:\Program Files\App\uninst.exe", env));
            Assert.NotNull(ExecutablePolicy.CheckExecutable(@"C:\Program Files\App\uninst.exe", env));
        }

        [Theory]
        [InlineData("&")]
        [InlineData("/S&calc")]
        [InlineData("/S|calc")]
        [InlineData("/S>C:\\x")]
        [InlineData("/S<C:\\x")]
        [InlineData("^")]
        [InlineData("/D=%TEMP%")]
        [InlineData("/S!x!")]
        [InlineData("/S\ncalc")]
        [InlineData("/S\rcalc")]
        [InlineData("\"/S")]
        public void Refuses_arguments_with_metacharacters(string argument) =>
            Assert.NotNull(ExecutablePolicy.CheckArguments(new[] { "/norestart", argument }));

        [Fact]
        public void Accepts_plain_and_quoted_arguments() =>
            Assert.Null(ExecutablePolicy.CheckArguments(new List<string> { "/S", "--force-uninstall", "/LOG=\"C:\\a b.txt\"", "\"\"", "_?=C:\\Program Files\\App" }));

        [Theory]
        [InlineData(@"C:\Program Files\App\x.exe", @"C:\Program Files", true)]
        [InlineData(@"C:\Program Files\App\x.exe", @"C:\Program Files\", true)]
        [InlineData(@"C:\Program Files (x86)\App\x.exe", @"C:\Program Files", false)]
        [InlineData(@"C:\Program Files", @"C:\Program Files", false)]
        public void Compares_folders_segment_by_segment(string path, string folder, bool under) =>
            Assert.Equal(under, ExecutablePolicy.IsUnder(path, folder));
    }
}
