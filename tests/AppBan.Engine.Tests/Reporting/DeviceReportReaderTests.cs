using System;
using System.IO;
using System.Linq;
using System.Text;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public sealed class DeviceReportReaderTests : IDisposable
    {
        private static readonly DateTimeOffset Now = Start.AddDays(1);
        private readonly string _folder = TempFolder();

        public void Dispose() => Directory.Delete(_folder, true);

        /// <summary>What a device-side run on PC-0042 writes: one target, reached as localhost, with its own name.</summary>
        private static AppBanReport DeviceRun(string machineName = "PC-0042", string computerName = "localhost", int findings = 1)
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { computerName });
            b.NoteMachineName(computerName, machineName);
            for (var i = 0; i < findings; i++) b.AddFinding(Finding(computerName, "TikTok " + i));
            return b.Build(Start.AddMinutes(5));
        }

        private string WriteReport(AppBanReport report, string fileName = "PC-0042.json")
        {
            var path = Path.Combine(_folder, fileName);
            ReportWriter.Write(report, path, ReportFormat.Json);
            return path;
        }

        private string WriteText(string text, string fileName = "PC-0042.json")
        {
            var path = Path.Combine(_folder, fileName);
            File.WriteAllText(path, text, new UTF8Encoding(false));
            return path;
        }

        private static string Json(AppBanReport report) => ReportWriter.WriteToString(report, ReportFormat.Json);

        /// <summary>The written report with one piece of text replaced (which must be there).</summary>
        private static string Edit(AppBanReport report, string from, string to)
        {
            var json = Json(report);
            Assert.Contains(from, json);
            return json.Replace(from, to);
        }

        private static RejectedDeviceReport Rejected(string path, int maxKB = DeviceReportReader.DefaultMaxFileSizeKB)
        {
            var read = DeviceReportReader.TryRead(path, maxKB, Now, out var report, out var rejected);
            Assert.False(read, "expected a rejection, read " + report);
            Assert.Null(report);
            Assert.Equal(path, rejected.Path);
            Assert.DoesNotContain('\n', rejected.Reason);
            Assert.DoesNotContain('\r', rejected.Reason);
            return rejected;
        }

        private static DeviceReport Accepted(string path)
        {
            var read = DeviceReportReader.TryRead(path, DeviceReportReader.DefaultMaxFileSizeKB, Now, out var report, out var rejected);
            Assert.True(read, rejected?.Reason);
            return report;
        }

        [Fact]
        public void A_written_report_reads_back_with_its_target_findings_and_file_facts()
        {
            var original = DeviceRun(findings: 3);
            var path = WriteReport(original);

            var report = Accepted(path);

            Assert.Equal(path, report.Path);
            Assert.Equal(new FileInfo(path).Length, report.Size);
            Assert.Equal("PC-0042", report.ComputerName);
            Assert.Equal("localhost", report.Target.ComputerName);
            Assert.Equal(TargetStatus.NonCompliant, report.Status);
            Assert.Equal("Parliament ban", report.PolicyName);
            Assert.Equal(Start.AddMinutes(5), report.ReportedAt);
            Assert.Equal(AppBanReport.CurrentSchemaVersion, report.SchemaVersion);
            Assert.Equal(new[] { "TikTok 0", "TikTok 1", "TikTok 2" }, report.Target.Findings.Select(f => f.AppName));
            Assert.Equal("CORP\\alice", report.Target.Findings[0].UserName);
            // Reading and writing again gives the same text: nothing was lost or changed.
            Assert.Equal(Json(original), Json(report.Report));
        }

        [Fact]
        public void The_file_name_is_compared_without_case_and_falls_back_to_a_plain_computer_name()
        {
            Accepted(WriteReport(DeviceRun(), "pc-0042.JSON"));
            // A DNS name is known by its first label, the host name, as the device named its file.
            Accepted(WriteReport(DeviceRun(machineName: null, computerName: "pc7.corp.example"), "pc7.json"));
        }

        [Fact]
        public void A_file_over_the_size_limit_is_refused_before_it_is_read()
        {
            var path = WriteText("{" + new string(' ', 2048) + "this is not JSON");
            var rejected = Rejected(path, maxKB: 1);
            Assert.Contains("more than the limit of 1 KB", rejected.Reason);
            Assert.Equal(new FileInfo(path).Length, rejected.Size);
            Assert.NotNull(rejected.LastWriteTime);
        }

        [Fact]
        public void Text_that_is_not_JSON_is_refused()
        {
            Assert.Contains("not valid JSON", Rejected(WriteText("<html>hello</html>")).Reason);
        }

        [Fact]
        public void A_truncated_file_is_refused_as_truncated()
        {
            var json = Json(DeviceRun());
            Assert.Contains("truncated", Rejected(WriteText(json.Substring(0, json.Length / 2))).Reason);
        }

        [Fact]
        public void An_empty_file_is_refused()
        {
            Assert.Contains("empty", Rejected(WriteText("")).Reason);
        }

        [Fact]
        public void Arrays_nested_ten_thousand_deep_are_refused_at_the_depth_limit()
        {
            var path = WriteText("{\"schemaVersion\":\"1.2\",\"x\":" + new string('[', 10000) + new string(']', 10000) + "}");
            Assert.Contains("nests deeper than 32 levels", Rejected(path).Reason);
        }

        [Fact]
        public void A_megabyte_string_is_refused_and_only_its_length_is_told()
        {
            var json = Edit(DeviceRun(), "\"Bytedance Pte. Ltd.\"", "\"" + new string('x', 1024 * 1024) + "\"");
            var rejected = Rejected(WriteText(json), maxKB: 4096);
            Assert.Contains("a text of 1,048,576 characters", rejected.Reason);
            Assert.Contains("targets[0].findings[0].publisher", rejected.Reason);
            Assert.DoesNotContain("xxxx", rejected.Reason);
        }

        [Fact]
        public void A_million_digit_number_is_refused_before_it_is_parsed()
        {
            var json = Edit(DeviceRun(), "\"deviceReports\": 0", "\"deviceReports\": " + new string('9', 1000000));
            Assert.Contains("number longer than 64", Rejected(WriteText(json), maxKB: 4096).Reason);
        }

        [Fact]
        public void More_findings_than_the_limit_are_refused()
        {
            var path = WriteReport(DeviceRun(findings: DeviceReportReader.MaxFindings + 1));
            var rejected = Rejected(path, maxKB: 65536);
            Assert.Contains("more than 5,000 entries in 'targets[0].findings'", rejected.Reason);
        }

        [Fact]
        public void More_errors_than_the_limit_are_refused()
        {
            var b = NewBuilder();
            for (var i = 0; i <= DeviceReportReader.MaxErrors; i++) b.AddError("PC-0042", new ReportError { ErrorId = "E" + i, Message = "m" });
            var rejected = Rejected(WriteReport(b.Build(Start)), maxKB: 65536);
            Assert.Contains("1,001 errors; at most 1,000", rejected.Reason);
        }

        [Fact]
        public void A_report_with_two_targets_is_refused()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "PC-0042", "PC-0043" });
            Assert.Contains("holds 2 targets; a device report holds exactly one", Rejected(WriteReport(b.Build(Start))).Reason);
        }

        [Fact]
        public void A_report_with_no_target_is_refused()
        {
            Assert.Contains("holds no target", Rejected(WriteReport(NewBuilder().Build(Start))).Reason);
        }

        [Fact]
        public void Schema_version_2_is_refused_with_the_version_and_what_is_read()
        {
            var json = Edit(DeviceRun(), "\"schemaVersion\": \"1.2\"", "\"schemaVersion\": \"2.0\"");
            var reason = Rejected(WriteText(json)).Reason;
            Assert.Contains("'2.0'", reason);
            Assert.Contains("reads version 1.x", reason);
        }

        [Fact]
        public void A_version_2_layout_that_breaks_the_1x_form_still_gets_the_version_reason()
        {
            var path = WriteText("{\"schemaVersion\":\"2.0\",\"targets\":{\"PC-0042\":{\"status\":7}}}");
            Assert.Contains("schema version is '2.0'", Rejected(path).Reason);
        }

        [Fact]
        public void A_report_without_schemaVersion_is_refused()
        {
            var json = Edit(DeviceRun(), "\"schemaVersion\": \"1.2\",", "");
            Assert.Contains("has no schemaVersion", Rejected(WriteText(json)).Reason);
        }

        [Theory]
        [InlineData("1.0")]
        [InlineData("1.1")]
        [InlineData("1.9")]
        public void Any_1x_version_is_read_and_unknown_properties_are_ignored(string version)
        {
            var json = Edit(DeviceRun(), "\"schemaVersion\": \"1.2\",", "\"schemaVersion\": \"" + version + "\", \"addedLater\": {\"x\": [1, 2]},");
            var report = Accepted(WriteText(json));
            Assert.Equal(version, report.SchemaVersion);
            Assert.Equal("PC-0042", report.ComputerName);
        }

        [Fact]
        public void An_unknown_status_is_refused_not_read_as_a_default()
        {
            var json = Edit(DeviceRun(), "\"status\": \"NonCompliant\"", "\"status\": \"Sideways\"");
            var reason = Rejected(WriteText(json)).Reason;
            Assert.Contains("'Sideways'", reason);
            Assert.Contains("not a TargetStatus", reason);
        }

        [Fact]
        public void A_status_given_as_a_number_is_refused()
        {
            var json = Edit(DeviceRun(), "\"status\": \"NonCompliant\"", "\"status\": 99");
            Assert.Contains("where a TargetStatus name belongs", Rejected(WriteText(json)).Reason);
        }

        [Fact]
        public void A_missing_status_is_refused()
        {
            var json = Edit(DeviceRun(), "\"status\": \"NonCompliant\",", "");
            Assert.Contains("has no status", Rejected(WriteText(json)).Reason);
        }

        [Fact]
        public void A_run_that_ended_more_than_an_hour_after_now_is_refused()
        {
            var run = DeviceRun();
            run.Run.EndTime = Now.AddHours(2);
            Assert.Contains("more than an hour after now", Rejected(WriteReport(run)).Reason);
            run.Run.EndTime = Now.AddMinutes(30);
            Accepted(WriteReport(run));
        }

        [Fact]
        public void A_file_named_for_another_device_is_refused()
        {
            var reason = Rejected(WriteReport(DeviceRun(), "PC-0099.json")).Reason;
            Assert.Equal("The report is about 'PC-0042', the file is named 'PC-0099.json'.", reason);
        }

        [Fact]
        public void A_name_with_path_characters_names_no_file_and_is_quoted_shortened()
        {
            var hostile = "..\\..\\Windows\\System32\\evil\r\n" + new string('A', 200);
            var reason = Rejected(WriteReport(DeviceRun(machineName: hostile))).Reason;
            Assert.StartsWith("The report names no computer its file could be named after", reason);
            Assert.Contains("'..\\..\\Windows\\System32\\evil", reason);
            Assert.DoesNotContain("\n", reason);
            Assert.DoesNotContain(new string('A', 100), reason);
        }

        [Theory]
        [InlineData("PC-0042", true)]
        [InlineData("pc_7.corp", true)]
        [InlineData("CON", false)]
        [InlineData("nul.corp", false)]
        [InlineData("COM1", false)]
        [InlineData(".hidden", false)]
        [InlineData("trailing.", false)]
        [InlineData("a/b", false)]
        [InlineData("", false)]
        [InlineData("ÄÖÜ", false)]
        public void Names_follow_the_file_name_rules(string name, bool valid)
        {
            Assert.Equal(valid, AppBan.Engine.Inventory.MachineNames.IsValid(name));
            Assert.False(AppBan.Engine.Inventory.MachineNames.IsValid(new string('a', 64)));
        }

        [Theory]
        [InlineData("localhost")]
        [InlineData("10.1.2.3")]
        [InlineData("::1")]
        public void An_address_or_localhost_without_a_machine_name_names_no_file(string computerName)
        {
            // A collector has no name of its own to give a device's "localhost".
            Assert.False(DeviceReportWriter.TryGetFileName(new TargetReport { ComputerName = computerName }, null, out _, out var reason));
            Assert.Matches("an address|names no machine", reason);
        }

        [Fact]
        public void A_folder_of_three_good_and_two_bad_files_yields_five_objects()
        {
            foreach (var name in new[] { "PC-1", "PC-2", "PC-3" }) WriteReport(DeviceRun(machineName: name), name + ".json");
            WriteText("not json", "PC-4.json");
            WriteReport(DeviceRun(machineName: "PC-5"), "PC-6.json");
            WriteText("ignored", ".PC-1.json.0123.tmp");
            WriteText("ignored", ".hidden.json");
            WriteText("ignored", "notes.txt");

            var read = DeviceReportReader.ReadFolder(_folder, DeviceReportReader.DefaultMaxFileSizeKB, Now).ToList();

            Assert.Equal(new[] { "PC-1", "PC-2", "PC-3" }, read.OfType<DeviceReport>().Select(r => r.ComputerName));
            Assert.Equal(new[] { "PC-4.json", "PC-6.json" }, read.OfType<RejectedDeviceReport>().Select(r => Path.GetFileName(r.Path)));
            Assert.Equal(5, read.Count);
        }

        [Fact]
        public void A_null_finding_is_refused()
        {
            var json = Edit(DeviceRun(), "\"findings\": [", "\"findings\": [null,");
            Assert.Contains("null) entry in findings", Rejected(WriteText(json)).Reason);
        }

        [Fact]
        public void Trailing_content_after_the_report_is_refused()
        {
            Rejected(WriteText(Json(DeviceRun()) + "{}"));
        }
    }
}
