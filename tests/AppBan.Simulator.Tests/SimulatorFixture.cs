using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>One simulator process for the whole collection: the sample hosts plus the test hosts in Hosts/.</summary>
public sealed class SimulatorFixture : IDisposable
{
    public SimulatorFixture()
    {
        var testHosts = Path.Combine(AppContext.BaseDirectory, "Hosts");
        Simulator = SimulatorProcess.Start("laptop-01.json", "clean-01.json", "malicious-01.json", "unreachable-01.json", "nonadmin-01.json", testHosts);
    }

    public SimulatorProcess Simulator { get; }

    public RawWsMan Admin(string host, TimeSpan? timeout = null)
    {
        var h = Simulator[host];
        return new RawWsMan(h.Url, h.AdminUser, h.AdminPassword, timeout);
    }

    public RawWsMan As(string host, string user, TimeSpan? timeout = null)
    {
        var h = Simulator[host];
        var account = h.Accounts.Single(a => a.User == user);
        return new RawWsMan(h.Url, account.User, account.Password, timeout);
    }

    public void Dispose() => Simulator.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimulatorCollection : ICollectionFixture<SimulatorFixture>
{
    public const string Name = "simulator";
}
