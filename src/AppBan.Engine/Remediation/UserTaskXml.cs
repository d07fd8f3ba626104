using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Text;

namespace AppBan.Engine.Remediation
{
    /// <summary>A trigger of a registered task, as its XML says.</summary>
    internal sealed class RegisteredTaskTrigger
    {
        /// <summary>The trigger element's name: LogonTrigger, RegistrationTrigger, TimeTrigger, ...</summary>
        public string Kind { get; set; }
        public bool Enabled { get; set; }
        /// <summary>LogonTrigger: whose sign-in starts it; null for anyone's.</summary>
        public string UserId { get; set; }
        /// <summary>Null when the trigger never expires or its EndBoundary does not read as a date.</summary>
        public DateTimeOffset? EndBoundary { get; set; }
    }

    /// <summary>What a registered task's XML says about who runs what and until when.</summary>
    internal sealed class RegisteredUserTask
    {
        public string Uri { get; set; }
        /// <summary>The principal the actions run as: UserId, LogonType and RunLevel (null where the XML leaves them out).</summary>
        public string UserId { get; set; }
        public string LogonType { get; set; }
        public string RunLevel { get; set; }
        /// <summary>Every action; an action that is not Exec has a null Command.</summary>
        public IReadOnlyList<(string Command, string Arguments)> Actions { get; set; } = Array.Empty<(string, string)>();
        public IReadOnlyList<RegisteredTaskTrigger> Triggers { get; set; } = Array.Empty<RegisteredTaskTrigger>();
        /// <summary>Settings/Enabled; true when absent (the schema's default).</summary>
        public bool Enabled { get; set; } = true;

        /// <summary>When the last trigger expires; null when a trigger never does, or there is none.</summary>
        public DateTimeOffset? Expires =>
            Triggers.Count == 0 || Triggers.Any(t => !t.EndBoundary.HasValue) ? (DateTimeOffset?)null : Triggers.Max(t => t.EndBoundary.Value);
    }

    /// <summary>
    /// The Task Scheduler XML (schema 1.2) of a <see cref="UserTaskDefinition"/>, and the reading of a registered task's XML
    /// to tell whether it is still the work AppBan would register. The task runs as the user, only in the user's own
    /// session (InteractiveToken) and never elevated (LeastPrivilege); it starts at the user's sign-in and once at
    /// registration, both until it expires, when Task Scheduler deletes it.
    /// </summary>
    internal static class UserTaskXml
    {
        public const string TaskNamespace = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        public const string InteractiveToken = "InteractiveToken";
        public const string LeastPrivilege = "LeastPrivilege";
        private const string Declaration = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>";
        private const int AppNameLength = 200;

        private static readonly XNamespace T = TaskNamespace;

        /// <summary>
        /// Administrators and SYSTEM may do anything with the task; the user may read and run it, not change or delete it.
        /// [guess W078] Task Scheduler applies RegistrationInfo/SecurityDescriptor as the task's DACL at registration, and
        /// FRFX (file read and execute) is what lets the user see and run a task without changing it.
        /// </summary>
        public static string SecurityDescriptor(string userSid) => "D:P(A;;FA;;;BA)(A;;FA;;;SY)(A;;FRFX;;;" + userSid + ")";

        public static string Description(UserTaskDefinition definition) =>
            "AppBan: remove " + Shown(definition.AppName) + " (rule " + Shown(definition.RuleId) + ") for " + definition.UserSid;

        /// <summary>The task's XML. Every text is escaped by the writer; a character XML cannot carry is shown escaped.</summary>
        public static string Build(UserTaskDefinition definition)
        {
            if (definition == null) throw new ArgumentNullException(nameof(definition));
            // The definition checked these; checked again because this XML is what Task Scheduler will run.
            var principalError = UserTaskDefinition.CheckPrincipal(definition.UserSid);
            if (principalError != null) throw new ArgumentException(principalError, nameof(definition));

            var start = UserTaskDefinition.FormatTime(definition.Registered);
            var end = UserTaskDefinition.FormatTime(definition.Expires);
            var sb = new StringBuilder(2048);
            // [guess W077] RegisterByXml takes the XML as a string whose declaration says UTF-16, as Task Scheduler's own
            // exports do, and registers a principal named by SID with InteractiveToken without any password.
            sb.Append(Declaration).Append("\r\n");
            var settings = new XmlWriterSettings
            {
                OmitXmlDeclaration = true,
                Indent = true,
                IndentChars = "  ",
                NewLineChars = "\r\n",
                ConformanceLevel = ConformanceLevel.Document,
            };
            using (var x = XmlWriter.Create(new StringWriter(sb, CultureInfo.InvariantCulture), settings))
            {
                x.WriteStartElement("Task", TaskNamespace);
                x.WriteAttributeString("version", "1.2");

                x.WriteStartElement("RegistrationInfo", TaskNamespace);
                x.WriteElementString("Author", TaskNamespace, "AppBan");
                x.WriteElementString("Description", TaskNamespace, Description(definition));
                x.WriteElementString("URI", TaskNamespace, definition.Uri);
                x.WriteElementString("SecurityDescriptor", TaskNamespace, SecurityDescriptor(definition.UserSid));
                x.WriteEndElement();

                x.WriteStartElement("Triggers", TaskNamespace);
                // [guess W080] A LogonTrigger naming the user by SID starts the task at that user's sign-in; the
                // RegistrationTrigger starts it at once, which with InteractiveToken runs only while the user is signed in.
                x.WriteStartElement("LogonTrigger", TaskNamespace);
                Boundaries(x, start, end);
                x.WriteElementString("UserId", TaskNamespace, definition.UserSid);
                x.WriteEndElement();
                x.WriteStartElement("RegistrationTrigger", TaskNamespace);
                Boundaries(x, start, end);
                x.WriteEndElement();
                x.WriteEndElement();

                x.WriteStartElement("Principals", TaskNamespace);
                x.WriteStartElement("Principal", TaskNamespace);
                x.WriteAttributeString("id", "Author");
                x.WriteElementString("UserId", TaskNamespace, definition.UserSid);
                x.WriteElementString("LogonType", TaskNamespace, InteractiveToken);
                x.WriteElementString("RunLevel", TaskNamespace, LeastPrivilege);
                x.WriteEndElement();
                x.WriteEndElement();

                x.WriteStartElement("Settings", TaskNamespace);
                x.WriteElementString("MultipleInstancesPolicy", TaskNamespace, "IgnoreNew");
                x.WriteElementString("DisallowStartIfOnBatteries", TaskNamespace, "false");
                x.WriteElementString("StopIfGoingOnBatteries", TaskNamespace, "false");
                x.WriteElementString("AllowHardTerminate", TaskNamespace, "true");
                x.WriteElementString("StartWhenAvailable", TaskNamespace, "false");
                x.WriteElementString("AllowStartOnDemand", TaskNamespace, "true");
                x.WriteElementString("Enabled", TaskNamespace, "true");
                x.WriteElementString("Hidden", TaskNamespace, "false");
                x.WriteElementString("ExecutionTimeLimit", TaskNamespace, "PT1H");
                // [guess W080] With every trigger ending, PT0S has Task Scheduler delete the task as soon as it expires.
                x.WriteElementString("DeleteExpiredTaskAfter", TaskNamespace, "PT0S");
                x.WriteEndElement();

                x.WriteStartElement("Actions", TaskNamespace);
                x.WriteAttributeString("Context", "Author");
                x.WriteStartElement("Exec", TaskNamespace);
                x.WriteElementString("Command", TaskNamespace, definition.Command);
                if (definition.Arguments.Length > 0) x.WriteElementString("Arguments", TaskNamespace, definition.Arguments);
                x.WriteEndElement();
                x.WriteEndElement();

                x.WriteEndElement();
            }
            return sb.ToString();
        }

        /// <summary>
        /// Reads a registered task's XML (ExportByName's answer); null when it is not a task document. No DTD, no external
        /// entities: the text comes from the target.
        /// </summary>
        public static RegisteredUserTask Describe(string xml)
        {
            if (string.IsNullOrWhiteSpace(xml)) return null;
            XDocument doc;
            try
            {
                var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
                using (var reader = XmlReader.Create(new StringReader(xml.TrimStart('\uFEFF')), settings)) doc = XDocument.Load(reader);
            }
            catch (XmlException)
            {
                return null;
            }
            var task = doc.Root;
            if (task == null || task.Name != T + "Task") return null;

            var actions = task.Element(T + "Actions");
            var context = (string)actions?.Attribute("Context");
            var principals = task.Element(T + "Principals")?.Elements(T + "Principal").ToList() ?? new List<XElement>();
            var principal = context == null
                ? principals.FirstOrDefault()
                : principals.FirstOrDefault(p => string.Equals((string)p.Attribute("id"), context, StringComparison.Ordinal));

            return new RegisteredUserTask
            {
                Uri = Text(task.Element(T + "RegistrationInfo")?.Element(T + "URI")),
                UserId = Text(principal?.Element(T + "UserId")),
                LogonType = Text(principal?.Element(T + "LogonType")),
                RunLevel = Text(principal?.Element(T + "RunLevel")),
                Actions = actions?.Elements().Select(a => a.Name == T + "Exec"
                    ? (Text(a.Element(T + "Command")), Text(a.Element(T + "Arguments")) ?? string.Empty)
                    : ((string)null, (string)null)).ToList() ?? new List<(string, string)>(),
                Triggers = task.Element(T + "Triggers")?.Elements().Select(Trigger).ToList() ?? new List<RegisteredTaskTrigger>(),
                Enabled = !string.Equals(Text(task.Element(T + "Settings")?.Element(T + "Enabled")), "false", StringComparison.OrdinalIgnoreCase),
            };
        }

        /// <summary>
        /// True when the registered task is the work <paramref name="wanted"/> describes and may still run: the same user as
        /// an interactive, non-elevated principal, exactly one action with the same command and arguments, enabled, with a
        /// sign-in trigger, and not expired at <paramref name="now"/>. Its boundaries may differ (an earlier registration):
        /// registering again would only move them. [guess W081] Task Scheduler exports a task registered from this XML
        /// with the principal's UserId as registered (the SID) and its EndBoundary as written.
        /// </summary>
        public static bool IsSameWork(RegisteredUserTask registered, UserTaskDefinition wanted, DateTimeOffset now)
        {
            if (registered == null || wanted == null) return false;
            if (!string.Equals(registered.UserId, wanted.UserSid, StringComparison.OrdinalIgnoreCase)) return false;
            if (!string.Equals(registered.LogonType, InteractiveToken, StringComparison.Ordinal)) return false;
            // LeastPrivilege is the schema's default, so an export may leave it out.
            if (registered.RunLevel != null && !string.Equals(registered.RunLevel, LeastPrivilege, StringComparison.Ordinal)) return false;
            if (registered.Actions.Count != 1) return false;
            var action = registered.Actions[0];
            if (action.Command == null || !string.Equals(action.Command, wanted.Command, StringComparison.OrdinalIgnoreCase)) return false;
            if (!string.Equals(action.Arguments ?? string.Empty, wanted.Arguments.Trim(), StringComparison.Ordinal)) return false;
            if (!registered.Enabled) return false;
            if (!registered.Triggers.Any(t => t.Enabled && t.Kind == "LogonTrigger")) return false;
            var expires = registered.Expires;
            return expires.HasValue && expires.Value > now;
        }

        private static RegisteredTaskTrigger Trigger(XElement e)
        {
            var end = Text(e.Element(T + "EndBoundary"));
            return new RegisteredTaskTrigger
            {
                Kind = e.Name.LocalName,
                Enabled = !string.Equals(Text(e.Element(T + "Enabled")), "false", StringComparison.OrdinalIgnoreCase),
                UserId = Text(e.Element(T + "UserId")),
                EndBoundary = end != null && IsoDate.TryParse(end, out var when) ? when : (DateTimeOffset?)null,
            };
        }

        private static void Boundaries(XmlWriter x, string start, string end)
        {
            x.WriteElementString("StartBoundary", TaskNamespace, start);
            x.WriteElementString("EndBoundary", TaskNamespace, end);
            x.WriteElementString("Enabled", TaskNamespace, "true");
        }

        /// <summary>Text from the user's hive, fit to be shown: forbidden characters escaped visibly, and not too long.</summary>
        private static string Shown(string text)
        {
            var visible = XmlCharacters.Visible(text ?? string.Empty);
            if (visible.Length <= AppNameLength) return visible;
            // Never cut a surrogate pair in two: half of one is a character XML cannot carry.
            var cut = char.IsHighSurrogate(visible[AppNameLength - 1]) ? AppNameLength - 1 : AppNameLength;
            return visible.Substring(0, cut) + "...";
        }

        private static string Text(XElement e) => e == null ? null : e.Value.Trim();
    }
}
