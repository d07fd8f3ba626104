namespace AppBan.Simulator.Model;

/// <summary>
/// A user's hive file (NTUSER.DAT, or UsrClass.dat for the classes hive) and where it is loaded. While it is not
/// loaded its content lives here, as the file on disk would hold it; while loaded it is the key under HKU named
/// <see cref="LoadedAs"/>, and unloading writes that key back.
/// </summary>
public sealed class HiveFile
{
    public required string Path { get; init; }
    public required string OwnerSid { get; init; }
    public bool IsClasses { get; init; }
    /// <summary>The content while the file is not loaded.</summary>
    public RegKey Offline { get; set; } = new("hive");
    /// <summary>The key directly under HKU it is loaded as; null when it is not loaded.</summary>
    public string? LoadedAs { get; set; }

    public HiveFile Clone() => new() { Path = Path, OwnerSid = OwnerSid, IsClasses = IsClasses, Offline = Offline.DeepClone(), LoadedAs = LoadedAs };

    public static string NtUserPath(string profile) => profile.TrimEnd('\\') + @"\NTUSER.DAT";
    public static string UsrClassPath(string profile) => profile.TrimEnd('\\') + @"\AppData\Local\Microsoft\Windows\UsrClass.dat";
}

/// <summary>A signed-in user: their interactive session, and whether Windows gave them a temporary profile.</summary>
public sealed class UserSession
{
    public required string Sid { get; init; }
    public uint SessionId { get; init; }
    /// <summary>Their NTUSER.DAT was in use elsewhere at sign-in: HKU\&lt;SID&gt; is a fresh, empty hive [guess W090].</summary>
    public bool TemporaryProfile { get; init; }
    public DateTime Since { get; init; }
}

/// <summary>What a sign-in did.</summary>
public sealed record SignInResult(UserSession Session, IReadOnlyList<string> TasksStarted);

/// <summary>Users signing in and out, their hives on disk and in HKU, and the accounts tasks run as.</summary>
public sealed partial class HostState
{
    public const uint ExplorerParent = 4980;

    /// <summary>Every user's hive files by path (case-insensitive): NTUSER.DAT and UsrClass.dat under their profile.</summary>
    public Dictionary<string, HiveFile> HiveFiles { get; private set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Signed-in users by SID.</summary>
    public Dictionary<string, UserSession> Sessions { get; private set; } = new(StringComparer.OrdinalIgnoreCase);
    public uint NextSessionId { get; private set; } = 2;

    private Dictionary<string, HiveFile>? pristineHives;

    /// <summary>The user's NTUSER.DAT (or UsrClass.dat), wherever it is.</summary>
    public HiveFile? UserHive(string sid, bool classes) =>
        HiveFiles.Values.FirstOrDefault(f => f.IsClasses == classes && Eq(f.OwnerSid, sid));

    /// <summary>The hive's current content: the loaded key under HKU, or the file's.</summary>
    public RegKey HiveRoot(HiveFile file) =>
        (file.LoadedAs is null ? null : Registry.Users.Child(file.LoadedAs)) ?? file.Offline;

    /// <summary>The hive file loaded as HKU\&lt;name&gt;, if any.</summary>
    public HiveFile? HiveLoadedAs(string name) => HiveFiles.Values.FirstOrDefault(f => f.LoadedAs is not null && Eq(f.LoadedAs, name));

    public bool IsSignedIn(string sid) => Sessions.ContainsKey(sid);

    public UserSession? SessionOf(string sid) => Sessions.GetValueOrDefault(sid);

    /// <summary>Loads a hive file under HKU\&lt;name&gt; (the file's content, copied into the registry).</summary>
    public void LoadHive(HiveFile file, string name)
    {
        Registry.Users.SetChild(file.Offline.CloneAs(name));
        file.LoadedAs = name;
    }

    /// <summary>Writes HKU\&lt;LoadedAs&gt; back to the file and unloads it.</summary>
    public void UnloadHive(HiveFile file)
    {
        if (file.LoadedAs is null) return;
        var key = Registry.Users.Child(file.LoadedAs);
        if (key is not null)
        {
            var saved = key.CloneAs("hive");
            // Volatile keys are never written to the file.
            saved.RemoveChild("Volatile Environment");
            file.Offline = saved;
            Registry.Users.RemoveChild(file.LoadedAs);
        }
        file.LoadedAs = null;
    }

    /// <summary>
    /// Signs a user in: loads HKU\&lt;SID&gt; and HKU\&lt;SID&gt;_Classes from their files (or, when a file is loaded under
    /// another key, gives a temporary profile [guess W090]), opens a session with explorer.exe in it, runs the logon
    /// tasks for them, then lets the browsers read policy. Signing in a signed-in user changes nothing.
    /// </summary>
    public SignInResult SignIn(string sid, DateTime now)
    {
        EnsureInitialized();
        var user = FindUser(sid) ?? throw new KeyNotFoundException($"{Name} has no user {sid}.");
        if (Sessions.TryGetValue(sid, out var existing)) return new SignInResult(existing, []);
        var ntUser = UserHive(sid, classes: false);
        var classes = UserHive(sid, classes: true);
        var temporary = ntUser is null || ntUser.LoadedAs is not null || classes?.LoadedAs is not null;
        if (temporary)
        {
            Registry.Users.SetChild(new RegKey(sid));
            Registry.Users.SetChild(new RegKey(sid + "_Classes"));
        }
        else
        {
            LoadHive(ntUser!, sid);
            if (classes is not null) LoadHive(classes, sid + "_Classes");
        }
        Registry.Create($@"HKU\{sid}\Volatile Environment").SetValue(new RegValue("USERNAME", RegKind.String, user.Name));
        var session = new UserSession { Sid = sid, SessionId = NextSessionId++, TemporaryProfile = temporary, Since = now };
        Sessions[sid] = session;
        NextProcessId += 4;
        Processes.Add(HostBuilder.Explorer(NextProcessId, session.SessionId, now));
        SyncAppxStore();
        var started = RunLogonTasks(sid, now);
        BrowserModel.Apply(this, sid);
        return new SignInResult(session, started);
    }

    /// <summary>Signs a user out: their session's processes end (without their effects), the hives are written back and unloaded.</summary>
    public bool SignOut(string sid, DateTime now)
    {
        EnsureInitialized();
        if (!Sessions.Remove(sid, out var session)) return false;
        EndSession(session.SessionId, now);
        if (session.TemporaryProfile)
        {
            // A temporary profile is deleted at sign-out.
            Registry.Users.RemoveChild(sid);
            Registry.Users.RemoveChild(sid + "_Classes");
            return true;
        }
        foreach (var file in new[] { UserHive(sid, false), UserHive(sid, true) })
            if (file?.LoadedAs is { } name && (Eq(name, sid) || Eq(name, sid + "_Classes"))) UnloadHive(file);
        return true;
    }

    /// <summary>Everything running in a session ends now, as at sign-out [simplification: exit code 1].</summary>
    private void EndSession(uint sessionId, DateTime now)
    {
        foreach (var run in Runs.Where(r => r.SessionId == sessionId && !r.Finished).ToList()) run.Kill(now, exitCode: 1);
        Runs.RemoveAll(r => r.Finished);
        Detached.RemoveAll(d => d.Process.SessionId == sessionId);
        Processes.RemoveAll(p => p.SessionId == sessionId);
    }

    /// <summary>DOMAIN\name of an account (local accounts: the computer's name).</summary>
    public string QualifiedName(Account account) => (account.Domain ?? Name) + "\\" + account.User;

    public const string SystemSid = "S-1-5-18";

    /// <summary>
    /// The account a task runs as: SYSTEM, a declared WinRM account (elevated only with RunLevel HighestAvailable), or a
    /// user of the machine, whose token is a standard user's. Null for a SID nobody on the machine has.
    /// </summary>
    public Account? AccountFor(string sid, bool highestAvailable)
    {
        if (Eq(sid, SystemSid)) return new Account { User = "SYSTEM", Domain = "NT AUTHORITY", Password = "", Sid = SystemSid, IsAdmin = true };
        if (Eq(sid, "S-1-5-19")) return new Account { User = "LOCAL SERVICE", Domain = "NT AUTHORITY", Password = "", Sid = sid };
        if (Eq(sid, "S-1-5-20")) return new Account { User = "NETWORK SERVICE", Domain = "NT AUTHORITY", Password = "", Sid = sid };
        var declared = Accounts.FirstOrDefault(a => Eq(a.Sid, sid));
        if (declared is not null)
            return new Account { User = declared.User, Domain = declared.Domain, Password = "", Sid = declared.Sid, IsAdmin = declared.IsAdmin && highestAvailable };
        var user = FindUser(sid);
        return user is null ? null : new Account { User = user.Name, Domain = user.Domain, Password = "", Sid = user.Sid };
    }

    /// <summary>
    /// A task principal's UserId as Task Scheduler accepts it: a SID, a name, DOMAIN\name, or SYSTEM. Null when it names
    /// nobody the machine knows.
    /// </summary>
    public string? ResolvePrincipal(string userId)
    {
        var id = userId.Trim();
        if (id.StartsWith("S-1-", StringComparison.OrdinalIgnoreCase))
            return AccountFor(id, false) is null ? null : id;
        if (Eq(id, "SYSTEM") || Eq(id, @"NT AUTHORITY\SYSTEM") || Eq(id, "LocalSystem")) return SystemSid;
        var slash = id.IndexOf('\\');
        var domain = slash >= 0 ? id[..slash] : null;
        var name = slash >= 0 ? id[(slash + 1)..] : id;
        bool DomainMatches(string? own) => domain is null || domain == "." || Eq(domain, own ?? Name);
        var user = Description.Users.FirstOrDefault(u => Eq(u.Name, name) && DomainMatches(u.Domain));
        if (user is not null) return user.Sid;
        return Accounts.FirstOrDefault(a => Eq(a.User, name) && DomainMatches(a.Domain))?.Sid;
    }
}
