using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// Task Scheduler over the CIM port, through the provider the ScheduledTasks module is written on (CDXML over
    /// root\Microsoft\Windows\TaskScheduler): register a task from its XML, read a task's XML back, delete a task.
    /// [3rd: microsoft/wmi taskscheduler PS_ScheduledTask; Red Canary atomic T1053.005 test 6] Registration and export
    /// are static methods of PS_ScheduledTask; Unregister-ScheduledTask deletes the MSFT_ScheduledTask instance, keyed by
    /// TaskName and TaskPath. Failures are <see cref="CimException"/>; a task that does not exist is a result (null,
    /// false), not an exception.
    /// </summary>
    internal sealed class TaskSchedulerClient
    {
        public const string NamespaceName = @"root\Microsoft\Windows\TaskScheduler";
        /// <summary>The class whose static methods register and export tasks.</summary>
        public const string MethodsClassName = "PS_ScheduledTask";
        /// <summary>The class whose instances are the registered tasks.</summary>
        public const string TaskClassName = "MSFT_ScheduledTask";
        public const string RegisterByXmlMethod = "RegisterByXml";
        public const string ExportByNameMethod = "ExportByName";
        public const string GetInfoByNameMethod = "GetInfoByName";
        /// <summary>SCHED_S_TASK_RUNNING: the task is running.</summary>
        public const uint TaskRunning = 0x00041301;
        /// <summary>SCHED_S_TASK_HAS_NOT_RUN: the task has not run yet.</summary>
        public const uint TaskHasNotRun = 0x00041303;
        /// <summary>The out-parameter that carries what the cmdlet would have written: the task XML for ExportByName.</summary>
        public const string CmdletOutputParameter = "cmdletOutput";
        /// <summary>HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND): what Task Scheduler says about a task that does not exist.</summary>
        public const uint TaskNotFoundCode = 0x80070002;

        public TaskSchedulerClient(ICimSession session, CimCallOptions defaults = null)
        {
            Session = session ?? throw new ArgumentNullException(nameof(session));
            Defaults = defaults ?? CimCallOptions.Default;
        }

        public ICimSession Session { get; }
        public CimCallOptions Defaults { get; }

        /// <summary>Registers the task, replacing a task of the same path and name (Force).</summary>
        public async Task RegisterByXmlAsync(string taskPath, string taskName, string xml, CancellationToken ct = default)
        {
            CheckName(taskPath, taskName);
            if (string.IsNullOrWhiteSpace(xml)) throw new ArgumentException("The task XML is required.", nameof(xml));
            var result = await Session.InvokeMethodAsync(NamespaceName, MethodsClassName, RegisterByXmlMethod, new[]
            {
                new CimParameter("Xml", CimValue.FromString(xml)),
                new CimParameter("TaskPath", CimValue.FromString(taskPath)),
                new CimParameter("TaskName", CimValue.FromString(taskName)),
                new CimParameter("Force", CimValue.FromBoolean(true)),
            }, Defaults.With(ct)).ConfigureAwait(false);
            if (result.ReturnValue != 0) throw Failed(RegisterByXmlMethod, taskPath, taskName, result.ReturnValue);
        }

        /// <summary>
        /// When the task last ran and how it ended (PS_ScheduledTask.GetInfoByName, as Get-ScheduledTaskInfo calls it); null
        /// when there is no such task. LastTaskResult is the action's exit code, or <see cref="TaskRunning"/> /
        /// <see cref="TaskHasNotRun"/> [doc: Task Scheduler Error and Success Constants].
        /// </summary>
        public async Task<ScheduledTaskRunInfo> GetInfoAsync(string taskPath, string taskName, CancellationToken ct = default)
        {
            var result = await InvokeByNameAsync(GetInfoByNameMethod, taskPath, taskName, ct).ConfigureAwait(false);
            if (result == null) return null;
            var info = CmdletOutputOf(result)?.AsInstance();
            if (info == null) return new ScheduledTaskRunInfo(null, null);
            // A value the provider sends in a form it should not makes that field unknown, not the call failed.
            DateTimeOffset? lastRun = null;
            try { lastRun = info["LastRunTime"].AsDateTime(); }
            catch (Exception ex) when (ex is FormatException || ex is InvalidCastException) { }
            uint? lastResult = null;
            try { lastResult = info["LastTaskResult"].AsUInt32(); }
            catch (Exception ex) when (ex is FormatException || ex is OverflowException || ex is InvalidCastException) { }
            return new ScheduledTaskRunInfo(lastRun, lastResult);
        }

        /// <summary>The registered task's XML; null when there is no such task.</summary>
        public async Task<string> ExportAsync(string taskPath, string taskName, CancellationToken ct = default)
        {
            var result = await InvokeByNameAsync(ExportByNameMethod, taskPath, taskName, ct).ConfigureAwait(false);
            if (result == null) return null;
            var xml = CmdletOutputOf(result)?.AsString();
            if (string.IsNullOrWhiteSpace(xml))
                throw new CimException(CimErrorKind.ProtocolError, Session.ComputerName,
                    Session.ComputerName + ": " + ExportByNameMethod + " of " + taskPath + taskName + " succeeded but returned no task XML.");
            return xml;
        }

        private static CimValue CmdletOutputOf(CimMethodResult result) =>
            result.OutParameters != null && result.OutParameters.TryGetValue(CmdletOutputParameter, out var output) ? output : null;

        /// <summary>
        /// A PS_ScheduledTask method that names one task (TaskName, TaskPath): its result when it succeeded, null when there is
        /// no such task, a CimException for any other failure.
        /// </summary>
        private async Task<CimMethodResult> InvokeByNameAsync(string method, string taskPath, string taskName, CancellationToken ct)
        {
            CheckName(taskPath, taskName);
            CimMethodResult result;
            try
            {
                result = await Session.InvokeMethodAsync(NamespaceName, MethodsClassName, method, new[]
                {
                    new CimParameter("TaskName", CimValue.FromString(taskName)),
                    new CimParameter("TaskPath", CimValue.FromString(taskPath)),
                }, Defaults.With(ct)).ConfigureAwait(false);
            }
            catch (CimException ex) when (IsTaskNotFound(ex))
            {
                return null;
            }
            if (result.ReturnValue == TaskNotFoundCode) return null;
            if (result.ReturnValue != 0) throw Failed(method, taskPath, taskName, result.ReturnValue);
            return result;
        }

        /// <summary>Deletes the task: true when it was deleted, false when there was no such task.</summary>
        public async Task<bool> DeleteAsync(string taskPath, string taskName, CancellationToken ct = default)
        {
            CheckName(taskPath, taskName);
            if (!(Session is ICimInstanceDeletion deletion))
                throw new CimException(CimErrorKind.NotSupported, Session.ComputerName,
                    Session.ComputerName + ": this session cannot delete instances, so the task " + taskPath + taskName + " cannot be deleted.");
            var keys = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["TaskName"] = taskName,
                ["TaskPath"] = taskPath,
            };
            try
            {
                await deletion.DeleteInstanceAsync(NamespaceName, TaskClassName, keys, Defaults.With(ct)).ConfigureAwait(false);
                return true;
            }
            catch (CimException ex) when (IsTaskNotFound(ex))
            {
                return false;
            }
        }

        /// <summary>
        /// Whether a failure says the task does not exist: the CIM not-found kind, or 0x80070002 as its code or in its
        /// message. [guess W075] Task Scheduler reports a missing task to ExportByName and to the Delete of its instance
        /// this way (ERROR_FILE_NOT_FOUND).
        /// </summary>
        public static bool IsTaskNotFound(CimException ex)
        {
            if (ex == null) return false;
            if (ex.Kind == CimErrorKind.NotFound) return true;
            if (ex.NativeCode.HasValue && (uint)ex.NativeCode.Value == TaskNotFoundCode) return true;
            return ex.Message != null && ex.Message.IndexOf(CimErrorCodes.Hex(TaskNotFoundCode), StringComparison.OrdinalIgnoreCase) >= 0;
        }

        private CimException Failed(string method, string taskPath, string taskName, uint returnValue)
        {
            var kind = CimErrorCodes.KindOfHResult(returnValue) ?? CimErrorKind.ProviderFailure;
            return new CimException(kind, Session.ComputerName,
                Session.ComputerName + ": " + method + " of " + taskPath + taskName + " returned " +
                CimErrorCodes.Hex(returnValue) + " (" + returnValue.ToString(CultureInfo.InvariantCulture) + ").", returnValue);
        }

        /// <summary>A folder is \ or \Name\...\ ; a task name is one non-empty name without a backslash.</summary>
        private static void CheckName(string taskPath, string taskName)
        {
            if (string.IsNullOrEmpty(taskPath) || taskPath[0] != '\\' || taskPath[taskPath.Length - 1] != '\\' || taskPath.IndexOf(@"\\", StringComparison.Ordinal) >= 0)
                throw new ArgumentException("A task folder starts and ends with a backslash (\\AppBan\\).", nameof(taskPath));
            if (string.IsNullOrWhiteSpace(taskName) || taskName.IndexOf('\\') >= 0)
                throw new ArgumentException("A task name is one name without a backslash.", nameof(taskName));
        }
    }

    /// <summary>What MSFT_TaskDynamicInfo says of a task's last run.</summary>
    internal sealed class ScheduledTaskRunInfo
    {
        public ScheduledTaskRunInfo(DateTimeOffset? lastRunTime, uint? lastTaskResult)
        {
            LastRunTime = lastRunTime;
            LastTaskResult = lastTaskResult;
        }

        public DateTimeOffset? LastRunTime { get; }
        public uint? LastTaskResult { get; }

        /// <summary>The task ran at or after <paramref name="since"/> and has ended.</summary>
        public bool EndedSince(DateTimeOffset since) =>
            LastRunTime.HasValue && LastRunTime.Value >= since && LastTaskResult.HasValue
            && LastTaskResult.Value != TaskSchedulerClient.TaskRunning && LastTaskResult.Value != TaskSchedulerClient.TaskHasNotRun;
    }
}
