using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// One self-contained HTML page: summary tiles, inline SVG charts and a per-host table with a small filter
    /// script. No external asset is referenced, and a Content-Security-Policy allows only the page's own style and
    /// script blocks (by hash), so even a string that slipped past encoding could neither run nor load anything.
    /// </summary>
    internal static class HtmlReportWriter
    {
        /// <summary>How many apps the findings chart names before it groups the rest under "Other".</summary>
        public const int MaxChartApps = 12;

        internal const string Style = @"
:root{--ink:#1d2329;--muted:#5f6b76;--line:#d9dee3;--bg:#f6f7f9}
*{box-sizing:border-box}
[hidden]{display:none !important}
body{font-family:Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg);margin:0;padding:24px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:24px 0 8px}
.meta{color:var(--muted);font-size:13px;margin:0 0 4px}
.meta code{font-size:12px;word-break:break-all}
.banner{background:#fff3e0;border:1px solid #ef6c00;padding:8px 12px;margin:12px 0;border-radius:4px}
.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.tile{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px 16px;min-width:130px;border-top:4px solid var(--muted)}
.tile .num{display:block;font-size:28px;font-weight:600}
.tile .label{color:var(--muted);font-size:13px}
.tile.ok{border-top-color:#2e7d32}.tile.bad{border-top-color:#c62828}.tile.exempt{border-top-color:#6a1b9a}
.tile.unreach{border-top-color:#546e7a}.tile.fail{border-top-color:#4e342e}.tile.removed{border-top-color:#1565c0}
.tile.scheduled{border-top-color:#00838f}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{background:#fff;border:1px solid var(--line);border-radius:6px;margin:0;padding:12px}
figcaption{font-weight:600;margin-bottom:8px}
svg text{font-size:12px;fill:#1d2329}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin-bottom:8px;font-size:14px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4}
td.n{text-align:right}
.status{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px;white-space:nowrap}
.s-Compliant{background:#2e7d32}.s-Remediated{background:#1565c0}.s-NonCompliant{background:#c62828}
.s-Exempt{background:#6a1b9a}.s-GracePeriod{background:#ef6c00}.s-Partial{background:#8d6e63}
.s-Unreachable{background:#546e7a}.s-Failed{background:#4e342e}.s-NotScanned{background:#9e9e9e}.s-Scheduled{background:#00838f}
details ul{margin:4px 0;padding-left:18px}
details li{margin:2px 0;word-break:break-word}
.error{color:#c62828}.message{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:16px}
";

        internal const string Script = @"
(function () {
  'use strict';
  var text = document.getElementById('filter-text');
  var status = document.getElementById('filter-status');
  var count = document.getElementById('filter-count');
  var rows = Array.prototype.slice.call(document.querySelectorAll('#hosts tbody tr.host'));
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wanted = status.value;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = (!wanted || row.getAttribute('data-status') === wanted) &&
        (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !ok;
      if (ok) { shown++; }
    });
    count.textContent = shown + ' of ' + rows.length + ' hosts shown';
  }
  // A link can carry a filter: report.html#status=Unreachable&q=pc-1
  var wanted = new URLSearchParams(location.hash.slice(1));
  if (wanted.get('status')) { status.value = wanted.get('status'); }
  if (wanted.get('q')) { text.value = wanted.get('q'); }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  apply();
})();
";

        private static readonly Dictionary<TargetStatus, string> StatusColors = new Dictionary<TargetStatus, string>
        {
            [TargetStatus.Compliant] = "#2e7d32",
            [TargetStatus.Remediated] = "#1565c0",
            [TargetStatus.NonCompliant] = "#c62828",
            [TargetStatus.Exempt] = "#6a1b9a",
            [TargetStatus.GracePeriod] = "#ef6c00",
            [TargetStatus.Partial] = "#8d6e63",
            [TargetStatus.Unreachable] = "#546e7a",
            [TargetStatus.Failed] = "#4e342e",
            [TargetStatus.NotScanned] = "#9e9e9e",
            [TargetStatus.Scheduled] = "#00838f",
            [TargetStatus.Stale] = "#795548",
            [TargetStatus.NotReporting] = "#757575",
        };

        /// <summary>The Content-Security-Policy the page carries.</summary>
        public static string ContentSecurityPolicy =>
            "default-src 'none'; style-src '" + CspHash(Style) + "'; script-src '" + CspHash(Script) + "'; " +
            "img-src 'none'; font-src 'none'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'";

        public static void Write(AppBanReport report, TextWriter writer)
        {
            var summary = report.Summary ?? ReportBuilder.Summarize(report);
            var run = report.Run ?? new ReportRun();
            var html = new StringBuilder(16 * 1024);
            html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
            html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">\n");
            html.Append("<meta name=\"referrer\" content=\"no-referrer\">\n");
            html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
            html.Append("<title>AppBan report").Append(string.IsNullOrEmpty(run.PolicyName) ? "" : " - " + Encode(run.PolicyName))
                .Append(" - ").Append(Encode(Date(run.EndTime))).Append("</title>\n");
            html.Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

            AppendHeader(html, run, summary);
            AppendTiles(html, summary);
            html.Append("<section class=\"charts\">\n");
            AppendStatusChart(html, summary);
            AppendAppChart(html, summary);
            html.Append("</section>\n");
            AppendHostTable(html, report);
            AppendPolicyExemptionChanges(html, report);
            html.Append("<footer>Generated by AppBan ").Append(Encode(run.ModuleVersion)).Append(". Times are UTC.</footer>\n");
            html.Append("<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
            writer.Write(html.ToString());
        }

        private static void AppendHeader(StringBuilder html, ReportRun run, ReportSummary summary)
        {
            html.Append("<header>\n<h1>AppBan compliance report</h1>\n");
            html.Append("<p class=\"meta\" id=\"run-policy\">Policy <b>").Append(Encode(run.PolicyName ?? "(not given)")).Append("</b>");
            if (!string.IsNullOrEmpty(run.PolicySha256))
                html.Append(" &middot; SHA-256 <code>").Append(Encode(run.PolicySha256)).Append("</code>");
            html.Append("</p>\n<p class=\"meta\" id=\"run-times\">Started ").Append(Encode(Date(run.StartTime)))
                .Append(" &middot; ended ").Append(Encode(Date(run.EndTime)))
                .Append(" &middot; operator ").Append(Encode(run.Operator ?? "(unknown)"))
                .Append(" &middot; host ").Append(Encode(run.Host ?? "(unknown)"))
                .Append(" &middot; module ").Append(Encode(run.ModuleVersion ?? "(unknown)"))
                .Append(" &middot; exit code ").Append(summary.ExitCode.ToString(CultureInfo.InvariantCulture)).Append("</p>\n");
            if (run.Cancelled)
                html.Append("<p class=\"banner\" id=\"cancelled\">The run was cancelled. This report holds what finished before the cancel; targets not reached are listed as Not scanned.</p>\n");
            html.Append("</header>\n");
        }

        private static void AppendTiles(StringBuilder html, ReportSummary summary)
        {
            html.Append("<section class=\"tiles\" id=\"tiles\">\n");
            Tile(html, "targets", "", summary.Targets, "Targets");
            Tile(html, "compliant", "ok", summary.Compliant,
                summary.Remediated > 0 ? "Compliant (" + summary.Remediated.ToString(CultureInfo.InvariantCulture) + " remediated)" : "Compliant");
            Tile(html, "noncompliant", "bad", summary.NonCompliant, "Non-compliant");
            Tile(html, "scheduled", "scheduled", summary.Scheduled, "Waiting for a user (scheduled)");
            Tile(html, "exempt", "exempt", summary.Exempt, "Exempt");
            Tile(html, "unreachable", "unreach", summary.Unreachable, "Unreachable");
            Tile(html, "failed", "fail", summary.Failed, "Failed");
            Tile(html, "removed", "removed", summary.Removed, "Apps removed");
            Tile(html, "scheduledactions", "scheduled", summary.ScheduledActions, "Removals scheduled for users");
            html.Append("</section>\n");
        }

        private static void Tile(StringBuilder html, string id, string cssClass, int count, string label)
        {
            var n = count.ToString(CultureInfo.InvariantCulture);
            html.Append("<div class=\"tile ").Append(cssClass).Append("\" id=\"tile-").Append(id).Append("\" data-count=\"").Append(n)
                .Append("\"><span class=\"num\">").Append(n).Append("</span><span class=\"label\">").Append(Encode(label)).Append("</span></div>\n");
        }

        private static void AppendStatusChart(StringBuilder html, ReportSummary summary)
        {
            var bars = Enum.GetValues(typeof(TargetStatus)).Cast<TargetStatus>()
                .Select(s => new Bar(StatusLabel(s), summary.ByStatus.TryGetValue(s.ToString(), out var c) ? c : 0, StatusColors[s], s.ToString()))
                .Where(b => b.Count > 0)
                .ToList();
            html.Append("<figure id=\"chart-status\"><figcaption>Compliance by status</figcaption>\n");
            AppendBarChart(html, "svg-status", "Targets by compliance status", bars, "No targets");
            html.Append("</figure>\n");
        }

        private static void AppendAppChart(StringBuilder html, ReportSummary summary)
        {
            var ordered = summary.FindingsByApp.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.OrdinalIgnoreCase).ToList();
            var bars = ordered.Take(MaxChartApps).Select(kv => new Bar(kv.Key, kv.Value, "#c62828", null)).ToList();
            if (ordered.Count > MaxChartApps)
            {
                var rest = ordered.Skip(MaxChartApps).ToList();
                bars.Add(new Bar("Other (" + rest.Count.ToString(CultureInfo.InvariantCulture) + " apps)", rest.Sum(kv => kv.Value), "#8d6e63", null));
            }
            html.Append("<figure id=\"chart-apps\"><figcaption>Findings by app</figcaption>\n");
            AppendBarChart(html, "svg-apps", "Findings by app", bars, "No findings");
            html.Append("</figure>\n");
        }

        private static void AppendBarChart(StringBuilder html, string id, string title, List<Bar> bars, string emptyText)
        {
            const int labelWidth = 170, barArea = 260, rowHeight = 24, barHeight = 16, countWidth = 50;
            var height = Math.Max(1, bars.Count) * rowHeight + 8;
            var width = labelWidth + barArea + countWidth;
            var max = bars.Count == 0 ? 1 : Math.Max(1, bars.Max(b => b.Count));
            html.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"").Append(id).Append("\" role=\"img\" width=\"").Append(width)
                .Append("\" height=\"").Append(height).Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height)
                .Append("\"><title>").Append(Encode(title)).Append("</title>\n");
            if (bars.Count == 0)
                html.Append("<text x=\"4\" y=\"18\">").Append(Encode(emptyText)).Append("</text>\n");
            for (var i = 0; i < bars.Count; i++)
            {
                var bar = bars[i];
                var y = 4 + i * rowHeight;
                var barWidth = Math.Max(2, (int)Math.Round(barArea * (double)bar.Count / max));
                var count = bar.Count.ToString(CultureInfo.InvariantCulture);
                html.Append("<g class=\"bar\"");
                if (bar.Key != null) html.Append(" data-status=\"").Append(Encode(bar.Key)).Append('"');
                html.Append(" data-count=\"").Append(count).Append("\"><title>").Append(Encode(bar.Label)).Append(": ").Append(count).Append("</title>");
                html.Append("<text x=\"0\" y=\"").Append(y + 13).Append("\">").Append(Encode(Shorten(bar.Label, 26))).Append("</text>");
                html.Append("<rect x=\"").Append(labelWidth).Append("\" y=\"").Append(y).Append("\" width=\"").Append(barWidth)
                    .Append("\" height=\"").Append(barHeight).Append("\" fill=\"").Append(bar.Color).Append("\"></rect>");
                html.Append("<text x=\"").Append(labelWidth + barWidth + 6).Append("\" y=\"").Append(y + 13).Append("\">").Append(count).Append("</text></g>\n");
            }
            html.Append("</svg>\n");
        }

        private static void AppendHostTable(StringBuilder html, AppBanReport report)
        {
            html.Append("<section>\n<h2>Hosts</h2>\n<div class=\"filters\">");
            html.Append("<label>Search <input id=\"filter-text\" type=\"search\" placeholder=\"computer, app, error...\"></label>");
            html.Append("<label>Status <select id=\"filter-status\"><option value=\"\">All</option>");
            foreach (TargetStatus status in Enum.GetValues(typeof(TargetStatus)))
                html.Append("<option value=\"").Append(status).Append("\">").Append(Encode(StatusLabel(status))).Append("</option>");
            html.Append("</select></label><span id=\"filter-count\">")
                .Append(report.Targets.Count.ToString(CultureInfo.InvariantCulture)).Append(" hosts</span></div>\n");
            html.Append("<table id=\"hosts\">\n<thead><tr><th>Computer</th><th>Status</th><th>Findings</th><th>Removed</th>")
                .Append("<th>Failed actions</th><th>Exemption changes</th><th>Errors</th><th>Details</th></tr></thead>\n<tbody>\n");
            foreach (var target in report.Targets)
            {
                html.Append("<tr class=\"host\" data-status=\"").Append(target.Status).Append("\"><td class=\"computer\">")
                    .Append(Encode(target.ComputerName)).Append("</td><td><span class=\"status s-").Append(target.Status).Append("\">")
                    .Append(Encode(StatusLabel(target.Status))).Append("</span></td>");
                Cell(html, target.Findings.Count);
                Cell(html, target.Actions.Count(a => a.Outcome == ActionOutcome.Removed));
                Cell(html, target.Actions.Count(a => a.Outcome == ActionOutcome.Failed));
                Cell(html, target.ExemptionChanges.Count);
                Cell(html, target.Errors.Count);
                html.Append("<td>");
                AppendDetails(html, target);
                html.Append("</td></tr>\n");
            }
            html.Append("</tbody>\n</table>\n</section>\n");
        }

        private static void AppendPolicyExemptionChanges(StringBuilder html, AppBanReport report)
        {
            var changes = report.PolicyExemptionChanges;
            if (changes == null || changes.Count == 0) return;
            html.Append("<section>\n<h2>Policy exemption changes</h2>\n<table id=\"policy-exemptions\">\n<thead><tr><th>Change</th><th>Id</th>")
                .Append("<th>Rule</th><th>User</th><th>Computer</th><th>Expires</th><th>Reason</th><th>Approved by</th><th>Changed by</th><th>File</th></tr></thead>\n<tbody>\n");
            foreach (var c in changes)
            {
                html.Append("<tr class=\"policy-exemption\">");
                foreach (var text in new[] { c.Change, c.ExemptionId, c.RuleId, c.UserName ?? c.UserSid, c.CoveredComputer,
                    c.Expires.HasValue ? Date(c.Expires.Value) : "never", c.Reason, c.ApprovedBy, c.ChangedBy, c.Location })
                    html.Append("<td>").Append(Encode(text)).Append("</td>");
                html.Append("</tr>\n");
            }
            html.Append("</tbody>\n</table>\n</section>\n");
        }

        private static void AppendDetails(StringBuilder html, TargetReport target)
        {
            var items = new List<string>();
            if (!string.IsNullOrEmpty(target.StatusDetail)) items.Add(Encode(target.StatusDetail));
            foreach (var f in target.Findings)
                items.Add("Finding <b>" + Encode(f.Status) + "</b>: " + Encode(f.AppName) + Suffix(" ", f.Version)
                    + Suffix(" (rule ", f.RuleId, ")") + Suffix(", user ", f.UserName ?? f.UserSid)
                    + Suffix(", exemption ", f.ExemptionId) + Suffix(", enforced after ", f.EnforceAfter.HasValue ? Date(f.EnforceAfter.Value) : null));
            foreach (var a in target.Actions)
                items.Add("Removal <b>" + Encode(a.Status) + "</b>: " + Encode(a.AppName) + Suffix(" ", a.Version)
                    + Suffix(" via ", a.Method) + Suffix(", exit code ", a.ExitCode?.ToString(CultureInfo.InvariantCulture))
                    + (a.RebootRequired ? ", reboot required" : "") + Explanation("error", a.Error) + Explanation("message", a.Message));
            foreach (var c in target.ExemptionChanges)
                items.Add("Exemption <b>" + Encode(c.Change) + "</b>: " + Encode(c.ExemptionId) + Suffix(" (rule ", c.RuleId, ")")
                    + Suffix(", user ", c.UserName ?? c.UserSid) + Suffix(", by ", c.ChangedBy) + Suffix(": ", c.Reason));
            foreach (var e in target.Errors)
                items.Add("Error <b>" + Encode(e.ErrorId) + "</b>" + Suffix(" (", e.AppName, ")") + Explanation("error", e.Message));
            if (items.Count == 0) return;
            html.Append("<details><summary>").Append(items.Count.ToString(CultureInfo.InvariantCulture))
                .Append(items.Count == 1 ? " item" : " items").Append("</summary><ul>");
            foreach (var item in items) html.Append("<li>").Append(item).Append("</li>");
            html.Append("</ul></details>");
        }

        private static string Suffix(string before, string value, string after = "") =>
            string.IsNullOrEmpty(value) ? string.Empty : Encode(before) + Encode(value) + Encode(after);

        /// <summary>": text" in a span of the class, so that failures (error) read apart from other explanations (message).</summary>
        private static string Explanation(string cssClass, string text) =>
            string.IsNullOrEmpty(text) ? string.Empty : ": <span class=\"" + cssClass + "\">" + Encode(text) + "</span>";

        private static void Cell(StringBuilder html, int count) =>
            html.Append("<td class=\"n\">").Append(count.ToString(CultureInfo.InvariantCulture)).Append("</td>");

        public static string StatusLabel(TargetStatus status)
        {
            switch (status)
            {
                case TargetStatus.NonCompliant: return "Non-compliant";
                case TargetStatus.GracePeriod: return "Grace period";
                case TargetStatus.NotScanned: return "Not scanned";
                case TargetStatus.Scheduled: return "Scheduled";
                default: return status.ToString();
            }
        }

        /// <summary>
        /// Encodes text for HTML element content and quoted attribute values. Control characters that HTML does
        /// not allow become U+FFFD, so hostile input cannot break the document's structure either.
        /// </summary>
        public static string Encode(string value)
        {
            if (string.IsNullOrEmpty(value)) return string.Empty;
            var encoded = new StringBuilder(value.Length + 16);
            foreach (var ch in value)
            {
                switch (ch)
                {
                    case '&': encoded.Append("&amp;"); break;
                    case '<': encoded.Append("&lt;"); break;
                    case '>': encoded.Append("&gt;"); break;
                    case '"': encoded.Append("&quot;"); break;
                    case '\'': encoded.Append("&#39;"); break;
                    default:
                        if ((ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || (ch >= 0x7f && ch <= 0x9f)) encoded.Append('\uFFFD');
                        else encoded.Append(ch);
                        break;
                }
            }
            return encoded.ToString();
        }

        internal static string CspHash(string content)
        {
            using (var sha = SHA256.Create())
                return "sha256-" + Convert.ToBase64String(sha.ComputeHash(Encoding.UTF8.GetBytes(content)));
        }

        private static string Shorten(string text, int max) =>
            text == null || text.Length <= max ? text : text.Substring(0, max - 1) + "\u2026";

        private static string Date(DateTimeOffset value) =>
            value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

        private sealed class Bar
        {
            public Bar(string label, int count, string color, string key)
            {
                Label = label; Count = count; Color = color; Key = key;
            }
            public string Label { get; }
            public int Count { get; }
            public string Color { get; }
            public string Key { get; }
        }
    }
}
