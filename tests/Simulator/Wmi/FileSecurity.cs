using AppBan.Simulator.Model;
using AppBan.Simulator.WsMan;

namespace AppBan.Simulator.Wmi;

/// <summary>One ACE as Win32_ACE carries it.</summary>
public sealed record SimAce(string Sid, uint Mask, uint AceType, uint AceFlags);

/// <summary>
/// File security for the paths a host declares (its programs and folders, and the folders above them), with
/// Windows' default DACLs at the roots and inheritance down from them, as GetSecurityDescriptor reports them.
/// </summary>
public static class FileSecurity
{
    public const string System = "S-1-5-18", Administrators = "S-1-5-32-544", Users = "S-1-5-32-545", AuthenticatedUsers = "S-1-5-11",
        CreatorOwner = "S-1-3-0", TrustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
        AllApplicationPackages = "S-1-15-2-1";

    // [doc Win32_ACE] AceFlags.
    public const uint ObjectInherit = 0x1, ContainerInherit = 0x2, NoPropagate = 0x4, InheritOnly = 0x8, Inherited = 0x10;
    private const uint Full = 0x1F01FF, Modify = 0x1301BF, ReadExecute = 0x1200A9;
    private const uint GenericAll = 0x10000000, GenericExecute = 0x20000000, GenericWrite = 0x40000000, GenericRead = 0x80000000;

    private static SimAce Allow(string sid, uint mask, params string[] flags) => new(sid, mask, 0, Flags(flags));

    /// <summary>
    /// [3rd] icacls of a default C:\ProgramData, widely published: SYSTEM and Administrators (OI)(CI)(F), CREATOR OWNER
    /// (OI)(CI)(IO)(F), Users (OI)(CI)(RX) and Users (CI)(WD,AD,WEA,WA): users may create folders and files.
    /// </summary>
    private static readonly SimAce[] ProgramData =
    [
        Allow(System, Full, "OI", "CI"), Allow(Administrators, Full, "OI", "CI"), Allow(CreatorOwner, GenericAll, "OI", "CI", "IO"),
        Allow(Users, ReadExecute, "OI", "CI"), Allow(Users, 0x116, "CI"),
    ];

    /// <summary>
    /// [3rd] icacls of a default C:\Program Files (and (x86)): TrustedInstaller full, SYSTEM and Administrators modify on
    /// the folder and full below, Users and ALL APPLICATION PACKAGES read and execute. Windows is modelled the same [guess W040].
    /// </summary>
    private static readonly SimAce[] ProgramFiles =
    [
        Allow(TrustedInstaller, Full), Allow(TrustedInstaller, GenericAll, "CI", "IO"), Allow(System, Modify),
        Allow(System, GenericAll, "OI", "CI", "IO"), Allow(Administrators, Modify), Allow(Administrators, GenericAll, "OI", "CI", "IO"),
        Allow(Users, ReadExecute), Allow(Users, GenericRead | GenericExecute, "OI", "CI", "IO"), Allow(CreatorOwner, GenericAll, "OI", "CI", "IO"),
        Allow(AllApplicationPackages, ReadExecute), Allow(AllApplicationPackages, GenericRead | GenericExecute, "OI", "CI", "IO"),
    ];

    /// <summary>[3rd] the root of the system drive: Authenticated Users may create folders there and modify below.</summary>
    private static readonly SimAce[] DriveRoot =
    [
        Allow(System, Full, "OI", "CI"), Allow(Administrators, Full, "OI", "CI"), Allow(Users, ReadExecute, "OI", "CI"),
        Allow(AuthenticatedUsers, 0x4), Allow(AuthenticatedUsers, GenericWrite | GenericRead | GenericExecute | 0x10000, "OI", "CI", "IO"),
    ];

    public static bool IsLocalPath(string? path) =>
        path is { Length: >= 3 } && char.IsAsciiLetter(path[0]) && path[1] == ':' && path[2] == '\\' && !path.Contains('/') &&
        !path.Split('\\').Skip(1).Any(s => s is "" or "." or "..");

    /// <summary>Whether the path exists on the host: a declared program or folder, a folder above one, or a standard root.</summary>
    public static bool Exists(HostDescription host, string path, out bool isFolder)
    {
        var p = Normalize(path);
        isFolder = true;
        if (p.Length == 2) return true;
        if (StandardRoots.Any(r => Same(r, p))) return true;
        if (host.Folders.Any(f => Same(Normalize(f.Path), p) || IsUnder(Normalize(f.Path), p))) return true;
        if (host.Programs.Any(pr => IsUnder(Normalize(pr.Path), p))) return true;
        isFolder = false;
        return host.Programs.Any(pr => Same(Normalize(pr.Path), p));
    }

    private static readonly string[] StandardRoots = [@"C:\ProgramData", @"C:\Program Files", @"C:\Program Files (x86)", @"C:\Windows", @"C:\Windows\System32", @"C:\Users"];

    /// <summary>The owner and DACL GetSecurityDescriptor reports for an existing path.</summary>
    public static (string Owner, List<SimAce> Dacl) Describe(HostDescription host, string path)
    {
        var p = Normalize(path);
        if (p.Length == 2) return (TrustedInstaller, DriveRoot.ToList());
        Exists(host, p, out var isFolder);
        var own = Declared(host, p);
        var parent = p[..p.LastIndexOf('\\')];
        var owner = own?.Owner ?? Administrators;
        var explicitAces = own?.Aces.Select(a => new SimAce(a.Sid, a.Mask, a.Deny ? 1u : 0u, Flags(a.Flags.ToArray()))).ToList() ?? [];
        SimAce[]? standard = Same(p, @"C:\ProgramData") ? ProgramData
            : Same(p, @"C:\Program Files") || Same(p, @"C:\Program Files (x86)") || Same(p, @"C:\Windows") ? ProgramFiles : null;
        if (standard is not null && own is null) return (standard == ProgramData ? System : TrustedInstaller, standard.ToList());
        if (own is { Inherit: false }) return (owner, explicitAces);
        var inherited = Describe(host, parent).Dacl.SelectMany(a => Inherit(a, isFolder, owner));
        return (owner, explicitAces.Concat(inherited).ToList());
    }

    /// <summary>What a child gets from one ACE of its parent, as Windows propagates it.</summary>
    private static IEnumerable<SimAce> Inherit(SimAce ace, bool childIsFolder, string childOwner)
    {
        var f = ace.AceFlags;
        var sid = ace.Sid == CreatorOwner ? childOwner : ace.Sid;
        var effective = new SimAce(sid, MapGeneric(ace.Mask), ace.AceType, Inherited);
        if (!childIsFolder)
        {
            if ((f & ObjectInherit) != 0) yield return effective;
            yield break;
        }
        if ((f & NoPropagate) != 0)
        {
            if ((f & ContainerInherit) != 0) yield return effective;
            yield break;
        }
        var propagate = new SimAce(ace.Sid, ace.Mask, ace.AceType, (f & (ObjectInherit | ContainerInherit)) | InheritOnly | Inherited);
        if ((f & ContainerInherit) == 0)
        {
            // Object-inherit only: passes through the folder to the files below it.
            if ((f & ObjectInherit) != 0) yield return propagate;
            yield break;
        }
        var split = ace.Sid == CreatorOwner || (ace.Mask & (GenericAll | GenericRead | GenericWrite | GenericExecute)) != 0;
        if (split)
        {
            yield return effective;
            yield return propagate;
        }
        else yield return new SimAce(ace.Sid, ace.Mask, ace.AceType, (f & (ObjectInherit | ContainerInherit)) | Inherited);
    }

    // Generic rights map to the file rights on inheritance [guess W041: FILE_GENERIC_READ/WRITE/EXECUTE and FILE_ALL_ACCESS values].
    private static uint MapGeneric(uint mask)
    {
        var m = mask & ~(GenericAll | GenericRead | GenericWrite | GenericExecute);
        if ((mask & GenericAll) != 0) m |= Full;
        if ((mask & GenericRead) != 0) m |= 0x120089;
        if ((mask & GenericWrite) != 0) m |= 0x120116;
        if ((mask & GenericExecute) != 0) m |= 0x1200A0;
        return m;
    }

    private static SecurityDescription? Declared(HostDescription host, string path) =>
        host.Programs.FirstOrDefault(p => p.Security is not null && Same(Normalize(p.Path), path))?.Security
        ?? host.Folders.LastOrDefault(f => Same(Normalize(f.Path), path))?.Security;

    private static uint Flags(string[] flags) => flags.Aggregate(0u, (m, f) => m | f switch
    {
        "OI" => ObjectInherit, "CI" => ContainerInherit, "NP" => NoPropagate, "IO" => InheritOnly, _ => 0u,
    });

    private static string Normalize(string path) => path.Trim().TrimEnd('\\');
    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
    private static bool IsUnder(string path, string folder) =>
        path.Length > folder.Length + 1 && path.StartsWith(folder, StringComparison.OrdinalIgnoreCase) && path[folder.Length] == '\\';
}

/// <summary>
/// Win32_LogicalFileSecuritySetting (root\cimv2): instances cannot be enumerated [doc]; the instance method
/// GetSecurityDescriptor (selector Path) answers the owner and DACL of an existing file or folder.
/// </summary>
internal sealed class Win32LogicalFileSecuritySetting : IWmiClass
{
    public string Name => "Win32_LogicalFileSecuritySetting";
    public IReadOnlyCollection<string> Namespaces { get; } = [WmiCatalog.Cimv2];
    public IReadOnlyCollection<string> PropertyNames { get; } = ["Caption", "ControlFlags", "Description", "OwnerPermissions", "Path", "SettingID"];
    public IEnumerable<CimInstance> Instances(CallContext ctx) => [];

    public string? CanonicalMethod(string method) =>
        string.Equals(method, "GetSecurityDescriptor", StringComparison.OrdinalIgnoreCase) ? "GetSecurityDescriptor" : null;

    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args)
    {
        // [guess W043] a path that does not exist has no instance: the not-found fault, as for any missing instance.
        if (!ctx.Selectors.TryGetValue("Path", out var path) || !FileSecurity.IsLocalPath(path) ||
            !FileSecurity.Exists(ctx.Host.Description, path, out _))
            throw WsManFault.ResourceNotFound(0x80041002, "Not found ");
        var (owner, dacl) = FileSecurity.Describe(ctx.Host.Description, path);
        // [doc Win32_SecurityDescriptor] ControlFlags: SE_DACL_PRESENT 0x4, SE_SELF_RELATIVE 0x8000; [guess W042] the
        // DACL-auto-inherited bit (0x400) when anything was inherited.
        var control = 0x8004u | (dacl.Any(a => (a.AceFlags & FileSecurity.Inherited) != 0) ? 0x400u : 0u);
        var aces = dacl.Select(a => new CimInstance("Win32_ACE",
        [
            new("AccessMask", CimType.UInt32, a.Mask), new("AceFlags", CimType.UInt32, a.AceFlags), new("AceType", CimType.UInt32, a.AceType),
            new("GuidInheritedObjectType", CimType.String, null), new("GuidObjectType", CimType.String, null), new("TIME_CREATED", CimType.UInt64, null),
            new("Trustee", CimType.Instance, Trustee(a.Sid)),
        ])).ToList();
        var descriptor = new CimInstance("Win32_SecurityDescriptor",
        [
            new("ControlFlags", CimType.UInt32, control), new("DACL", CimType.Instance, aces, true), new("Group", CimType.Instance, Trustee(FileSecurity.System)),
            new("Owner", CimType.Instance, Trustee(owner)), new("SACL", CimType.Instance, null), new("TIME_CREATED", CimType.UInt64, null),
        ]);
        return new MethodResult(0, new CimProperty("Descriptor", CimType.Instance, descriptor));
    }

    private static CimInstance Trustee(string sid) => new("Win32_Trustee",
    [
        new("Domain", CimType.String, null), new("Name", CimType.String, null), new("SIDString", CimType.String, sid), new("TIME_CREATED", CimType.UInt64, null),
    ]);
}
