using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;

namespace AppBan.Engine.Remediation
{
    /// <summary>How a user's own removal is run, by what the entry turned out to be.</summary>
    internal enum UserTaskKind
    {
        /// <summary>An uninstaller of a kind AppBan knows (<see cref="UninstallerKinds"/>): its unattended arguments.</summary>
        KnownUninstaller,
        /// <summary>Another uninstaller whose entry says how to run it quietly.</summary>
        QuietUninstallString,
        /// <summary>Another uninstaller, with the rule's silent switches.</summary>
        SilentSwitches,
        /// <summary>A Windows Installer product installed for the user: msiexec /x.</summary>
        Msi,
        /// <summary>A Store package of the user: Remove-AppxPackage as that user.</summary>
        StoreApp,
    }

    /// <summary>
    /// What a task running as the user runs to remove one of that user's apps (docs/remediation.md, per-user removals), or
    /// why nothing can. It is built by AppBan, never taken as a string from the hive: the program is parsed out of the
    /// entry with <see cref="UninstallCommandParser"/> (machine %variables% only) and must be an absolute local .exe that
    /// is not a command runner, the entry's arguments must not chain or expand anything, and for the kinds AppBan knows
    /// (<see cref="UninstallerKinds"/>) the arguments are those of the kind's unattended form. The task runs with the user's own rights only, so the
    /// worst a tampered entry can do is what its user could do anyway; these checks keep it to the uninstaller all the same.
    /// </summary>
    internal sealed class UserTaskCommand
    {
        private UserTaskCommand(UserTaskKind kind, string command, string arguments)
        {
            Kind = kind;
            Command = command;
            Arguments = arguments ?? string.Empty;
        }

        private UserTaskCommand(string refusal) { Refusal = refusal; }

        public UserTaskKind Kind { get; }
        /// <summary>The installer technology of the program; <see cref="UninstallerKind.Unknown"/> when none is recognised.</summary>
        public UninstallerKind Uninstaller { get; private set; }
        /// <summary>The program: an absolute local path, without quotes. Null when refused.</summary>
        public string Command { get; }
        /// <summary>Its arguments as one string, empty when none. Null when refused.</summary>
        public string Arguments { get; }
        /// <summary>Why no task is built; null when one is.</summary>
        public string Refusal { get; }
        public bool IsRefused => Refusal != null;
        /// <summary>
        /// Refused only because nothing says how to run the uninstaller quietly (no QuietUninstallString, no known kind, no
        /// silent switches in the rule): nothing is wrong with the entry, the user has to remove the app.
        /// </summary>
        public bool LacksSilentForm { get; private set; }
        /// <summary>MSI: the product code the task removes; null for other kinds.</summary>
        public string ProductCode { get; private set; }

        /// <summary>
        /// The command for <paramref name="app"/>, one of <paramref name="app"/>'s user's own apps: an uninstall entry from that
        /// user's hive (EXE or MSI) or a Store package of that user.
        /// </summary>
        public static UserTaskCommand For(InstalledApp app, RuleRemovalOptions removal, TargetEnvironment environment)
        {
            if (app == null) throw new ArgumentNullException(nameof(app));
            if (environment == null) throw new ArgumentNullException(nameof(environment));
            removal = removal ?? RuleRemovalOptions.Default;

            var principalError = UserTaskDefinition.CheckPrincipal(app.UserSid);
            if (principalError != null) return Refuse(principalError);
            switch (app.Kind)
            {
                case AppKind.StoreApp: return ForStoreApp(app, environment);
                case AppKind.Msi:
                case AppKind.Exe: return ForEntry(app, removal, environment);
                case AppKind.ProvisionedStoreApp: return Refuse("a provisioned package belongs to no user; it is removed with administrator rights");
                case AppKind.WebApp: return Refuse("a browser web app cannot be uninstalled silently; it is neutralised with browser policy");
                default: return Refuse("AppBan does not know how to remove an app of kind " + app.Kind);
            }
        }

        private static UserTaskCommand ForStoreApp(InstalledApp app, TargetEnvironment environment)
        {
            var identity = PackageIdentity.TryParse(app.PackageFullName);
            if (identity == null) return Refuse("the package full name does not follow the package-name grammar, so no command is built from it");
            if (!string.IsNullOrEmpty(app.PackageFamilyName) && !string.Equals(identity.FamilyName, app.PackageFamilyName, StringComparison.OrdinalIgnoreCase))
                return Refuse("the package full name does not belong to the package family the rule matched (" + app.PackageFamilyName + ")");
            var systemRoot = environment.SystemRoot;
            if (systemRoot == null) return Refuse("the target's Windows folder is not known");
            return Build(UserTaskKind.StoreApp, systemRoot + @"\System32\WindowsPowerShell\v1.0\powershell.exe",
                RemovalCommands.RemoveAppxPackageForRunningUserArguments(identity.FullName));
        }

        private static UserTaskCommand ForEntry(InstalledApp app, RuleRemovalOptions removal, TargetEnvironment environment)
        {
            if (RemovalPlanner.IsMachineEntry(app))
                return Refuse("a machine-wide entry is removed with administrator rights, not as a user");
            var ownerError = CheckOwner(app);
            if (ownerError != null) return Refuse(ownerError);

            if (MsiEntryCode.IsMsiEntry(app))
            {
                var code = MsiEntryCode.Resolve(app, environment, out var refusal);
                return code == null ? Refuse(refusal) : ForMsi(code, environment);
            }

            var keyCode = MsiProductCode.TryNormalize(app.KeyName);
            var uninstall = Examine("UninstallString", app.UninstallString, environment, keyCode);
            var quiet = Examine("QuietUninstallString", app.QuietUninstallString, environment, keyCode);

            // msiexec in an EXE entry: the product code is all that is taken from it (UninstallString first).
            var primary = uninstall.IsUsable ? uninstall : quiet.IsUsable ? quiet : null;
            if (primary?.ProductCode != null) return ForMsi(primary.ProductCode, environment);
            // A known kind runs its unattended form, whatever the entry's strings add.
            foreach (var examined in new[] { uninstall, quiet })
            {
                if (examined.Program == null) continue;
                var kind = UninstallerKinds.Recognize(app, examined.Program, examined.Arguments);
                if (kind == UninstallerKind.Unknown) continue;
                var known = Build(UserTaskKind.KnownUninstaller, examined.Program, string.Join(" ", UninstallerKinds.UnattendedArguments(kind, examined.Arguments)));
                if (!known.IsRefused) known.Uninstaller = kind;
                return known;
            }
            if (quiet.ProductCode != null) return ForMsi(quiet.ProductCode, environment);

            // Otherwise the rule's silent switches with UninstallString win over QuietUninstallString, which is not always
            // quiet [3rd: Pass4Win issue 41].
            var reasons = new List<string>();
            var switches = (removal.SilentSwitches ?? Array.Empty<string>()).Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x.Trim()).ToList();
            if (uninstall.Program != null && switches.Count > 0)
            {
                // The policy loader validates switches too; a switch is one argument, never shell syntax.
                var switchError = switches.Any(x => x.IndexOf(' ') >= 0 || x.IndexOf('\t') >= 0) ? "a switch contains whitespace" : ExecutablePolicy.CheckArguments(switches);
                if (switchError == null)
                {
                    var arguments = uninstall.Arguments.ToList();
                    foreach (var s in switches)
                        if (!arguments.Contains(s, StringComparer.OrdinalIgnoreCase)) arguments.Add(s);
                    return Build(UserTaskKind.SilentSwitches, uninstall.Program, string.Join(" ", arguments));
                }
                reasons.Add("the rule's silent switches are unsafe: " + switchError);
            }
            if (quiet.Program != null) return Build(UserTaskKind.QuietUninstallString, quiet.Program, string.Join(" ", quiet.Arguments));

            if (quiet.Error != null) reasons.Add(quiet.Error);
            if (uninstall.Program != null)
            {
                if (switches.Count == 0)
                {
                    reasons.Add("UninstallString: there is no QuietUninstallString and the rule declares no silent switches, so the uninstaller would wait for a click");
                    if (reasons.Count == 1) return new UserTaskCommand(reasons[0]) { LacksSilentForm = true };
                }
            }
            else if (uninstall.Error != null) reasons.Add(uninstall.Error);
            if (reasons.Count == 0) reasons.Add("the entry has neither QuietUninstallString nor UninstallString");
            return Refuse(string.Join("; ", reasons));
        }

        private static UserTaskCommand ForMsi(string productCode, TargetEnvironment environment)
        {
            var systemRoot = environment.SystemRoot;
            if (systemRoot == null) return Refuse("the target's Windows folder is not known");
            // [guess W079] msiexec /x run as the user, not elevated, removes a product installed for that user only.
            var command = Build(UserTaskKind.Msi, systemRoot + @"\System32\msiexec.exe", RemovalCommands.MsiArguments(productCode));
            if (!command.IsRefused) command.ProductCode = MsiProductCode.TryNormalize(productCode);
            return command;
        }

        /// <summary>An entry found under HKU names its user in its path: it must be the user the task runs as.</summary>
        private static string CheckOwner(InstalledApp app)
        {
            var path = app.KeyPath;
            if (path == null || !path.StartsWith(@"HKU\", StringComparison.OrdinalIgnoreCase)) return null;
            var rest = path.Substring(4);
            var slash = rest.IndexOf('\\');
            var hive = slash < 0 ? rest : rest.Substring(0, slash);
            return string.Equals(hive, app.UserSid, StringComparison.OrdinalIgnoreCase)
                ? null
                : "the entry is in " + hive + "'s hive, not in the hive of " + app.UserSid + ", the user it would run as";
        }

        private sealed class Examined
        {
            /// <summary>A usable program (checked), or null.</summary>
            public string Program;
            public IReadOnlyList<string> Arguments = Array.Empty<string>();
            /// <summary>An msiexec string: its checked product code.</summary>
            public string ProductCode;
            /// <summary>Why the string cannot be used; null when it is absent or usable.</summary>
            public string Error;
            public bool IsUsable => Program != null || ProductCode != null;
        }

        private static Examined Examine(string label, string text, TargetEnvironment environment, string keyCode)
        {
            var result = new Examined();
            if (string.IsNullOrWhiteSpace(text)) return result;
            var parsed = UninstallCommandParser.Parse(text, environment);
            if (!parsed.Success)
            {
                result.Error = label + ": " + parsed.Error;
                return result;
            }
            var command = parsed.Command;
            if (command.Form == UninstallCommandForm.Msi)
            {
                if (MsiEntryCode.Matches(command.ProductCode, keyCode, out var mismatch)) result.ProductCode = command.ProductCode;
                else result.Error = label + ": " + mismatch;
                return result;
            }
            var error = CheckProgram(command.ExecutablePath) ?? ExecutablePolicy.CheckArguments(command.Arguments);
            if (error != null)
            {
                result.Error = label + ": " + error;
                return result;
            }
            result.Program = command.ExecutablePath;
            result.Arguments = command.Arguments;
            return result;
        }

        private static string CheckProgram(string path)
        {
            var error = UserTaskDefinition.CheckCommand(path);
            if (error != null) return error;
            var fileName = path.Substring(path.LastIndexOf('\\') + 1);
            return ExecutablePolicy.IsCommandRunner(fileName)
                ? "the program runs other commands (" + fileName + "), which AppBan never starts from an uninstall string"
                : null;
        }

        /// <summary>The last word: whatever was built is checked as the task will carry it.</summary>
        private static UserTaskCommand Build(UserTaskKind kind, string command, string arguments)
        {
            var error = UserTaskDefinition.CheckCommand(command) ?? ExecutablePolicy.CheckArguments(new[] { arguments });
            return error != null ? Refuse(error) : new UserTaskCommand(kind, command, arguments);
        }

        private static UserTaskCommand Refuse(string reason) => new UserTaskCommand(reason);
    }
}
