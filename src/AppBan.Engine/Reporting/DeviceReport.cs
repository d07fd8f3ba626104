using System;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// A report a device-side run wrote about itself (one target), as read from the collector's folder by
    /// <see cref="DeviceReportReader"/>. Everything in it came from the device: a compromised device writes its own.
    /// </summary>
    public sealed class DeviceReport
    {
        public DeviceReport(string path, DateTimeOffset lastWriteTime, long size, AppBanReport report)
        {
            Path = path;
            LastWriteTime = lastWriteTime;
            Size = size;
            Report = report ?? throw new ArgumentNullException(nameof(report));
            if (report.Targets == null || report.Targets.Count != 1) throw new ArgumentException("A device report has exactly one target.", nameof(report));
        }

        public string Path { get; }
        public DateTimeOffset LastWriteTime { get; }
        public long Size { get; }
        public AppBanReport Report { get; }
        public TargetReport Target => Report.Targets[0];
        /// <summary>The device's own name when its report carries one, else the target as its run gave it.</summary>
        public string ComputerName => string.IsNullOrEmpty(Target.MachineName) ? Target.ComputerName : Target.MachineName;
        /// <summary>When the device's run ended.</summary>
        public DateTimeOffset ReportedAt => Report.Run.EndTime;
        public TargetStatus Status => Target.Status;
        public string PolicyName => Report.Run.PolicyName;
        public string SchemaVersion => Report.SchemaVersion;

        public override string ToString() => ComputerName + ": " + Status + " (" + ReportedAt.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture) + ")";
    }
}
