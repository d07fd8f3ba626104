using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// The history file a fleet report keeps beside itself: one point per report written, so that the next report can
    /// chart progress over time. Read with limits (a share others can write to may hold it), written atomically.
    /// </summary>
    public static class ReportHistory
    {
        public const string CurrentSchemaVersion = "1.0";
        /// <summary>Points kept: years of daily reports.</summary>
        public const int MaxPoints = 5000;
        public const long MaxFileBytes = 4L * 1024 * 1024;

        /// <summary>The points in the file, oldest first; none when the file does not exist.</summary>
        /// <exception cref="InvalidDataException">The file is too large, not a history file, or holds an impossible point.</exception>
        public static List<ReportHistoryPoint> Read(string path)
        {
            var file = new FileInfo(path);
            if (!file.Exists) return new List<ReportHistoryPoint>();
            if (file.Length > MaxFileBytes)
                throw new InvalidDataException("The history file is " + file.Length + " bytes; at most " + MaxFileBytes + " are read.");
            HistoryDocument document;
            try
            {
                using (var reader = new StreamReader(file.OpenRead()))
                using (var json = new JsonTextReader(reader) { MaxDepth = 8, DateParseHandling = DateParseHandling.DateTimeOffset })
                    document = JsonSerializer.Create(JsonReportWriter.Settings).Deserialize<HistoryDocument>(json);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException("The history file is not valid JSON: " + ex.Message, ex);
            }
            if (document == null || document.SchemaVersion == null || document.Points == null)
                throw new InvalidDataException("The file is not an AppBan report history (no schemaVersion or points).");
            if (!document.SchemaVersion.StartsWith("1.", StringComparison.Ordinal))
                throw new InvalidDataException("The history file has schema version " + document.SchemaVersion.Substring(0, Math.Min(16, document.SchemaVersion.Length)) + "; this AppBan reads 1.x.");
            foreach (var p in document.Points)
                if (p == null || p.Devices < 0 || p.Violation < 0 || p.GracePeriod < 0 || p.Scheduled < 0 || p.Exempt < 0 || p.Clean < 0 || p.NoData < 0)
                    throw new InvalidDataException("The history file holds a point with a negative or missing count.");
            return document.Points.OrderBy(p => p.Time).ToList();
        }

        /// <summary>Writes the points (the newest <see cref="MaxPoints"/>) atomically.</summary>
        public static void Write(string path, IEnumerable<ReportHistoryPoint> points)
        {
            var kept = (points ?? Enumerable.Empty<ReportHistoryPoint>()).OrderBy(p => p.Time).ToList();
            if (kept.Count > MaxPoints) kept = kept.Skip(kept.Count - MaxPoints).ToList();
            var document = new HistoryDocument { SchemaVersion = CurrentSchemaVersion, Points = kept };
            AtomicFile.Write(path, stream =>
            {
                using (var writer = new StreamWriter(stream, ReportWriter.Utf8NoBom, 64 * 1024, leaveOpen: true))
                    JsonSerializer.Create(JsonReportWriter.Settings).Serialize(writer, document);
            });
        }

        private sealed class HistoryDocument
        {
            public string SchemaVersion { get; set; }
            public List<ReportHistoryPoint> Points { get; set; }
        }
    }
}
