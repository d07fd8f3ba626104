using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Tests.Fakes;
using AppBan.Engine.Tests.Inventory;
using Xunit;

namespace AppBan.Engine.Tests.Findings
{
    public class ComplianceRulesTests
    {
        private static Finding F(FindingStatus s) => new Finding { Status = s, RuleId = "r" };

        [Theory]
        [InlineData(CimErrorKind.Unreachable, ComplianceStatus.Unreachable)]
        [InlineData(CimErrorKind.AuthenticationFailed, ComplianceStatus.Failed)]
        [InlineData(CimErrorKind.AccessDenied, ComplianceStatus.Failed)]
        [InlineData(CimErrorKind.Timeout, ComplianceStatus.Failed)]
        [InlineData(CimErrorKind.ProviderFailure, ComplianceStatus.Failed)]
        public void A_failed_scan_is_unreachable_or_failed_whatever_was_found(CimErrorKind kind, ComplianceStatus expected)
        {
            var error = new CimException(kind, "pc1", "x");
            Assert.Equal(expected, ComplianceRules.StatusOf(error, true, new[] { F(FindingStatus.Violation) }));
        }

        [Fact]
        public void Status_precedence_follows_the_documented_order()
        {
            Assert.Equal(ComplianceStatus.NonCompliant, ComplianceRules.StatusOf(null, true, new[] { F(FindingStatus.Exempt), F(FindingStatus.Violation) }));
            Assert.Equal(ComplianceStatus.Partial, ComplianceRules.StatusOf(null, true, new[] { F(FindingStatus.GracePeriod) }));
            Assert.Equal(ComplianceStatus.Partial, ComplianceRules.StatusOf(null, true, new Finding[0]));
            Assert.Equal(ComplianceStatus.GracePeriod, ComplianceRules.StatusOf(null, false, new[] { F(FindingStatus.Exempt), F(FindingStatus.GracePeriod) }));
            Assert.Equal(ComplianceStatus.Exempt, ComplianceRules.StatusOf(null, false, new[] { F(FindingStatus.Exempt), F(FindingStatus.Exempt) }));
            Assert.Equal(ComplianceStatus.Compliant, ComplianceRules.StatusOf(null, false, new Finding[0]));
        }

        [Theory]
        [InlineData(ComplianceStatus.Compliant, true)]
        [InlineData(ComplianceStatus.Exempt, true)]
        [InlineData(ComplianceStatus.GracePeriod, false)]
        [InlineData(ComplianceStatus.NonCompliant, false)]
        [InlineData(ComplianceStatus.Partial, false)]
        [InlineData(ComplianceStatus.Unreachable, false)]
        [InlineData(ComplianceStatus.Failed, false)]
        public void Only_compliant_and_exempt_count_as_compliant(ComplianceStatus status, bool compliant)
        {
            Assert.Equal(compliant, ComplianceRules.IsCompliant(status));
        }
    }

    public class TargetScannerTests
    {
        private const string ExemptionsKey = @"HKLM\SOFTWARE\AppBan\Exemptions";

        /// <summary>
        /// A stand-in evaluation: every app named TikTok/CapCut is a finding of rule "bytedance"; a device exemption for
        /// that rule and the app's user makes it Exempt. The real policy engine decides this in production.
        /// </summary>
        private sealed class RecordingEvaluation
        {
            public IReadOnlyList<Exemption> SeenExemptions;
            public IReadOnlyList<InstalledApp> SeenApps;
            public FindingStatus Default = FindingStatus.Violation;

            public IReadOnlyList<Finding> Evaluate(IReadOnlyList<InstalledApp> apps, IReadOnlyList<Exemption> exemptions)
            {
                SeenApps = apps;
                SeenExemptions = exemptions;
                return apps.Where(a => InventoryReaderTests.MightBeBanned(a.KeyName, a.DisplayName) || (a.PackageName ?? "").Contains("TikTok"))
                    .Select(a => new Finding
                    {
                        App = a,
                        RuleId = "bytedance",
                        Status = exemptions.Any(e => e.RuleId == "bytedance" && e.UserSid == a.UserSid) ? FindingStatus.Exempt : Default,
                    }).ToList();
            }
        }

        private static (TargetScanner, RecordingEvaluation) Scanner()
        {
            var evaluation = new RecordingEvaluation();
            return (new TargetScanner(InventoryReaderTests.MightBeBanned, evaluation.Evaluate), evaluation);
        }

        [Fact]
        public async Task A_laptop_with_banned_apps_is_non_compliant_and_counts_each_status()
        {
            using var session = InventoryReaderTests.Laptop();
            session.Key(ExemptionsKey + @"\2c9a4f1e-8d3b-4e7a-b5c6-0f1e2d3c4b5a").String("RuleId", "bytedance").String("UserSid", InventoryReaderTests.Bob)
                .String("Reason", "Press office").String("GrantedOn", "2026-01-01T00:00:00.0000000Z");
            var (scanner, evaluation) = Scanner();

            var result = await scanner.ScanAsync(session, CancellationToken.None);

            Assert.Equal("laptop-01", result.ComputerName);
            Assert.Null(result.Error);
            Assert.Equal(ComplianceStatus.NonCompliant, result.Status);
            Assert.Equal("2c9a4f1e-8d3b-4e7a-b5c6-0f1e2d3c4b5a", Assert.Single(evaluation.SeenExemptions).Id);
            Assert.Same(result.Inventory.Apps, evaluation.SeenApps);
            // LIVE Studio, CapCut, web app, Store TikTok (Alice): violations; the planted entry (Bob): exempt.
            Assert.Equal(4, result.ViolationCount);
            Assert.Equal(1, result.ExemptCount);
            Assert.Equal(0, result.GracePeriodCount);
            Assert.Equal(5, result.Findings.Count);
            Assert.Equal(InventoryReaderTests.Carol, Assert.Single(result.UsersNotScanned).Sid);
        }

        [Fact]
        public async Task Only_exempt_findings_make_the_target_exempt_and_grace_period_wins_over_exempt()
        {
            using var session = InventoryReaderTests.Laptop();
            var (scanner, evaluation) = Scanner();
            evaluation.Default = FindingStatus.Exempt;
            Assert.Equal(ComplianceStatus.Exempt, (await scanner.ScanAsync(session, CancellationToken.None)).Status);
            evaluation.Default = FindingStatus.GracePeriod;
            Assert.Equal(ComplianceStatus.GracePeriod, (await scanner.ScanAsync(session, CancellationToken.None)).Status);
        }

        [Fact]
        public async Task A_denied_hive_without_violations_is_partial_with_a_warning()
        {
            using var session = InventoryReaderTests.Laptop();
            session.Deny(InventoryReaderTests.UserUninstall(InventoryReaderTests.Bob));
            var (scanner, evaluation) = Scanner();
            evaluation.Default = FindingStatus.Exempt;
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Equal(ComplianceStatus.Partial, result.Status);
            Assert.NotEmpty(result.Findings);
            Assert.Contains(result.Warnings, w => w.Contains("access denied"));
            Assert.Contains(result.UsersNotScanned, u => u.Sid == InventoryReaderTests.Bob && u.Reason == UserNotScannedReason.AccessDenied);
        }

        [Fact]
        public async Task A_clean_host_is_compliant()
        {
            using var session = InventoryReaderTests.NewHost("clean-01");
            session.Key(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\Notepad++").String("DisplayName", "Notepad++");
            var (scanner, _) = Scanner();
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Equal(ComplianceStatus.Compliant, result.Status);
            Assert.Empty(result.Findings);
            Assert.Empty(result.Warnings);
        }

        [Theory]
        [InlineData(CimErrorKind.Unreachable, ComplianceStatus.Unreachable)]
        [InlineData(CimErrorKind.AuthenticationFailed, ComplianceStatus.Failed)]
        [InlineData(CimErrorKind.Timeout, ComplianceStatus.Failed)]
        public async Task A_transport_failure_becomes_the_targets_status_and_error(CimErrorKind kind, ComplianceStatus status)
        {
            using var session = InventoryReaderTests.Laptop();
            var error = new CimException(kind, "laptop-01", "boom on laptop-01");
            session.FailOn = ("HK", error);
            var (scanner, evaluation) = Scanner();
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Equal(status, result.Status);
            Assert.Same(error, result.Error);
            Assert.Empty(result.Findings);
            Assert.Null(evaluation.SeenApps);
        }

        [Fact]
        public async Task Unreadable_device_exemptions_fail_the_target_rather_than_report_wrong_violations()
        {
            using var session = InventoryReaderTests.Laptop();
            session.Key(ExemptionsKey + @"\2c9a4f1e-8d3b-4e7a-b5c6-0f1e2d3c4b5a").String("RuleId", "bytedance").String("Reason", "x");
            session.Deny(ExemptionsKey);
            var (scanner, evaluation) = Scanner();
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Equal(ComplianceStatus.Failed, result.Status);
            Assert.Equal(CimErrorKind.AccessDenied, result.Error.Kind);
            Assert.Contains("device exemptions", result.Error.Message);
            Assert.Contains("laptop-01", result.Error.Message);
            Assert.Empty(result.Findings);
            Assert.Null(evaluation.SeenApps);
        }

        [Fact]
        public async Task Cancellation_propagates()
        {
            using var session = InventoryReaderTests.Laptop();
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            var (scanner, _) = Scanner();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scanner.ScanAsync(session, cts.Token));
        }
    }
}

namespace AppBan.Engine.Tests.Findings
{
    using AppBan.Engine.Policy;

    public class TargetScannerWithPolicyTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

        [Fact]
        public async Task The_built_in_policy_finds_each_banned_app_once_with_its_rule()
        {
            using var session = InventoryReaderTests.Laptop(noiseKeysPerRoot: 10);
            var scanner = TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), new FixedClock(Now));
            var result = await scanner.ScanAsync(session, CancellationToken.None);

            var byRule = result.Findings.Select(f => f.RuleId + " " + (f.App.PackageFullName ?? f.App.KeyName)).OrderBy(x => x, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[]
            {
                "capcut CapCut",
                "tiktok-live-studio " + InventoryReaderTests.LiveStudioCode,
                "tiktok-store " + InventoryReaderTests.TikTokStore,
                "tiktok-webapp 8f3c0e6d2b1a49c7a5e4d3c2b1a09f8e",
            }, byRule);
            Assert.All(result.Findings, f => Assert.Equal(FindingStatus.Violation, f.Status));
            Assert.Equal(ComplianceStatus.NonCompliant, result.Status);
        }

        [Fact]
        public async Task The_pre_filter_reads_only_keys_some_rule_might_match()
        {
            using var session = InventoryReaderTests.Laptop(noiseKeysPerRoot: 10);
            var scanner = TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), new FixedClock(Now));
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.DoesNotContain(session.Log, l => l.StartsWith("EnumValues", StringComparison.Ordinal) && l.Contains(@"\Noise"));
            Assert.True(result.Inventory.CandidateKeyCount < 10, "candidates: " + result.Inventory.CandidateKeyCount);
        }

        [Fact]
        public async Task Selecting_rules_limits_findings_and_reads()
        {
            using var session = InventoryReaderTests.Laptop(noiseKeysPerRoot: 2);
            var scanner = TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), new FixedClock(Now), new[] { "CAPCUT" });
            var result = await scanner.ScanAsync(session, CancellationToken.None);
            Assert.Equal("capcut", Assert.Single(result.Findings).RuleId);
            Assert.DoesNotContain(session.Log, l => l.StartsWith("EnumValues", StringComparison.Ordinal) && l.Contains(InventoryReaderTests.LiveStudioCode));
        }

        [Fact]
        public void An_unknown_rule_fails_before_any_target_is_contacted()
        {
            var error = Assert.Throws<ArgumentException>(() => TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), new FixedClock(Now), new[] { "nope" }));
            Assert.Contains("nope", error.Message);
        }

        [Fact]
        public async Task Device_exemptions_and_the_phase_out_date_follow_the_clock()
        {
            const string json = @"{ ""schemaVersion"": 1, ""name"": ""phase-out"", ""enforceAfter"": ""2027-01-31T00:00:00Z"",
              ""rules"": [ { ""id"": ""capcut"", ""displayName"": ""CapCut"", ""matchers"": [ { ""keyName"": ""CapCut"" } ] },
                         { ""id"": ""tiktok-store"", ""displayName"": ""TikTok"", ""matchers"": [ { ""packageName"": ""BytedancePte.Ltd.TikTok"" } ] } ],
              ""exemptions"": [] }";
            var policy = PolicyLoader.LoadJson(json, "phase-out.json");
            using var session = InventoryReaderTests.Laptop(noiseKeysPerRoot: 0);
            session.Key(@"HKLM\SOFTWARE\AppBan\Exemptions\5e1d9c3a-7b2f-4c8e-a0d4-3f6b8e2c1a07").String("RuleId", "capcut").String("UserSid", InventoryReaderTests.Alice)
                .String("Reason", "Video team").String("GrantedOn", "2026-11-01T00:00:00.0000000Z").String("Expires", "2027-03-01T00:00:00.0000000Z");

            async Task<TargetScanResult> At(DateTimeOffset when) =>
                await TargetScanner.ForPolicy(policy, new FixedClock(when)).ScanAsync(session, CancellationToken.None);

            var before = await At(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(ComplianceStatus.GracePeriod, before.Status);
            Assert.Equal(FindingStatus.Exempt, before.Findings.Single(f => f.RuleId == "capcut").Status);
            Assert.Equal("5e1d9c3a-7b2f-4c8e-a0d4-3f6b8e2c1a07", before.Findings.Single(f => f.RuleId == "capcut").Exemption.Id);
            Assert.Equal(FindingStatus.GracePeriod, before.Findings.Single(f => f.RuleId == "tiktok-store").Status);

            var after = await At(new DateTimeOffset(2027, 2, 15, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(ComplianceStatus.NonCompliant, after.Status);
            Assert.Equal(FindingStatus.Exempt, after.Findings.Single(f => f.RuleId == "capcut").Status);
            Assert.Equal(FindingStatus.Violation, after.Findings.Single(f => f.RuleId == "tiktok-store").Status);

            var expired = await At(new DateTimeOffset(2027, 3, 2, 0, 0, 0, TimeSpan.Zero));
            Assert.Equal(2, expired.ViolationCount);
            Assert.Equal(0, expired.ExemptCount);
        }
    }
}
