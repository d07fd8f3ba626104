using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Inventory;

namespace AppBan.Engine.Remediation
{
    /// <summary>
    /// Builds the exact inner command lines AppBan runs on a target (the ProcessClient wrapper adds the
    /// exit-code recording around them). All quoting happens here, and each builder takes only identifiers
    /// that were validated, so nothing read from a target can change the shape of a command.
    /// </summary>
    internal static class RemovalCommands
    {
        /// <summary>What every PowerShell command AppBan runs starts with, after the program.</summary>
        public const string PowerShellSwitches = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command ";
        private const string PowerShellPrefix = "powershell.exe " + PowerShellSwitches;

        /// <summary>msiexec.exe /x {GUID} /qn /norestart</summary>
        public static string Msi(string productCode) => "msiexec.exe " + MsiArguments(productCode);

        /// <summary>/x {GUID} /qn /norestart: the arguments of msiexec.exe that remove the product, silently.</summary>
        public static string MsiArguments(string productCode)
        {
            var code = MsiProductCode.TryNormalize(productCode)
                       ?? throw new ArgumentException("A product code is exactly {8-4-4-4-12} hex digits.", nameof(productCode));
            return "/x " + code + " /qn /norestart";
        }

        /// <summary>Remove-AppxPackage for one user, by SID.</summary>
        public static string RemoveAppxPackageForUser(string packageFullName, string userSid)
        {
            RequirePackage(packageFullName);
            if (!SecurityIdentifiers.IsValid(userSid)) throw new ArgumentException("A user SID is S-1-<digits>-...", nameof(userSid));
            return PowerShell("Remove-AppxPackage -Package " + PowerShellLiteral(packageFullName) + " -User " + PowerShellLiteral(userSid) + " -ErrorAction Stop");
        }

        /// <summary>
        /// The arguments of powershell.exe that remove a package for the user it runs as (no -User, no -AllUsers): what a
        /// task running as that user runs. [doc: Remove-AppxPackage] removes the package from the current user account.
        /// </summary>
        public static string RemoveAppxPackageForRunningUserArguments(string packageFullName)
        {
            RequirePackage(packageFullName);
            return PowerShellSwitches + CmdQuote("Remove-AppxPackage -Package " + PowerShellLiteral(packageFullName) + " -ErrorAction Stop");
        }

        /// <summary>Remove-AppxPackage for every user who has the package.</summary>
        public static string RemoveAppxPackageForAllUsers(string packageFullName)
        {
            RequirePackage(packageFullName);
            return PowerShell("Remove-AppxPackage -Package " + PowerShellLiteral(packageFullName) + " -AllUsers -ErrorAction Stop");
        }

        /// <summary>Remove-AppxProvisionedPackage: new users no longer get the package.</summary>
        public static string RemoveProvisionedPackage(string packageFullName)
        {
            RequirePackage(packageFullName);
            return PowerShell("Remove-AppxProvisionedPackage -Online -PackageName " + PowerShellLiteral(packageFullName) + " -ErrorAction Stop");
        }

        /// <summary>"X:\path\uninstaller.exe" args: the program quoted, the arguments as the entry wrote them.</summary>
        public static string Executable(string executablePath, IEnumerable<string> arguments)
        {
            if (string.IsNullOrEmpty(executablePath) || executablePath.IndexOf('"') >= 0)
                throw new ArgumentException("A program path is required and cannot contain quotes.", nameof(executablePath));
            var args = (arguments ?? Enumerable.Empty<string>()).Where(a => !string.IsNullOrEmpty(a)).ToList();
            var argumentError = ExecutablePolicy.CheckArguments(args);
            if (argumentError != null) throw new ArgumentException(argumentError, nameof(arguments));
            return CmdQuote(executablePath) + (args.Count > 0 ? " " + string.Join(" ", args) : string.Empty);
        }

        /// <summary>A PowerShell single-quoted literal: nothing inside is expanded, a quote is doubled.</summary>
        public static string PowerShellLiteral(string value) => "'" + (value ?? string.Empty).Replace("'", "''") + "'";

        private static string PowerShell(string script) => PowerShellPrefix + CmdQuote(script);

        private static string CmdQuote(string value) => "\"" + value + "\"";

        /// <summary>
        /// How a user's task's action reads as one line ("program" arguments), for results and questions; the task itself
        /// keeps the two apart, and both were checked when its definition was made.
        /// </summary>
        internal static string TaskActionLine(string program, string arguments) =>
            CmdQuote(program) + (string.IsNullOrEmpty(arguments) ? string.Empty : " " + arguments);

        private static void RequirePackage(string packageFullName)
        {
            if (!PackageIdentity.IsValidFullName(packageFullName))
                throw new ArgumentException("A package full name is Name_Version_Arch_ResourceId_PublisherId.", nameof(packageFullName));
        }
    }
}
