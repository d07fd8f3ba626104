using AppBan.Simulator.Model;
using AppBan.Simulator.WsMan;

namespace AppBan.Simulator.Wmi;

/// <summary>
/// StdRegProv (root\cimv2 and root\default): every method returns a uint32 ReturnValue (0, or a Win32/WBEM
/// code) and its out-parameters are nil whenever ReturnValue is not 0.
/// </summary>
public static class StdRegProv
{
    public const uint HKCR = 0x80000000, HKCU = 0x80000001, HKLM = 0x80000002, HKU = 0x80000003;
    public const uint Ok = 0, ValueMissing = 1, KeyMissing = 2, AccessDenied = 5, InvalidHandle = 6, TypeMismatch = 0x80041005;

    private static readonly string[] Methods =
    [
        "EnumKey", "EnumValues", "GetStringValue", "GetExpandedStringValue", "GetMultiStringValue", "GetDWORDValue", "GetQWORDValue",
        "GetBinaryValue", "SetStringValue", "SetExpandedStringValue", "SetMultiStringValue", "SetDWORDValue", "SetQWORDValue",
        "SetBinaryValue", "CreateKey", "DeleteKey", "DeleteValue", "CheckAccess",
    ];

    public static string? CanonicalMethod(string method) => Methods.FirstOrDefault(m => string.Equals(m, method, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Keys under HKLM\SOFTWARE that WOW64 shares between the views instead of redirecting to WOW6432Node
    /// ([doc] "Registry Keys Affected by WOW64", abridged to the keys a scan touches).
    /// </summary>
    private static readonly string[][] SharedSoftwareKeys =
    [
        ["Classes"], ["Policies"], ["RegisteredApplications"],
        ["Microsoft", "Windows NT", "CurrentVersion", "ProfileList"],
        ["Microsoft", "Windows NT", "CurrentVersion", "Fonts"],
        ["Microsoft", "Windows NT", "CurrentVersion", "Time Zones"],
        ["Microsoft", "Windows", "CurrentVersion", "Policies"],
        ["Microsoft", "Windows", "CurrentVersion", "Group Policy"],
        ["Microsoft", "Windows", "CurrentVersion", "Setup"],
    ];

    private sealed record Target(RegKey Root, string[] Parts, string FullPath, bool IsUsersRoot);

    public static MethodResult Invoke(CallContext ctx, string method, MethodArguments args)
    {
        // hDefKey defaults to HKEY_LOCAL_MACHINE in the class definition.
        var hive = args.UInt32("hDefKey") ?? HKLM;
        var subKey = args.String("sSubKeyName") ?? "";
        var write = method.StartsWith("Set", StringComparison.Ordinal) || method is "CreateKey" or "DeleteKey" or "DeleteValue";
        var target = Resolve(ctx, hive, subKey);
        if (target is null) return Fail(method, InvalidHandle);

        if (method == "CheckAccess")
        {
            var required = args.UInt32("uRequired") ?? 0;
            var needsWrite = (required & ~(1u | 8u | 0x20000u)) != 0;
            var key = Find(target);
            if (key is null) return Fail(method, KeyMissing);
            // [guess W003] access not granted comes back as ReturnValue 5 with bGranted nil, like every other failure.
            var denied = Denied(ctx, target, needsWrite);
            return denied ? Fail(method, AccessDenied) : new MethodResult(Ok, new CimProperty("bGranted", CimType.Boolean, true));
        }

        if (Denied(ctx, target, write)) return Fail(method, AccessDenied);

        switch (method)
        {
            case "EnumKey":
            {
                var key = Find(target);
                if (key is null) return Fail(method, KeyMissing);
                var names = key.Children.Select(c => c.Name).ToArray();
                // A key without subkeys answers sNames nil with ReturnValue 0.
                return new MethodResult(Ok, new CimProperty("sNames", CimType.String, names.Length == 0 ? null : names, IsArray: true));
            }
            case "EnumValues":
            {
                var key = Find(target);
                if (key is null) return Fail(method, KeyMissing);
                // The default value is not listed: a key with only a default value answers sNames nil.
                var values = key.Values.Where(v => v.Name.Length > 0).ToList();
                return new MethodResult(Ok,
                    new CimProperty("sNames", CimType.String, values.Count == 0 ? null : values.Select(v => v.Name).ToArray(), IsArray: true),
                    new CimProperty("Types", CimType.SInt32, values.Count == 0 ? null : values.Select(v => (int)v.Kind).ToArray(), IsArray: true));
            }
            case "GetStringValue": return Get(target, args, method, RegKind.String, v => new CimProperty("sValue", CimType.String, v.Data));
            case "GetExpandedStringValue": return Get(target, args, method, RegKind.ExpandString, v => new CimProperty("sValue", CimType.String, Expand((string)v.Data)));
            case "GetMultiStringValue": return Get(target, args, method, RegKind.MultiString, v => new CimProperty("sValue", CimType.String, v.Data, IsArray: true));
            case "GetDWORDValue": return Get(target, args, method, RegKind.DWord, v => new CimProperty("uValue", CimType.UInt32, v.Data));
            case "GetQWORDValue": return Get(target, args, method, RegKind.QWord, v => new CimProperty("uValue", CimType.UInt64, v.Data));
            case "GetBinaryValue": return Get(target, args, method, RegKind.Binary, v => new CimProperty("uValue", CimType.UInt8, v.Data, IsArray: true));
            case "SetStringValue": return Set(target, args, () => new RegValue(Name(args), RegKind.String, Required(args.String("sValue"), "sValue")));
            case "SetExpandedStringValue": return Set(target, args, () => new RegValue(Name(args), RegKind.ExpandString, Required(args.String("sValue"), "sValue")));
            case "SetMultiStringValue": return Set(target, args, () => new RegValue(Name(args), RegKind.MultiString, Required(args.Strings("sValue"), "sValue")));
            case "SetDWORDValue": return Set(target, args, () => new RegValue(Name(args), RegKind.DWord, Required(args.UInt32("uValue"), "uValue")));
            case "SetQWORDValue": return Set(target, args, () => new RegValue(Name(args), RegKind.QWord, Required(args.UInt64("uValue"), "uValue")));
            case "SetBinaryValue": return Set(target, args, () => new RegValue(Name(args), RegKind.Binary, Required(args.Bytes("uValue"), "uValue")));
            case "CreateKey":
            {
                if (target.Parts.Length == 0) return new MethodResult(Ok);
                // [guess W004] a new top-level key under HKEY_USERS (a hive that is not loaded) cannot be created.
                if (target.IsUsersRoot && target.Root.Child(target.Parts[0]) is null) return new MethodResult(AccessDenied);
                RegistryStore.Create(target.Root, target.Parts); // creates missing parents too
                return new MethodResult(Ok);
            }
            case "DeleteKey":
            {
                if (target.Parts.Length == 0 || (target.IsUsersRoot && target.Parts.Length == 1)) return new MethodResult(AccessDenied);
                var key = Find(target);
                if (key is null) return new MethodResult(KeyMissing);
                // RegDeleteKey refuses a key that still has subkeys [doc MS-RRP: ERROR_ACCESS_DENIED].
                if (key.ChildCount > 0) return new MethodResult(AccessDenied);
                RegistryStore.Find(target.Root, target.Parts[..^1])!.RemoveChild(target.Parts[^1]);
                return new MethodResult(Ok);
            }
            case "DeleteValue":
            {
                var key = Find(target);
                if (key is null) return new MethodResult(KeyMissing);
                // RegDeleteValue answers ERROR_FILE_NOT_FOUND (2) for a missing value.
                return new MethodResult(key.RemoveValue(Name(args)) ? Ok : KeyMissing);
            }
            default:
                throw WsManFault.MethodNotFound(method);
        }
    }

    private static T Required<T>(T? value, string name) where T : class => value ?? throw WsManFault.InvalidParameter($"The parameter {name} is required. ");

    private static T Required<T>(T? value, string name) where T : struct => value ?? throw WsManFault.InvalidParameter($"The parameter {name} is required. ");

    private static string Name(MethodArguments args) => args.String("sValueName") ?? "";

    private static MethodResult Get(Target t, MethodArguments args, string method, RegKind kind, Func<RegValue, CimProperty> project)
    {
        var key = Find(t);
        if (key is null) return Fail(method, KeyMissing);
        var value = key.Value(Name(args));
        if (value is null) return Fail(method, ValueMissing);
        // [guess W005] each Get*Value method reads only its own type (REG_SZ vs REG_EXPAND_SZ included).
        if (value.Kind != kind) return Fail(method, TypeMismatch);
        return new MethodResult(Ok, project(value));
    }

    private static MethodResult Set(Target t, MethodArguments args, Func<RegValue> make)
    {
        var value = make();
        var key = Find(t);
        // Set*Value does not create the key.
        if (key is null) return new MethodResult(KeyMissing);
        key.SetValue(value);
        return new MethodResult(Ok);
    }

    private static MethodResult Fail(string method, uint code) => method switch
    {
        "EnumKey" => new MethodResult(code, new CimProperty("sNames", CimType.String, null, true)),
        "EnumValues" => new MethodResult(code, new CimProperty("sNames", CimType.String, null, true), new CimProperty("Types", CimType.SInt32, null, true)),
        "GetStringValue" or "GetExpandedStringValue" or "GetMultiStringValue" => new MethodResult(code, new CimProperty("sValue", CimType.String, null)),
        "GetDWORDValue" or "GetQWORDValue" or "GetBinaryValue" => new MethodResult(code, new CimProperty("uValue", CimType.UInt32, null)),
        "CheckAccess" => new MethodResult(code, new CimProperty("bGranted", CimType.Boolean, null)),
        _ => new MethodResult(code),
    };

    private static RegKey? Find(Target t) => RegistryStore.Find(t.Root, t.Parts);

    private static Target? Resolve(CallContext ctx, uint hive, string subKey)
    {
        var parts = RegistryStore.Split(subKey);
        var reg = ctx.Host.Registry;
        switch (hive)
        {
            case HKLM:
                if (ctx.ProviderArchitecture == 32) parts = Redirect32(parts);
                return new Target(reg.LocalMachine, parts, Join("HKLM", parts), false);
            case HKCR:
            {
                var p = new[] { "SOFTWARE", "Classes" }.Concat(parts).ToArray();
                return new Target(reg.LocalMachine, p, Join("HKLM", p), false);
            }
            case HKCU:
            {
                // HKCU over a remote session is the connecting account's own hive.
                var p = new[] { ctx.Account.Sid }.Concat(parts).ToArray();
                return new Target(reg.Users, p, Join("HKU", p), false);
            }
            case HKU:
                return new Target(reg.Users, parts, Join("HKU", parts), true);
            default:
                return null;
        }
    }

    private static string Join(string hive, string[] parts) => parts.Length == 0 ? hive : hive + "\\" + string.Join('\\', parts);

    /// <summary>The 32-bit view: HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X unless X is a shared key.</summary>
    public static string[] Redirect32(string[] parts)
    {
        if (parts.Length == 0 || !parts[0].Equals("SOFTWARE", StringComparison.OrdinalIgnoreCase)) return parts;
        if (parts.Length > 1 && parts[1].Equals("WOW6432Node", StringComparison.OrdinalIgnoreCase)) return parts;
        var rest = parts[1..];
        foreach (var shared in SharedSoftwareKeys)
            if (rest.Length >= shared.Length && shared.Select((s, i) => s.Equals(rest[i], StringComparison.OrdinalIgnoreCase)).All(b => b))
                return parts;
        return new[] { parts[0], "WOW6432Node" }.Concat(rest).ToArray();
    }

    private static bool Denied(CallContext ctx, Target t, bool write)
    {
        var path = t.FullPath;
        // SAM and SECURITY belong to SYSTEM alone, administrators included.
        if (StartsWithKey(path, @"HKLM\SAM") || StartsWithKey(path, @"HKLM\SECURITY")) return true;
        foreach (var rule in ctx.Host.Description.Faults.AccessDenied)
            if (StartsWithKey(path, Normalize(rule.Path)) && (rule.Operations == "all" || (rule.Operations == "write") == write))
                return true;
        if (ctx.Account.IsAdmin) return false;
        // A standard user can read HKLM but not write it, and cannot open other users' hives.
        return RegistryRights.DeniedToStandardUser(ctx.Account, path, write);
    }

    private static string Normalize(string path)
    {
        var parts = RegistryStore.Split(path);
        if (parts.Length == 0) return path;
        var hive = parts[0].ToUpperInvariant() switch { "HKEY_LOCAL_MACHINE" => "HKLM", "HKEY_USERS" => "HKU", var h => h };
        return Join(hive, parts[1..]);
    }

    private static bool StartsWithKey(string path, string prefix) =>
        path.Equals(prefix, StringComparison.OrdinalIgnoreCase) ||
        (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && path.Length > prefix.Length && path[prefix.Length] == '\\');

    /// <summary>
    /// Expands REG_EXPAND_SZ as the provider process would: system variables only. [guess W006] per-user variables
    /// (%LOCALAPPDATA%, %USERPROFILE%) stay unexpanded, as ExpandEnvironmentStrings leaves unknown names.
    /// </summary>
    public static string Expand(string s) => Environment(s, SystemEnvironment);

    public static readonly Dictionary<string, string> SystemEnvironment = new(StringComparer.OrdinalIgnoreCase)
    {
        ["SystemRoot"] = @"C:\WINDOWS", ["windir"] = @"C:\WINDOWS", ["SystemDrive"] = "C:",
        ["ProgramFiles"] = @"C:\Program Files", ["ProgramFiles(x86)"] = @"C:\Program Files (x86)", ["ProgramW6432"] = @"C:\Program Files",
        ["CommonProgramFiles"] = @"C:\Program Files\Common Files", ["CommonProgramFiles(x86)"] = @"C:\Program Files (x86)\Common Files",
        ["ProgramData"] = @"C:\ProgramData", ["ALLUSERSPROFILE"] = @"C:\ProgramData", ["PUBLIC"] = @"C:\Users\Public",
        ["ComSpec"] = @"C:\WINDOWS\system32\cmd.exe", ["TEMP"] = @"C:\WINDOWS\TEMP", ["TMP"] = @"C:\WINDOWS\TEMP",
    };

    public static string Environment(string s, IReadOnlyDictionary<string, string> vars)
    {
        var sb = new System.Text.StringBuilder();
        var i = 0;
        while (i < s.Length)
        {
            var start = s.IndexOf('%', i);
            if (start < 0) { sb.Append(s, i, s.Length - i); break; }
            var end = s.IndexOf('%', start + 1);
            if (end < 0) { sb.Append(s, i, s.Length - i); break; }
            sb.Append(s, i, start - i);
            var name = s[(start + 1)..end];
            if (vars.TryGetValue(name, out var value)) { sb.Append(value); i = end + 1; }
            else { sb.Append('%').Append(name); i = end; }
        }
        return sb.ToString();
    }
}
