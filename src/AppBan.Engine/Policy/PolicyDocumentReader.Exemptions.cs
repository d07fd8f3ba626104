using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using AppBan.Engine.Exemptions;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    internal sealed partial class PolicyDocumentReader
    {
        // ---- Exemptions: the shape the exemption cmdlets write, held to the rules a grant obeys (ExemptionRules).

        private static readonly Regex ExemptionIdSyntax = new Regex(@"^[A-Za-z0-9{}][A-Za-z0-9{}._-]{0,127}$");
        private const string SidExample = "S-1-5-21-1004336348-1177238915-682003330-1001";

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
            if (ruleId != null)
            {
                if (ExemptionRules.CheckRuleId(ruleId, declaredRuleIds, out var declared) == null) ruleId = declared;
                else Problem(Property(o, "ruleId"), label + " names rule '" + ruleId + "', which this policy does not define (its rules: " + (declaredRuleIds.Count == 0 ? "none" : string.Join(", ", declaredRuleIds)) + "; \"*\" means every rule)");
            }

            var user = OptionalString(o, "user", label);
            var userSid = OptionalString(o, "userSid", label);
            var computer = OptionalString(o, "computer", label);
            if (userSid != null && ExemptionRules.CheckUserSid(userSid) != null)
                Problem(Property(o, "userSid"), label + ": 'userSid' '" + userSid + "' is not a SID such as " + SidExample);
            string userName = null;
            if (user != null)
            {
                var userProblem = ExemptionRules.CheckUser(user, out var parsed);
                if (userProblem != null)
                    Problem(Property(o, "user"), user.TrimStart().StartsWith("S-", StringComparison.OrdinalIgnoreCase)
                        ? label + ": 'user' '" + user + "' looks like a SID but is not one; a SID looks like " + SidExample
                        : label + ": 'user' " + userProblem.Message + " In JSON the backslash is doubled: \"DOMAIN\\\\name\".");
                else if (!parsed.IsSid) userName = parsed.AccountName;
                else if (userSid != null && !string.Equals(parsed.Sid, userSid, StringComparison.OrdinalIgnoreCase))
                    Problem(Property(o, "user"), label + ": 'user' is the SID " + user + " but 'userSid' is " + userSid + "; they must name the same person");
                else userSid = user.Trim();
            }
            if (computer != null)
            {
                var computerProblem = ExemptionRules.CheckComputer(computer);
                if (computerProblem != null) Problem(Property(o, "computer"), label + ": 'computer' " + computerProblem.Message);
            }
            if (ExemptionRules.CheckSubject(user != null || userSid != null, computer != null) != null)
                Problem(o, label + " does not say whom it covers; give a 'user' (DOMAIN\\name or SID), a 'userSid', a 'computer' (name or wildcard), or a user and a computer");

            var reasonProperty = Property(o, "reason");
            string reason = null;
            if (reasonProperty == null || reasonProperty.Value.Type == JTokenType.Null)
                Problem(o, label + " has no reason; every exemption must say why it was granted (\"reason\": \"...\")");
            else if (reasonProperty.Value.Type != JTokenType.String)
                Problem(reasonProperty, label + ": 'reason' must be text in double quotes");
            else
            {
                reason = reasonProperty.Value.Value<string>();
                var reasonProblem = ExemptionRules.CheckReason(reason);
                if (reasonProblem?.ErrorId == ErrorIds.ReasonRequired)
                    Problem(reasonProperty, label + " has an empty reason; every exemption must say why it was granted");
                else if (reasonProblem != null)
                    Problem(reasonProperty, label + ": " + reasonProblem.Message);
            }

            var approvedBy = OptionalString(o, "approvedBy", label);
            var grantedOn = OptionalDate(o, "grantedOn", label);
            var expires = OptionalDate(o, "expires", label);
            var notBefore = OptionalDate(o, "notBefore", label);
            if (ExemptionRules.CheckPeriod(notBefore, expires) != null)
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
    }
}
