using System.Globalization;
using AppBan.Simulator.Model;
using AppBan.Simulator.WsMan;

namespace AppBan.Simulator.Wmi;

/// <summary>A modelled WMI class: its namespaces, property names (for WQL checks), instances and static methods.</summary>
public interface IWmiClass
{
    string Name { get; }
    IReadOnlyCollection<string> Namespaces { get; }
    IReadOnlyCollection<string> PropertyNames { get; }
    IEnumerable<CimInstance> Instances(CallContext ctx);
    /// <summary>Null when the class has no such method.</summary>
    string? CanonicalMethod(string method);
    MethodResult Invoke(CallContext ctx, string method, MethodArguments args);
    /// <summary>
    /// WS-Transfer Delete of the instance the selectors name. Classes whose provider cannot delete answer
    /// WBEM_E_PROVIDER_NOT_CAPABLE [guess W071: the fault's shape].
    /// </summary>
    void Delete(CallContext ctx) => throw WsManFault.WmiError(0x80041024, 7, "Provider is not capable of the attempted operation ");
}

public static class WmiCatalog
{
    public const string Cimv2 = "root/cimv2";
    public const string Default = "root/default";
    public static readonly string[] KnownNamespaces = [Cimv2, Default, "root/standardcimv2", "root/microsoft/windows/storage", "root/wmi", "root/subscription", "root/securitycenter2",
        TaskSchedulerProvider.Namespace];

    private static readonly IWmiClass[] Classes = [new StdRegProvClass(), new Win32Process(), new Win32OperatingSystem(), new Win32ComputerSystem(), new Win32UserAccount(), new Win32LogicalFileSecuritySetting(),
        new PsScheduledTask(), new MsftScheduledTask()];

    public static bool NamespaceExists(string ns) => KnownNamespaces.Contains(ns, StringComparer.OrdinalIgnoreCase);

    /// <summary>"root\CIMV2" or "root/cimv2/" as the resource URI spells it: "root/cimv2".</summary>
    public static string NormalizeNamespace(string ns) => ns.Replace('\\', '/').Trim('/').ToLowerInvariant();

    public static IWmiClass? Find(string ns, string className) =>
        Classes.FirstOrDefault(c => string.Equals(c.Name, className, StringComparison.OrdinalIgnoreCase) && c.Namespaces.Contains(ns, StringComparer.OrdinalIgnoreCase));
}

internal sealed class StdRegProvClass : IWmiClass
{
    public string Name => "StdRegProv";
    public IReadOnlyCollection<string> Namespaces { get; } = [WmiCatalog.Cimv2, WmiCatalog.Default];
    public IReadOnlyCollection<string> PropertyNames { get; } = [];
    public IEnumerable<CimInstance> Instances(CallContext ctx) => [];
    public string? CanonicalMethod(string method) => StdRegProv.CanonicalMethod(method);
    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args) => StdRegProv.Invoke(ctx, method, args);
}

internal sealed class Win32Process : IWmiClass
{
    public string Name => "Win32_Process";
    public IReadOnlyCollection<string> Namespaces { get; } = [WmiCatalog.Cimv2];
    public IReadOnlyCollection<string> PropertyNames { get; } =
    [
        "Caption", "CommandLine", "CreationClassName", "CreationDate", "CSCreationClassName", "CSName", "Description", "ExecutablePath",
        "ExecutionState", "Handle", "HandleCount", "InstallDate", "KernelModeTime", "MaximumWorkingSetSize", "MinimumWorkingSetSize", "Name",
        "OSCreationClassName", "OSName", "OtherOperationCount", "OtherTransferCount", "PageFaults", "PageFileUsage", "ParentProcessId",
        "PeakPageFileUsage", "PeakVirtualSize", "PeakWorkingSetSize", "Priority", "PrivatePageCount", "ProcessId", "QuotaNonPagedPoolUsage",
        "QuotaPagedPoolUsage", "QuotaPeakNonPagedPoolUsage", "QuotaPeakPagedPoolUsage", "ReadOperationCount", "ReadTransferCount", "SessionId",
        "Status", "TerminationDate", "ThreadCount", "UserModeTime", "VirtualSize", "WindowsVersion", "WorkingSetSize", "WriteOperationCount", "WriteTransferCount",
    ];

    public IEnumerable<CimInstance> Instances(CallContext ctx)
    {
        var d = ctx.Host.Description;
        var osName = $@"{d.Os.Caption}|C:\WINDOWS|\Device\Harddisk0\Partition3";
        foreach (var p in ctx.Host.Processes.OrderBy(p => p.ProcessId))
        {
            var idle = p.ProcessId == 0;
            yield return new CimInstance(Name,
            [
                new("Caption", CimType.String, p.Name), new("CommandLine", CimType.String, p.CommandLine),
                new("CreationClassName", CimType.String, "Win32_Process"), new("CreationDate", CimType.DateTime, idle ? null : p.Started),
                new("CSCreationClassName", CimType.String, "Win32_ComputerSystem"), new("CSName", CimType.String, d.ComputerName),
                new("Description", CimType.String, p.Name), new("ExecutablePath", CimType.String, p.ExecutablePath),
                new("ExecutionState", CimType.UInt16, null), new("Handle", CimType.String, p.ProcessId.ToString(CultureInfo.InvariantCulture)),
                new("HandleCount", CimType.UInt32, 120u), new("InstallDate", CimType.DateTime, null), new("KernelModeTime", CimType.UInt64, 156250ul),
                new("MaximumWorkingSetSize", CimType.UInt32, idle ? null : 1380u), new("MinimumWorkingSetSize", CimType.UInt32, idle ? null : 200u),
                new("Name", CimType.String, p.Name), new("OSCreationClassName", CimType.String, "Win32_OperatingSystem"), new("OSName", CimType.String, osName),
                new("OtherOperationCount", CimType.UInt64, 10ul), new("OtherTransferCount", CimType.UInt64, 100ul), new("PageFaults", CimType.UInt32, 1000u),
                new("PageFileUsage", CimType.UInt32, 2048u), new("ParentProcessId", CimType.UInt32, p.ParentProcessId), new("PeakPageFileUsage", CimType.UInt32, 2300u),
                new("PeakVirtualSize", CimType.UInt64, 4194304ul), new("PeakWorkingSetSize", CimType.UInt32, 8000u), new("Priority", CimType.UInt32, 8u),
                new("PrivatePageCount", CimType.UInt64, 2097152ul), new("ProcessId", CimType.UInt32, p.ProcessId),
                new("QuotaNonPagedPoolUsage", CimType.UInt32, 12u), new("QuotaPagedPoolUsage", CimType.UInt32, 100u),
                new("QuotaPeakNonPagedPoolUsage", CimType.UInt32, 14u), new("QuotaPeakPagedPoolUsage", CimType.UInt32, 110u),
                new("ReadOperationCount", CimType.UInt64, 20ul), new("ReadTransferCount", CimType.UInt64, 4096ul), new("SessionId", CimType.UInt32, p.SessionId),
                new("Status", CimType.String, null), new("TerminationDate", CimType.DateTime, null), new("ThreadCount", CimType.UInt32, 4u),
                new("UserModeTime", CimType.UInt64, 100000ul), new("VirtualSize", CimType.UInt64, 4194304ul), new("WindowsVersion", CimType.String, d.Os.Version),
                new("WorkingSetSize", CimType.UInt64, 8192000ul), new("WriteOperationCount", CimType.UInt64, 2ul), new("WriteTransferCount", CimType.UInt64, 64ul),
            ]);
        }
    }

    public string? CanonicalMethod(string method) =>
        string.Equals(method, "Create", StringComparison.OrdinalIgnoreCase) ? "Create"
        : string.Equals(method, "Terminate", StringComparison.OrdinalIgnoreCase) ? "Terminate" : null;

    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args) =>
        method == "Terminate" ? Terminate(ctx, args) : Create(ctx, args);

    /// <summary>
    /// The instance method Terminate (selector Handle): the process ends now with exit code Reason, without its
    /// effects. Ending a program inside cmd.exe lets cmd go on with the next statement; ending cmd.exe leaves
    /// its running child alone, as Windows does.
    /// </summary>
    private static MethodResult Terminate(CallContext ctx, MethodArguments args)
    {
        var host = ctx.Host;
        if (!ctx.Selectors.TryGetValue("Handle", out var handle) || !uint.TryParse(handle, out var pid))
            throw WsManFault.ResourceNotFound(0x80041002, "Not found ");
        var process = host.Processes.FirstOrDefault(p => p.ProcessId == pid) ?? throw WsManFault.ResourceNotFound(0x80041002, "Not found ");
        // [guess W019] system processes and standard users: access denied (2).
        if (!ctx.Account.IsAdmin || pid < 1000) return new MethodResult(2);
        var exitCode = (int)(args.UInt32("Reason") ?? 0);
        var run = host.Runs.FirstOrDefault(r => r.Owns(pid));
        if (run is not null) run.Terminate(host, pid, exitCode, ctx.Now);
        else
        {
            host.Processes.Remove(process);
            host.Detached.RemoveAll(d => d.Process.ProcessId == pid);
        }
        return new MethodResult(0);
    }

    private static MethodResult Create(CallContext ctx, MethodArguments args)
    {
        var host = ctx.Host;
        var commandLine = args.String("CommandLine");
        var record = new CommandRecord
        {
            Sequence = host.Commands.Count + 1, Time = ctx.Now, User = host.QualifiedName(ctx.Account), Sid = ctx.Account.Sid,
            Elevated = ctx.Account.IsAdmin, CommandLine = commandLine ?? "",
        };
        host.Commands.Add(record);
        MethodResult Result(uint code, uint? pid = null)
        {
            record.ReturnValue = code;
            record.ProcessId = pid;
            return new MethodResult(code, new CimProperty("ProcessId", CimType.UInt32, pid));
        }
        // Standard users get 2 (access denied) from Create over a remote session.
        if (!ctx.Account.IsAdmin) return Result(2);
        if (string.IsNullOrWhiteSpace(commandLine)) return Result(21);
        var found = Programs.FindForCreate(host, commandLine);
        if (found is null) return Result(9);

        host.NextProcessId += 4;
        var pid = host.NextProcessId;
        var (program, rest) = found.Value;
        List<CmdStatement> statements;
        var isCmd = Programs.IsCmd(program);
        var delayed = false;
        string name, path;
        if (isCmd)
        {
            var parsed = CommandLine.ParseCmd(rest);
            // "cmd.exe" without /c is an interactive shell waiting for input that never comes.
            var line = parsed?.Command;
            delayed = parsed?.DelayedExpansion ?? false;
            // %VAR% expands once, when cmd reads the line (ERRORLEVEL is still 0 then).
            statements = line is null ? [] : CommandLine.Statements(StdRegProv.Environment(line,
                new Dictionary<string, string>(StdRegProv.SystemEnvironment, StringComparer.OrdinalIgnoreCase) { ["ERRORLEVEL"] = "0" }));
            name = "cmd.exe";
            path = @"C:\WINDOWS\system32\cmd.exe";
            var root = new SimProcess { ProcessId = pid, ParentProcessId = 2216, Name = name, ExecutablePath = path, CommandLine = commandLine, Started = ctx.Now, SessionId = 0 };
            if (parsed is null)
            {
                host.Processes.Add(root);
                return Result(0, pid);
            }
            ProcessRun.Start(host, record, ctx.Account, root, statements, isCmd: true, delayed, ctx.Now);
        }
        else
        {
            name = CommandLine.FileName(program);
            var root = new SimProcess { ProcessId = pid, ParentProcessId = 2216, Name = name, ExecutablePath = program, CommandLine = commandLine, Started = ctx.Now, SessionId = 0 };
            ProcessRun.Start(host, record, ctx.Account, root, [new CmdStatement(commandLine, "")], isCmd: false, delayed: false, ctx.Now);
        }
        host.StartProcessesDueDuringRun(ctx.Now);
        return Result(0, pid);
    }
}

internal sealed class Win32OperatingSystem : IWmiClass
{
    public string Name => "Win32_OperatingSystem";
    public IReadOnlyCollection<string> Namespaces { get; } = [WmiCatalog.Cimv2];
    public IReadOnlyCollection<string> PropertyNames { get; } =
    [
        "BootDevice", "BuildNumber", "BuildType", "Caption", "CodeSet", "CountryCode", "CreationClassName", "CSCreationClassName", "CSDVersion", "CSName",
        "CurrentTimeZone", "Description", "InstallDate", "LastBootUpTime", "LocalDateTime", "Locale", "Manufacturer", "MUILanguages", "Name",
        "NumberOfProcesses", "NumberOfUsers", "OperatingSystemSKU", "Organization", "OSArchitecture", "OSLanguage", "OSType", "ProductType",
        "RegisteredUser", "SerialNumber", "ServicePackMajorVersion", "ServicePackMinorVersion", "Status", "SystemDirectory", "SystemDrive",
        "Version", "WindowsDirectory",
    ];

    public IEnumerable<CimInstance> Instances(CallContext ctx)
    {
        var d = ctx.Host.Description;
        DateTime Date(string? s, DateTime fallback) => s is null ? fallback : DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        yield return new CimInstance(Name,
        [
            new("BootDevice", CimType.String, @"\Device\HarddiskVolume1"), new("BuildNumber", CimType.String, d.Os.BuildNumber),
            new("BuildType", CimType.String, "Multiprocessor Free"), new("Caption", CimType.String, d.Os.Caption), new("CodeSet", CimType.String, "1252"),
            new("CountryCode", CimType.String, "1"), new("CreationClassName", CimType.String, "Win32_OperatingSystem"),
            new("CSCreationClassName", CimType.String, "Win32_ComputerSystem"), new("CSDVersion", CimType.String, null), new("CSName", CimType.String, d.ComputerName),
            new("CurrentTimeZone", CimType.SInt32, 0), new("Description", CimType.String, ""),
            new("InstallDate", CimType.DateTime, Date(d.Os.InstallDate, new DateTime(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc))),
            new("LastBootUpTime", CimType.DateTime, Date(d.Os.LastBootUpTime, ctx.Now.AddHours(-3))), new("LocalDateTime", CimType.DateTime, ctx.Now),
            new("Locale", CimType.String, "0409"), new("Manufacturer", CimType.String, "Microsoft Corporation"), new("MUILanguages", CimType.String, new[] { "en-US" }, true),
            new("Name", CimType.String, $@"{d.Os.Caption}|C:\WINDOWS|\Device\Harddisk0\Partition3"), new("NumberOfProcesses", CimType.UInt32, (uint)ctx.Host.Processes.Count),
            new("NumberOfUsers", CimType.UInt32, (uint)ctx.Host.Sessions.Count), new("OperatingSystemSKU", CimType.UInt32, 48u),
            new("Organization", CimType.String, ""), new("OSArchitecture", CimType.String, d.Os.OsArchitecture), new("OSLanguage", CimType.UInt32, 1033u),
            new("OSType", CimType.UInt16, (ushort)18), new("ProductType", CimType.UInt32, 1u), new("RegisteredUser", CimType.String, "user"),
            new("SerialNumber", CimType.String, "00330-80000-00000-AA123"), new("ServicePackMajorVersion", CimType.UInt16, (ushort)0),
            new("ServicePackMinorVersion", CimType.UInt16, (ushort)0), new("Status", CimType.String, "OK"), new("SystemDirectory", CimType.String, @"C:\WINDOWS\system32"),
            new("SystemDrive", CimType.String, "C:"), new("Version", CimType.String, d.Os.Version), new("WindowsDirectory", CimType.String, @"C:\WINDOWS"),
        ]);
    }

    public string? CanonicalMethod(string method) => null;
    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args) => throw WsManFault.MethodNotFound(method);
}

internal sealed class Win32ComputerSystem : IWmiClass
{
    public string Name => "Win32_ComputerSystem";
    public IReadOnlyCollection<string> Namespaces { get; } = [WmiCatalog.Cimv2];
    public IReadOnlyCollection<string> PropertyNames { get; } =
        ["Caption", "CreationClassName", "Description", "DNSHostName", "Domain", "DomainRole", "Manufacturer", "Model", "Name", "PartOfDomain", "PrimaryOwnerName", "Status", "SystemType", "UserName", "Workgroup"];

    public IEnumerable<CimInstance> Instances(CallContext ctx)
    {
        var d = ctx.Host.Description;
        var partOfDomain = !string.Equals(d.Domain, "WORKGROUP", StringComparison.OrdinalIgnoreCase);
        // The console session's user: the signed-in user with the lowest session.
        var interactive = ctx.Host.Sessions.Values.OrderBy(s => s.SessionId).Select(s => ctx.Host.FindUser(s.Sid)).FirstOrDefault();
        yield return new CimInstance(Name,
        [
            new("Caption", CimType.String, d.ComputerName), new("CreationClassName", CimType.String, "Win32_ComputerSystem"),
            new("Description", CimType.String, "AT/AT COMPATIBLE"), new("DNSHostName", CimType.String, d.ComputerName.ToLowerInvariant()),
            new("Domain", CimType.String, d.Domain), new("DomainRole", CimType.UInt16, (ushort)(partOfDomain ? 1 : 0)),
            new("Manufacturer", CimType.String, "Contoso"), new("Model", CimType.String, "Laptop 14"), new("Name", CimType.String, d.ComputerName),
            new("PartOfDomain", CimType.Boolean, partOfDomain), new("PrimaryOwnerName", CimType.String, "user"), new("Status", CimType.String, "OK"),
            new("SystemType", CimType.String, "x64-based PC"),
            new("UserName", CimType.String, interactive is null ? null : $@"{interactive.Domain ?? d.ComputerName}\{interactive.Name}"),
            new("Workgroup", CimType.String, partOfDomain ? null : d.Domain),
        ]);
    }

    public string? CanonicalMethod(string method) => null;
    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args) => throw WsManFault.MethodNotFound(method);
}

internal sealed class Win32UserAccount : IWmiClass
{
    public string Name => "Win32_UserAccount";
    public IReadOnlyCollection<string> Namespaces { get; } = [WmiCatalog.Cimv2];
    public IReadOnlyCollection<string> PropertyNames { get; } =
        ["AccountType", "Caption", "Description", "Disabled", "Domain", "FullName", "InstallDate", "LocalAccount", "Lockout", "Name", "PasswordChangeable", "PasswordExpires", "PasswordRequired", "SID", "SIDType", "Status"];

    public IEnumerable<CimInstance> Instances(CallContext ctx)
    {
        var d = ctx.Host.Description;
        var machineSid = HostState.SidFor(d.ComputerName, "x");
        machineSid = machineSid[..machineSid.LastIndexOf('-')];
        var rows = new List<(string Name, string Domain, string Sid, bool Disabled)>
        {
            ("Administrator", d.ComputerName, machineSid + "-500", true), ("DefaultAccount", d.ComputerName, machineSid + "-503", true),
            ("Guest", d.ComputerName, machineSid + "-501", true), ("WDAGUtilityAccount", d.ComputerName, machineSid + "-504", true),
        };
        // [guess W011] Entra ID users (S-1-12-1-...) have profiles and hives but are no instances of Win32_UserAccount.
        // Domain users are listed when the query does not restrict LocalAccount, as the provider enumerates the domain.
        foreach (var u in d.Users.Where(u => !HostState.IsEntraIdSid(u.Sid))) rows.Add((u.Name, u.Domain ?? d.ComputerName, u.Sid, u.Disabled));
        foreach (var a in ctx.Host.Accounts.Where(a => rows.All(r => !string.Equals(r.Sid, a.Sid, StringComparison.OrdinalIgnoreCase))))
            rows.Add((a.User, d.ComputerName, a.Sid, false));
        foreach (var r in rows)
        {
            var local = string.Equals(r.Domain, d.ComputerName, StringComparison.OrdinalIgnoreCase);
            yield return new CimInstance(Name,
            [
                new("AccountType", CimType.UInt32, 512u), new("Caption", CimType.String, r.Domain + "\\" + r.Name), new("Description", CimType.String, ""),
                new("Disabled", CimType.Boolean, r.Disabled), new("Domain", CimType.String, r.Domain), new("FullName", CimType.String, ""),
                new("InstallDate", CimType.DateTime, null), new("LocalAccount", CimType.Boolean, local), new("Lockout", CimType.Boolean, false),
                new("Name", CimType.String, r.Name), new("PasswordChangeable", CimType.Boolean, true), new("PasswordExpires", CimType.Boolean, false),
                new("PasswordRequired", CimType.Boolean, true), new("SID", CimType.String, r.Sid), new("SIDType", CimType.UInt8, (byte)1),
                new("Status", CimType.String, r.Disabled ? "Degraded" : "OK"),
            ]);
        }
    }

    public string? CanonicalMethod(string method) => null;
    public MethodResult Invoke(CallContext ctx, string method, MethodArguments args) => throw WsManFault.MethodNotFound(method);
}
