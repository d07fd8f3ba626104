using System.Text.RegularExpressions;

namespace AppBan.Engine.Text
{
    /// <summary>What a rule id may look like, for the rules a policy declares and for every exemption that names one.</summary>
    internal static class RuleIdSyntax
    {
        private static readonly Regex Pattern = new Regex(@"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z");

        /// <summary>For messages: the syntax in words.</summary>
        public const string Description = "may hold only letters, digits, '.', '_' and '-', must start with a letter or digit, and be at most 64 characters";

        public static bool IsValid(string id) => id != null && Pattern.IsMatch(id);
    }
}
