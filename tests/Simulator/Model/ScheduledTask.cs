using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace AppBan.Simulator.Model;

public sealed class TaskTrigger
{
    /// <summary>The element's name without "Trigger": "Logon", "Registration", "Time", "Boot", ...</summary>
    public required string Type { get; init; }
    /// <summary>LogonTrigger/UserId as written (a SID or a name); null: any user.</summary>
    public string? UserId { get; init; }
    public DateTime? StartBoundary { get; init; }
    public DateTime? EndBoundary { get; init; }
    public bool Enabled { get; init; } = true;

    public bool ActiveAt(DateTime now) => Enabled && (StartBoundary is null || StartBoundary <= now) && (EndBoundary is null || now < EndBoundary);
}

public sealed record TaskAction(string Command, string? Arguments)
{
    /// <summary>The command line Task Scheduler starts: the program (quoted when it has spaces), a space and the arguments.</summary>
    public string CommandLine
    {
        get
        {
            var program = Command.Trim();
            if (program.Any(char.IsWhiteSpace) && !program.StartsWith('"')) program = "\"" + program + "\"";
            return string.IsNullOrWhiteSpace(Arguments) ? program : program + " " + Arguments.Trim();
        }
    }
}

/// <summary>One start of a task: who it ran as, in which session, and the command record that holds its exit code.</summary>
public sealed class TaskRun
{
    public DateTime Time { get; init; }
    public required string Account { get; init; }
    public required string Sid { get; init; }
    public uint SessionId { get; init; }
    public required CommandRecord Command { get; init; }
}

/// <summary>A registered task (Task Scheduler schema 1.2), as parsed from the XML it was registered with.</summary>
public sealed class ScheduledTask
{
    /// <summary>The folder, with backslashes at both ends: \AppBan\.</summary>
    public required string Path { get; init; }
    public required string Name { get; init; }
    /// <summary>The XML exactly as registered (what ExportByName gives back).</summary>
    public required string Xml { get; init; }
    public string? Author { get; init; }
    public string? Description { get; init; }
    public string? Uri { get; init; }
    public string? SecurityDescriptor { get; init; }
    /// <summary>Principal/UserId as written.</summary>
    public required string PrincipalUserId { get; init; }
    /// <summary>The principal's SID.</summary>
    public required string PrincipalSid { get; init; }
    public string LogonType { get; init; } = "InteractiveToken";
    public string RunLevel { get; init; } = "LeastPrivilege";
    public List<TaskTrigger> Triggers { get; init; } = [];
    public List<TaskAction> Actions { get; init; } = [];
    public bool Enabled { get; init; } = true;
    public TimeSpan? DeleteExpiredTaskAfter { get; init; }
    public string MultipleInstancesPolicy { get; init; } = "IgnoreNew";
    public required string RegisteredBy { get; init; }
    public DateTime Registered { get; init; }
    public List<TaskRun> Runs { get; } = [];

    public string FullName => Path + Name;
    public bool HighestAvailable => string.Equals(RunLevel, "HighestAvailable", StringComparison.OrdinalIgnoreCase);
    /// <summary>Runs only in the principal's own interactive session, so only while they are signed in.</summary>
    public bool NeedsInteractiveSession => LogonType is "InteractiveToken" or "Group" or "InteractiveTokenOrPassword";
    public bool Running => Runs.Any(r => !r.Command.Finished);

    /// <summary>
    /// When the task expires: once the end boundary of every trigger has passed [doc: ITaskSettings::DeleteExpiredTaskAfter,
    /// "a task expires after the end boundary has been exceeded for all triggers"]. Null when a trigger has none.
    /// </summary>
    public DateTime? Expires => Triggers.Count == 0 || Triggers.Any(t => t.EndBoundary is null) ? null : Triggers.Max(t => t.EndBoundary);

    public bool ExpiredAt(DateTime now) => Expires is { } e && now >= e;
}

/// <summary>A task XML Task Scheduler refuses, with the HRESULT it reports.</summary>
public sealed class TaskXmlException(uint hresult, string message) : Exception(message)
{
    public uint HResult32 { get; } = hresult;
}

/// <summary>Reads task XML (Task Scheduler schema 1.2) into what the simulator acts on.</summary>
public static class TaskXml
{
    public static readonly XNamespace Ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";

    // [doc: Task Scheduler error and success constants]
    public const uint MalformedXml = 0x8004131A;   // SCHED_E_MALFORMEDXML
    public const uint MissingNode = 0x80041319;    // SCHED_E_MISSINGNODE
    public const uint InvalidValue = 0x80041318;   // SCHED_E_INVALIDVALUE

    public sealed record Parsed(string? UserId, string LogonType, string RunLevel, List<TaskTrigger> Triggers, List<TaskAction> Actions,
        bool Enabled, TimeSpan? DeleteExpiredTaskAfter, string MultipleInstancesPolicy, string? Author, string? Description, string? Uri, string? SecurityDescriptor);

    public static Parsed Parse(string? xml)
    {
        if (string.IsNullOrWhiteSpace(xml)) throw new TaskXmlException(MalformedXml, "The task XML is malformed.");
        XDocument doc;
        try
        {
            // A string carries no bytes, so its declaration's encoding="UTF-16" does not matter.
            using var reader = XmlReader.Create(new StringReader(xml), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            doc = XDocument.Load(reader);
        }
        catch (XmlException e) { throw new TaskXmlException(MalformedXml, "The task XML is malformed. " + e.Message); }
        var task = doc.Root;
        if (task is null || task.Name != Ns + "Task") throw new TaskXmlException(MissingNode, "The task XML is missing a required element or attribute: Task.");

        var info = task.Element(Ns + "RegistrationInfo");
        var principal = task.Element(Ns + "Principals")?.Elements(Ns + "Principal").FirstOrDefault();
        var settings = task.Element(Ns + "Settings");
        var triggers = new List<TaskTrigger>();
        foreach (var t in task.Element(Ns + "Triggers")?.Elements() ?? [])
        {
            var type = t.Name.LocalName.EndsWith("Trigger", StringComparison.Ordinal) ? t.Name.LocalName[..^"Trigger".Length] : t.Name.LocalName;
            triggers.Add(new TaskTrigger
            {
                Type = type, UserId = Text(t, "UserId"), StartBoundary = Date(Text(t, "StartBoundary"), "StartBoundary"),
                EndBoundary = Date(Text(t, "EndBoundary"), "EndBoundary"), Enabled = Bool(Text(t, "Enabled"), true, "Enabled"),
            });
        }
        var actions = new List<TaskAction>();
        foreach (var exec in task.Element(Ns + "Actions")?.Elements(Ns + "Exec") ?? [])
        {
            var command = Text(exec, "Command");
            if (string.IsNullOrWhiteSpace(command)) throw new TaskXmlException(MissingNode, "The task XML is missing a required element or attribute: Exec/Command.");
            actions.Add(new TaskAction(command, Text(exec, "Arguments")));
        }
        if (actions.Count == 0) throw new TaskXmlException(MissingNode, "The task XML is missing a required element or attribute: Actions/Exec.");
        var deleteAfter = Text(settings, "DeleteExpiredTaskAfter");
        return new Parsed(
            UserId: Text(principal, "UserId"),
            LogonType: Text(principal, "LogonType") ?? "InteractiveToken",
            RunLevel: Text(principal, "RunLevel") ?? "LeastPrivilege",
            Triggers: triggers, Actions: actions,
            Enabled: Bool(Text(settings, "Enabled"), true, "Enabled"),
            DeleteExpiredTaskAfter: deleteAfter is null ? null : Duration(deleteAfter),
            MultipleInstancesPolicy: Text(settings, "MultipleInstancesPolicy") ?? "IgnoreNew",
            Author: Text(info, "Author"), Description: Text(info, "Description"), Uri: Text(info, "URI"), SecurityDescriptor: Text(info, "SecurityDescriptor"));
    }

    private static string? Text(XElement? parent, string name) => parent?.Element(Ns + name)?.Value.Trim();

    private static DateTime? Date(string? text, string what)
    {
        if (text is null) return null;
        // Without a zone the time is the machine's local time; simulated machines run on UTC.
        if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d)) return d;
        throw new TaskXmlException(InvalidValue, $"The task XML contains a value which is incorrectly formatted or out of range: {what}.");
    }

    private static bool Bool(string? text, bool fallback, string what) => text switch
    {
        null => fallback,
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new TaskXmlException(InvalidValue, $"The task XML contains a value which is incorrectly formatted or out of range: {what}."),
    };

    private static TimeSpan Duration(string text)
    {
        try { return XmlConvert.ToTimeSpan(text); }
        catch (FormatException) { throw new TaskXmlException(InvalidValue, "The task XML contains a value which is incorrectly formatted or out of range: DeleteExpiredTaskAfter."); }
    }
}
