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
        internal static AppBanPolicy Load(PSCmdlet cmdlet, string path) => Load(cmdlet, path, null);

        /// <summary>
        /// The built-in policy <paramref name="name"/> when one is named, else as <see cref="Load(PSCmdlet, string)"/>.
        /// Naming both a built-in policy and a file is a terminating error.
        /// </summary>
        internal static AppBanPolicy Load(PSCmdlet cmdlet, string path, string name)
        {
            if (name != null)
            {
                if (path != null)
                    cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give either -PolicyName or -PolicyPath, not both."),
                        ErrorIds.PolicyAndPolicyPath, ErrorCategory.InvalidArgument, null));
                return BuiltIn(cmdlet, name);
            }
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

        /// <summary>The built-in policy called <paramref name="name"/>; a terminating error naming the choices for any other.</summary>
        /// <param name="name">A built-in policy's name, or null for the default (no policy named).</param>
        internal static AppBanPolicy BuiltIn(PSCmdlet cmdlet, string name)
        {
            try
            {
                return name == null ? PolicyLoader.BuiltIn() : PolicyLoader.BuiltIn(name);
            }
            catch (ArgumentException ex)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(ex, ErrorIds.InvalidPolicyName, ErrorCategory.InvalidArgument, name));
                return null;
            }
        }

        /// <summary>Throws when more than one of -Policy, -PolicyPath and -PolicyName is given.</summary>
        internal static void RequireOneSource(PSCmdlet cmdlet, object policy, string path, string name)
        {
            int given = (policy != null ? 1 : 0) + (path != null ? 1 : 0) + (name != null ? 1 : 0);
            if (given > 1)
                cmdlet.ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give only one of -Policy, -PolicyPath and -PolicyName."),
                    ErrorIds.PolicyAndPolicyPath, ErrorCategory.InvalidArgument, null));
        }
    }

    /// <summary>Completes and checks -PolicyName against the engine's built-in policy names.</summary>
    public sealed class BuiltInPolicyNameAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            var name = arguments as string;
            foreach (var known in PolicyLoader.BuiltInNames)
                if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase)) return;
            throw new ValidationMetadataException("There is no built-in policy called '" + name + "'. The built-in policies are: "
                + string.Join(", ", PolicyLoader.BuiltInNames) + ".");
        }
    }

    /// <summary>Tab completion of built-in policy names.</summary>
    public sealed class BuiltInPolicyNameCompleter : IArgumentCompleter
    {
        public System.Collections.Generic.IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName,
            string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
        {
            var prefix = (wordToComplete ?? string.Empty).Trim('\'', '"');
            foreach (var name in PolicyLoader.BuiltInNames)
                if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                    yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, "The built-in policy " + name);
        }
    }
}
