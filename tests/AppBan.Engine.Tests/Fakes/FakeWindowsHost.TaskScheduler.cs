using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using System.Xml;
using System.Xml.Linq;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Tests.Fakes
{
    /// <summary>A task registered on the fake host, as it was sent.</summary>
    public sealed class FakeScheduledTask
    {
        public FakeScheduledTask(string path, string name, string xml, string registeredBy)
        {
            Path = path;
            Name = name;
            Xml = xml;
            RegisteredBy = registeredBy;
        }

        /// <summary>The folder, \AppBan\.</summary>
        public string Path { get; }
        public string Name { get; }
        public string Xml { get; }
        /// <summary>The account the session that registered it connected as.</summary>
        public string RegisteredBy { get; }
    }

    /// <summary>One run of a task's action on the fake host, and the account and rights it ran with, as the XML asked.</summary>
    public sealed class FakeTaskRun
    {
        public FakeTaskRun(string taskName, string userId, string logonType, string runLevel, string command, string arguments, int? exitCode)
        {
            TaskName = taskName;
            UserId = userId;
            LogonType = logonType;
            RunLevel = runLevel;
            Command = command;
            Arguments = arguments;
            ExitCode = exitCode;
        }

        public string TaskName { get; }
        /// <summary>The principal's UserId: the account the action ran as.</summary>
        public string UserId { get; }
        public string LogonType { get; }
        public string RunLevel { get; }
        /// <summary>Whether it ran with an administrator's full token (RunLevel HighestAvailable).</summary>
        public bool Elevated => string.Equals(RunLevel, "HighestAvailable", StringComparison.Ordinal);
        public string Command { get; }
        public string Arguments { get; }
        /// <summary>"Command" Arguments: the line <see cref="FakeWindowsHost.Programs"/> is asked about.</summary>
        public string CommandLine => "\"" + Command + "\"" + (string.IsNullOrEmpty(Arguments) ? "" : " " + Arguments);
        public int? ExitCode { get; }
    }

    /// <summary>
    /// Task Scheduler on the fake host, as the TaskScheduler provider answers it (docs: contract of issue 17, section 1):
    /// PS_ScheduledTask.RegisterByXml registers or, with Force, replaces; a malformed XML is a fault with 0x8004131A
    /// (SCHED_E_MALFORMEDXML). ExportByName returns the XML in cmdletOutput. The Delete of an MSFT_ScheduledTask instance
    /// (keys TaskName, TaskPath) removes it. A task that does not exist is a not-found fault carrying 0x80070002. Failures
    /// are injected as for every call (ThrowFor, ReturnValueFor, HoldUntilCancelled).
    /// </summary>
    public sealed partial class FakeWindowsHost : ICimInstanceDeletion
    {
        private const uint TaskNotFound = 0x80070002;
        private const uint TaskAlreadyExists = 0x800700B7;
        private const uint MalformedTaskXml = 0x8004131A;
        private readonly Dictionary<string, FakeScheduledTask> scheduledTasks = new Dictionary<string, FakeScheduledTask>(StringComparer.OrdinalIgnoreCase);
        private readonly List<FakeTaskRun> taskRuns = new List<FakeTaskRun>();
        private static readonly XNamespace TaskNs = "http://schemas.microsoft.com/windows/2004/02/mit/task";

        /// <summary>
        /// A registered task with a RegistrationTrigger runs at once when its principal is signed in (their HKU\&lt;SID&gt;
        /// is loaded) and its logon type is InteractiveToken, as Windows starts it in that user's session; its action goes
        /// through <see cref="Programs"/> like any command and is recorded in <see cref="TaskRuns"/>. Off by default: the
        /// fake then only holds tasks.
        /// </summary>
        public bool RunsTasksAtRegistration { get; set; }

        /// <summary>Every run of a task's action, in order.</summary>
        public IReadOnlyList<FakeTaskRun> TaskRuns { get { lock (gate) return taskRuns.ToList(); } }

        /// <summary>Every task registered on the host, in folder and name order.</summary>
        public IReadOnlyList<FakeScheduledTask> ScheduledTasks
        {
            get { lock (gate) return scheduledTasks.Values.OrderBy(t => t.Path + t.Name, StringComparer.OrdinalIgnoreCase).ToList(); }
        }

        /// <summary>The task of that folder and name, or null.</summary>
        public FakeScheduledTask ScheduledTask(string path, string name)
        {
            lock (gate) return scheduledTasks.TryGetValue(path + name, out var task) ? task : null;
        }

        /// <summary>A task that was there before the test (registered by someone else).</summary>
        public void AddScheduledTask(string path, string name, string xml, string registeredBy = @"PC-01\Administrator")
        {
            lock (gate) scheduledTasks[path + name] = new FakeScheduledTask(path, name, xml, registeredBy);
        }

        private CimMethodResult ScheduledTaskMethod(string methodName, IDictionary<string, CimValue> args)
        {
            string Arg(string name) => args.TryGetValue(name, out var v) ? v?.AsString() : null;
            var path = Arg("TaskPath") ?? @"\";
            var name = Arg("TaskName");
            switch (methodName)
            {
                case TaskSchedulerClient.RegisterByXmlMethod:
                {
                    var xml = Arg("Xml");
                    try { XDocument.Parse(xml ?? string.Empty); }
                    catch (XmlException) { throw TaskFault(CimErrorKind.ProviderFailure, "The task XML is malformed.", MalformedTaskXml); }
                    var force = args.TryGetValue("Force", out var f) && f?.AsBoolean() == true;
                    lock (gate)
                    {
                        if (!force && scheduledTasks.ContainsKey(path + name))
                            throw TaskFault(CimErrorKind.ProviderFailure, "Cannot create a file when that file already exists.", TaskAlreadyExists);
                        scheduledTasks[path + name] = new FakeScheduledTask(path, name, xml, Account);
                    }
                    if (RunsTasksAtRegistration) RunAtRegistration(name, XDocument.Parse(xml));
                    return Result(0);
                }
                case TaskSchedulerClient.ExportByNameMethod:
                {
                    var task = ScheduledTask(path, name) ?? throw TaskFault(CimErrorKind.NotFound, "The system cannot find the file specified.", TaskNotFound);
                    return Result(0, (TaskSchedulerClient.CmdletOutputParameter, CimValue.FromString(task.Xml)));
                }
                default:
                    throw new CimException(CimErrorKind.NotSupported, ComputerName, "Not modelled: PS_ScheduledTask." + methodName);
            }
        }

        async Task ICimInstanceDeletion.DeleteInstanceAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys, CimCallOptions options)
        {
            options = options ?? CimCallOptions.Default;
            var parameters = keys.Select(k => new CimParameter(k.Key, CimValue.FromString(k.Value))).ToList();
            var call = new FakeCall(className, "DeleteInstance", null, null, parameters, options);
            lock (gate) calls.Add(call);
            await BeginAsync(call).ConfigureAwait(false);
            try
            {
                var thrown = ThrowFor?.Invoke(call);
                if (thrown != null) throw thrown;
                if (className != TaskSchedulerClient.TaskClassName || !string.Equals(namespaceName, TaskSchedulerClient.NamespaceName, StringComparison.OrdinalIgnoreCase))
                    throw new CimException(CimErrorKind.InvalidClass, ComputerName, "Invalid class " + namespaceName + ":" + className);
                if (!keys.TryGetValue("TaskName", out var name) || !keys.TryGetValue("TaskPath", out var path) || keys.Count != 2)
                    throw new CimException(CimErrorKind.InvalidParameter, ComputerName, "The selectors do not name an MSFT_ScheduledTask (TaskName, TaskPath).");
                lock (gate)
                    if (!scheduledTasks.Remove(path + name))
                        throw TaskFault(CimErrorKind.NotFound, "The system cannot find the file specified.", TaskNotFound);
            }
            finally { Interlocked.Decrement(ref inFlight); }
        }

        private void RunAtRegistration(string name, XDocument task)
        {
            string Text(XContainer from, string element) => from?.Descendants(TaskNs + element).FirstOrDefault()?.Value;
            if (!task.Descendants(TaskNs + "RegistrationTrigger").Any()) return;
            var principal = task.Descendants(TaskNs + "Principal").FirstOrDefault();
            var userId = Text(principal, "UserId");
            var logonType = Text(principal, "LogonType");
            if (userId == null || logonType != "InteractiveToken" || !KeyExists(@"HKU\" + userId)) return;
            foreach (var exec in task.Descendants(TaskNs + "Exec"))
            {
                var command = Text(exec, "Command");
                var arguments = Text(exec, "Arguments") ?? "";
                var line = "\"" + command + "\"" + (arguments.Length == 0 ? "" : " " + arguments);
                int previousRuns;
                lock (gate) previousRuns = taskRuns.Count(r => r.CommandLine == line);
                var program = Programs(line, previousRuns) ?? new FakeProgram { ExitCode = 0 };
                program.Effect?.Invoke(this);
                lock (gate) taskRuns.Add(new FakeTaskRun(name, userId, logonType, Text(principal, "RunLevel"), command, arguments, program.ExitCode));
            }
        }

        private CimException TaskFault(CimErrorKind kind, string message, uint code) =>
            new CimException(kind, ComputerName, ComputerName + ": " + message + " (" + CimErrorCodes.Hex(code) + ")", code);
    }
}
