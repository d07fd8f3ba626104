using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Policy;
using AppBan.Engine.Deployment;
using AppBan.Engine.Reporting;

namespace AppBan.Cmdlets
{
    /// <summary>What the ConfigMgr and Intune script exports share: the policy to embed, the folder, the timeout.</summary>
    public abstract class ExportManagementScriptCommand : PSCmdlet
    {
        /// <summary>The policy file to embed; without it and -Policy, the built-in policy.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string PolicyPath { get; set; }

        /// <summary>A built-in policy by name ("TikTok", "ByteDance"), instead of -PolicyPath or -Policy.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        [Parameter]
        [ValidateNotNull]
        public AppBanPolicy Policy { get; set; }

        /// <summary>The folder the scripts are written to (created when missing); the current folder by default.</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>The script host's timeout the scripts must fit in.</summary>
        [Parameter]
        [ValidateRange(30, 3600)]
        public int TimeoutSec { get; set; }

        /// <summary>
        /// A folder (a collector's share, \\server\share\AppBan) every run of the scripts writes its device report to, as
        /// &lt;computer&gt;.json. Absolute and ASCII: the scripts embed it.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ReportFolder { get; set; }

        /// <summary>Overwrite existing files.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected abstract IEnumerable<ManagementScriptKind> Kinds { get; }

        protected abstract int DefaultTimeoutSec { get; }

        protected override void EndProcessing()
        {
            if (Policy != null && PolicyPath != null)
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give either -Policy or -PolicyPath, not both."),
                    ErrorIds.PolicyAndPolicyPath, ErrorCategory.InvalidArgument, null));
            if (ReportFolder != null && !ManagementScripts.TryCheckReportFolder(ReportFolder, out var folderProblem))
                ThrowTerminatingError(new ErrorRecord(new ArgumentException(folderProblem), ErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, ReportFolder));
            PolicyInput.RequireOneSource(this, Policy, PolicyPath, PolicyName);
            var policy = Policy ?? PolicyInput.Load(this, PolicyPath, PolicyName);
            var folder = PolicyInput.ResolveFileSystemPath(this, string.IsNullOrEmpty(Path) ? "." : Path);
            var version = MyInvocation.MyCommand.Module?.Version?.ToString();
            var options = ManagementScripts.OptionsFor(policy, TimeoutSec > 0 ? TimeoutSec : DefaultTimeoutSec, version);
            options.ReportFolder = ReportFolder;

            foreach (var kind in Kinds)
            {
                var file = System.IO.Path.Combine(folder, ManagementScripts.FileName(kind));
                if (File.Exists(file) && !Force)
                {
                    WriteError(new ErrorRecord(new IOException("The file '" + file + "' already exists; use -Force to replace it."),
                        ErrorIds.ScriptFileExists, ErrorCategory.ResourceExists, file));
                    continue;
                }
                if (!ShouldProcess(file, "Write " + kind + " script")) continue;
                var bytes = ManagementScripts.Encode(ManagementScripts.Generate(kind, options));
                try
                {
                    AtomicFile.Write(file, stream => stream.Write(bytes, 0, bytes.Length));
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    WriteError(new ErrorRecord(ex, ErrorIds.ScriptWriteFailed, ErrorCategory.WriteError, file));
                    continue;
                }
                WriteObject(new FileInfo(file));
            }
        }
    }

    /// <summary>Writes the discovery and remediation scripts of a ConfigMgr configuration item, and a Run Scripts variant.</summary>
    [Cmdlet(VerbsData.Export, "AppBanConfigMgrScript", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportAppBanConfigMgrScriptCommand : ExportManagementScriptCommand
    {
        protected override IEnumerable<ManagementScriptKind> Kinds => new[]
        {
            ManagementScriptKind.ConfigMgrDiscovery, ManagementScriptKind.ConfigMgrRemediation, ManagementScriptKind.ConfigMgrRunScript,
        };

        protected override int DefaultTimeoutSec => ManagementScripts.ConfigMgrDefaultTimeoutSec;
    }

    /// <summary>Writes the detection and remediation scripts of an Intune Remediations script package.</summary>
    [Cmdlet(VerbsData.Export, "AppBanIntuneScript", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportAppBanIntuneScriptCommand : ExportManagementScriptCommand
    {
        protected override IEnumerable<ManagementScriptKind> Kinds => new[]
        {
            ManagementScriptKind.IntuneDetection, ManagementScriptKind.IntuneRemediation,
        };

        protected override int DefaultTimeoutSec => ManagementScripts.IntuneDefaultTimeoutSec;
    }
}
