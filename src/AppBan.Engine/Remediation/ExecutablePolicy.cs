using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// What a machine-scope EXE uninstaller must look like before it is run as admin or SYSTEM. Every check
    /// returns null when it passes, or the reason for refusing, phrased for the operator.
    /// </summary>
    public static class ExecutablePolicy
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
        /// Checks the program of a machine-scope uninstaller: a local absolute .exe under Program Files,
        /// Program Files (x86), ProgramData or Windows (as the target defines them), outside the folders under
        /// Windows that users can write to, and not a program that runs other commands.
        /// </summary>
        public static string CheckExecutable(string path, TargetEnvironment environment)
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
            return null;
        }

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
