using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public class TargetEnvironmentTests
    {
        [Fact]
        public async Task Reads_the_folders_from_the_targets_hklm()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion", "SystemRoot", @"E:\WINDOWS");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion", "ProgramFilesDir", @"E:\Program Files");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion", "ProgramFilesDir (x86)", @"E:\Program Files (x86)");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList", "ProgramData", @"%SystemDrive%\ProgramData");
            var env = await TargetEnvironmentReader.ReadAsync(new RegistryClient(target));
            Assert.Equal(@"E:\WINDOWS", env.GetVariable("windir"));
            Assert.Equal("E:", env.GetVariable("SystemDrive"));
            Assert.Equal(@"E:\Program Files (x86)", env.GetVariable("ProgramFiles(x86)"));
            Assert.Equal(@"E:\ProgramData", env.GetVariable("ALLUSERSPROFILE"));
            Assert.Equal(@"E:\Program Files\Common Files", env.GetVariable("CommonProgramFiles"));
            Assert.Equal(new[] { @"E:\Program Files", @"E:\Program Files (x86)", @"E:\ProgramData", @"E:\WINDOWS" }, env.AllowedRoots);
        }

        [Fact]
        public async Task Falls_back_to_the_standard_layout_and_ignores_unsafe_values()
        {
            var target = new FakeWindowsHost("PC01");
            target.SetValue(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion", "ProgramFilesDir", @"C:\Users\Public & calc");
            var env = await TargetEnvironmentReader.ReadAsync(new RegistryClient(target));
            Assert.Equal(@"C:\Windows", env.SystemRoot);
            Assert.Equal(@"C:\Program Files", env.GetVariable("ProgramFiles"));
            Assert.Null(env.GetVariable("TEMP"));
            Assert.Null(env.GetVariable("LOCALAPPDATA"));
        }
    }
}
