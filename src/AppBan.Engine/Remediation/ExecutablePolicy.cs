using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// What a machine-scope EXE uninstaller must look like before it is run as admin or SYSTEM. Every check
    /// returns null when it passes, or the reason for refusing, phrased for the operator.
    /// </summary>
    internal static class ExecutablePolicy
    {
        /// <summary>cmd.exe metacharacters: chaining, redirection, escaping and variable expansion.</summary>
        public static readonly char[] CmdMetacharacters = { '&', '|', '<', '>', '^', '%', '!', '\r', '\n' };

        private static readonly char[] InvalidPathCharacters = { '"', '*', '?', '<', '>', '|', '/' };

        // Programs that run whatever their arguments say: running one would be shell chaining by another name.
        private static readonly HashSet<string> CommandRunners = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "cmd.exe", "powershell.exe", "powershell_ise.exe", "pwsh.exe", "wscript.exe", "cscript.exe", "mshta.exe",
            "rundll32.exe", "regsvr32.exe", "msbuild.exe", "installutil.exe", "regasm.exe", "regsvcs.exe", "wmic.exe",
            "schtasks.exe", "at.exe", "forfiles.exe", "conhost.exe", "explorer.exe", "bitsadmin.exe", "certutil.exe",
            "reg.exe", "sc.exe", "bash.exe", "wsl.exe", "msiexec.exe",
        };

        // Windows' own folders under Program Files (its programs, never an app's uninstaller).
        private static readonly string[] SystemFoldersUnderProgramFiles =
        {
            "WindowsApps", "Windows Defender", "Windows Defender Advanced Threat Protection", "Windows NT", "Windows Mail",
            "Windows Media Player", "Windows Photo Viewer", "Windows Sidebar", "Windows Security", "Internet Explorer",
            "ModifiableWindowsApps", "Microsoft Update Health Tools",
        };

        // Runtime folders, wherever they are: interpreters, hosts, shells and browsers run what their arguments say.
        // Matched by folder name at any depth. [3rd] each runtime's default folder names: Python312, Python313-arm64,
        // Anaconda3, Miniconda3, jdk-17.0.9.8-hotspot, jre1.8.0_391, R\R-4.3.1, Microsoft\Edge Beta\Application.
        private static readonly string[] RuntimeFolderPrefixes = { "Python", "Anaconda", "Miniconda", "jdk", "jre" };
        private static readonly string[] RuntimeFolderNames = { "nodejs", "dotnet", "PowerShell", "WindowsPowerShell", "Java", "Eclipse Adoptium" };
        // Runtimes that are also apps with an Inno Setup uninstaller (unins000.exe) at their top. [3rd] Git for Windows and R
        // install with Inno Setup.
        private static readonly string[] InnoRuntimeFolderNames = { "Git" };

        // Folders under ProgramData that belong to Windows or its components, never to an app.
        private static readonly string[] ProgramDataSystemFolders =
        {
            "Microsoft", "Packages", "regid.1991-06.com.microsoft", "ssh", "USOPrivate", "USOShared",
        };

        // Folders under Windows that unprivileged users can write to by default. [3rd] AppLocker bypass lists
        // (api0cradle, UltimateAppLockerByPassList, Windows 10 1803).
        private static readonly string[] UserWritableUnderWindows =
        {
            @"Tasks", @"Temp", @"tracing", @"Registration\CRMLog", @"System32\FxsTmp", @"System32\com\dmp",
            @"System32\Microsoft\Crypto\RSA\MachineKeys", @"System32\spool\PRINTERS", @"System32\spool\SERVERS",
            @"System32\spool\drivers\color", @"System32\Tasks", @"System32\Tasks_Migrated", @"SysWOW64\FxsTmp",
            @"SysWOW64\com\dmp", @"SysWOW64\Tasks",
        };

        /// <summary>
        /// The structure of a local absolute path: X:\ then folder names, no UNC or device path, no forward
        /// slashes, no empty, "." or ".." segments, no segment ending in a dot or a space (Windows strips them),
        /// no alternate data stream, no 8.3 short name (it does not say which folder it is), no metacharacter.
        /// </summary>
        public static string CheckLocalPath(string path)
        {
            if (string.IsNullOrWhiteSpace(path)) return "no program path";
            if (path.StartsWith(@"\\", StringComparison.Ordinal)) return "the program is on a network (UNC) or device path: " + path;
            if (path.Length < 3 || !IsAsciiLetter(path[0]) || path[1] != ':' || path[2] != '\\')
                return "the program path is not absolute (X:\\...): " + path;
            if (path.IndexOfAny(CmdMetacharacters) >= 0) return "the program path contains a cmd.exe metacharacter: " + path;
            if (path.IndexOfAny(InvalidPathCharacters) >= 0) return "the program path contains a character a file name cannot have: " + path;
            var segments = path.Substring(3).Split('\\');
            foreach (var segment in segments)
            {
                if (segment.Length == 0) return "the program path has an empty folder name: " + path;
                if (segment == "." || segment == "..") return "the program path contains a '" + segment + "' segment: " + path;
                if (segment.EndsWith(".", StringComparison.Ordinal) || segment.EndsWith(" ", StringComparison.Ordinal) || segment.StartsWith(" ", StringComparison.Ordinal))
                    return "the program path has a folder name with a leading or trailing space or dot: " + path;
                if (segment.IndexOf(':') >= 0) return "the program path names an alternate data stream: " + path;
                if (segment.IndexOf('~') >= 0) return "the program path uses an 8.3 short name, which does not say which folder it is: " + path;
                if (segment.Any(char.IsControl)) return "the program path contains a control character";
            }
            return null;
        }

        /// <summary>True when the file name (with or without its folder) is a program that runs whatever its arguments say.</summary>
        public static bool IsCommandRunner(string path)
        {
            if (string.IsNullOrEmpty(path)) return false;
            return CommandRunners.Contains(path.Substring(path.LastIndexOf('\\') + 1));
        }

        /// <summary>
        /// Checks the program of a machine-scope uninstaller. Structure first (a local absolute .exe, under Program
        /// Files, Program Files (x86), ProgramData or Windows as the target defines them, outside the folders under
        /// Windows that users can write to, not a known command runner), then the allow rule: the program must be
        /// in an installer cache, or an uninstaller-named program in the app's own folder (<see cref="AllowedLocation"/>).
        /// Programs in system and runtime folders are refused even when the entry names them as its own.
        /// </summary>
        public static string CheckExecutable(string path, TargetEnvironment environment, string installLocation = null)
        {
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            var structural = CheckLocalPath(path);
            if (structural != null) return structural;
            if (!path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) return "the program is not an .exe: " + path;
            var fileName = path.Substring(path.LastIndexOf('\\') + 1);
            if (IsCommandRunner(fileName)) return "the program runs other commands (" + fileName + "), which AppBan never starts from an uninstall string";
            var root = environment.AllowedRoots.FirstOrDefault(r => IsUnder(path, r));
            if (root == null)
                return "the program is not under Program Files, Program Files (x86), ProgramData or Windows: " + path;
            var windows = environment.SystemRoot;
            if (windows != null && UserWritableUnderWindows.Any(w => IsUnder(path, windows + "\\" + w)))
                return "the program is in a folder under Windows that users can write to: " + path;
            return AllowedLocation(path, environment, installLocation);
        }

        /// <summary>
        /// The allow rule. A program runs elevated only when it is
        /// <list type="bullet">
        /// <item>in an installer cache: directly in <c>ProgramData\Package Cache\{GUID}</c> (WiX Burn bundles) or under
        /// <c>Windows\Installer</c>;</item>
        /// <item>or an uninstaller (<see cref="LooksLikeUninstaller"/>) in the app's own folder: inside the entry's
        /// InstallLocation when that is an app folder (<see cref="AppFolder"/>), otherwise at least one folder below
        /// Program Files or Program Files (x86);</item>
        /// <item>and not in Windows, a system folder or a runtime folder, wherever it is (<see cref="ProtectedFolderContaining"/>),
        /// except a runtime's own uninstaller when the entry's InstallLocation is that runtime's folder: a browser's
        /// <c>&lt;version&gt;\Installer\setup.exe</c>, or the Inno Setup <c>unins000.exe</c> at the top of Git or R.</item>
        /// </list>
        /// msiexec and the Store removals are built by AppBan itself and never pass through here.
        /// </summary>
        public static string AllowedLocation(string path, TargetEnvironment environment, string installLocation)
        {
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            if (IsInInstallerCache(path, environment)) return null;

            var windows = environment.SystemRoot;
            if (windows != null && IsUnder(path, windows))
                return "the program is in a Windows system folder, where only the uninstallers AppBan builds itself run: " + path;

            var ownFolder = AppFolder(installLocation, environment);
            var protectedFolder = ProtectedFolderContaining(FolderOf(path), environment);
            if (protectedFolder != null)
            {
                if (IsRuntimesOwnUninstaller(path, protectedFolder.Value) && ownFolder != null && SamePath(ownFolder, protectedFolder.Value.Folder))
                    return null;
                return "the program is in a system or runtime folder (" + protectedFolder.Value.Folder + "), which is never an app's own uninstaller: " + path;
            }

            if (!LooksLikeUninstaller(path))
                return "the program is not named like an uninstaller (a name with unins or remove, setup.exe, installer.exe, " +
                       "or a program in a folder named Uninstall or Installer): " + path;
            if (ownFolder != null)
                return IsUnder(path, ownFolder) ? null : "the program is outside the app's own folder (its InstallLocation " + ownFolder + "): " + path;
            var programFilesFolder = ProgramFilesRoots(environment).FirstOrDefault(r => IsUnder(path, r));
            if (programFilesFolder != null && path.Substring(programFilesFolder.Length + 1).IndexOf('\\') > 0) return null;
            return "the program is neither in an installer cache nor in the app's own folder (its InstallLocation, or its own folder under Program Files): " + path;
        }

        /// <summary>
        /// Whether the program says it is an uninstaller: its name holds <c>unins</c> (unins000.exe, uninst.exe,
        /// Uninstall.exe, "Uninstall App.exe") or <c>remove</c>; or it is <c>setup.exe</c> (Chrome, Edge, many bootstrappers)
        /// or <c>installer.exe</c> (Zoom); or it sits in a folder named <c>Uninstall</c> (Firefox's helper.exe) or
        /// <c>Installer</c> (Visual Studio's vs_installer.exe). Squirrel's Update.exe is not one: it installs per user, and its
        /// <c>--update</c> takes a URL to install from [3rd: Squirrel.Windows specs/Installer.md].
        /// </summary>
        internal static bool LooksLikeUninstaller(string path)
        {
            var slash = path.LastIndexOf('\\');
            var name = path.Substring(slash + 1);
            if (name.IndexOf("unins", StringComparison.OrdinalIgnoreCase) >= 0 || name.IndexOf("remove", StringComparison.OrdinalIgnoreCase) >= 0) return true;
            if (UninstallerFileNames.Contains(name)) return true;
            var folder = FolderOf(path);
            var folderName = folder.Substring(folder.LastIndexOf('\\') + 1);
            return UninstallerFolderNames.Contains(folderName);
        }

        private static readonly HashSet<string> UninstallerFileNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "setup.exe", "installer.exe" };
        private static readonly HashSet<string> UninstallerFolderNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Uninstall", "Installer" };

        /// <summary>
        /// True when the program must pass the file-security check before it runs: it lies outside Program Files and
        /// Windows, where standard users may create folders and files (ProgramData).
        /// </summary>
        public static bool NeedsFileSecurityCheck(string path, TargetEnvironment environment)
        {
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            var trusted = ProgramFilesRoots(environment).Concat(new[] { environment.SystemRoot }).Where(r => r != null);
            return !trusted.Any(r => IsUnder(path, r));
        }

        /// <summary>The folder an entry's InstallLocation names, when it can be an app's own folder; otherwise null.</summary>
        internal static string AppFolder(string installLocation, TargetEnvironment environment)
        {
            if (string.IsNullOrWhiteSpace(installLocation)) return null;
            var folder = installLocation.Trim().Trim('"').TrimEnd('\\');
            if (CheckLocalPath(folder) != null) return null;
            var roots = ProgramFilesRoots(environment).Concat(new[] { environment.GetVariable(TargetEnvironment.ProgramDataName) }).Where(r => r != null);
            if (!roots.Any(r => IsUnder(folder, r))) return null;
            if (environment.SystemRoot != null && IsUnder(folder, environment.SystemRoot)) return null;
            // A system or runtime folder, or a folder holding a system folder, is never an app's folder, except a runtime's
            // own folder, which only its own uninstaller may use (see AllowedLocation).
            var within = ProtectedFolderContaining(folder, environment);
            if (within != null && !(SamePath(within.Value.Folder, folder) && within.Value.Kind != ProtectedKind.Plain)) return null;
            if (SystemFolders(environment).Any(f => IsUnder(f, folder))) return null;
            return folder;
        }

        private static bool IsInInstallerCache(string path, TargetEnvironment environment)
        {
            var programData = environment.GetVariable(TargetEnvironment.ProgramDataName);
            if (programData != null)
            {
                // [3rd] WiX Burn caches a per-machine bundle as ProgramData\Package Cache\{BundleId}\<bundle>.exe.
                var cache = programData + @"\Package Cache";
                if (IsUnder(path, cache))
                {
                    var rest = path.Substring(cache.Length + 1).Split('\\');
                    if (rest.Length == 2 && Inventory.MsiProductCode.IsValid(rest[0])) return true;
                }
            }
            return environment.SystemRoot != null && IsUnder(path, environment.SystemRoot + @"\Installer");
        }

        /// <summary>A runtime's own uninstaller in its folder: a browser's versioned installer, or an Inno Setup uninstaller at the top.</summary>
        private static bool IsRuntimesOwnUninstaller(string path, (string Folder, ProtectedKind Kind) runtime)
        {
            var rest = path.Substring(runtime.Folder.Length + 1).Split('\\');
            switch (runtime.Kind)
            {
                case ProtectedKind.Browser:
                    // [3rd] Chrome and Edge register <Application>\<version>\Installer\setup.exe --uninstall ... --system-level.
                    return rest.Length == 3 && rest[0].Length > 0 && rest[0].All(c => char.IsDigit(c) || c == '.') &&
                           string.Equals(rest[1], "Installer", StringComparison.OrdinalIgnoreCase) &&
                           string.Equals(rest[2], "setup.exe", StringComparison.OrdinalIgnoreCase);
                case ProtectedKind.InnoSetup:
                    // [3rd] Inno Setup names its uninstaller unins000.exe (unins001.exe, ... beside an older one).
                    return rest.Length == 1 && rest[0].Length == 12 && rest[0].StartsWith("unins", StringComparison.OrdinalIgnoreCase) &&
                           rest[0].Substring(5, 3).All(char.IsDigit) && rest[0].EndsWith(".exe", StringComparison.OrdinalIgnoreCase);
                default:
                    return false;
            }
        }

        internal static IEnumerable<string> ProgramFilesRoots(TargetEnvironment environment) =>
            new[] { TargetEnvironment.ProgramFilesName, TargetEnvironment.ProgramFilesX86Name, TargetEnvironment.ProgramW6432Name }
                .Select(environment.GetVariable).Where(v => v != null).Distinct(StringComparer.OrdinalIgnoreCase);

        internal enum ProtectedKind
        {
            /// <summary>Nothing in it runs.</summary>
            Plain,
            /// <summary>A browser's Application folder: only its versioned installer runs, for the browser's own entry.</summary>
            Browser,
            /// <summary>A runtime installed with Inno Setup: only its unins000.exe runs, for the runtime's own entry.</summary>
            InnoSetup,
        }

        /// <summary>
        /// Windows' own folders: those under Program Files, Common Files, and Windows' folders under ProgramData.
        /// Windows itself is refused as a whole (except its installer cache).
        /// </summary>
        private static IEnumerable<string> SystemFolders(TargetEnvironment environment)
        {
            foreach (var root in ProgramFilesRoots(environment))
                foreach (var f in SystemFoldersUnderProgramFiles) yield return root + "\\" + f;
            var common = new[] { TargetEnvironment.CommonProgramFilesName, TargetEnvironment.CommonProgramFilesX86Name, TargetEnvironment.CommonProgramW6432Name }
                .Select(environment.GetVariable).Where(v => v != null).Distinct(StringComparer.OrdinalIgnoreCase);
            foreach (var c in common) yield return c;
            var programData = environment.GetVariable(TargetEnvironment.ProgramDataName);
            if (programData != null)
                foreach (var f in ProgramDataSystemFolders) yield return programData + "\\" + f;
        }

        /// <summary>
        /// The system or runtime folder that holds <paramref name="folder"/> (or is it), or null: Windows' own folders
        /// (<see cref="SystemFolders"/>), and runtime folders by name at any depth, wherever they are: Python*, Anaconda*,
        /// Miniconda*, jdk*, jre*, nodejs, dotnet, PowerShell, Java, Git, R\R-*, Mozilla Firefox\browser, and the
        /// Chromium browsers and their updaters (Microsoft\Edge*, Google\Chrome*, Google\Update, BraveSoftware\Brave-Browser*).
        /// </summary>
        internal static (string Folder, ProtectedKind Kind)? ProtectedFolderContaining(string folder, TargetEnvironment environment)
        {
            var system = SystemFolders(environment).FirstOrDefault(f => IsUnder(folder, f) || SamePath(folder, f));
            if (system != null) return (system, ProtectedKind.Plain);
            if (CheckLocalPath(folder) != null || folder.Length <= 3) return null;
            var segments = folder.Substring(3).Split('\\');
            for (var i = 0; i < segments.Length; i++)
            {
                var name = segments[i];
                var next = i + 1 < segments.Length ? segments[i + 1] : null;
                var afterNext = i + 2 < segments.Length ? segments[i + 2] : null;
                if (RuntimeFolderPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)) ||
                    RuntimeFolderNames.Any(n => string.Equals(name, n, StringComparison.OrdinalIgnoreCase)))
                    return (Join(segments, i), ProtectedKind.Plain);
                if (InnoRuntimeFolderNames.Any(n => string.Equals(name, n, StringComparison.OrdinalIgnoreCase)))
                    return (Join(segments, i), ProtectedKind.InnoSetup);
                if (next == null) continue;
                if (Is(name, "R") && next.StartsWith("R-", StringComparison.OrdinalIgnoreCase))
                    return (Join(segments, i + 1), ProtectedKind.InnoSetup);
                if (Is(name, "Mozilla Firefox") && Is(next, "browser"))
                    return (Join(segments, i + 1), ProtectedKind.Plain);
                if ((Is(name, "Microsoft") && next.StartsWith("Edge", StringComparison.OrdinalIgnoreCase)) ||
                    (Is(name, "Google") && (next.StartsWith("Chrome", StringComparison.OrdinalIgnoreCase) || Is(next, "Update"))) ||
                    (Is(name, "BraveSoftware") && next.StartsWith("Brave-Browser", StringComparison.OrdinalIgnoreCase)))
                    return afterNext != null && Is(afterNext, "Application")
                        ? (Join(segments, i + 2), ProtectedKind.Browser)
                        : (Join(segments, i + 1), ProtectedKind.Plain);
            }
            return null;

            string Join(string[] parts, int last) => folder.Substring(0, 3) + string.Join("\\", parts.Take(last + 1));
        }

        private static bool Is(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

        private static string FolderOf(string path) => path.Substring(0, path.LastIndexOf('\\'));

        private static bool SamePath(string a, string b) =>
            string.Equals(a?.TrimEnd('\\'), b?.TrimEnd('\\'), StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Arguments passed to an uninstaller: no cmd.exe metacharacter (so no chaining, redirection or
        /// expansion), no line break, quotes balanced.
        /// </summary>
        public static string CheckArguments(IEnumerable<string> arguments)
        {
            foreach (var argument in arguments ?? Enumerable.Empty<string>())
            {
                if (argument == null) continue;
                var bad = argument.IndexOfAny(CmdMetacharacters);
                if (bad >= 0) return "an argument contains the cmd.exe metacharacter '" + Describe(argument[bad]) + "': " + argument;
                if (argument.Any(char.IsControl)) return "an argument contains a control character";
                if (argument.Count(c => c == '"') % 2 != 0) return "an argument has an unbalanced quote: " + argument;
            }
            return null;
        }

        /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> itself or inside it, segment by segment.</summary>
        public static bool IsUnder(string path, string folder)
        {
            if (string.IsNullOrEmpty(path) || string.IsNullOrEmpty(folder)) return false;
            var f = folder.TrimEnd('\\');
            return path.Length > f.Length + 1 &&
                   path.StartsWith(f, StringComparison.OrdinalIgnoreCase) &&
                   path[f.Length] == '\\';
        }

        private static bool IsAsciiLetter(char c) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

        private static string Describe(char c) => c == '\r' ? "\\r" : c == '\n' ? "\\n" : c.ToString();
    }
}
