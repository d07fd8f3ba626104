using System;
using System.Collections.Generic;
using System.Linq;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// Collects a run's results as they arrive and turns them into an <see cref="AppBanReport"/> at any moment:
    /// a report built after a cancel holds everything added before it. Safe to feed from several threads.
    /// </summary>
    public sealed partial class ReportBuilder
    {
        /// <summary>Exemptions that end within this many days of the report's end time are listed.</summary>
        public const int ExpiringWithinDays = 30;

        private readonly object _gate = new object();
        private readonly IClock _clock;
        private readonly ReportRun _run;
        private readonly Dictionary<string, TargetState> _targets = new Dictionary<string, TargetState>(StringComparer.OrdinalIgnoreCase);
        private readonly List<TargetState> _order = new List<TargetState>();
        private readonly List<ReportExemptionChange> _policyExemptionChanges = new List<ReportExemptionChange>();
        private readonly SortedSet<string> _policiesOfResults = new SortedSet<string>(StringComparer.Ordinal);
        private readonly List<DeviceReport> _deviceReports = new List<DeviceReport>();
        private readonly List<RejectedDeviceReport> _rejectedReports = new List<RejectedDeviceReport>();
        private readonly List<RuleProgress> _rules = new List<RuleProgress>();
        private readonly List<ReportHistoryPoint> _history = new List<ReportHistoryPoint>();
        private TimeSpan? _staleAfter;
        private bool _historyGiven;
        private long _sequence;

        public ReportBuilder(IClock clock = null)
        {
            _clock = clock ?? SystemClock.Instance;
            _run = new ReportRun
            {
                StartTime = _clock.UtcNow,
                Operator = OperatorIdentity.Current(),
                Host = SafeMachineName(),
                ModuleVersion = typeof(ReportBuilder).Assembly.GetName().Version?.ToString(3),
            };
        }

        public IClock Clock => _clock;

        public void SetModuleVersion(string version) { lock (_gate) _run.ModuleVersion = version; }

        public void SetPolicy(string name, string sha256, string path = null)
        {
            lock (_gate)
            {
                _run.PolicyName = name;
                _run.PolicySha256 = sha256;
                _run.PolicyPath = path;
            }
        }

        /// <summary>
        /// The policy a result was evaluated under (findings and compliance results carry it). A report given no policy
        /// names it from them: the one name, or every name when results of several policies were mixed. It is not checked
        /// against a document, so the report carries no hash for it.
        /// </summary>
        public void NotePolicyOfResult(string policyName)
        {
            if (string.IsNullOrWhiteSpace(policyName)) return;
            lock (_gate) _policiesOfResults.Add(policyName.Trim());
        }

        /// <summary>
        /// The name a target gives itself (read from its registry), beside the name it was reached by. The report shows it
        /// and matches device reports and expected devices by it.
        /// </summary>
        public void NoteMachineName(string computerName, string machineName)
        {
            if (string.IsNullOrWhiteSpace(machineName)) return;
            lock (_gate) Target(computerName).MachineName = machineName.Trim();
        }

        /// <summary>
        /// A device's own report (Import-AppBanReport). The newest report per device wins; a live result of this session
        /// for the same device (matched by machine name) supersedes every file.
        /// </summary>
        public void AddDeviceReport(DeviceReport report)
        {
            if (report == null) throw new ArgumentNullException(nameof(report));
            lock (_gate) _deviceReports.Add(report);
        }

        /// <summary>A device report file that could not be used; the report lists it with the reason.</summary>
        public void AddRejectedReport(RejectedDeviceReport rejected)
        {
            if (rejected == null) throw new ArgumentNullException(nameof(rejected));
            lock (_gate) _rejectedReports.Add(rejected);
        }

        /// <summary>A device whose newest report ended more than this long before the report's end time is Stale.</summary>
        public void SetStaleAfter(TimeSpan? age)
        {
            if (age.HasValue && age.Value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(age), age, "The age must be positive.");
            lock (_gate) _staleAfter = age;
        }

        /// <summary>The policy's rules, so that progress lists every rule (clean ones too) with the policy's own dates.</summary>
        public void SetRules(IEnumerable<RuleProgress> rules)
        {
            lock (_gate)
            {
                _rules.Clear();
                foreach (var rule in rules ?? Enumerable.Empty<RuleProgress>())
                    if (rule != null && !string.IsNullOrWhiteSpace(rule.RuleId)) _rules.Add(rule);
            }
        }

        /// <summary>Earlier fleet reports' points; the report adds its own as the last.</summary>
        public void SetHistory(IEnumerable<ReportHistoryPoint> points)
        {
            lock (_gate)
            {
                _historyGiven = true;
                _history.Clear();
                _history.AddRange((points ?? Enumerable.Empty<ReportHistoryPoint>()).Where(p => p != null));
            }
        }

        public void SetStartTime(DateTimeOffset start) { lock (_gate) _run.StartTime = start; }

        public void SetOperator(string operatorName) { lock (_gate) _run.Operator = operatorName; }

        public void MarkCancelled() { lock (_gate) _run.Cancelled = true; }

        public bool IsCancelled { get { lock (_gate) return _run.Cancelled; } }

        /// <summary>Names targets up front so that a target nothing arrives for still appears (as NotScanned).</summary>
        public void DeclareTargets(IEnumerable<string> computerNames)
        {
            if (computerNames == null) return;
            lock (_gate)
            {
                foreach (var name in computerNames)
                    if (!string.IsNullOrWhiteSpace(name)) Target(name);
            }
        }

        public void AddFinding(ReportFinding finding)
        {
            if (finding == null) throw new ArgumentNullException(nameof(finding));
            lock (_gate)
            {
                var state = Target(finding.ComputerName);
                var key = FindingKey(finding);
                if (!state.FindingKeys.Add(key)) return;
                state.Findings.Add(finding);
            }
        }

        /// <summary>Replaces what is known about a target's findings (a re-scan supersedes the first scan).</summary>
        public void ReplaceFindings(string computerName, IEnumerable<ReportFinding> findings)
        {
            lock (_gate)
            {
                var state = Target(computerName);
                state.Findings.Clear();
                state.FindingKeys.Clear();
                foreach (var finding in findings ?? Enumerable.Empty<ReportFinding>())
                    if (state.FindingKeys.Add(FindingKey(finding))) state.Findings.Add(finding);
            }
        }

        public void AddAction(ReportAction action)
        {
            if (action == null) throw new ArgumentNullException(nameof(action));
            lock (_gate)
            {
                var state = Target(action.ComputerName);
                state.Actions.Add(action);
                state.LastActionSequence = ++_sequence;
            }
        }

        public void AddExemptionChange(ReportExemptionChange change)
        {
            if (change == null) throw new ArgumentNullException(nameof(change));
            lock (_gate)
            {
                if (string.IsNullOrWhiteSpace(change.ComputerName)) _policyExemptionChanges.Add(change);
                else Target(change.ComputerName).ExemptionChanges.Add(change);
            }
        }

        public void AddError(string computerName, ReportError error)
        {
            if (error == null) throw new ArgumentNullException(nameof(error));
            if (!error.Time.HasValue) error.Time = _clock.UtcNow;
            lock (_gate)
            {
                var errors = Target(computerName).Errors;
                // A failed target may arrive both as a result object and as its error record: keep one.
                if (errors.Any(e => string.Equals(e.ErrorId, error.ErrorId, StringComparison.OrdinalIgnoreCase)
                                    && string.Equals(e.Message, error.Message, StringComparison.Ordinal))) return;
                errors.Add(error);
            }
        }

        /// <summary>
        /// Records the status a compliance check reported for a target. It stands unless removal results arrive
        /// after it, in which case the status is derived again from findings and actions.
        /// </summary>
        public void SetTargetStatus(string computerName, TargetStatus status, string detail = null)
        {
            lock (_gate)
            {
                var state = Target(computerName);
                state.ReportedStatus = status;
                state.ReportedDetail = detail;
                state.ReportedSequence = ++_sequence;
            }
        }

        private string PolicyOfResults() => PolicyNameOf(_policiesOfResults);

        private static string PolicyNameOf(SortedSet<string> names) =>
            names.Count == 0 ? null
            : names.Count == 1 ? names.Min
            : "several policies: " + string.Join(", ", names);

        /// <summary>A consistent snapshot; EndTime is now unless given.</summary>
        public AppBanReport Build(DateTimeOffset? endTime = null)
        {
            lock (_gate)
            {
                var report = new AppBanReport
                {
                    Run = new ReportRun
                    {
                        ModuleVersion = _run.ModuleVersion,
                        PolicyName = _run.PolicyName ?? PolicyOfResults(),
                        PolicySha256 = _run.PolicySha256,
                        PolicyPath = _run.PolicyPath,
                        StartTime = _run.StartTime,
                        EndTime = endTime ?? _clock.UtcNow,
                        Operator = _run.Operator,
                        Host = _run.Host,
                        Cancelled = _run.Cancelled,
                        Targets = _order.Select(t => t.ComputerName).ToList(),
                    },
                    PolicyExemptionChanges = _policyExemptionChanges.ToList(),
                };
                foreach (var state in _order)
                {
                    var status = DeriveStatus(state, out var detail);
                    report.Targets.Add(new TargetReport
                    {
                        ComputerName = state.ComputerName,
                        MachineName = state.MachineName,
                        // A target only named (expected) has no source until something about it arrives.
                        Source = state.Findings.Count + state.Actions.Count + state.Errors.Count + state.ExemptionChanges.Count > 0
                                 || state.ReportedStatus.HasValue ? "Live" : null,
                        Status = status,
                        StatusDetail = detail,
                        Findings = state.Findings.ToList(),
                        Actions = state.Actions.ToList(),
                        ExemptionChanges = state.ExemptionChanges.ToList(),
                        Errors = state.Errors.ToList(),
                    });
                }
                MergeDeviceReports(report);
                report.Summary = Summarize(report);
                AddProgress(report);
                return report;
            }
        }

        internal static ReportSummary Summarize(AppBanReport report)
        {
            var summary = new ReportSummary
            {
                Targets = report.Targets.Count,
                ExemptionChanges = report.PolicyExemptionChanges?.Count ?? 0,
            };
            foreach (TargetStatus status in Enum.GetValues(typeof(TargetStatus)))
                summary.ByStatus[status.ToString()] = 0;
            foreach (var target in report.Targets)
            {
                summary.ByStatus[target.Status.ToString()]++;
                switch (target.Status)
                {
                    case TargetStatus.Compliant: summary.Compliant++; break;
                    case TargetStatus.Remediated: summary.Compliant++; summary.Remediated++; break;
                    case TargetStatus.NonCompliant:
                    case TargetStatus.GracePeriod: summary.NonCompliant++; break;
                    case TargetStatus.Exempt: summary.Exempt++; break;
                    case TargetStatus.Scheduled: summary.Scheduled++; break;
                    case TargetStatus.Unreachable: summary.Unreachable++; break;
                    case TargetStatus.Stale: summary.Stale++; break;
                    case TargetStatus.NotReporting: summary.NotReporting++; break;
                    default: summary.Failed++; break;
                }
                summary.Findings += target.Findings.Count;
                summary.Removed += target.Actions.Count(a => a.Outcome == ActionOutcome.Removed);
                summary.FailedActions += target.Actions.Count(a => a.Outcome == ActionOutcome.Failed);
                summary.ScheduledActions += target.Actions.Count(a => a.Outcome == ActionOutcome.Scheduled);
                summary.ExemptionChanges += target.ExemptionChanges.Count;
                if (target.Actions.Any(IsForUser)) summary.RequiresUserAction++;
                foreach (var finding in target.Findings)
                {
                    var app = AppLabel(finding);
                    summary.FindingsByApp.TryGetValue(app, out var count);
                    summary.FindingsByApp[app] = count + 1;
                }
            }
            summary.RejectedReports = report.RejectedReports?.Count ?? 0;
            summary.ExitCode = (int)RunExitCode.For(report);
            return summary;
        }

        /// <summary>The policy's name for the app when known (trusted), else the display name read from the target.</summary>
        internal static string AppLabel(ReportFinding finding) =>
            !string.IsNullOrWhiteSpace(finding.RuleName) ? finding.RuleName
            : !string.IsNullOrWhiteSpace(finding.AppName) ? finding.AppName
            : !string.IsNullOrWhiteSpace(finding.RuleId) ? finding.RuleId
            : "(unnamed)";

        private static TargetStatus DeriveStatus(TargetState state, out string detail)
        {
            var status = DeriveFromRecords(state, out detail);
            // A scan that could not read everything stays Partial whatever the removals did: absence cannot be claimed.
            if (state.ReportedStatus == TargetStatus.Partial && state.ReportedSequence <= state.LastActionSequence
                && status != TargetStatus.NonCompliant && status != TargetStatus.Failed)
            {
                detail = state.ReportedDetail ?? detail;
                return TargetStatus.Partial;
            }
            return status;
        }

        private static TargetStatus DeriveFromRecords(TargetState state, out string detail)
        {
            detail = state.ReportedDetail;
            bool anyRemoved = state.Actions.Any(a => a.Outcome == ActionOutcome.Removed);
            if (state.ReportedStatus.HasValue && state.ReportedSequence > state.LastActionSequence)
            {
                var reported = state.ReportedStatus.Value;
                return reported == TargetStatus.Compliant && anyRemoved ? TargetStatus.Remediated : reported;
            }

            detail = null;
            if (state.Findings.Count == 0 && state.Actions.Count == 0)
            {
                if (state.Errors.Count > 0)
                {
                    var first = state.Errors[0];
                    detail = first.Message;
                    return state.Errors.Any(IsUnreachable) ? TargetStatus.Unreachable : TargetStatus.Failed;
                }
                return state.ReportedStatus ?? TargetStatus.NotScanned;
            }

            var unresolved = state.Findings
                .Where(f => string.Equals(f.Status, "Violation", StringComparison.OrdinalIgnoreCase))
                .Where(f => !state.Actions.Any(a => (a.Outcome == ActionOutcome.Removed || a.Outcome == ActionOutcome.Scheduled) && ActionMatches(a, f)))
                .ToList();
            if (unresolved.Count > 0)
            {
                detail = unresolved.Count == 1 ? "1 banned app remains" : unresolved.Count + " banned apps remain";
                return TargetStatus.NonCompliant;
            }
            if (state.Errors.Count > 0)
            {
                detail = state.Errors[0].Message;
                return TargetStatus.Partial;
            }
            if (state.Findings.Any(f => string.Equals(f.Status, "Scheduled", StringComparison.OrdinalIgnoreCase)
                                        || (string.Equals(f.Status, "Violation", StringComparison.OrdinalIgnoreCase)
                                            && !state.Actions.Any(a => a.Outcome == ActionOutcome.Removed && ActionMatches(a, f))))
                || state.Actions.Any(a => a.Outcome == ActionOutcome.Scheduled))
                return TargetStatus.Scheduled;
            if (state.Findings.Any(f => string.Equals(f.Status, "GracePeriod", StringComparison.OrdinalIgnoreCase)))
                return TargetStatus.GracePeriod;
            if (state.Findings.Any(f => string.Equals(f.Status, "Exempt", StringComparison.OrdinalIgnoreCase)))
                return TargetStatus.Exempt;
            // Actions without a matching violation finding: judge by their outcomes alone.
            if (state.Actions.Any(a => a.Outcome == ActionOutcome.Failed || a.Outcome == ActionOutcome.Refused))
                return TargetStatus.NonCompliant;
            return anyRemoved ? TargetStatus.Remediated : TargetStatus.Compliant;
        }

        /// <summary>A removal only the app's user can do (AppBan left it to them).</summary>
        internal static bool IsForUser(ReportAction action) =>
            string.Equals(action.Status, "RequiresUserAction", StringComparison.OrdinalIgnoreCase);

        internal static bool IsUnreachable(ReportError error) =>
            (error.ErrorId != null && error.ErrorId.IndexOf("Unreachable", StringComparison.OrdinalIgnoreCase) >= 0)
            || string.Equals(error.Category, "ConnectionError", StringComparison.OrdinalIgnoreCase);

        /// <summary>Whether a removal result is about the instance a finding describes.</summary>
        internal static bool ActionMatches(ReportAction action, ReportFinding finding)
        {
            if (!string.Equals(action.AppName, finding.AppName, StringComparison.OrdinalIgnoreCase)) return false;
            if (!BothOrEither(action.Kind, finding.Kind)) return false;
            if (!BothOrEither(action.Version, finding.Version)) return false;
            return BothOrEither(action.UserSid, finding.UserSid);
        }

        private static bool BothOrEither(string a, string b) =>
            string.IsNullOrEmpty(a) || string.IsNullOrEmpty(b) || string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

        private static string FindingKey(ReportFinding f) =>
            string.Join("\u001f", f.RuleId, f.AppName, f.Version, f.Kind, f.Scope, f.UserSid, f.Location, f.Status)
                .ToLowerInvariant();

        private TargetState Target(string computerName)
        {
            var name = string.IsNullOrWhiteSpace(computerName) ? "localhost" : computerName.Trim();
            if (!_targets.TryGetValue(name, out var state))
            {
                state = new TargetState { ComputerName = name };
                _targets.Add(name, state);
                _order.Add(state);
            }
            return state;
        }

        private static string SafeMachineName()
        {
            try { return Environment.MachineName; } catch (Exception) { return null; }
        }

        private sealed class TargetState
        {
            public string ComputerName;
            public string MachineName;
            public readonly List<ReportFinding> Findings = new List<ReportFinding>();
            public readonly HashSet<string> FindingKeys = new HashSet<string>(StringComparer.Ordinal);
            public readonly List<ReportAction> Actions = new List<ReportAction>();
            public readonly List<ReportExemptionChange> ExemptionChanges = new List<ReportExemptionChange>();
            public readonly List<ReportError> Errors = new List<ReportError>();
            public TargetStatus? ReportedStatus;
            public string ReportedDetail;
            public long ReportedSequence;
            public long LastActionSequence = -1;
        }
    }
}
