using System;
using System.IO;
using System.Management.Automation;
using AppBan.Engine;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// How cmdlets turn a -Path/-PolicyPath into a policy: resolved through PowerShell's provider (so relative
    /// paths follow the current location), on the FileSystem only, and bad input stops the cmdlet before any work.
    /// </summary>
    internal static class PolicyInput
    {
        /// <summary>The file system path for <paramref name="path"/>; a terminating error for other providers.</summary>
        internal static string ResolveFileSystemPath(PSCmdlet cmdlet, string path)
        {
            string resolved;
            ProviderInfo provider;
            try
            {
                resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException
                                       || ex is NotSupportedException || ex is ArgumentException || ex is ProviderInvocationException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.InvalidPolicyPath, ErrorCategory.InvalidArgument, path));
                return null;
            }
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException("The policy path '" + path + "' is on the " + provider.Name + " provider; a policy is a file on the file system."),
                    ErrorIds.InvalidPolicyPath, ErrorCategory.InvalidArgument, path));
                return null;
            }
            return resolved;
        }

        /// <summary>
        /// The built-in policy when <paramref name="path"/> is null, else the policy file. A bad or missing file is
        /// a terminating error whose message names the file, line and column of every problem.
        /// </summary>
        internal static AppBanPolicy Load(PSCmdlet cmdlet, string path)
        {
            if (path == null) return PolicyLoader.BuiltIn();
            var fullPath = ResolveFileSystemPath(cmdlet, path);
            try
            {
                if (Directory.Exists(fullPath))
                    throw new ArgumentException("The policy path '" + fullPath + "' is a folder; give the path of a policy file.");
                return PolicyLoader.LoadFile(fullPath);
            }
            catch (PolicyException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.InvalidPolicy, ErrorCategory.InvalidData, fullPath));
            }
            catch (ArgumentException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.InvalidPolicyPath, ErrorCategory.InvalidArgument, fullPath));
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new FileNotFoundException("The policy file '" + fullPath + "' does not exist.", fullPath, ex),
                    ErrorIds.PolicyFileNotFound, ErrorCategory.ObjectNotFound, fullPath));
            }
            catch (UnauthorizedAccessException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new UnauthorizedAccessException("The policy file '" + fullPath + "' cannot be read: access is denied.", ex),
                    ErrorIds.PolicyFileAccessDenied, ErrorCategory.PermissionDenied, fullPath));
            }
            catch (IOException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new IOException("The policy file '" + fullPath + "' cannot be read: " + ex.Message, ex),
                    ErrorIds.PolicyFileUnreadable, ErrorCategory.ReadError, fullPath));
            }
            return null;
        }
    }
}
