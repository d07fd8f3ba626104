using System.Globalization;
using System.Text.Json;
using AppBan.Simulator.Model;

namespace AppBan.Simulator.Fleet;

/// <summary>A recipe for N hosts (docs/simulator.md, "Fleet templates").</summary>
public sealed class FleetTemplate
{
    public int SchemaVersion { get; set; }
    public string Kind { get; set; } = "";
    public string NamePrefix { get; set; } = "PC-";
    public string Domain { get; set; } = "WORKGROUP";
    public List<WeightedOs> Os { get; set; } = [];
    public List<AccountDescription> Accounts { get; set; } = [];
    public Range UsersPerHost { get; set; } = new() { Min = 1, Max = 3 };
    public double LoadedHiveRatio { get; set; } = 0.7;
    public List<string> UserNames { get; set; } = [];
    /// <summary>Ordinary uninstall entries every host draws from (not banned).</summary>
    public List<TemplateApp> CommonApps { get; set; } = [];
    public Range CommonAppsPerHost { get; set; } = new() { Min = 10, Max = 30 };
    /// <summary>Store packages every user has (inbox apps).</summary>
    public List<string> InboxPackages { get; set; } = [];
    /// <summary>Apps each host has with a probability (banned ones, usually).</summary>
    public List<TemplateApp> Apps { get; set; } = [];
    public List<WeightedFaults> Faults { get; set; } = [];
    public Range LatencyMs { get; set; } = new();
    /// <summary>The WinRM service of every generated host; version 2 templates default to Windows' own settings.</summary>
    public WinRmDescription WinRm { get; set; } = new();
}

public sealed class Range
{
    public int Min { get; set; }
    public int Max { get; set; }
    public int Draw(Random r) => Max <= Min ? Min : r.Next(Min, Max + 1);
}

public sealed class WeightedOs
{
    public int Weight { get; set; } = 1;
    public string Caption { get; set; } = "Microsoft Windows 11 Pro";
    public string Version { get; set; } = "10.0.22631";
    public string BuildNumber { get; set; } = "22631";
}

public sealed class WeightedFaults
{
    public double Probability { get; set; }
    public FaultsDescription Faults { get; set; } = new();
}

public sealed class TemplateApp
{
    public string Id { get; set; } = "";
    public double Probability { get; set; } = 1;
    /// <summary>"machine64", "machine32", "user" or "store".</summary>
    public string Scope { get; set; } = "machine64";
    /// <summary>
    /// For scope "user": whose profile gets the app. "signedIn" (default): a random signed-in user; "signedOut": a random
    /// signed-out user (the entry is in their NTUSER.DAT, their uninstaller runs only as them); "any": a random user.
    /// </summary>
    public string Profiles { get; set; } = TemplateApp.SignedIn;

    public const string SignedIn = "signedIn";
    public const string SignedOut = "signedOut";
    public const string Any = "any";
    public string? Key { get; set; }
    public Dictionary<string, JsonElement> Values { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    public string? PackageFullName { get; set; }
    /// <summary>Store apps: the bundle the package came in, listed in the device's package repository.</summary>
    public string? Bundle { get; set; }
    public double ProvisionedProbability { get; set; }
    public TemplateProgram? Program { get; set; }
    public MsiProductDescription? Msi { get; set; }
}

public sealed class TemplateProgram
{
    public string Path { get; set; } = "";
    public string? Arguments { get; set; }
    public int ExitCode { get; set; }
    public int DurationMs { get; set; } = 1000;
    public bool Hang { get; set; }
    public bool WaitsForUser { get; set; }
    /// <summary>Removing the app's own uninstall entry (the usual effect of an uninstaller).</summary>
    public bool RemovesEntry { get; set; } = true;
}

public static class FleetGenerator
{
    public static FleetTemplate LoadTemplate(string path)
    {
        FleetTemplate? t;
        try { t = JsonSerializer.Deserialize<FleetTemplate>(File.ReadAllText(path), HostJson.Options); }
        catch (Exception e) when (HostJson.IsUnrepresentable(e)) { throw new InvalidDataException($"{path}: {HostJson.Reason(e)}", e); }
        if (t is null || t.SchemaVersion is not (1 or 2) || t.Kind != "fleetTemplate")
            throw new InvalidDataException($"{path}: a fleet template has schemaVersion 1 or 2 and kind \"fleetTemplate\".");
        if (t.Accounts.Count == 0) throw new InvalidDataException($"{path}: a fleet template needs at least one account.");
        foreach (var app in t.CommonApps.Concat(t.Apps))
            if (app.Profiles is not (TemplateApp.SignedIn or TemplateApp.SignedOut or TemplateApp.Any))
                throw new InvalidDataException($"{path}: app '{app.Id}' has profiles '{app.Profiles}' ({TemplateApp.SignedIn}, {TemplateApp.SignedOut} or {TemplateApp.Any}).");
        return t;
    }

    /// <summary>N hosts from a template; the same seed gives the same fleet.</summary>
    public static List<HostDescription> Generate(FleetTemplate t, int count, int seed)
    {
        var random = new Random(seed);
        var hosts = new List<HostDescription>(count);
        var width = Math.Max(4, count.ToString(CultureInfo.InvariantCulture).Length);
        for (var i = 1; i <= count; i++)
        {
            var name = t.NamePrefix + i.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            var host = GenerateHost(t, name, random);
            HostJson.Validate(host, name);
            hosts.Add(host);
        }
        return hosts;
    }

    private static HostDescription GenerateHost(FleetTemplate t, string name, Random r)
    {
        var os = PickOs(t, r);
        var host = new HostDescription
        {
            // The template's version decides the WinRM defaults, as a host file's does.
            SchemaVersion = t.SchemaVersion, ComputerName = name, Domain = t.Domain,
            WinRm = new WinRmDescription
            {
                Basic = t.WinRm.Basic, AllowUnencrypted = t.WinRm.AllowUnencrypted, HttpsListener = t.WinRm.HttpsListener,
                ProviderArchitecture = t.WinRm.ProviderArchitecture, Negotiate = t.WinRm.Negotiate, UnencryptedReply = t.WinRm.UnencryptedReply,
            },
            Os = new OsDescription { Caption = os.Caption, Version = os.Version, BuildNumber = os.BuildNumber },
            Accounts = t.Accounts.Select(a => new AccountDescription
            {
                User = a.User, Password = a.Password, IsAdmin = a.IsAdmin, Sid = a.Sid,
                RemoteManagementUsers = a.RemoteManagementUsers, RemoteEnableNamespaces = [.. a.RemoteEnableNamespaces],
            }).ToList(),
        };
        var machine = HostState.SidFor(name, "x");
        machine = machine[..machine.LastIndexOf('-')];
        var userCount = t.UsersPerHost.Draw(r);
        var names = t.UserNames.Count > 0 ? t.UserNames : ["user"];
        for (var u = 0; u < userCount; u++)
        {
            var userName = names[r.Next(names.Count)] + (u > 0 ? u.ToString(CultureInfo.InvariantCulture) : "");
            host.Users.Add(new UserDescription
            {
                Sid = $"{machine}-{1001 + u}", Name = userName, ProfilePath = $@"C:\Users\{userName}",
                HiveLoaded = u == 0 || r.NextDouble() < t.LoadedHiveRatio,
            });
        }
        foreach (var app in t.CommonApps.OrderBy(_ => r.Next()).Take(t.CommonAppsPerHost.Draw(r)))
            AddApp(host, app, r);
        foreach (var app in t.Apps.Where(a => r.NextDouble() < a.Probability))
            AddApp(host, app, r);
        foreach (var package in t.InboxPackages)
            host.Packages.Add(new PackageDescription { FullName = package, Users = host.Users.Select(u => u.Sid).ToList(), Provisioned = true });

        foreach (var f in t.Faults)
            if (r.NextDouble() < f.Probability) { host.Faults = Clone(f.Faults); break; }
        if (host.Faults.LatencyMs == 0) host.Faults.LatencyMs = t.LatencyMs.Draw(r);
        return host;
    }

    private static void AddApp(HostDescription host, TemplateApp app, Random r)
    {
        var loaded = host.Users.Where(u => u.HiveLoaded).ToList();
        if (app.Scope == "store")
        {
            var owners = loaded.Where(_ => r.NextDouble() < 0.7).Select(u => u.Sid).ToList();
            if (owners.Count == 0 && loaded.Count > 0) owners.Add(loaded[0].Sid);
            host.Packages.Add(new PackageDescription { FullName = app.PackageFullName!, Bundle = app.Bundle, Users = owners, Provisioned = r.NextDouble() < app.ProvisionedProbability });
            return;
        }
        var candidates = app.Profiles switch
        {
            TemplateApp.SignedOut => host.Users.Where(u => !u.HiveLoaded).ToList(),
            TemplateApp.Any => host.Users,
            _ => loaded,
        };
        var user = app.Scope == "user" ? (candidates.Count == 0 ? null : candidates[r.Next(candidates.Count)]) : null;
        if (app.Scope == "user" && user is null) return;
        string Fill(string s) => s.Replace("{computer}", host.ComputerName).Replace("{sid}", user?.Sid ?? "").Replace("{user}", user?.Name ?? "")
            .Replace("{profile}", user?.ProfilePath ?? "");
        var key = Fill(app.Key ?? app.Id);
        var values = app.Values.ToDictionary(v => v.Key, v => v.Value.ValueKind == JsonValueKind.String ? JsonSerializer.SerializeToElement(Fill(v.Value.GetString()!)) : v.Value, StringComparer.OrdinalIgnoreCase);
        var view = app.Scope switch { "machine32" => "32", "user" => "user", _ => "64" };
        host.UninstallEntries.Add(new UninstallEntryDescription { View = view, User = user?.Sid, Key = key, Values = values });
        var entryPath = view switch
        {
            "64" => HostBuilder.Uninstall64 + "\\" + key,
            "32" => HostBuilder.Uninstall32 + "\\" + key,
            _ => $@"HKU\{user!.Sid}\{HostBuilder.UserUninstall}\{key}",
        };
        if (app.Program is { } p)
            host.Programs.Add(new ProgramDescription
            {
                Path = Fill(p.Path), Arguments = p.Arguments is null ? null : Fill(p.Arguments), ExitCode = p.ExitCode, DurationMs = p.DurationMs,
                Hang = p.Hang, WaitsForUser = p.WaitsForUser, RunsAsUser = user?.Sid, RemovesKeys = p.RemovesEntry ? [entryPath] : [],
            });
        if (app.Msi is { } m)
            host.MsiProducts.Add(new MsiProductDescription { ProductCode = key, ExitCode = m.ExitCode, DurationMs = m.DurationMs, RemovesKeys = m.RemovesKeys });
    }

    private static WeightedOs PickOs(FleetTemplate t, Random r)
    {
        if (t.Os.Count == 0) return new WeightedOs();
        var total = t.Os.Sum(o => o.Weight);
        var pick = r.Next(total);
        foreach (var o in t.Os)
        {
            if (pick < o.Weight) return o;
            pick -= o.Weight;
        }
        return t.Os[^1];
    }

    private static FaultsDescription Clone(FaultsDescription f) =>
        JsonSerializer.Deserialize<FaultsDescription>(JsonSerializer.Serialize(f, HostJson.Options), HostJson.Options)!;
}
