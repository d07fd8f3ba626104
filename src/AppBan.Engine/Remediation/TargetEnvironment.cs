using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// The system folders of one target, read from its HKLM (writable by administrators only). They serve two
    /// purposes: expanding the fixed list of %variables% an uninstall string may use, and the folders an
    /// uninstaller must live under. Per-user variables (%TEMP%, %APPDATA%, %USERPROFILE%...) are deliberately
    /// absent: they point into locations an unprivileged user controls.
    /// </summary>
    internal sealed class TargetEnvironment
    {
        public const string SystemRootName = "SystemRoot";
        public const string WindirName = "windir";
        public const string SystemDriveName = "SystemDrive";
        public const string ProgramFilesName = "ProgramFiles";
        public const string ProgramFilesX86Name = "ProgramFiles(x86)";
        public const string ProgramW6432Name = "ProgramW6432";
        public const string CommonProgramFilesName = "CommonProgramFiles";
        public const string CommonProgramFilesX86Name = "CommonProgramFiles(x86)";
        public const string CommonProgramW6432Name = "CommonProgramW6432";
        public const string ProgramDataName = "ProgramData";
        public const string AllUsersProfileName = "ALLUSERSPROFILE";

        /// <summary>The only variables an uninstall string may use; anything else is refused.</summary>
        public static readonly IReadOnlyList<string> ExpandableVariables = new[]
        {
            SystemRootName, WindirName, SystemDriveName, ProgramFilesName, ProgramFilesX86Name, ProgramW6432Name,
            CommonProgramFilesName, CommonProgramFilesX86Name, CommonProgramW6432Name, ProgramDataName, AllUsersProfileName,
        };

        private readonly Dictionary<string, string> variables;

        public TargetEnvironment(IDictionary<string, string> values)
        {
            variables = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (values == null) return;
            foreach (var pair in values)
            {
                if (!ExpandableVariables.Contains(pair.Key, StringComparer.OrdinalIgnoreCase)) continue;
                var isDrive = string.Equals(pair.Key, SystemDriveName, StringComparison.OrdinalIgnoreCase);
                if (isDrive ? !IsDrive(pair.Value) : !IsPlainLocalPath(pair.Value)) continue;
                variables[pair.Key] = pair.Value.TrimEnd('\\');
            }
        }

        /// <summary>
        /// The Windows defaults on a system drive C:. Used for previews before a target was contacted, and in
        /// tests. [guess W048] Standard locations of a default Windows installation.
        /// </summary>
        public static TargetEnvironment WindowsDefaults { get; } = FromSystemRoot(@"C:\Windows", null);

        /// <summary>The value of a fixed-list variable, or null when it is not on the list or not known.</summary>
        public string GetVariable(string name) =>
            name != null && variables.TryGetValue(name, out var v) ? v : null;

        /// <summary>Folders an uninstaller may live under: Program Files (both), ProgramData and Windows.</summary>
        public IReadOnlyList<string> AllowedRoots =>
            new[] { ProgramFilesName, ProgramFilesX86Name, ProgramW6432Name, ProgramDataName, SystemRootName }
                .Select(GetVariable).Where(v => v != null).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

        public string SystemRoot => GetVariable(SystemRootName);

        /// <summary>
        /// Builds the fixed list from the values a target reports. A missing value falls back to the Windows
        /// default on the system drive, so a target that does not carry it still gets the standard layout.
        /// </summary>
        public static TargetEnvironment FromSystemRoot(string systemRoot, IDictionary<string, string> reported)
        {
            reported = reported ?? new Dictionary<string, string>();
            string Reported(string key) => reported.TryGetValue(key, out var v) && IsPlainLocalPath(v) ? v : null;
            var root = IsPlainLocalPath(systemRoot) ? systemRoot.TrimEnd('\\') : @"C:\Windows";
            var drive = root.Substring(0, 2);
            var programFiles = Reported(ProgramFilesName) ?? drive + @"\Program Files";
            var programFilesX86 = Reported(ProgramFilesX86Name) ?? drive + @"\Program Files (x86)";
            var commonFiles = Reported(CommonProgramFilesName) ?? programFiles + @"\Common Files";
            var commonFilesX86 = Reported(CommonProgramFilesX86Name) ?? programFilesX86 + @"\Common Files";
            var programData = Reported(ProgramDataName) ?? drive + @"\ProgramData";
            return new TargetEnvironment(new Dictionary<string, string>
            {
                [SystemRootName] = root,
                [WindirName] = root,
                [SystemDriveName] = drive,
                [ProgramFilesName] = programFiles,
                [ProgramFilesX86Name] = programFilesX86,
                [ProgramW6432Name] = Reported(ProgramW6432Name) ?? programFiles,
                [CommonProgramFilesName] = commonFiles,
                [CommonProgramFilesX86Name] = commonFilesX86,
                [CommonProgramW6432Name] = Reported(CommonProgramW6432Name) ?? commonFiles,
                [ProgramDataName] = programData,
                [AllUsersProfileName] = programData,
            });
        }

        private static bool IsDrive(string value) =>
            value != null && value.Length == 2 && value[1] == ':' && ((value[0] >= 'A' && value[0] <= 'Z') || (value[0] >= 'a' && value[0] <= 'z'));

        /// <summary>X:\ followed by plain folder names: no variables, no metacharacters, no dot segments.</summary>
        internal static bool IsPlainLocalPath(string value) =>
            value != null && value.Length >= 3 && ExecutablePolicy.CheckLocalPath(value.TrimEnd('\\') + @"\x") == null;
    }

    /// <summary>Reads a target's <see cref="TargetEnvironment"/> from the registry values Windows keeps them in.</summary>
    internal static class TargetEnvironmentReader
    {
        // [doc] Windows stores the folder locations here; the 64-bit view (RegistryClient always asks for it)
        // holds the native Program Files.
        internal const string CurrentVersionKey = @"SOFTWARE\Microsoft\Windows\CurrentVersion";
        internal const string NtCurrentVersionKey = @"SOFTWARE\Microsoft\Windows NT\CurrentVersion";
        internal const string ProfileListKey = @"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";

        public static async Task<TargetEnvironment> ReadAsync(RegistryClient registry, CancellationToken ct = default)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            var systemRoot = await ReadAsync(registry, NtCurrentVersionKey, "SystemRoot", ct).ConfigureAwait(false);
            var drive = TargetEnvironment.IsPlainLocalPath(systemRoot) ? systemRoot.Substring(0, 2) : "C:";
            var reported = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                [TargetEnvironment.ProgramFilesName] = await ReadAsync(registry, CurrentVersionKey, "ProgramFilesDir", ct).ConfigureAwait(false),
                [TargetEnvironment.ProgramFilesX86Name] = await ReadAsync(registry, CurrentVersionKey, "ProgramFilesDir (x86)", ct).ConfigureAwait(false),
                [TargetEnvironment.ProgramW6432Name] = await ReadAsync(registry, CurrentVersionKey, "ProgramW6432Dir", ct).ConfigureAwait(false),
                [TargetEnvironment.CommonProgramFilesName] = await ReadAsync(registry, CurrentVersionKey, "CommonFilesDir", ct).ConfigureAwait(false),
                [TargetEnvironment.CommonProgramFilesX86Name] = await ReadAsync(registry, CurrentVersionKey, "CommonFilesDir (x86)", ct).ConfigureAwait(false),
                [TargetEnvironment.CommonProgramW6432Name] = await ReadAsync(registry, CurrentVersionKey, "CommonW6432Dir", ct).ConfigureAwait(false),
                // REG_EXPAND_SZ "%SystemDrive%\ProgramData"; only %SystemDrive% is expanded, from SystemRoot.
                [TargetEnvironment.ProgramDataName] = ExpandSystemDrive(
                    await ReadAsync(registry, ProfileListKey, "ProgramData", ct).ConfigureAwait(false), drive),
            };
            return TargetEnvironment.FromSystemRoot(systemRoot, reported);
        }

        private static string ExpandSystemDrive(string value, string drive) =>
            value == null ? null : Regex.Replace(value, "%SystemDrive%", drive, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static async Task<string> ReadAsync(RegistryClient registry, string key, string name, CancellationToken ct)
        {
            var r = await registry.GetStringValueAsync(RegistryHive.LocalMachine, key, name, ct).ConfigureAwait(false);
            if (r.Success) return r.Value;
            if (r.Outcome != RegistryOutcome.TypeMismatch) return null;
            // A REG_EXPAND_SZ value answers GetStringValue with "another type" (0x80041005); read it as expanded.
            var e = await registry.GetExpandedStringValueAsync(RegistryHive.LocalMachine, key, name, ct).ConfigureAwait(false);
            return e.Success ? e.Value : null;
        }
    }
}
