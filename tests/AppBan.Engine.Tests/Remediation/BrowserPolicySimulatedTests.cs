using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Policy;
using AppBan.Engine.Remediation;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>One simulated laptop: alex and sam are signed in (hives loaded), jo is not.</summary>
    public sealed class BrowserPolicyFleet : SimulatorFixture
    {
        public BrowserPolicyFleet() : base("laptop-01.json") { }
    }

    /// <summary>
    /// The built-in web app rule's browser policy written over WS-Man and StdRegProv to the simulated laptop, judged by
    /// the simulator's registry: REG_MULTI_SZ records and DeleteValue as the provider answers them.
    /// </summary>
    public class BrowserPolicySimulatedTests : IClassFixture<BrowserPolicyFleet>
    {
        private const string Host = "LAPTOP-01";
        private const string Alex = "S-1-5-21-3623811015-3361044348-30300820-1001";
        private const string Jo = "S-1-5-21-3623811015-3361044348-30300820-1003";
        private const string AlexEdge = @"HKU\" + Alex + @"\Software\Policies\Microsoft\Edge";
        private const string AlexRecord = @"HKLM\SOFTWARE\AppBan\BrowserPolicy\" + Alex + @"\Edge";

        private readonly BrowserPolicyFleet fleet;

        public BrowserPolicySimulatedTests(BrowserPolicyFleet fleet) { this.fleet = fleet; }

        private static Task<System.Collections.Generic.IReadOnlyList<BrowserPolicyChange>> ApplyBuiltIn(RegistryClient registry, string sid)
        {
            var rule = PolicyLoader.BuiltIn().FindRule("tiktok-webapp");
            return new BrowserPolicyWriter(registry).ApplyAsync(sid, rule.Id, rule.Removal.BlockSites, rule.Removal.WebAppManifestIds, "AppBan built-in policy", CancellationToken.None);
        }

        private static string Value(JsonElement key, string name) => key.GetProperty("values").GetProperty(name).GetProperty("value").ToString();

        [Fact]
        public async Task The_built_in_rule_is_written_for_a_signed_in_user_and_removed_again()
        {
            using var session = await fleet.OpenAdminAsync(Host);
            var registry = new RegistryClient(session);

            var applied = await ApplyBuiltIn(registry, Alex);

            Assert.All(applied, c => Assert.True(c.Succeeded, c.Error));
            var blocklist = (await fleet.Simulator.GetRegistryAsync(Host, AlexEdge + @"\URLBlocklist")).Value;
            Assert.Equal("tiktok.com", Value(blocklist, "1"));
            var edge = (await fleet.Simulator.GetRegistryAsync(Host, AlexEdge)).Value;
            Assert.Contains("\"force_unregister_os_integration\":true", Value(edge, "WebAppSettings"));
            var record = (await fleet.Simulator.GetRegistryAsync(Host, AlexRecord)).Value;
            Assert.Contains("1=tiktok.com", Value(record, "URLBlocklist"));
            Assert.Contains("https://www.tiktok.com/", Value(record, "WebAppSettings"));
            var read = await new BrowserPolicyWriter(registry).ReadRecordsAsync(CancellationToken.None);
            Assert.Equal(new[] { "1=tiktok.com" }, read.Single(r => r.Browser == PolicyBrowser.Edge).BlockEntries.Select(e => e.RecordText));

            var removed = await new BrowserPolicyWriter(registry).RemoveAsync(Alex, null, CancellationToken.None);

            Assert.All(removed, c => Assert.True(c.Succeeded, c.Error));
            Assert.Null(await fleet.Simulator.GetRegistryAsync(Host, AlexEdge));
            Assert.Null(await fleet.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\AppBan\BrowserPolicy\" + Alex));
        }

        [Fact]
        public async Task A_user_whose_hive_is_not_loaded_gets_nothing_and_no_record()
        {
            using var session = await fleet.OpenAdminAsync(Host);

            var applied = await ApplyBuiltIn(new RegistryClient(session), Jo);

            Assert.All(applied, c => Assert.Contains("is not loaded", c.Error));
            Assert.Null(await fleet.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\AppBan\BrowserPolicy"));
        }
    }
}
