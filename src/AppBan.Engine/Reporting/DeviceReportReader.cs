using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Reflection;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Serialization;

namespace AppBan.Engine.Reporting
{
    /// <summary>
    /// Reads the device reports a collector folder holds. Every file is untrusted (a compromised device writes its
    /// own): sizes, depth, string lengths and list counts are bounded while reading, and a file that breaks any rule
    /// becomes a <see cref="RejectedDeviceReport"/> with AppBan's own reason instead of an exception.
    /// </summary>
    public static class DeviceReportReader
    {
        public const int DefaultMaxFileSizeKB = 1024;
        public const int MaxDepth = 32;
        public const int MaxStringLength = 4096;
        /// <summary>No list in a report may be longer than this (findings and actions may be this long).</summary>
        public const int MaxListCount = 5000;
        public const int MaxFindings = 5000;
        public const int MaxActions = 5000;
        public const int MaxErrors = 1000;
        public const int MaxExemptionChanges = 1000;
        /// <summary>A number longer than this is refused before it is parsed (a huge integer costs quadratic time).</summary>
        public const int MaxNumberLength = 64;
        /// <summary>A report whose run ended more than this after "now" is refused.</summary>
        public static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);
        /// <summary>How long a quoted untrusted value may be in a reason.</summary>
        public const int QuoteLength = 64;

        private static readonly JsonSerializer Serializer = JsonSerializer.Create(new JsonSerializerSettings
        {
            ContractResolver = new DeviceReportContractResolver(),
            Converters = { new StrictEnumConverter() },
            DateParseHandling = DateParseHandling.DateTimeOffset,
            DateTimeZoneHandling = DateTimeZoneHandling.Utc,
            MissingMemberHandling = MissingMemberHandling.Ignore,
            CheckAdditionalContent = true,
            // The reader below enforces the depth with its own reason.
            MaxDepth = null,
        });

        /// <summary>The files of a collector folder a report is read from: *.json, not recursive, no names starting with '.' (temporary files).</summary>
        public static IReadOnlyList<string> ListReportFiles(string folder)
        {
            if (folder == null) throw new ArgumentNullException(nameof(folder));
            var files = new List<string>();
            foreach (var path in Directory.EnumerateFiles(folder, "*.json", SearchOption.TopDirectoryOnly))
            {
                var name = Path.GetFileName(path);
                // "*.json" also matches "x.jsonx" on Windows (8.3 names): check the extension itself.
                if (name.StartsWith(".", StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) continue;
                files.Add(path);
            }
            files.Sort(StringComparer.OrdinalIgnoreCase);
            return files;
        }

        /// <summary>Every report file of a folder (see <see cref="ListReportFiles"/>), each a DeviceReport or a RejectedDeviceReport; never throws for a bad file.</summary>
        public static IEnumerable<object> ReadFolder(string folder, int maxFileSizeKB, DateTimeOffset now)
        {
            foreach (var path in ListReportFiles(folder))
                yield return Read(path, maxFileSizeKB, now);
        }

        /// <summary>A <see cref="DeviceReport"/> or a <see cref="RejectedDeviceReport"/>.</summary>
        public static object Read(string path, int maxFileSizeKB, DateTimeOffset now) =>
            TryRead(path, maxFileSizeKB, now, out var report, out var rejected) ? (object)report : rejected;

        /// <summary>
        /// Reads one device report. False with <paramref name="rejected"/> set when the file is too big, unreadable,
        /// not a 1.x AppBan report with exactly one target, out of bounds, from the future, or named for another device.
        /// </summary>
        public static bool TryRead(string path, int maxFileSizeKB, DateTimeOffset now, out DeviceReport report, out RejectedDeviceReport rejected)
        {
            if (path == null) throw new ArgumentNullException(nameof(path));
            if (maxFileSizeKB < 1) throw new ArgumentOutOfRangeException(nameof(maxFileSizeKB), maxFileSizeKB, "The size limit must be at least 1 KB.");
            report = null;
            rejected = null;
            long? size = null;
            DateTimeOffset? lastWrite = null;
            AppBanReport parsed;
            try
            {
                // [guess W124] FileShare.Delete lets a device replace its file (AtomicFile's rename) while it is read here.
                using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 16 * 1024, FileOptions.SequentialScan))
                {
                    size = stream.Length;
                    lastWrite = new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero);
                    var limit = (long)maxFileSizeKB * 1024;
                    if (size > limit)
                        return Reject(path, size, lastWrite, "The file is " + size.Value.ToString("N0", CultureInfo.InvariantCulture) + " bytes, more than the limit of " +
                            maxFileSizeKB.ToString(CultureInfo.InvariantCulture) + " KB; it was not read.", out rejected);
                    parsed = Parse(stream, out var failure);
                    if (failure != null) return Reject(path, size, lastWrite, failure, out rejected);
                }
            }
            catch (FileNotFoundException) { return Reject(path, size, lastWrite, "The file is gone (it was removed or replaced while the folder was read).", out rejected); }
            catch (UnauthorizedAccessException) { return Reject(path, size, lastWrite, "The file could not be opened: access is denied.", out rejected); }
            catch (IOException) { return Reject(path, size, lastWrite, "The file could not be opened or read (it may be in use or on an unreachable share).", out rejected); }

            var problem = Validate(parsed, Path.GetFileName(path), now);
            if (problem != null) return Reject(path, size, lastWrite, problem, out rejected);
            report = new DeviceReport(path, lastWrite.Value, size.Value, parsed);
            return true;
        }

        private static bool Reject(string path, long? size, DateTimeOffset? lastWrite, string reason, out RejectedDeviceReport rejected)
        {
            rejected = new RejectedDeviceReport { Path = path, Reason = reason, Size = size, LastWriteTime = lastWrite };
            return false;
        }

        /// <summary>The report, or null with the reason it could not be read.</summary>
        private static AppBanReport Parse(Stream stream, out string failure)
        {
            failure = null;
            var text = new NumberBoundedTextReader(new StreamReader(stream, new UTF8Encoding(false), true, 16 * 1024));
            var reader = new BoundedJsonReader(text);
            try
            {
                var report = Serializer.Deserialize<AppBanReport>(reader);
                if (report == null) failure = "The file is empty or holds no report.";
                return report;
            }
            catch (Exception ex) when (ex is JsonException || ex is DeviceReportFormatException || ex is FormatException || ex is OverflowException)
            {
                // A report of another major version may be laid out differently: its version is the reason.
                var version = reader.SchemaVersion;
                if (version != null && !IsReadableVersion(version)) failure = VersionReason(version);
                else failure = ReasonFor(ex, reader, text.ReachedEnd);
                return null;
            }
            finally { ((IDisposable)reader).Dispose(); }
        }

        private static string ReasonFor(Exception ex, BoundedJsonReader reader, bool reachedEnd)
        {
            for (var inner = ex; inner != null; inner = inner.InnerException)
                if (inner is DeviceReportFormatException own) return own.Message;
            var position = " (line " + reader.LineNumber.ToString(CultureInfo.InvariantCulture) + ", position " + reader.LinePosition.ToString(CultureInfo.InvariantCulture) + ")";
            // The reader asked for more text than the file has: the JSON stopped in the middle.
            if (reachedEnd && !ex.Message.StartsWith("Additional text", StringComparison.Ordinal) && !ex.Message.StartsWith("Required property", StringComparison.Ordinal))
                return "The file ends before its JSON does: it is truncated or half-written" + position + ".";
            if (ex.Message.StartsWith("Required property '", StringComparison.Ordinal))
            {
                // The name is one of the contract's own property names, never text from the file.
                var start = "Required property '".Length;
                var end = ex.Message.IndexOf('\'', start);
                var name = end > start ? ex.Message.Substring(start, end - start) : "?";
                return "The report has no " + name + " (or it is null) at " + Quote(PathOf(ex, reader)) + ".";
            }
            if (ex is JsonReaderException)
                return "The file is not valid JSON, or a value has the wrong type" + position + ".";
            return "The file is JSON but not an AppBan report: a value has the wrong type at " + Quote(PathOf(ex, reader)) + position + ".";
        }

        private static string PathOf(Exception ex, BoundedJsonReader reader)
        {
            var path = (ex as JsonSerializationException)?.Path ?? (ex as JsonReaderException)?.Path ?? reader.Path;
            return string.IsNullOrEmpty(path) ? "the top" : path;
        }

        private static string Validate(AppBanReport report, string fileName, DateTimeOffset now)
        {
            if (!IsReadableVersion(report.SchemaVersion)) return VersionReason(report.SchemaVersion);
            if (report.Targets.Count != 1)
                return report.Targets.Count == 0
                    ? "The report holds no target; a device report holds exactly one."
                    : "The report holds " + report.Targets.Count.ToString(CultureInfo.InvariantCulture) + " targets; a device report holds exactly one.";
            var target = report.Targets[0];
            if (target == null) return "The report's target is null.";
            if (string.IsNullOrWhiteSpace(target.ComputerName)) return "The report's target has an empty computerName.";
            if (report.Run.EndTime == default(DateTimeOffset)) return "The report has no run.endTime.";
            if (report.Run.EndTime > now + MaxClockSkew)
                return "The report says its run ended at " + report.Run.EndTime.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) +
                    ", more than an hour after now: the device's clock or the file is wrong.";
            var tooMany = Count(target.Findings, MaxFindings, "findings") ?? Count(target.Actions, MaxActions, "actions") ??
                Count(target.Errors, MaxErrors, "errors") ?? Count(target.ExemptionChanges, MaxExemptionChanges, "exemptionChanges");
            if (tooMany != null) return tooMany;
            var nulls = NoNulls(target.Findings, "findings") ?? NoNulls(target.Actions, "actions") ?? NoNulls(target.Errors, "errors") ??
                NoNulls(target.ExemptionChanges, "exemptionChanges") ?? NoNulls(report.PolicyExemptionChanges, "policyExemptionChanges") ??
                NoNulls(report.RejectedReports, "rejectedReports") ?? NoNulls(report.ExpiringExemptions, "expiringExemptions") ??
                NoNulls(report.History, "history") ?? NoNulls(report.Summary.Rules, "summary.rules");
            if (nulls != null) return nulls;

            if (!DeviceReportWriter.TryGetFileName(target, null, out var expected, out var nameProblem))
                return "The report names no computer its file could be named after: " + nameProblem;
            if (!string.Equals(expected, fileName, StringComparison.OrdinalIgnoreCase))
                return "The report is about " + Quote(Path.GetFileNameWithoutExtension(expected)) + ", the file is named " + Quote(fileName) + ".";
            return null;
        }

        private static string Count<T>(List<T> list, int max, string name) =>
            list.Count > max
                ? "The report's target has " + list.Count.ToString("N0", CultureInfo.InvariantCulture) + " " + name + "; at most " + max.ToString("N0", CultureInfo.InvariantCulture) + " are read."
                : null;

        private static string NoNulls<T>(List<T> list, string name) where T : class
        {
            foreach (var item in list)
                if (item == null) return "The report has an empty (null) entry in " + name + ".";
            return null;
        }

        /// <summary>"1.x": a minor version only adds properties.</summary>
        public static bool IsReadableVersion(string version)
        {
            if (version == null || version.Length < 3 || version.Length > 10 || version[0] != '1' || version[1] != '.') return false;
            for (var i = 2; i < version.Length; i++)
                if (version[i] < '0' || version[i] > '9') return false;
            return true;
        }

        private static string VersionReason(string version) =>
            "The report's schema version is " + Quote(version) + "; this AppBan reads version 1.x (written " + AppBanReport.CurrentSchemaVersion + ").";


        /// <summary>An untrusted value as data in a reason: quoted, at most <see cref="QuoteLength"/> characters, one line.</summary>
        internal static string Quote(string value)
        {
            if (value == null) return "(none)";
            var cut = value.Length > QuoteLength;
            var text = new StringBuilder(Math.Min(value.Length, QuoteLength) + 3);
            text.Append('\'');
            for (var i = 0; i < Math.Min(value.Length, QuoteLength); i++)
            {
                var c = value[i];
                text.Append(char.IsControl(c) || c == '\u2028' || c == '\u2029' || char.IsSurrogate(c) ? '?' : c);
            }
            if (cut) text.Append("...");
            text.Append('\'');
            return text.ToString();
        }

        /// <summary>A rule of the device report format broken while reading; the message is AppBan's own reason.</summary>
        private sealed class DeviceReportFormatException : Exception
        {
            public DeviceReportFormatException(string message) : base(message) { }
        }

        /// <summary>
        /// Checks every token as it is read: depth, string and property name lengths, list lengths; remembers the
        /// top-level schemaVersion so a failure further on can still say which version the file claims.
        /// </summary>
        private sealed class BoundedJsonReader : JsonTextReader
        {
            private readonly List<int> _counts = new List<int>(DeviceReportReader.MaxDepth + 1); // -1: an object; else items so far
            private string _topProperty;

            public BoundedJsonReader(TextReader reader) : base(reader)
            {
                MaxDepth = null;
                DateParseHandling = DateParseHandling.DateTimeOffset;
                CloseInput = true;
            }

            public string SchemaVersion { get; private set; }

            // The serializer reads typed values through the ReadAs* methods, not through Read: every one is checked.
            public override bool Read()
            {
                if (!base.Read()) return false;
                Check();
                return true;
            }

            public override string ReadAsString() { var value = base.ReadAsString(); Check(); return value; }
            public override int? ReadAsInt32() { var value = base.ReadAsInt32(); Check(); return value; }
            public override double? ReadAsDouble() { var value = base.ReadAsDouble(); Check(); return value; }
            public override decimal? ReadAsDecimal() { var value = base.ReadAsDecimal(); Check(); return value; }
            public override bool? ReadAsBoolean() { var value = base.ReadAsBoolean(); Check(); return value; }
            public override DateTime? ReadAsDateTime() { var value = base.ReadAsDateTime(); Check(); return value; }
            public override DateTimeOffset? ReadAsDateTimeOffset() { var value = base.ReadAsDateTimeOffset(); Check(); return value; }
            public override byte[] ReadAsBytes() { var value = base.ReadAsBytes(); Check(); return value; }

            private void Check()
            {
                var token = TokenType;
                switch (token)
                {
                    case JsonToken.None:
                        return;
                    case JsonToken.String:
                    case JsonToken.PropertyName:
                        var text = (string)Value;
                        if (text.Length > MaxStringLength)
                            throw new DeviceReportFormatException("The report has a text of " + text.Length.ToString("N0", CultureInfo.InvariantCulture) +
                                " characters at " + Quote(Path) + "; at most " + MaxStringLength.ToString("N0", CultureInfo.InvariantCulture) + " are read.");
                        if (_counts.Count == 1 && _counts[0] < 0)
                        {
                            if (token == JsonToken.PropertyName) _topProperty = text;
                            else if (_topProperty == "schemaVersion") SchemaVersion = text;
                        }
                        break;
                    case JsonToken.EndArray:
                    case JsonToken.EndObject:
                        if (_counts.Count > 0) _counts.RemoveAt(_counts.Count - 1);
                        return;
                }
                if (token == JsonToken.PropertyName || token == JsonToken.Comment) return;
                var last = _counts.Count - 1;
                if (last >= 0 && _counts[last] >= 0 && ++_counts[last] > MaxListCount)
                    throw new DeviceReportFormatException("The report has more than " + MaxListCount.ToString("N0", CultureInfo.InvariantCulture) +
                        " entries in " + Quote(ListPath()) + "; a device report is not read past that.");
                if (token == JsonToken.StartArray || token == JsonToken.StartObject)
                {
                    if (_counts.Count >= DeviceReportReader.MaxDepth)
                        throw new DeviceReportFormatException("The report nests deeper than " + DeviceReportReader.MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels; it is not read.");
                    _counts.Add(token == JsonToken.StartArray ? 0 : -1);
                }
            }

            /// <summary>"targets[0].findings[5000]" -> "targets[0].findings".</summary>
            private string ListPath()
            {
                var path = Path;
                var bracket = path.LastIndexOf('[');
                return bracket > 0 ? path.Substring(0, bracket) : path;
            }
        }

        /// <summary>
        /// Refuses a number literal longer than <see cref="MaxNumberLength"/> before the JSON reader parses it: a
        /// million-digit integer would cost seconds in BigInteger.Parse. Tracks strings so digits in text are not counted.
        /// </summary>
        private sealed class NumberBoundedTextReader : TextReader
        {
            private readonly TextReader _inner;
            private bool _inString, _escaped;
            private int _run;

            public NumberBoundedTextReader(TextReader inner) { _inner = inner; }

            /// <summary>The reader asked for text past the end of the file.</summary>
            public bool ReachedEnd { get; private set; }

            public override int Peek() => _inner.Peek();

            public override int Read()
            {
                var c = _inner.Read();
                if (c >= 0) Check((char)c);
                else ReachedEnd = true;
                return c;
            }

            public override int Read(char[] buffer, int index, int count)
            {
                var n = _inner.Read(buffer, index, count);
                if (n == 0) ReachedEnd = true;
                for (var i = index; i < index + n; i++) Check(buffer[i]);
                return n;
            }

            private void Check(char c)
            {
                if (_inString)
                {
                    if (_escaped) _escaped = false;
                    else if (c == '\\') _escaped = true;
                    else if (c == '"') _inString = false;
                    return;
                }
                if (c == '"') { _inString = true; _run = 0; return; }
                if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')
                {
                    if (++_run > MaxNumberLength)
                        throw new DeviceReportFormatException("The report has a number longer than " + MaxNumberLength.ToString(CultureInfo.InvariantCulture) + " characters; it is not read.");
                }
                else _run = 0;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) _inner.Dispose();
                base.Dispose(disposing);
            }
        }

        /// <summary>The written form's names (camelCase) and the properties a device report cannot do without.</summary>
        private sealed class DeviceReportContractResolver : DefaultContractResolver
        {
            public DeviceReportContractResolver()
            {
                NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false, OverrideSpecifiedNames = true };
            }

            protected override JsonProperty CreateProperty(MemberInfo member, MemberSerialization memberSerialization)
            {
                var property = base.CreateProperty(member, memberSerialization);
                var type = member.DeclaringType;
                if ((type == typeof(AppBanReport) && (member.Name == nameof(AppBanReport.SchemaVersion) || member.Name == nameof(AppBanReport.Run) || member.Name == nameof(AppBanReport.Targets))) ||
                    (type == typeof(ReportRun) && member.Name == nameof(ReportRun.EndTime)) ||
                    (type == typeof(TargetReport) && (member.Name == nameof(TargetReport.ComputerName) || member.Name == nameof(TargetReport.Status))))
                    property.Required = Required.Always;
                // A list or a map written as null reads as empty, so nothing after the reader meets a null list.
                var propertyType = property.PropertyType;
                if (propertyType.IsGenericType && (propertyType.GetGenericTypeDefinition() == typeof(List<>) || propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>)) && property.Required != Required.Always)
                    property.NullValueHandling = NullValueHandling.Ignore;
                if (propertyType == typeof(ReportSummary)) property.NullValueHandling = NullValueHandling.Ignore;
                return property;
            }
        }

        /// <summary>Enum values by name only (no numbers, no combinations): an unknown value is a reason, not a default.</summary>
        private sealed class StrictEnumConverter : JsonConverter
        {
            public override bool CanConvert(Type objectType)
            {
                var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
                return type.IsEnum;
            }

            public override object ReadJson(JsonReader reader, Type objectType, object existingValue, JsonSerializer serializer)
            {
                var nullable = Nullable.GetUnderlyingType(objectType);
                var type = nullable ?? objectType;
                if (reader.TokenType == JsonToken.Null && nullable != null) return null;
                if (reader.TokenType == JsonToken.String)
                {
                    var text = (string)reader.Value;
                    foreach (var name in Enum.GetNames(type))
                        if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) return Enum.Parse(type, name);
                    throw new DeviceReportFormatException("The report has " + Quote(text) + " at " + Quote(reader.Path) + ", which is not a " + type.Name + " this AppBan knows.");
                }
                throw new DeviceReportFormatException("The report has a " + reader.TokenType + " at " + Quote(reader.Path) + " where a " + type.Name + " name belongs.");
            }

            public override bool CanWrite => false;
            public override void WriteJson(JsonWriter writer, object value, JsonSerializer serializer) => throw new NotSupportedException();
        }
    }
}
