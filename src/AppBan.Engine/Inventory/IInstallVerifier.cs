using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Inventory
{
    /// <summary>Re-scans one app on its target: the truth after a removal, whatever the exit code said.</summary>
    public interface IInstallVerifier
    {
        Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken);
    }
}
