using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Findings;
using AppBan.Engine.Policy;
using AppBan.Engine.Tests.Fakes;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Policy
{
    /// <summary>A host carrying every ByteDance app's uninstall entry as its winget manifest describes it, among 150+ common apps.</summary>
    public sealed class ByteDanceHostFixture : SimulatorFixture
    {
        public ByteDanceHostFixture() : base("bytedance/bytedance-01.json") { }
    }

    /// <summary>The built-in policies by name against a simulated host built from the real entries.</summary>
    public class SimulatedBuiltInPoliciesTests : IClassFixture<ByteDanceHostFixture>
    {
        private const string Host = "BYTEDANCE-01";
        private const string Alex = "S-1-5-21-3623811015-3361044348-30300820-1001";
        private const string Sam = "S-1-5-21-3623811015-3361044348-30300820-1002";
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        private readonly ByteDanceHostFixture fixture;

        public SimulatedBuiltInPoliciesTests(ByteDanceHostFixture fixture) { this.fixture = fixture; }

        private async Task<TargetScanResult> ScanAsync(string policyName)
        {
            using var session = await fixture.OpenAdminAsync(Host);
            return await TargetScanner.ForPolicy(PolicyLoader.BuiltIn(policyName), new FixedClock(Now)).ScanAsync(session, CancellationToken.None);
        }

        private static string[] Found(TargetScanResult result) =>
            result.Findings.Select(f => f.RuleId + " | " + (f.App.PackageFullName ?? f.App.KeyName) + " | " + (f.App.UserSid ?? (f.App.PackageFullName != null ? "provisioned" : "machine")))
                .OrderBy(x => x, StringComparer.Ordinal).ToArray();

        [Fact]
        public async Task The_ByteDance_policy_finds_every_ByteDance_app_and_nothing_else()
        {
            var result = await ScanAsync("ByteDance");

            Assert.False(result.Inventory.IsPartial, string.Join(" | ", result.Inventory.Warnings));
            Assert.Equal(new[]
            {
                "capcut | CapCut | " + Alex,
                "doubao | Doubao | " + Sam,
                "feishu | Feishu | " + Sam,
                "jianying-pro | JianyingPro | " + Sam,
                "lark | Lark | " + Alex,
                "tiktok-live-studio | tiktoklivestudio | machine",
                "tiktok-store | BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se | " + Alex,
                "tiktok-store | BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se | provisioned",
                "tiktok-webapp | 0a7e4c1f9b2d43e58f6a1c2b3d4e5f60 | " + Alex,
                "trae | {1082AAEF-E2C3-4ABD-8789-9861082B709F}_is1 | " + Alex,
            }, Found(result));
            Assert.All(result.Findings, f => Assert.Equal(FindingStatus.Violation, f.Status));
            // The common apps were read too: the scan saw them and let them be.
            Assert.True(result.Inventory.UninstallKeyCount > 150, "uninstall keys: " + result.Inventory.UninstallKeyCount);
        }

        [Fact]
        public async Task The_TikTok_policy_finds_only_TikTok_and_leaves_the_other_ByteDance_apps()
        {
            var result = await ScanAsync("TikTok");

            Assert.Equal(new[]
            {
                "tiktok-live-studio | tiktoklivestudio | machine",
                "tiktok-store | BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se | " + Alex,
                "tiktok-store | BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se | provisioned",
                "tiktok-webapp | 0a7e4c1f9b2d43e58f6a1c2b3d4e5f60 | " + Alex,
            }, Found(result));
        }

        [Fact]
        public async Task No_policy_named_means_the_TikTok_ban_and_CapCut_as_the_default_always_was()
        {
            using var session = await fixture.OpenAdminAsync(Host);
            var byDefault = await TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), new FixedClock(Now)).ScanAsync(session, CancellationToken.None);
            var expected = Found(await ScanAsync("TikTok")).Concat(new[] { "capcut | CapCut | " + Alex }).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Equal(expected, Found(byDefault).OrderBy(x => x, StringComparer.Ordinal).ToList());
            Assert.NotEqual(PolicyLoader.BuiltIn("tiktok").Sha256, PolicyLoader.BuiltIn().Sha256);
        }
    }

    public class BuiltInPolicyNamesTests
    {
        [Fact]
        public void Each_built_in_name_loads_its_own_document_and_others_are_refused_with_the_choices()
        {
            Assert.Equal(new[] { "TikTok", "ByteDance" }, PolicyLoader.BuiltInNames);
            var tiktok = PolicyLoader.BuiltIn("TikTok");
            var bytedance = PolicyLoader.BuiltIn("bytedance");
            Assert.True(bytedance.IsBuiltIn);
            Assert.Equal("AppBan built-in policy: ByteDance", bytedance.Name);
            Assert.Null(bytedance.EnforceAfter);
            Assert.Null(tiktok.EnforceAfter);
            Assert.Equal(new[] { "tiktok-store", "tiktok-live-studio", "tiktok-webapp" }, tiktok.Rules.Select(r => r.Id));
            Assert.Equal(new[] { "tiktok-store", "tiktok-live-studio", "capcut", "tiktok-webapp" }, PolicyLoader.BuiltIn().Rules.Select(r => r.Id));
            Assert.Equal(new[] { "tiktok-store", "tiktok-live-studio", "tiktok-webapp", "capcut", "capcut-webapp", "jianying-pro", "lark", "lark-webapp", "feishu", "feishu-webapp", "doubao", "doubao-webapp", "trae" },
                bytedance.Rules.Select(r => r.Id));
            var error = Assert.Throws<ArgumentException>(() => PolicyLoader.BuiltIn("Parliament"));
            Assert.Contains("TikTok, ByteDance", error.Message);
        }

        [Fact]
        public void A_built_in_policy_is_embedded_in_scripts_as_its_own_document()
        {
            var bytedance = PolicyLoader.BuiltIn("ByteDance");
            Assert.Equal(PolicyLoader.BuiltInJson("ByteDance"), PolicyLoader.BuiltInJsonOf(bytedance));
            Assert.Equal(PolicyLoader.BuiltInJson(), PolicyLoader.BuiltInJsonOf(PolicyLoader.BuiltIn()));
            var options = AppBan.Engine.Deployment.ManagementScripts.OptionsFor(bytedance, 300, "1.0.0");
            Assert.Equal(PolicyLoader.BuiltInJson("ByteDance"), options.PolicyJson);
            Assert.All(options.PolicyJson, c => Assert.True(c < 0x7F, "a built-in policy must be ASCII to fit in a generated script"));
        }

        [Fact]
        public void The_ByteDance_rules_match_the_manifest_entries_by_publisher_as_shipped_without_their_key_names()
        {
            var policy = PolicyLoader.BuiltIn("ByteDance");
            string Rule(string displayName, string publisher) => string.Join(",", policy.MatchingRules(
                new AppBan.Engine.Inventory.InstalledApp { KeyName = "SomethingElse", DisplayName = displayName, Publisher = publisher }).Select(r => r.Id));
            Assert.Equal("tiktok-live-studio", Rule("TikTok LIVE Studio 0.68.2", "TikTok Pte. Ltd."));
            Assert.Equal("capcut", Rule("CapCut", "Bytedance Pte. Ltd."));
            Assert.Equal("lark", Rule("Lark", "Lark Technologies Pte. Ltd."));
            Assert.Equal("feishu", Rule("Feishu", "Beijing Feishu Technology Co., Ltd."));
            Assert.Equal("doubao", Rule("\u8c46\u5305", "Beijing Chuntian Zhiyun Technology Co., Ltd."));
            Assert.Equal("jianying-pro", Rule("\u526a\u6620\u4e13\u4e1a\u7248", "Shenzhen Lianmeng Technology"));
            Assert.Equal("trae", Rule("Trae", "SPRING (SG) PTE. LTD"));
            // Same names from someone else are not ByteDance's.
            Assert.Equal("", Rule("Lark", "Lark Player Inc."));
            Assert.Equal("", Rule("Trae", "Someone Else"));
        }
    }
}
