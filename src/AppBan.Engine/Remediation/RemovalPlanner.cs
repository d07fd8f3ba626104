using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// Run: an elevated command. RunAsUser: a task that runs as the app's own user (never elevated). BlockInBrowser:
    /// browser policy in the user's hive. The others change nothing.
    /// </summary>
    public enum RemovalDecision { Run, Refuse, RequiresUserAction, SkipExempt, SkipGracePeriod, RunAsUser, BlockInBrowser }

    /// <summary>What to remove, and the rule's removal settings that apply to it.</summary>
    public sealed class RemovalRequest
    {
        public RemovalRequest(Finding finding, RuleRemovalOptions removal = null)
        {
            Finding = finding ?? throw new ArgumentNullException(nameof(finding));
            removal = removal ?? RuleRemovalOptions.Default;
            Removal = removal;
            RemoveProvisioned = removal.RemoveProvisioned;
            SilentSwitches = removal.SilentSwitches;
        }

        public Finding Finding { get; }
        /// <summary>The rule's removal settings (sites to block for web apps among them).</summary>
        public RuleRemovalOptions Removal { get; }
        /// <summary>The rule asks for the provisioned copy to be removed too.</summary>
        public bool RemoveProvisioned { get; set; }
        /// <summary>Switches appended to UninstallString when an entry has no usable QuietUninstallString, e.g. "/S".</summary>
        public IReadOnlyList<string> SilentSwitches { get; set; }
        public bool IncludeGracePeriod { get; set; }
        /// <summary>
        /// Store apps: when removing for the one user leaves the package in place, retry with -AllUsers. Only
        /// allowed when no other user on the host keeps the package under an exemption or a grace period; even then it
        /// runs only when the target shows no user but those of <see cref="ApprovedUsersForFamily"/> holding the package.
        /// </summary>
        public bool AllowAllUsersFallback { get; set; }
        /// <summary>
        /// Store apps: the SIDs of the users on the host whose findings of this package family were approved for removal
        /// in this run (this request's user counts without being listed). The -AllUsers fallback takes no other user's copy.
        /// </summary>
        public IReadOnlyCollection<string> ApprovedUsersForFamily { get; set; }
        /// <summary>
        /// The decision shown when the removal was approved (ShouldProcess); null when no finding-level question was asked.
        /// A plan that would now run a command without that decision having been Run runs nothing.
        /// </summary>
        public RemovalDecision? ApprovedDecision { get; set; }
        /// <summary>
        /// An exemption found on the target when the removal was about to run (granted after the scan); it wins
        /// over the finding's status, so a stale finding never removes an app that is now exempt.
        /// </summary>
        public Exemption LateExemption { get; set; }
    }

    /// <summary>The decision for one finding, and the command when there is one to run.</summary>
    public sealed class RemovalPlan
    {
        public RemovalRequest Request { get; internal set; }
        public Finding Finding => Request.Finding;
        public RemovalDecision Decision { get; internal set; }
        public RemovalMethod Method { get; internal set; }
        /// <summary>The inner command to run; null unless the decision is Run and the plan is not deferred.</summary>
        public string CommandLine { get; internal set; }
        /// <summary>Store apps: -AllUsers, run when the per-user removal left the package installed.</summary>
        public string FallbackCommandLine { get; internal set; }
        /// <summary>Store apps removed per user: an -AllUsers fallback may follow, once the host's other findings allow it.</summary>
        public bool MayFallBackToAllUsers { get; internal set; }
        public string Reason { get; internal set; }
        /// <summary>
        /// True when checks that need the target's folder locations are still to be made; the executor plans
        /// again with the target's <see cref="TargetEnvironment"/> before running anything.
        /// </summary>
        public bool Deferred { get; internal set; }
        /// <summary>Msi plans: the validated product code the command removes.</summary>
        public string ProductCode { get; internal set; }
        /// <summary>EXE plans: the installer technology of the program (<see cref="UninstallerKinds"/>); it decides the arguments and the exit codes that mean success.</summary>
        public UninstallerKind UninstallerKind { get; internal set; }
        /// <summary>EXE plans: the program the command starts, after expansion.</summary>
        public string ProgramPath { get; internal set; }
        /// <summary>
        /// EXE plans whose program lies outside Program Files and Windows: the executor reads the security of the
        /// program and its folders on the target (<see cref="ProgramFileSecurity"/>) before running it.
        /// </summary>
        public bool RequiresFileSecurityCheck { get; internal set; }
        /// <summary>RunAsUser plans: what the user's own task runs.</summary>
        internal UserTaskCommand UserCommand { get; set; }
        /// <summary>BlockInBrowser plans: the policy written in the user's hive.</summary>
        internal BrowserPolicyPlan BrowserPolicy { get; set; }

        /// <summary>ShouldProcess target: "&lt;App&gt; &lt;Version&gt; (&lt;Scope&gt; &lt;User&gt;) on &lt;Computer&gt;".</summary>
        public string Target => RemovalPlanner.DescribeTarget(Finding);
        /// <summary>ShouldProcess action: "Uninstall via &lt;method&gt;", and the -AllUsers fallback when it may follow.</summary>
        public string Action => RemovalPlanner.DescribeAction(this);

        /// <summary>Whether carrying out the plan changes the target (a command, a user's task, browser policy): it needs approval.</summary>
        public bool ChangesTarget => Decision == RemovalDecision.Run || Decision == RemovalDecision.RunAsUser || Decision == RemovalDecision.BlockInBrowser;

        public RemovalStatus? FinalStatus
        {
            get
            {
                switch (Decision)
                {
                    case RemovalDecision.Refuse: return RemovalStatus.Refused;
                    case RemovalDecision.RequiresUserAction: return RemovalStatus.RequiresUserAction;
                    case RemovalDecision.SkipExempt: return RemovalStatus.SkippedExempt;
                    case RemovalDecision.SkipGracePeriod: return RemovalStatus.SkippedGracePeriod;
                    default: return null;
                }
            }
        }
    }

    /// <summary>
    /// Decides how each finding is removed, or why it is not. Pure: it reads nothing from the target.
    /// Without a <see cref="TargetEnvironment"/> it makes every decision it can (used for ShouldProcess before
    /// any work starts) and marks EXE plans as deferred.
    /// </summary>
    internal static class RemovalPlanner
    {
        public static RemovalPlan Plan(RemovalRequest request, TargetEnvironment environment)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            var finding = request.Finding;
            var app = finding.App ?? throw new ArgumentException("The finding carries no app.", nameof(request));
            var plan = new RemovalPlan { Request = request, Decision = RemovalDecision.Run };

            if (finding.Status == FindingStatus.Exempt || request.LateExemption != null)
                return Skip(plan, RemovalDecision.SkipExempt, DescribeExemption(request.LateExemption ?? finding.Exemption));
            if (finding.Status == FindingStatus.GracePeriod && !request.IncludeGracePeriod)
                return Skip(plan, RemovalDecision.SkipGracePeriod, "the policy enforces this rule only after " +
                    (finding.EnforceAfter?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "its phase-out date") +
                    "; use -IncludeGracePeriod to remove it now");

            switch (app.Kind)
            {
                case AppKind.StoreApp: return PlanStoreApp(plan, app, request);
                case AppKind.ProvisionedStoreApp: return PlanProvisioned(plan, app, request);
                case AppKind.WebApp: return PlanWebApp(plan, app, request);
                case AppKind.Msi:
                case AppKind.Exe:
                    if (!IsMachineEntry(app)) return PlanUserTask(plan, app, request, environment);
                    return PlanMachineEntry(plan, app, request, environment);
                default:
                    return Skip(plan, RemovalDecision.Refuse, "AppBan does not know how to remove an app of kind " + app.Kind);
            }
        }

        /// <summary>An uninstall entry only administrators can write: HKLM, machine scope, not from a user location.</summary>
        public static bool IsMachineEntry(InstalledApp app) =>
            app.Scope == AppScope.Machine && !app.FromUserWritableLocation &&
            app.RegistryView != RegistryView.User &&
            app.KeyPath != null && app.KeyPath.StartsWith(@"HKLM\", StringComparison.OrdinalIgnoreCase);

        public static string DescribeTarget(Finding finding)
        {
            var app = finding?.App;
            if (app == null) return string.Empty;
            var user = app.UserName ?? app.UserSid;
            var scope = app.Scope + (string.IsNullOrEmpty(user) ? string.Empty : " " + user);
            var version = string.IsNullOrEmpty(app.DisplayVersion) ? string.Empty : " " + app.DisplayVersion;
            return (app.DisplayName ?? app.PackageName ?? app.KeyName) + version + " (" + scope + ") on " + app.ComputerName;
        }

        /// <summary>The ShouldProcess action: what will run, as whom, or which policy will be written.</summary>
        public static string DescribeAction(RemovalPlan plan)
        {
            var user = UserLabel(plan.Finding.App);
            switch (plan.Decision)
            {
                case RemovalDecision.RunAsUser:
                    return "Schedule a task that runs as " + user + " (never elevated), now if signed in and at each sign-in for "
                           + UserTaskDefinition.Lifetime.TotalDays.ToString("0", CultureInfo.InvariantCulture) + " days: "
                           + plan.CommandLine;
                case RemovalDecision.BlockInBrowser:
                    return plan.BrowserPolicy.Action + " (" + user + "; administrators only can change it)";
            }
            var text = "Uninstall via " + DescribeMethod(plan.Method, plan.ProductCode, plan.UninstallerKind);
            if (plan.MayFallBackToAllUsers)
                text += "; if the package stays, " + DescribeMethod(RemovalMethod.StoreAppForAllUsers) + " when every user who still has it was approved here"
                        + "; otherwise a task that removes it as " + user + " in their own session";
            return text;
        }

        public static string DescribeMethod(RemovalMethod method, string productCode = null, UninstallerKind kind = UninstallerKind.Unknown)
        {
            switch (method)
            {
                case RemovalMethod.KnownUninstaller: return "the " + UninstallerKinds.Describe(kind) + " uninstaller, unattended";
                case RemovalMethod.Msi: return "msiexec /x " + (MsiProductCode.TryNormalize(productCode) ?? "{ProductCode}");
                case RemovalMethod.StoreAppForUser: return "Remove-AppxPackage -User";
                case RemovalMethod.StoreAppForAllUsers: return "Remove-AppxPackage -AllUsers";
                case RemovalMethod.ProvisionedPackage: return "Remove-AppxProvisionedPackage";
                case RemovalMethod.QuietUninstallString: return "QuietUninstallString";
                case RemovalMethod.UninstallString: return "UninstallString with silent switches";
                case RemovalMethod.UserTask: return "a task that runs as the user";
                case RemovalMethod.BrowserPolicy: return "browser policy";
                default: return "no command";
            }
        }

        private static RemovalPlan PlanStoreApp(RemovalPlan plan, InstalledApp app, RemovalRequest request)
        {
            var packageError = CheckPackage(app);
            if (packageError != null) return Skip(plan, RemovalDecision.Refuse, packageError);
            // -AllUsers works off the package type: a package that came in a bundle is removed by the bundle's full name
            // [doc: Remove-AppxPackage; 3rd: Win11Debloat issue 131]. -User keeps the package's own name.
            var allUsers = RemovalCommands.RemoveAppxPackageForAllUsers(app.PackageBundleFullName ?? app.PackageFullName);
            if (string.IsNullOrEmpty(app.UserSid))
            {
                // Found without a user: nobody to target one by one.
                if (!request.AllowAllUsersFallback)
                    return Skip(plan, RemovalDecision.Refuse, "the package was found without a user, and another user on this computer keeps it under an exemption or a grace period, so it cannot be removed for all users");
                plan.Method = RemovalMethod.StoreAppForAllUsers;
                plan.CommandLine = allUsers;
                return plan;
            }
            if (!SecurityIdentifiers.IsValid(app.UserSid)) return Skip(plan, RemovalDecision.Refuse, "the user SID is not a valid SID");
            // -User <SID> removes exactly what was found, so another user's exempt copy stays. [3rd] -AllUsers is
            // broken on some builds and -User sometimes leaves the package; the fallback covers the latter.
            plan.Method = RemovalMethod.StoreAppForUser;
            plan.CommandLine = RemovalCommands.RemoveAppxPackageForUser(app.PackageFullName, app.UserSid);
            plan.MayFallBackToAllUsers = true;
            if (request.AllowAllUsersFallback) plan.FallbackCommandLine = allUsers;
            return plan;
        }

        /// <summary>
        /// A per-user entry runs only as its own user, from a task AppBan builds out of the parsed entry (never elevated). The
        /// plan is made again with the target's folders before anything is registered.
        /// </summary>
        private static RemovalPlan PlanUserTask(RemovalPlan plan, InstalledApp app, RemovalRequest request, TargetEnvironment environment)
        {
            var command = UserTaskCommand.For(app, request.Removal, environment ?? TargetEnvironment.WindowsDefaults);
            if (command.IsRefused)
                return command.LacksSilentForm
                    ? Skip(plan, RemovalDecision.RequiresUserAction, PerUserAdvice(app) + " (" + command.Refusal + ")")
                    : Skip(plan, RemovalDecision.Refuse, "no task is built from " + UserLabel(app) + "'s entry: " + command.Refusal);
            plan.Decision = RemovalDecision.RunAsUser;
            plan.Method = RemovalMethod.UserTask;
            plan.UserCommand = command;
            plan.CommandLine = RemovalCommands.TaskActionLine(command.Command, command.Arguments);
            plan.Deferred = environment == null;
            return plan;
        }

        /// <summary>A browser web app: the rule's sites blocked and its OS integration unregistered, by policy in the user's hive.</summary>
        private static RemovalPlan PlanWebApp(RemovalPlan plan, InstalledApp app, RemovalRequest request)
        {
            var removal = request.Removal;
            if (removal.BlockSites.Count == 0 && removal.WebAppManifestIds.Count == 0)
                return Skip(plan, RemovalDecision.RequiresUserAction, WebAppAdvice(app));
            var sidError = UserTaskDefinition.CheckPrincipal(app.UserSid);
            if (sidError != null) return Skip(plan, RemovalDecision.Refuse, "no browser policy is written: " + sidError);
            plan.Decision = RemovalDecision.BlockInBrowser;
            plan.Method = RemovalMethod.BrowserPolicy;
            // A finding made outside a scan may not name its policy; the record then says so rather than nothing.
            var policyName = string.IsNullOrWhiteSpace(request.Finding.PolicyName) ? "(policy not named)" : request.Finding.PolicyName;
            plan.BrowserPolicy = BrowserPolicyPlan.For(app.UserSid, request.Finding.RuleId, removal.BlockSites, removal.WebAppManifestIds, policyName);
            return plan;
        }

        private static RemovalPlan PlanProvisioned(RemovalPlan plan, InstalledApp app, RemovalRequest request)
        {
            if (!request.RemoveProvisioned)
                return Skip(plan, RemovalDecision.Refuse, "the rule keeps the provisioned copy (its removal settings do not ask to remove it)");
            var packageError = CheckPackage(app);
            if (packageError != null) return Skip(plan, RemovalDecision.Refuse, packageError);
            plan.Method = RemovalMethod.ProvisionedPackage;
            plan.CommandLine = RemovalCommands.RemoveProvisionedPackage(app.PackageFullName);
            return plan;
        }

        private static string CheckPackage(InstalledApp app)
        {
            if (!PackageIdentity.IsValidFullName(app.PackageFullName))
                return "the package full name does not follow the package-name grammar, so no command is built from it";
            if (!string.IsNullOrEmpty(app.PackageFamilyName) &&
                !string.Equals(PackageIdentity.TryParse(app.PackageFullName)?.FamilyName, app.PackageFamilyName, StringComparison.OrdinalIgnoreCase))
                return "the package full name does not belong to the package family the rule matched (" + app.PackageFamilyName + ")";
            if (app.PackageBundleFullName != null)
            {
                var bundle = PackageIdentity.TryParse(app.PackageBundleFullName);
                if (bundle == null || !bundle.IsBundle || !bundle.IsSameFamily(PackageIdentity.TryParse(app.PackageFullName)))
                    return "the bundle full name is not a bundle of the package's family, so no command is built from it";
            }
            return null;
        }

        private static RemovalPlan PlanMachineEntry(RemovalPlan plan, InstalledApp app, RemovalRequest request, TargetEnvironment environment)
        {
            var keyCode = MsiProductCode.TryNormalize(app.KeyName);
            var declaredCode = MsiProductCode.TryNormalize(app.ProductCode);
            if (app.Kind == AppKind.Msi || declaredCode != null)
            {
                var code = declaredCode ?? keyCode;
                if (code == null)
                {
                    // Only the product code is taken from the string, so the default folders do for expansion.
                    var parsed = UninstallCommandParser.Parse(app.UninstallString, environment ?? TargetEnvironment.WindowsDefaults);
                    if (parsed.Success && parsed.Command.Form == UninstallCommandForm.Msi) code = parsed.Command.ProductCode;
                }
                if (code == null) return Skip(plan, RemovalDecision.Refuse, "the Windows Installer entry has no product code that validates as a GUID");
                return PlanMsi(plan, code, keyCode);
            }

            // EXE entries: an uninstaller of a known kind runs with that kind's unattended arguments, whatever the entry's
            // strings add; otherwise the rule's silent switches with UninstallString win over QuietUninstallString, which
            // is not always quiet [3rd: Pass4Win issue 41].
            var reasons = new List<string>();
            var sawKnownKind = false;
            foreach (var (label, text) in new[] { ("UninstallString", app.UninstallString), ("QuietUninstallString", app.QuietUninstallString) })
            {
                if (string.IsNullOrWhiteSpace(text)) continue;
                var parsed = UninstallCommandParser.Parse(text, environment ?? TargetEnvironment.WindowsDefaults);
                if (!parsed.Success || parsed.Command.Form == UninstallCommandForm.Msi) continue;
                var kind = UninstallerKinds.Recognize(app, parsed.Command.ExecutablePath, parsed.Command.Arguments);
                if (kind == UninstallerKind.Unknown) continue;
                sawKnownKind = true;
                var unattended = UninstallerKinds.UnattendedArguments(kind, parsed.Command.Arguments);
                var error = TryExecutable(text, null, unattended, environment, keyCode, app.InstallLocation, plan, RemovalMethod.KnownUninstaller);
                if (error == null)
                {
                    plan.UninstallerKind = kind;
                    return plan;
                }
                reasons.Add(label + " (" + UninstallerKinds.Describe(kind) + "): " + error);
            }

            if (!sawKnownKind)
            {
                var switchesDeclared = (request.SilentSwitches ?? Array.Empty<string>()).Any(x => !string.IsNullOrWhiteSpace(x));
                var order = switchesDeclared
                    ? new[] { RemovalMethod.UninstallString, RemovalMethod.QuietUninstallString }
                    : new[] { RemovalMethod.QuietUninstallString, RemovalMethod.UninstallString };
                foreach (var method in order)
                {
                    var text = method == RemovalMethod.UninstallString ? app.UninstallString : app.QuietUninstallString;
                    if (string.IsNullOrWhiteSpace(text)) continue;
                    var error = TryExecutable(text, method == RemovalMethod.UninstallString ? request.SilentSwitches : null, null, environment, keyCode,
                        app.InstallLocation, plan, method);
                    if (error == null) return plan;
                    reasons.Add(method + ": " + error);
                }
            }
            if (reasons.Count == 0) reasons.Add("the entry has neither QuietUninstallString nor UninstallString");
            plan.CommandLine = null;
            plan.Method = RemovalMethod.None;
            plan.UninstallerKind = UninstallerKind.Unknown;
            return Skip(plan, RemovalDecision.Refuse, string.Join("; ", reasons));
        }

        private static RemovalPlan PlanMsi(RemovalPlan plan, string code, string keyCode)
        {
            if (keyCode != null && keyCode != code)
                return Skip(plan, RemovalDecision.Refuse, "the product code " + code + " does not match the entry's key " + keyCode);
            plan.Method = RemovalMethod.Msi;
            plan.UninstallerKind = UninstallerKind.Msi;
            plan.ProductCode = code;
            plan.CommandLine = RemovalCommands.Msi(code);
            return plan;
        }

        // Null when the plan now runs this string; otherwise the reason it cannot.
        // unattended: a known kind's arguments, which replace the entry's (switches are then not used).
        private static string TryExecutable(string text, IReadOnlyList<string> switches, IReadOnlyList<string> unattended, TargetEnvironment environment,
            string keyCode, string installLocation, RemovalPlan plan, RemovalMethod method)
        {
            var parsed = UninstallCommandParser.Parse(text, environment ?? TargetEnvironment.WindowsDefaults);
            if (!parsed.Success)
            {
                // Variables are expanded with the target's own values: wait for them before judging.
                if (environment == null && text.IndexOf('%') >= 0) return Defer(plan, method);
                return parsed.Error;
            }
            var command = parsed.Command;
            if (command.Form == UninstallCommandForm.Msi)
            {
                // msiexec /X{GUID} in an EXE entry: the product code is all we take from it.
                if (keyCode != null && keyCode != command.ProductCode)
                    return "the product code " + command.ProductCode + " does not match the entry's key " + keyCode;
                plan.Method = RemovalMethod.Msi;
                plan.UninstallerKind = UninstallerKind.Msi;
                plan.ProductCode = command.ProductCode;
                plan.CommandLine = RemovalCommands.Msi(command.ProductCode);
                return null;
            }

            var arguments = (unattended ?? command.Arguments).ToList();
            if (method == RemovalMethod.UninstallString)
            {
                var switchList = (switches ?? Array.Empty<string>()).Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x.Trim()).ToList();
                if (switchList.Count == 0)
                    return "there is no QuietUninstallString and the rule declares no silent switches, so the uninstaller would wait for a user who cannot see it";
                // The policy loader validates switches too; a switch is one argument, never shell syntax.
                var switchError = switchList.Any(x => x.IndexOf(' ') >= 0 || x.IndexOf('\t') >= 0)
                    ? "a switch contains whitespace" : ExecutablePolicy.CheckArguments(switchList);
                if (switchError != null) return "the rule's silent switches are unsafe: " + switchError;
                foreach (var s in switchList)
                    if (!arguments.Contains(s, StringComparer.OrdinalIgnoreCase)) arguments.Add(s);
            }

            var argumentError = ExecutablePolicy.CheckArguments(arguments);
            if (argumentError != null) return argumentError;
            if (environment == null)
            {
                var structural = ExecutablePolicy.CheckLocalPath(command.ExecutablePath);
                if (structural != null) return structural;
                return Defer(plan, method);
            }
            var executableError = ExecutablePolicy.CheckExecutable(command.ExecutablePath, environment, installLocation);
            if (executableError != null) return executableError;
            plan.Method = method;
            plan.ProgramPath = command.ExecutablePath;
            plan.RequiresFileSecurityCheck = ExecutablePolicy.NeedsFileSecurityCheck(command.ExecutablePath, environment);
            plan.CommandLine = RemovalCommands.Executable(command.ExecutablePath, arguments);
            return null;
        }

        private static string Defer(RemovalPlan plan, RemovalMethod method)
        {
            plan.Method = method;
            plan.Deferred = true;
            plan.CommandLine = null;
            return null;
        }

        private static RemovalPlan Skip(RemovalPlan plan, RemovalDecision decision, string reason)
        {
            plan.Decision = decision;
            plan.Reason = reason;
            plan.CommandLine = null;
            plan.FallbackCommandLine = null;
            plan.Deferred = false;
            plan.ProductCode = null;
            plan.ProgramPath = null;
            plan.UninstallerKind = UninstallerKind.Unknown;
            plan.RequiresFileSecurityCheck = false;
            if (decision != RemovalDecision.Run) plan.Method = RemovalMethod.None;
            return plan;
        }

        private static string DescribeExemption(Exemption e)
        {
            if (e == null) return "the finding is exempt; revoke the exemption to remove the app";
            var expires = e.Expires.HasValue ? "until " + e.Expires.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "without expiry";
            return "exempt by " + (e.Id ?? "an exemption") + " (" + e.Source + ", " + expires + "); revoke the exemption to remove the app";
        }

        private static string UserLabel(InstalledApp app) => app.UserName ?? app.UserSid ?? "the user";

        private static string WebAppAdvice(InstalledApp app) =>
            "a browser web app lives in " + UserLabel(app) + "'s profile and its uninstall command opens a confirmation in the browser; " +
            "the rule names no sites to block (removal.blockSites) nor web app manifest ids (removal.webAppManifestIds), so AppBan has no policy to write. " +
            "Ask " + UserLabel(app) + " to uninstall it from edge://apps or chrome://apps, or add the sites to the rule";

        private static string PerUserAdvice(InstalledApp app) =>
            "a per-user install: AppBan runs it only as " + UserLabel(app) + ", and knows no silent way to run this uninstaller. " +
            "Ask " + UserLabel(app) + " to uninstall it from Settings > Apps > Installed apps while signed in, or add its silent switches to the rule";
    }
}
