using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Text;

namespace AppBan.Engine.Scheduling
{
    /// <summary>
    /// AppBan's record of one task it registered for a user: <c>HKLM\SOFTWARE\AppBan\Scheduled\&lt;workId&gt;</c>, writable
    /// by administrators only. A record whose task is gone or expired is not scheduled work.
    /// </summary>
    internal sealed class ScheduledWorkRecord
    {
        public string WorkId { get; set; }
        public string RuleId { get; set; }
        public string UserSid { get; set; }
        public string AppIdentity { get; set; }
        public string AppName { get; set; }
        public string TaskPath { get; set; }
        public string TaskName { get; set; }
        public string Command { get; set; }
        public string Arguments { get; set; }
        public DateTimeOffset Registered { get; set; }
        public DateTimeOffset Expires { get; set; }
        /// <summary>The name of the policy the task was registered under.</summary>
        public string Policy { get; set; }

        public bool IsExpired(DateTimeOffset now) => Expires <= now;

        /// <summary>Browser policy written for the user: no task runs; the record only waits for a scan to confirm.</summary>
        public bool IsBrowserPolicy => Command == ScheduledWork.BrowserPolicyCommand;
    }

    /// <summary>
    /// Writes, reads and deletes <see cref="ScheduledWorkRecord"/>s through StdRegProv. Every value is REG_SZ, the dates
    /// yyyy-MM-ddTHH:mm:ssZ. Reading trusts nothing it did not write the way it writes: a key not named by a work id, a
    /// missing or unreadable value, a date that does not parse, a work id that is not the one its user, rule and app give,
    /// or a task other than AppBan's own for that work id makes the record ignored (named in the problems), never followed.
    /// </summary>
    internal static class ScheduledWorkStore
    {
        public const string RootKey = @"SOFTWARE\AppBan\Scheduled";

        public const string RuleIdValue = "RuleId";
        public const string UserSidValue = "UserSid";
        public const string AppIdentityValue = "AppIdentity";
        public const string AppNameValue = "AppName";
        public const string TaskPathValue = "TaskPath";
        public const string TaskNameValue = "TaskName";
        public const string CommandValue = "Command";
        public const string ArgumentsValue = "Arguments";
        public const string RegisteredValue = "Registered";
        public const string ExpiresValue = "Expires";
        public const string PolicyValue = "Policy";

        private static readonly string[] ValueNames =
        {
            RuleIdValue, UserSidValue, AppIdentityValue, AppNameValue, TaskPathValue, TaskNameValue, CommandValue, ArgumentsValue,
            RegisteredValue, ExpiresValue, PolicyValue,
        };

        // Values that may be empty strings; the others must say something.
        private static readonly HashSet<string> MayBeEmpty = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { AppNameValue, ArgumentsValue, PolicyValue };

        public static string KeyOf(string workId)
        {
            if (!WorkId.IsValid(workId)) throw new ArgumentException("'" + workId + "' is not a work id: 24 lowercase hex digits.", nameof(workId));
            return RootKey + "\\" + workId;
        }

        /// <summary>
        /// Writes the record, replacing one of the same work id. The dates are written last, so a write cut short leaves a
        /// record that reading ignores rather than one that looks whole.
        /// </summary>
        public static async Task WriteAsync(RegistryClient registry, ScheduledWorkRecord record, CancellationToken ct)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            if (record == null) throw new ArgumentNullException(nameof(record));
            var key = KeyOf(record.WorkId);
            var created = await registry.CreateKeyAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
            if (!created.Success) throw RegistryError(created.Outcome, created.ReturnValue, registry, "create HKLM\\" + key);
            var values = new[]
            {
                (RuleIdValue, record.RuleId), (UserSidValue, record.UserSid), (AppIdentityValue, record.AppIdentity), (AppNameValue, record.AppName),
                (TaskPathValue, record.TaskPath), (TaskNameValue, record.TaskName), (CommandValue, record.Command), (ArgumentsValue, record.Arguments),
                (PolicyValue, record.Policy),
                (RegisteredValue, ScheduledWork.FormatTime(record.Registered)), (ExpiresValue, ScheduledWork.FormatTime(record.Expires)),
            };
            foreach (var (name, value) in values)
            {
                var set = await registry.SetStringValueAsync(RegistryHive.LocalMachine, key, name, value ?? string.Empty, ct).ConfigureAwait(false);
                if (!set.Success) throw RegistryError(set.Outcome, set.ReturnValue, registry, "write " + name + " to HKLM\\" + key);
            }
        }

        /// <summary>Every well-formed record; a missing root means none. Records that are ignored are named in <paramref name="problems"/>.</summary>
        public static async Task<IReadOnlyList<ScheduledWorkRecord>> ReadAllAsync(RegistryClient registry, ICollection<string> problems, CancellationToken ct)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            problems = problems ?? new List<string>();
            var names = await registry.EnumKeyAsync(RegistryHive.LocalMachine, RootKey, ct).ConfigureAwait(false);
            if (names.Outcome == RegistryOutcome.KeyNotFound) return Array.Empty<ScheduledWorkRecord>();
            if (!names.Success) throw RegistryError(names.Outcome, names.ReturnValue, registry, "read HKLM\\" + RootKey);

            var reads = new List<Task<ScheduledWorkRecord>>();
            foreach (var name in names.Value)
            {
                // Only a work id may become a path: any other key is not AppBan's and is never opened.
                if (!WorkId.IsValid(name))
                {
                    lock (problems) problems.Add(Where(registry, name) + " is not named by a work id and is ignored.");
                    continue;
                }
                reads.Add(ReadOneAsync(registry, name, problems, ct));
            }
            var records = await Task.WhenAll(reads).ConfigureAwait(false);
            return records.Where(r => r != null).ToList();
        }

        /// <summary>Deletes the record: true when it was there, false when it was not.</summary>
        public static async Task<bool> DeleteAsync(RegistryClient registry, string workId, CancellationToken ct)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            var key = KeyOf(workId);
            var deleted = await registry.DeleteKeyAsync(RegistryHive.LocalMachine, key, ct).ConfigureAwait(false);
            if (deleted.Outcome == RegistryOutcome.KeyNotFound) return false;
            if (!deleted.Success) throw RegistryError(deleted.Outcome, deleted.ReturnValue, registry, "delete HKLM\\" + key);
            return true;
        }

        /// <summary>
        /// Forgets finished or cancelled work: deletes its task (a browser-policy record has none; a task already gone is
        /// fine) and then its record, over the registry client's session and call options.
        /// </summary>
        public static async Task ForgetAsync(RegistryClient registry, ScheduledWorkRecord record, CancellationToken ct)
        {
            if (registry == null) throw new ArgumentNullException(nameof(registry));
            if (record == null) throw new ArgumentNullException(nameof(record));
            if (!record.IsBrowserPolicy)
                await new TaskSchedulerClient(registry.Session, registry.Defaults).DeleteAsync(record.TaskPath, record.TaskName, ct).ConfigureAwait(false);
            await DeleteAsync(registry, record.WorkId, ct).ConfigureAwait(false);
        }

        private static async Task<ScheduledWorkRecord> ReadOneAsync(RegistryClient registry, string workId, ICollection<string> problems, CancellationToken ct)
        {
            var key = RootKey + "\\" + workId;
            var where = Where(registry, workId);
            // The values are read concurrently: one round trip's latency per record, not one per value.
            var results = await Task.WhenAll(ValueNames.Select(n => registry.GetStringValueAsync(RegistryHive.LocalMachine, key, n, ct))).ConfigureAwait(false);
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < ValueNames.Length; i++)
            {
                var r = results[i];
                if (!r.Success)
                    return Ignore(problems, where + ": the value " + ValueNames[i] + (r.Outcome == RegistryOutcome.ValueNotFound ? " is missing" : " cannot be read (" + r.Outcome + ")"));
                if (string.IsNullOrWhiteSpace(r.Value) && !MayBeEmpty.Contains(ValueNames[i]))
                    return Ignore(problems, where + ": the value " + ValueNames[i] + " is empty");
                values[ValueNames[i]] = r.Value ?? string.Empty;
            }

            if (!IsoDate.TryParse(values[RegisteredValue], out var registered) || !IsoDate.TryParse(values[ExpiresValue], out var expires))
                return Ignore(problems, where + ": Registered or Expires is not an ISO 8601 date");
            if (expires <= registered) return Ignore(problems, where + ": it expires before it was registered");
            var userSid = values[UserSidValue];
            var principalError = ScheduledWork.CheckPrincipal(userSid);
            if (principalError != null) return Ignore(problems, where + ": " + principalError);
            var ruleId = values[RuleIdValue];
            var appIdentity = values[AppIdentityValue];
            if (WorkId.For(userSid, ruleId, appIdentity) != workId)
                return Ignore(problems, where + ": its name is not the work id of its user, rule and app");
            // The record names the task a later run may delete: only AppBan's own task for this work id.
            if (values[TaskPathValue] != ScheduledWork.TaskPath || values[TaskNameValue] != ScheduledWork.TaskNamePrefix + workId)
                return Ignore(problems, where + ": it names a task other than " + ScheduledWork.TaskPath + ScheduledWork.TaskNamePrefix + workId);

            return new ScheduledWorkRecord
            {
                WorkId = workId,
                RuleId = ruleId,
                UserSid = userSid,
                AppIdentity = appIdentity,
                AppName = values[AppNameValue],
                TaskPath = values[TaskPathValue],
                TaskName = values[TaskNameValue],
                Command = values[CommandValue],
                Arguments = values[ArgumentsValue],
                Registered = registered,
                Expires = expires,
                Policy = values[PolicyValue],
            };
        }

        private static ScheduledWorkRecord Ignore(ICollection<string> problems, string problem)
        {
            lock (problems) problems.Add(problem + "; the record is ignored.");
            return null;
        }

        private static string Where(RegistryClient registry, string name) =>
            "Scheduled work HKLM\\" + RootKey + "\\" + name + " on " + registry.Session.ComputerName;

        private static CimException RegistryError(RegistryOutcome outcome, uint returnValue, RegistryClient registry, string what)
        {
            var computer = registry.Session.ComputerName;
            return new CimException(outcome == RegistryOutcome.AccessDenied ? CimErrorKind.AccessDenied : CimErrorKind.ProviderFailure,
                computer, "Cannot " + what + " on " + computer + ": " + outcome + " (" + returnValue + ").", returnValue);
        }
    }
}
