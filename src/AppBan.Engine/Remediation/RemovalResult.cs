using System;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    /// <summary>The outcome of one finding. Removed, AlreadyAbsent and RebootRequired come from a re-scan.</summary>
    public enum RemovalStatus
    {
        Removed,
        AlreadyAbsent,
        RebootRequired,
        Failed,
        TimedOut,
        Refused,
        RequiresUserAction,
        SkippedExempt,
        SkippedGracePeriod,
        /// <summary>
        /// A per-user removal set in motion in the user's own context (a task that runs at their sign-in, or browser
        /// policy the browser applies when it starts) that a re-scan has not yet confirmed.
        /// </summary>
        Scheduled,
    }

    /// <summary>How an app is (or would be) removed.</summary>
    public enum RemovalMethod
    {
        /// <summary>Nothing is run: skipped, refused, or left to the user.</summary>
        None,
        /// <summary>msiexec.exe /x {ProductCode} /qn /norestart</summary>
        Msi,
        /// <summary>Remove-AppxPackage -User &lt;SID&gt;</summary>
        StoreAppForUser,
        /// <summary>Remove-AppxPackage -AllUsers</summary>
        StoreAppForAllUsers,
        /// <summary>Remove-AppxProvisionedPackage -Online</summary>
        ProvisionedPackage,
        /// <summary>The entry's QuietUninstallString.</summary>
        QuietUninstallString,
        /// <summary>The entry's UninstallString plus the rule's silent switches.</summary>
        UninstallString,
        /// <summary>A scheduled task that runs the removal as the app's own user, never elevated.</summary>
        UserTask,
        /// <summary>Browser policy in the user's hive: the site blocked and the web app's OS integration unregistered.</summary>
        BrowserPolicy,
        /// <summary>The entry's own uninstaller with the unattended arguments of its kind (Inno Setup, NSIS, WiX Burn, ...).</summary>
        KnownUninstaller,
    }

    /// <summary>One result per finding; flat, so that it exports to CSV and JSON as it is.</summary>
    public sealed class RemovalResult
    {
        public string ComputerName { get; set; }
        /// <summary>The name the target gives itself, as the scan behind this result read it; null when it was not read.</summary>
        public string MachineName { get; set; }
        public string AppName { get; set; }
        public string Version { get; set; }
        public AppKind Kind { get; set; }
        public AppScope Scope { get; set; }
        public string UserName { get; set; }
        public string UserSid { get; set; }
        public string RuleId { get; set; }
        public RemovalMethod Method { get; set; }
        /// <summary>The command run on the target (without the exit-code wrapper); null when nothing ran.</summary>
        public string CommandLine { get; set; }
        /// <summary>The last exit code recorded; null when nothing ran or it could not be read back.</summary>
        public int? ExitCode { get; set; }
        public RemovalStatus Status { get; set; }
        public bool RebootRequired { get; set; }
        public TimeSpan Duration { get; set; }
        /// <summary>How many times the command was started (1618 retries count).</summary>
        public int Attempts { get; set; }
        /// <summary>Why it failed, timed out or was refused; null for every other status (see <see cref="ExplainsAsError"/>).</summary>
        public string Error { get; set; }
        /// <summary>
        /// What happened when it is not a failure: what the user must do, why it was skipped, or what the uninstaller
        /// said when the app is gone all the same; null when there is nothing to add.
        /// </summary>
        public string Message { get; set; }

        /// <summary>The finding this result answers (for error records); not part of the exported shape.</summary>
        internal Findings.Finding Finding { get; set; }

        /// <summary>The exception behind a Failed status, when there was one (a CIM failure).</summary>
        internal Exception Cause { get; set; }

        /// <summary>True for the statuses that mean something went wrong and deserve an error record.</summary>
        public bool IsFailure => Status == RemovalStatus.Failed || Status == RemovalStatus.TimedOut;

        /// <summary>
        /// Whether a status's explanation belongs in <see cref="Error"/>: failures, and refusals, which leave a banned
        /// app installed because its entry looked unsafe and need an administrator; every other status explains in
        /// <see cref="Message"/>.
        /// </summary>
        public static bool ExplainsAsError(RemovalStatus status) =>
            status == RemovalStatus.Failed || status == RemovalStatus.TimedOut || status == RemovalStatus.Refused;

        /// <summary>Sets the explanation where <see cref="ExplainsAsError"/> says it belongs for the current status.</summary>
        internal void Explain(string text)
        {
            if (ExplainsAsError(Status)) Error = text;
            else Message = text;
        }
    }
}
