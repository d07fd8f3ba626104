using System.IO;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class RunLogTests
    {
        [Fact]
        public void Lines_are_appended_with_utc_time_and_cannot_be_split_by_target_text()
        {
            var folder = TempFolder();
            try
            {
                var path = Path.Combine(folder, "logs", "run.log");
                var log = new RunLog(path, new AppBan.Engine.FixedClock(Start));
                log.Write("first");
                log.WriteAction(Removal("pc-1", "Tik\r\nTok"));
                new RunLog(path, new AppBan.Engine.FixedClock(Start)).Write("second run");
                var lines = File.ReadAllLines(path);
                Assert.Equal(3, lines.Length);
                Assert.Equal("2026-11-28T10:00:00.000Z first", lines[0]);
                Assert.StartsWith("2026-11-28T10:00:00.000Z   pc-1: Removed Tik  Tok 1.0.1.0 (StoreApp, RemoveAppxPackage, exit code 0, status Removed)", lines[1]);
                Assert.EndsWith("second run", lines[2]);
                Assert.Null(log.Problem);
            }
            finally { Directory.Delete(folder, true); }
        }

        [Fact]
        public void A_log_that_cannot_be_written_records_why_and_does_not_throw()
        {
            var folder = TempFolder();
            try
            {
                var log = new RunLog(folder); // a folder, not a file
                log.Write("x");
                Assert.NotNull(log.Problem);
            }
            finally { Directory.Delete(folder, true); }
        }
    }
}
