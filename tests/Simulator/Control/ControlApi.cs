using System.Text.Json;
using AppBan.Simulator.Model;
using AppBan.Simulator.WsMan;
using Microsoft.AspNetCore.Http;

namespace AppBan.Simulator.Control;

/// <summary>
/// The control endpoint (JSON, loopback): what tests read and reset. Every read first applies what time has
/// brought about (processes that have ended), so it shows the host as a WS-Man client would now see it.
/// </summary>
public static class ControlApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Registry paths and command lines stay readable: backslashes and quotes are not \u-escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static async Task HandleAsync(HttpContext http, IReadOnlyList<HostState> hosts)
    {
        var parts = (http.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = HttpMethods.IsGet(http.Request.Method);
        var post = HttpMethods.IsPost(http.Request.Method);

        if (parts.Length == 0 && get)
        {
            await Write(http, new { endpoints = new[] { "/hosts", "/hosts/{name}/operations", "/hosts/{name}/commands", "/hosts/{name}/registry?path=", "/hosts/{name}/packages", "/hosts/{name}/processes", "/hosts/{name}/enumerations", "/hosts/{name}/users", "/hosts/{name}/tasks", "POST /hosts/{name}/users/{sid}/signin", "POST /hosts/{name}/users/{sid}/signout", "POST /hosts/{name}/reset", "POST /hosts/{name}/counters/reset" } });
            return;
        }
        if (parts.Length == 1 && parts[0] == "hosts" && get)
        {
            var list = hosts.Select(h => { lock (h.Lock) return Summary(h); }).ToList();
            await Write(http, list);
            return;
        }
        if (parts.Length < 3 || parts[0] != "hosts")
        {
            await Error(http, 404, "Unknown control path.");
            return;
        }
        var host = hosts.FirstOrDefault(h => string.Equals(h.Name, Uri.UnescapeDataString(parts[1]), StringComparison.OrdinalIgnoreCase));
        if (host is null)
        {
            await Error(http, 404, $"No host named '{parts[1]}'.");
            return;
        }
        var what = string.Join('/', parts[2..]);
        object? result = null;
        var status = 200;
        lock (host.Lock)
        {
            host.Advance(DateTime.UtcNow);
            switch (what)
            {
                case "operations" when get:
                    result = new { counts = new SortedDictionary<string, int>(host.Counts, StringComparer.OrdinalIgnoreCase), total = host.Operations.Count, log = host.Operations };
                    break;
                case "commands" when get:
                    result = host.Commands;
                    break;
                case "packages" when get:
                    result = host.Packages.Select(p => new { fullName = p.FullName, users = p.Users.OrderBy(u => u).ToList(), provisioned = p.Provisioned }).ToList();
                    break;
                case "processes" when get:
                    result = host.Processes.Select(p => new { processId = p.ProcessId, parentProcessId = p.ParentProcessId, name = p.Name, executablePath = p.ExecutablePath, commandLine = p.CommandLine, sessionId = p.SessionId }).ToList();
                    break;
                case "enumerations" when get:
                    result = new { count = host.Enumerations.Count, contexts = host.Enumerations.Values.Select(e => new { id = e.Id, query = e.Query, remaining = e.Items.Count - e.Position, lastUsed = e.LastUsed }).ToList() };
                    break;
                case "registry" when get:
                    var path = http.Request.Query["path"].ToString();
                    RegKey? key = null;
                    try { key = path.Length == 0 ? null : host.Registry.Find(path); }
                    catch (ArgumentException e) { status = 400; result = new { error = e.Message }; break; }
                    if (key is null) { status = 404; result = new { error = $"No key '{path}' on {host.Name}." }; }
                    else result = new { path, key = key.Dump() };
                    break;
                case "users" when get:
                    result = host.Description.Users.Select(u => UserSummary(host, u.Sid)).ToList();
                    break;
                case "tasks" when get:
                    result = host.Tasks.Select(t => TaskSummary(host, t)).ToList();
                    break;
                case var _ when post && parts.Length == 5 && parts[2] == "users" && parts[4] is "signin" or "signout":
                {
                    var sid = Uri.UnescapeDataString(parts[3]);
                    if (host.FindUser(sid) is null) { status = 404; result = new { error = $"{host.Name} has no user '{sid}'." }; break; }
                    if (parts[4] == "signout")
                    {
                        host.SignOut(sid, DateTime.UtcNow);
                        result = UserSummary(host, sid);
                        break;
                    }
                    var signedIn = host.SignIn(sid, DateTime.UtcNow);
                    result = new
                    {
                        sid, signedIn = true, sessionId = signedIn.Session.SessionId, temporaryProfile = signedIn.Session.TemporaryProfile,
                        tasksStarted = signedIn.TasksStarted,
                    };
                    break;
                }
                case "reset" when post:
                    host.Reset();
                    result = Summary(host);
                    break;
                case "counters/reset" when post:
                    host.ResetCounters();
                    result = Summary(host);
                    break;
                default:
                    status = 404;
                    result = new { error = $"Unknown control path '{what}' for {http.Request.Method}." };
                    break;
            }
        }
        http.Response.StatusCode = status;
        await Write(http, result);
    }

    /// <summary>A user as GET /hosts/{name}/users shows them: signed in or not, and where their hive files are loaded.</summary>
    private static object UserSummary(HostState host, string sid)
    {
        var user = host.FindUser(sid)!;
        var session = host.SessionOf(sid);
        return new
        {
            sid = user.Sid, name = user.Name, signedIn = session is not null, sessionId = session?.SessionId, temporaryProfile = session?.TemporaryProfile ?? false,
            loadedAs = host.UserHive(sid, classes: false)?.LoadedAs, classesLoadedAs = host.UserHive(sid, classes: true)?.LoadedAs,
            profileHive = host.UserHive(sid, classes: false)?.Path, classesHive = host.UserHive(sid, classes: true)?.Path,
        };
    }

    /// <summary>
    /// A task as GET /hosts/{name}/tasks shows it. "privileged" marks what AppBan must never ask for: a service account
    /// (SYSTEM, LOCAL SERVICE, NETWORK SERVICE) or an administrator as principal, or RunLevel HighestAvailable.
    /// </summary>
    private static object TaskSummary(HostState host, ScheduledTask t) => new
    {
        path = t.Path, name = t.Name,
        principal = new
        {
            userId = t.PrincipalUserId, sid = t.PrincipalSid, logonType = t.LogonType, runLevel = t.RunLevel,
            privileged = t.HighestAvailable || t.PrincipalSid is "S-1-5-18" or "S-1-5-19" or "S-1-5-20"
                         || host.Accounts.Any(a => a.IsAdmin && string.Equals(a.Sid, t.PrincipalSid, StringComparison.OrdinalIgnoreCase)),
        },
        triggers = t.Triggers.Select(g => new { type = g.Type, userId = g.UserId, startBoundary = g.StartBoundary, endBoundary = g.EndBoundary, enabled = g.Enabled }).ToList(),
        actions = t.Actions.Select(a => new { command = a.Command, arguments = a.Arguments }).ToList(),
        securityDescriptor = t.SecurityDescriptor, registeredBy = t.RegisteredBy, registered = t.Registered, endBoundary = t.Expires, enabled = t.Enabled,
        deleteExpiredTaskAfter = t.DeleteExpiredTaskAfter is { } d ? System.Xml.XmlConvert.ToString(d) : null,
        runs = t.Runs.Select(r => new { time = r.Time, account = r.Account, sid = r.Sid, sessionId = r.SessionId, exitCode = r.Command.ExitCode, finished = r.Command.Finished, sequence = r.Command.Sequence }).ToList(),
    };

    private static object Summary(HostState h) => new
    {
        name = h.Name,
        url = h.Url,
        computerName = h.Url is null ? null : new Uri(h.Url).Authority,
        reachable = h.Listening,
        os = h.Description.Os.Caption,
        // Simulated accounts only: the password is what test helpers need to build a credential.
        accounts = h.Accounts.Select(a => new
        {
            user = a.User, password = a.Password, isAdmin = a.IsAdmin, sid = a.Sid,
            remoteManagementUsers = a.RemoteManagementUsers, remoteEnableNamespaces = a.RemoteEnableNamespaces.Order().ToList(),
        }).ToList(),
        operations = h.Operations.Count,
        commands = h.Commands.Count,
        enumerations = h.Enumerations.Count,
    };

    private static Task Error(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return Write(http, new { error = message });
    }

    private static async Task Write(HttpContext http, object? value)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(http.Response.Body, value, Json);
    }
}
