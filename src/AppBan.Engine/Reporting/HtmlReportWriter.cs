using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// One self-contained HTML page: summary tiles, inline SVG charts, progress per rule, expiring exemptions, rejected
    /// device report files and a per-host table that the page's script builds, 100 rows at a time, from a JSON data
    /// block (a fleet of 10,000 devices stays a page of a few hundred KB and opens at once). No external asset is
    /// referenced, and a Content-Security-Policy allows only the page's own style and script blocks (by hash), so even
    /// a string that slipped past encoding could neither run nor load anything. The data block is not a script the
    /// browser runs (type application/json), so the policy leaves reading its text to the page's script.
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
.tile.scheduled{border-top-color:#00838f}.tile.user{border-top-color:#ad1457}.tile.stale{border-top-color:#f9a825}
.tile.notreporting{border-top-color:#757575}.tile.rejected{border-top-color:#bf360c}
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
.s-Stale{background:#f9a825;color:#1d2329}.s-NotReporting{background:#757575}
.addr,.last{color:var(--muted);font-size:12px}
.charts.history{margin-top:16px}
.pager{display:flex;gap:12px;align-items:center;margin:8px 0;font-size:14px}
svg .deadline{stroke:#c62828;stroke-dasharray:4 3}svg .axis{stroke:#9e9e9e}svg .line{fill:none;stroke:#c62828;stroke-width:2}
details ul{margin:4px 0;padding-left:18px}
details li{margin:2px 0;word-break:break-word}
.error{color:#c62828}.message{color:var(--muted)}
footer{color:var(--muted);font-size:12px;margin-top:16px}
";

        internal const string Script = @"
(function () {
  'use strict';
  // The rows come from the data block (see HtmlReportWriter.AppendHostData for its keys); only textContent is set.
  var data = JSON.parse(document.getElementById('hosts-data').textContent);
  var rows = data.h, kinds = ['Finding', 'Removal', 'Exemption', 'Error'], pageSize = data.p;
  var text = document.getElementById('filter-text');
  var status = document.getElementById('filter-status');
  var count = document.getElementById('filter-count');
  var body = document.querySelector('#hosts tbody');
  var prev = document.getElementById('page-prev'), next = document.getElementById('page-next');
  var pageInfo = document.getElementById('page-info');
  var matches = rows, page = 0, haystacks = null;
  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (content !== undefined && content !== null) { e.textContent = content; }
    return e;
  }
  function date(secondsBeforeEnd) { return new Date((data.e - secondsBeforeEnd) * 1000).toISOString().slice(0, 19).replace('T', ' ') + ' UTC'; }
  function has(value) { return value !== undefined && value !== null; }
  // A row: [computer, status, source, reported (seconds before the run's end), report file, address, last status, counts, details].
  function items(r) {
    var list = (r[8] || []).slice();
    if (has(r[4])) {
      var file = typeof r[4] === 'number' ? [r[4], r[0] + '.json'] : r[4];
      list.unshift([4, '', 'Report file ' + data.f[file[0]] + file[1]]);
    }
    return list;
  }
  // The address: a string, or the computer (>= 0) or its lower case (< 0) followed by a suffix of data.x.
  function address(r) {
    var a = r[5];
    if (typeof a !== 'number') { return a || ''; }
    return a >= 0 ? r[0] + data.x[a] : r[0].toLowerCase() + data.x[-a - 1];
  }
  function haystack(r) {
    var parts = [r[0], address(r), data.l[r[1]], has(r[6]) ? data.l[r[6]] : '', has(r[2]) ? data.o[r[2]] : ''];
    items(r).forEach(function (item) { parts.push(item.slice(1).join(' ')); });
    return parts.join(' ').toLowerCase();
  }
  // [kind, bold, text, error, message]; kind 4 is plain text (the status detail, the report file).
  function detailItem(item) {
    var li = el('li');
    if (item[0] < 4) {
      li.appendChild(document.createTextNode(kinds[item[0]] + ' '));
      li.appendChild(el('b', null, item[1] || ''));
      li.appendChild(document.createTextNode(': ' + (item[2] || '')));
    } else {
      li.textContent = item[2] || '';
    }
    if (item[3]) { li.appendChild(document.createTextNode(': ')); li.appendChild(el('span', 'error', item[3])); }
    if (item[4]) { li.appendChild(document.createTextNode(': ')); li.appendChild(el('span', 'message', item[4])); }
    return li;
  }
  function details(items) {
    var box = el('details');
    box.appendChild(el('summary', null, items.length + (items.length === 1 ? ' item' : ' items')));
    // The list is built when the row is opened, so a large fleet does not build thousands of lists up front.
    box.addEventListener('toggle', function () {
      if (!box.open || box.querySelector('ul')) { return; }
      var list = el('ul');
      items.forEach(function (item) { list.appendChild(detailItem(item)); });
      box.appendChild(list);
    });
    return box;
  }
  function hostRow(r) {
    var tr = el('tr', 'host');
    tr.setAttribute('data-status', data.s[r[1]]);
    var computer = el('td', 'computer', r[0]);
    if (has(r[5])) { computer.appendChild(document.createTextNode(' ')); computer.appendChild(el('span', 'addr', 'at ' + address(r))); }
    tr.appendChild(computer);
    var state = el('td');
    state.appendChild(el('span', 'status s-' + data.s[r[1]], data.l[r[1]]));
    if (has(r[6])) { state.appendChild(document.createTextNode(' ')); state.appendChild(el('span', 'last', 'last: ' + data.l[r[6]])); }
    tr.appendChild(state);
    tr.appendChild(el('td', 'source', has(r[2]) ? data.o[r[2]] : ''));
    tr.appendChild(el('td', 'reported', has(r[3]) ? date(r[3]) : ''));
    (r[7] || [0, 0, 0, 0, 0]).forEach(function (value) { tr.appendChild(el('td', 'n', String(value))); });
    var cell = el('td'), list = items(r);
    if (list.length) { cell.appendChild(details(list)); }
    tr.appendChild(cell);
    return tr;
  }
  function render() {
    var pages = Math.max(1, Math.ceil(matches.length / pageSize));
    page = Math.min(Math.max(page, 0), pages - 1);
    var first = page * pageSize, last = Math.min(matches.length, first + pageSize);
    var fragment = document.createDocumentFragment();
    for (var i = first; i < last; i++) { fragment.appendChild(hostRow(matches[i])); }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    body.appendChild(fragment);
    count.textContent = matches.length + ' of ' + rows.length + ' hosts shown';
    pageInfo.textContent = matches.length === 0 ? 'page 1 of 1' :
      'rows ' + (first + 1) + '-' + last + ', page ' + (page + 1) + ' of ' + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  function apply() {
    var needle = text.value.trim().toLowerCase();
    var wanted = status.value;
    if (needle && !haystacks) { haystacks = rows.map(haystack); }
    matches = rows.filter(function (r, i) {
      return (!wanted || data.s[r[1]] === wanted) && (!needle || haystacks[i].indexOf(needle) !== -1);
    });
    page = 0;
    render();
  }
  // A link can carry a filter: report.html#status=Unreachable&q=pc-1
  function fromLink() {
    var wanted = new URLSearchParams(location.hash.slice(1));
    status.value = wanted.get('status') || '';
    text.value = wanted.get('q') || '';
    apply();
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  prev.addEventListener('click', function () { page--; render(); });
  next.addEventListener('click', function () { page++; render(); });
  window.addEventListener('hashchange', fromLink);
  fromLink();
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
            [TargetStatus.Stale] = "#f9a825",
            [TargetStatus.NotReporting] = "#757575",
        };

        /// <summary>Host rows the page's script shows at a time.</summary>
        public const int PageSize = 100;

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
            AppendRules(html, summary);
            AppendHistoryChart(html, report.History);
            AppendHostTable(html, report);
            AppendExpiringExemptions(html, report.ExpiringExemptions);
            AppendRejectedReports(html, report.RejectedReports);
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
            if (run.DeviceReports > 0)
                html.Append("<p class=\"meta\" id=\"run-fleet\">Fleet report: ").Append(run.DeviceReports.ToString(CultureInfo.InvariantCulture))
                    .Append(run.DeviceReports == 1 ? " device report merged" : " device reports merged")
                    .Append(run.StaleAfterDays.HasValue
                        ? ", stale after " + run.StaleAfterDays.Value.ToString("0.###", CultureInfo.InvariantCulture) + " days"
                        : ", no age limit").Append("</p>\n");
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
            Tile(html, "requiresuseraction", "user", summary.RequiresUserAction, "Need their user to act");
            Tile(html, "stale", "stale", summary.Stale, "Stale (report too old)");
            Tile(html, "notreporting", "notreporting", summary.NotReporting, "Not reporting");
            Tile(html, "rejected", "rejected", summary.RejectedReports, "Report files rejected");
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
            html.Append("<table id=\"hosts\">\n<thead><tr><th>Computer</th><th>Status</th><th>Source</th><th>Reported</th><th>Findings</th><th>Removed</th>")
                .Append("<th>Failed actions</th><th>Exemption changes</th><th>Errors</th><th>Details</th></tr></thead>\n<tbody></tbody>\n</table>\n");
            html.Append("<div class=\"pager\"><button type=\"button\" id=\"page-prev\">Previous</button><span id=\"page-info\"></span>")
                .Append("<button type=\"button\" id=\"page-next\">Next</button></div>\n");
            html.Append("<script type=\"application/json\" id=\"hosts-data\">");
            AppendHostData(html, report);
            html.Append("</script>\n</section>\n");
        }

        /// <summary>
        /// The host rows as one JSON object the page's script renders <see cref="PageSize"/> at a time. Short keys and
        /// rows as arrays keep a 10,000-device page small: p page size; s status names and l their labels; o sources;
        /// e the run's end (Unix seconds); f report file folders; h the rows, each [computer (machine name, else the
        /// name given), status, source, reported at (seconds before e), report file (a folder index when the file is
        /// named computer + ".json", else [folder index, file name]), address reached when it differs from the
        /// computer (k: the computer + x[k]; -k-1: the computer in lower case + x[k], as "pc-1.corp.example" is
        /// written for PC-1; else the whole address), last status of a stale device, [findings, removed, failed actions, exemption changes, errors]
        /// when any is not 0, detail items [kind, bold, text, error, message]], null where empty, trailing nulls left
        /// out (the most common fields come first, so a compliant device's row ends early). Every string is written with HTML's characters escaped (\u003c...) and U+2028/2029 escaped, so no
        /// string can end the block or open a comment in it.
        /// </summary>
        private static void AppendHostData(StringBuilder html, AppBanReport report)
        {
            var statuses = Enum.GetValues(typeof(TargetStatus)).Cast<TargetStatus>().ToList();
            var sources = new List<string>();
            var folders = new List<string>();
            var suffixes = new List<string>();
            var end = (report.Run ?? new ReportRun()).EndTime.ToUnixTimeSeconds();
            using (var text = new StringWriter(html, CultureInfo.InvariantCulture))
            using (var json = new JsonTextWriter(text) { StringEscapeHandling = StringEscapeHandling.EscapeHtml, Formatting = Formatting.None, CloseOutput = false })
            {
                json.WriteStartObject();
                json.WritePropertyName("p");
                json.WriteValue(PageSize);
                json.WritePropertyName("e");
                json.WriteValue(end);
                json.WritePropertyName("s");
                json.WriteStartArray();
                foreach (var status in statuses) json.WriteValue(status.ToString());
                json.WriteEndArray();
                json.WritePropertyName("l");
                json.WriteStartArray();
                foreach (var status in statuses) json.WriteValue(StatusLabel(status));
                json.WriteEndArray();
                json.WritePropertyName("h");
                json.WriteStartArray();
                var row = new object[9];
                foreach (var target in report.Targets)
                {
                    Array.Clear(row, 0, row.Length);
                    var computer = (string.IsNullOrEmpty(target.MachineName) ? target.ComputerName : target.MachineName) ?? string.Empty;
                    row[0] = computer;
                    row[1] = statuses.IndexOf(target.Status);
                    if (!string.IsNullOrEmpty(target.Source)) row[2] = IndexIn(sources, target.Source);
                    if (target.ReportedAt.HasValue) row[3] = end - target.ReportedAt.Value.ToUnixTimeSeconds();
                    if (!string.IsNullOrEmpty(target.ComputerName) && !string.Equals(computer, target.ComputerName, StringComparison.OrdinalIgnoreCase))
                        row[5] = Address(target.ComputerName, computer, suffixes);
                    if (target.LastStatus.HasValue) row[6] = statuses.IndexOf(target.LastStatus.Value);
                    var counts = new[]
                    {
                        target.Findings.Count,
                        target.Actions.Count(a => a.Outcome == ActionOutcome.Removed),
                        target.Actions.Count(a => a.Outcome == ActionOutcome.Failed),
                        target.ExemptionChanges.Count,
                        target.Errors.Count,
                    };
                    if (counts.Any(c => c != 0)) row[7] = counts;
                    var items = DetailItems(target);
                    if (items.Count > 0) row[8] = items;
                    if (!string.IsNullOrEmpty(target.ReportFile))
                    {
                        var cut = target.ReportFile.LastIndexOfAny(new[] { '/', '\\' }) + 1;
                        var folder = IndexIn(folders, target.ReportFile.Substring(0, cut));
                        var name = target.ReportFile.Substring(cut);
                        row[4] = name == computer + ".json" ? (object)folder : new object[] { folder, name };
                    }
                    var last = row.Length;
                    while (row[last - 1] == null) last--;
                    json.WriteStartArray();
                    for (var i = 0; i < last; i++) WriteCell(json, row[i]);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                json.WritePropertyName("o");
                json.WriteStartArray();
                foreach (var source in sources) json.WriteValue(source);
                json.WriteEndArray();
                json.WritePropertyName("x");
                json.WriteStartArray();
                foreach (var suffix in suffixes) json.WriteValue(suffix);
                json.WriteEndArray();
                json.WritePropertyName("f");
                json.WriteStartArray();
                foreach (var folder in folders) json.WriteValue(folder);
                json.WriteEndArray();
                json.WriteEndObject();
            }
        }

        /// <summary>The address as the data block writes it (see <see cref="AppendHostData"/>).</summary>
        private static object Address(string address, string computer, List<string> suffixes)
        {
            if (computer.Length > 0 && address.StartsWith(computer, StringComparison.Ordinal))
                return IndexIn(suffixes, address.Substring(computer.Length));
            // Only ASCII lower-cases the same in .NET and in the page's script.
            var lower = computer.ToLowerInvariant();
            if (computer.Length > 0 && computer.All(c => c < 128) && address.StartsWith(lower, StringComparison.Ordinal))
                return -IndexIn(suffixes, address.Substring(lower.Length)) - 1;
            return address;
        }

        private static int IndexIn(List<string> list, string value)
        {
            var index = list.IndexOf(value);
            if (index >= 0) return index;
            list.Add(value);
            return list.Count - 1;
        }

        private static void WriteCell(JsonTextWriter json, object value)
        {
            switch (value)
            {
                case null: json.WriteNull(); break;
                case string text: json.WriteValue(text); break;
                case int number: json.WriteValue(number); break;
                case long number: json.WriteValue(number); break;
                case int[] numbers:
                    json.WriteStartArray();
                    foreach (var n in numbers) json.WriteValue(n);
                    json.WriteEndArray();
                    break;
                case object[] pair:
                    json.WriteStartArray();
                    foreach (var part in pair) WriteCell(json, part);
                    json.WriteEndArray();
                    break;
                case List<DetailItem> items:
                    json.WriteStartArray();
                    foreach (var item in items)
                    {
                        json.WriteStartArray();
                        json.WriteValue(item.Kind);
                        var last = item.Message != null ? 4 : item.Error != null ? 3 : 2;
                        var parts = new[] { item.Bold, item.Text, item.Error, item.Message };
                        for (var i = 0; i < last; i++) json.WriteValue(parts[i] ?? string.Empty);
                        json.WriteEndArray();
                    }
                    json.WriteEndArray();
                    break;
                default: throw new ArgumentException("Not a cell of the host data: " + value.GetType().Name, nameof(value));
            }
        }

        /// <summary>One line of a host's details: Kind 0 finding, 1 removal, 2 exemption change, 3 error, 4 plain text.</summary>
        private sealed class DetailItem
        {
            public int Kind;
            public string Bold;
            public string Text;
            public string Error;
            public string Message;
        }

        private static List<DetailItem> DetailItems(TargetReport target)
        {
            var items = new List<DetailItem>();
            if (!string.IsNullOrEmpty(target.StatusDetail)) items.Add(new DetailItem { Kind = 4, Text = target.StatusDetail });
            foreach (var f in target.Findings)
                items.Add(new DetailItem
                {
                    Kind = 0, Bold = f.Status,
                    Text = f.AppName + Plain(" ", f.Version) + Plain(" (rule ", f.RuleId, ")") + Plain(", user ", f.UserName ?? f.UserSid)
                        + Plain(", exemption ", f.ExemptionId) + Plain(", expires ", f.ExemptionExpires.HasValue ? Date(f.ExemptionExpires.Value) : null)
                        + Plain(", enforced after ", f.EnforceAfter.HasValue ? Date(f.EnforceAfter.Value) : null),
                });
            foreach (var a in target.Actions)
                items.Add(new DetailItem
                {
                    Kind = 1, Bold = a.Status,
                    Text = a.AppName + Plain(" ", a.Version) + Plain(" via ", a.Method) + Plain(", exit code ", a.ExitCode?.ToString(CultureInfo.InvariantCulture))
                        + (a.RebootRequired ? ", reboot required" : ""),
                    Error = string.IsNullOrEmpty(a.Error) ? null : a.Error,
                    Message = string.IsNullOrEmpty(a.Message) ? null : a.Message,
                });
            foreach (var c in target.ExemptionChanges)
                items.Add(new DetailItem
                {
                    Kind = 2, Bold = c.Change,
                    Text = c.ExemptionId + Plain(" (rule ", c.RuleId, ")") + Plain(", user ", c.UserName ?? c.UserSid) + Plain(", by ", c.ChangedBy) + Plain(": ", c.Reason),
                });
            foreach (var e in target.Errors)
                items.Add(new DetailItem
                {
                    Kind = 3, Bold = e.ErrorId, Text = Plain("", e.AppName),
                    Error = string.IsNullOrEmpty(e.Message) ? null : e.Message,
                });
            return items;
        }

        private static string Plain(string before, string value, string after = "") =>
            string.IsNullOrEmpty(value) ? string.Empty : before + value + after;

        private static void AppendRules(StringBuilder html, ReportSummary summary)
        {
            var rules = summary.Rules;
            if (rules == null || rules.Count == 0) return;
            html.Append("<section>\n<h2>Progress per rule</h2>\n<table id=\"rules\">\n<thead><tr><th>Rule</th><th>Deadline</th><th>Days left</th>")
                .Append("<th>Violation</th><th>Needs user action</th><th>Scheduled</th><th>Grace period</th><th>Exempt</th><th>Clean</th><th>No data</th></tr></thead>\n<tbody>\n");
            foreach (var rule in rules)
            {
                var name = string.IsNullOrEmpty(rule.RuleName) ? rule.RuleId
                    : rule.RuleName + (string.IsNullOrEmpty(rule.RuleId) || rule.RuleId == rule.RuleName ? "" : " (" + rule.RuleId + ")");
                html.Append("<tr class=\"rule\"><td>").Append(Encode(name)).Append("</td><td>")
                    .Append(rule.EnforceAfter.HasValue ? Encode(Date(rule.EnforceAfter.Value)) : "none").Append("</td>");
                html.Append("<td class=\"n\">").Append(rule.DaysLeft.HasValue ? rule.DaysLeft.Value.ToString(CultureInfo.InvariantCulture) : "").Append("</td>");
                foreach (var count in new[] { rule.Violation, rule.RequiresUserAction, rule.Scheduled, rule.GracePeriod, rule.Exempt, rule.Clean, rule.NoData })
                    Cell(html, count);
                html.Append("</tr>\n");
            }
            html.Append("</tbody>\n</table>\n</section>\n");
        }

        /// <summary>Devices in violation at each point, with the deadline as a vertical line; drawn only with 2+ points.</summary>
        private static void AppendHistoryChart(StringBuilder html, List<ReportHistoryPoint> history)
        {
            if (history == null || history.Count < 2) return;
            const int width = 560, height = 220, left = 48, right = 16, top = 18, bottom = 36;
            var points = history.OrderBy(p => p.Time).ToList();
            var deadline = points[points.Count - 1].Deadline;
            var minTime = points[0].Time;
            var maxTime = points[points.Count - 1].Time;
            if (deadline.HasValue && deadline.Value < minTime) minTime = deadline.Value;
            if (deadline.HasValue && deadline.Value > maxTime) maxTime = deadline.Value;
            var span = Math.Max(1.0, (maxTime - minTime).TotalSeconds);
            var maxY = Math.Max(1, points.Max(p => p.Violation));
            Func<DateTimeOffset, double> x = t => left + (width - left - right) * (t - minTime).TotalSeconds / span;
            Func<int, double> y = v => top + (height - top - bottom) * (1 - (double)v / maxY);
            var bottomY = height - bottom;
            html.Append("<section class=\"charts history\">\n<figure id=\"chart-history\"><figcaption>Devices in violation over time</figcaption>\n");
            html.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"svg-history\" role=\"img\" width=\"").Append(width).Append("\" height=\"").Append(height)
                .Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\"><title>Devices in violation over time</title>\n");
            html.Append("<line class=\"axis\" x1=\"").Append(left).Append("\" y1=\"").Append(bottomY).Append("\" x2=\"").Append(width - right)
                .Append("\" y2=\"").Append(bottomY).Append("\"></line>");
            html.Append("<line class=\"axis\" x1=\"").Append(left).Append("\" y1=\"").Append(top).Append("\" x2=\"").Append(left)
                .Append("\" y2=\"").Append(bottomY).Append("\"></line>\n");
            html.Append("<text x=\"4\" y=\"").Append(top + 4).Append("\">").Append(maxY.ToString(CultureInfo.InvariantCulture)).Append("</text>");
            html.Append("<text x=\"4\" y=\"").Append(bottomY).Append("\">0</text>");
            html.Append("<text x=\"").Append(left).Append("\" y=\"").Append(height - 8).Append("\">").Append(Encode(Day(minTime))).Append("</text>");
            html.Append("<text x=\"").Append(width - right).Append("\" y=\"").Append(height - 8).Append("\" text-anchor=\"end\">").Append(Encode(Day(maxTime))).Append("</text>\n");
            if (deadline.HasValue)
            {
                var dx = Num(x(deadline.Value));
                html.Append("<g id=\"history-deadline\"><title>Deadline ").Append(Encode(Date(deadline.Value))).Append("</title><line class=\"deadline\" x1=\"").Append(dx)
                    .Append("\" y1=\"").Append(top).Append("\" x2=\"").Append(dx).Append("\" y2=\"").Append(bottomY).Append("\"></line>")
                    .Append("<text x=\"").Append(dx).Append("\" y=\"").Append(top - 4).Append("\" text-anchor=\"")
                    .Append(x(deadline.Value) > width / 2 ? "end" : "start").Append("\">deadline</text></g>\n");
            }
            html.Append("<polyline class=\"line\" points=\"");
            for (var i = 0; i < points.Count; i++)
                html.Append(i == 0 ? "" : " ").Append(Num(x(points[i].Time))).Append(',').Append(Num(y(points[i].Violation)));
            html.Append("\"></polyline>\n");
            foreach (var point in points)
            {
                var count = point.Violation.ToString(CultureInfo.InvariantCulture);
                html.Append("<g class=\"point\" data-count=\"").Append(count).Append("\"><title>").Append(Encode(Date(point.Time))).Append(": ").Append(count)
                    .Append(" of ").Append(point.Devices.ToString(CultureInfo.InvariantCulture)).Append(" devices in violation</title><circle cx=\"")
                    .Append(Num(x(point.Time))).Append("\" cy=\"").Append(Num(y(point.Violation))).Append("\" r=\"3\" fill=\"#c62828\"></circle></g>\n");
            }
            html.Append("</svg>\n</figure>\n</section>\n");
        }

        private static void AppendExpiringExemptions(StringBuilder html, List<ExpiringExemption> expiring)
        {
            if (expiring == null || expiring.Count == 0) return;
            html.Append("<section>\n<h2>Exemptions ending within ").Append(ReportBuilder.ExpiringWithinDays.ToString(CultureInfo.InvariantCulture))
                .Append(" days</h2>\n<table id=\"expiring-exemptions\">\n<thead><tr><th>Computer</th><th>Rule</th><th>App</th><th>User</th><th>Id</th>")
                .Append("<th>Expires</th><th>Days left</th><th>Reason</th><th>Approved by</th></tr></thead>\n<tbody>\n");
            foreach (var e in expiring.OrderBy(e => e.Expires))
            {
                html.Append("<tr class=\"expiring\">");
                foreach (var text in new[] { e.ComputerName, e.RuleName ?? e.RuleId, e.AppName, e.UserName ?? e.UserSid, e.ExemptionId, Date(e.Expires) })
                    html.Append("<td>").Append(Encode(text)).Append("</td>");
                Cell(html, e.DaysLeft);
                html.Append("<td>").Append(Encode(e.Reason)).Append("</td><td>").Append(Encode(e.ApprovedBy)).Append("</td></tr>\n");
            }
            html.Append("</tbody>\n</table>\n</section>\n");
        }

        private static void AppendRejectedReports(StringBuilder html, List<RejectedDeviceReport> rejected)
        {
            if (rejected == null || rejected.Count == 0) return;
            html.Append("<section>\n<h2>Device report files not merged</h2>\n<table id=\"rejected-reports\">\n<thead><tr><th>File</th><th>Reason</th>")
                .Append("<th>Size (bytes)</th><th>Last written</th></tr></thead>\n<tbody>\n");
            foreach (var r in rejected)
            {
                html.Append("<tr class=\"rejected\"><td>").Append(Encode(r.Path)).Append("</td><td>").Append(Encode(r.Reason)).Append("</td><td class=\"n\">")
                    .Append(r.Size.HasValue ? r.Size.Value.ToString(CultureInfo.InvariantCulture) : "").Append("</td><td>")
                    .Append(r.LastWriteTime.HasValue ? Encode(Date(r.LastWriteTime.Value)) : "").Append("</td></tr>\n");
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
                case TargetStatus.NotReporting: return "Not reporting";
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

        private static string Day(DateTimeOffset value) =>
            value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

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
