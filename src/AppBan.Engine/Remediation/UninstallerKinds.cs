using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    /// <summary>The installer technology behind an uninstall entry, as far as AppBan can tell (docs/remediation.md, uninstallers by kind).</summary>
    public enum UninstallerKind
    {
        /// <summary>Nothing says which: the entry's QuietUninstallString or the rule's silent switches decide.</summary>
        Unknown,
        /// <summary>Windows Installer: msiexec /x {ProductCode}.</summary>
        Msi,
        /// <summary>Inno Setup: unins000.exe, key &lt;AppId&gt;_is1.</summary>
        InnoSetup,
        /// <summary>NSIS: uninst.exe.</summary>
        Nsis,
        /// <summary>NSIS as electron-builder writes it: "Uninstall &lt;App&gt;.exe".</summary>
        ElectronBuilderNsis,
        /// <summary>A WiX Burn bundle, cached in ProgramData\Package Cache\{BundleId}.</summary>
        WixBurn,
        /// <summary>Squirrel.Windows: Update.exe --uninstall.</summary>
        Squirrel,
        /// <summary>Chromium's installer (Chrome, Edge): &lt;version&gt;\Installer\setup.exe --uninstall.</summary>
        ChromiumSetup,
    }

    /// <summary>
    /// The one place that tells the installer technology from an uninstall entry, and what each one needs to run unattended
    /// and which exit codes mean success. Machine-scope plans (<see cref="RemovalPlanner"/>) and users' own tasks
    /// (<see cref="UserTaskCommand"/>) both ask here. Recognising a kind only chooses arguments: the program is still the
    /// entry's own and passes every check it would pass without a kind.
    /// </summary>
    internal static class UninstallerKinds
    {
        // [3rd: Inno Setup help "Uninstaller Command Line Parameters"] /SILENT still shows progress and, when a restart is
        // needed, a "Reboot now?" box; /VERYSILENT /SUPPRESSMSGBOXES /NORESTART is the unattended form.
        // [guess W114] the uninstaller exits 0 when it removed the app and non-zero otherwise, as Setup does.
        public static readonly IReadOnlyList<string> InnoSetupArguments = new[] { "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART" };
        // [3rd: NSIS docs 3.2.1 "/S runs the installer or uninstaller silently"]
        public const string NsisSilentSwitch = "/S";
        // [3rd: WiX Burn engine command line /uninstall, /quiet, /norestart; wixtoolset/issues 4481 shows -uninstall -quiet]
        // [guess W113] every bundle's bootstrapper application (WiX's standard one and custom ones like Python's) honours
        // /quiet with no window, and the bundle's exit code is a Windows Installer-style one (0, 3010, 1641, 1602, 1603).
        public static readonly IReadOnlyList<string> WixBurnArguments = new[] { "/uninstall", "/quiet", "/norestart" };
        // [3rd: Squirrel.Windows docs "Install and Uninstall"] Update.exe --uninstall; -s is silent.
        public static readonly IReadOnlyList<string> SquirrelArguments = new[] { "--uninstall", "-s" };
        // [3rd: Chromium chrome/installer/setup switches --uninstall, --force-uninstall] the entry's own arguments name the
        // channel and --system-level; [guess W111] --force-uninstall skips the confirmation dialog.
        public const string ChromiumUninstallSwitch = "--uninstall";
        public const string ChromiumForceUninstallSwitch = "--force-uninstall";
        /// <summary>[3rd: Chromium chrome/installer/util/util_constants.h, InstallStatus] UNINSTALL_SUCCESSFUL = 19.</summary>
        public const int ChromiumUninstallSuccessful = 19;
        /// <summary>[3rd: same] CHROME_NOT_INSTALLED = 15, "returned in case of uninstall".</summary>
        public const int ChromiumNotInstalled = 15;

        // [3rd: Inno Setup] unins000.exe, unins001.exe beside an older one.
        private static readonly Regex InnoUninstaller = new Regex(@"\Aunins[0-9]{3}\.exe\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        // [3rd: electron-builder nsis "Uninstall ${productName}.exe"]
        private static readonly Regex ElectronBuilderUninstaller = new Regex(@"\AUninstall .+\.exe\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        // [3rd: NSIS examples WriteUninstaller "$INSTDIR\uninst.exe"] [guess W112] uninst.exe is NSIS's; uninstall.exe is too common
        // a name among installer technologies to say which, so the entry's QuietUninstallString or the rule decides for it.
        private static readonly Regex NsisUninstaller = new Regex(@"\Auninst\.exe\z", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        // [3rd: WiX Burn caches a per-machine bundle as ProgramData\Package Cache\{BundleId}\<bundle>.exe]
        private static readonly Regex BurnCache = new Regex(@"\\Package Cache\\\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}\\[^\\]+\.exe\z",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>
        /// The kind of the uninstaller <paramref name="program"/> (parsed out of one of <paramref name="app"/>'s strings, with
        /// its <paramref name="arguments"/>). Program names come first; the entry's other values (key name, Inno Setup's and
        /// Burn's own values) settle what the name alone does not.
        /// </summary>
        public static UninstallerKind Recognize(InstalledApp app, string program, IReadOnlyList<string> arguments)
        {
            if (string.IsNullOrEmpty(program)) return UninstallerKind.Unknown;
            arguments = arguments ?? Array.Empty<string>();
            var name = program.Substring(program.LastIndexOf('\\') + 1);
            if (string.Equals(name, "Update.exe", StringComparison.OrdinalIgnoreCase)) return UninstallerKind.Squirrel;
            if (string.Equals(name, "setup.exe", StringComparison.OrdinalIgnoreCase) && HasArgument(arguments, ChromiumUninstallSwitch))
                return UninstallerKind.ChromiumSetup;
            if (InnoUninstaller.IsMatch(name)) return UninstallerKind.InnoSetup;
            if (ElectronBuilderUninstaller.IsMatch(name)) return UninstallerKind.ElectronBuilderNsis;
            if (NsisUninstaller.IsMatch(name)) return UninstallerKind.Nsis;
            if (BurnCache.IsMatch(program)) return UninstallerKind.WixBurn;
            if (app != null)
            {
                // [3rd: Inno Setup] its uninstall key is named <AppId>_is1 and carries "Inno Setup: App Path".
                if ((app.KeyName != null && app.KeyName.EndsWith("_is1", StringComparison.OrdinalIgnoreCase)) || !string.IsNullOrEmpty(app.InnoSetupAppPath))
                    return UninstallerKind.InnoSetup;
                if (!string.IsNullOrEmpty(app.BundleCachePath) || app.HasBundleUpgradeCode) return UninstallerKind.WixBurn;
            }
            return UninstallerKind.Unknown;
        }

        /// <summary>
        /// The arguments that run an uninstaller of <paramref name="kind"/> unattended, given the arguments its entry wrote;
        /// null for <see cref="UninstallerKind.Unknown"/> and <see cref="UninstallerKind.Msi"/> (built elsewhere).
        /// </summary>
        public static IReadOnlyList<string> UnattendedArguments(UninstallerKind kind, IReadOnlyList<string> entryArguments)
        {
            entryArguments = entryArguments ?? Array.Empty<string>();
            switch (kind)
            {
                case UninstallerKind.InnoSetup: return InnoSetupArguments;
                case UninstallerKind.WixBurn: return WixBurnArguments;
                case UninstallerKind.Squirrel: return SquirrelArguments;
                case UninstallerKind.Nsis:
                case UninstallerKind.ElectronBuilderNsis:
                    // The entry's own arguments stay (electron-builder's /allusers or /currentuser picks the install to remove;
                    // [guess W115] with /S it asks nothing, also when the app is running).
                    return With(entryArguments, NsisSilentSwitch);
                case UninstallerKind.ChromiumSetup:
                    // The entry's own arguments name the product, channel and level (--msedge, --channel=stable, --system-level).
                    return With(With(entryArguments, ChromiumUninstallSwitch), ChromiumForceUninstallSwitch);
                default: return null;
            }
        }

        /// <summary>What <paramref name="exitCode"/> says for an uninstaller of <paramref name="kind"/>; the re-scan still decides.</summary>
        public static ExitCodeMeaning InterpretExitCode(UninstallerKind kind, int? exitCode)
        {
            if (kind == UninstallerKind.ChromiumSetup && exitCode.HasValue)
            {
                if (exitCode.Value == ChromiumUninstallSuccessful) return ExitCodeMeaning.Success;
                if (exitCode.Value == ChromiumNotInstalled) return ExitCodeMeaning.AlreadyAbsent;
            }
            return UninstallExitCodes.Interpret(exitCode);
        }

        /// <summary>How the kind is named in messages.</summary>
        public static string Describe(UninstallerKind kind)
        {
            switch (kind)
            {
                case UninstallerKind.InnoSetup: return "Inno Setup";
                case UninstallerKind.Nsis: return "NSIS";
                case UninstallerKind.ElectronBuilderNsis: return "electron-builder NSIS";
                case UninstallerKind.WixBurn: return "WiX Burn";
                case UninstallerKind.Squirrel: return "Squirrel";
                case UninstallerKind.ChromiumSetup: return "Chromium setup.exe";
                case UninstallerKind.Msi: return "Windows Installer";
                default: return "unknown";
            }
        }

        private static bool HasArgument(IEnumerable<string> arguments, string argument) =>
            arguments.Any(a => string.Equals(a, argument, StringComparison.OrdinalIgnoreCase));

        private static IReadOnlyList<string> With(IReadOnlyList<string> arguments, string argument) =>
            HasArgument(arguments, argument) ? arguments : arguments.Concat(new[] { argument }).ToList();
    }
}
