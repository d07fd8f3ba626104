using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using AppBan.Engine.Exemptions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace AppBan.Engine.Policy
{
    /// <summary>
    /// Writes policies in the document shape <see cref="PolicyLoader"/> reads, so what is written loads back
    /// unchanged. Exemption entries use the same shape wherever they are written.
    /// </summary>
    public static class PolicyWriter
    {
        public static string ToJson(AppBanPolicy policy) => ToJObject(policy).ToString(Formatting.Indented);

        public static JObject ToJObject(AppBanPolicy policy)
        {
            if (policy == null) throw new ArgumentNullException(nameof(policy));
            var o = new JObject
            {
                ["schemaVersion"] = policy.SchemaVersion,
                ["name"] = policy.Name,
            };
            if (policy.Description != null) o["description"] = policy.Description;
            o["enforceAfter"] = FormatDate(policy.EnforceAfter);
            o["rules"] = new JArray(policy.Rules.Select(ToJObject));
            o["exemptions"] = new JArray(policy.Exemptions.Select(ToJObject));
            return o;
        }

        public static JObject ToJObject(PolicyRule rule)
        {
            var o = new JObject { ["id"] = rule.Id, ["displayName"] = rule.DisplayName };
            if (rule.Description != null) o["description"] = rule.Description;
            o["matchers"] = new JArray(rule.Matchers.Select(ToJObject));
            o["removal"] = new JObject
            {
                ["removeProvisioned"] = rule.Removal.RemoveProvisioned,
                ["silentSwitches"] = new JArray(rule.Removal.SilentSwitches),
            };
            // Written only when set, so that a policy without browser entries keeps the shape older versions wrote.
            if (rule.Removal.BlockSites.Count > 0) o["removal"]["blockSites"] = new JArray(rule.Removal.BlockSites);
            if (rule.Removal.WebAppManifestIds.Count > 0) o["removal"]["webAppManifestIds"] = new JArray(rule.Removal.WebAppManifestIds);
            return o;
        }

        public static JObject ToJObject(RuleMatcher matcher)
        {
            switch (matcher.Kind)
            {
                case MatcherKind.PackageName: return new JObject { ["packageName"] = matcher.Value };
                case MatcherKind.PackageFamilyName: return new JObject { ["packageFamilyName"] = matcher.Value };
                case MatcherKind.ProductCode: return new JObject { ["productCode"] = matcher.Value };
                case MatcherKind.KeyName: return new JObject { ["keyName"] = matcher.Value };
                case MatcherKind.WebApp: return new JObject { ["webApp"] = matcher.Value };
                case MatcherKind.Publisher: return new JObject { ["publisher"] = matcher.Value };
                default:
                    var o = new JObject { [matcher.Pattern.IsRegex ? "displayNameRegex" : "displayName"] = matcher.Value };
                    if (matcher.Publisher != null) o["publisher"] = matcher.Publisher.Text;
                    return o;
            }
        }

        /// <summary>One entry of the policy's "exemptions" array. "expires" is always written (null = never).</summary>
        public static JObject ToJObject(Exemption exemption)
        {
            if (exemption == null) throw new ArgumentNullException(nameof(exemption));
            var o = new JObject { ["id"] = exemption.Id, ["ruleId"] = exemption.RuleId };
            if (exemption.UserName != null) o["user"] = exemption.UserName;
            if (exemption.UserSid != null) o["userSid"] = exemption.UserSid;
            if (exemption.ComputerName != null) o["computer"] = exemption.ComputerName;
            o["reason"] = exemption.Reason;
            if (exemption.ApprovedBy != null) o["approvedBy"] = exemption.ApprovedBy;
            if (exemption.GrantedOn.HasValue) o["grantedOn"] = FormatDate(exemption.GrantedOn);
            o["expires"] = FormatDate(exemption.Expires);
            if (exemption.NotBefore.HasValue) o["notBefore"] = FormatDate(exemption.NotBefore);
            return o;
        }

        /// <summary>ISO 8601 UTC, seconds precision unless there is more: 2027-01-31T00:00:00Z. Null stays null.</summary>
        public static JToken FormatDate(DateTimeOffset? date)
        {
            if (!date.HasValue) return JValue.CreateNull();
            var utc = date.Value.ToUniversalTime();
            var format = utc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";
            return new JValue(utc.ToString(format, CultureInfo.InvariantCulture));
        }

        /// <summary>
        /// Writes the policy to <paramref name="path"/> as UTF-8 without BOM, through a temporary file in the same
        /// folder that replaces the target in one step. Without <paramref name="overwrite"/>, an existing file is
        /// left alone and an IOException is thrown.
        /// </summary>
        public static void WriteFile(AppBanPolicy policy, string path, bool overwrite)
        {
            var json = ToJson(policy) + Environment.NewLine;
            var fullPath = Path.GetFullPath(path);
            if (!overwrite && File.Exists(fullPath)) throw new IOException("The file '" + fullPath + "' already exists.");
            var folder = Path.GetDirectoryName(fullPath);
            var temp = Path.Combine(folder ?? ".", "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            File.WriteAllText(temp, json, new UTF8Encoding(false));
            try
            {
                if (!File.Exists(fullPath)) File.Move(temp, fullPath);   // fails, rather than overwrites, if it appeared meanwhile
                else if (overwrite) File.Replace(temp, fullPath, null);
                else throw new IOException("The file '" + fullPath + "' already exists.");
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }
    }
}
