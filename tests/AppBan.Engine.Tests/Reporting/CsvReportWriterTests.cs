using System.Collections.Generic;
using System.Linq;
using System.Text;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class CsvReportWriterTests
    {
        [Theory]
        [InlineData("plain", "plain")]
        [InlineData("a,b", "\"a,b\"")]
        [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
        [InlineData("two\nlines", "\"two\nlines\"")]
        [InlineData("=1+1", "'=1+1")]
        [InlineData("+SUM(A1)", "'+SUM(A1)")]
        [InlineData("-2+3", "'-2+3")]
        [InlineData("@cmd", "'@cmd")]
        [InlineData("\t=1", "'\t'=1")]
        [InlineData("TikTok LIVE Studio;=1+1;", "TikTok LIVE Studio;'=1+1;")]
        [InlineData("x;-2+3+cmd|' /C calc'!A0", "x;'-2+3+cmd|' /C calc'!A0")]
        [InlineData("x; @SUM(1+1)", "x;' @SUM(1+1)")]
        [InlineData("x,=1", "\"x,'=1\"")]
        [InlineData("x;\"=1", "\"x;'\"\"=1\"")]
        [InlineData("\uFF1D1+1", "'\uFF1D1+1")]
        [InlineData("a-b;c=d; e", "a-b;c=d; e")]
        [InlineData("=A1,\"x\"", "\"'=A1,\"\"x\"\"\"")]
        [InlineData("", "")]
        [InlineData(null, "")]
        public void Text_cells_are_quoted_and_defused(string input, string expected)
        {
            Assert.Equal(expected, CsvReportWriter.EscapeText(input));
        }

        [Fact]
        public void One_row_per_finding_action_change_and_error_and_one_for_an_otherwise_empty_target()
        {
            var csv = ReportWriter.WriteToString(Mixed(), ReportFormat.Csv);
            var rows = Parse(csv);
            Assert.Equal(CsvReportWriter.Columns, rows[0]);
            var data = rows.Skip(1).Select(r => CsvReportWriter.Columns.Zip(r, (c, v) => (c, v)).ToDictionary(p => p.c, p => p.v)).ToList();
            Assert.All(data, r => Assert.Equal(CsvReportWriter.Columns.Length, r.Count));
            Assert.Equal(4, data.Count(r => r["RecordType"] == "Finding"));
            Assert.Equal(2, data.Count(r => r["RecordType"] == "Action"));
            Assert.Equal(2, data.Count(r => r["RecordType"] == "ExemptionChange"));
            var policyChange = data.Single(r => r["RecordType"] == "ExemptionChange" && r["Source"] == "Policy");
            Assert.Equal("", policyChange["ComputerName"]);
            Assert.Equal("'@SUM(1+1)*cmd|' /C calc'!A0", policyChange["Reason"]);
            Assert.Equal("PC-*", policyChange["CoveredComputer"]);
            Assert.Equal(2, data.Count(r => r["RecordType"] == "Error"));
            // pc-clean and pc-never have nothing else to show.
            Assert.Equal(new[] { "pc-clean", "pc-never" }, data.Where(r => r["RecordType"] == "Target").Select(r => r["ComputerName"]));
            Assert.Equal(8, data.Select(r => r["ComputerName"]).Where(n => n != "").Distinct().Count());
            var failed = data.Single(r => r["RecordType"] == "Action" && r["ComputerName"] == "pc-bad");
            Assert.Equal("1603", failed["ExitCode"]);
            Assert.Equal("Failed", failed["Outcome"]);
            Assert.Equal("NonCompliant", failed["TargetStatus"]);
            Assert.Equal("2.5", failed["DurationSeconds"]);
        }

        [Fact]
        public void Failures_fill_the_Error_column_and_other_explanations_the_Message_column()
        {
            var rows = Parse(ReportWriter.WriteToString(Explained(), ReportFormat.Csv));
            var actions = rows.Skip(1).Select(r => CsvReportWriter.Columns.Zip(r, (c, v) => (c, v)).ToDictionary(p => p.c, p => p.v))
                .Where(r => r["RecordType"] == "Action").ToDictionary(r => r["ActionStatus"]);
            Assert.Equal("The removal ran and the app is still installed.", actions["Failed"]["Error"]);
            Assert.Equal("", actions["Failed"]["Message"]);
            Assert.Equal(UserActionMessage, actions["RequiresUserAction"]["Message"]);
            Assert.Equal("", actions["RequiresUserAction"]["Error"]);
            Assert.Equal(RestartMessage, actions["RebootRequired"]["Message"]);
            Assert.Equal("", actions["RebootRequired"]["Error"]);

            var errors = Parse(ReportWriter.WriteToString(Mixed(), ReportFormat.Csv)).Skip(1)
                .Select(r => CsvReportWriter.Columns.Zip(r, (c, v) => (c, v)).ToDictionary(p => p.c, p => p.v))
                .Where(r => r["RecordType"] == "Error").ToList();
            Assert.Contains(errors, r => r["Error"] == "pc-down: no answer" && r["Message"] == "");
        }

        [Fact]
        public void A_hostile_display_name_survives_as_defused_text()
        {
            var rows = Parse(ReportWriter.WriteToString(Mixed(), ReportFormat.Csv));
            var appColumn = System.Array.IndexOf(CsvReportWriter.Columns, "AppName");
            var cells = rows.Where(r => r[1] == "pc-bad").Select(r => r[appColumn]).ToList();
            Assert.NotEmpty(cells);
            Assert.All(cells, c => Assert.Equal("'" + HostileName, c));
        }

        [Fact]
        public void Lines_end_in_crlf_and_negative_exit_codes_stay_numbers()
        {
            var b = NewBuilder();
            var action = Removal("a", "TikTok", "Failed");
            action.ExitCode = -2147024891;
            b.AddAction(action);
            var csv = ReportWriter.WriteToString(b.Build(), ReportFormat.Csv);
            Assert.DoesNotContain("\n", csv.Replace("\r\n", ""));
            Assert.Contains(",-2147024891,", csv);
        }

        private static List<Dictionary<string, string>> Records(string csv) =>
            Parse(csv).Skip(1).Select(r => CsvReportWriter.Columns.Zip(r, (c, v) => (c, v)).ToDictionary(p => p.c, p => p.v)).ToList();

        [Fact]
        public void The_new_columns_come_after_the_old_ones_in_the_header()
        {
            var header = Parse(ReportWriter.WriteToString(Mixed(), ReportFormat.Csv))[0];
            Assert.Equal(new[] { "Time", "MachineName", "TargetSource", "ReportedAt", "LastStatus", "ReportFile", "FileSize" }, header.Skip(36));
            Assert.Equal("Source", header[25]);
        }

        [Fact]
        public void Every_row_of_a_target_carries_its_machine_name_source_report_time_last_status_and_file()
        {
            var report = HtmlReportWriterTests.Fleet(new[] { "PC-1", "PC-2" });
            report.Targets[0].Status = TargetStatus.Stale;
            report.Targets[0].LastStatus = TargetStatus.NonCompliant;
            report.Targets[0].Source = "DeviceReport";
            report.Targets[0].Errors.Add(new ReportError { ErrorId = "X", Message = "m" });
            report.Targets[1].Findings.Clear();
            report.Targets[1].Source = "Live";
            report.Targets[1].ReportedAt = null;
            report.Targets[1].ReportFile = null;
            var data = Records(ReportWriter.WriteToString(report, ReportFormat.Csv));
            var first = data.Where(r => r["ComputerName"] == "addr-PC-1").ToList();
            Assert.Equal(new[] { "Finding", "Error" }, first.Select(r => r["RecordType"]));
            Assert.All(first, r =>
            {
                Assert.Equal("PC-1", r["MachineName"]);
                Assert.Equal("Stale", r["TargetStatus"]);
                Assert.Equal("NonCompliant", r["LastStatus"]);
                Assert.Equal("DeviceReport", r["TargetSource"]);
                Assert.Equal("2026-11-28T09:00:00Z", r["ReportedAt"]);
                Assert.Equal("PC-1", r["ReportFile"]);
                Assert.Equal("", r["FileSize"]);
            });
            var second = Assert.Single(data, r => r["ComputerName"] == "addr-PC-2");
            Assert.Equal(("Target", "PC-2", "Live", "", "", ""), (second["RecordType"], second["MachineName"], second["TargetSource"], second["ReportedAt"], second["LastStatus"], second["ReportFile"]));
        }

        [Fact]
        public void A_rejected_report_file_is_a_row_of_its_own()
        {
            var report = HtmlReportWriterTests.Fleet(new[] { "PC-1" });
            report.RejectedReports.Add(new RejectedDeviceReport { Path = @"\\srv\reports\=cmd.json", Reason = "the report is about X, the file is named Y", Size = 4096, LastWriteTime = Start });
            report.RejectedReports.Add(new RejectedDeviceReport { Path = "b.json", Reason = "not JSON" });
            var rejected = Records(ReportWriter.WriteToString(report, ReportFormat.Csv)).Where(r => r["RecordType"] == "RejectedReport").ToList();
            Assert.Equal(2, rejected.Count);
            Assert.Equal(@"\\srv\reports\=cmd.json", rejected[0]["ReportFile"]);
            Assert.Equal("the report is about X, the file is named Y", rejected[0]["Reason"]);
            Assert.Equal("4096", rejected[0]["FileSize"]);
            Assert.Equal("2026-11-28T10:00:00Z", rejected[0]["Time"]);
            Assert.Equal(("", "", "", ""), (rejected[0]["ComputerName"], rejected[0]["TargetStatus"], rejected[0]["MachineName"], rejected[0]["TargetSource"]));
            Assert.Equal(("b.json", "not JSON", ""), (rejected[1]["ReportFile"], rejected[1]["Reason"], rejected[1]["FileSize"]));
        }

        [Theory]
        [InlineData("=HYPERLINK(\"http://evil.example/\",\"x\")")]
        [InlineData("+1;-2")]
        [InlineData("@SUM(1)")]
        [InlineData("PC\r\n=1+1")]
        [InlineData("\uFF1D1")]
        public void Hostile_text_in_the_new_fields_is_defused(string hostile)
        {
            var report = HtmlReportWriterTests.Fleet(new[] { hostile });
            report.RejectedReports.Add(new RejectedDeviceReport { Path = hostile, Reason = hostile });
            var csv = ReportWriter.WriteToString(report, ReportFormat.Csv);
            var data = Records(csv);
            var row = Assert.Single(data, r => r["RecordType"] == "Finding");
            var rejected = Assert.Single(data, r => r["RecordType"] == "RejectedReport");
            foreach (var cell in new[] { row["MachineName"], row["TargetSource"], row["ReportFile"], rejected["ReportFile"], rejected["Reason"] })
            {
                Assert.NotEqual(hostile, cell);
                Assert.Equal(hostile.Replace("'", ""), cell.Replace("'", ""));
            }
            foreach (var separator in new[] { ',', ';', '\t' })
                Assert.All(SplitAs(csv, separator).SelectMany(r => r), c =>
                {
                    var start = c.TrimStart(' ', '"');
                    Assert.True(start.Length == 0 || Triggers.IndexOf(start[0]) < 0, "a cell starts a formula: " + c);
                });
        }

        /// <summary>The first character of every formula a spreadsheet recognises, fullwidth forms included.</summary>
        private const string Triggers = "=+-@\t\r\uFF1D\uFF0B\uFF0D\uFF20";

        [Theory]
        [InlineData("TikTok LIVE Studio;=1+1;")]
        [InlineData("TikTok LIVE Studio;-2+3+cmd|' /C calc'!A0")]
        [InlineData("TikTok LIVE Studio;@SUM(1+1)")]
        [InlineData("TikTok LIVE Studio, =1+1")]
        [InlineData("TikTok LIVE Studio\t+1")]
        [InlineData("TikTok LIVE Studio\r\n=1+1")]
        [InlineData("TikTok LIVE Studio;\"=1+1")]
        [InlineData("TikTok LIVE Studio;\uFF1DSUM(1)")]
        [InlineData("=1+1;=2+2,=3+3\t=4+4")]
        public void No_cell_that_a_spreadsheet_cuts_from_the_file_starts_a_formula(string hostile)
        {
            var b = NewBuilder();
            var finding = Finding("pc-1", hostile);
            finding.Publisher = hostile;
            finding.Version = hostile;
            b.AddFinding(finding);
            var csv = ReportWriter.WriteToString(b.Build(), ReportFormat.Csv);

            foreach (var separator in new[] { ',', ';', '\t' })
            {
                var cells = SplitAs(csv, separator).SelectMany(r => r).ToList();
                Assert.NotEmpty(cells);
                Assert.All(cells, c =>
                {
                    var start = c.TrimStart(' ', '"');
                    Assert.True(start.Length == 0 || Triggers.IndexOf(start[0]) < 0,
                        "Split on '" + separator + "', a cell starts a formula: " + c);
                });
            }
            // Read as the RFC says, the cell still holds the whole name, only with apostrophes added.
            var appColumn = System.Array.IndexOf(CsvReportWriter.Columns, "AppName");
            var app = Parse(csv).Single(r => r[1] == "pc-1")[appColumn];
            Assert.Equal(hostile.Replace("'", ""), app.Replace("'", ""));
            Assert.NotEqual(hostile, app);
        }

        /// <summary>
        /// How a spreadsheet reads the file with <paramref name="separator"/> as its list separator: a quote opens a
        /// quoted cell only at the cell's start (elsewhere it is text), and a line break outside quotes ends the row.
        /// Split on ',' this is an RFC 4180 reader for what the writer writes, independent of the writer.
        /// </summary>
        private static List<string[]> SplitAs(string csv, char separator) => Split(csv, separator, out _);

        /// <summary>The file read as RFC 4180 says: split on ',', every row ended, no quoted cell left open.</summary>
        internal static List<string[]> Parse(string csv)
        {
            var rows = Split(csv, ',', out var complete);
            Assert.True(complete, "unterminated quoted field, or a last row without its line end");
            return rows;
        }

        private static List<string[]> Split(string csv, char separator, out bool complete)
        {
            var rows = new List<string[]>();
            var row = new List<string>();
            var cell = new StringBuilder();
            bool quoted = false;
            for (int i = 0; i < csv.Length; i++)
            {
                char c = csv[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"') { cell.Append('"'); i++; }
                    else if (c == '"') quoted = false;
                    else cell.Append(c);
                }
                else if (c == '"' && cell.Length == 0) quoted = true;
                else if (c == separator) { row.Add(cell.ToString()); cell.Clear(); }
                else if (c == '\r' || c == '\n')
                {
                    row.Add(cell.ToString()); cell.Clear(); rows.Add(row.ToArray()); row.Clear();
                    if (c == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n') i++;
                }
                else cell.Append(c);
            }
            complete = !quoted && cell.Length + row.Count == 0;
            if (!complete) { row.Add(cell.ToString()); rows.Add(row.ToArray()); }
            return rows;
        }
    }
}
