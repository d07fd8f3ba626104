using System;
using System.IO;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// -DeviceReportFolder: instead of one report file, one device report per target (&lt;name&gt;.json, JSON), for a
    /// collector to merge (docs/collecting-reports.md). A target whose report cannot be written is a non-terminating
    /// DeviceReportNotWritten error; the others are written all the same.
    /// </summary>
    public sealed partial class ExportAppBanReportCommand
    {
        private const string DeviceFolderSet = "DeviceFolder";

        private string _deviceFolder;

        /// <summary>A folder (a collector's share) for one device report per target; nothing else is written there.</summary>
        [Parameter(Mandatory = true, ParameterSetName = DeviceFolderSet)]
        [ValidateNotNullOrEmpty]
        public string DeviceReportFolder { get; set; }

        /// <summary>True when the folder was given; the path, format and -NoClobber checks of the File set do not apply.</summary>
        private bool BeginDeviceFolder()
        {
            if (DeviceReportFolder == null) return false;
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Format)) && Format != ReportFormat.Json)
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("Device reports are JSON: -Format " + Format + " cannot be used with -DeviceReportFolder."),
                    ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, Format));
            if (NoClobber)
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("-NoClobber cannot be used with -DeviceReportFolder: a device's newer report replaces its older one."),
                    ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, null));
            _deviceFolder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(DeviceReportFolder);
            _format = ReportFormat.Json;
            return true;
        }

        private void WriteDeviceReports(AppBanReport report, bool cancelled)
        {
            var results = DeviceReportWriter.Write(report, _deviceFolder);
            // A stopped pipeline's reports are written, but StopProcessing's thread may not call PowerShell.
            if (cancelled) return;
            if (results.Count == 0)
                WriteError(new ErrorRecord(new InvalidOperationException("No device report was written to '" + _deviceFolder + "': nothing that arrived names a computer."),
                    ErrorIds.DeviceReportNotWritten, ErrorCategory.WriteError, _deviceFolder));
            foreach (var result in results)
            {
                if (result.Written)
                {
                    if (PassThru) WriteObject(new FileInfo(result.Path));
                    continue;
                }
                WriteError(new ErrorRecord(new IOException(result.Error, result.Exception), ErrorIds.DeviceReportNotWritten, ErrorCategory.WriteError, result.ComputerName)
                {
                    ErrorDetails = new ErrorDetails("The device report of " + result.ComputerName + " was not written: " + result.Error),
                });
            }
        }
    }
}
