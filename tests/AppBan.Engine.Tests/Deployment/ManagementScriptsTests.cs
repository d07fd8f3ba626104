using System;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using AppBan.Engine.Deployment;
using Xunit;

namespace AppBan.Engine.Tests.Deployment
{
    public class ManagementScriptsTests
    {
        private const string PolicyJson = "{\n  \"name\": \"Parlement \u2019s ban\",\n  \"rules\": [ { \"id\": \"tiktok-store\", \"note\": \"caf\u00e9 #> <# '@\" } ]\n}\n";

        private static ManagementScriptOptions Options(int timeout = 60) => new ManagementScriptOptions
        {
            PolicyJson = PolicyJson,
            PolicyName = "Parlement\u2019s 'ban'\r\nline2",
            PolicySha256 = "ABCDEF",
            PolicySource = "C:\\policies\\ban.json",
            ModuleVersion = "0.1.0",
            GeneratedOn = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero),
            TimeoutSec = timeout,
        };

        public static TheoryData<ManagementScriptKind> Kinds()
        {
            var data = new TheoryData<ManagementScriptKind>();
            foreach (ManagementScriptKind kind in Enum.GetValues(typeof(ManagementScriptKind))) data.Add(kind);
            return data;
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void Scripts_are_ascii_with_crlf_and_no_bom(ManagementScriptKind kind)
        {
            var script = ManagementScripts.Generate(kind, Options());
            var bytes = ManagementScripts.Encode(script);
            Assert.NotEqual(0xEF, bytes[0]);
            Assert.All(bytes, b => Assert.True(b == 0x0D || b == 0x0A || (b >= 0x20 && b <= 0x7E), "byte " + b));
            Assert.DoesNotMatch(new Regex("(?<!\r)\n"), script);
            Assert.StartsWith("<#", script);
        }

        [Theory]
        [MemberData(nameof(Kinds))]
        public void The_policy_is_embedded_exactly_and_named_safely(ManagementScriptKind kind)
        {
            var script = ManagementScripts.Generate(kind, Options());
            var base64 = Regex.Match(script, "\\$AppBanPolicyBase64 = '([A-Za-z0-9+/=]+)'").Groups[1].Value;
            Assert.Equal(PolicyJson, Encoding.UTF8.GetString(Convert.FromBase64String(base64)));
            // The typographic quote would end a single-quoted PowerShell string; it must arrive escaped.
            Assert.Contains("$AppBanPolicyName = 'Parlement\\u2019s ''ban''  line2'", script);
            Assert.Contains("#     \"name\": \"Parlement \\u2019s ban\",", script);
            Assert.Single(Regex.Matches(script, "^param\\(", RegexOptions.Multiline));
            Assert.Contains("(SHA-256 ABCDEF)", script);
        }

        [Theory]
        [InlineData(60, 45, 30)]
        [InlineData(300, 285, 30)]
        [InlineData(40, 25, 25)]
        public void Timeouts_fit_inside_the_host_timeout(int host, int run, int operation)
        {
            var script = ManagementScripts.Generate(ManagementScriptKind.ConfigMgrRemediation, Options(host));
            Assert.Contains("$AppBanRunTimeoutSec = " + run + "\r\n", script);
            Assert.Contains("$AppBanOperationTimeoutSec = " + operation + "\r\n", script);
        }

        [Fact]
        public void A_timeout_too_short_for_any_work_is_refused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ManagementScripts.Generate(ManagementScriptKind.IntuneDetection, Options(20)));
        }

        [Fact]
        public void Only_the_run_script_takes_an_action()
        {
            Assert.Contains("[string] $Action = 'Detect'", ManagementScripts.Generate(ManagementScriptKind.ConfigMgrRunScript, Options()));
            Assert.DoesNotContain("$Action", ManagementScripts.Generate(ManagementScriptKind.IntuneRemediation, Options()));
        }

        [Fact]
        public void File_names_are_distinct()
        {
            var names = Enum.GetValues(typeof(ManagementScriptKind)).Cast<ManagementScriptKind>().Select(ManagementScripts.FileName).ToList();
            Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
            Assert.All(names, n => Assert.EndsWith(".ps1", n));
        }
    }
}
