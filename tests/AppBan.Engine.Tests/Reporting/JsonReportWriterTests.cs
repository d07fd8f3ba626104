using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using AppBan.Engine.Reporting;
using Json.Schema;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class JsonReportWriterTests
    {
        private static readonly Lazy<JsonSchema> Schema = new Lazy<JsonSchema>(() =>
            JsonSchema.FromText(File.ReadAllText(ModuleFile("AppBan.report.schema.json"))));

        internal static EvaluationResults Validate(string json)
        {
            using var document = JsonDocument.Parse(json);
            return Schema.Value.Evaluate(document.RootElement, new EvaluationOptions
            {
                OutputFormat = OutputFormat.List,
                RequireFormatValidation = true,
            });
        }

        private static string Describe(EvaluationResults results) =>
            string.Join("\n", results.Details.Where(d => d.Errors != null)
                .SelectMany(d => d.Errors.Select(e => d.InstanceLocation + ": " + e.Key + " " + e.Value)));

        [Fact]
        public void The_mixed_report_validates_against_the_shipped_schema()
        {
            var json = ReportWriter.WriteToString(Mixed(), ReportFormat.Json);
            var results = Validate(json);
            Assert.True(results.IsValid, Describe(results));
        }

        [Fact]
        public void An_empty_cancelled_report_validates_too()
        {
            var b = new ReportBuilder(new AppBan.Engine.FixedClock(Start));
            b.MarkCancelled();
            var results = Validate(ReportWriter.WriteToString(b.Build(), ReportFormat.Json));
            Assert.True(results.IsValid, Describe(results));
        }

        [Theory]
        [InlineData("\"status\": \"NonCompliant\"", "\"status\": \"Sideways\"")]
        [InlineData("\"cancelled\": false", "\"cancelled\": \"no\"")]
        [InlineData("\"exitCode\": 12", "\"exitCode\": 1")]
        [InlineData("\"computerName\": \"pc-clean\",", "\"computerName\": \"pc-clean\", \"extra\": 1,")]
        [InlineData("\"message\": null,", "")]
        [InlineData("\"schemaVersion\": \"1.2\"", "\"schemaVersion\": \"1.0\"")]
        public void The_schema_rejects_a_broken_report(string from, string to)
        {
            var json = ReportWriter.WriteToString(Mixed(), ReportFormat.Json);
            Assert.Contains(from, json);
            var broken = json.Replace(from, to);
            Assert.False(Validate(broken).IsValid);
        }

        [Fact]
        public void A_report_with_errors_and_messages_validates_and_keeps_them_apart()
        {
            var json = ReportWriter.WriteToString(Explained(), ReportFormat.Json);
            var results = Validate(json);
            Assert.True(results.IsValid, Describe(results));
            using var doc = JsonDocument.Parse(json);
            var actions = doc.RootElement.GetProperty("targets")[0].GetProperty("actions").EnumerateArray()
                .ToDictionary(a => a.GetProperty("status").GetString());
            Assert.Equal("The removal ran and the app is still installed.", actions["Failed"].GetProperty("error").GetString());
            Assert.Equal(JsonValueKind.Null, actions["Failed"].GetProperty("message").ValueKind);
            Assert.Equal(UserActionMessage, actions["RequiresUserAction"].GetProperty("message").GetString());
            Assert.Equal(JsonValueKind.Null, actions["RequiresUserAction"].GetProperty("error").ValueKind);
            Assert.Equal(RestartMessage, actions["RebootRequired"].GetProperty("message").GetString());
            Assert.Equal(JsonValueKind.Null, actions["RebootRequired"].GetProperty("error").ValueKind);
        }

        [Fact]
        public void Names_are_camel_case_but_dictionary_keys_are_kept()
        {
            var json = ReportWriter.WriteToString(Mixed(), ReportFormat.Json);
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            Assert.Equal("1.2", root.GetProperty("schemaVersion").GetString());
            Assert.Equal("Parliament ban", root.GetProperty("run").GetProperty("policyName").GetString());
            Assert.Equal(1, root.GetProperty("summary").GetProperty("byStatus").GetProperty("NotScanned").GetInt32());
            Assert.Equal(4, root.GetProperty("summary").GetProperty("findingsByApp").GetProperty("TikTok").GetInt32());
            Assert.Equal(8, root.GetProperty("targets").GetArrayLength());
            Assert.Equal(HostileName, root.GetProperty("targets")[2].GetProperty("findings")[0].GetProperty("appName").GetString());
            Assert.Equal("Failed", root.GetProperty("targets")[2].GetProperty("actions")[0].GetProperty("outcome").GetString());
        }

        [Fact]
        public void The_report_reads_back_as_written()
        {
            var report = Mixed();
            var json = ReportWriter.WriteToString(report, ReportFormat.Json);
            var back = JsonReportWriter.Read(new StringReader(json));
            Assert.Equal(report.Run.StartTime, back.Run.StartTime);
            Assert.Equal(report.Targets.Select(t => t.Status), back.Targets.Select(t => t.Status));
            Assert.Equal(report.Summary.ExitCode, back.Summary.ExitCode);
            Assert.Equal(report.Targets[3].ExemptionChanges[0].Expires, back.Targets[3].ExemptionChanges[0].Expires);
        }
    }
}
