using System;
using System.Linq;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;
using AppBan.Engine.Scheduling;

namespace AppBan.Engine.Remediation
{
    /// <summary>Removals that run as the app's own user: a task registered on the target, never an elevated command.</summary>
    internal sealed partial class RemovalExecutor
    {
        /// <summary>
        /// Registers (or finds already registered) the task that runs <paramref name="command"/> as the finding's user, records
        /// it, and, when the user is signed in, waits a while for the task to take the app away. Removed when a re-scan no
        /// longer finds the app (the task and its record are then deleted); otherwise Scheduled.
        /// </summary>
        /// <param name="elevatedOutcome">Why an elevated removal for this user did not take the app (Store apps); null when none ran.</param>
        private async Task<RemovalResult> ScheduleForUserAsync(RemovalRequest request, UserTaskCommand command, RemovalResult result,
            System.Diagnostics.Stopwatch watch, TimeSpan deadline, string elevatedOutcome, CancellationToken ct)
        {
            var app = request.Finding.App;
            var now = Clock.UtcNow;
            var definition = new UserTaskDefinition(app.UserSid, request.Finding.RuleId, WorkId.AppIdentityOf(app),
                app.DisplayName ?? app.PackageName ?? app.KeyName, command.Command, command.Arguments, now);
            result.Method = RemovalMethod.UserTask;
            result.CommandLine = RemovalCommands.TaskActionLine(definition.Command, definition.Arguments);
            var user = app.UserName ?? app.UserSid;

            // A signed-out user's app was read from their hive while it was loaded for the scan: a re-read now says nothing.
            var signedIn = await IsSignedInAsync(app.UserSid, ct).ConfigureAwait(false);
            if (elevatedOutcome == null && signedIn && !await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false))
            {
                result.Status = RemovalStatus.AlreadyAbsent;
                return result;
            }

            var placeError = command.Kind == UserTaskKind.Msi || command.Kind == UserTaskKind.StoreApp ? null
                : await CheckProgramPlaceAsync(app.UserSid, command.Command, ct).ConfigureAwait(false);
            if (placeError != null)
            {
                result.Status = RemovalStatus.Refused;
                result.Method = RemovalMethod.None;
                result.CommandLine = null;
                result.Error = "no task runs " + command.Command + " as " + user + ": " + placeError;
                return result;
            }
            if (command.ProductCode != null && await IsMachineProductAsync(command.ProductCode, ct).ConfigureAwait(false))
            {
                // A user could name a machine-wide product's code (an endpoint agent, say) in an entry of their own.
                result.Status = RemovalStatus.Refused;
                result.Method = RemovalMethod.None;
                result.CommandLine = null;
                result.Error = "the product code " + command.ProductCode + " in " + user + "'s own entry belongs to a product installed for the whole computer; no task removes it";
                return result;
            }
            var tasks = new TaskSchedulerClient(session, CallOptions(ct));
            var registered = UserTaskXml.Describe(await tasks.ExportAsync(UserTaskDefinition.TaskPath, definition.TaskName, ct).ConfigureAwait(false));
            var alreadyScheduled = registered != null && UserTaskXml.IsSameWork(registered, definition, now);
            var record = alreadyScheduled && request.Finding.ScheduledWork != null && request.Finding.ScheduledWork.WorkId == definition.WorkId
                ? request.Finding.ScheduledWork : definition.ToRecord(options.PolicyName);
            if (alreadyScheduled && record != request.Finding.ScheduledWork)
            {
                // The task keeps the boundaries it was registered with: the record says those, not when this run looked, so it
                // is never live longer than its task.
                record.Expires = registered.Expires.Value;
                record.Registered = record.Expires - UserTaskDefinition.Lifetime;
            }
            if (!alreadyScheduled)
            {
                // Registering again replaces the task of the same name (Force): one task per user and app, however often AppBan runs.
                await tasks.RegisterByXmlAsync(UserTaskDefinition.TaskPath, definition.TaskName, UserTaskXml.Build(definition), ct).ConfigureAwait(false);
                record = definition.ToRecord(options.PolicyName);
            }
            await ScheduledWorkStore.WriteAsync(registry, record, ct).ConfigureAwait(false);

            // The registration trigger starts it at once in a signed-in user's session: wait for it to end, within a bound.
            if (signedIn && !alreadyScheduled)
            {
                var waitUntil = watch.Elapsed + (options.UserTaskWait < deadline - watch.Elapsed ? options.UserTaskWait : deadline - watch.Elapsed);
                while (watch.Elapsed < waitUntil)
                {
                    await Task.Delay(processes.PollInterval, ct).ConfigureAwait(false);
                    var ran = await TaskRunAsync(tasks, definition, ct).ConfigureAwait(false);
                    if (!await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false))
                    {
                        result.Status = RemovalStatus.Removed;
                        if (ran?.LastTaskResult is uint code && code != TaskSchedulerClient.TaskRunning && code != TaskSchedulerClient.TaskHasNotRun) result.ExitCode = unchecked((int)code);
                        result.Message = "removed by a task that ran as " + user + " in their own session, never elevated" + After(elevatedOutcome)
                                         + await TryForgetAsync(record, ct).ConfigureAwait(false);
                        return result;
                    }
                    // A target's clock may be behind this one's: a run within minutes before the registration counts as this one.
                    if (ran == null || !ran.EndedSince(record.Registered - ClockSkew)) continue;
                    // It ran and ended, and the app is still there: the uninstaller failed as that user.
                    result.ExitCode = unchecked((int)ran.LastTaskResult.Value);
                    result.Status = RemovalStatus.Failed;
                    result.Error = computerName + ": the task ran as " + user + " and exited with " + result.ExitCode.Value.ToString(CultureInfo.InvariantCulture) +
                                   ", and the re-scan still finds the app; " + UserTaskDefinition.TaskPath + definition.TaskName +
                                   " runs again at their next sign-in, until " + ScheduledWork.FormatTime(record.Expires) + After(elevatedOutcome);
                    return result;
                }
            }

            result.Status = RemovalStatus.Scheduled;
            result.Message = (alreadyScheduled ? "already scheduled " : "scheduled ") + ScheduledWork.FormatTime(record.Registered) + " for " + user +
                             (signedIn && !alreadyScheduled
                                 ? ": the task started in their session and had not finished; a later run confirms the removal"
                                 : ": the task " + UserTaskDefinition.TaskPath + definition.TaskName + " runs as them at their next sign-in")
                             + ", until " + ScheduledWork.FormatTime(record.Expires) + After(elevatedOutcome);
            return result;
        }

        /// <summary>
        /// A web app: the rule's sites blocked and the app's OS integration unregistered by policy in the user's own hive
        /// (only administrators can write it). The browser applies it when it next starts, or sooner; until a re-scan no
        /// longer finds the app, the result is Scheduled, with a record the next scan reads.
        /// </summary>
        private async Task<RemovalResult> BlockInBrowserAsync(RemovalRequest request, BrowserPolicyPlan policy, RemovalResult result, CancellationToken ct)
        {
            var app = request.Finding.App;
            var user = app.UserName ?? app.UserSid;
            result.Method = RemovalMethod.BrowserPolicy;
            if (!await IsSignedInAsync(app.UserSid, ct).ConfigureAwait(false))
            {
                // Policy goes into the user's own hive, which is loaded only while they are signed in.
                result.Status = RemovalStatus.RequiresUserAction;
                result.Message = user + " is signed out, so their hive (where the browser policy goes) is not loaded; a run while they are signed in writes it";
                return result;
            }
            if (!await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false))
            {
                result.Status = RemovalStatus.AlreadyAbsent;
                return result;
            }
            var changes = await new BrowserPolicyWriter(registry).ApplyAsync(policy, ct).ConfigureAwait(false);
            var failed = changes.Where(c => !c.Succeeded).ToList();
            if (failed.Count == changes.Count)
            {
                result.Status = RemovalStatus.Failed;
                result.Error = computerName + ": the browser policy could not be written: " + string.Join("; ", failed.Select(c => c.Browser + ": " + c.Error));
                return result;
            }
            var identity = WorkId.AppIdentityOf(app);
            var workId = WorkId.For(app.UserSid, request.Finding.RuleId, identity);
            var registered = ScheduledWork.WholeSecondUtc(Clock.UtcNow);
            var record = new ScheduledWorkRecord
            {
                WorkId = workId, RuleId = request.Finding.RuleId, UserSid = app.UserSid.ToUpperInvariant(), AppIdentity = identity,
                AppName = app.DisplayName ?? app.KeyName, TaskPath = ScheduledWork.TaskPath, TaskName = ScheduledWork.TaskNameOf(workId),
                Command = ScheduledWork.BrowserPolicyCommand, Arguments = string.Join(" ", policy.Sites.Concat(policy.ManifestIds)),
                Registered = registered, Expires = registered + UserTaskDefinition.Lifetime, Policy = options.PolicyName ?? string.Empty,
            };
            await ScheduledWorkStore.WriteAsync(registry, record, ct).ConfigureAwait(false);
            var notes = changes.SelectMany(c => c.Notes).Concat(failed.Select(c => c.Browser + ": " + c.Error)).ToList();
            var noteText = notes.Count == 0 ? string.Empty : " (" + string.Join("; ", notes) + ")";
            if (!await verifier.IsStillInstalledAsync(app, ct).ConfigureAwait(false))
            {
                result.Status = RemovalStatus.Removed;
                result.Message = "the browser unregistered the web app under the policy written for " + user + noteText
                                 + await TryForgetAsync(record, ct).ConfigureAwait(false);
                return result;
            }
            result.Status = RemovalStatus.Scheduled;
            result.Message = "browser policy written " + ScheduledWork.FormatTime(registered) + " for " + user + ": " + policy.Action +
                             "; the browser removes the web app when it next starts (at sign-in at the latest)" + noteText;
            return result;
        }

        /// <summary>The task's last run; null when it cannot be told (no such task, or the provider does not say).</summary>
        private static async Task<ScheduledTaskRunInfo> TaskRunAsync(TaskSchedulerClient tasks, UserTaskDefinition definition, CancellationToken ct)
        {
            try { return await tasks.GetInfoAsync(UserTaskDefinition.TaskPath, definition.TaskName, ct).ConfigureAwait(false); }
            catch (CimException) { return null; }
        }

        /// <summary>
        /// Null when the program a user's task would run is one only that user or an administrator can change: inside the
        /// user's own profile folder (ProfileList, HKLM), or under Program Files. A program anywhere else (C:\Users\Public,
        /// ProgramData, another user's profile) could be swapped by someone else, who would then run code as this user.
        /// </summary>
        private async Task<string> CheckProgramPlaceAsync(string userSid, string program, CancellationToken ct)
        {
            var env = await GetEnvironmentAsync(ct).ConfigureAwait(false);
            if (ExecutablePolicy.ProgramFilesRoots(env).Any(root => root != null && ExecutablePolicy.IsUnder(program, root))) return null;
            var profile = await registry.GetExpandedStringValueAsync(RegistryHive.LocalMachine,
                InventoryPaths.ProfileListKey + "\\" + userSid, InventoryPaths.ProfileImagePathValue, ct).ConfigureAwait(false);
            if (!profile.Success) return "the user's profile folder could not be read from the ProfileList (" + profile.Outcome + ")";
            var folder = SignedOutProfiles.CheckProfilePath(profile.Value, env.SystemRoot, out var refusal);
            if (folder == null) return "the user's profile folder in the ProfileList was refused: " + refusal;
            return ExecutablePolicy.IsUnder(program, folder) ? null
                : "it is neither in the user's own profile (" + folder + ") nor under Program Files, so another user could replace it and have it run as this one";
        }

        /// <summary>Whether Windows Installer's machine-wide uninstall entry for the product exists (either registry view).</summary>
        private async Task<bool> IsMachineProductAsync(string productCode, CancellationToken ct)
        {
            foreach (var root in new[] { InventoryPaths.UninstallKey, InventoryPaths.Wow6432UninstallKey })
            {
                var key = await registry.EnumKeyAsync(RegistryHive.LocalMachine, root + "\\" + productCode, ct).ConfigureAwait(false);
                if (key.Success) return true;
            }
            return false;
        }

        /// <summary>
        /// Deletes a finished removal's task and record; the app is gone either way, so a failure here leaves them to the next
        /// run's confirmation (the scan finds the record without its app) and is said, not reported as a failed removal.
        /// </summary>
        private async Task<string> TryForgetAsync(ScheduledWorkRecord record, CancellationToken ct)
        {
            try
            {
                await ScheduledWorkStore.ForgetAsync(registry, record, ct).ConfigureAwait(false);
                return string.Empty;
            }
            catch (CimException ex)
            {
                return "; its task and record stay until the next removal run confirms it (" + ex.Kind + ": " + ex.Message + ")";
            }
        }

        /// <summary>Whether the user's hive is loaded (they are signed in, or something holds their hive).</summary>
        private async Task<bool> IsSignedInAsync(string userSid, CancellationToken ct)
        {
            var hive = await registry.EnumKeyAsync(RegistryHive.Users, userSid, ct).ConfigureAwait(false);
            return hive.Success;
        }

        private IClock Clock => options.Clock ?? SystemClock.Instance;

        /// <summary>How far a target's clock may be from this computer's (domain members keep within 5 minutes for Kerberos).</summary>
        private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

        private static string After(string elevatedOutcome) =>
            elevatedOutcome == null ? string.Empty : " (the elevated removal for this user left it: " + elevatedOutcome + ")";
    }
}
