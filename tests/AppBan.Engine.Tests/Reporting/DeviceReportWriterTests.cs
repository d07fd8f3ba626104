using System;
using System.IO;
using System.Linq;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class DeviceReportWriterTests
    {
        private static string NameOf(string computerName, string machineName = null, string local = "COLLECTOR-7")
        {
            var ok = DeviceReportWriter.TryGetFileName(new TargetReport { ComputerName = computerName, MachineName = machineName }, local, out var fileName, out var reason);
            Assert.Equal(ok, fileName != null);
            Assert.Equal(ok, reason == null);
            return fileName;
        }

        [Theory]
        [InlineData("PC-0042", null, "PC-0042.json")]
        [InlineData("10.1.2.3", "PC-0042", "PC-0042.json")]
        [InlineData("pc-0042.corp.example.org", null, "pc-0042.json")]
        [InlineData("pc-0042:5986", null, "pc-0042.json")]
        [InlineData("pc-0042.corp.example.org:5985", null, "pc-0042.json")]
        [InlineData("localhost", null, "COLLECTOR-7.json")]
        [InlineData(".", null, "COLLECTOR-7.json")]
        [InlineData("127.0.0.1", null, "COLLECTOR-7.json")]
        [InlineData("::1", null, "COLLECTOR-7.json")]
        [InlineData("localhost", "LAPTOP-01", "LAPTOP-01.json")]
        [InlineData("host_name.with.dots", "Host_Name.v2", "Host_Name.v2.json")]
        public void A_device_report_is_named_after_the_machine(string computerName, string machineName, string expected) =>
            Assert.Equal(expected, NameOf(computerName, machineName));

        [Fact]
        public void The_public_overload_names_a_local_run_after_this_computer() =>
            Assert.True(DeviceReportWriter.TryGetFileName(new TargetReport { ComputerName = "localhost" }, out var name, out _)
                && name == Environment.MachineName + ".json");

        [Theory]
        [InlineData("10.1.2.3")]
        [InlineData("10.1.2.3:5985")]
        [InlineData("127.0.1.1:5985")]
        [InlineData("fe80::1")]
        [InlineData("[2001:db8::1]:5986")]
        public void An_address_without_the_machines_own_name_is_refused(string address)
        {
            Assert.Null(NameOf(address));
            DeviceReportWriter.TryGetFileName(new TargetReport { ComputerName = address }, "X", out _, out var reason);
            Assert.Contains("address", reason);
        }

        [Theory]
        [InlineData("..")]
        [InlineData("../../etc/passwd")]
        [InlineData("..\\..\\Windows\\win.ini")]
        [InlineData("pc/evil")]
        [InlineData("pc\\evil")]
        [InlineData("C:evil")]
        [InlineData("CON")]
        [InlineData("nul")]
        [InlineData("COM1")]
        [InlineData("lpt9")]
        [InlineData("NUL.corp")]
        [InlineData("pc.")]
        [InlineData(".pc")]
        [InlineData("pc ")]
        [InlineData("pc\u0000x")]
        [InlineData("pc\u200Bx")]
        [InlineData("p\u0441")]          // a Cyrillic letter that looks Latin
        [InlineData("a*b")]
        [InlineData("pc.json\r\nx")]
        public void A_hostile_machine_name_is_refused(string hostile)
        {
            Assert.Null(NameOf("10.0.0.5", hostile));
            Assert.Null(NameOf("localhost", null, hostile));
        }

        [Fact]
        public void A_name_longer_than_a_dns_label_is_refused()
        {
            Assert.Null(NameOf("10.0.0.5", new string('a', 64)));
            Assert.Equal(new string('a', 63) + ".json", NameOf("10.0.0.5", new string('a', 63)));
        }

        [Fact]
        public void Without_a_local_name_a_report_about_localhost_is_refused() =>
            Assert.Null(NameOf("localhost", null, null));

        [Fact]
        public void Split_gives_one_report_per_target_with_the_run_metadata_and_its_own_summary()
        {
            var fleet = Mixed();
            var singles = DeviceReportWriter.Split(fleet);
            Assert.Equal(fleet.Targets.Count, singles.Count);
            for (var i = 0; i < singles.Count; i++)
            {
                var single = singles[i];
                Assert.Same(fleet.Targets[i], Assert.Single(single.Targets));
                Assert.Equal(new[] { fleet.Targets[i].ComputerName }, single.Run.Targets);
                Assert.Equal(fleet.Run.EndTime, single.Run.EndTime);
                Assert.Equal(fleet.Run.PolicyName, single.Run.PolicyName);
                Assert.Equal(fleet.Run.PolicySha256, single.Run.PolicySha256);
                Assert.Equal(fleet.Run.Operator, single.Run.Operator);
                Assert.Equal(1, single.Summary.Targets);
                Assert.Equal(fleet.Targets[i].Findings.Count, single.Summary.Findings);
                Assert.Equal((int)RunExitCode.For(new[] { fleet.Targets[i] }), single.Summary.ExitCode);
                Assert.Empty(single.PolicyExemptionChanges);
            }
            var bad = singles.Single(s => s.Targets[0].ComputerName == "pc-bad");
            Assert.Equal(1, bad.Summary.FailedActions);
            Assert.Equal((int)UnattendedExitCode.TargetsFailed, bad.Summary.ExitCode);
            Assert.Equal((int)UnattendedExitCode.Compliant, singles.Single(s => s.Targets[0].ComputerName == "pc-clean").Summary.ExitCode);
        }

        [Fact]
        public void Write_leaves_exactly_one_json_file_per_target_and_nothing_else()
        {
            var folder = TempFolder();
            var results = DeviceReportWriter.Write(Mixed(), folder, "COLLECTOR-7");
            Assert.All(results, r => Assert.True(r.Written, r.Error));
            var names = Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "pc-bad.json", "pc-clean.json", "pc-down.json", "pc-error.json", "pc-exempt.json", "pc-fixed.json", "pc-grace.json", "pc-never.json" }, names);
            foreach (var file in Directory.GetFiles(folder))
            {
                using var reader = File.OpenText(file);
                var read = JsonReportWriter.Read(reader);
                var target = Assert.Single(read.Targets);
                Assert.Equal(Path.GetFileNameWithoutExtension(file), target.ComputerName);
                Assert.Equal(AppBanReport.CurrentSchemaVersion, read.SchemaVersion);
            }
        }

        [Fact]
        public void A_local_run_writes_the_machine_name_it_is_filed_under_into_the_report()
        {
            var folder = TempFolder();
            var b = NewBuilder();
            b.SetTargetStatus("localhost", TargetStatus.Compliant);
            var result = Assert.Single(DeviceReportWriter.Write(b.Build(Start), folder, "DESK-9"));
            Assert.Equal(Path.Combine(folder, "DESK-9.json"), result.Path);
            using var reader = File.OpenText(result.Path);
            var target = Assert.Single(JsonReportWriter.Read(reader).Targets);
            Assert.Equal("localhost", target.ComputerName);
            Assert.Equal("DESK-9", target.MachineName);
            // The reader's check, without any local fallback, agrees with the file name.
            Assert.True(DeviceReportWriter.TryGetFileName(target, null, out var name, out _) && name == "DESK-9.json");
        }

        [Fact]
        public void A_newer_report_replaces_the_older_one_atomically()
        {
            var folder = TempFolder();
            var b = NewBuilder();
            b.SetTargetStatus("pc-1", TargetStatus.NonCompliant);
            DeviceReportWriter.Write(b.Build(Start), folder, "X");
            var b2 = NewBuilder();
            b2.SetTargetStatus("pc-1", TargetStatus.Compliant);
            Assert.True(Assert.Single(DeviceReportWriter.Write(b2.Build(Start.AddHours(1)), folder, "X")).Written);
            Assert.Equal(new[] { "pc-1.json" }, Directory.GetFiles(folder).Select(Path.GetFileName));
            using var reader = File.OpenText(Path.Combine(folder, "pc-1.json"));
            Assert.Equal(TargetStatus.Compliant, JsonReportWriter.Read(reader).Targets[0].Status);
        }

        [Fact]
        public void A_target_without_a_file_name_is_reported_and_the_others_are_written()
        {
            var folder = TempFolder();
            var b = NewBuilder();
            b.SetTargetStatus("pc-1", TargetStatus.Compliant);
            b.SetTargetStatus("10.9.9.9", TargetStatus.Compliant);
            b.SetTargetStatus("10.9.9.8", TargetStatus.Compliant);
            b.NoteMachineName("10.9.9.8", "PC-1");
            var results = DeviceReportWriter.Write(b.Build(Start), folder, "X");
            Assert.True(results.Single(r => r.ComputerName == "pc-1").Written);
            Assert.Contains("address", results.Single(r => r.ComputerName == "10.9.9.9").Error);
            Assert.Contains("another target", results.Single(r => r.ComputerName == "10.9.9.8").Error);
            Assert.Equal(new[] { "pc-1.json" }, Directory.GetFiles(folder).Select(Path.GetFileName));
        }

        [Fact]
        public void A_file_that_cannot_be_replaced_fails_that_target_and_leaves_no_temporary_file()
        {
            var folder = TempFolder();
            // A folder where the report should go: the rename over it fails whoever runs the test (root included).
            Directory.CreateDirectory(Path.Combine(folder, "pc-1.json"));
            var b = NewBuilder();
            b.SetTargetStatus("pc-1", TargetStatus.Compliant);
            b.SetTargetStatus("pc-2", TargetStatus.Compliant);
            var results = DeviceReportWriter.Write(b.Build(Start), folder, "X");
            var failed = results.Single(r => r.ComputerName == "pc-1");
            Assert.False(failed.Written);
            Assert.NotNull(failed.Exception);
            Assert.Contains("pc-1.json", failed.Error);
            Assert.True(results.Single(r => r.ComputerName == "pc-2").Written);
            Assert.Equal(new[] { "pc-1.json", "pc-2.json" }, Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
        }

        [Fact]
        public void A_folder_under_a_file_is_unreachable_for_every_target_and_nothing_is_created()
        {
            var parent = TempFolder();
            var file = Path.Combine(parent, "not-a-folder");
            File.WriteAllText(file, "x");
            var b = NewBuilder();
            b.SetTargetStatus("pc-1", TargetStatus.Compliant);
            b.SetTargetStatus("pc-2", TargetStatus.NonCompliant);
            var results = DeviceReportWriter.Write(b.Build(Start), Path.Combine(file, "reports"), "X");
            Assert.Equal(2, results.Count);
            Assert.All(results, r => Assert.False(r.Written));
            Assert.All(results, r => Assert.Contains("cannot be reached", r.Error));
            Assert.Equal(new[] { "not-a-folder" }, Directory.EnumerateFileSystemEntries(parent).Select(Path.GetFileName));
        }

        [Fact]
        public void A_missing_folder_is_created_only_when_its_parent_exists()
        {
            var parent = TempFolder();
            var b = NewBuilder();
            b.SetTargetStatus("pc-1", TargetStatus.Compliant);
            var deep = Path.Combine(parent, "missing", "reports");
            Assert.Contains("neither it nor its parent", Assert.Single(DeviceReportWriter.Write(b.Build(Start), deep, "X")).Error);
            Assert.Empty(Directory.EnumerateFileSystemEntries(parent));
            var shallow = Path.Combine(parent, "reports");
            Assert.True(Assert.Single(DeviceReportWriter.Write(b.Build(Start), shallow, "X")).Written);
            Assert.Equal(new[] { "pc-1.json" }, Directory.GetFiles(shallow).Select(Path.GetFileName));
        }

        [Fact]
        public void A_folder_that_is_a_file_is_refused()
        {
            var parent = TempFolder();
            var file = Path.Combine(parent, "reports");
            File.WriteAllText(file, "x");
            var b = NewBuilder();
            b.SetTargetStatus("pc-1", TargetStatus.Compliant);
            Assert.Contains("is a file", Assert.Single(DeviceReportWriter.Write(b.Build(Start), file, "X")).Error);
            Assert.Equal("x", File.ReadAllText(file));
        }

        [Theory]
        [InlineData(UnattendedExitCode.Compliant, UnattendedExitCode.ReportNotDelivered)]
        [InlineData(UnattendedExitCode.Remediated, UnattendedExitCode.ReportNotDelivered)]
        [InlineData(UnattendedExitCode.NonCompliantRemains, UnattendedExitCode.ReportNotDelivered)]
        [InlineData(UnattendedExitCode.TargetsFailed, UnattendedExitCode.TargetsFailed)]
        [InlineData(UnattendedExitCode.BadInput, UnattendedExitCode.BadInput)]
        public void A_report_not_delivered_is_14_unless_the_run_did_worse(UnattendedExitCode run, UnattendedExitCode expected)
        {
            Assert.Equal(14, (int)UnattendedExitCode.ReportNotDelivered);
            Assert.Equal(expected, RunExitCode.WithReportNotDelivered(run));
        }
    }
}
