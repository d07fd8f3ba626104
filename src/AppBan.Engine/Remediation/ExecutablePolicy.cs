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

        // Runtime and system folders under Program Files: interpreters, hosts and shells that run what their arguments
        // say, and Windows' own programs. [3rd] the default install folders of each runtime; Python's are matched by
        // prefix (ProtectedFolderContaining).
        private static readonly string[] RuntimeFolders =
        {
            "WindowsApps", "dotnet", "PowerShell", "WindowsPowerShell", "Windows Defender", "Windows Defender Advanced Threat Protection",
            "Windows NT", "Windows Mail", "Windows Media Player", "Windows Photo Viewer", "Windows Sidebar", "Windows Security",
            "Internet Explorer", "ModifiableWindowsApps", "Microsoft Update Health Tools", "Java", "Eclipse Adoptium", "nodejs",
            "Git\\bin", "Git\\usr", "Git\\cmd", "Git\\mingw64",
            "Microsoft\\EdgeWebView", "Microsoft\\EdgeCore", "Microsoft\\EdgeUpdate", "Google\\Update",
        };

        // Browsers: only their own versioned installer may run, and only for the browser's own entry.
        private static readonly string[] BrowserApplicationFolders =
        {
            "Microsoft\\Edge\\Application", "Google\\Chrome\\Application", "Mozilla Firefox\\browser", "BraveSoftware\\Brave-Browser\\Application",
        };

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

        /// <summary>
        /// Checks the program of a machine-scope uninstaller. Structure first (a local absolute .exe, under Program
        /// Files, Program Files (x86), ProgramData or Windows as the target defines them, outside the folders under
        /// Windows that users can write to, not a known command runner), then the allow rule: the program must be
        /// in an installer cache or in the app's own folder (<see cref="AllowedLocation"/>). Programs in system and
        /// runtime folders are refused even when the entry names them as its own.
        /// </summary>
        public static string CheckExecutable(string path, TargetEnvironment environment, string installLocation = null)
        {
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            var structural = CheckLocalPath(path);
            if (structural != null) return structural;
            if (!path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) return "the program is not an .exe: " + path;
            var fileName = path.Substring(path.LastIndexOf('\\') + 1);
            if (CommandRunners.Contains(fileName)) return "the program runs other commands (" + fileName + "), which AppBan never starts from an uninstall string";
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
        /// <item>or in the app's own folder: the entry's InstallLocation, or the program's own folder one level
        /// under Program Files or Program Files (x86). InstallLocation counts only when it is itself an app folder:
        /// a folder below Program Files, Program Files (x86) or ProgramData, not one of those roots, not under Windows,
        /// and not a system or runtime folder. So an entry cannot make System32 or dotnet "its own" folder;</item>
        /// <item>and not in a system or runtime folder (<see cref="ProtectedFolders"/>), except a browser's own
        /// <c>&lt;version&gt;\Installer\setup.exe</c> when the entry's InstallLocation is that browser's folder.</item>
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
            var protectedFolder = ProtectedFolderContaining(path, environment);
            if (protectedFolder != null)
            {
                if (IsBrowserInstaller(path, protectedFolder, environment) && ownFolder != null && SamePath(ownFolder, protectedFolder))
                    return null;
                return "the program is in a system or runtime folder (" + protectedFolder + "), which is never an app's own uninstaller: " + path;
            }

            if (ownFolder != null && IsUnder(path, ownFolder)) return null;
            var programFilesFolder = ProgramFilesRoots(environment).FirstOrDefault(r => IsUnder(path, r));
            if (programFilesFolder != null && path.Substring(programFilesFolder.Length + 1).IndexOf('\\') > 0) return null;
            return "the program is neither in an installer cache nor in the app's own folder (its InstallLocation, or its own folder under Program Files): " + path;
        }

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
            // A runtime folder or a folder holding one (C:\Program Files\Microsoft holds Edge) is never an app's folder,
            // except a browser's own Application folder, which only its installer may use (see AllowedLocation).
            var within = ProtectedFolderContaining(folder, environment);
            if (within != null && !(SamePath(within, folder) && BrowserFolders(environment).Any(b => SamePath(b, folder)))) return null;
            if (ProtectedFolders(environment).Any(f => IsUnder(f, folder))) return null;
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

        private static bool IsBrowserInstaller(string path, string folder, TargetEnvironment environment)
        {
            if (!BrowserFolders(environment).Any(b => SamePath(b, folder))) return false;
            // [3rd] Chrome and Edge register <Application>\<version>\Installer\setup.exe --uninstall ... --system-level.
            var rest = path.Substring(folder.Length + 1).Split('\\');
            return rest.Length == 3 && rest[0].All(c => char.IsDigit(c) || c == '.') && rest[0].Length > 0 &&
                   string.Equals(rest[1], "Installer", StringComparison.OrdinalIgnoreCase) &&
                   string.Equals(rest[2], "setup.exe", StringComparison.OrdinalIgnoreCase);
        }

        private static IEnumerable<string> ProgramFilesRoots(TargetEnvironment environment) =>
            new[] { TargetEnvironment.ProgramFilesName, TargetEnvironment.ProgramFilesX86Name, TargetEnvironment.ProgramW6432Name }
                .Select(environment.GetVariable).Where(v => v != null).Distinct(StringComparer.OrdinalIgnoreCase);

        private static IEnumerable<string> BrowserFolders(TargetEnvironment environment) =>
            ProgramFilesRoots(environment).SelectMany(r => BrowserApplicationFolders.Select(b => r + "\\" + b));

        /// <summary>
        /// System and runtime folders: what lives there runs what it is told (interpreters, hosts, browsers, shells)
        /// or belongs to Windows. Windows itself is refused as a whole (except its installer cache).
        /// </summary>
        internal static IEnumerable<string> ProtectedFolders(TargetEnvironment environment)
        {
            foreach (var root in ProgramFilesRoots(environment))
            {
                foreach (var f in RuntimeFolders) yield return root + "\\" + f;
                foreach (var f in BrowserApplicationFolders) yield return root + "\\" + f;
            }
            var common = new[] { TargetEnvironment.CommonProgramFilesName, TargetEnvironment.CommonProgramFilesX86Name, TargetEnvironment.CommonProgramW6432Name }
                .Select(environment.GetVariable).Where(v => v != null).Distinct(StringComparer.OrdinalIgnoreCase);
            foreach (var c in common) yield return c;
            var programData = environment.GetVariable(TargetEnvironment.ProgramDataName);
            if (programData != null)
                foreach (var f in ProgramDataSystemFolders) yield return programData + "\\" + f;
        }

        /// <summary>
        /// The system or runtime folder that holds <paramref name="path"/> (or is it), or null: the listed folders,
        /// and every folder directly under Program Files whose name starts with "Python" (python.org's installer
        /// names it after the version and the platform: Python312, Python313-arm64).
        /// </summary>
        private static string ProtectedFolderContaining(string path, TargetEnvironment environment)
        {
            var listed = ProtectedFolders(environment).FirstOrDefault(f => IsUnder(path, f) || SamePath(path, f));
            if (listed != null) return listed;
            foreach (var root in ProgramFilesRoots(environment).Where(r => IsUnder(path, r)))
            {
                var first = path.Substring(root.Length + 1).Split('\\')[0];
                if (first.StartsWith("Python", StringComparison.OrdinalIgnoreCase)) return root + "\\" + first;
            }
            return null;
        }

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
