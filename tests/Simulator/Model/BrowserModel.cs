using System.Text.Json;

namespace AppBan.Simulator.Model;

/// <summary>
/// Edge and Chrome as far as installed web apps go: when a browser reads its policy for a signed-in user and finds the
/// app's site blocked (URLBlocklist) and the app told to leave the OS (a WebAppSettings entry with
/// force_unregister_os_integration true), it unregisters the app, and with it goes the app's uninstall entry in the
/// user's hive [doc: Edge and Chrome "WebAppSettings", Chrome 118+ force_unregister_os_integration] [guess W073: that the
/// uninstall entry goes, and when]. Only the user's own policy keys are read (HKU\&lt;SID&gt;\Software\Policies\...).
/// </summary>
public static class BrowserModel
{
    public static string PolicyKey(string sid, string browser) =>
        $@"HKU\{sid}\Software\Policies\" + (string.Equals(browser, "chrome", StringComparison.OrdinalIgnoreCase) ? @"Google\Chrome" : @"Microsoft\Edge");

    /// <summary>The browsers read policy for one signed-in user and act on it.</summary>
    public static void Apply(HostState host, string sid)
    {
        if (!host.IsSignedIn(sid)) return;
        foreach (var app in host.Description.WebApps.Where(w => string.Equals(w.User, sid, StringComparison.OrdinalIgnoreCase)))
        {
            var policy = host.Registry.Find(PolicyKey(sid, app.Browser));
            if (policy is null || !Uri.TryCreate(app.ManifestId, UriKind.Absolute, out var manifest)) continue;
            if (!Blocklist(policy).Any(entry => Blocks(entry, manifest))) continue;
            if (!WebAppSettings(policy).Any(s => ForceUnregisters(s, app.ManifestId))) continue;
            if (!host.Description.Browser.KeepsUninstallEntry)
                host.Registry.DeleteTree($@"HKU\{sid}\{HostBuilder.UserUninstall}\{app.UninstallKey}");
        }
    }

    /// <summary>URLBlocklist\1, \2, ... read until the first missing number [guess W082].</summary>
    public static List<string> Blocklist(RegKey policy)
    {
        var list = new List<string>();
        var key = policy.Child("URLBlocklist");
        if (key is null) return list;
        for (var i = 1; key.Value(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } v; i++)
            if (v.Data is string s) list.Add(s);
        return list;
    }

    /// <summary>The WebAppSettings value as JSON objects; text that is not a JSON array is no settings at all.</summary>
    public static List<JsonElement> WebAppSettings(RegKey policy)
    {
        if (policy.Value("WebAppSettings")?.Data is not string text) return [];
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
            return doc.RootElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(e => e.Clone()).ToList();
        }
        catch (JsonException) { return []; }
    }

    private static bool ForceUnregisters(JsonElement setting, string manifestId) =>
        setting.TryGetProperty("manifest_id", out var id) && id.ValueKind == JsonValueKind.String
        && string.Equals(id.GetString(), manifestId, StringComparison.OrdinalIgnoreCase)
        && setting.TryGetProperty("force_unregister_os_integration", out var force) && force.ValueKind == JsonValueKind.True;

    /// <summary>
    /// Whether a blocklist entry covers a URL, as the URL filter format describes: [scheme://]host[:port][/path], "*" for
    /// everything, the host matching itself and its subdomains unless it starts with a dot, the path as a prefix
    /// [doc: Chrome Enterprise "URL blocklist filter format"].
    /// </summary>
    public static bool Blocks(string entry, Uri url)
    {
        var e = entry.Trim();
        if (e == "*") return true;
        var scheme = "";
        var sep = e.IndexOf("://", StringComparison.Ordinal);
        if (sep >= 0)
        {
            scheme = e[..sep];
            e = e[(sep + 3)..];
        }
        if (scheme.Length > 0 && !string.Equals(scheme, url.Scheme, StringComparison.OrdinalIgnoreCase)) return false;
        var slash = e.IndexOf('/');
        var authority = slash >= 0 ? e[..slash] : e;
        var path = slash >= 0 ? e[slash..] : "";
        var colon = authority.IndexOf(':');
        var host = colon >= 0 ? authority[..colon] : authority;
        var exact = host.StartsWith('.');
        host = host.TrimStart('.');
        if (host.Length == 0) return false;
        var hostMatches = string.Equals(url.Host, host, StringComparison.OrdinalIgnoreCase)
                          || (!exact && url.Host.EndsWith("." + host, StringComparison.OrdinalIgnoreCase));
        return hostMatches && (path.Length == 0 || url.AbsolutePath.StartsWith(path, StringComparison.OrdinalIgnoreCase));
    }
}
