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
        [InlineData("\t=1", "'\t=1")]
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

        /// <summary>An RFC 4180 reader, independent of the writer.</summary>
        internal static List<string[]> Parse(string csv)
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
                else if (c == '"') quoted = true;
                else if (c == ',') { row.Add(cell.ToString()); cell.Clear(); }
                else if (c == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n')
                {
                    row.Add(cell.ToString()); cell.Clear(); rows.Add(row.ToArray()); row.Clear(); i++;
                }
                else cell.Append(c);
            }
            Assert.False(quoted, "unterminated quoted field");
            Assert.Equal(0, cell.Length + row.Count);
            return rows;
        }
    }
}
