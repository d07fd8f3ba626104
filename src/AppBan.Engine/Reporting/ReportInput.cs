using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;

namespace AppBan.Engine.Reporting
{
    /// <summary>Read access to an object's properties by name, whatever the object is (live, deserialized, a hashtable).</summary>
    public interface IPropertySource
    {
        /// <summary>The property's value, or null when the object has no such property.</summary>
        object Get(string name);
        bool Has(string name);
        /// <summary>Wraps a nested value (an App inside a finding, an item of a Findings list).</summary>
        IPropertySource Wrap(object value);
    }

    public enum ReportInputKind { Finding, Action, TargetStatus, ExemptionChange, Unknown }

    /// <summary>
    /// Recognises what AppBan emits by shape, so that live objects, objects that went through a remote session or
    /// Export-Clixml, and objects rebuilt by hand all land in the report the same way.
    /// </summary>
    public static class ReportInput
    {
        private static readonly string[] FindingStatuses = { "Violation", "Exempt", "GracePeriod" };

        public static ReportInputKind Classify(IPropertySource item)
        {
            if (item == null) return ReportInputKind.Unknown;
            if (item.Has("Method") && item.Has("Status") && (item.Has("AppName") || item.Has("CommandLine")))
                return ReportInputKind.Action;
            if ((item.Has("Action") || item.Has("Change")) && (item.Has("ChangedBy") || item.Has("ChangedOn")) && (item.Has("Id") || item.Has("ExemptionId")))
                return ReportInputKind.ExemptionChange;
            if (item.Has("RuleId") && FindingStatuses.Contains(Text(item, "Status"), StringComparer.OrdinalIgnoreCase))
                return ReportInputKind.Finding;
            if (item.Has("ComputerName") && ReportRecords.TryParseTargetStatus(Text(item, "Status"), out _))
                return ReportInputKind.TargetStatus;
            return ReportInputKind.Unknown;
        }

        /// <summary>Adds the item to the report; returns what it was taken for (Unknown: nothing was added).</summary>
        public static ReportInputKind Add(ReportBuilder builder, IPropertySource item)
        {
            if (builder == null) throw new ArgumentNullException(nameof(builder));
            var kind = Classify(item);
            if (kind == ReportInputKind.Finding || kind == ReportInputKind.TargetStatus) builder.NotePolicyOfResult(Text(item, "PolicyName"));
            switch (kind)
            {
                case ReportInputKind.Finding:
                    var finding = ToFinding(item);
                    builder.AddFinding(finding);
                    NoteMachineName(builder, finding.ComputerName, item);
                    break;
                case ReportInputKind.Action:
                    var action = ToAction(item);
                    builder.AddAction(action);
                    NoteMachineName(builder, action.ComputerName, item);
                    break;
                case ReportInputKind.ExemptionChange:
                    builder.AddExemptionChange(ToExemptionChange(item));
                    break;
                case ReportInputKind.TargetStatus:
                    AddTargetStatus(builder, item);
                    NoteMachineName(builder, Text(item, "ComputerName"), item);
                    break;
            }
            return kind;
        }

        public static ReportFinding ToFinding(IPropertySource item)
        {
            var app = Nested(item, "App");
            var exemption = Nested(item, "Exemption");
            string FromApp(params string[] names) => FirstText(app, names) ?? FirstText(item, names);
            return new ReportFinding
            {
                ComputerName = FirstText(item, "ComputerName") ?? FirstText(app, "ComputerName"),
                RuleId = Text(item, "RuleId"),
                RuleName = Text(item, "RuleName"),
                AppName = FromApp("DisplayName", "AppName", "PackageName", "KeyName", "Name"),
                Version = FromApp("DisplayVersion", "Version"),
                Publisher = FromApp("Publisher"),
                Kind = FromApp("Kind"),
                Scope = FromApp("Scope"),
                UserName = FromApp("UserName"),
                UserSid = FromApp("UserSid"),
                Status = Text(item, "Status"),
                ExemptionId = FirstText(exemption, "Id") ?? Text(item, "ExemptionId"),
                ExemptionExpires = Date(exemption, "Expires") ?? Date(item, "ExemptionExpires"),
                ExemptionReason = FirstText(exemption, "Reason") ?? Text(item, "ExemptionReason"),
                ExemptionApprovedBy = FirstText(exemption, "ApprovedBy") ?? Text(item, "ExemptionApprovedBy"),
                EnforceAfter = Date(item, "EnforceAfter"),
                Location = FromApp("KeyPath", "PackageFullName", "Location"),
            };
        }

        public static ReportAction ToAction(IPropertySource item)
        {
            var status = Text(item, "Status");
            var error = Text(item, "Error");
            var message = Text(item, "Message");
            // Results from before Message existed explained every status in Error.
            if (message == null && Enum.TryParse(status, true, out RemovalStatus known) && !RemovalResult.ExplainsAsError(known))
            {
                message = error;
                error = null;
            }
            return new ReportAction
            {
                ComputerName = Text(item, "ComputerName"),
                AppName = Text(item, "AppName"),
                Version = Text(item, "Version"),
                Kind = Text(item, "Kind"),
                UserSid = Text(item, "UserSid"),
                Method = Text(item, "Method"),
                CommandLine = Text(item, "CommandLine"),
                ExitCode = Long(item.Get("ExitCode")),
                Status = status,
                Outcome = ReportRecords.ClassifyActionStatus(status),
                RebootRequired = Bool(item.Get("RebootRequired")),
                DurationSeconds = Seconds(item.Get("Duration")) ?? Seconds(item.Get("DurationSeconds")),
                Error = error,
                Message = message,
                Time = Date(item, "Time") ?? Date(item, "EndTime"),
            };
        }

        public static ReportExemptionChange ToExemptionChange(IPropertySource item)
        {
            var source = Text(item, "Source");
            // A device change names the device in Target; a policy change names the file there.
            var device = string.Equals(source, "Policy", StringComparison.OrdinalIgnoreCase) ? null : FirstText(item, "Target");
            return new ReportExemptionChange
            {
                ComputerName = device,
                Change = FirstText(item, "Action", "Change"),
                Source = source,
                ExemptionId = FirstText(item, "Id", "ExemptionId"),
                RuleId = Text(item, "RuleId"),
                UserName = Text(item, "UserName"),
                UserSid = Text(item, "UserSid"),
                CoveredComputer = FirstText(item, "ComputerName", "CoveredComputer"),
                Reason = Text(item, "Reason"),
                ApprovedBy = Text(item, "ApprovedBy"),
                GrantedOn = Date(item, "GrantedOn"),
                Expires = Date(item, "Expires"),
                NotBefore = Date(item, "NotBefore"),
                ChangedBy = Text(item, "ChangedBy"),
                Time = Date(item, "ChangedOn") ?? Date(item, "Time"),
                Location = FirstText(item, "Location") ?? (device == null ? FirstText(item, "Target") : null),
            };
        }

        private static void AddTargetStatus(ReportBuilder builder, IPropertySource item)
        {
            var computer = Text(item, "ComputerName");
            ReportRecords.TryParseTargetStatus(Text(item, "Status"), out var status);
            if (item.Get("Findings") is IEnumerable findings && !(findings is string))
            {
                var list = new List<ReportFinding>();
                foreach (var f in findings)
                {
                    if (f == null) continue;
                    var finding = ToFinding(item.Wrap(f));
                    if (string.IsNullOrEmpty(finding.ComputerName)) finding.ComputerName = computer;
                    list.Add(finding);
                }
                builder.ReplaceFindings(computer, list);
            }
            var error = ErrorText(item.Get("Error")) ?? FirstText(item, "Message");
            if (!string.IsNullOrEmpty(error) && (status == TargetStatus.Unreachable || status == TargetStatus.Failed || status == TargetStatus.Partial))
            {
                builder.AddError(computer, new ReportError
                {
                    ErrorId = FirstText(item, "ErrorId") ?? (status == TargetStatus.Unreachable ? ErrorIds.TargetUnreachable : status == TargetStatus.Failed ? ErrorIds.TargetFailed : ErrorIds.TargetPartial),
                    Category = FirstText(item, "ErrorCategory"),
                    Message = error,
                });
            }
            builder.SetTargetStatus(computer, status, string.IsNullOrEmpty(error) ? null : error);
        }

        /// <summary>
        /// The item's MachineName beside the name its computer was reached by. An object can come from anywhere (a file, a
        /// remote session), so a name AppBan would not have read is ignored, as the scan ignores it.
        /// </summary>
        private static void NoteMachineName(ReportBuilder builder, string computerName, IPropertySource item)
        {
            var machineName = Text(item, "MachineName");
            if (string.IsNullOrEmpty(computerName) || !MachineNames.IsValid(machineName)) return;
            builder.NoteMachineName(computerName, machineName);
        }

        private static IPropertySource Nested(IPropertySource item, string name)
        {
            var value = item?.Get(name);
            return value == null ? null : item.Wrap(value);
        }

        internal static string Text(IPropertySource item, string name) => ToText(item?.Get(name));

        internal static string FirstText(IPropertySource item, params string[] names)
        {
            if (item == null) return null;
            foreach (var name in names)
            {
                var text = ToText(item.Get(name));
                if (!string.IsNullOrEmpty(text)) return text;
            }
            return null;
        }

        private static string ToText(object value)
        {
            switch (value)
            {
                case null: return null;
                case string s: return s;
                case IFormattable f: return f.ToString(null, CultureInfo.InvariantCulture);
                default: return value.ToString();
            }
        }

        private static string ErrorText(object value)
        {
            if (value == null) return null;
            if (value is Exception ex) return ex.Message;
            return ToText(value);
        }

        private static DateTimeOffset? Date(IPropertySource item, string name)
        {
            switch (item?.Get(name))
            {
                case DateTimeOffset d: return d;
                case DateTime t: return new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t);
                case string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed): return parsed;
                default: return null;
            }
        }

        private static long? Long(object value)
        {
            switch (value)
            {
                case null: return null;
                case string s: return long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : (long?)null;
                case IConvertible c:
                    try { return c.ToInt64(CultureInfo.InvariantCulture); }
                    catch (Exception e) when (e is FormatException || e is InvalidCastException || e is OverflowException) { return null; }
                default: return null;
            }
        }

        private static bool Bool(object value)
        {
            switch (value)
            {
                case bool b: return b;
                case string s: return bool.TryParse(s, out var parsed) && parsed;
                default: return false;
            }
        }

        private static double? Seconds(object value)
        {
            switch (value)
            {
                case null: return null;
                case TimeSpan t: return Math.Round(t.TotalSeconds, 3);
                case string s when TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t): return Math.Round(t.TotalSeconds, 3);
                case string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d): return d;
                case IConvertible c:
                    try { return c.ToDouble(CultureInfo.InvariantCulture); }
                    catch (Exception e) when (e is FormatException || e is InvalidCastException) { return null; }
                default: return null;
            }
        }
    }

    /// <summary>Properties from a dictionary, or from a plain object by reflection (tests, engine callers).</summary>
    internal sealed class DictionaryPropertySource : IPropertySource
    {
        private readonly IDictionary<string, object> _values;

        public DictionaryPropertySource(IDictionary<string, object> values)
        {
            _values = new Dictionary<string, object>(values ?? new Dictionary<string, object>(), StringComparer.OrdinalIgnoreCase);
        }

        public static IPropertySource FromObject(object value)
        {
            if (value is IPropertySource source) return source;
            if (value is IDictionary<string, object> dict) return new DictionaryPropertySource(dict);
            var values = new Dictionary<string, object>(StringComparer.OrdinalIgnoreCase);
            if (value != null)
                foreach (var p in value.GetType().GetProperties())
                    if (p.GetIndexParameters().Length == 0) values[p.Name] = p.GetValue(value);
            return new DictionaryPropertySource(values);
        }

        public object Get(string name) => _values.TryGetValue(name, out var v) ? v : null;
        public bool Has(string name) => _values.ContainsKey(name);
        public IPropertySource Wrap(object value) => FromObject(value);
    }
}
