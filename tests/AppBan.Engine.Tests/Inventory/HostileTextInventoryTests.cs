using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Policy;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>The two hosts whose user wrote characters XML 1.0 forbids into their own uninstall entries.</summary>
    public sealed class HostileTextSimulatorFixture : SimulatorFixture
    {
        public HostileTextSimulatorFixture() : base("hostile/hostile-raw.json", "hostile/hostile-reference.json", "hostile/hostile-fault.json") { }
    }

    /// <summary>
    /// A standard user cannot shield their machine with one character: whether WinRM sends such characters raw, as
    /// character references, or refuses the call with a fault (all guesses, so the simulator does each), the machine-wide
    /// TikTok LIVE Studio is found, and each odd user entry is named in a warning: kept as written when it could be read,
    /// skipped alone when it could not.
    /// </summary>
    public class HostileTextInventoryTests : IClassFixture<HostileTextSimulatorFixture>
    {
        private const string Pat = "S-1-5-21-1111111111-2222222222-3333333333-1001";
        private readonly HostileTextSimulatorFixture fixture;

        public HostileTextInventoryTests(HostileTextSimulatorFixture fixture) { this.fixture = fixture; }

        private ICimSession Open(string name) => fixture.OpenAdmin(name);

        [Theory]
        [InlineData("HOSTILE-RAW")]
        [InlineData("HOSTILE-REF")]
        [InlineData("HOSTILE-FAULT")]
        public async Task The_machine_wide_TikTok_LIVE_Studio_is_still_found(string host)
        {
            using var session = Open(host);
            var scan = await TargetScanner.ForPolicy(PolicyLoader.BuiltIn(), SystemClock.Instance).ScanAsync(session, CancellationToken.None);
            Assert.Null(scan.Error);
            Assert.Equal(ComplianceStatus.NonCompliant, scan.Status);
            var finding = Assert.Single(scan.Findings);
            Assert.Equal("tiktok-live-studio", finding.RuleId);
            Assert.Equal(AppScope.Machine, finding.App.Scope);
            Assert.Empty(scan.UsersNotScanned);
            Assert.Contains(scan.Warnings, w => w.Contains(Pat) && w.Contains("Shield-Esc") &&
                (host == "HOSTILE-FAULT" ? w.Contains("could not answer") : w.Contains("DisplayName") && w.Contains(@"Notes\x1B Pro")));
        }

        [Fact]
        public async Task When_the_target_refuses_a_value_only_that_entry_is_skipped()
        {
            using var session = Open("HOSTILE-FAULT");
            var result = await new InventoryReader(new RegistryClient(session)).ReadAsync(null, CancellationToken.None);
            Assert.True(result.IsPartial);
            foreach (var key in new[] { "Shield-Esc", "Shield-Nul", "Shield-FFFF", "Shield-Surrogate" })
            {
                Assert.DoesNotContain(result.Apps, a => a.KeyName == key);
                Assert.Single(result.Warnings, w => w.Contains(@"\Uninstall\" + key + " ") && w.Contains(Pat) && w.Contains("could not answer"));
            }
            Assert.Equal("Plain App", result.Apps.Single(a => a.UserSid == Pat).DisplayName);
            Assert.Contains(result.Apps, a => a.DisplayName == "TikTok LIVE Studio" && a.Scope == AppScope.Machine);
            Assert.Empty(result.UsersNotScanned);
        }

        [Theory]
        [InlineData("HOSTILE-RAW")]
        [InlineData("HOSTILE-REF")]
        public async Task Every_user_entry_is_read_and_kept_as_written(string host)
        {
            using var session = Open(host);
            var result = await new InventoryReader(new RegistryClient(session)).ReadAsync(null, CancellationToken.None);
            Assert.False(result.IsPartial, string.Join(Environment.NewLine, result.Warnings));
            string Name(string key) => result.Apps.Single(a => a.UserSid == Pat && a.KeyName == key).DisplayName;

            Assert.Equal("Notes\u001b Pro", Name("Shield-Esc"));
            Assert.Equal("Null\u0000Name", Name("Shield-Nul"));
            Assert.Equal("Tool \uffff", Name("Shield-FFFF"));
            Assert.Equal("Keyed App", Name("Shield\u001bKey"));
            Assert.Equal("Plain App", Name("Plain"));
            // An unpaired surrogate: sent as references it arrives intact; sent raw it is not UTF-8 and arrives as U+FFFD.
            if (host == "HOSTILE-REF") Assert.Equal("Su\ud800r", Name("Shield-Surrogate"));
            else Assert.Matches("^Su\ufffd+r$", Name("Shield-Surrogate"));

            string WarningFor(string key) => Assert.Single(result.Warnings, w => w.Contains(@"\Uninstall\" + key + " ") && w.Contains(Pat));
            Assert.Contains(@"value DisplayName holds characters XML 1.0 cannot carry", WarningFor("Shield-Esc"));
            Assert.Contains(@"'Null\x00Name'", WarningFor("Shield-Nul"));
            Assert.Contains(@"'Tool \uFFFF'", WarningFor("Shield-FFFF"));
            Assert.Contains("its key name holds characters XML 1.0 cannot carry", WarningFor(@"Shield\x1BKey"));
            Assert.Contains(host == "HOSTILE-REF" ? @"'Su\uD800r'" : "holds U+FFFD", WarningFor("Shield-Surrogate"));
            Assert.DoesNotContain(result.Warnings, w => w.Contains(@"\Plain "));
            Assert.Contains(result.Apps, a => a.DisplayName == "TikTok LIVE Studio" && a.Scope == AppScope.Machine);
        }
    }
}
