using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AppBan.Engine.Reporting;
using Newtonsoft.Json.Linq;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class HtmlReportWriterTests
    {
        private static readonly string Html = ReportWriter.WriteToString(Mixed(), ReportFormat.Html);

        [Fact]
        public void Hostile_strings_are_encoded_and_the_page_has_exactly_its_own_script_and_data_block()
        {
            var scripts = Regex.Matches(Html, "<script[^>]*>", RegexOptions.IgnoreCase).Select(m => m.Value).ToList();
            Assert.Equal(new[] { "<script type=\"application/json\" id=\"hosts-data\">", "<script>" }, scripts);
            Assert.DoesNotContain("alert('x')", Html);
            Assert.DoesNotContain("<script>alert", Html);
            // The name reaches the page only as data, and comes out of it whole.
            var finding = Hosts(Html).Single(h => h.Computer == "pc-bad").Details.Single(d => d[0] == "0");
            Assert.StartsWith(HostileName + " 1.0.1.0", finding[2]);
        }

        [Fact]
        public void Encode_covers_markup_quotes_and_control_characters()
        {
            Assert.Equal("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;\uFFFD\uFFFD", HtmlReportWriter.Encode("<a href=\"x\" title='y'>&\u0000\u0085"));
            Assert.Equal("tab\tnew\nline", HtmlReportWriter.Encode("tab\tnew\nline"));
        }

        [Fact]
        public void The_csp_allows_exactly_the_inline_style_and_script_by_hash()
        {
            var csp = Regex.Match(Html, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">").Groups[1].Value;
            Assert.StartsWith("default-src 'none';", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
            Assert.DoesNotContain("unsafe-eval", csp);
            var style = Regex.Match(Html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
            var script = Regex.Match(Html, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
            Assert.Contains("style-src 'sha256-" + Sha256Base64(style) + "'", csp);
            Assert.Contains("script-src 'sha256-" + Sha256Base64(script) + "'", csp);
            // The policy comes before anything it governs.
            Assert.True(Html.IndexOf("Content-Security-Policy", StringComparison.Ordinal) < Html.IndexOf("<style>", StringComparison.Ordinal));
        }

        [Fact]
        public void Nothing_is_loaded_from_outside_the_file()
        {
            Assert.DoesNotMatch(new Regex(@"\s(src|href|srcset|action|formaction|poster|background)\s*=", RegexOptions.IgnoreCase), Html);
            Assert.DoesNotContain("url(", Html);
            Assert.DoesNotContain("@import", Html);
            Assert.DoesNotMatch(new Regex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase), Html);
        }

        [Theory]
        [InlineData("targets", 8)]
        [InlineData("compliant", 2)]
        [InlineData("noncompliant", 2)]
        [InlineData("exempt", 1)]
        [InlineData("unreachable", 1)]
        [InlineData("failed", 2)]
        [InlineData("removed", 1)]
        [InlineData("requiresuseraction", 0)]
        [InlineData("stale", 0)]
        [InlineData("notreporting", 0)]
        [InlineData("rejected", 0)]
        public void Tiles_show_the_summary(string tile, int count)
        {
            Assert.Matches("<div class=\"tile[^\"]*\" id=\"tile-" + tile + "\" data-count=\"" + count + "\"><span class=\"num\">" + count + "</span>", Html);
        }

        [Fact]
        public void One_row_per_host_with_its_status_and_counts_in_the_data_block_and_none_written_as_html()
        {
            var hosts = Hosts(Html);
            Assert.Equal(new[] { "pc-clean", "pc-fixed", "pc-bad", "pc-exempt", "pc-grace", "pc-down", "pc-error", "pc-never" },
                hosts.Select(h => h.Computer));
            Assert.Equal(new[] { "Compliant", "Remediated", "NonCompliant", "Exempt", "GracePeriod", "Unreachable", "Failed", "NotScanned" },
                hosts.Select(h => h.Status));
            // pc-never was only named: nothing came from it, so it has no source.
            Assert.Equal(Enumerable.Repeat("Live", 7).Concat(new string[] { null }), hosts.Select(h => h.Source));
            // findings, removed, failed actions, exemption changes, errors
            Assert.Equal(new[] { 1, 1, 0, 0, 0 }, hosts.Single(h => h.Computer == "pc-fixed").Counts);
            Assert.Equal(new[] { 1, 0, 1, 0, 0 }, hosts.Single(h => h.Computer == "pc-bad").Counts);
            Assert.Equal(new[] { 1, 0, 0, 1, 0 }, hosts.Single(h => h.Computer == "pc-exempt").Counts);
            Assert.Equal(new[] { 0, 0, 0, 0, 1 }, hosts.Single(h => h.Computer == "pc-down").Counts);
            Assert.Equal(new[] { 0, 0, 0, 0, 0 }, hosts.Single(h => h.Computer == "pc-clean").Counts);
            Assert.DoesNotContain("<tr class=\"host\"", Html);
            Assert.Contains("<table id=\"hosts\">", Html);
            Assert.Contains("<tbody></tbody>", Html);
            Assert.Equal(HtmlReportWriter.PageSize, (int)DataBlock(Html)["p"]);
        }

        [Fact]
        public void The_status_chart_has_one_bar_per_status_present()
        {
            var svg = Regex.Match(Html, "<svg[^>]*id=\"svg-status\".*?</svg>", RegexOptions.Singleline).Value;
            var bars = Regex.Matches(svg, "<g class=\"bar\" data-status=\"(\\w+)\" data-count=\"(\\d+)\">");
            Assert.Equal(8, bars.Count);
            Assert.DoesNotContain(bars, m => m.Groups[1].Value == "Partial");
            Assert.Equal("1", bars.Single(m => m.Groups[1].Value == "NotScanned").Groups[2].Value);
        }

        [Fact]
        public void The_app_chart_names_the_top_apps_and_groups_the_rest()
        {
            var b = NewBuilder();
            for (var i = 0; i < HtmlReportWriter.MaxChartApps + 3; i++)
            {
                var f = Finding("pc", "App " + i.ToString("00"));
                f.RuleName = null;
                f.RuleId = "rule-" + i;
                b.AddFinding(f);
                if (i == 0)
                {
                    var again = Finding("pc2", "App 00");
                    again.RuleName = null;
                    b.AddFinding(again);
                }
            }
            var html = ReportWriter.WriteToString(b.Build(), ReportFormat.Html);
            var svg = Regex.Match(html, "<svg[^>]*id=\"svg-apps\".*?</svg>", RegexOptions.Singleline).Value;
            var bars = Regex.Matches(svg, "<g class=\"bar\" data-count=\"(\\d+)\"><title>([^<]*)</title>");
            Assert.Equal(HtmlReportWriter.MaxChartApps + 1, bars.Count);
            Assert.Equal("App 00: 2", bars[0].Groups[2].Value);
            Assert.Equal("Other (3 apps): 3", bars[bars.Count - 1].Groups[2].Value);
        }

        [Fact]
        public void Policy_exemption_changes_get_their_own_table()
        {
            Assert.Single(Regex.Matches(Html, "<tr class=\"policy-exemption\">"));
            Assert.Contains("<td>@SUM(1+1)*cmd|&#39; /C calc&#39;!A0</td>", Html);
        }

        [Fact]
        public void Errors_show_in_red_and_messages_apart_from_them()
        {
            // A detail item is [kind, bold, text, error, message]; the script puts error in span.error and message in span.message.
            var removals = Assert.Single(Hosts(ReportWriter.WriteToString(Explained(), ReportFormat.Html))).Details.Where(d => d[0] == "1").ToList();
            Assert.Equal(3, removals.Count);
            Assert.Equal("The removal ran and the app is still installed.", removals.Single(d => d[1] == "Failed")[3]);
            Assert.Equal(4, removals.Single(d => d[1] == "Failed").Length);
            Assert.Equal(new[] { "", UserActionMessage }, removals.Single(d => d[1] == "RequiresUserAction").Skip(3));
            Assert.Equal(new[] { "", RestartMessage }, removals.Single(d => d[1] == "RebootRequired").Skip(3));
            Assert.Contains("el('span', 'error', item[3])", HtmlReportWriter.Script);
            Assert.Contains("el('span', 'message', item[4])", HtmlReportWriter.Script);
            Assert.Contains(".error{color:#c62828}", HtmlReportWriter.Style);
            Assert.DoesNotMatch(@"\.message\{[^}]*#c62828", HtmlReportWriter.Style);
            var error = Hosts(Html).Single(h => h.Computer == "pc-down").Details.Single(d => d[0] == "3");
            Assert.Equal(new[] { "3", "TargetUnreachable", "", "pc-down: no answer" }, error);
        }

        [Fact]
        public void A_cancelled_run_says_so()
        {
            var b = NewBuilder();
            b.DeclareTargets(new[] { "a" });
            b.MarkCancelled();
            var html = ReportWriter.WriteToString(b.Build(), ReportFormat.Html);
            Assert.Contains("id=\"cancelled\"", html);
            Assert.DoesNotContain("id=\"cancelled\"", Html);
        }

        [Fact]
        public void The_script_builds_rows_with_dom_calls_and_text_only()
        {
            Assert.DoesNotContain("innerHTML", HtmlReportWriter.Script);
            Assert.DoesNotContain("outerHTML", HtmlReportWriter.Script);
            Assert.DoesNotContain("insertAdjacentHTML", HtmlReportWriter.Script);
            Assert.DoesNotContain("document.write", HtmlReportWriter.Script);
            Assert.DoesNotContain("eval(", HtmlReportWriter.Script);
            Assert.Contains("JSON.parse(document.getElementById('hosts-data').textContent)", HtmlReportWriter.Script);
        }

        public static readonly string[] BlockBreakers =
        {
            "</script><script>alert(1)</script>", "</SCRIPT >", "<!--<script>", "-->", "a\u2028b\u2029c", "<![CDATA[", "]]>",
            "\"},{\"c\":\"x", "\\u003c/script>", "&lt;/script&gt;", "\u0000\u001f\u007f", "\ud800 lone surrogate", "' OR 1=1 --",
        };

        [Fact]
        public void No_string_can_end_the_data_block_and_every_string_comes_back_whole()
        {
            var report = Fleet(BlockBreakers);
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            var block = Regex.Match(html, "<script type=\"application/json\" id=\"hosts-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
            // What the HTML tokenizer acts on inside a script element ('<' starts </script and <!--) never appears, nor
            // what older JavaScript parsers end a line at.
            Assert.DoesNotContain("<", block);
            Assert.DoesNotContain(">", block);
            Assert.DoesNotContain("&", block);
            Assert.DoesNotContain("\u2028", block);
            Assert.DoesNotContain("\u2029", block);
            // The block is the last thing before the end tag the writer put there: one data block, one script, in order.
            Assert.Equal(2, Regex.Matches(html, "</script>", RegexOptions.IgnoreCase).Count);
            Assert.Equal(2, Regex.Matches(html, "<script", RegexOptions.IgnoreCase).Count);
            var hosts = Hosts(html);
            Assert.Equal(BlockBreakers.Length, hosts.Count);
            for (var i = 0; i < BlockBreakers.Length; i++)
            {
                var hostile = BlockBreakers[i];
                var host = hosts[i];
                var expected = hostile.Replace("\ud800", "\ufffd");
                Assert.Equal(expected, Normalize(host.Computer));
                Assert.Equal("addr-" + expected, Normalize(host.Address));
                Assert.Equal(expected, Normalize(host.Source));
                Assert.Contains(host.Details, d => d[0] == "4" && Normalize(d[2]) == expected);
                Assert.Equal(expected, Normalize(host.ReportFile));
                Assert.Contains(host.Details, d => d[0] == "0" && Normalize(d[2]).StartsWith(expected, StringComparison.Ordinal));
            }
        }

        [Fact]
        public void The_computer_is_the_machine_name_with_the_address_when_it_differs_and_a_stale_device_keeps_its_last_status()
        {
            var report = Fleet(new[] { "PC-1", "PC-2" });
            report.Targets[1].MachineName = null;
            report.Targets[0].Status = TargetStatus.Stale;
            report.Targets[0].LastStatus = TargetStatus.NonCompliant;
            report.Targets[0].ReportedAt = Start.AddDays(-9);
            report.Targets[0].ComputerName = "pc-1";
            report.Targets[0].ReportFile = @"\\srv\reports\PC-1.json";
            report.Targets[1].ReportFile = "/srv/reports/pc-2-renamed.json";
            report.Targets.AddRange(Fleet(new[] { "PC-3", "PC-4", "PC-5", "PC-\u0130" }).Targets);
            report.Targets[2].ComputerName = "pc-3.corp.example";
            report.Targets[3].ComputerName = "PC-4.corp.example";
            report.Targets[4].ComputerName = "10.0.0.5";
            report.Targets[5].ComputerName = "pc-i\u0307.corp.example";
            var hosts = Hosts(ReportWriter.WriteToString(report, ReportFormat.Html));
            Assert.Equal("PC-1", hosts[0].Computer);
            Assert.Null(hosts[0].Address);
            Assert.Equal("Stale", hosts[0].Status);
            Assert.Equal("NonCompliant", hosts[0].LastStatus);
            Assert.Equal(Start.AddDays(-9).ToUnixTimeSeconds(), hosts[0].ReportedAt);
            Assert.Equal("addr-PC-2", hosts[1].Computer);
            Assert.Null(hosts[1].Address);
            Assert.Null(hosts[1].LastStatus);
            Assert.Equal(@"\\srv\reports\PC-1.json", hosts[0].ReportFile);
            Assert.Equal(new[] { "pc-3.corp.example", "PC-4.corp.example", "10.0.0.5", "pc-i\u0307.corp.example" }, hosts.Skip(2).Select(h => h.Address));
            var rows = (JArray)DataBlock(ReportWriter.WriteToString(report, ReportFormat.Html))["h"];
            Assert.Equal(new[] { JTokenType.Integer, JTokenType.Integer, JTokenType.String, JTokenType.String }, rows.Skip(2).Select(r => r[5].Type));
            Assert.Equal("/srv/reports/pc-2-renamed.json", hosts[1].ReportFile);
        }

        [Fact]
        public void Stale_and_not_reporting_have_labels_colours_options_and_bars()
        {
            Assert.Equal("Stale", HtmlReportWriter.StatusLabel(TargetStatus.Stale));
            Assert.Equal("Not reporting", HtmlReportWriter.StatusLabel(TargetStatus.NotReporting));
            Assert.Matches(@"\.s-Stale\{background:#", HtmlReportWriter.Style);
            Assert.Matches(@"\.s-NotReporting\{background:#", HtmlReportWriter.Style);
            var report = Fleet(new[] { "a", "b", "c" });
            report.Targets[0].Status = TargetStatus.Stale;
            report.Targets[1].Status = TargetStatus.NotReporting;
            report.Summary.ByStatus["Stale"] = 1;
            report.Summary.ByStatus["NotReporting"] = 1;
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            Assert.Contains("<option value=\"Stale\">Stale</option>", html);
            Assert.Contains("<option value=\"NotReporting\">Not reporting</option>", html);
            Assert.Contains("<g class=\"bar\" data-status=\"NotReporting\" data-count=\"1\"><title>Not reporting: 1</title>", html);
            Assert.Contains("<g class=\"bar\" data-status=\"Stale\" data-count=\"1\">", html);
            var labels = ((JArray)DataBlock(html)["l"]).Select(t => (string)t).ToList();
            Assert.Contains("Not reporting", labels);
        }

        [Fact]
        public void The_new_tiles_show_their_counts_and_the_header_names_a_fleet_report()
        {
            var report = Fleet(new[] { "a" });
            report.Summary.RequiresUserAction = 4;
            report.Summary.Stale = 17;
            report.Summary.NotReporting = 3;
            report.Summary.RejectedReports = 2;
            report.Run.DeviceReports = 9000;
            report.Run.StaleAfterDays = 7.5;
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            Assert.Contains("id=\"tile-requiresuseraction\" data-count=\"4\"><span class=\"num\">4</span>", html);
            Assert.Contains("id=\"tile-stale\" data-count=\"17\"><span class=\"num\">17</span>", html);
            Assert.Contains("id=\"tile-notreporting\" data-count=\"3\"><span class=\"num\">3</span>", html);
            Assert.Contains("id=\"tile-rejected\" data-count=\"2\"><span class=\"num\">2</span>", html);
            Assert.Contains("<p class=\"meta\" id=\"run-fleet\">Fleet report: 9000 device reports merged, stale after 7.5 days</p>", html);
            Assert.DoesNotContain("id=\"run-fleet\"", Html);
        }

        [Fact]
        public void The_rule_table_has_one_row_per_rule_with_hostile_names_encoded()
        {
            var report = Fleet(new[] { "a" });
            report.Summary.Rules.Add(new RuleProgress
            {
                RuleId = "tiktok", RuleName = "<b>TikTok</b>", EnforceAfter = Start.AddDays(10), DaysLeft = 10,
                Violation = 5, RequiresUserAction = 4, Scheduled = 3, GracePeriod = 2, Exempt = 1, Clean = 9000, NoData = 7,
            });
            report.Summary.Rules.Add(new RuleProgress { RuleId = "capcut", Clean = 1 });
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            var table = Regex.Match(html, "<table id=\"rules\">.*?</table>", RegexOptions.Singleline).Value;
            var rows = Regex.Matches(table, "<tr class=\"rule\">(.*?)</tr>").Select(m => Regex.Matches(m.Groups[1].Value, "<td[^>]*>(.*?)</td>").Select(c => c.Groups[1].Value).ToArray()).ToList();
            Assert.Equal(2, rows.Count);
            Assert.Equal(new[] { "&lt;b&gt;TikTok&lt;/b&gt; (tiktok)", "2026-12-08 10:00:00 UTC", "10", "5", "4", "3", "2", "1", "9000", "7" }, rows[0]);
            Assert.Equal(new[] { "capcut", "none", "", "0", "0", "0", "0", "0", "1", "0" }, rows[1]);
            report.Summary.Rules.Clear();
            Assert.DoesNotContain("id=\"rules\"", ReportWriter.WriteToString(report, ReportFormat.Html));
        }

        [Fact]
        public void The_history_chart_shows_with_two_points_or_more_and_marks_the_deadline()
        {
            var report = Fleet(new[] { "a" });
            report.History.Add(new ReportHistoryPoint { Time = Start.AddDays(-14), Devices = 100, Violation = 80, Deadline = Start.AddDays(7) });
            Assert.DoesNotContain("chart-history", ReportWriter.WriteToString(report, ReportFormat.Html));
            report.History.Add(new ReportHistoryPoint { Time = Start.AddDays(-7), Devices = 100, Violation = 40, Deadline = Start.AddDays(7) });
            report.History.Add(new ReportHistoryPoint { Time = Start, Devices = 100, Violation = 10, Deadline = Start.AddDays(7) });
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            var chart = Regex.Match(html, "<figure id=\"chart-history\">.*?</figure>", RegexOptions.Singleline).Value;
            Assert.Equal(new[] { "80", "40", "10" }, Regex.Matches(chart, "<g class=\"point\" data-count=\"(\\d+)\">").Select(m => m.Groups[1].Value));
            Assert.Contains("<title>Deadline 2026-12-05 10:00:00 UTC</title>", chart);
            // Points left to right in time, the deadline right of the last one, the fewest violations lowest (largest y).
            var xs = Regex.Matches(chart, "<circle cx=\"([\\d.]+)\" cy=\"([\\d.]+)\"").Select(m => (x: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), y: double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
            var deadlineX = double.Parse(Regex.Match(chart, "<line class=\"deadline\" x1=\"([\\d.]+)\"").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(xs[0].x < xs[1].x && xs[1].x < xs[2].x && xs[2].x < deadlineX);
            Assert.True(xs[0].y < xs[1].y && xs[1].y < xs[2].y);
            Assert.DoesNotContain("chart-history", Html);
        }

        [Fact]
        public void Expiring_exemptions_and_rejected_files_get_their_tables_with_hostile_text_encoded()
        {
            var report = Fleet(new[] { "a" });
            const string hostile = "</td></tr><script>alert(1)</script>";
            report.ExpiringExemptions.Add(new ExpiringExemption
            {
                ComputerName = "PC-9" + hostile, RuleId = "tiktok", RuleName = "TikTok" + hostile, AppName = "TikTok" + hostile, UserName = "CORP\\bob" + hostile,
                ExemptionId = "EX-9" + hostile, Expires = Start.AddDays(3), DaysLeft = 3, Reason = "press" + hostile, ApprovedBy = "ciso" + hostile,
            });
            report.RejectedReports.Add(new RejectedDeviceReport { Path = "/share/x" + hostile + ".json", Reason = "the report is about X" + hostile, Size = 2048, LastWriteTime = Start });
            report.RejectedReports.Add(new RejectedDeviceReport { Path = "/share/y.json", Reason = "too large" });
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            Assert.DoesNotContain("<script>alert", html);
            var enc = HtmlReportWriter.Encode(hostile);
            var expiring = Regex.Matches(Regex.Match(html, "<table id=\"expiring-exemptions\">.*?</table>", RegexOptions.Singleline).Value, "<tr class=\"expiring\">(.*?)</tr>");
            var cells = Regex.Matches(Assert.Single(expiring).Groups[1].Value, "<td[^>]*>(.*?)</td>").Select(c => c.Groups[1].Value).ToArray();
            Assert.Equal(new[] { "PC-9" + enc, "TikTok" + enc, "TikTok" + enc, "CORP\\bob" + enc, "EX-9" + enc, "2026-12-01 10:00:00 UTC", "3", "press" + enc, "ciso" + enc }, cells);
            var rejected = Regex.Matches(Regex.Match(html, "<table id=\"rejected-reports\">.*?</table>", RegexOptions.Singleline).Value, "<tr class=\"rejected\">(.*?)</tr>")
                .Select(m => Regex.Matches(m.Groups[1].Value, "<td[^>]*>(.*?)</td>").Select(c => c.Groups[1].Value).ToArray()).ToList();
            Assert.Equal(new[] { "/share/x" + enc + ".json", "the report is about X" + enc, "2048", "2026-11-28 10:00:00 UTC" }, rejected[0]);
            Assert.Equal(new[] { "/share/y.json", "too large", "", "" }, rejected[1]);
            Assert.DoesNotContain("expiring-exemptions", Html);
            Assert.DoesNotContain("rejected-reports", Html);
        }

        [Fact]
        public void A_large_fleet_page_stays_small()
        {
            var names = Enumerable.Range(1, 10000).Select(i => "PC-" + i.ToString("00000")).ToArray();
            var report = Fleet(names);
            var rng = new Random(21);
            foreach (var target in report.Targets)
            {
                target.Source = "DeviceReport";
                target.ReportFile = @"\\fs01\AppBanReports$\" + target.MachineName + ".json";
                target.ReportedAt = Start.AddSeconds(-rng.Next(0, 7 * 86400));
                target.StatusDetail = null;
                target.Findings.Clear();
                target.ComputerName = target.MachineName;
                target.Status = TargetStatus.Compliant;
            }
            for (var i = 0; i < report.Targets.Count; i += 10)
            {
                report.Targets[i].Status = TargetStatus.NonCompliant;
                for (var k = 0; k <= i % 3; k++) report.Targets[i].Findings.Add(Finding(report.Targets[i].ComputerName, "TikTok " + k));
            }
            var html = ReportWriter.WriteToString(report, ReportFormat.Html);
            var bytes = Encoding.UTF8.GetByteCount(html);
            Console.WriteLine("HTML page for 10,000 devices (1,000 with 1-3 findings): " + bytes + " bytes");
            var hosts = Hosts(html);
            Assert.Equal(10000, hosts.Count);
            Assert.Equal(@"\\fs01\AppBanReports$\PC-09999.json", hosts[9998].ReportFile);
            Assert.True(bytes < 1200 * 1024, bytes + " bytes");
        }

        /// <summary>One host of the data block as the page's script reads it.</summary>
        internal sealed class HostRow
        {
            public string Computer, Address, Status, LastStatus, Source, ReportFile;
            public long? ReportedAt;
            public int[] Counts;
            public List<string[]> Details;
        }

        internal static JObject DataBlock(string html)
        {
            var block = Regex.Match(html, "<script type=\"application/json\" id=\"hosts-data\">(.*?)</script>", RegexOptions.Singleline);
            Assert.True(block.Success, "no data block");
            return JObject.Parse(block.Groups[1].Value);
        }

        /// <summary>The host rows of a page, decoded from its data block.</summary>
        internal static List<HostRow> Hosts(string html)
        {
            var data = DataBlock(html);
            var statuses = ((JArray)data["s"]).Select(t => (string)t).ToList();
            var sources = ((JArray)data["o"]).Select(t => (string)t).ToList();
            var folders = ((JArray)data["f"]).Select(t => (string)t).ToList();
            var suffixes = ((JArray)data["x"]).Select(t => (string)t).ToList();
            var end = (long)data["e"];
            JToken At(JArray r, int i) => i < r.Count && r[i].Type != JTokenType.Null ? r[i] : null;
            return ((JArray)data["h"]).Cast<JArray>().Select(r => new HostRow
            {
                Computer = (string)r[0],
                Status = statuses[(int)r[1]],
                Source = At(r, 2) == null ? null : sources[(int)r[2]],
                ReportedAt = At(r, 3) == null ? null : end - (long)r[3],
                ReportFile = At(r, 4) == null ? null
                    : r[4].Type == JTokenType.Integer ? folders[(int)r[4]] + (string)r[0] + ".json"
                    : folders[(int)r[4][0]] + (string)r[4][1],
                Address = At(r, 5) == null ? null
                    : r[5].Type != JTokenType.Integer ? (string)r[5]
                    : (int)r[5] >= 0 ? (string)r[0] + suffixes[(int)r[5]]
                    : ((string)r[0]).ToLowerInvariant() + suffixes[-(int)r[5] - 1],
                LastStatus = At(r, 6) == null ? null : statuses[(int)r[6]],
                Counts = At(r, 7) == null ? new int[5] : ((JArray)r[7]).Select(t => (int)t).ToArray(),
                Details = At(r, 8) == null ? new List<string[]>() : ((JArray)r[8]).Select(d => d.Select(t => (string)t).ToArray()).ToList(),
            }).ToList();
        }

        /// <summary>A device-report fleet: each name is the machine name, "addr-" + name the address, and the name again in every other text field.</summary>
        internal static AppBanReport Fleet(IReadOnlyList<string> names)
        {
            var report = NewBuilder().Build(Start);
            foreach (var name in names)
            {
                var target = new TargetReport
                {
                    ComputerName = "addr-" + name, MachineName = name, Source = name, ReportedAt = Start.AddHours(-1),
                    ReportFile = name, StatusDetail = name, Status = TargetStatus.NonCompliant,
                };
                target.Findings.Add(Finding("addr-" + name, name));
                report.Targets.Add(target);
            }
            report.Run.DeviceReports = names.Count;
            report.Summary.Targets = names.Count;
            return report;
        }

        /// <summary>A lone surrogate cannot be written as UTF-8: what a reader gets is U+FFFD.</summary>
        private static string Normalize(string value) => value?.Replace("\ud800", "\ufffd");

        private static string Sha256Base64(string text)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(text)));
        }
    }
}
