using System.Security.Cryptography;
using System.Text;

namespace AppBan.Simulator.Model;

public sealed class Account
{
    public required string User { get; init; }
    public required string Password { get; init; }
    public bool IsAdmin { get; init; }
    public required string Sid { get; init; }
    /// <summary>The account's domain (DOMAIN\name); null is the computer's own (a local account).</summary>
    public string? Domain { get; init; }
    public bool RemoteManagementUsers { get; init; }
    /// <summary>Namespaces granting Remote Enable beyond the default, normalised ("root/cimv2").</summary>
    public IReadOnlySet<string> RemoteEnableNamespaces { get; init; } = new HashSet<string>();

    /// <summary>
    /// WinRM admits Administrators and, for WMI resources, Remote Management Users; everyone else gets 401
    /// [doc: WinRM "Authentication for Remote Connections"; 3rd: the group's own description, and the 401].
    /// </summary>
    public bool MayUseWinRm => IsAdmin || RemoteManagementUsers;

    /// <summary>Remote Enable on a namespace: Administrators by default [doc: WBEM_REMOTE_ACCESS], others only where granted.</summary>
    public bool HasRemoteEnable(string ns) => IsAdmin || RemoteEnableNamespaces.Contains(ns);
}

public sealed class PackageState
{
    public required string FullName { get; init; }
    public HashSet<string> Users { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public bool Provisioned { get; set; }
    public string? RemovalError { get; init; }
    public string? Bundle { get; init; }
    public bool AllUsersByPackageNameHasNoEffect { get; init; }
    public bool UserRemovalHasNoEffect { get; init; }
    public string? PerUserError { get; init; }
    public bool UserKeysOutliveRemoval { get; init; }
    public HashSet<string> PendingFor { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public bool Exists => Users.Count > 0 || Provisioned;
}

public sealed class SimProcess
{
    public uint ProcessId { get; init; }
    public uint ParentProcessId { get; init; }
    public required string Name { get; init; }
    public string? ExecutablePath { get; init; }
    public string? CommandLine { get; init; }
    public DateTime Started { get; init; }
    /// <summary>Null: runs until the host is reset.</summary>
    public DateTime? Ends { get; set; }
    public uint SessionId { get; init; }
}

/// <summary>A process no run waits for; its effects land when it ends (never, when <see cref="SimProcess.Ends"/> is null).</summary>
public sealed record DetachedProcess(SimProcess Process, Action<HostState>? Effects);

public sealed class CommandRecord
{
    public const string FromWin32Process = "Win32_Process";

    public int Sequence { get; init; }
    public DateTime Time { get; init; }
    /// <summary>"Win32_Process" or "task:&lt;TaskPath&gt;&lt;TaskName&gt;" (task:\AppBan\AppBan-...): what started it.</summary>
    public string Source { get; init; } = FromWin32Process;
    /// <summary>The account it ran as, DOMAIN\name.</summary>
    public required string User { get; init; }
    public required string Sid { get; init; }
    /// <summary>Ran with an administrator's (elevated) token.</summary>
    public bool Elevated { get; init; }
    public required string CommandLine { get; init; }
    public uint ReturnValue { get; set; }
    public uint? ProcessId { get; set; }
    /// <summary>What actually ran, in order (cmd.exe statements or the program itself).</summary>
    public List<string> Executed { get; } = [];
    /// <summary>Exit code once the process has ended; null while it runs or when it never started.</summary>
    public int? ExitCode { get; set; }
    public bool Finished { get; set; }
}

public sealed class OperationRecord
{
    public int Sequence { get; init; }
    public DateTime Time { get; init; }
    public required string Operation { get; init; }
    public string? Action { get; init; }
    public string? ResourceUri { get; init; }
    public string? Detail { get; set; }
    public string? User { get; init; }
    /// <summary>The HTTP Content-Type of the request and of the reply (null: none), so a test can see what went in clear.</summary>
    public string? RequestContentType { get; set; }
    public string? ReplyContentType { get; set; }
    /// <summary>"Basic", "Negotiate" (and "Negotiate+encrypted" when the SOAP travelled sealed), or null.</summary>
    public string? Authentication { get; set; }
    /// <summary>"ok", "ReturnValue=N", "fault:Subcode", "http500", "dropped", "hang", "401", "aborted" (the client gave up before an answer).</summary>
    public string Result { get; set; } = "ok";
}

public sealed class EnumerationState
{
    public required string Id { get; init; }
    public required List<string> Items { get; init; }
    public int Position { get; set; }
    public DateTime LastUsed { get; set; }
    public string? Query { get; init; }
}

/// <summary>
/// The live state of one simulated host. Every access goes through <see cref="Lock"/>; time-driven changes
/// (processes ending and their effects) are applied lazily by <see cref="Advance"/> before each operation.
/// </summary>
public sealed partial class HostState
{
    public static readonly TimeSpan EnumerationTimeout = TimeSpan.FromSeconds(60);

    public HostState(HostDescription description)
    {
        Description = description;
        Accounts = description.Accounts.Select(a => new Account
        {
            User = a.User, Password = a.Password, IsAdmin = a.IsAdmin, Sid = a.Sid ?? SidFor(description.ComputerName, a.User),
            // An account that is a declared user of another domain (CONTOSO\dana) keeps that domain.
            Domain = description.Users.FirstOrDefault(u => a.Sid is not null && string.Equals(u.Sid, a.Sid, StringComparison.OrdinalIgnoreCase))?.Domain,
            RemoteManagementUsers = a.RemoteManagementUsers,
            RemoteEnableNamespaces = a.RemoteEnableNamespaces.Select(Wmi.WmiCatalog.NormalizeNamespace).ToHashSet(StringComparer.OrdinalIgnoreCase),
        }).ToList();
        ResetCounters();
    }

    public object Lock { get; } = new();
    public HostDescription Description { get; }
    public string Name => Description.ComputerName;
    public IReadOnlyList<Account> Accounts { get; }

    /// <summary>Where it listens (set at start); null for an unreachable host.</summary>
    public string? Url { get; set; }
    /// <summary>Whether the WS-Man endpoint at <see cref="Url"/> answers (not refused, not switched off, an HTTPS listener under --https).</summary>
    public bool Listening { get; set; }

    public RegistryStore Registry { get; private set; } = new();
    public List<PackageState> Packages { get; private set; } = [];
    public List<SimProcess> Processes { get; private set; } = [];
    public List<Wmi.ProcessRun> Runs { get; private set; } = [];
    /// <summary>Processes that outlive the run that started them (relaunched uninstallers), with their effects at exit.</summary>
    public List<DetachedProcess> Detached { get; private set; } = [];
    public List<CommandRecord> Commands { get; private set; } = [];
    public List<OperationRecord> Operations { get; private set; } = [];
    public Dictionary<string, int> Counts { get; private set; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, EnumerationState> Enumerations { get; private set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>WS-Man operations received since start or reset (what operation faults count).</summary>
    public int OperationIndex { get; set; }
    public uint NextProcessId { get; set; }

    private RegistryStore? pristineRegistry;
    private bool initialized;

    /// <summary>Back to the description. The state itself is built on first use, so 1,000 hosts start fast.</summary>
    public void Reset()
    {
        lock (Lock)
        {
            initialized = false;
            Runs = [];
            Detached = [];
            Enumerations = new(StringComparer.OrdinalIgnoreCase);
            ResetCounters();
        }
    }

    private void EnsureInitialized()
    {
        if (initialized) return;
        initialized = true;
        {
            if (pristineRegistry is null)
            {
                var built = HostBuilder.BuildRegistry(Description);
                pristineHives = HostBuilder.BuildHiveFiles(Description, built);
                pristineRegistry = built;
            }
            Registry = pristineRegistry.Clone();
            HiveFiles = pristineHives!.Values.Select(f => f.Clone()).ToDictionary(f => f.Path, StringComparer.OrdinalIgnoreCase);
            Sessions = new(StringComparer.OrdinalIgnoreCase);
            foreach (var (sid, sessionId, _) in HostBuilder.InitialSessions(Description))
                Sessions[sid] = new UserSession { Sid = sid, SessionId = sessionId, Since = DateTime.UtcNow.AddHours(-3) };
            NextSessionId = Math.Max(2, (uint)Sessions.Count + 1);
            Tasks = [];
            Packages = Description.Packages.Select(p => new PackageState
            {
                FullName = p.FullName, Provisioned = p.Provisioned, RemovalError = p.RemovalError,
                Users = new HashSet<string>(p.Users, StringComparer.OrdinalIgnoreCase),
                Bundle = p.Bundle, UserRemovalHasNoEffect = p.UserRemovalHasNoEffect, PerUserError = p.PerUserError,
                AllUsersByPackageNameHasNoEffect = string.Equals(p.AllUsersByPackageName, "noEffect", StringComparison.OrdinalIgnoreCase),
                UserKeysOutliveRemoval = p.UserKeysOutliveRemoval,
                PendingFor = new HashSet<string>(p.PendingFor, StringComparer.OrdinalIgnoreCase),
            }).ToList();
            OutlivingUserKeys = new(StringComparer.OrdinalIgnoreCase);
            SyncAppxStore();
            Processes = HostBuilder.BuildProcesses(Description);
            NextProcessId = 7000;
            ProcessesDueDuringRun = Description.Processes.Where(p => p.StartsDuringRun).ToList();
        }
    }

    public void ResetCounters()
    {
        lock (Lock)
        {
            Commands = [];
            Operations = [];
            Counts = new(StringComparer.OrdinalIgnoreCase);
            OperationIndex = 0;
        }
    }

    public Account? FindAccount(string user) =>
        Accounts.FirstOrDefault(a => string.Equals(a.User, user, StringComparison.OrdinalIgnoreCase)
                                     || string.Equals(Name + "\\" + a.User, user, StringComparison.OrdinalIgnoreCase)
                                     || string.Equals(".\\" + a.User, user, StringComparison.OrdinalIgnoreCase));

    public UserDescription? FindUser(string sid) =>
        Description.Users.FirstOrDefault(u => string.Equals(u.Sid, sid, StringComparison.OrdinalIgnoreCase));

    /// <summary>Applies everything that time has brought about: ended processes and their effects, expired enumerations.</summary>
    public void Advance(DateTime now)
    {
        EnsureInitialized();
        // Step the runs in time order so that one run's effects are seen by another's later statements.
        while (true)
        {
            var next = Runs.Where(r => !r.Finished && r.NextEventTime is { } t && t <= now).MinBy(r => r.NextEventTime);
            var detached = Detached.Where(d => d.Process.Ends is { } t && t <= now).MinBy(d => d.Process.Ends);
            if (detached is not null && (next is null || detached.Process.Ends <= next.NextEventTime))
            {
                Detached.Remove(detached);
                detached.Effects?.Invoke(this);
                continue;
            }
            if (next is null) break;
            next.Step(this);
        }
        Runs.RemoveAll(r => r.Finished);
        Processes.RemoveAll(p => p.Ends is { } end && end <= now);
        DeleteExpiredTasks(now);
        if (Description.Browser.AppliesPolicy == BrowserDescription.Immediately)
            foreach (var sid in Sessions.Keys.ToList()) BrowserModel.Apply(this, sid);
        foreach (var stale in Enumerations.Values.Where(e => now - e.LastUsed > EnumerationTimeout).Select(e => e.Id).ToList())
            Enumerations.Remove(stale);
    }

    /// <summary>Declared processes (<c>startsDuringRun</c>) not yet started.</summary>
    public List<ProcessDescription> ProcessesDueDuringRun { get; private set; } = [];

    /// <summary>
    /// Starts the declared processes due during a run, once: each is started by a launcher that exits at once, so its
    /// ParentProcessId names a process that no listing shows, as a relaunched uninstaller copy's does.
    /// </summary>
    public void StartProcessesDueDuringRun(DateTime at)
    {
        foreach (var p in ProcessesDueDuringRun)
        {
            NextProcessId += 4;
            var exitedLauncher = NextProcessId;
            NextProcessId += 4;
            Processes.Add(HostBuilder.DeclaredProcess(p, p.ProcessId ?? NextProcessId, exitedLauncher, at));
        }
        ProcessesDueDuringRun = [];
    }

    /// <summary>Starts a process that outlives <paramref name="parentProcessId"/>: its ParentProcessId keeps naming the parent after that exits.</summary>
    public void StartDetached(Wmi.RelaunchedCopy copy, uint parentProcessId, Account account, DateTime at, uint sessionId)
    {
        NextProcessId += 4;
        var process = new SimProcess
        {
            ProcessId = NextProcessId, ParentProcessId = parentProcessId, Name = copy.ProcessName, ExecutablePath = copy.ExecutablePath,
            CommandLine = copy.CommandLine, Started = at, SessionId = sessionId, Ends = at + copy.Duration,
        };
        Processes.Add(process);
        Detached.Add(new DetachedProcess(process, copy.Effects));
    }

    public const string AppxStore = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
    public const string DeviceRepository = @"HKLM\SOFTWARE\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\PackageRepository\Packages";
    public const string UserRepository = @"Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";

    /// <summary>
    /// The registry follows the packages [3rd: engramic-ai/baseline-tool AppxRepository.cs, compared with Get-AppxPackage]:
    /// the device's package repository lists every package on the device and the bundles they came in (value Path);
    /// each user's repository (in their _Classes hive, loaded or on disk) lists the packages registered for them, and may
    /// keep keys of removed packages; AppxAllUserStore\Applications lists what is provisioned, and
    /// AppxAllUserStore\&lt;SID&gt; only the work pending for that user.
    /// </summary>
    public void SyncAppxStore()
    {
        var store = Registry.Create(AppxStore);
        store.GetOrAddChild("Deprovisioned");
        var apps = store.GetOrAddChild("Applications");
        foreach (var stale in apps.Children.Select(c => c.Name).Where(n => !Packages.Any(p => p.Provisioned && Eq(p.FullName, n))).ToList())
            apps.RemoveChild(stale);
        foreach (var p in Packages.Where(p => p.Provisioned)) apps.GetOrAddChild(p.FullName);
        var pendingSids = Packages.SelectMany(p => p.PendingFor).Concat(store.Children.Select(c => c.Name).Where(n => n.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase)))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var sid in pendingSids)
        {
            var userKey = store.GetOrAddChild(sid);
            foreach (var stale in userKey.Children.Select(c => c.Name).Where(n => !Packages.Any(p => p.PendingFor.Contains(sid) && Eq(p.FullName, n))).ToList())
                userKey.RemoveChild(stale);
            foreach (var p in Packages.Where(p => p.PendingFor.Contains(sid))) userKey.GetOrAddChild(p.FullName);
            if (userKey.ChildCount == 0) store.RemoveChild(sid);
        }

        var onDevice = Packages.Select(p => p.FullName).Concat(Packages.Where(p => p.Bundle is not null).Select(p => p.Bundle!))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var device = Registry.Create(DeviceRepository);
        foreach (var stale in device.Children.Select(c => c.Name).Where(n => !onDevice.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList())
            device.RemoveChild(stale);
        foreach (var name in onDevice)
            device.GetOrAddChild(name).SetValue(new RegValue("Path", RegKind.String, @"C:\Program Files\WindowsApps\" + name));

        // Each user's repository is in their classes hive wherever it is: loaded at sign-in (HKU\<SID>_Classes), loaded
        // under another name by reg.exe load, or in UsrClass.dat on disk while they are signed out.
        foreach (var user in Description.Users)
        {
            var hive = UserHive(user.Sid, classes: true);
            if (hive is null) continue;
            var repository = RegistryStore.Create(HiveRoot(hive), RegistryStore.Split(UserRepository));
            foreach (var stale in repository.Children.Select(c => c.Name).ToList())
            {
                var package = Packages.FirstOrDefault(p => Eq(p.FullName, stale));
                if (package is not null && package.Users.Contains(user.Sid)) continue;
                if (!OutlivingUserKeys.Contains(user.Sid + "|" + stale)) repository.RemoveChild(stale);
            }
            foreach (var p in Packages.Where(p => p.Users.Contains(user.Sid))) repository.GetOrAddChild(p.FullName);
        }
    }

    /// <summary>"SID|PackageFullName" of user repository keys left behind by a removal (UserKeysOutliveRemoval).</summary>
    public HashSet<string> OutlivingUserKeys { get; private set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Removes a package for one user (or every user), leaving the user's key when the package says so.</summary>
    public void UnregisterPackage(PackageState package, string? sid)
    {
        var users = sid is null ? package.Users.ToList() : package.Users.Where(u => Eq(u, sid)).ToList();
        foreach (var u in users)
        {
            package.Users.Remove(u);
            if (package.UserKeysOutliveRemoval) OutlivingUserKeys.Add(u + "|" + package.FullName);
        }
        if (!package.Exists) Packages.Remove(package);
        SyncAppxStore();
    }

    private static bool Eq(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>A Microsoft Entra ID (Azure AD) user's SID, as Entra joined devices name their profiles and hives [guess W011].</summary>
    public static bool IsEntraIdSid(string? sid) => sid is not null && sid.StartsWith("S-1-12-1-", StringComparison.OrdinalIgnoreCase);

    /// <summary>A stable local-account SID for an account declared without one.</summary>
    public static string SidFor(string computer, string user)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(computer.ToUpperInvariant()));
        var rid = 1000 + (uint)(SHA256.HashData(Encoding.UTF8.GetBytes(user.ToUpperInvariant()))[0] % 200);
        return $"S-1-5-21-{BitConverter.ToUInt32(h, 0) % 1000000000}-{BitConverter.ToUInt32(h, 4) % 1000000000}-{BitConverter.ToUInt32(h, 8) % 1000000000}-{rid}";
    }
}
