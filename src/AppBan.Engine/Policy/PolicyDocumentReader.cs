using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// Reads a policy document into the model, collecting every problem with its line and column instead of
    /// stopping at the first. Nothing is silently ignored: unknown properties, comments and duplicates are problems.
    /// The JSON syntax is <see cref="PolicyJsonSyntax"/>'s job and positions are <see cref="PolicyTextPositions"/>';
    /// this class checks the schema and every field, and exemption entries against <see cref="ExemptionRules"/>.
    /// </summary>
    internal sealed partial class PolicyDocumentReader
    {
        internal static readonly string[] TopLevelProperties = { "$schema", "schemaVersion", "name", "description", "enforceAfter", "rules", "exemptions" };
        internal static readonly string[] RuleProperties = { "id", "displayName", "description", "matchers", "removal" };
        internal static readonly string[] RemovalProperties = { "removeProvisioned", "silentSwitches", "blockSites", "webAppManifestIds" };
        internal static readonly string[] MatcherKinds = { "packageName", "packageFamilyName", "productCode", "keyName", "displayName", "displayNameRegex", "webApp" };
        internal static readonly string[] MatcherProperties = MatcherKinds.Concat(new[] { "publisher" }).ToArray();
        internal static readonly string[] ExemptionProperties = { "id", "ruleId", "user", "userSid", "computer", "reason", "approvedBy", "grantedOn", "expires", "notBefore" };

        // A plain switch such as /S, /qn, --silent or -q=1: nothing a command interpreter would act on.
        private static readonly Regex SilentSwitchSyntax = new Regex(@"^(/|-{1,2})[A-Za-z0-9][A-Za-z0-9_.:=+-]{0,63}$");
        private static readonly Regex PackageNameChars = new Regex(@"^[A-Za-z0-9.\-*?\[\]`]+$");
        private static readonly Regex PackageFamilyChars = new Regex(@"^[A-Za-z0-9._\-*?\[\]`]+$");

        private readonly string _location;
        private readonly PolicyProblemList _problems;

        private PolicyDocumentReader(string json, string file, string location)
        {
            _location = location;
            _problems = new PolicyProblemList(file, new PolicyTextPositions(json));
        }

        /// <summary>
        /// Reads <paramref name="json"/>. <paramref name="file"/> names it in problems; <paramref name="sourcePath"/>
        /// (null for the built-in policy) becomes the policy's SourcePath and its exemptions' Location.
        /// </summary>
        internal static AppBanPolicy Read(string json, string file, string sourcePath, string sha256, out IReadOnlyList<PolicyProblem> problems)
        {
            var reader = new PolicyDocumentReader(json, file, sourcePath ?? file);
            var policy = reader.ReadDocument(json, sourcePath, sha256);
            problems = reader._problems.InDocumentOrder();
            return problems.Count == 0 ? policy : null;
        }

        private AppBanPolicy ReadDocument(string json, string sourcePath, string sha256)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                Problem(0, 0, "the file is empty; a policy is a JSON object that starts with '{'");
                return null;
            }
            if (!PolicyJsonSyntax.Scan(json, _problems)) return null;

            JObject root;
            using (var text = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal })
            {
                root = (JObject)JToken.ReadFrom(text, new JsonLoadSettings
                {
                    LineInfoHandling = LineInfoHandling.Load,
                    CommentHandling = CommentHandling.Ignore,
                    DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Replace,
                });
            }

            var version = Property(root, "schemaVersion");
            if (version == null)
                Problem(root, "the policy has no 'schemaVersion'; add \"schemaVersion\": " + AppBanPolicy.CurrentSchemaVersion);
            else if (version.Value.Type != JTokenType.Integer)
                Problem(version, "'schemaVersion' must be the number " + AppBanPolicy.CurrentSchemaVersion + ", written without quotes");
            else if (version.Value.Value<long>() != AppBanPolicy.CurrentSchemaVersion)
            {
                // Another version's document would drown in unknown-property problems: report the one that matters.
                Problem(version, "schemaVersion " + version.Value.Value<long>() + " is not supported; this version of AppBan reads schemaVersion " + AppBanPolicy.CurrentSchemaVersion);
                return null;
            }

            CheckProperties(root, "the policy", TopLevelProperties);
            OptionalString(root, "$schema", "the policy");
            var name = RequiredString(root, "name", "the policy");
            var description = OptionalString(root, "description", "the policy");
            var enforceAfter = OptionalDate(root, "enforceAfter", "the policy");

            var declaredRuleIds = new List<string>();
            var rules = ReadRules(root, declaredRuleIds);
            var exemptions = ReadExemptions(root, declaredRuleIds);

            if (_problems.Count > 0) return null;
            return new AppBanPolicy(name, enforceAfter, rules, exemptions, description, sourcePath, sha256);
        }

        // ---- Rules

        private List<PolicyRule> ReadRules(JObject root, List<string> declaredIds)
        {
            var rules = new List<PolicyRule>();
            var property = Property(root, "rules");
            if (property == null || property.Value.Type == JTokenType.Null)
            {
                Problem(root, "the policy has no 'rules' list; a policy bans at least one app");
                return rules;
            }
            if (!(property.Value is JArray array))
            {
                Problem(property, "'rules' must be a list: \"rules\": [ { ... }, ... ]");
                return rules;
            }
            if (array.Count == 0) Problem(property, "'rules' is empty; a policy bans at least one app");

            var firstLine = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < array.Count; i++)
            {
                if (!(array[i] is JObject ruleObject))
                {
                    Problem(array[i], "rule " + (i + 1) + " must be an object { \"id\": ..., \"displayName\": ..., \"matchers\": [...] }");
                    continue;
                }
                var idProperty = Property(ruleObject, "id");
                var rule = ReadRule(ruleObject, i + 1, out var id);
                if (id == null) continue;
                if (firstLine.TryGetValue(id, out var line))
                {
                    Problem(idProperty, "rule '" + id + "' is defined twice (first on line " + line + "); rule ids must be unique");
                    continue;
                }
                firstLine[id] = Where(idProperty).Line;
                declaredIds.Add(id);
                if (rule != null) rules.Add(rule);
            }
            return rules;
        }

        private PolicyRule ReadRule(JObject ruleObject, int position, out string id)
        {
            int before = _problems.Count;
            id = RequiredString(ruleObject, "id", "rule " + position);
            if (id != null && !RuleIdSyntax.IsValid(id))
            {
                Problem(Property(ruleObject, "id"), "rule id '" + id + "' " + RuleIdSyntax.Description);
                id = null;
            }
            var label = id != null ? "rule '" + id + "'" : "rule " + position;
            CheckProperties(ruleObject, label, RuleProperties);
            var displayName = RequiredString(ruleObject, "displayName", label);
            var description = OptionalString(ruleObject, "description", label);
            var matchers = ReadMatchers(ruleObject, label);
            var removal = ReadRemoval(ruleObject, label);
            if (_problems.Count > before || id == null) return null;
            return new PolicyRule(id, displayName, description, matchers, removal);
        }

        private List<RuleMatcher> ReadMatchers(JObject ruleObject, string label)
        {
            var matchers = new List<RuleMatcher>();
            var property = Property(ruleObject, "matchers");
            if (property == null || property.Value.Type == JTokenType.Null)
            {
                Problem(ruleObject, label + " has no 'matchers'; say how to recognise the app, e.g. \"matchers\": [ { \"packageFamilyName\": \"...\" } ]");
                return matchers;
            }
            if (!(property.Value is JArray array))
            {
                Problem(property, "'matchers' of " + label + " must be a list: \"matchers\": [ { ... }, ... ]");
                return matchers;
            }
            if (array.Count == 0) Problem(property, "'matchers' of " + label + " is empty; the rule would never match anything");
            for (int i = 0; i < array.Count; i++)
            {
                var where = "matcher " + (i + 1) + " of " + label;
                if (!(array[i] is JObject matcherObject))
                {
                    Problem(array[i], where + " must be an object such as { \"keyName\": \"CapCut\" }");
                    continue;
                }
                var matcher = ReadMatcher(matcherObject, where);
                if (matcher == null) continue;
                var refusal = AppCorpus.Refusal(matcher);
                if (refusal != null)
                {
                    var at = (JToken)matcherObject.Properties().FirstOrDefault(p => MatcherKinds.Contains(p.Name, StringComparer.Ordinal))
                        ?? Property(matcherObject, "publisher");
                    Problem(at, where + ": " + refusal);
                    continue;
                }
                matchers.Add(matcher);
            }
            return matchers;
        }

        private RuleMatcher ReadMatcher(JObject matcherObject, string where)
        {
            CheckProperties(matcherObject, where, MatcherProperties);
            var kinds = matcherObject.Properties().Where(p => MatcherKinds.Contains(p.Name, StringComparer.Ordinal)).ToList();
            var publisherProperty = Property(matcherObject, "publisher");
            if (kinds.Count == 0 && publisherProperty != null)
            {
                // A publisher alone bans every app that publisher ships.
                var publisherOnly = RequiredString(matcherObject, "publisher", where);
                if (publisherOnly == null) return null;
                if (!PublisherName.TryPattern(publisherOnly, out _, out var publisherError))
                {
                    Problem(publisherProperty, where + ": 'publisher' " + publisherError);
                    return null;
                }
                return RuleMatcher.ByPublisher(publisherOnly);
            }
            if (kinds.Count == 0)
            {
                Problem(matcherObject, where + " says nothing to match; give one of " + string.Join(", ", MatcherProperties));
                return null;
            }
            if (kinds.Count > 1)
            {
                Problem(kinds[1], where + " has both '" + kinds[0].Name + "' and '" + kinds[1].Name + "'; a matcher tests one thing, so split it into two matchers (a rule matches when any of its matchers does)");
                return null;
            }
            var kind = kinds[0];
            if (publisherProperty != null && kind.Name != "displayName" && kind.Name != "displayNameRegex")
            {
                Problem(publisherProperty, where + ": 'publisher' can only go with 'displayName' or 'displayNameRegex', not with '" + kind.Name + "'");
                return null;
            }
            var value = RequiredString(matcherObject, kind.Name, where);
            if (value == null) return null;

            switch (kind.Name)
            {
                case "productCode":
                    if (!RuleMatcher.TryParseProductCode(value, out _))
                    {
                        Problem(kind, where + ": '" + value + "' is not an MSI ProductCode; write it as a GUID such as {01234567-89AB-CDEF-0123-456789ABCDEF}");
                        return null;
                    }
                    return RuleMatcher.ProductCode(value);
                case "packageName":
                case "packageFamilyName":
                    var family = kind.Name == "packageFamilyName";
                    if (!(family ? PackageFamilyChars : PackageNameChars).IsMatch(value))
                    {
                        Problem(kind, where + ": '" + value + "' is not a Store package " + (family ? "family name (Name_PublisherId)" : "name") + "; it may hold only letters, digits, '.', '-'" + (family ? ", '_'" : "") + " and wildcards");
                        return null;
                    }
                    if (NamePattern(kind, value, where) == null) return null;
                    return family ? RuleMatcher.PackageFamilyName(value) : RuleMatcher.PackageName(value);
                case "keyName":
                    if (value.IndexOf('\\') >= 0)
                    {
                        Problem(kind, where + ": '" + value + "' contains '\\'; give only the uninstall key's own name (the last part of its path), e.g. \"CapCut\" or \"{GUID}\"");
                        return null;
                    }
                    return NamePattern(kind, value, where) == null ? null : RuleMatcher.KeyName(value);
                case "webApp":
                    return NamePattern(kind, value, where) == null ? null : RuleMatcher.WebApp(value);
                default:
                    var displayName = NamePattern(kind, value, where);
                    TextPattern publisher = null;
                    if (publisherProperty != null)
                    {
                        var publisherText = RequiredString(matcherObject, "publisher", where);
                        if (publisherText == null) return null;
                        if (!PublisherName.TryPattern(publisherText, out publisher, out var error))
                        {
                            Problem(publisherProperty, where + ": 'publisher' " + error);
                            return null;
                        }
                    }
                    return displayName == null ? null : RuleMatcher.DisplayName(displayName, publisher);
            }
        }

        // The pattern that identifies the app: it must parse. Whether it is narrow enough is AppCorpus's call.
        private TextPattern NamePattern(JProperty property, string value, string where)
        {
            bool isRegex = property.Name == "displayNameRegex";
            TextPattern pattern;
            string error;
            if (!(isRegex ? TextPattern.TryRegex(value, out pattern, out error) : TextPattern.TryWildcard(value, out pattern, out error)))
            {
                Problem(property, where + ": " + error);
                return null;
            }
            return pattern;
        }

        private RuleRemovalOptions ReadRemoval(JObject ruleObject, string label)
        {
            var property = Property(ruleObject, "removal");
            if (property == null || property.Value.Type == JTokenType.Null) return RuleRemovalOptions.Default;
            var where = "the removal options of " + label;
            if (!(property.Value is JObject removal))
            {
                Problem(property, "'removal' of " + label + " must be an object such as { \"removeProvisioned\": true, \"silentSwitches\": [\"/S\"] }");
                return null;
            }
            CheckProperties(removal, where, RemovalProperties);
            bool removeProvisioned = true;
            var provisioned = Property(removal, "removeProvisioned");
            if (provisioned != null)
            {
                if (provisioned.Value.Type == JTokenType.Boolean) removeProvisioned = provisioned.Value.Value<bool>();
                else Problem(provisioned, "'removeProvisioned' in " + where + " must be true or false, without quotes");
            }
            var switches = new List<string>();
            var switchesProperty = Property(removal, "silentSwitches");
            if (switchesProperty != null && switchesProperty.Value.Type != JTokenType.Null)
            {
                if (!(switchesProperty.Value is JArray list))
                    Problem(switchesProperty, "'silentSwitches' in " + where + " must be a list of switches such as [\"/S\"]");
                else
                    foreach (var item in list)
                    {
                        if (item.Type != JTokenType.String) { Problem(item, "each of 'silentSwitches' in " + where + " must be text such as \"/S\""); continue; }
                        var text = item.Value<string>();
                        if (!SilentSwitchSyntax.IsMatch(text))
                            Problem(item, "'" + text + "' in 'silentSwitches' of " + label + " is not a plain switch; a switch starts with '/' or '-' and holds only letters, digits and . _ : = + - (no spaces, quotes or command symbols)");
                        else switches.Add(text);
                    }
            }
            var blockSites = WebAddressList(removal, "blockSites", where, label, "\"tiktok.com\"", WebAddressSyntax.IsBlockSite, WebAddressSyntax.BlockSiteDescription);
            var manifestIds = WebAddressList(removal, "webAppManifestIds", where, label, "\"https://www.tiktok.com/\"", WebAddressSyntax.IsManifestId, WebAddressSyntax.ManifestIdDescription);
            return new RuleRemovalOptions(removeProvisioned, switches, blockSites, manifestIds);
        }

        private delegate bool WebAddressCheck(string text, out string error);

        // blockSites and webAppManifestIds: a list of texts, each checked by WebAddressSyntax and reported where it stands.
        private List<string> WebAddressList(JObject removal, string name, string where, string label, string example, WebAddressCheck check, string description)
        {
            var accepted = new List<string>();
            var property = Property(removal, name);
            if (property == null || property.Value.Type == JTokenType.Null) return accepted;
            if (!(property.Value is JArray list))
            {
                Problem(property, "'" + name + "' in " + where + " must be a list such as [" + example + "]");
                return accepted;
            }
            foreach (var item in list)
            {
                if (item.Type != JTokenType.String) { Problem(item, "each of '" + name + "' in " + where + " must be text such as " + example); continue; }
                var text = item.Value<string>();
                if (!check(text, out var error))
                    Problem(item, "'" + WebAddressSyntax.Visible(text) + "' in '" + name + "' of " + label + " " + error + "; " + description);
                else accepted.Add(text);
            }
            return accepted;
        }


        // ---- Field helpers

        private static JProperty Property(JObject o, string name) => o.Property(name, StringComparison.Ordinal);

        private void CheckProperties(JObject o, string owner, string[] allowed)
        {
            foreach (var property in o.Properties())
            {
                if (allowed.Contains(property.Name, StringComparer.Ordinal)) continue;
                var sameIgnoringCase = allowed.FirstOrDefault(a => string.Equals(a, property.Name, StringComparison.OrdinalIgnoreCase));
                var close = sameIgnoringCase ?? allowed.Where(a => EditDistance(a.ToLowerInvariant(), property.Name.ToLowerInvariant()) <= 2)
                    .OrderBy(a => EditDistance(a.ToLowerInvariant(), property.Name.ToLowerInvariant())).FirstOrDefault();
                var hint = sameIgnoringCase != null ? "property names are case-sensitive: write '" + sameIgnoringCase + "'"
                    : close != null ? "did you mean '" + close + "'?"
                    : "allowed here: " + string.Join(", ", allowed);
                Problem(property, "unknown property '" + property.Name + "' in " + owner + " (" + hint + ")");
            }
        }

        private string RequiredString(JObject o, string name, string owner)
        {
            var property = Property(o, name);
            if (property == null || property.Value.Type == JTokenType.Null)
            {
                Problem(o, owner + " has no '" + name + "'");
                return null;
            }
            if (property.Value.Type != JTokenType.String)
            {
                Problem(property, "'" + name + "' of " + owner + " must be text in double quotes");
                return null;
            }
            var value = property.Value.Value<string>();
            if (string.IsNullOrWhiteSpace(value))
            {
                Problem(property, "'" + name + "' of " + owner + " is empty");
                return null;
            }
            return value;
        }

        private string OptionalString(JObject o, string name, string owner)
        {
            var property = Property(o, name);
            if (property == null || property.Value.Type == JTokenType.Null) return null;
            if (property.Value.Type != JTokenType.String)
            {
                Problem(property, "'" + name + "' of " + owner + " must be text in double quotes");
                return null;
            }
            var value = property.Value.Value<string>();
            if (string.IsNullOrWhiteSpace(value))
            {
                Problem(property, "'" + name + "' of " + owner + " is empty; leave it out instead");
                return null;
            }
            return value;
        }

        private DateTimeOffset? OptionalDate(JObject o, string name, string owner)
        {
            var property = Property(o, name);
            if (property == null || property.Value.Type == JTokenType.Null) return null;
            if (property.Value.Type == JTokenType.String && IsoDate.TryParse(property.Value.Value<string>(), out var date)) return date;
            var shown = property.Value.Type == JTokenType.String ? "'" + property.Value.Value<string>() + "'" : property.Value.ToString(Formatting.None);
            Problem(property, "'" + name + "' of " + owner + " is " + shown + ", which is not a date; write an ISO 8601 date in double quotes such as \"2027-01-31T00:00:00Z\" (UTC) or \"2027-01-31\", or null");
            return null;
        }

        private static string FormatForPeople(DateTimeOffset date) => date.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

        private static int EditDistance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            return d[a.Length, b.Length];
        }

        private void Problem(int line, int column, string message) => _problems.Add(line, column, message);

        private void Problem(JToken at, string message) => _problems.Add(at, message);

        private (int Line, int Column) Where(JToken token) => _problems.Positions.Where(token);
    }
}
