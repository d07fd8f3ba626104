using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace AppBan.Engine.Tests.Simulation
{
    /// <summary>The helper other engine tests use to run against the simulated fleet.</summary>
    public sealed class SimulatorProcessTests
    {
        [Fact]
        public async Task Starts_the_sample_hosts_and_reads_their_state_through_the_control_endpoint()
        {
            using var sim = SimulatorProcess.Start("laptop-01.json", "unreachable-01.json");
            var laptop = sim["LAPTOP-01"];
            Assert.Equal("127.0.0.1:" + laptop.Port, laptop.ComputerName);
            Assert.Equal("it-admin", laptop.AdminUser);
            Assert.False(sim["UNREACHABLE-01"].Reachable);

            var packages = await sim.GetPackagesAsync("LAPTOP-01");
            Assert.Contains(packages.EnumerateArray(), p => p.GetProperty("fullName").GetString() == "BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se");
            var capcut = await sim.GetRegistryAsync("LAPTOP-01", @"HKU\S-1-5-21-3623811015-3361044348-30300820-1002\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut");
            Assert.Equal("Bytedance Pte. Ltd.", capcut.Value.GetProperty("values").GetProperty("Publisher").GetProperty("value").GetString());
            Assert.Null(await sim.GetRegistryAsync("LAPTOP-01", @"HKLM\SOFTWARE\NoSuchKey"));
            Assert.Empty(await sim.GetCommandLinesAsync("LAPTOP-01"));
            Assert.Equal(0, await sim.GetOpenEnumerationCountAsync("LAPTOP-01"));
            Assert.Empty(await sim.GetOperationCountsAsync("LAPTOP-01"));
        }
    }
}
