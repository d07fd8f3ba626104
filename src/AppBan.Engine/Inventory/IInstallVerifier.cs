using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Inventory
{
    /// <summary>Re-scans one app on its target: the truth after a removal, whatever the exit code said.</summary>
    public interface IInstallVerifier
    {
        Task<bool> IsStillInstalledAsync(InstalledApp app, CancellationToken cancellationToken);

        /// <summary>
        /// Who holds <paramref name="app"/>'s package family on the target now, read as a scan reads Store packages (the
        /// device's repository and each signed-in user's), and whose Store packages could not be read. Throws
        /// <see cref="Cim.CimException"/> when it cannot tell.
        /// </summary>
        Task<StoreFamilyHolders> ReadStoreFamilyHoldersAsync(InstalledApp app, CancellationToken cancellationToken);
    }

    /// <summary>The users of one target who hold a package family, and those whose packages were not read.</summary>
    public sealed class StoreFamilyHolders
    {
        /// <summary>SIDs of the users whose repository lists a package of the family that the device still has.</summary>
        public IReadOnlyList<string> UserSids { get; set; } = new string[0];
        /// <summary>Users whose Store packages could not be read (signed out, denied): they may hold the family unseen.</summary>
        public IReadOnlyList<UserNotScanned> UsersNotRead { get; set; } = new UserNotScanned[0];
    }
}
