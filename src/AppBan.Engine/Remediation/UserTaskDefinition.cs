using System;
using System.Globalization;
using AppBan.Engine.Inventory;
using AppBan.Engine.Scheduling;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// One removal AppBan leaves for a user to run in their own session: what runs, as whom, for which finding, and
    /// from when to when. Everything is checked here, so a definition that exists can be registered: the principal is a
    /// person's account (never SYSTEM, a service, or a group such as Administrators), the command a local absolute .exe,
    /// the arguments free of anything Task Scheduler or a shell would expand or chain.
    /// </summary>
    internal sealed class UserTaskDefinition
    {
        /// <summary>The task folder every AppBan task lives in.</summary>
        public const string TaskPath = ScheduledWork.TaskPath;
        public const string TaskNamePrefix = ScheduledWork.TaskNamePrefix;
        /// <summary>How long a task may wait for its user to sign in; it then expires and Task Scheduler deletes it.</summary>
        public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

        public UserTaskDefinition(string userSid, string ruleId, string appIdentity, string appName, string command, string arguments,
            DateTimeOffset registered)
        {
            var principalError = CheckPrincipal(userSid);
            if (principalError != null) throw new ArgumentException(principalError, nameof(userSid));
            if (string.IsNullOrWhiteSpace(ruleId)) throw new ArgumentException("A rule id is required.", nameof(ruleId));
            if (string.IsNullOrEmpty(appIdentity)) throw new ArgumentException("The app's identity (key name or package full name) is required.", nameof(appIdentity));
            var commandError = CheckCommand(command);
            if (commandError != null) throw new ArgumentException(commandError, nameof(command));
            var argumentError = ExecutablePolicy.CheckArguments(new[] { arguments ?? string.Empty });
            if (argumentError != null) throw new ArgumentException(argumentError, nameof(arguments));

            UserSid = userSid.ToUpperInvariant();
            RuleId = ruleId;
            AppIdentity = appIdentity;
            AppName = string.IsNullOrWhiteSpace(appName) ? appIdentity : appName;
            Command = command;
            Arguments = arguments ?? string.Empty;
            Registered = ScheduledWork.WholeSecondUtc(registered);
            WorkId = Scheduling.WorkId.For(UserSid, RuleId, AppIdentity);
        }

        public string UserSid { get; }
        public string RuleId { get; }
        /// <summary>The uninstall key's name or the package full name, as found (<see cref="Scheduling.WorkId.AppIdentityOf"/>).</summary>
        public string AppIdentity { get; }
        /// <summary>For people: the app's display name (from the user's hive, so only ever shown, never run).</summary>
        public string AppName { get; }
        /// <summary>The program, an absolute local path without quotes.</summary>
        public string Command { get; }
        /// <summary>Its arguments as one string; empty when there are none.</summary>
        public string Arguments { get; }
        public DateTimeOffset Registered { get; }
        public DateTimeOffset Expires => Registered + Lifetime;
        public string WorkId { get; }
        public string TaskName => TaskNamePrefix + WorkId;
        /// <summary>\AppBan\AppBan-&lt;workId&gt;: the task's URI in Task Scheduler.</summary>
        public string Uri => TaskPath + TaskName;

        /// <summary>Null when a task may run as this SID; otherwise why not.</summary>
        public static string CheckPrincipal(string sid) => ScheduledWork.CheckPrincipal(sid);

        /// <summary>
        /// Null when <paramref name="command"/> can be a task's program: an absolute local .exe path (no UNC, no 8.3 name, no
        /// '..', no quotes, no %). A % is refused in the command and the arguments whether or not Task Scheduler would
        /// expand it (Windows' own tasks name programs as %windir%\...), so what runs never depends on an account's variables.
        /// </summary>
        public static string CheckCommand(string command)
        {
            var structural = ExecutablePolicy.CheckLocalPath(command);
            if (structural != null) return structural;
            return command.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? null : "the program is not an .exe: " + command;
        }

        public static string FormatTime(DateTimeOffset time) => ScheduledWork.FormatTime(time);

        /// <summary>The record of this task registered under the policy <paramref name="policyName"/>.</summary>
        public ScheduledWorkRecord ToRecord(string policyName) => new ScheduledWorkRecord
        {
            WorkId = WorkId,
            RuleId = RuleId,
            UserSid = UserSid,
            AppIdentity = AppIdentity,
            AppName = AppName,
            TaskPath = TaskPath,
            TaskName = TaskName,
            Command = Command,
            Arguments = Arguments,
            Registered = Registered,
            Expires = Expires,
            Policy = policyName ?? string.Empty,
        };
    }
}
