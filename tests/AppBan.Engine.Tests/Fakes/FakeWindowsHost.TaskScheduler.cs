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

        private CimException TaskFault(CimErrorKind kind, string message, uint code) =>
            new CimException(kind, ComputerName, ComputerName + ": " + message + " (" + CimErrorCodes.Hex(code) + ")", code);
    }
}
