using System.Text.RegularExpressions;
using AppBan.Simulator.Model;

namespace AppBan.Simulator.Wmi;

/// <summary>
/// The programs a simulated host can run: reg.exe, msiexec.exe, the documented powershell.exe forms and the
/// programs declared in the host description. Anything else is not on the machine.
/// </summary>
public static class Programs
{
    public const int CmdNotRecognized = 9009;
    private static readonly TimeSpan RegDuration = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan AppxDuration = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan ProvisionedDuration = TimeSpan.FromMilliseconds(1000);
    private static readonly Regex Guid = new(@"^\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}$", RegexOptions.CultureInvariant);

    private const string System32 = @"c:\windows\system32\";

    private enum Kind { None, Reg, Msiexec, PowerShell, Declared, Builtin }

    private static (Kind kind, ProgramDescription? declared) Resolve(HostState host, string program, string args, bool insideCmd)
    {
        var name = CommandLine.FileName(program);
        var hasDir = CommandLine.HasDirectory(program);
        bool SystemTool(string exe) => (name == exe || name == exe + ".exe") && (!hasDir || program.ToLowerInvariant().StartsWith(System32, StringComparison.Ordinal)
            || program.ToLowerInvariant().StartsWith(@"%systemroot%\system32\", StringComparison.Ordinal));
        if (SystemTool("reg")) return (Kind.Reg, null);
        if (SystemTool("msiexec")) return (Kind.Msiexec, null);
        if ((name is "powershell" or "powershell.exe") && (!hasDir || program.ToLowerInvariant().StartsWith(System32 + @"windowspowershell\v1.0\", StringComparison.Ordinal)))
            return (Kind.PowerShell, null);
        if (insideCmd && !hasDir && name is "echo" or "rem") return (Kind.Builtin, null);
        if (hasDir)
        {
            var normalizedArgs = CommandLine.NormalizeArguments(args);
            var declared = host.Description.Programs.FirstOrDefault(p =>
                string.Equals(p.Path, program, StringComparison.OrdinalIgnoreCase) &&
                (p.Arguments is null || string.Equals(CommandLine.NormalizeArguments(p.Arguments), normalizedArgs, StringComparison.OrdinalIgnoreCase)));
            if (declared is not null) return (Kind.Declared, declared);
        }
        return (Kind.None, null);
    }

    /// <summary>Whether Win32_Process.Create finds the program (CreateProcess semantics, including unquoted paths with spaces).</summary>
    public static (string Program, string Args)? FindForCreate(HostState host, string commandLine)
    {
        var (program, rest, quoted) = CommandLine.SplitProgram(commandLine);
        if (IsCmd(program)) return (program, rest);
        if (Resolve(host, program, rest, false).kind != Kind.None) return (program, rest);
        if (!quoted)
        {
            // CreateProcess tries "C:\Program", then "C:\Program Files\...", one space at a time.
            var s = commandLine.Trim();
            for (var i = s.IndexOf(' '); i > 0; i = s.IndexOf(' ', i + 1))
            {
                var candidate = s[..i];
                var args = s[(i + 1)..];
                if (Resolve(host, candidate, args, false).kind != Kind.None) return (candidate, args);
            }
            if (Resolve(host, s, "", false).kind != Kind.None) return (s, "");
        }
        return null;
    }

    public static bool IsCmd(string program)
    {
        var name = CommandLine.FileName(program);
        return (name is "cmd" or "cmd.exe") && (!CommandLine.HasDirectory(program) || program.ToLowerInvariant().StartsWith(System32, StringComparison.Ordinal)
            || program.StartsWith(@"%ComSpec%", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A program started directly by Win32_Process.Create (FindForCreate has found it).</summary>
    public static ProgramOutcome RunDirect(HostState host, Account account, string commandLine, DateTime at, uint sessionId = 0)
    {
        // A later action of a task may name a program that is not there: the launch fails with ERROR_FILE_NOT_FOUND.
        if (FindForCreate(host, commandLine) is not { } found) return new ProgramOutcome(unchecked((int)0x80070002), TimeSpan.Zero);
        return Run(host, account, found.Program, found.Args, at, insideCmd: false, sessionId);
    }

    /// <summary>One statement inside cmd.exe. A program cmd cannot find sets ERRORLEVEL 9009.</summary>
    public static ProgramOutcome RunInCmd(HostState host, Account account, string statement, DateTime at, uint sessionId = 0)
    {
        var (program, rest, _) = CommandLine.SplitProgram(statement);
        return Run(host, account, program, rest, at, insideCmd: true, sessionId);
    }

    private static ProgramOutcome Run(HostState host, Account account, string program, string args, DateTime at, bool insideCmd, uint sessionId)
    {
        var (kind, declared) = Resolve(host, program, args, insideCmd);
        return kind switch
        {
            Kind.Reg => Reg(host, account, CommandLine.Arguments(args)),
            Kind.Msiexec => Msiexec(host, account, CommandLine.Arguments(args)),
            Kind.PowerShell => PowerShell(host, account, CommandLine.Arguments(args), sessionId),
            Kind.Declared => Declared(account, declared!, args),
            Kind.Builtin => new ProgramOutcome(0, TimeSpan.Zero),
            _ => new ProgramOutcome(CmdNotRecognized, TimeSpan.Zero),
        };
    }

    private static ProgramOutcome Declared(Account account, ProgramDescription p, string args)
    {
        var name = CommandLine.FileName(p.Path);
        var given = CommandLine.Arguments(args);
        // A box nobody in session 0 can click: always (waitsForUser), or unless the unattended switches are all given.
        var waits = p.WaitsForUser || (p.WaitsForUserUnless is { Count: > 0 } needed
            && !needed.All(n => given.Contains(n, StringComparer.OrdinalIgnoreCase)));
        // A per-user program run by another account acts on the wrong profile: it exits but removes nothing.
        var effective = p.RunsAsUser is null || string.Equals(p.RunsAsUser, account.Sid, StringComparison.OrdinalIgnoreCase);
        Action<HostState>? effects = effective ? host => RemoveAll(host, p.RemovesKeys, p.RemovesPackages) : null;
        if (p.Relaunches)
        {
            // NSIS copies its uninstaller to %TEMP%\~nsuA.tmp\Un_A.exe, starts it with _?=<install folder> and exits 0
            // [3rd: Electron-Cash PR 2184, freeorion 55a5f7a]; [guess W061] the folder and name for an elevated session-0 run.
            var copy = @"C:\Windows\Temp\~nsuA.tmp\Un_A.exe";
            var duration = p.Hang || waits ? (TimeSpan?)null : TimeSpan.FromMilliseconds(p.DurationMs);
            return new ProgramOutcome(p.ExitCode, TimeSpan.Zero, null, name, p.Path)
            {
                Relaunch = new RelaunchedCopy("Un_A.exe", copy, "\"" + copy + "\" _?=" + System.IO.Path.GetDirectoryName(p.Path), duration, effects),
            };
        }
        if (p.Hang || waits) return new ProgramOutcome(0, null, null, name, p.Path);
        return new ProgramOutcome(p.ExitCode, TimeSpan.FromMilliseconds(p.DurationMs), effects, name, p.Path);
    }

    private static void RemoveAll(HostState host, IEnumerable<string> keys, IEnumerable<string> packages)
    {
        foreach (var k in keys) host.Registry.DeleteTree(k);
        foreach (var name in packages)
            host.Packages.RemoveAll(p => string.Equals(p.FullName, name, StringComparison.OrdinalIgnoreCase));
        host.SyncAppxStore();
    }

    // reg.exe add KEY /v NAME /t TYPE /d DATA /f, reg.exe delete KEY [/v NAME] /f, reg.exe query KEY,
    // reg.exe load HKU\NAME FILE, reg.exe unload HKU\NAME, reg.exe copy KEY1 KEY2 [/s] [/f] [doc: reg commands].
    private static ProgramOutcome Reg(HostState host, Account account, List<string> a)
    {
        const string exe = @"C:\WINDOWS\system32\reg.exe";
        ProgramOutcome Done(int code, Action<HostState>? effect = null) => new(code, RegDuration, effect, "reg.exe", exe);
        if (a.Count < 2) return Done(1);
        var op = a[0].ToLowerInvariant();
        var path = MapRegPath(a[1], account);
        if (path is null) return Done(1);
        string? Opt(string name)
        {
            var i = a.FindIndex(x => x.Equals(name, StringComparison.OrdinalIgnoreCase));
            return i >= 0 && i + 1 < a.Count ? a[i + 1] : null;
        }
        var force = a.Any(x => x.Equals("/f", StringComparison.OrdinalIgnoreCase));
        bool Denied(string p, bool write) => !account.IsAdmin && RegistryRights.DeniedToStandardUser(account, p, write);
        switch (op)
        {
            case "add":
            {
                if (Denied(path, write: true)) return Done(1);
                var name = Opt("/v") ?? "";
                // Without /f reg.exe asks "Overwrite (Yes/No)?" for an existing value, and nobody answers in session 0.
                if (!force && host.Registry.Find(path)?.Value(name) is not null) return new ProgramOutcome(0, null, null, "reg.exe", exe);
                var type = (Opt("/t") ?? "REG_SZ").ToUpperInvariant();
                var data = Opt("/d") ?? "";
                RegValue value;
                switch (type)
                {
                    case "REG_SZ": value = new RegValue(name, RegKind.String, data); break;
                    case "REG_EXPAND_SZ": value = new RegValue(name, RegKind.ExpandString, data); break;
                    case "REG_DWORD":
                        if (!uint.TryParse(data, out var dw)) return Done(1);
                        value = new RegValue(name, RegKind.DWord, dw); break;
                    default: return Done(1);
                }
                return Done(0, h =>
                {
                    var key = h.Registry.Create(path);
                    if (a.Any(x => x.Equals("/v", StringComparison.OrdinalIgnoreCase) || x.Equals("/ve", StringComparison.OrdinalIgnoreCase))) key.SetValue(value);
                });
            }
            case "delete":
            {
                if (!force) return new ProgramOutcome(0, null, null, "reg.exe", exe);
                if (Denied(path, write: true)) return Done(1);
                var key = host.Registry.Find(path);
                if (key is null) return Done(1);
                var valueName = Opt("/v");
                if (valueName is not null) return key.Value(valueName) is null ? Done(1) : Done(0, h => h.Registry.Find(path)?.RemoveValue(valueName));
                return Done(0, h => h.Registry.DeleteTree(path));
            }
            case "query":
                return Done(Denied(path, write: false) || host.Registry.Find(path) is null ? 1 : 0);
            case "load":
                return a.Count < 3 ? Done(1) : Load(host, account, path, a[2], Done);
            case "unload":
                return Unload(host, account, path, Done);
            case "copy":
            {
                var target = a.Count < 3 ? null : MapRegPath(a[2], account);
                if (target is null || Denied(path, write: false) || Denied(target, write: true)) return Done(1);
                if (host.Registry.Find(path) is null) return Done(1);
                // Without /f reg.exe asks before overwriting, and nobody answers in session 0.
                if (!force && host.Registry.Find(target) is not null) return new ProgramOutcome(0, null, null, "reg.exe", exe);
                var subkeys = a.Any(x => x.Equals("/s", StringComparison.OrdinalIgnoreCase));
                return Done(0, h =>
                {
                    var source = h.Registry.Find(path);
                    if (source is not null) CopyKey(source.DeepClone(), h.Registry.Create(target), subkeys);
                });
            }
            default:
                return Done(1);
        }
    }

    private static void CopyKey(RegKey source, RegKey target, bool subkeys)
    {
        foreach (var v in source.Values) target.SetValue(v.Clone());
        if (!subkeys) return;
        foreach (var c in source.Children) CopyKey(c, target.GetOrAddChild(c.Name), subkeys);
    }

    /// <summary>
    /// reg.exe load HKU\NAME FILE: loads a user's hive file (NTUSER.DAT or UsrClass.dat under their profile) as HKU\NAME.
    /// It needs SeRestorePrivilege, which only administrators hold [doc: RegLoadKey]; it fails (exit 1) for a file in use
    /// (its user is signed in, or it is loaded under another name) or that does not exist [guess W072].
    /// </summary>
    private static ProgramOutcome Load(HostState host, Account account, string path, string file, Func<int, Action<HostState>?, ProgramOutcome> done)
    {
        var parts = RegistryStore.Split(path);
        if (!account.IsAdmin || parts.Length != 2 || !parts[0].Equals("HKU", StringComparison.OrdinalIgnoreCase)) return done(1, null);
        var name = parts[1];
        var hive = host.HiveFiles.GetValueOrDefault(StdRegProv.Expand(file.Trim()));
        if (hive is null || hive.LoadedAs is not null || host.Registry.Users.Child(name) is not null) return done(1, null);
        return done(0, h =>
        {
            if (hive.LoadedAs is null && h.Registry.Users.Child(name) is null) h.LoadHive(hive, name);
        });
    }

    /// <summary>reg.exe unload HKU\NAME: writes a hive reg.exe load loaded back to its file. A signed-in user's own hives are in use.</summary>
    private static ProgramOutcome Unload(HostState host, Account account, string path, Func<int, Action<HostState>?, ProgramOutcome> done)
    {
        var parts = RegistryStore.Split(path);
        if (!account.IsAdmin || parts.Length != 2 || !parts[0].Equals("HKU", StringComparison.OrdinalIgnoreCase)) return done(1, null);
        var hive = host.HiveLoadedAs(parts[1]);
        if (hive is null) return done(1, null);
        var ownSession = host.IsSignedIn(hive.OwnerSid)
            && (parts[1].Equals(hive.OwnerSid, StringComparison.OrdinalIgnoreCase) || parts[1].Equals(hive.OwnerSid + "_Classes", StringComparison.OrdinalIgnoreCase));
        if (ownSession) return done(1, null);
        return done(0, h => h.UnloadHive(hive));
    }

    /// <summary>reg.exe key names: HKLM, HKU, HKCU (the running account's hive). 64-bit view: reg.exe is a 64-bit program.</summary>
    private static string? MapRegPath(string key, Account account)
    {
        var parts = RegistryStore.Split(key);
        if (parts.Length == 0) return null;
        var rest = string.Join('\\', parts[1..]);
        var hive = parts[0].ToUpperInvariant() switch
        {
            "HKLM" or "HKEY_LOCAL_MACHINE" => "HKLM",
            "HKU" or "HKEY_USERS" => "HKU",
            "HKCU" or "HKEY_CURRENT_USER" => "HKU\\" + account.Sid,
            _ => null,
        };
        if (hive is null) return null;
        return rest.Length == 0 ? hive : hive + "\\" + rest;
    }

    // msiexec.exe /x {GUID} /qn /norestart (also /x{GUID}, /uninstall, /quiet, /passive).
    private static ProgramOutcome Msiexec(HostState host, Account account, List<string> a)
    {
        const string exe = @"C:\WINDOWS\system32\msiexec.exe";
        string? code = null;
        var uninstall = false;
        var install = false;
        var quiet = false;
        for (var i = 0; i < a.Count; i++)
        {
            var t = a[i];
            var lower = t.ToLowerInvariant();
            if (lower is "/x" or "-x" or "/uninstall" or "/i" or "-i" or "/package")
            {
                uninstall |= lower is "/x" or "-x" or "/uninstall";
                install |= lower is "/i" or "-i" or "/package";
                if (i + 1 < a.Count) code = a[++i];
            }
            else if (lower.StartsWith("/x{") || lower.StartsWith("-x{")) { uninstall = true; code = t[2..]; }
            else if (lower.StartsWith("/i{") || lower.StartsWith("-i{")) { install = true; code = t[2..]; }
            else if (lower is "/qn" or "/q" or "/quiet" or "/passive" or "/qb" or "/qb-" or "/qn+") quiet = true;
            else if (lower is "/norestart" or "/promptrestart" or "/forcerestart") { }
            else if (lower.StartsWith("/l")) { if (i + 1 < a.Count) i++; }
            else if (lower.Contains('=')) { } // PROPERTY=value
            else return new ProgramOutcome(1639, TimeSpan.FromMilliseconds(100), null, "msiexec.exe", exe, IsMsiexec: true); // invalid command line
        }
        if (code is null || !Guid.IsMatch(code) || !(uninstall ^ install))
            return new ProgramOutcome(1639, TimeSpan.FromMilliseconds(100), null, "msiexec.exe", exe, IsMsiexec: true);
        // Without /qn msiexec shows UI in session 0, where nobody can answer it.
        if (!quiet) return new ProgramOutcome(0, null, null, "msiexec.exe", exe, IsMsiexec: true);
        // Another installation is in progress.
        if (host.Runs.Any(r => r.RunsMsiexec)) return new ProgramOutcome(1618, TimeSpan.FromMilliseconds(200), null, "msiexec.exe", exe, IsMsiexec: true);

        var declared = host.Description.MsiProducts.FirstOrDefault(p => string.Equals(p.ProductCode, code, StringComparison.OrdinalIgnoreCase));
        var perMachine = host.Registry.Find(HostBuilder.Uninstall64 + "\\" + code) is not null || host.Registry.Find(HostBuilder.Uninstall32 + "\\" + code) is not null;
        // A per-user product (installed with ALLUSERS empty) has its entry in its user's own hive, and that user removes
        // it without elevation [doc: "Installation Context", per-user installation]; no one else's msiexec sees it.
        var ownEntry = $@"HKU\{account.Sid}\{HostBuilder.UserUninstall}\{code}";
        if (!perMachine && host.Registry.Find(ownEntry) is not null)
        {
            if (install) return new ProgramOutcome(0, TimeSpan.FromMilliseconds(declared?.DurationMs ?? 1000), null, "msiexec.exe", exe, IsMsiexec: true);
            var userExit = declared?.ExitCode ?? 0;
            List<string> userKeys = [ownEntry, .. declared?.RemovesKeys ?? []];
            return new ProgramOutcome(userExit, TimeSpan.FromMilliseconds(declared?.DurationMs ?? 1000),
                userExit is 0 or 3010 or 1641 ? h => RemoveAll(h, userKeys, []) : null, "msiexec.exe", exe, IsMsiexec: true);
        }
        var keys = declared?.RemovesKeys ?? [HostBuilder.Uninstall64 + "\\" + code, HostBuilder.Uninstall32 + "\\" + code];
        var installed = keys.Any(k => host.Registry.Find(k) is not null)
                        || host.Registry.Find(HostBuilder.Uninstall64 + "\\" + code) is not null
                        || host.Registry.Find(HostBuilder.Uninstall32 + "\\" + code) is not null;
        if (!installed) return new ProgramOutcome(1605, TimeSpan.FromMilliseconds(300), null, "msiexec.exe", exe, IsMsiexec: true);
        if (install) return new ProgramOutcome(0, TimeSpan.FromMilliseconds(declared?.DurationMs ?? 1000), null, "msiexec.exe", exe, IsMsiexec: true);
        // [guess W020] a standard user cannot remove a per-machine product silently: fatal error.
        if (!account.IsAdmin) return new ProgramOutcome(1603, TimeSpan.FromMilliseconds(500), null, "msiexec.exe", exe, IsMsiexec: true);
        var exit = declared?.ExitCode ?? 0;
        var removes = exit is 0 or 3010 or 1641;
        return new ProgramOutcome(exit, TimeSpan.FromMilliseconds(declared?.DurationMs ?? 1000),
            removes ? h => RemoveAll(h, keys, []) : null, "msiexec.exe", exe, IsMsiexec: true);
    }

    // Without -User or -AllUsers the package is removed for the user running the command [doc: Remove-AppxPackage].
    private static readonly Regex RemoveAppx = new(
        @"^Remove-AppxPackage\s+-Package\s+'(?<name>[^']+)'\s+(?:(?<all>-AllUsers)\s+|-User\s+'(?<sid>[^']+)'\s+)?-ErrorAction\s+Stop$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    private static readonly Regex RemoveProvisioned = new(
        @"^Remove-AppxProvisionedPackage\s+-Online\s+-PackageName\s+'(?<name>[^']+)'\s+-ErrorAction\s+Stop$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    // powershell.exe ... -Command "<one of the documented Appx commands>". Anything else fails with exit code 1.
    private static ProgramOutcome PowerShell(HostState host, Account account, List<string> a, uint sessionId)
    {
        const string exe = @"C:\WINDOWS\System32\WindowsPowerShell\v1.0\powershell.exe";
        ProgramOutcome Fail() => new(1, TimeSpan.FromMilliseconds(800), null, "powershell.exe", exe);
        var ci = a.FindIndex(x => x.Equals("-Command", StringComparison.OrdinalIgnoreCase) || x.Equals("-c", StringComparison.OrdinalIgnoreCase));
        if (ci < 0 || ci + 1 >= a.Count) return Fail();
        var command = string.Join(' ', a.Skip(ci + 1)).Trim();

        var m = RemoveAppx.Match(command);
        if (m.Success)
        {
            var name = m.Groups["name"].Value;
            var sid = m.Groups["sid"].Success ? m.Groups["sid"].Value : null;
            var self = !m.Groups["all"].Success && sid is null;
            // The name is a package's or a bundle's; a bundle's stands for the packages that came in it.
            var package = host.Packages.FirstOrDefault(p => string.Equals(p.FullName, name, StringComparison.OrdinalIgnoreCase));
            var targets = package is not null ? [package]
                : host.Packages.Where(p => string.Equals(p.Bundle, name, StringComparison.OrdinalIgnoreCase)).ToList();
            // Not installed (for that user), not allowed, or a declared deployment failure: a terminating error, exit 1.
            if (targets.Count == 0 || targets.All(p => p.Users.Count == 0)) return Fail();
            if (self)
            {
                // The running user's own packages: no administrator needed. From a process outside any interactive session
                // the deployment service fails as it does for -User [3rd: 0x80073D19].
                if (!targets.Any(p => p.Users.Contains(account.Sid))) return Fail();
                if (targets.Any(p => p.RemovalError is not null) || (sessionId == 0 && targets.Any(p => p.PerUserError is not null))) return Fail();
                var own = targets.Select(p => p.FullName).ToList();
                return new ProgramOutcome(0, AppxDuration, h =>
                {
                    foreach (var p in h.Packages.Where(x => own.Contains(x.FullName, StringComparer.OrdinalIgnoreCase)).ToList())
                        h.UnregisterPackage(p, account.Sid);
                }, "powershell.exe", exe);
            }
            if (sid is not null && !targets.Any(p => p.Users.Contains(sid))) return Fail();
            if (!account.IsAdmin && (sid is null || !string.Equals(sid, account.Sid, StringComparison.OrdinalIgnoreCase))) return Fail();
            if (targets.Any(p => p.RemovalError is not null)) return Fail();
            ProgramOutcome NoEffect() => new(0, AppxDuration, null, "powershell.exe", exe);
            if (sid is not null)
            {
                // [3rd] per-user AppX operations from a non-interactive WinRM or SYSTEM process can fail with 0x80073D19;
                // every process Win32_Process.Create starts is one.
                if (targets.Any(p => p.PerUserError is not null)) return Fail();
                // [3rd: PowerShell issue 10788; windows-powershell-docs issue 2881] -User can exit 0 and leave the package.
                if (targets.Any(p => p.UserRemovalHasNoEffect)) return NoEffect();
            }
            else if (package?.Bundle is not null)
            {
                // [doc: Remove-AppxPackage] -AllUsers works off the package type: a bundled package needs the bundle's name.
                // Whether Windows then fails or does nothing is unverified [guess W062]: the host says which.
                return package.AllUsersByPackageNameHasNoEffect ? NoEffect() : Fail();
            }
            var names = targets.Select(p => p.FullName).ToList();
            return new ProgramOutcome(0, AppxDuration, h =>
            {
                foreach (var p in h.Packages.Where(x => names.Contains(x.FullName, StringComparer.OrdinalIgnoreCase)).ToList())
                    h.UnregisterPackage(p, sid);
                h.SyncAppxStore();
            }, "powershell.exe", exe);
        }
        m = RemoveProvisioned.Match(command);
        if (m.Success)
        {
            var name = m.Groups["name"].Value;
            var package = host.Packages.FirstOrDefault(p => string.Equals(p.FullName, name, StringComparison.OrdinalIgnoreCase));
            // [guess W021] removing a package that is not provisioned is an error.
            if (package is null || !package.Provisioned || !account.IsAdmin) return Fail();
            return new ProgramOutcome(0, ProvisionedDuration, h =>
            {
                var p = h.Packages.FirstOrDefault(x => string.Equals(x.FullName, name, StringComparison.OrdinalIgnoreCase));
                if (p is null) return;
                p.Provisioned = false;
                if (!p.Exists) h.Packages.Remove(p);
                h.SyncAppxStore();
            }, "powershell.exe", exe);
        }
        return Fail();
    }
}
