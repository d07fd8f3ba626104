using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;

namespace AppBan.Engine.Tests.Simulation
{
    /// <summary>
    /// The base of every class fixture that runs the simulated fleet for engine tests: one simulator with the given
    /// host files for the test class, and sessions to its hosts as their administrator over the real WS-Man transport.
    /// </summary>
    public abstract class SimulatorFixture : IDisposable
    {
        /// <param name="hostFiles">Host files or folders; a bare name is looked up in tests/hosts.</param>
        protected SimulatorFixture(params string[] hostFiles)
        {
            HostFiles = hostFiles;
            Simulator = SimulatorProcess.Start(hostFiles);
        }

        public SimulatorProcess Simulator { get; }
        public IReadOnlyList<string> HostFiles { get; }

        /// <summary>The host as a target, reached with its administrator account over Basic.</summary>
        public CimTarget AdminTarget(string name) => Simulator[name].AdminTarget();

        /// <summary>A session to the host as it is now, as its administrator.</summary>
        public WsManSession OpenAdmin(string name) => new WsManSession(AdminTarget(name));

        /// <summary>Resets the host to its file, then opens a session to it as its administrator.</summary>
        public async Task<WsManSession> OpenAdminAsync(string name)
        {
            await Simulator.ResetAsync(name);
            return OpenAdmin(name);
        }

        public virtual void Dispose() => Simulator.Dispose();
    }
}
