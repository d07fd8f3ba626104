using System;
using System.IO;
using System.Linq;
using System.Text;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class ReportFileTests
    {
        [Fact]
        public void Writing_replaces_the_old_file_and_leaves_no_temporary_file()
        {
            var folder = TempFolder();
            try
            {
                var path = Path.Combine(folder, "report.json");
                File.WriteAllText(path, "old");
                ReportWriter.Write(Mixed(), path, ReportFormat.Json);
                Assert.StartsWith("{", File.ReadAllText(path));
                Assert.Equal(new[] { "report.json" }, Directory.GetFiles(folder).Select(Path.GetFileName));
            }
            finally { Directory.Delete(folder, true); }
        }

        [Fact]
        public void A_failing_write_keeps_the_old_content_and_removes_its_temporary_file()
        {
            var folder = TempFolder();
            try
            {
                var path = Path.Combine(folder, "report.html");
                File.WriteAllText(path, "old");
                Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
                {
                    stream.Write(new byte[] { 1, 2, 3 }, 0, 3);
                    throw new InvalidOperationException("disk on fire");
                }));
                Assert.Equal("old", File.ReadAllText(path));
                Assert.Single(Directory.GetFiles(folder));
            }
            finally { Directory.Delete(folder, true); }
        }

        [Fact]
        public void A_missing_folder_is_created_and_encodings_fit_each_format()
        {
            var folder = TempFolder();
            try
            {
                var csv = Path.Combine(folder, "sub", "r.csv");
                var html = Path.Combine(folder, "sub", "r.html");
                ReportWriter.Write(Mixed(), csv, ReportFormat.Csv);
                ReportWriter.Write(Mixed(), html, ReportFormat.Html);
                var csvBytes = File.ReadAllBytes(csv);
                var htmlBytes = File.ReadAllBytes(html);
                Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, csvBytes.Take(3));
                Assert.Equal((byte)'<', htmlBytes[0]);
                Assert.StartsWith("RecordType,", Encoding.UTF8.GetString(csvBytes, 3, csvBytes.Length - 3));
            }
            finally { Directory.Delete(folder, true); }
        }

        [Theory]
        [InlineData("a.json", ReportFormat.Json)]
        [InlineData("a.CSV", ReportFormat.Csv)]
        [InlineData("a.html", ReportFormat.Html)]
        [InlineData("a.htm", ReportFormat.Html)]
        public void The_extension_picks_the_format(string path, ReportFormat expected)
        {
            Assert.True(ReportWriter.TryGetFormatFromPath(path, out var format));
            Assert.Equal(expected, format);
        }

        [Fact]
        public void An_unknown_extension_picks_nothing()
        {
            Assert.False(ReportWriter.TryGetFormatFromPath("a.txt", out _));
            Assert.False(ReportWriter.TryGetFormatFromPath("report", out _));
        }
    }
}
