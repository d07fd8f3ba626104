using System;
using System.Collections.Generic;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Findings;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>What report-producing cmdlets share: run metadata from the session, and pipeline input mapping.</summary>
    internal static class ReportSession
    {
        public static ReportBuilder NewBuilder(PSCmdlet cmdlet)
        {
            var builder = new ReportBuilder();
            var version = cmdlet.MyInvocation.MyCommand.Module?.Version;
            if (version != null) builder.SetModuleVersion(version.ToString());
            return builder;
        }

        /// <summary>A report file's full path and the format its extension names; a terminating error when it names none.</summary>
        public static KeyValuePair<string, ReportFormat> ReportFile(PSCmdlet cmdlet, string path)
        {
            var full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            if (!ReportWriter.TryGetFormatFromPath(full, out var format))
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("Cannot tell the report format from '" + path + "': use a .json, .csv or .html file name."),
                    ErrorIds.ReportFormatUnknown, ErrorCategory.InvalidArgument, path));
            return new KeyValuePair<string, ReportFormat>(full, format);
        }

        /// <summary>
        /// The names of expected devices: strings as they are; objects (Get-ADComputer's, a CSV row) by Name, else DNSHostName,
        /// else ComputerName. An object with none of them is a non-terminating error and is left out.
        /// </summary>
        public static IEnumerable<string> ExpectedNames(PSCmdlet cmdlet, IEnumerable<PSObject> expected)
        {
            if (expected == null) yield break;
            foreach (var item in expected)
            {
                if (item == null) continue;
                if (PSObjectPropertySource.Unwrap(item) is string text)
                {
                    if (!string.IsNullOrWhiteSpace(text)) yield return text.Trim();
                    continue;
                }
                var source = PSObjectPropertySource.Of(item);
                var name = ReportInput.FirstText(source, "Name", "DNSHostName", "ComputerName");
                if (string.IsNullOrWhiteSpace(name))
                {
                    cmdlet.WriteError(new ErrorRecord(new ArgumentException("An expected target has no Name, DNSHostName or ComputerName: " + item),
                        ErrorIds.ExpectedTargetUnnamed, ErrorCategory.InvalidArgument, item));
                    continue;
                }
                yield return name.Trim();
            }
        }

        /// <summary>Adds one pipeline object; false when it is nothing a report can use.</summary>
        public static bool Add(ReportBuilder builder, PSObject input)
        {
            switch (input.BaseObject)
            {
                case Finding finding:
                    builder.AddFinding(ReportRecords.FromFinding(finding));
                    if (!string.IsNullOrEmpty(finding.ComputerName)) builder.NoteMachineName(finding.ComputerName, finding.MachineName);
                    return true;
                case ErrorRecord record:
                    return AddError(builder, record);
                case DeviceReport d: builder.AddDeviceReport(d); return true;
                case RejectedDeviceReport r: builder.AddRejectedReport(r); return true;
            }
            if (input.TypeNames.Contains("Deserialized.System.Management.Automation.ErrorRecord"))
                return AddDeserializedError(builder, input);
            return ReportInput.Add(builder, PSObjectPropertySource.Of(input)) != ReportInputKind.Unknown;
        }

        private static bool AddError(ReportBuilder builder, ErrorRecord record)
        {
            var computer = ComputerNameOf(record.TargetObject);
            if (computer == null) return false;
            builder.AddError(computer, new ReportError
            {
                ErrorId = ErrorIdOf(record.FullyQualifiedErrorId),
                Category = record.CategoryInfo.Category.ToString(),
                Message = record.ErrorDetails?.Message ?? record.Exception?.Message,
                AppName = AppNameOf(record.TargetObject),
            });
            return true;
        }

        private static bool AddDeserializedError(ReportBuilder builder, PSObject input)
        {
            var source = PSObjectPropertySource.Of(input);
            var computer = ComputerNameOf(source.Get("TargetObject"));
            if (computer == null) return false;
            var category = PSObjectPropertySource.Of(source.Get("CategoryInfo"))?.Get("Category");
            var exception = PSObjectPropertySource.Of(source.Get("Exception"));
            builder.AddError(computer, new ReportError
            {
                ErrorId = ErrorIdOf(source.Get("FullyQualifiedErrorId") as string),
                Category = category?.ToString(),
                Message = exception?.Get("Message") as string,
                AppName = AppNameOf(source.Get("TargetObject")),
            });
            return true;
        }

        /// <summary>The computer an error is about: TargetObject is the name itself, or an object that carries it.</summary>
        private static string ComputerNameOf(object target)
        {
            target = PSObjectPropertySource.Unwrap(target);
            if (target is string name) return string.IsNullOrWhiteSpace(name) ? null : name;
            if (target is Finding finding) return finding.ComputerName;
            var source = PSObjectPropertySource.Of(target);
            var value = source?.Get("ComputerName") ?? PSObjectPropertySource.Of(source?.Get("App"))?.Get("ComputerName");
            return value as string;
        }

        private static string AppNameOf(object target)
        {
            target = PSObjectPropertySource.Unwrap(target);
            if (target == null || target is string) return null;
            var source = PSObjectPropertySource.Of(target);
            var app = PSObjectPropertySource.Of(source.Get("App"));
            return (source.Get("AppName") ?? app?.Get("DisplayName") ?? app?.Get("PackageName")) as string;
        }

        /// <summary>"UninstallFailed,AppBan.Cmdlets.Remove..." -> "UninstallFailed".</summary>
        private static string ErrorIdOf(string fullyQualified)
        {
            if (string.IsNullOrEmpty(fullyQualified)) return null;
            var comma = fullyQualified.IndexOf(',');
            return comma > 0 ? fullyQualified.Substring(0, comma) : fullyQualified;
        }
    }
}
