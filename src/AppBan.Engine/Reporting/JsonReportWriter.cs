using System.IO;
using Newtonsoft.Json;
using Newtonsoft.Json.Converters;
using Newtonsoft.Json.Serialization;

namespace AppBan.Engine.Reporting
{
    /// <summary>The JSON form described by module/AppBan.report.schema.json.</summary>
    internal static class JsonReportWriter
    {
        public static readonly JsonSerializerSettings Settings = new JsonSerializerSettings
        {
            // Dictionary keys are data (status names, app names): keep them as they are.
            ContractResolver = new DefaultContractResolver
            {
                NamingStrategy = new CamelCaseNamingStrategy { ProcessDictionaryKeys = false, OverrideSpecifiedNames = true },
            },
            Converters = { new StringEnumConverter() },
            DateFormatHandling = DateFormatHandling.IsoDateFormat,
            DateTimeZoneHandling = DateTimeZoneHandling.Utc,
            NullValueHandling = NullValueHandling.Include,
            Formatting = Formatting.Indented,
        };

        public static void Write(AppBanReport report, TextWriter writer)
        {
            var serializer = JsonSerializer.Create(Settings);
            using (var json = new JsonTextWriter(writer) { CloseOutput = false })
            {
                serializer.Serialize(json, report);
            }
        }

        public static AppBanReport Read(TextReader reader)
        {
            var serializer = JsonSerializer.Create(Settings);
            using (var json = new JsonTextReader(reader) { CloseInput = false, DateParseHandling = DateParseHandling.DateTimeOffset })
            {
                return serializer.Deserialize<AppBanReport>(json);
            }
        }
    }
}
