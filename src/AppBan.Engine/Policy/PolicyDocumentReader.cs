using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Inventory;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// Reads a policy document into the model, collecting every problem with its line and column instead of
    /// stopping at the first. Nothing is silently ignored: unknown properties, comments and duplicates are problems.
    /// </summary>
    internal sealed class PolicyDocumentReader
    {
        internal static readonly string[] TopLevelProperties = { "$schema", "schemaVersion", "name", "description", "enforceAfter", "rules", "exemptions" };
        internal static readonly string[] RuleProperties = { "id", "displayName", "description", "matchers", "removal" };
        internal static readonly string[] RemovalProperties = { "removeProvisioned", "silentSwitches" };
        internal static readonly string[] MatcherKinds = { "packageName", "packageFamilyName", "productCode", "keyName", "displayName", "displayNameRegex", "webApp" };
        internal static readonly string[] MatcherProperties = MatcherKinds.Concat(new[] { "publisher" }).ToArray();
        internal static readonly string[] ExemptionProperties = { "id", "ruleId", "user", "userSid", "computer", "reason", "approvedBy", "grantedOn", "expires", "notBefore" };

        private static readonly Regex RuleIdSyntax = new Regex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
        private static readonly Regex ExemptionIdSyntax = new Regex(@"^[A-Za-z0-9{}][A-Za-z0-9{}._-]{0,127}$");
        private static readonly Regex UserNameSyntax = new Regex(@"^([^\\/\[\]:;|=,+*?<>""\p{Cc}]+\\)?[^\\/\[\]:;|=,+*?<>""\p{Cc}]+$");
        // A plain switch such as /S, /qn, --silent or -q=1: nothing a command interpreter would act on.
        private static readonly Regex SilentSwitchSyntax = new Regex(@"^(/|-{1,2})[A-Za-z0-9][A-Za-z0-9_.:=+-]{0,63}$");
        private static readonly Regex PackageNameChars = new Regex(@"^[A-Za-z0-9.\-*?\[\]`]+$");
        private static readonly Regex PackageFamilyChars = new Regex(@"^[A-Za-z0-9._\-*?\[\]`]+$");
        private static readonly Regex NewtonsoftPositionSuffix = new Regex(@"\s*Path '.*', line \d+, position \d+\.?\s*$", RegexOptions.Singleline);

        private static readonly string[] DateFormats =
        {
            "yyyy-MM-dd",
            "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
            "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
        };

        private readonly string _file;
        private readonly string _location;
        private readonly string[] _lines;
        private readonly List<PolicyProblem> _problems = new List<PolicyProblem>();

        private PolicyDocumentReader(string json, string file, string location)
        {
            _file = file;
            _location = location;
            _lines = Regex.Split(json ?? string.Empty, "\r\n|\r|\n");
        }

        /// <summary>
        /// Reads <paramref name="json"/>. <paramref name="file"/> names it in problems; <paramref name="sourcePath"/>
        /// (null for the built-in policy) becomes the policy's SourcePath and its exemptions' Location.
        /// </summary>
        internal static AppBanPolicy Read(string json, string file, string sourcePath, string sha256, out IReadOnlyList<PolicyProblem> problems)
        {
            var reader = new PolicyDocumentReader(json, file, sourcePath ?? file);
            var policy = reader.ReadDocument(json, sourcePath, sha256);
            problems = reader._problems
                .Select((p, order) => new { p, order })
                .OrderBy(x => x.p.Line).ThenBy(x => x.p.Column).ThenBy(x => x.order)
                .Select(x => x.p).ToList().AsReadOnly();
            return problems.Count == 0 ? policy : null;
        }

        private AppBanPolicy ReadDocument(string json, string sourcePath, string sha256)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                Problem(0, 0, "the file is empty; a policy is a JSON object that starts with '{'");
                return null;
            }
            if (!ScanSyntax(json)) return null;

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

        // ---- Syntax: one pass over the tokens, so comments, quoting and duplicate names are caught with positions.

        private bool ScanSyntax(string json)
        {
            var open = new Stack<HashSet<string>>();   // null entries stand for arrays
            bool any = false;
            using (var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal })
            {
                try
                {
                    while (reader.Read())
                    {
                        if (!any && reader.TokenType != JsonToken.Comment)
                        {
                            any = true;
                            if (reader.TokenType != JsonToken.StartObject)
                            {
                                Problem(reader.LineNumber, ValueStart(reader.LineNumber, reader.LinePosition),
                                    "a policy must be one JSON object that starts with '{'");
                                return false;
                            }
                        }
                        switch (reader.TokenType)
                        {
                            case JsonToken.StartObject: open.Push(new HashSet<string>(StringComparer.Ordinal)); break;
                            case JsonToken.StartArray: open.Push(null); break;
                            case JsonToken.EndObject:
                            case JsonToken.EndArray:
                                if (open.Count > 0) open.Pop();
                                break;
                            case JsonToken.Comment:
                                Problem(reader.LineNumber, CommentStart(reader.LineNumber, reader.LinePosition),
                                    "comments are not allowed in a policy file (JSON has none); put notes in a 'description' field");
                                break;
                            case JsonToken.PropertyName:
                                var propertyName = (string)reader.Value;
                                var column = PropertyStart(reader.LineNumber, reader.LinePosition);
                                if (reader.QuoteChar != '"')
                                    Problem(reader.LineNumber, column, "the property name " + propertyName + " must be in double quotes: \"" + propertyName + "\"");
                                var seen = open.Count > 0 ? open.Peek() : null;
                                if (seen != null && !seen.Add(propertyName))
                                    Problem(reader.LineNumber, column, "'" + propertyName + "' appears twice in the same object; keep one");
                                break;
                            case JsonToken.String:
                                if (reader.QuoteChar != '"')
                                    Problem(reader.LineNumber, ValueStart(reader.LineNumber, reader.LinePosition),
                                        "text must be in double quotes (\"...\"), not single quotes");
                                break;
                        }
                    }
                }
                catch (JsonReaderException ex)
                {
                    Problem(ex.LineNumber, ex.LinePosition + 1, "this is not valid JSON: " + DescribeSyntaxError(ex.Message));
                    return false;
                }
            }
            if (!any)
            {
                Problem(0, 0, "the file holds no JSON object, only comments or blanks");
                return false;
            }
            if (open.Count > 0)
            {
                int last = _lines.Length;
                while (last > 1 && _lines[last - 1].Trim().Length == 0) last--;
                Problem(last, _lines[last - 1].Length + 1, "this is not valid JSON: the file ends before every '{' and '[' is closed");
                return false;
            }
            return true;
        }

        private static string DescribeSyntaxError(string message)
        {
            var bare = NewtonsoftPositionSuffix.Replace(message, "").TrimEnd('.');
            string After(string prefix) => bare.Substring(prefix.Length).Trim();
            const string missingComma = "After parsing a value an unexpected character was encountered:";
            const string missingColon = "Invalid character after parsing property name. Expected ':' but got:";
            const string badValue = "Unexpected character encountered while parsing value:";
            const string trailing = "Additional text encountered after finished reading JSON content:";
            const string badName = "Invalid property identifier character:";
            if (bare.StartsWith(missingComma, StringComparison.Ordinal))
                return "a comma is missing before this point (found " + Quote(After(missingComma)) + " right after a value)";
            if (bare.StartsWith(missingColon, StringComparison.Ordinal))
                return "a ':' is missing after a property name (found " + Quote(After(missingColon)) + ")";
            if (bare.StartsWith(badValue, StringComparison.Ordinal))
                return "found " + Quote(After(badValue)) + " where a value was expected; text must be in double quotes";
            if (bare.StartsWith(trailing, StringComparison.Ordinal))
                return "there is more text after the policy's closing '}' (found " + Quote(After(trailing)) + ")";
            if (bare.StartsWith(badName, StringComparison.Ordinal))
                return "found " + Quote(After(badName)) + " where a property name in double quotes was expected";
            if (bare.StartsWith("Unterminated string", StringComparison.Ordinal))
                return "a text value is missing its closing double quote";
            if (bare.StartsWith("Unexpected end", StringComparison.Ordinal))
                return "the file ends before the JSON is complete";
            if (bare.StartsWith("Error parsing", StringComparison.Ordinal) || bare.StartsWith("Unexpected character encountered while parsing number", StringComparison.Ordinal) || bare.StartsWith("Input string", StringComparison.Ordinal))
                return "a value is misspelt; write true, false, null, a number, or text in double quotes";
            return bare;
        }

        private static string Quote(string text) => text.Length == 0 ? "nothing" : "'" + text + "'";

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
            if (id != null && !RuleIdSyntax.IsMatch(id))
            {
                Problem(Property(ruleObject, "id"), "rule id '" + id + "' may hold only letters, digits, '.', '_' and '-', must start with a letter or digit, and be at most 64 characters");
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
                if (matcher != null) matchers.Add(matcher);
            }
            return matchers;
        }

        private RuleMatcher ReadMatcher(JObject matcherObject, string where)
        {
            CheckProperties(matcherObject, where, MatcherProperties);
            var kinds = matcherObject.Properties().Where(p => MatcherKinds.Contains(p.Name, StringComparer.Ordinal)).ToList();
            var publisherProperty = Property(matcherObject, "publisher");
            if (kinds.Count == 0)
            {
                Problem(matcherObject, publisherProperty != null
                    ? where + " has a 'publisher' but no 'displayName' or 'displayNameRegex' to go with it"
                    : where + " says nothing to match; give one of " + string.Join(", ", MatcherKinds));
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
                        if (!TextPattern.TryWildcard(publisherText, out publisher, out var error))
                        {
                            Problem(publisherProperty, where + ": 'publisher' " + error);
                            return null;
                        }
                    }
                    return displayName == null ? null : RuleMatcher.DisplayName(displayName, publisher);
            }
        }

        // The pattern that identifies the app: it must parse and must not match every name there is.
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
            if (pattern.MatchesEverything)
            {
                Problem(property, where + ": the pattern '" + value + "' matches every name, so the rule would ban every app");
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
            return new RuleRemovalOptions(removeProvisioned, switches);
        }

        // ---- Exemptions (the shape the exemption cmdlets also write)

        private List<Exemption> ReadExemptions(JObject root, List<string> declaredRuleIds)
        {
            var exemptions = new List<Exemption>();
            var property = Property(root, "exemptions");
            if (property == null || property.Value.Type == JTokenType.Null) return exemptions;
            if (!(property.Value is JArray array))
            {
                Problem(property, "'exemptions' must be a list: \"exemptions\": [ { ... }, ... ]");
                return exemptions;
            }
            var firstLine = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < array.Count; i++)
            {
                if (!(array[i] is JObject exemptionObject))
                {
                    Problem(array[i], "exemption " + (i + 1) + " must be an object { \"id\": ..., \"ruleId\": ..., \"reason\": ... }");
                    continue;
                }
                var exemption = ReadExemption(exemptionObject, i + 1, declaredRuleIds);
                var idProperty = Property(exemptionObject, "id");
                var id = idProperty?.Value.Type == JTokenType.String ? idProperty.Value.Value<string>() : null;
                if (!string.IsNullOrEmpty(id))
                {
                    if (firstLine.TryGetValue(id, out var line))
                    {
                        Problem(idProperty, "exemption '" + id + "' is defined twice (first on line " + line + "); exemption ids must be unique");
                        continue;
                    }
                    firstLine[id] = Where(idProperty).Line;
                }
                if (exemption != null) exemptions.Add(exemption);
            }
            return exemptions;
        }

        private Exemption ReadExemption(JObject o, int position, List<string> declaredRuleIds)
        {
            int before = _problems.Count;
            var id = RequiredString(o, "id", "exemption " + position);
            if (id != null && !ExemptionIdSyntax.IsMatch(id))
            {
                Problem(Property(o, "id"), "exemption id '" + id + "' may hold only letters, digits, braces, '.', '_' and '-', and be at most 128 characters");
                id = null;
            }
            var label = id != null ? "exemption '" + id + "'" : "exemption " + position;
            CheckProperties(o, label, ExemptionProperties);

            var ruleId = RequiredString(o, "ruleId", label);
            if (ruleId != null && ruleId != "*")
            {
                var known = declaredRuleIds.FirstOrDefault(r => string.Equals(r, ruleId, StringComparison.OrdinalIgnoreCase));
                if (known == null)
                    Problem(Property(o, "ruleId"), label + " names rule '" + ruleId + "', which this policy does not define (its rules: " + (declaredRuleIds.Count == 0 ? "none" : string.Join(", ", declaredRuleIds)) + "; \"*\" means every rule)");
                else ruleId = known;
            }

            var user = OptionalString(o, "user", label);
            var userSid = OptionalString(o, "userSid", label);
            var computer = OptionalString(o, "computer", label);
            if (userSid != null && !SecurityIdentifiers.IsValid(userSid))
                Problem(Property(o, "userSid"), label + ": 'userSid' '" + userSid + "' is not a SID such as S-1-5-21-1004336348-1177238915-682003330-1001");
            string userName = user;
            if (user != null && user.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase))
            {
                if (!SecurityIdentifiers.IsValid(user))
                    Problem(Property(o, "user"), label + ": 'user' '" + user + "' looks like a SID but is not one; a SID looks like S-1-5-21-1004336348-1177238915-682003330-1001");
                else if (userSid != null && !string.Equals(user, userSid, StringComparison.OrdinalIgnoreCase))
                    Problem(Property(o, "user"), label + ": 'user' is the SID " + user + " but 'userSid' is " + userSid + "; they must name the same person");
                else { userSid = user; userName = null; }
            }
            else if (user != null && !UserNameSyntax.IsMatch(user))
                Problem(Property(o, "user"), label + ": 'user' '" + user + "' is not a user name; write DOMAIN\\name (in JSON: \"DOMAIN\\\\name\"), a local name, or a SID");
            if (computer != null && !TextPattern.TryWildcard(computer, out _, out var computerError))
                Problem(Property(o, "computer"), label + ": 'computer' " + computerError);
            if (user == null && userSid == null && computer == null)
                Problem(o, label + " does not say whom it covers; give a 'user' (DOMAIN\\name or SID), a 'userSid', a 'computer' (name or wildcard), or a user and a computer");

            var reasonProperty = Property(o, "reason");
            string reason = null;
            if (reasonProperty == null || reasonProperty.Value.Type == JTokenType.Null)
                Problem(o, label + " has no reason; every exemption must say why it was granted (\"reason\": \"...\")");
            else if (reasonProperty.Value.Type != JTokenType.String)
                Problem(reasonProperty, label + ": 'reason' must be text in double quotes");
            else if (string.IsNullOrWhiteSpace(reason = reasonProperty.Value.Value<string>()))
                Problem(reasonProperty, label + " has an empty reason; every exemption must say why it was granted");

            var approvedBy = OptionalString(o, "approvedBy", label);
            var grantedOn = OptionalDate(o, "grantedOn", label);
            var expires = OptionalDate(o, "expires", label);
            var notBefore = OptionalDate(o, "notBefore", label);
            if (expires.HasValue && notBefore.HasValue && expires.Value <= notBefore.Value)
                Problem(Property(o, "expires"), label + " expires (" + FormatForPeople(expires.Value) + ") before it starts (notBefore " + FormatForPeople(notBefore.Value) + ")");

            if (_problems.Count > before || id == null) return null;
            return new Exemption
            {
                Id = id,
                RuleId = ruleId,
                UserSid = userSid,
                UserName = userName,
                ComputerName = computer,
                Reason = reason,
                ApprovedBy = approvedBy,
                GrantedOn = grantedOn,
                Expires = expires,
                NotBefore = notBefore,
                Source = ExemptionSource.Policy,
                Location = _location,
            };
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
            if (property.Value.Type == JTokenType.String && TryParseDate(property.Value.Value<string>(), out var date)) return date;
            var shown = property.Value.Type == JTokenType.String ? "'" + property.Value.Value<string>() + "'" : property.Value.ToString(Formatting.None);
            Problem(property, "'" + name + "' of " + owner + " is " + shown + ", which is not a date; write an ISO 8601 date in double quotes such as \"2027-01-31T00:00:00Z\" (UTC) or \"2027-01-31\", or null");
            return null;
        }

        /// <summary>ISO 8601 only (2027-01-31, 2027-01-31T17:00:00Z, ...+01:00); no zone means UTC.</summary>
        internal static bool TryParseDate(string text, out DateTimeOffset date) =>
            DateTimeOffset.TryParseExact(text?.Trim(), DateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

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

        // ---- Positions. Newtonsoft reports where a token ends; people want where it starts.

        private void Problem(int line, int column, string message) => _problems.Add(new PolicyProblem(_file, line, column, message));

        private void Problem(JToken at, string message)
        {
            var (line, column) = Where(at);
            Problem(line, column, message);
        }

        private (int Line, int Column) Where(JToken token)
        {
            if (token == null) return (0, 0);
            if (!(token is JProperty) && token.Parent is JProperty owner) token = owner;
            var info = (IJsonLineInfo)token;
            if (!info.HasLineInfo()) return (0, 0);
            if (token is JProperty) return (info.LineNumber, PropertyStart(info.LineNumber, info.LinePosition));
            if (token is JContainer) return (info.LineNumber, info.LinePosition);   // just past '{' or '[', i.e. its column
            return (info.LineNumber, ValueStart(info.LineNumber, info.LinePosition));
        }

        private string LineText(int line) => line >= 1 && line <= _lines.Length ? _lines[line - 1] : string.Empty;

        // The reader stands just past the ':' of a property; walk back to the name's opening quote.
        private int PropertyStart(int line, int position)
        {
            var text = LineText(line);
            int i = Math.Min(position, text.Length) - 1;
            if (i >= 0 && text[i] == ':') i--;
            while (i >= 0 && char.IsWhiteSpace(text[i])) i--;
            if (i < 0) return Math.Max(position, 1);
            if (text[i] == '"' || text[i] == '\'') return OpeningQuote(text, i) + 1;
            while (i > 0 && !IsDelimiter(text[i - 1])) i--;   // unquoted name
            return i + 1;
        }

        private int ValueStart(int line, int position)
        {
            var text = LineText(line);
            int i = Math.Min(position, text.Length) - 1;
            if (i < 0) return Math.Max(position, 1);
            if (text[i] == '"' || text[i] == '\'') return OpeningQuote(text, i) + 1;
            while (i > 0 && !IsDelimiter(text[i - 1])) i--;
            return i + 1;
        }

        private int CommentStart(int line, int position)
        {
            var text = LineText(line);
            int end = Math.Min(position, text.Length);
            int slashes = text.LastIndexOf("//", Math.Max(end - 1, 0), StringComparison.Ordinal);
            int block = text.LastIndexOf("/*", Math.Max(end - 1, 0), StringComparison.Ordinal);
            int start = Math.Max(slashes, block);
            return start >= 0 ? start + 1 : Math.Max(position, 1);
        }

        private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c == ',' || c == '[' || c == '{' || c == ':';

        // Index of the quote that opens the string whose closing quote is at closing.
        private static int OpeningQuote(string text, int closing)
        {
            char quote = text[closing];
            for (int i = closing - 1; i >= 0; i--)
            {
                if (text[i] != quote) continue;
                int backslashes = 0;
                for (int j = i - 1; j >= 0 && text[j] == '\\'; j--) backslashes++;
                if (backslashes % 2 == 0) return i;
            }
            return closing;
        }
    }
}
