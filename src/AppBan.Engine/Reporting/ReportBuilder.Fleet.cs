using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// The fleet side of a report: device reports merged with this session's live results, devices that stopped
    /// reporting, and progress toward the deadline.
    /// </summary>
    public sealed partial class ReportBuilder
    {
        /// <summary>A fleet report's age limit when none is given: a device silent for a week needs looking at.</summary>
        public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromDays(7);

        private const string SourceDeviceReport = "DeviceReport";

        /// <summary>Whether the report merges device reports (then expected devices nothing came from are NotReporting).</summary>
        private bool IsFleetReport => _deviceReports.Count > 0 || _rejectedReports.Count > 0 || _staleAfter.HasValue;

        /// <summary>
        /// The key a device is known by across live results, device reports and expected names: its own name upper-cased,
        /// an FQDN by its first label (NetBIOS names are unique in a domain), an address as it is, a ":port" dropped.
        /// </summary>
        internal static string DeviceKey(string name)
        {
            if (string.IsNullOrWhiteSpace(name)) return string.Empty;
            var key = DeviceReportWriter.StripPort(name.Trim());
            if (!IPAddress.TryParse(key.Trim('[', ']'), out _))
            {
                var dot = key.IndexOf('.');
                if (dot > 0) key = key.Substring(0, dot);
            }
            return key.ToUpperInvariant();
        }

        /// <summary>Every rule of the policy, with the policy's deadline, so that progress lists clean rules too.</summary>
        public void SetRules(AppBan.Engine.Policy.AppBanPolicy policy)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            SetRules(policy.Rules.Select(r => new RuleProgress { RuleId = r.Id, RuleName = r.DisplayName, EnforceAfter = policy.EnforceAfter }));
        }

        private void MergeDeviceReports(AppBanReport report)
        {
            report.RejectedReports = _rejectedReports.ToList();
            report.Run.StaleAfterDays = null;
            if (!IsFleetReport) return;

            var staleAfter = _staleAfter ?? DefaultStaleAfter;
            report.Run.StaleAfterDays = Math.Round(staleAfter.TotalDays, 3);
            var newest = new Dictionary<string, DeviceReport>(StringComparer.Ordinal);
            foreach (var device in _deviceReports)
            {
                var key = DeviceKey(device.ComputerName);
                if (!newest.TryGetValue(key, out var kept) || IsNewer(device, kept)) newest[key] = device;
            }

            var merged = new List<TargetReport>(report.Targets.Count + newest.Count);
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var live in report.Targets)
            {
                var key = DeviceKey(string.IsNullOrEmpty(live.MachineName) ? live.ComputerName : live.MachineName);
                var read = HasData(live.Status);
                if (newest.TryGetValue(key, out var device) && used.Add(key))
                {
                    // A live result that read the device supersedes its files; one that did not read it adds its error to the file's data.
                    if (read) { merged.Add(live); continue; }
                    var fromFile = FromDeviceReport(device, report.Run.EndTime, staleAfter);
                    if (live.Status != TargetStatus.NotScanned)
                        fromFile.Errors.AddRange(live.Errors.Count > 0 ? live.Errors : new List<ReportError> { new ReportError { ErrorId = live.Status.ToString(), Message = live.StatusDetail } });
                    merged.Add(fromFile);
                    continue;
                }
                if (live.Status == TargetStatus.NotScanned && live.Findings.Count == 0 && live.Actions.Count == 0 && live.Errors.Count == 0)
                {
                    live.Status = TargetStatus.NotReporting;
                    var rejected = _rejectedReports.FirstOrDefault(r => DeviceKey(FileStem(r.Path)) == key);
                    live.StatusDetail = rejected != null
                        ? "its report file was refused: " + rejected.Reason
                        : "no device report and no result in this session";
                }
                merged.Add(live);
            }
            foreach (var pair in newest)
                if (used.Add(pair.Key)) merged.Add(FromDeviceReport(pair.Value, report.Run.EndTime, staleAfter));

            report.Targets = merged;
            report.Run.DeviceReports = merged.Count(t => t.Source == SourceDeviceReport);
            report.Run.Targets = merged.Select(t => t.ComputerName).ToList();
            if (_run.PolicyName == null)
            {
                var names = new SortedSet<string>(_policiesOfResults, StringComparer.Ordinal);
                foreach (var t in merged.Where(t => t.Source == SourceDeviceReport))
                {
                    var name = newest[DeviceKey(t.ComputerName)].PolicyName;
                    if (!string.IsNullOrWhiteSpace(name)) names.Add(name.Trim());
                }
                report.Run.PolicyName = PolicyNameOf(names);
            }
        }

        private static bool IsNewer(DeviceReport candidate, DeviceReport kept) =>
            candidate.ReportedAt > kept.ReportedAt
            || (candidate.ReportedAt == kept.ReportedAt && candidate.LastWriteTime > kept.LastWriteTime);

        /// <summary>A status that means the target was read (its findings say what is on it).</summary>
        internal static bool HasData(TargetStatus status) =>
            status != TargetStatus.Unreachable && status != TargetStatus.Failed && status != TargetStatus.NotScanned
            && status != TargetStatus.NotReporting;

        private TargetReport FromDeviceReport(DeviceReport device, DateTimeOffset now, TimeSpan staleAfter)
        {
            var source = device.Target;
            var name = device.ComputerName;
            var target = new TargetReport
            {
                ComputerName = name,
                MachineName = source.MachineName,
                Source = SourceDeviceReport,
                ReportedAt = device.ReportedAt,
                ReportFile = device.Path,
                Status = source.Status,
                StatusDetail = source.StatusDetail,
                Findings = source.Findings ?? new List<ReportFinding>(),
                Actions = source.Actions ?? new List<ReportAction>(),
                ExemptionChanges = source.ExemptionChanges ?? new List<ReportExemptionChange>(),
                Errors = source.Errors ?? new List<ReportError>(),
            };
            // The device ran against itself ("localhost"): its records name it as the fleet does.
            foreach (var f in target.Findings) f.ComputerName = name;
            foreach (var a in target.Actions) a.ComputerName = name;
            foreach (var c in target.ExemptionChanges) c.ComputerName = name;
            if (device.ReportedAt < now - staleAfter)
            {
                target.LastStatus = target.Status;
                target.Status = TargetStatus.Stale;
                target.StatusDetail = "last report " + device.ReportedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
                    + " (" + target.LastStatus + "), older than " + FormatDays(staleAfter.TotalDays) + " days";
            }
            else if (_run.PolicySha256 != null && device.Report.Run.PolicySha256 != null
                     && !string.Equals(_run.PolicySha256, device.Report.Run.PolicySha256, StringComparison.OrdinalIgnoreCase))
            {
                target.StatusDetail = Join(target.StatusDetail, "ran another policy than this report's (SHA-256 " + Shorten(device.Report.Run.PolicySha256, 16) + "...)");
            }
            return target;
        }

        private static string Join(string first, string second) => string.IsNullOrEmpty(first) ? second : first + "; " + second;

        private static string Shorten(string text, int length) => text.Length <= length ? text : text.Substring(0, length);

        private static string FormatDays(double days) => days.ToString("0.##", CultureInfo.InvariantCulture);

        private static string FileStem(string path)
        {
            if (string.IsNullOrEmpty(path)) return string.Empty;
            var name = path.Replace('\\', '/');
            name = name.Substring(name.LastIndexOf('/') + 1);
            return name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? name.Substring(0, name.Length - 5) : name;
        }

        private void AddProgress(AppBanReport report)
        {
            var now = report.Run.EndTime;
            report.Summary.Rules = ReportProgress.Rules(report, _rules, now);
            report.ExpiringExemptions = ReportProgress.ExpiringExemptions(report, now, ExpiringWithinDays);
            report.History = !_historyGiven ? new List<ReportHistoryPoint>()
                : _history.Where(p => p.Time < now).OrderBy(p => p.Time).Concat(new[] { ReportProgress.PointOf(report) }).ToList();
        }
    }
}
