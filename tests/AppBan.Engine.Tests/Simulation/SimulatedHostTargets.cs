using System.Net;
using AppBan.Engine.Cim;

namespace AppBan.Engine.Tests.Simulation
{
    public static class SimulatedHostTargets
    {
        /// <summary>The host as a target, reached with its administrator account over Basic.</summary>
        public static CimTarget AdminTarget(this SimulatedHost host)
        {
            var target = CimTarget.Parse(host.ComputerName);
            target.Authentication = CimAuthentication.Basic;
            target.Credential = new NetworkCredential(host.AdminUser, host.AdminPassword);
            return target;
        }
    }
}
