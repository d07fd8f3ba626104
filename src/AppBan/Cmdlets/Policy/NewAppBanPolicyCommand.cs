using System;
using System.IO;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// New-AppBanPolicy -Path [-Name] [-PolicyName] [-Force]: writes a starter policy file from a built-in policy, to edit:
    /// the one -PolicyName names, else the one -Name names when it is a built-in name ("ByteDance"), else the default (TikTok).
    /// </summary>
    [Cmdlet(VerbsCommon.New, "AppBanPolicy", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(FileInfo))]
    public sealed class NewAppBanPolicyCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; }

        /// <summary>The policy's name; by default the file name without its extension.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; }

        /// <summary>The built-in policy to start from ("TikTok", "ByteDance").</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [BuiltInPolicyName]
        [ArgumentCompleter(typeof(BuiltInPolicyNameCompleter))]
        public string PolicyName { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        private static string BuiltInNameOrDefault(string name)
        {
            foreach (var known in PolicyLoader.BuiltInNames)
                if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase)) return known;
            return null; // the default document
        }

        protected override void ProcessRecord()
        {
            var fullPath = PolicyInput.ResolveFileSystemPath(this, Path);
            if (Directory.Exists(fullPath))
            {
                WriteError(new ErrorRecord(new IOException("'" + fullPath + "' is a folder; give the path of the policy file to create."),
                    ErrorIds.PolicyPathIsFolder, ErrorCategory.InvalidArgument, fullPath));
                return;
            }
            bool exists = File.Exists(fullPath);
            if (exists && !Force)
            {
                WriteError(new ErrorRecord(new IOException("The file '" + fullPath + "' already exists. Use -Force to overwrite it."),
                    ErrorIds.PolicyFileExists, ErrorCategory.ResourceExists, fullPath));
                return;
            }
            var folder = System.IO.Path.GetDirectoryName(fullPath);
            if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
            {
                WriteError(new ErrorRecord(new DirectoryNotFoundException("The folder '" + folder + "' does not exist."),
                    ErrorIds.PolicyFolderNotFound, ErrorCategory.ObjectNotFound, fullPath));
                return;
            }
            if (!ShouldProcess(fullPath, exists ? "Overwrite with a starter AppBan policy" : "Create a starter AppBan policy")) return;

            var builtIn = PolicyInput.BuiltIn(this, PolicyName ?? BuiltInNameOrDefault(Name));
            var starter = new AppBanPolicy(Name ?? System.IO.Path.GetFileNameWithoutExtension(fullPath), builtIn.EnforceAfter,
                builtIn.Rules, builtIn.Exemptions, builtIn.Description);
            try
            {
                PolicyWriter.WriteFile(starter, fullPath, overwrite: Force);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, ErrorIds.PolicyWriteFailed, ErrorCategory.WriteError, fullPath));
                return;
            }
            WriteObject(new FileInfo(fullPath));
        }
    }
}
