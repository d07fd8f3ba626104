using System.Text.Json;
using System.Text.Json.Serialization;

namespace AppBan.Simulator.Model;

/// <summary>
/// A simulated host as described in JSON (schemaVersion 1 or 2). docs/simulator.md documents every field;
/// keep the two in step: acceptance tests outside the project write these files. Version 2 differs from 1 only in
/// the defaults of <see cref="WinRm"/>: Windows' own (Basic off, no unencrypted traffic, no HTTPS listener).
/// </summary>
public sealed class HostDescription
{
    public int SchemaVersion { get; set; }
    public string ComputerName { get; set; } = "";

    /// <summary>
    /// What HKLM\...\ComputerName\ActiveComputerName holds in its ComputerName value. Not given: the computer name
    /// upper-cased, as Windows stores NetBIOS names. A string: that text as REG_SZ, whatever it is. null: no value at all.
    /// </summary>
    public string? MachineName
    {
        get => machineName;
        set { machineName = value; MachineNameGiven = true; }
    }
    private string? machineName;

    /// <summary>True when the host file named <see cref="MachineName"/> (null included).</summary>
    [JsonIgnore] public bool MachineNameGiven { get; private set; }

    /// <summary>Workgroup or domain name; local accounts and users default to the computer name.</summary>
    public string Domain { get; set; } = "WORKGROUP";
    public OsDescription Os { get; set; } = new();
    public List<AccountDescription> Accounts { get; set; } = [];
    public List<UserDescription> Users { get; set; } = [];
    public List<RegistryKeyDescription> Registry { get; set; } = [];
    public List<UninstallEntryDescription> UninstallEntries { get; set; } = [];
    public List<PackageDescription> Packages { get; set; } = [];
    public List<MsiProductDescription> MsiProducts { get; set; } = [];
    public List<ProgramDescription> Programs { get; set; } = [];
    /// <summary>Folders that exist on disk, with their own security (see FileSecurity).</summary>
    public List<FolderDescription> Folders { get; set; } = [];
    public List<ProcessDescription> Processes { get; set; } = [];
    /// <summary>Installed web apps (PWAs) whose uninstall entry the modelled browser removes when policy says so.</summary>
    public List<WebAppDescription> WebApps { get; set; } = [];
    /// <summary>How the modelled browsers read policy.</summary>
    public BrowserDescription Browser { get; set; } = new();
    /// <summary>The WinRM service's settings; what is not given follows the schema version's defaults.</summary>
    public WinRmDescription WinRm { get; set; } = new();
    public FaultsDescription Faults { get; set; } = new();

    /// <summary>winrm/config/service/auth Basic.</summary>
    public bool BasicEnabled => WinRm.Basic ?? SchemaVersion == 1;
    /// <summary>winrm/config/service AllowUnencrypted.</summary>
    public bool AllowUnencrypted => WinRm.AllowUnencrypted ?? SchemaVersion == 1;
    /// <summary>An HTTPS listener exists (what the simulator serves with --https).</summary>
    public bool HttpsListener => WinRm.HttpsListener ?? SchemaVersion == 1;
    /// <summary>winrm/config/service/auth Negotiate: on by default on Windows [doc: "Installation and configuration for Windows Remote Management"].</summary>
    public bool NegotiateEnabled => WinRm.Negotiate ?? true;
}

/// <summary>
/// The WinRM service as <c>winrm get winrm/config/service</c> shows it. A fresh Windows has Basic off, AllowUnencrypted
/// false and only an HTTP listener [doc: "Installation and configuration for Windows Remote Management"]; those are the
/// schemaVersion 2 defaults. Version 1 files default to everything on, as the simulator behaved before.
/// </summary>
public sealed class WinRmDescription
{
    public bool? Basic { get; set; }
    public bool? AllowUnencrypted { get; set; }
    public bool? HttpsListener { get; set; }
    /// <summary>Auth/Negotiate (NTLM here; Kerberos is not simulated). Default true, in both schema versions.</summary>
    public bool? Negotiate { get; set; }
    /// <summary>
    /// How an unencrypted SOAP request over HTTP is answered after Negotiate authenticated the connection, when
    /// AllowUnencrypted is false: "http500" (default), "http401" or "http400" [guess W136].
    /// </summary>
    public string UnencryptedReply { get; set; } = WinRmDescription.Http500;
    /// <summary>
    /// "honoured" (default): wmi:__ProviderArchitecture selects the registry view, and without it the view is the native
    /// 64-bit one [doc MS-WMI 2.2.13]. "ignored": the option is not passed to WMI, so the view is always the native one
    /// [3rd: jOVAL's StdRegProv leaves the option out, citing a Microsoft defect].
    /// </summary>
    public string ProviderArchitecture { get; set; } = WinRmDescription.Honoured;

    public const string Honoured = "honoured";
    public const string Ignored = "ignored";
    public const string Http500 = "http500";
    public const string Http401 = "http401";
    public const string Http400 = "http400";
}

public sealed class OsDescription
{
    public string Caption { get; set; } = "Microsoft Windows 11 Pro";
    public string Version { get; set; } = "10.0.22631";
    public string BuildNumber { get; set; } = "22631";
    public string OsArchitecture { get; set; } = "64-bit";
    public string? InstallDate { get; set; }
    public string? LastBootUpTime { get; set; }
}

public sealed class AccountDescription
{
    public string User { get; set; } = "";
    public string Password { get; set; } = "";
    public bool IsAdmin { get; set; }
    /// <summary>SID of the account; HKCU is this SID's hive. Defaults to a SID derived from the name.</summary>
    public string? Sid { get; set; }
    /// <summary>Member of the local Remote Management Users group: WinRM admits it to WMI resources. Administrators need not be.</summary>
    public bool RemoteManagementUsers { get; set; }
    /// <summary>
    /// WMI namespaces ("root\cimv2") whose security grants this account Remote Enable, as an administrator would set in
    /// WMI Control. By default only Administrators hold it.
    /// </summary>
    public List<string> RemoteEnableNamespaces { get; set; } = [];
}

public sealed class UserDescription
{
    public string Sid { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Defaults to the computer name (a local account).</summary>
    public string? Domain { get; set; }
    public string? ProfilePath { get; set; }
    public bool HiveLoaded { get; set; }
    /// <summary>
    /// Whether HKU\&lt;SID&gt;_Classes (UsrClass.dat) is loaded; null follows HiveLoaded. Both load at sign-in; baseline-tool
    /// tells the two apart, so a host can have the one without the other [3rd: engramic-ai/baseline-tool AppxRepository.cs].
    /// </summary>
    public bool? ClassesHiveLoaded { get; set; }
    public bool Disabled { get; set; }
}

public sealed class RegistryKeyDescription
{
    /// <summary>Full path with hive: HKLM\SOFTWARE\..., HKU\&lt;SID&gt;\Software\...</summary>
    public string Path { get; set; } = "";
    /// <summary>Name to value; "" is the default value. A JSON string is REG_SZ, an array of strings REG_MULTI_SZ.</summary>
    public Dictionary<string, JsonElement> Values { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class UninstallEntryDescription
{
    /// <summary>"64" (HKLM 64-bit), "32" (HKLM WOW6432Node) or "user" (HKU\&lt;user&gt;).</summary>
    public string View { get; set; } = "64";
    /// <summary>The user's SID, for view "user".</summary>
    public string? User { get; set; }
    public string Key { get; set; } = "";
    public Dictionary<string, JsonElement> Values { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class PackageDescription
{
    public string FullName { get; set; } = "";
    /// <summary>SIDs of the users who have the package installed.</summary>
    public List<string> Users { get; set; } = [];
    public bool Provisioned { get; set; }
    /// <summary>When set, Remove-AppxPackage fails for this package with this HRESULT text (e.g. "0x80073CFA").</summary>
    public string? RemovalError { get; set; }
    /// <summary>
    /// The bundle the package came in (Name_Version_neutral_~_PublisherId). The device's package repository lists it, and
    /// Remove-AppxPackage -AllUsers needs this name, not the package's [doc: Remove-AppxPackage].
    /// </summary>
    public string? Bundle { get; set; }
    /// <summary>What -AllUsers given the package's own name does when the package is in a bundle: "fail" (exit 1) or "noEffect" (exit 0).</summary>
    public string AllUsersByPackageName { get; set; } = "fail";
    /// <summary>Remove-AppxPackage -User exits 0 and leaves the package [3rd: PowerShell issue 10788; windows-powershell-docs issue 2881].</summary>
    public bool UserRemovalHasNoEffect { get; set; }
    /// <summary>
    /// Remove-AppxPackage -User from a non-interactive (WinRM, SYSTEM) process fails with this HRESULT, e.g. "0x80073D19" [3rd].
    /// </summary>
    public string? PerUserError { get; set; }
    /// <summary>The user's package repository keeps the key after a removal (the device's repository does not) [3rd: baseline-tool].</summary>
    public bool UserKeysOutliveRemoval { get; set; }
    /// <summary>SIDs for whom the deployment service has work pending (AppxAllUserStore\&lt;SID&gt;), without an install.</summary>
    public List<string> PendingFor { get; set; } = [];
}

public sealed class MsiProductDescription
{
    public string ProductCode { get; set; } = "";
    public int ExitCode { get; set; }
    public int DurationMs { get; set; } = 1000;
    /// <summary>Keys removed on success (exit 0, 3010, 1641). Defaults to the product's Uninstall keys in both views.</summary>
    public List<string>? RemovesKeys { get; set; }
}

public sealed class ProgramDescription
{
    /// <summary>Absolute path of the executable, e.g. C:\Program Files\X\uninstall.exe.</summary>
    public string Path { get; set; } = "";
    /// <summary>Exact arguments (whitespace-normalised, case-insensitive) this entry applies to; null matches any.</summary>
    public string? Arguments { get; set; }
    public int ExitCode { get; set; }
    public int DurationMs { get; set; } = 500;
    /// <summary>Never exits.</summary>
    public bool Hang { get; set; }
    /// <summary>Shows a prompt nobody in session 0 can answer: never exits.</summary>
    public bool WaitsForUser { get; set; }
    /// <summary>
    /// Shows a prompt nobody in session 0 can answer (never exits) unless every one of these switches is among the arguments
    /// (case-insensitive), e.g. an Inno Setup uninstaller that asks "Reboot now?" under /SILENT but not under
    /// /VERYSILENT /SUPPRESSMSGBOXES /NORESTART. Null or empty: no such condition.
    /// </summary>
    public List<string>? WaitsForUserUnless { get; set; }
    /// <summary>
    /// Copies itself to %TEMP%, starts the copy and exits at once with <see cref="ExitCode"/> (NSIS, Inno Setup): the
    /// copy runs <see cref="DurationMs"/> (forever with <see cref="Hang"/>) and does the removal when it ends.
    /// </summary>
    public bool Relaunches { get; set; }
    /// <summary>A per-user program: its effects apply only when run as this SID's account.</summary>
    public string? RunsAsUser { get; set; }
    public List<string> RemovesKeys { get; set; } = [];
    /// <summary>PackageFullNames removed for every user and deprovisioned.</summary>
    public List<string> RemovesPackages { get; set; } = [];
    /// <summary>The file's own security; null inherits from its folder like any new file.</summary>
    public SecurityDescription? Security { get; set; }
}

public sealed class FolderDescription
{
    public string Path { get; set; } = "";
    public SecurityDescription? Security { get; set; }
}

/// <summary>An object's owner and explicit ACEs; with <c>inherit</c> false its DACL is protected (nothing inherited).</summary>
public sealed class SecurityDescription
{
    public string Owner { get; set; } = "S-1-5-32-544";
    public bool Inherit { get; set; } = true;
    public List<AceDescription> Aces { get; set; } = [];
}

public sealed class AceDescription
{
    public string Sid { get; set; } = "";
    /// <summary>Win32_ACE.AccessMask.</summary>
    public uint Mask { get; set; }
    public bool Deny { get; set; }
    /// <summary>icacls inheritance flags: "OI", "CI", "IO", "NP".</summary>
    public List<string> Flags { get; set; } = [];
}

public sealed class ProcessDescription
{
    public string Name { get; set; } = "";
    public string? ExecutablePath { get; set; }
    public string? CommandLine { get; set; }
    public uint? ProcessId { get; set; }
    /// <summary>A signed-in user's interactive session; 0 for a service's process.</summary>
    public uint SessionId { get; set; } = 1;
    /// <summary>
    /// Not running at boot: starts right after the host's first successful Win32_Process.Create, its parent a
    /// launcher that started it and has already exited (a user's orphan appearing while a removal runs).
    /// </summary>
    public bool StartsDuringRun { get; set; }
}

/// <summary>A web app a browser installed for one user, with its per-user uninstall entry.</summary>
public sealed class WebAppDescription
{
    /// <summary>The user's SID.</summary>
    public string User { get; set; } = "";
    /// <summary>"edge" or "chrome".</summary>
    public string Browser { get; set; } = "edge";
    /// <summary>The app's manifest id, an absolute URL (https://www.tiktok.com/).</summary>
    public string ManifestId { get; set; } = "";
    /// <summary>Its key under the user's Uninstall key.</summary>
    public string UninstallKey { get; set; } = "";
}

/// <summary>How the modelled Edge and Chrome apply policy (see BrowserModel).</summary>
public sealed class BrowserDescription
{
    public const string AtSignIn = "atSignIn";
    public const string Immediately = "immediately";

    /// <summary>"atSignIn": when the user signs in; "immediately": also whenever the host's time moves while they are signed in.</summary>
    public string AppliesPolicy { get; set; } = AtSignIn;
    /// <summary>The browser unregisters the app but leaves its uninstall entry.</summary>
    public bool KeepsUninstallEntry { get; set; }
}

public sealed class FaultsDescription
{
    /// <summary>Nothing listens: connections are refused.</summary>
    public bool Unreachable { get; set; }
    /// <summary>
    /// Switched off (or behind a firewall that drops): a connection attempt gets no answer at all, not even a refusal.
    /// Modelled on loopback by a listening socket whose accept queue the simulator fills itself and never accepts, so
    /// the kernel drops further SYNs.
    /// </summary>
    public bool SwitchedOff { get; set; }
    /// <summary>Every request gets 401, whatever the password (a changed password).</summary>
    public bool RejectAllCredentials { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>Extra latency by operation kind ("Enumerate", "Pull", "Release", "StdRegProv.EnumKey", ...).</summary>
    public Dictionary<string, int> LatencyByOperation { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public List<AccessDeniedDescription> AccessDenied { get; set; } = [];
    public List<ProviderErrorDescription> ProviderErrors { get; set; } = [];
    public List<OperationFaultDescription> Operations { get; set; } = [];
    /// <summary>
    /// How replies carry characters XML 1.0 forbids that a registry string holds: "raw" (as they are; an unpaired
    /// surrogate as invalid UTF-8), "reference" (<c>&amp;#27;</c>) or "fault" (the operation fails instead). All are
    /// guesses at WinRM: see <see cref="WsMan.ReplyCharacters"/>.
    /// </summary>
    public string ForbiddenCharacters { get; set; } = WsMan.ReplyCharacters.Raw;
}

public sealed class AccessDeniedDescription
{
    /// <summary>Key path with hive; the whole subtree is covered.</summary>
    public string Path { get; set; } = "";
    /// <summary>"all", "write" or "read".</summary>
    public string Operations { get; set; } = "all";
}

public sealed class ProviderErrorDescription
{
    public string Class { get; set; } = "";
    /// <summary>Null means every method and every query of the class.</summary>
    public string? Method { get; set; }
    /// <summary>WMI HRESULT, default 0x80041001 (generic failure).</summary>
    public string? Hresult { get; set; }
}

public sealed class OperationFaultDescription
{
    /// <summary>1-based index of the WS-Man operation on this host (counted since start or reset).</summary>
    public int On { get; set; }
    /// <summary>Also every later operation.</summary>
    public bool AndAfter { get; set; }
    /// <summary>"hang", "http500", "drop", "timeout", "quota" or "accessDenied".</summary>
    public string Kind { get; set; } = "";
}

public static class HostJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Reads and checks one host file. Anything it cannot represent (bad JSON, a string with an unpaired surrogate
    /// escape, a number out of range, bad hex) is an <see cref="InvalidDataException"/> naming the file, never a crash.
    /// </summary>
    public static HostDescription Load(string path)
    {
        HostDescription? host;
        try
        {
            host = JsonSerializer.Deserialize<HostDescription>(File.ReadAllText(path), Options);
            if (host is null) throw new InvalidDataException($"{path}: empty host description.");
            Validate(host, path);
        }
        catch (Exception e) when (IsUnrepresentable(e)) { throw new InvalidDataException($"{path}: {Reason(e)}", e); }
        return host;
    }

    /// <summary>The exception's message and those of its causes: System.Text.Json puts the real reason in the inner one.</summary>
    public static string Reason(Exception e)
    {
        var messages = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
            if (!messages.Contains(x.Message)) messages.Add(x.Message);
        return string.Join(" ", messages);
    }

    /// <summary>The ways System.Text.Json and the value parsers refuse input (an unpaired surrogate is an InvalidOperationException).</summary>
    public static bool IsUnrepresentable(Exception e) =>
        e is JsonException or InvalidOperationException or FormatException or OverflowException or (ArgumentException and not ArgumentNullException) or NotSupportedException;

    public static void Validate(HostDescription host, string source)
    {
        if (host.SchemaVersion is not (1 or 2)) throw new InvalidDataException($"{source}: schemaVersion must be 1 or 2 (found {host.SchemaVersion}).");
        if (host.WinRm.ProviderArchitecture is not (WinRmDescription.Honoured or WinRmDescription.Ignored))
            throw new InvalidDataException($"{source}: winRm.providerArchitecture must be honoured or ignored.");
        if (host.WinRm.UnencryptedReply is not (WinRmDescription.Http500 or WinRmDescription.Http401 or WinRmDescription.Http400))
            throw new InvalidDataException($"{source}: winRm.unencryptedReply must be http500, http401 or http400.");
        if (string.IsNullOrWhiteSpace(host.ComputerName)) throw new InvalidDataException($"{source}: computerName is required.");
        if (host.Accounts.Count == 0 && !host.Faults.Unreachable && !host.Faults.SwitchedOff) throw new InvalidDataException($"{source}: at least one account is required.");
        foreach (var a in host.Accounts)
            foreach (var ns in a.RemoteEnableNamespaces)
                if (!Wmi.WmiCatalog.NamespaceExists(Wmi.WmiCatalog.NormalizeNamespace(ns)))
                    throw new InvalidDataException($"{source}: account '{a.User}' has Remote Enable on '{ns}', which is not a namespace the simulator knows.");
        foreach (var e in host.UninstallEntries)
        {
            if (e.View is not ("64" or "32" or "user")) throw new InvalidDataException($"{source}: uninstall entry '{e.Key}' has view '{e.View}' (64, 32 or user).");
            if (e.View == "user" && string.IsNullOrEmpty(e.User)) throw new InvalidDataException($"{source}: per-user uninstall entry '{e.Key}' needs a user SID.");
        }
        // Everything the registry is built from is checked here, at load, though the registry is built on first use.
        foreach (var k in host.Registry)
        {
            var hive = RegistryStore.Split(k.Path).FirstOrDefault()?.ToUpperInvariant();
            if (hive is not ("HKLM" or "HKEY_LOCAL_MACHINE" or "HKU" or "HKEY_USERS"))
                throw new InvalidDataException($"{source}: registry path '{k.Path}' must start with HKLM or HKU.");
            foreach (var (name, value) in k.Values) RegValue.FromJson(name, value, $"{source} key {k.Path}");
        }
        foreach (var e in host.UninstallEntries)
            foreach (var (name, value) in e.Values) RegValue.FromJson(name, value, $"{source} uninstall entry {e.Key}");
        foreach (var p in host.Programs)
            if (string.IsNullOrWhiteSpace(p.Path)) throw new InvalidDataException($"{source}: a program needs a path.");
        foreach (var f in host.Folders)
            if (!Wmi.FileSecurity.IsLocalPath(f.Path)) throw new InvalidDataException($"{source}: folder '{f.Path}' is not an absolute local path.");
        foreach (var d in host.Programs.Select(p => p.Security).Concat(host.Folders.Select(f => f.Security)).Where(d => d is not null))
            foreach (var a in d!.Aces)
                if (!a.Sid.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase) || a.Flags.Any(f => f is not ("OI" or "CI" or "IO" or "NP")))
                    throw new InvalidDataException($"{source}: an ACE needs a SID (S-1-...) and flags among OI, CI, IO, NP.");
        foreach (var m in host.MsiProducts)
            if (!System.Text.RegularExpressions.Regex.IsMatch(m.ProductCode, @"^\{[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}\}$"))
                throw new InvalidDataException($"{source}: msi product code '{m.ProductCode}' is not a {{GUID}}.");
        foreach (var f in host.Faults.Operations)
            if (f.Kind is not ("hang" or "http500" or "drop" or "timeout" or "quota" or "accessDenied"))
                throw new InvalidDataException($"{source}: unknown operation fault kind '{f.Kind}'.");
        foreach (var a in host.Faults.AccessDenied)
            if (a.Operations is not ("all" or "write" or "read"))
                throw new InvalidDataException($"{source}: accessDenied operations must be all, write or read.");
        if (host.Browser.AppliesPolicy is not (BrowserDescription.AtSignIn or BrowserDescription.Immediately))
            throw new InvalidDataException($"{source}: browser.appliesPolicy must be {BrowserDescription.AtSignIn} or {BrowserDescription.Immediately}.");
        foreach (var w in host.WebApps)
        {
            if (w.Browser is not ("edge" or "chrome")) throw new InvalidDataException($"{source}: web app '{w.ManifestId}' has browser '{w.Browser}' (edge or chrome).");
            if (!w.User.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException($"{source}: web app '{w.ManifestId}' needs the user's SID.");
            if (!Uri.TryCreate(w.ManifestId, UriKind.Absolute, out _)) throw new InvalidDataException($"{source}: web app manifest id '{w.ManifestId}' is not an absolute URL.");
            if (string.IsNullOrWhiteSpace(w.UninstallKey)) throw new InvalidDataException($"{source}: web app '{w.ManifestId}' needs its uninstallKey.");
        }
        if (!WsMan.ReplyCharacters.Modes.Contains(host.Faults.ForbiddenCharacters))
            throw new InvalidDataException($"{source}: forbiddenCharacters must be {string.Join(", ", WsMan.ReplyCharacters.Modes)}.");
    }
}
