using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Management.Automation.Runspaces;
using AppBan.Engine.Policy;

namespace AppBan.Cmdlets
{
    /// <summary>
    /// Completes -Rule with the rule ids of the effective policy: the -Policy object or -PolicyPath file already on the
    /// command line, else the built-in policy. A policy that cannot be read completes nothing.
    /// </summary>
    public sealed class RuleIdCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            AppBanPolicy policy;
            try { policy = EffectivePolicy(fakeBoundParameters); }
            catch (Exception ex) when (ex is PolicyException || ex is IOException || ex is UnauthorizedAccessException
                                       || ex is ArgumentException || ex is NotSupportedException || ex is InvalidOperationException
                                       || ex is RuntimeException)
            {
                return Enumerable.Empty<CompletionResult>();
            }
            return Complete(policy, wordToComplete);
        }

        internal static IEnumerable<CompletionResult> Complete(AppBanPolicy policy, string wordToComplete)
        {
            if (policy == null) return Enumerable.Empty<CompletionResult>();
            var typed = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            return policy.Rules
                .Where(r => pattern.IsMatch(r.Id))
                .Select(r => new CompletionResult(r.Id, r.Id, CompletionResultType.ParameterValue,
                    string.IsNullOrEmpty(r.DisplayName) ? r.Id : r.DisplayName))
                .ToList();
        }

        private static AppBanPolicy EffectivePolicy(IDictionary bound)
        {
            if (bound != null && bound.Contains("Policy"))
            {
                var value = bound["Policy"];
                if (value is PSObject wrapped) value = wrapped.BaseObject;
                return value as AppBanPolicy;
            }
            if (bound != null && bound.Contains("PolicyPath"))
            {
                var path = LanguagePrimitives.ConvertTo<string>(bound["PolicyPath"]);
                if (string.IsNullOrEmpty(path)) return null;
                return PolicyLoader.LoadFile(ResolveInCurrentLocation(path));
            }
            return PolicyLoader.BuiltIn();
        }

        /// <summary>The file system path of <paramref name="path"/>, relative paths taken from the session's current location.</summary>
        private static string ResolveInCurrentLocation(string path)
        {
            if (Runspace.DefaultRunspace == null) return Path.GetFullPath(path);
            using (var ps = PowerShell.Create(RunspaceMode.CurrentRunspace))
            {
                ps.AddScript("param($p) $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p)").AddArgument(path);
                var resolved = ps.Invoke();
                if (ps.HadErrors || resolved.Count != 1) throw new ArgumentException("Cannot resolve the policy path '" + path + "'.");
                return resolved[0].BaseObject as string ?? throw new ArgumentException("Cannot resolve the policy path '" + path + "'.");
            }
        }
    }
}
