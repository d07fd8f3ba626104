namespace AppBan.Simulator.Model;

/// <summary>Turns a host description into the registry and process table a fresh Windows 11 machine would have.</summary>
public static class HostBuilder
{
    public const string Uninstall64 = @"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
    public const string Uninstall32 = @"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall";
    public const string ProfileList = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";
    public const string UserUninstall = @"Software\Microsoft\Windows\CurrentVersion\Uninstall";
    public const string ActiveComputerName = @"HKLM\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName";

    public static RegistryStore BuildRegistry(HostDescription d)
    {
        var r = new RegistryStore();
        foreach (var k in new[] { @"HKLM\HARDWARE", @"HKLM\SAM", @"HKLM\SECURITY", @"HKLM\SYSTEM\CurrentControlSet\Control", Uninstall64, Uninstall32,
                     @"HKLM\SOFTWARE\Classes", @"HKLM\SOFTWARE\Policies", @"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows NT\CurrentVersion" })
            r.Create(k);

        var env = r.Create(@"HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment");
        env.SetValue(new RegValue("PROCESSOR_ARCHITECTURE", RegKind.String, "AMD64"));
        env.SetValue(new RegValue("windir", RegKind.ExpandString, @"%SystemRoot%"));

        var nt = r.Create(@"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion");
        nt.SetValue(new RegValue("ProductName", RegKind.String, d.Os.Caption.Replace("Microsoft ", "")));
        nt.SetValue(new RegValue("CurrentBuild", RegKind.String, d.Os.BuildNumber));
        nt.SetValue(new RegValue("CurrentBuildNumber", RegKind.String, d.Os.BuildNumber));
        nt.SetValue(new RegValue("SystemRoot", RegKind.String, @"C:\WINDOWS"));

        // The running computer name, as NetBIOS names are stored: upper case [guess W118].
        var ownName = d.MachineNameGiven ? d.MachineName : d.ComputerName.ToUpperInvariant();
        if (ownName is not null)
            r.Create(ActiveComputerName).SetValue(new RegValue("ComputerName", RegKind.String, ownName));

        // ProfileList lists every profile, loaded or not; ProfileImagePath is REG_EXPAND_SZ on Windows.
        var profiles = r.Create(ProfileList);
        profiles.SetValue(new RegValue("ProfilesDirectory", RegKind.ExpandString, @"%SystemDrive%\Users"));
        foreach (var (sid, path) in new[] { ("S-1-5-18", @"%systemroot%\system32\config\systemprofile"),
                     ("S-1-5-19", @"%systemroot%\ServiceProfiles\LocalService"), ("S-1-5-20", @"%systemroot%\ServiceProfiles\NetworkService") })
            profiles.GetOrAddChild(sid).SetValue(new RegValue("ProfileImagePath", RegKind.ExpandString, path));
        foreach (var u in d.Users)
            profiles.GetOrAddChild(u.Sid).SetValue(new RegValue("ProfileImagePath", RegKind.ExpandString, u.ProfilePath ?? $@"C:\Users\{u.Name}"));

        // HKU holds the system hives and the hives of users who are logged on.
        foreach (var sid in new[] { ".DEFAULT", "S-1-5-18", "S-1-5-19", "S-1-5-20", "S-1-5-19_Classes", "S-1-5-20_Classes" })
            r.Create(@"HKU\" + sid + (sid.EndsWith("_Classes") ? "" : @"\Software\Microsoft"));
        foreach (var u in d.Users.Where(u => u.HiveLoaded))
        {
            r.Create($@"HKU\{u.Sid}\{UserUninstall}");
            r.Create($@"HKU\{u.Sid}\Volatile Environment").SetValue(new RegValue("USERNAME", RegKind.String, u.Name));
        }
        foreach (var u in d.Users.Where(u => u.ClassesHiveLoaded ?? u.HiveLoaded))
            r.Create($@"HKU\{u.Sid}_Classes");
        // Accounts that are not declared users still get a private hive for HKCU.
        foreach (var a in d.Accounts.Where(a => a.Sid is not null && d.Users.All(u => !string.Equals(u.Sid, a.Sid, StringComparison.OrdinalIgnoreCase))))
            r.Create($@"HKU\{a.Sid}\{UserUninstall}");

        foreach (var e in d.UninstallEntries)
        {
            var parent = e.View switch { "64" => Uninstall64, "32" => Uninstall32, _ => $@"HKU\{e.User}\{UserUninstall}" };
            var key = r.Create(parent + "\\" + e.Key);
            foreach (var (name, value) in e.Values) key.SetValue(RegValue.FromJson(name, value, $"{d.ComputerName} uninstall entry {e.Key}"));
        }
        foreach (var k in d.Registry)
        {
            RegKey key;
            try { key = r.Create(k.Path); }
            catch (ArgumentException e) { throw new InvalidDataException($"{d.ComputerName}: {e.Message}"); }
            foreach (var (name, value) in k.Values) key.SetValue(RegValue.FromJson(name, value, $"{d.ComputerName} key {k.Path}"));
        }
        return r;
    }

    /// <summary>
    /// Every declared user's two hive files under their profile. A signed-in user's are loaded (their content is the
    /// key under HKU, built above); a signed-out user's content moves out of HKU into the files, so that nothing of
    /// theirs is in HKU until they sign in or someone loads a file.
    /// </summary>
    public static Dictionary<string, HiveFile> BuildHiveFiles(HostDescription d, RegistryStore r)
    {
        var files = new Dictionary<string, HiveFile>(StringComparer.OrdinalIgnoreCase);
        foreach (var u in d.Users)
        {
            var profile = Wmi.StdRegProv.Expand(u.ProfilePath ?? $@"C:\Users\{u.Name}");
            Add(new HiveFile { Path = HiveFile.NtUserPath(profile), OwnerSid = u.Sid }, u.Sid, u.HiveLoaded);
            Add(new HiveFile { Path = HiveFile.UsrClassPath(profile), OwnerSid = u.Sid, IsClasses = true }, u.Sid + "_Classes", u.ClassesHiveLoaded ?? u.HiveLoaded);
        }
        return files;

        void Add(HiveFile file, string keyName, bool loaded)
        {
            if (!files.TryAdd(file.Path, file)) return;
            var key = r.Users.Child(keyName);
            if (loaded)
            {
                if (key is null) r.Users.SetChild(key = new RegKey(keyName));
                file.LoadedAs = keyName;
                return;
            }
            if (key is not null) r.Users.RemoveChild(keyName);
            file.Offline = key?.CloneAs("hive") ?? new RegKey("hive");
            // A profile's NTUSER.DAT has the per-user Uninstall key whether or not anything is in it.
            if (!file.IsClasses) RegistryStore.Create(file.Offline, RegistryStore.Split(UserUninstall));
        }
    }

    /// <summary>The users signed in at boot (hiveLoaded), in description order, with sessions 1, 2, ... and their explorer.exe.</summary>
    public static IEnumerable<(string Sid, uint SessionId, uint ExplorerProcessId)> InitialSessions(HostDescription d) =>
        d.Users.Where(u => u.HiveLoaded).Select((u, i) => (u.Sid, (uint)(i + 1), (uint)(5012 + 4 * i)));

    /// <summary>A user's shell, started by userinit (which has exited) in their session.</summary>
    public static SimProcess Explorer(uint processId, uint sessionId, DateTime started) => new()
    {
        ProcessId = processId, ParentProcessId = HostState.ExplorerParent, Name = "explorer.exe", ExecutablePath = @"C:\WINDOWS\Explorer.EXE",
        CommandLine = @"C:\WINDOWS\Explorer.EXE", Started = started, SessionId = sessionId,
    };

    public static List<SimProcess> BuildProcesses(HostDescription d)
    {
        var boot = DateTime.UtcNow.AddHours(-3);
        var list = new List<SimProcess>
        {
            new() { ProcessId = 0, Name = "System Idle Process", Started = boot, SessionId = 0 },
            new() { ProcessId = 4, Name = "System", Started = boot, SessionId = 0 },
            new() { ProcessId = 128, ParentProcessId = 4, Name = "Registry", Started = boot, SessionId = 0 },
            new() { ProcessId = 412, ParentProcessId = 4, Name = "smss.exe", ExecutablePath = @"C:\WINDOWS\System32\smss.exe", Started = boot, SessionId = 0 },
            new() { ProcessId = 608, ParentProcessId = 412, Name = "csrss.exe", ExecutablePath = @"C:\WINDOWS\system32\csrss.exe", Started = boot, SessionId = 0 },
            new() { ProcessId = 688, ParentProcessId = 412, Name = "wininit.exe", ExecutablePath = @"C:\WINDOWS\system32\wininit.exe", Started = boot, SessionId = 0 },
            new() { ProcessId = 760, ParentProcessId = 688, Name = "services.exe", ExecutablePath = @"C:\WINDOWS\system32\services.exe", Started = boot, SessionId = 0 },
            new() { ProcessId = 776, ParentProcessId = 688, Name = "lsass.exe", ExecutablePath = @"C:\WINDOWS\system32\lsass.exe", CommandLine = @"C:\WINDOWS\system32\lsass.exe", Started = boot, SessionId = 0 },
            new() { ProcessId = 904, ParentProcessId = 760, Name = "svchost.exe", ExecutablePath = @"C:\WINDOWS\system32\svchost.exe", CommandLine = @"C:\WINDOWS\system32\svchost.exe -k DcomLaunch -p", Started = boot, SessionId = 0 },
            new() { ProcessId = 1320, ParentProcessId = 760, Name = "svchost.exe", ExecutablePath = @"C:\WINDOWS\System32\svchost.exe", CommandLine = @"C:\WINDOWS\System32\svchost.exe -k NetworkService -p -s WinRM", Started = boot, SessionId = 0 },
            new() { ProcessId = HostState.ScheduleServiceProcessId, ParentProcessId = 760, Name = "svchost.exe", ExecutablePath = @"C:\WINDOWS\system32\svchost.exe", CommandLine = @"C:\WINDOWS\system32\svchost.exe -k netsvcs -p -s Schedule", Started = boot, SessionId = 0 },
            new() { ProcessId = 2216, ParentProcessId = 904, Name = "WmiPrvSE.exe", ExecutablePath = @"C:\WINDOWS\system32\wbem\wmiprvse.exe", CommandLine = @"C:\WINDOWS\system32\wbem\wmiprvse.exe", Started = boot, SessionId = 0 },
        };
        foreach (var (_, sessionId, pid) in InitialSessions(d)) list.Add(Explorer(pid, sessionId, boot.AddMinutes(2)));
        uint next = 6000;
        foreach (var p in d.Processes.Where(p => !p.StartsDuringRun))
            list.Add(DeclaredProcess(p, p.ProcessId ?? next++, parentProcessId: 5012, boot.AddMinutes(5)));
        return list;
    }

    /// <summary>A process the description declares, as it runs once started.</summary>
    public static SimProcess DeclaredProcess(ProcessDescription p, uint processId, uint parentProcessId, DateTime started) => new()
    {
        ProcessId = processId, ParentProcessId = parentProcessId, Name = p.Name, ExecutablePath = p.ExecutablePath,
        CommandLine = p.CommandLine ?? (p.ExecutablePath is null ? null : "\"" + p.ExecutablePath + "\""), Started = started, SessionId = p.SessionId,
    };
}
