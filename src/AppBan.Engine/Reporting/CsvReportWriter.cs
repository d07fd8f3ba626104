using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// Flat rows (RFC 4180): one per finding, action, exemption change or error, and one row for a target that has
    /// none of those, so every target appears. Text cells that a spreadsheet would read as a formula are defused.
    /// </summary>
    public static class CsvReportWriter
    {
        public static readonly string[] Columns =
        {
            "RecordType", "ComputerName", "TargetStatus", "RuleId", "RuleName", "AppName", "Version", "Publisher",
            "Kind", "Scope", "UserName", "UserSid", "FindingStatus", "ExemptionId", "ExemptionExpires", "EnforceAfter",
            "Location", "Method", "CommandLine", "ExitCode", "ActionStatus", "Outcome", "RebootRequired",
            "DurationSeconds", "Change", "Source", "CoveredComputer", "GrantedOn", "NotBefore", "ChangedBy", "Reason", "ApprovedBy", "ErrorId", "ErrorCategory", "Message",
            "Time",
        };

        private const string LineEnd = "\r\n";

        public static void Write(AppBanReport report, TextWriter writer)
        {
            WriteRow(writer, Columns);
            foreach (var target in report.Targets)
            {
                var status = target.Status.ToString();
                int rows = 0;
                foreach (var f in target.Findings)
                {
                    var row = NewRow("Finding", target.ComputerName, status);
                    row["RuleId"] = f.RuleId;
                    row["RuleName"] = f.RuleName;
                    row["AppName"] = f.AppName;
                    row["Version"] = f.Version;
                    row["Publisher"] = f.Publisher;
                    row["Kind"] = f.Kind;
                    row["Scope"] = f.Scope;
                    row["UserName"] = f.UserName;
                    row["UserSid"] = f.UserSid;
                    row["FindingStatus"] = f.Status;
                    row["ExemptionId"] = f.ExemptionId;
                    row["ExemptionExpires"] = Date(f.ExemptionExpires);
                    row["EnforceAfter"] = Date(f.EnforceAfter);
                    row["Location"] = f.Location;
                    WriteRow(writer, row);
                    rows++;
                }
                foreach (var a in target.Actions)
                {
                    var row = NewRow("Action", target.ComputerName, status);
                    row["AppName"] = a.AppName;
                    row["Version"] = a.Version;
                    row["Kind"] = a.Kind;
                    row["UserSid"] = a.UserSid;
                    row["Method"] = a.Method;
                    row["CommandLine"] = a.CommandLine;
                    row["ExitCode"] = Number(a.ExitCode);
                    row["ActionStatus"] = a.Status;
                    row["Outcome"] = a.Outcome.ToString();
                    row["RebootRequired"] = a.RebootRequired ? "True" : "False";
                    row["DurationSeconds"] = a.DurationSeconds.HasValue ? new Numeric(a.DurationSeconds.Value.ToString("0.###", CultureInfo.InvariantCulture)) : null;
                    row["Message"] = a.Error;
                    row["Time"] = Date(a.Time);
                    WriteRow(writer, row);
                    rows++;
                }
                foreach (var c in target.ExemptionChanges)
                {
                    WriteRow(writer, ExemptionChangeRow(c, target.ComputerName, status));
                    rows++;
                }
                foreach (var e in target.Errors)
                {
                    var row = NewRow("Error", target.ComputerName, status);
                    row["AppName"] = e.AppName;
                    row["ErrorId"] = e.ErrorId;
                    row["ErrorCategory"] = e.Category;
                    row["Message"] = e.Message;
                    row["Time"] = Date(e.Time);
                    WriteRow(writer, row);
                    rows++;
                }
                if (rows == 0)
                {
                    var row = NewRow("Target", target.ComputerName, status);
                    row["Message"] = target.StatusDetail;
                    WriteRow(writer, row);
                }
            }
            foreach (var c in report.PolicyExemptionChanges ?? new List<ReportExemptionChange>())
                WriteRow(writer, ExemptionChangeRow(c, null, null));
        }

        private static Dictionary<string, object> ExemptionChangeRow(ReportExemptionChange c, string computerName, string targetStatus)
        {
            var row = NewRow("ExemptionChange", computerName, targetStatus);
            row["Change"] = c.Change;
            row["Source"] = c.Source;
            row["ExemptionId"] = c.ExemptionId;
            row["RuleId"] = c.RuleId;
            row["UserName"] = c.UserName;
            row["UserSid"] = c.UserSid;
            row["CoveredComputer"] = c.CoveredComputer;
            row["Reason"] = c.Reason;
            row["ApprovedBy"] = c.ApprovedBy;
            row["GrantedOn"] = Date(c.GrantedOn);
            row["ExemptionExpires"] = Date(c.Expires);
            row["NotBefore"] = Date(c.NotBefore);
            row["ChangedBy"] = c.ChangedBy;
            row["Location"] = c.Location;
            row["Time"] = Date(c.Time);
            return row;
        }

        /// <summary>
        /// Quotes a text cell per RFC 4180 and defuses formula injection: a cell starting with = + - @ (or a tab or
        /// carriage return, which some spreadsheets skip before reading a formula) gets a leading apostrophe.
        /// </summary>
        public static string EscapeText(string value)
        {
            if (string.IsNullOrEmpty(value)) return string.Empty;
            var first = value[0];
            if (first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r')
                value = "'" + value;
            return Quote(value);
        }

        internal static string Quote(string value)
        {
            if (value.IndexOfAny(new[] { ',', '"', '\r', '\n' }) < 0) return value;
            return "\"" + value.Replace("\"", "\"\"") + "\"";
        }

        private static Dictionary<string, object> NewRow(string recordType, string computerName, string targetStatus)
        {
            return new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["RecordType"] = recordType,
                ["ComputerName"] = computerName,
                ["TargetStatus"] = targetStatus,
            };
        }

        private static void WriteRow(TextWriter writer, IReadOnlyList<string> header)
        {
            var line = new StringBuilder();
            for (var i = 0; i < header.Count; i++)
            {
                if (i > 0) line.Append(',');
                line.Append(EscapeText(header[i]));
            }
            writer.Write(line.Append(LineEnd).ToString());
        }

        private static void WriteRow(TextWriter writer, Dictionary<string, object> row)
        {
            var line = new StringBuilder();
            for (var i = 0; i < Columns.Length; i++)
            {
                if (i > 0) line.Append(',');
                row.TryGetValue(Columns[i], out var cell);
                if (cell is Numeric number) line.Append(number.Text);
                else line.Append(EscapeText(cell as string));
            }
            writer.Write(line.Append(LineEnd).ToString());
        }

        private static object Number(long? value) =>
            value.HasValue ? new Numeric(value.Value.ToString(CultureInfo.InvariantCulture)) : null;

        private static string Date(DateTimeOffset? value) =>
            value.HasValue ? value.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null;

        /// <summary>A number this writer formatted itself: written as is, so a negative exit code stays a number.</summary>
        private sealed class Numeric
        {
            public Numeric(string text) { Text = text; }
            public string Text { get; }
        }
    }
}
