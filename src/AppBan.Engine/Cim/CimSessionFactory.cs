using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AppBan.Engine.Cim.WsMan;

namespace AppBan.Engine.Cim
{
    /// <summary>
    /// Chooses the transport for a target and opens the session:
    /// a user's CimSession → MI; a computer name → MI on Windows (unless WS-Man is forced), WS-Man elsewhere;
    /// no target → the local machine through MI on Windows, from an elevated process only; an error elsewhere.
    /// MI is reached only through methods that are never compiled on other systems, so nothing loads it there.
    /// </summary>
    public sealed class CimSessionFactory
    {
        private readonly Func<bool> isElevated;

        /// <param name="isElevated">Whether this process runs elevated; asked only on Windows, for the local machine.</param>
        public CimSessionFactory(bool? isWindows = null, Func<bool> isElevated = null)
        {
            IsWindows = isWindows ?? RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
            this.isElevated = isElevated ?? ProcessElevation.IsElevated;
        }

        public bool IsWindows { get; }
        /// <summary>
        /// Connections per target: a scan's operations in flight (InventoryReader's limit) plus the device exemption and
        /// scheduled-work reads that run beside it, so no operation waits for a connection. [guess W133] WinRM's listener
        /// (HTTP.sys) takes that many connections from one client at once and limits only the requests in flight
        /// (MaxConnections, 300 by default).
        /// </summary>
        public WsManSessionOptions WsManOptions { get; set; } = new WsManSessionOptions
        {
            MaxConnections = Math.Max(new WsManSessionOptions().MaxConnections, Inventory.InventoryReader.DefaultMaxConcurrentOperations + 8),
        };

        public CimTransportKind TransportFor(CimTarget target)
        {
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (target.IsLocal)
            {
                CheckLocalMachine();
                return CimTransportKind.Mi;
            }
            return IsWindows && !target.ForceWsMan ? CimTransportKind.Mi : CimTransportKind.WsMan;
        }

        /// <summary>Opens a session; throws <see cref="CimException"/> when the target's settings cannot work.</summary>
        public ICimSession Create(CimTarget target)
        {
            return TransportFor(target) == CimTransportKind.Mi ? CreateMi(target) : new WsManSession(target, WsManOptions);
        }

        /// <summary>Wraps a Microsoft.Management.Infrastructure.CimSession the user passed in; the user keeps ownership.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static ICimSession FromCimSession(object cimSession, TimeSpan? operationTimeout) =>
            Mi.MiSessions.Wrap(cimSession, operationTimeout);

        /// <summary>How results and errors name a CimSession the user passed in: its ComputerName, "localhost" for a local one.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static string ComputerNameOf(object cimSession) => Mi.MiSessions.ComputerNameOf(cimSession);

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static ICimSession CreateMi(CimTarget target) => Mi.MiSessions.Create(target);

        /// <summary>
        /// Throws when this computer cannot be a target: off Windows (no MI), or from a process that is not elevated,
        /// whose filtered token reads other users' hives as denied and removes nothing, which would read as Failed results.
        /// </summary>
        public void CheckLocalMachine()
        {
            if (!IsWindows) throw LocalMachineUnsupported();
            if (!isElevated()) throw LocalSessionNotElevated();
        }

        public static LocalMachineRefusedException LocalMachineUnsupported() => new LocalMachineRefusedException(ErrorIds.LocalMachineUnsupported,
            "No target was given, and the local machine can only be reached through MI (CIM) on Windows. " +
            "On this system pass -ComputerName with a Windows host (WS-Management), for example -ComputerName host -UseSSL -Credential (Get-Credential).");

        public static LocalMachineRefusedException LocalSessionNotElevated() => new LocalMachineRefusedException(ErrorIds.LocalSessionNotElevated,
            "This computer can only be scanned and remediated from an elevated session: this process runs with a filtered " +
            "(not elevated) token, which cannot read other users' apps or remove any. Start PowerShell with 'Run as administrator', " +
            "or run AppBan as SYSTEM (scheduled task, ConfigMgr, Intune).");
    }

    /// <summary>This computer cannot be a target here; <see cref="ErrorId"/> says why.</summary>
    public sealed class LocalMachineRefusedException : InvalidOperationException
    {
        public LocalMachineRefusedException(string errorId, string message) : base(message) { ErrorId = errorId; }
        public string ErrorId { get; }
    }
}
