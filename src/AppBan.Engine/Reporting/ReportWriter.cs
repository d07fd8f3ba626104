using System;
using System.IO;
using System.Text;

namespace AppBan.Engine.Reporting
{
    public enum ReportFormat { Json, Csv, Html }

    /// <summary>Writes a report in one of the supported formats, atomically.</summary>
    public static class ReportWriter
    {
        /// <summary>UTF-8 without a byte order mark.</summary>
        internal static readonly Encoding Utf8NoBom = new UTF8Encoding(false);
        /// <summary>Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.</summary>
        internal static readonly Encoding Utf8WithBom = new UTF8Encoding(true);

        public static void Write(AppBanReport report, string path, ReportFormat format)
        {
            if (report == null) throw new ArgumentNullException(nameof(report));
            AtomicFile.Write(path, stream =>
            {
                var encoding = format == ReportFormat.Csv ? Utf8WithBom : Utf8NoBom;
                using (var writer = new StreamWriter(stream, encoding, 64 * 1024, leaveOpen: true))
                {
                    Write(report, writer, format);
                }
            });
        }

        public static void Write(AppBanReport report, TextWriter writer, ReportFormat format)
        {
            switch (format)
            {
                case ReportFormat.Json: JsonReportWriter.Write(report, writer); break;
                case ReportFormat.Csv: CsvReportWriter.Write(report, writer); break;
                case ReportFormat.Html: HtmlReportWriter.Write(report, writer); break;
                default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format.");
            }
        }

        public static string WriteToString(AppBanReport report, ReportFormat format)
        {
            using (var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture))
            {
                Write(report, writer, format);
                return writer.ToString();
            }
        }

        /// <summary>The format a file name asks for: .json, .csv, .html or .htm.</summary>
        public static bool TryGetFormatFromPath(string path, out ReportFormat format)
        {
            format = ReportFormat.Json;
            var extension = Path.GetExtension(path ?? string.Empty).ToLowerInvariant();
            switch (extension)
            {
                case ".json": format = ReportFormat.Json; return true;
                case ".csv": format = ReportFormat.Csv; return true;
                case ".html":
                case ".htm": format = ReportFormat.Html; return true;
                default: return false;
            }
        }
    }
}
