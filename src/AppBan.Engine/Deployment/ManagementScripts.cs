using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using AppBan.Engine.Policy;
using AppBan.Engine.Reporting;

namespace AppBan.Engine.Deployment
{
    public enum ManagementScriptKind
    {
        ConfigMgrDiscovery,
        ConfigMgrRemediation,
        ConfigMgrRunScript,
        IntuneDetection,
        IntuneRemediation,
    }

    /// <summary>What a generated script embeds.</summary>
    public sealed class ManagementScriptOptions
    {
        /// <summary>The policy document, as JSON text.</summary>
        public string PolicyJson { get; set; }
        public string PolicyName { get; set; }
        /// <summary>SHA-256 of the policy file the script was generated from, for the header.</summary>
        public string PolicySha256 { get; set; }
        /// <summary>Where the policy came from (a file path or "(built-in)"), for the header.</summary>
        public string PolicySource { get; set; }
        public string ModuleVersion { get; set; }
        public DateTimeOffset GeneratedOn { get; set; } = DateTimeOffset.UtcNow;
        /// <summary>The script host's timeout in seconds (ConfigMgr's default is 60).</summary>
        public int TimeoutSec { get; set; } = ManagementScripts.ConfigMgrDefaultTimeoutSec;
        /// <summary>
        /// The folder (a collector's share) each run leaves its device report in; null for none. Absolute, ASCII (see
        /// <see cref="ManagementScripts.TryCheckReportFolder"/>).
        /// </summary>
        public string ReportFolder { get; set; }
    }

    /// <summary>
    /// Generates the scripts Configuration Manager and Intune run on each endpoint. The output is plain ASCII, so it
    /// reads the same as UTF-8 without a byte order mark (what Intune wants) and as the ANSI code page (how Windows
    /// PowerShell 5.1 reads a file without one).
    /// </summary>
    public static class ManagementScripts
    {
        public const int ConfigMgrDefaultTimeoutSec = 60;
        /// <summary>[guess W052] Intune's script timeout is well above this; removals can take minutes.</summary>
        public const int IntuneDefaultTimeoutSec = 300;
        /// <summary>Seconds kept back from the host's timeout for starting PowerShell and loading the module.</summary>
        public const int StartupAllowanceSec = 15;
        public const int MaxOperationTimeoutSec = 30;
        /// <summary>Run Scripts keeps 4 KB of JSON; the script keeps its answer below this many characters.</summary>
        public const int RunScriptJsonLimit = 3500;

        public static string FileName(ManagementScriptKind kind)
        {
            switch (kind)
            {
                case ManagementScriptKind.ConfigMgrDiscovery: return "AppBan-ConfigMgr-Discovery.ps1";
                case ManagementScriptKind.ConfigMgrRemediation: return "AppBan-ConfigMgr-Remediation.ps1";
                case ManagementScriptKind.ConfigMgrRunScript: return "AppBan-ConfigMgr-RunScript.ps1";
                case ManagementScriptKind.IntuneDetection: return "AppBan-Intune-Detection.ps1";
                case ManagementScriptKind.IntuneRemediation: return "AppBan-Intune-Remediation.ps1";
                default: throw new ArgumentOutOfRangeException(nameof(kind));
            }
        }

        public static string Generate(ManagementScriptKind kind, ManagementScriptOptions options)
        {
            if (options == null) throw new ArgumentNullException(nameof(options));
            if (string.IsNullOrWhiteSpace(options.PolicyJson)) throw new ArgumentException("The policy JSON is required.", nameof(options));
            if (options.TimeoutSec < StartupAllowanceSec * 2)
                throw new ArgumentOutOfRangeException(nameof(options), options.TimeoutSec, "The timeout must be at least " + (StartupAllowanceSec * 2) + " seconds.");

            if (!string.IsNullOrEmpty(options.ReportFolder) && !TryCheckReportFolder(options.ReportFolder, out var folderProblem))
                throw new ArgumentException(folderProblem, nameof(options));

            var runTimeout = options.TimeoutSec - StartupAllowanceSec;
            var operationTimeout = Math.Min(MaxOperationTimeoutSec, runTimeout);
            // The placeholder sits in a comment line so that the template itself parses (and is linted).
            var common = System.Text.RegularExpressions.Regex.Replace(Template("Common.ps1"), @"^[ \t]*#\{\{EXTRA_PARAMETERS\}\}\r?\n",
                    kind == ManagementScriptKind.ConfigMgrRunScript
                        ? "    # Detect (default) or Remediate.\r\n    [ValidateSet('Detect', 'Remediate')]\r\n    [string] $Action = 'Detect',\r\n"
                        : string.Empty, System.Text.RegularExpressions.RegexOptions.Multiline)
                .Replace("{{POLICY_NAME}}", SingleQuoted(options.PolicyName ?? "(unnamed)"))
                .Replace("{{POLICY_BASE64}}", Convert.ToBase64String(new UTF8Encoding(false).GetBytes(options.PolicyJson)))
                .Replace("{{POLICY_COMMENT}}", CommentLines(options.PolicyJson))
                .Replace("{{REPORT_FOLDER}}", SingleQuoted(options.ReportFolder ?? string.Empty))
                .Replace("{{OPERATION_TIMEOUT}}", operationTimeout.ToString(CultureInfo.InvariantCulture))
                .Replace("{{RUN_TIMEOUT}}", runTimeout.ToString(CultureInfo.InvariantCulture))
                .Replace("{{EXIT_COMPLIANT}}", ExitCodeText(UnattendedExitCode.Compliant))
                .Replace("{{EXIT_REMEDIATED}}", ExitCodeText(UnattendedExitCode.Remediated))
                .Replace("{{EXIT_NONCOMPLIANT}}", ExitCodeText(UnattendedExitCode.NonCompliantRemains))
                .Replace("{{EXIT_FAILED}}", ExitCodeText(UnattendedExitCode.TargetsFailed))
                .Replace("{{EXIT_REPORT_NOT_DELIVERED}}", ExitCodeText(UnattendedExitCode.ReportNotDelivered))
                .Replace("{{NATIVE_RELAUNCH}}", NativeRelaunchFunction());
            var generated = "Generated by AppBan " + Ascii(options.ModuleVersion ?? "") + " on " +
                options.GeneratedOn.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) +
                " from policy '" + Ascii(RunSummary.OneLineOf(options.PolicyName ?? "(unnamed)")) + "'" +
                (string.IsNullOrEmpty(options.PolicySha256) ? "" : " (SHA-256 " + Ascii(options.PolicySha256) + ")") +
                (string.IsNullOrEmpty(options.PolicySource) ? "" : ", " + Ascii(RunSummary.OneLineOf(options.PolicySource))) +
                "; script timeout " + options.TimeoutSec.ToString(CultureInfo.InvariantCulture) + " s.";
            var script = Template(TemplateName(kind))
                .Replace("{{GENERATED}}", generated.Replace("#>", "# >"))
                .Replace("{{JSON_LIMIT}}", RunScriptJsonLimit.ToString(CultureInfo.InvariantCulture))
                .Replace("{{COMMON}}", common);
            script = script.Replace("\r\n", "\n").Replace("\n", "\r\n");
            foreach (var ch in script)
                if (ch > 0x7E && ch != '\r' && ch != '\n') throw new InvalidOperationException("A generated script must be ASCII.");
            return script;
        }

        /// <summary>
        /// Options for a policy: its document text as it was read when that can be had (so that the hash a run reports
        /// is the file's), else the policy written out again.
        /// </summary>
        public static ManagementScriptOptions OptionsFor(AppBanPolicy policy, int timeoutSec, string moduleVersion)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            string json = null;
            if (policy.IsBuiltIn) json = PolicyLoader.BuiltInJsonOf(policy);
            else if (File.Exists(policy.SourcePath))
            {
                var bytes = File.ReadAllBytes(policy.SourcePath);
                if (string.Equals(PolicyLoader.Sha256Hex(bytes), policy.Sha256, StringComparison.OrdinalIgnoreCase))
                    json = PolicyLoader.Decode(bytes);
            }
            if (json == null) json = PolicyWriter.ToJson(policy);
            return new ManagementScriptOptions
            {
                PolicyJson = json,
                PolicyName = policy.Name,
                // The hash the scripts' runs will report: that of the embedded text.
                PolicySha256 = PolicyLoader.Sha256Hex(new UTF8Encoding(false).GetBytes(json)),
                PolicySource = policy.Source,
                ModuleVersion = moduleVersion,
                TimeoutSec = timeoutSec,
            };
        }

        /// <summary>
        /// The PowerShell function that tells a script started in 32-bit PowerShell on 64-bit Windows how to restart in
        /// 64-bit Windows PowerShell. Every generated script embeds it; Invoke-AppBanScheduled.ps1 carries the same text
        /// (a test holds the two equal).
        /// </summary>
        public static string NativeRelaunchFunction() => Template("NativeRelaunch.ps1").Replace("\r\n", "\n").TrimEnd('\n');

        /// <summary>
        /// A report folder a script can embed: an absolute path (a share, \\server\share\..., a drive path, C:\..., or a
        /// rooted path for PowerShell on other systems, /...) of printable ASCII, without the characters Windows refuses in
        /// a path (&lt; &gt; " | ? *) and without "..", so that the embedded text is the folder and nothing else.
        /// </summary>
        public static bool TryCheckReportFolder(string folder, out string reason)
        {
            reason = null;
            if (string.IsNullOrWhiteSpace(folder)) reason = "The report folder is empty.";
            else if (folder.Length > 240) reason = "The report folder is longer than 240 characters.";
            else if (folder.Any(c => c < 0x20 || c > 0x7E || "<>\"|?*".IndexOf(c) >= 0))
                reason = "The report folder '" + Ascii(folder) + "' has characters a generated script cannot carry safely (non-ASCII, control characters or < > \" | ? *).";
            else if (!(System.Text.RegularExpressions.Regex.IsMatch(folder, @"^\\\\[^\\/]+\\[^\\/]+")
                    || System.Text.RegularExpressions.Regex.IsMatch(folder, @"^[A-Za-z]:\\")
                    || folder.StartsWith("/", StringComparison.Ordinal) && !folder.StartsWith("//", StringComparison.Ordinal)))
                reason = "The report folder '" + folder + "' is not an absolute path (\\\\server\\share\\folder or C:\\folder): a script runs where no current folder can be relied on.";
            else if (folder.Split('\\', '/').Any(part => part == ".."))
                reason = "The report folder '" + folder + "' has a '..' part.";
            else if (folder.Length > 2 && folder.IndexOf(':', 2) >= 0) reason = "The report folder '" + folder + "' has a ':' after its drive.";
            return reason == null;
        }

        private static string ExitCodeText(UnattendedExitCode code) => ((int)code).ToString(CultureInfo.InvariantCulture);

        /// <summary>The bytes to write: ASCII, which is UTF-8 without a byte order mark.</summary>
        public static byte[] Encode(string script) => new UTF8Encoding(false).GetBytes(script);

        private static string TemplateName(ManagementScriptKind kind)
        {
            switch (kind)
            {
                case ManagementScriptKind.ConfigMgrDiscovery: return "ConfigMgrDiscovery.ps1";
                case ManagementScriptKind.ConfigMgrRemediation: return "ConfigMgrRemediation.ps1";
                case ManagementScriptKind.ConfigMgrRunScript: return "ConfigMgrRunScript.ps1";
                case ManagementScriptKind.IntuneDetection: return "IntuneDetection.ps1";
                default: return "IntuneRemediation.ps1";
            }
        }

        private static string Template(string name)
        {
            var resource = "AppBan.Engine.Deployment.Scripts." + name;
            using (var stream = typeof(ManagementScripts).Assembly.GetManifestResourceStream(resource))
            {
                if (stream == null) throw new InvalidOperationException("The script template " + resource + " is missing from the engine assembly.");
                using (var reader = new StreamReader(stream, Encoding.UTF8))
                    return reader.ReadToEnd();
            }
        }

        /// <summary>
        /// Text for a single-quoted PowerShell string: ASCII only (PowerShell also ends a single-quoted string at the
        /// typographic quotes U+2018..U+201B, which <see cref="Ascii"/> turns into escapes), quotes doubled.
        /// </summary>
        internal static string SingleQuoted(string text) => Ascii(RunSummary.OneLineOf(text)).Replace("'", "''");

        /// <summary>The policy as comment lines, for people reading the script.</summary>
        private static string CommentLines(string json)
        {
            var lines = json.Replace("\r\n", "\n").Split('\n');
            var text = new StringBuilder();
            text.Append("#   --- policy (readable copy) ---\r\n");
            foreach (var line in lines)
                text.Append("#   ").Append(Ascii(RunSummary.OneLineOf(line)).TrimEnd()).Append("\r\n");
            text.Append("#   --- end of policy ---");
            return text.ToString();
        }

        /// <summary>Non-ASCII characters become \uXXXX so that the script stays ASCII.</summary>
        internal static string Ascii(string text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
            var result = new StringBuilder(text.Length);
            foreach (var ch in text)
            {
                if (ch >= 0x20 && ch <= 0x7E) result.Append(ch);
                else result.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture));
            }
            return result.ToString();
        }
    }
}
