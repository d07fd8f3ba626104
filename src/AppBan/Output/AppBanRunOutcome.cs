using System;
using AppBan.Engine.Reporting;

namespace AppBan.Output
{
    /// <summary>What one unattended run amounts to: the documented exit code and the counts behind it.</summary>
    public sealed class AppBanRunOutcome
    {
        /// <summary>
        /// 0 compliant, 10 remediated, 11 non-compliant remains, 12 some targets failed, 13 bad input, 14 the device report
        /// was not delivered (in place of 0, 10 or 11).
        /// </summary>
        public int ExitCode { get; set; }
        /// <summary>The exit code's name (Compliant, Remediated, NonCompliantRemains, TargetsFailed, BadInput, ReportNotDelivered).</summary>
        public UnattendedExitCode Result { get; set; }
        /// <summary>The run's own code, before the device report's delivery counts: equal to ExitCode unless that is 14.</summary>
        public int RunExitCode { get; set; }
        /// <summary>Why a device report was not written to -DeviceReportFolder; null when it was, or none was asked for.</summary>
        public string DeviceReportError { get; set; }
        public int Targets { get; set; }
        public int Compliant { get; set; }
        public int Remediated { get; set; }
        public int NonCompliant { get; set; }
        public int Exempt { get; set; }
        public int Unreachable { get; set; }
        public int Failed { get; set; }
        public int Removed { get; set; }
        public int FailedRemovals { get; set; }
        public bool Cancelled { get; set; }
        public string PolicyName { get; set; }
        public string PolicySha256 { get; set; }
        public DateTimeOffset StartTime { get; set; }
        public DateTimeOffset EndTime { get; set; }
        /// <summary>The report files written.</summary>
        public string[] ReportPath { get; set; } = Array.Empty<string>();
        public string LogPath { get; set; }
        /// <summary>One line for logs and monitoring.</summary>
        public string Summary { get; set; }

        internal static AppBanRunOutcome From(AppBanReport report, string[] reportPaths, string logPath)
        {
            var s = report.Summary;
            var result = (UnattendedExitCode)s.ExitCode;
            return new AppBanRunOutcome
            {
                ExitCode = s.ExitCode,
                Result = result,
                RunExitCode = s.ExitCode,
                Targets = s.Targets,
                Compliant = s.Compliant,
                Remediated = s.Remediated,
                NonCompliant = s.NonCompliant,
                Exempt = s.Exempt,
                Unreachable = s.Unreachable,
                Failed = s.Failed,
                Removed = s.Removed,
                FailedRemovals = s.FailedActions,
                Cancelled = report.Run.Cancelled,
                PolicyName = report.Run.PolicyName,
                PolicySha256 = report.Run.PolicySha256,
                StartTime = report.Run.StartTime,
                EndTime = report.Run.EndTime,
                ReportPath = reportPaths ?? Array.Empty<string>(),
                LogPath = logPath,
                Summary = RunSummary.OneLine(report),
            };
        }

        /// <summary>The device report could not be written: exit 14 unless the run's own code is worse, the reason in the summary.</summary>
        internal void ReportNotDelivered(string reason)
        {
            DeviceReportError = reason;
            Result = AppBan.Engine.Reporting.RunExitCode.WithReportNotDelivered((UnattendedExitCode)RunExitCode);
            ExitCode = (int)Result;
            if (Result == UnattendedExitCode.ReportNotDelivered)
                Summary = RunSummary.OneLineOf("Exit " + ExitCode + " (" + RunSummary.Meaning(Result) + "; the run: " + Summary + "); report not written: " + reason);
            else
                Summary = RunSummary.OneLineOf(Summary + "; report not written: " + reason);
        }
    }
}
