using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// Flat rows (RFC 4180): one per finding, action, exemption change or error, and one row for a target that has
    /// none of those, so every target appears; every row of a target repeats what identifies it and where its data
    /// came from (ComputerName, MachineName, TargetStatus, TargetSource, ReportedAt, LastStatus, ReportFile). A device
    /// report file that was not merged is a record too (RejectedReport). Counts derived from the records (the summary,
    /// progress per rule, expiring exemptions, which are the Exempt findings' ExemptionExpires) are not repeated: a
    /// row per record keeps every pivot over the file counting each thing once. Text cells that a spreadsheet would
    /// read as a formula are defused.
    /// </summary>
    internal static class CsvReportWriter
    {
        public static readonly string[] Columns =
        {
            "RecordType", "ComputerName", "TargetStatus", "RuleId", "RuleName", "AppName", "Version", "Publisher",
            "Kind", "Scope", "UserName", "UserSid", "FindingStatus", "ExemptionId", "ExemptionExpires", "EnforceAfter",
            "Location", "Method", "CommandLine", "ExitCode", "ActionStatus", "Outcome", "RebootRequired",
            "DurationSeconds", "Change", "Source", "CoveredComputer", "GrantedOn", "NotBefore", "ChangedBy", "Reason", "ApprovedBy", "ErrorId", "ErrorCategory", "Error", "Message",
            "Time",
            // 1.2, added at the end so that readers by position keep working. TargetSource, not Source: Source is the
            // exemption change's (Device or Policy).
            "MachineName", "TargetSource", "ReportedAt", "LastStatus", "ReportFile", "FileSize",
        };

        private const string LineEnd = "\r\n";

        // Every row has these three; the maps below say which other columns each kind of record fills.
        private static readonly int RecordTypeColumn = ColumnIndex("RecordType");
        private static readonly int ComputerNameColumn = ColumnIndex("ComputerName");
        private static readonly int TargetStatusColumn = ColumnIndex("TargetStatus");

        /// <summary>What every row of a target carries about the target besides its name and status.</summary>
        private static readonly RowMap<TargetReport> TargetColumns = new RowMap<TargetReport>(null)
        {
            { "MachineName", t => t.MachineName },
            { "TargetSource", t => t.Source },
            { "ReportedAt", t => Date(t.ReportedAt) },
            { "LastStatus", t => t.LastStatus?.ToString() },
            { "ReportFile", t => t.ReportFile },
        };

        private static readonly RowMap<ReportFinding> FindingRow = new RowMap<ReportFinding>("Finding")
        {
            { "RuleId", f => f.RuleId },
            { "RuleName", f => f.RuleName },
            { "AppName", f => f.AppName },
            { "Version", f => f.Version },
            { "Publisher", f => f.Publisher },
            { "Kind", f => f.Kind },
            { "Scope", f => f.Scope },
            { "UserName", f => f.UserName },
            { "UserSid", f => f.UserSid },
            { "FindingStatus", f => f.Status },
            { "ExemptionId", f => f.ExemptionId },
            { "ExemptionExpires", f => Date(f.ExemptionExpires) },
            { "EnforceAfter", f => Date(f.EnforceAfter) },
            { "Location", f => f.Location },
        };

        private static readonly RowMap<ReportAction> ActionRow = new RowMap<ReportAction>("Action")
        {
            { "AppName", a => a.AppName },
            { "Version", a => a.Version },
            { "Kind", a => a.Kind },
            { "UserSid", a => a.UserSid },
            { "Method", a => a.Method },
            { "CommandLine", a => a.CommandLine },
            { "ExitCode", a => Number(a.ExitCode) },
            { "ActionStatus", a => a.Status },
            { "Outcome", a => a.Outcome.ToString() },
            { "RebootRequired", a => a.RebootRequired ? "True" : "False" },
            { "DurationSeconds", a => Seconds(a.DurationSeconds) },
            { "Error", a => a.Error },
            { "Message", a => a.Message },
            { "Time", a => Date(a.Time) },
        };

        private static readonly RowMap<ReportExemptionChange> ExemptionChangeRow = new RowMap<ReportExemptionChange>("ExemptionChange")
        {
            { "Change", c => c.Change },
            { "Source", c => c.Source },
            { "ExemptionId", c => c.ExemptionId },
            { "RuleId", c => c.RuleId },
            { "UserName", c => c.UserName },
            { "UserSid", c => c.UserSid },
            { "CoveredComputer", c => c.CoveredComputer },
            { "Reason", c => c.Reason },
            { "ApprovedBy", c => c.ApprovedBy },
            { "GrantedOn", c => Date(c.GrantedOn) },
            { "ExemptionExpires", c => Date(c.Expires) },
            { "NotBefore", c => Date(c.NotBefore) },
            { "ChangedBy", c => c.ChangedBy },
            { "Location", c => c.Location },
            { "Time", c => Date(c.Time) },
        };

        private static readonly RowMap<ReportError> ErrorRow = new RowMap<ReportError>("Error")
        {
            { "AppName", e => e.AppName },
            { "ErrorId", e => e.ErrorId },
            { "ErrorCategory", e => e.Category },
            { "Error", e => e.Message },
            { "Time", e => Date(e.Time) },
        };

        /// <summary>The row of a target that has nothing else to show.</summary>
        private static readonly RowMap<TargetReport> TargetRow = new RowMap<TargetReport>("Target")
        {
            { "Message", t => t.StatusDetail },
        };

        /// <summary>A device report file that was not merged: its path, AppBan's reason, its size and last write time.</summary>
        private static readonly RowMap<RejectedDeviceReport> RejectedRow = new RowMap<RejectedDeviceReport>("RejectedReport")
        {
            { "ReportFile", r => r.Path },
            { "Reason", r => r.Reason },
            { "FileSize", r => Number(r.Size) },
            { "Time", r => Date(r.LastWriteTime) },
        };

        public static void Write(AppBanReport report, TextWriter writer)
        {
            WriteLine(writer, Columns);
            foreach (var target in report.Targets)
            {
                int rows = 0;
                rows += WriteRows(writer, FindingRow, target.Findings, target);
                rows += WriteRows(writer, ActionRow, target.Actions, target);
                rows += WriteRows(writer, ExemptionChangeRow, target.ExemptionChanges, target);
                rows += WriteRows(writer, ErrorRow, target.Errors, target);
                if (rows == 0) WriteRows(writer, TargetRow, new[] { target }, target);
            }
            WriteRows(writer, ExemptionChangeRow, report.PolicyExemptionChanges ?? new List<ReportExemptionChange>(), null);
            WriteRows(writer, RejectedRow, report.RejectedReports ?? new List<RejectedDeviceReport>(), null);
        }

        private static int WriteRows<T>(TextWriter writer, RowMap<T> map, IEnumerable<T> records, TargetReport target)
        {
            int count = 0;
            foreach (var record in records)
            {
                var row = map.Cells(record);
                if (target != null)
                {
                    row[ComputerNameColumn] = target.ComputerName;
                    row[TargetStatusColumn] = target.Status.ToString();
                    TargetColumns.Fill(row, target);
                }
                WriteLine(writer, row);
                count++;
            }
            return count;
        }

        /// <summary>Characters that make a spreadsheet read a cell as a formula; the fullwidth forms are normalised to them by some.</summary>
        private const string FormulaTriggers = "=+-@\t\r\uFF1D\uFF0B\uFF0D\uFF20";

        /// <summary>
        /// Where a spreadsheet may start a new cell inside this one: the list separators in use (',' and, in much of
        /// Europe, ';'), tab, and line breaks (a reader that ignores the quotes ends the row there).
        /// </summary>
        private const string CellBreaks = ",;\t\r\n";

        /// <summary>
        /// Quotes a text cell per RFC 4180 and defuses formula injection: wherever a spreadsheet could start a cell (the
        /// cell's start, or just after a separator or line break in it, whatever list separator it splits on), a formula
        /// trigger (= + - @, tab, CR or their fullwidth forms), reached past any spaces and quotes, gets an apostrophe
        /// in front of it, so no cell a spreadsheet cuts from this one begins a formula.
        /// </summary>
        public static string EscapeText(string value)
        {
            if (string.IsNullOrEmpty(value)) return string.Empty;
            var text = new StringBuilder(value.Length + 4);
            for (var i = 0; i < value.Length; i++)
            {
                if ((i == 0 || CellBreaks.IndexOf(value[i - 1]) >= 0) && StartsFormula(value, i)) text.Append('\'');
                text.Append(value[i]);
            }
            return Quote(text.ToString());
        }

        /// <summary>True when the cell a spreadsheet would start at <paramref name="start"/> begins with a formula trigger.</summary>
        private static bool StartsFormula(string value, int start)
        {
            var i = start;
            while (i < value.Length && (value[i] == ' ' || value[i] == '"')) i++;
            return i < value.Length && FormulaTriggers.IndexOf(value[i]) >= 0;
        }

        internal static string Quote(string value)
        {
            if (value.IndexOfAny(new[] { ',', '"', '\r', '\n' }) < 0) return value;
            return "\"" + value.Replace("\"", "\"\"") + "\"";
        }

        /// <summary>One line: the header's names, or a row's cells in column order.</summary>
        private static void WriteLine(TextWriter writer, IReadOnlyList<object> cells)
        {
            var line = new StringBuilder();
            for (var i = 0; i < cells.Count; i++)
            {
                if (i > 0) line.Append(',');
                if (cells[i] is Numeric number) line.Append(number.Text);
                else line.Append(EscapeText(cells[i] as string));
            }
            writer.Write(line.Append(LineEnd).ToString());
        }

        private static int ColumnIndex(string column)
        {
            var index = Array.IndexOf(Columns, column);
            if (index < 0) throw new ArgumentException("'" + column + "' is not a CSV column.", nameof(column));
            return index;
        }

        private static object Number(long? value) =>
            value.HasValue ? new Numeric(value.Value.ToString(CultureInfo.InvariantCulture)) : null;

        private static object Seconds(double? value) =>
            value.HasValue ? new Numeric(value.Value.ToString("0.###", CultureInfo.InvariantCulture)) : null;

        private static string Date(DateTimeOffset? value) =>
            value.HasValue ? value.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : null;

        /// <summary>A number this writer formatted itself: written as is, so a negative exit code stays a number.</summary>
        private sealed class Numeric
        {
            public Numeric(string text) { Text = text; }
            public string Text { get; }
        }

        /// <summary>
        /// The columns one kind of record fills, each with the field it is read from; the columns not named stay
        /// empty. A name that is not in <see cref="Columns"/> fails when the writer is first used.
        /// </summary>
        private sealed class RowMap<T> : IEnumerable
        {
            private readonly string recordType;
            private readonly List<KeyValuePair<int, Func<T, object>>> cells = new List<KeyValuePair<int, Func<T, object>>>();

            public RowMap(string recordType) { this.recordType = recordType; }

            public void Add(string column, Func<T, object> cell) =>
                cells.Add(new KeyValuePair<int, Func<T, object>>(ColumnIndex(column), cell));

            public object[] Cells(T record)
            {
                var row = new object[Columns.Length];
                row[RecordTypeColumn] = recordType;
                Fill(row, record);
                return row;
            }

            public void Fill(object[] row, T record)
            {
                foreach (var cell in cells) row[cell.Key] = cell.Value(record);
            }

            IEnumerator IEnumerable.GetEnumerator() => cells.GetEnumerator();
        }
    }
}
