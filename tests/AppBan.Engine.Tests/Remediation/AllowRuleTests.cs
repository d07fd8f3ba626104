using AppBan.Engine.Remediation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>
    /// The allow rule (<see cref="ExecutablePolicy.AllowedLocation"/>) through the planner's parse and checks: the six
    /// command runners the attack run found are refused however their entry names its InstallLocation, and real
    /// uninstall strings still run. Each real string's source is noted beside it.
    /// </summary>
    public class AllowRuleTests
    {
        private static readonly TargetEnvironment Env = TargetEnvironment.WindowsDefaults;

        private static string Check(string uninstallString, string installLocation)
        {
            var parsed = UninstallCommandParser.Parse(uninstallString, Env);
            Assert.True(parsed.Success, parsed.Error);
            if (parsed.Command.Form == UninstallCommandForm.Msi) return null; // AppBan builds msiexec itself
            return ExecutablePolicy.CheckExecutable(parsed.Command.ExecutablePath, Env, installLocation);
        }

        [Theory]
        [InlineData(@"C:\Windows\System32\pcalua.exe -a C:\Users\Public\payload.exe", @"C:\Windows\System32")]
        [InlineData(@"C:\Windows\System32\net.exe user eve Passw0rd1 /add", null)]
        [InlineData(@"""C:\Program Files\Python312\python.exe"" -c ""import os""", @"C:\Program Files\Python312")]
        [InlineData(@"""C:\Program Files\dotnet\dotnet.exe"" C:\Users\Public\payload.dll", @"C:\Program Files\dotnet")]
        [InlineData(@"""C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe"" --gpu-launcher=""C:\Users\Public\x.exe""", @"C:\Program Files (x86)\Microsoft\Edge\Application")]
        [InlineData(@"C:\Windows\System32\control.exe C:\Users\Public\payload.cpl", @"C:\Windows\System32")]
        [InlineData(@"""C:\Program Files\Python313-arm64\python.exe"" -c ""import os""", null)]
        [InlineData(@"""C:\Program Files\PowerShell\7\pwsh.exe"" -c calc", @"C:\Program Files\PowerShell\7")]
        [InlineData(@"""C:\Program Files\Git\bin\bash.exe"" -c calc", @"C:\Program Files\Git")]
        [InlineData(@"""C:\Program Files\Google\Chrome\Application\chrome.exe"" --renderer-cmd-prefix=calc", @"C:\Program Files\Google\Chrome\Application")]
        [InlineData(@"""C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\setup.exe"" --uninstall", @"C:\Program Files\TikTok")]
        [InlineData(@"""C:\ProgramData\Microsoft\Windows\x.exe"" /S", @"C:\ProgramData\Microsoft\Windows")]
        [InlineData(@"""C:\ProgramData\TikTok\uninstall.exe"" /S", null)]
        [InlineData(@"""C:\ProgramData\Package Cache\{8F3B9C1D-2E4A-4B6C-9D8E-1F2A3B4C5D6E}\sub\x.exe"" /S", null)]
        [InlineData(@"""C:\Program Files\uninstall.exe"" /S", null)]
        public void Runners_and_programs_outside_the_apps_folder_are_refused(string uninstallString, string installLocation) =>
            Assert.NotNull(Check(uninstallString, installLocation));

        [Theory]
        // The review's cases: programs one folder or more below Program Files that run what they are told, and a
        // runtime outside Program Files; each names its own folder as InstallLocation.
        [InlineData(@"""C:\Program Files (x86)\Microsoft\Edge Beta\Application\msedge.exe"" --gpu-launcher=""C:\Users\Public\x.exe""", @"C:\Program Files (x86)\Microsoft\Edge Beta\Application", "runtime folder")]
        [InlineData(@"""C:\Program Files (x86)\Microsoft\Edge Dev\Application\msedge.exe"" --gpu-launcher=""C:\Users\Public\x.exe""", @"C:\Program Files (x86)\Microsoft\Edge Dev\Application", "runtime folder")]
        [InlineData(@"""C:\Program Files\Google\Chrome Beta\Application\chrome.exe"" --renderer-cmd-prefix=calc", @"C:\Program Files\Google\Chrome Beta\Application", "runtime folder")]
        [InlineData(@"""C:\Program Files\Microsoft\jdk-17.0.9.8-hotspot\bin\java.exe"" -jar C:\Users\Public\x.jar", @"C:\Program Files\Microsoft\jdk-17.0.9.8-hotspot", "runtime folder")]
        [InlineData(@"""C:\Program Files\Git\git-cmd.exe"" --command=calc", @"C:\Program Files\Git", "runtime folder")]
        [InlineData(@"""C:\Program Files\R\R-4.3.1\bin\Rscript.exe"" -e ""system('calc')""", @"C:\Program Files\R\R-4.3.1", "runtime folder")]
        [InlineData(@"""C:\ProgramData\Anaconda3\python.exe"" -c ""import os""", @"C:\ProgramData\Anaconda3", "runtime folder")]
        // Runtime folders refused wherever they are, even for an uninstaller-named program.
        [InlineData(@"""C:\ProgramData\Miniconda3\Scripts\uninstall.exe"" /S", @"C:\ProgramData\Miniconda3", "runtime folder")]
        [InlineData(@"""C:\Program Files\Vendor\Python311\uninstall.exe"" /S", @"C:\Program Files\Vendor", "runtime folder")]
        // A runtime's own uninstaller only for the runtime's own entry.
        [InlineData(@"""C:\Program Files\Git\unins000.exe"" /VERYSILENT", @"C:\Program Files\TikTok", "runtime folder")]
        // Not named like an uninstaller, though in the app's own folder.
        [InlineData(@"""C:\Program Files\TikTok\TikTok.exe"" --uninstall", @"C:\Program Files\TikTok", "not named like an uninstaller")]
        [InlineData(@"""C:\Program Files\TikTok\helper.exe"" /S", null, "not named like an uninstaller")]
        // Squirrel's Update.exe installs from the URL its --update names.
        [InlineData(@"""C:\Program Files\TikTok\Update.exe"" --update=https://example.invalid/releases", @"C:\Program Files\TikTok", "not named like an uninstaller")]
        // An uninstaller outside the entry's InstallLocation.
        [InlineData(@"""C:\Program Files\Other App\uninstall.exe"" /S", @"C:\Program Files\TikTok", "outside the app's own folder")]
        public void Programs_that_are_not_the_apps_own_uninstaller_are_refused(string uninstallString, string installLocation, string reason) =>
            Assert.Contains(reason, Check(uninstallString, installLocation));

        [Theory]
        // 7-Zip (its own NSIS-style installer): the entry 7-Zip writes, per the uninstall string the brief quotes. [guess: not seen in a published export here]
        [InlineData(@"""C:\Program Files\7-Zip\Uninstall.exe""", @"C:\Program Files\7-Zip\")]
        // Notepad++ (NSIS): uninstall.exe in the install folder. [guess: not seen in a published export here]
        [InlineData(@"""C:\Program Files\Notepad++\uninstall.exe"" /S", null)]
        // VLC (NSIS): uninstall.exe in VideoLAN\VLC. [guess: not seen in a published export here]
        [InlineData(@"""C:\Program Files\VideoLAN\VLC\uninstall.exe"" /S", @"C:\Program Files\VideoLAN\VLC")]
        // Git for Windows (Inno Setup): unins000.exe in the install folder. [guess: Inno Setup's standard name]
        [InlineData(@"""C:\Program Files\Git\unins000.exe"" /VERYSILENT", @"C:\Program Files\Git\")]
        // Zoom machine-wide EXE installer: bin\Installer.exe /uninstall. [guess]
        [InlineData(@"""C:\Program Files\Zoom\bin\Installer.exe"" /uninstall", @"C:\Program Files\Zoom\bin")]
        // Firefox: a published Get-ItemProperty export shows UninstallString "C:\Program Files\Mozilla Firefox\uninstall\helper.exe"
        // with InstallLocation C:\Program Files\Mozilla Firefox; -ms is its documented silent switch.
        [InlineData(@"""C:\Program Files\Mozilla Firefox\uninstall\helper.exe"" -ms", @"C:\Program Files\Mozilla Firefox")]
        // Chrome system-level: BornToBeRoot/PowerShell Documentation/Get-InstalledSoftware.README shows
        // "...\Google\Chrome\Application\51.0.2704.103\Installer\setup.exe" --uninstall ... --system-level with
        // InstallLocation ...\Google\Chrome\Application.
        [InlineData(@"""C:\Program Files\Google\Chrome\Application\120.0.6099.130\Installer\setup.exe"" --uninstall --channel=stable --system-level --verbose-logging", @"C:\Program Files\Google\Chrome\Application")]
        // Edge: published scripts run "C:\Program Files (x86)\Microsoft\Edge\Application\<version>\Installer\setup.exe" --uninstall
        // --system-level, the string its HKLM entry carries.
        [InlineData(@"""C:\Program Files (x86)\Microsoft\Edge\Application\120.0.2210.91\Installer\setup.exe"" --uninstall --msedge --channel=stable --system-level --verbose-logging", @"C:\Program Files (x86)\Microsoft\Edge\Application")]
        // A WiX Burn bundle cached per machine: published uninstall strings such as
        // "C:\ProgramData\Package Cache\{d0ab664c-e704-4396-b9bc-ad1a7327731f}\DellUpdateSupportAssistPlugin.exe" /uninstall /quiet
        // (the GUID folder may be lower case).
        [InlineData(@"""C:\ProgramData\Package Cache\{d0ab664c-e704-4396-b9bc-ad1a7327731f}\DellUpdateSupportAssistPlugin.exe"" /uninstall /quiet /norestart", null)]
        // python.org installer (a Burn bundle): QuietUninstallString in the Package Cache. [guess: the bundle's file name]
        [InlineData(@"""C:\ProgramData\Package Cache\{3E8C6B40-3E6D-4C0A-9C16-2F6C2F1D2B9E}\python-3.12.0-amd64.exe"" /uninstall /quiet", null)]
        // An MSI entry: only the product code is used (AppBan builds msiexec /x itself).
        [InlineData(@"MsiExec.exe /X{26A24AE4-039D-4CA4-87B4-2F64180401F0}", null)]
        // Java (Oracle JRE 8 registers an MSI entry with /I{26A24AE4-...}): the same. [guess: the exact code]
        [InlineData(@"MsiExec.exe /I{26A24AE4-039D-4CA4-87B4-2F32180401F0}", null)]
        // TikTok LIVE Studio (electron-builder NSIS, per machine): the string the brief quotes; /allusers is electron-builder's.
        [InlineData(@"""C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe"" /allusers", @"C:\Program Files\TikTok LIVE Studio")]
        // Visual Studio's installer: "C:\Program Files (x86)\Microsoft Visual Studio\Installer\vs_installer.exe /uninstall" (published script).
        [InlineData(@"C:\Program Files (x86)\Microsoft Visual Studio\Installer\vs_installer.exe /uninstall", null)]
        // An app installed under ProgramData whose InstallLocation names its folder (checked for file security later).
        [InlineData(@"""C:\ProgramData\Vendor App\uninstall.exe"" /S", @"C:\ProgramData\Vendor App")]
        // R (Inno Setup): unins000.exe at the top of its versioned folder. [guess: Inno Setup's standard name]
        [InlineData(@"""C:\Program Files\R\R-4.3.1\unins000.exe"" /VERYSILENT", @"C:\Program Files\R\R-4.3.1")]
        // Edge Beta: its versioned installer, for its own entry. [guess: the Beta channel registers as the stable one does]
        [InlineData(@"""C:\Program Files (x86)\Microsoft\Edge Beta\Application\121.0.2277.4\Installer\setup.exe"" --uninstall --msedge-beta --channel=beta --system-level", @"C:\Program Files (x86)\Microsoft\Edge Beta\Application")]
        public void Real_uninstallers_still_run(string uninstallString, string installLocation) =>
            Assert.Null(Check(uninstallString, installLocation));

        [Theory]
        [InlineData(@"C:\Program Files\App\uninst.exe", false)]
        [InlineData(@"C:\Program Files (x86)\App\uninst.exe", false)]
        [InlineData(@"C:\Windows\Installer\{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\uninst.exe", false)]
        [InlineData(@"C:\ProgramData\Package Cache\{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\setup.exe", true)]
        public void Only_programs_outside_Program_Files_and_Windows_need_the_file_security_check(string path, bool expected) =>
            Assert.Equal(expected, ExecutablePolicy.NeedsFileSecurityCheck(path, Env));
    }
}
