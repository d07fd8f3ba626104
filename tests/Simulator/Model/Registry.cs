using System.Globalization;
using System.Text.Json;

namespace AppBan.Simulator.Model;

/// <summary>Registry value types with the numbers StdRegProv.EnumValues reports.</summary>
public enum RegKind
{
    String = 1, ExpandString = 2, Binary = 3, DWord = 4, MultiString = 7, QWord = 11,
}

public sealed class RegValue(string name, RegKind kind, object data)
{
    public string Name { get; } = name;
    public RegKind Kind { get; } = kind;
    /// <summary>string, uint, ulong, string[] or byte[] according to <see cref="Kind"/>.</summary>
    public object Data { get; } = data;

    public RegValue Clone() => new(Name, Kind, Data is Array a ? a.Clone() : Data);

    public static string KindName(RegKind kind) => kind switch
    {
        RegKind.String => "REG_SZ",
        RegKind.ExpandString => "REG_EXPAND_SZ",
        RegKind.Binary => "REG_BINARY",
        RegKind.DWord => "REG_DWORD",
        RegKind.MultiString => "REG_MULTI_SZ",
        RegKind.QWord => "REG_QWORD",
        _ => kind.ToString(),
    };

    /// <summary>
    /// Reads a value as written in a host description; what it cannot represent (an unpaired surrogate escape, a
    /// number out of range, bad hex) is an <see cref="InvalidDataException"/> naming the source and the value.
    /// </summary>
    public static RegValue FromJson(string name, JsonElement json, string source)
    {
        try { return Parse(name, json, source); }
        catch (Exception e) when (HostJson.IsUnrepresentable(e))
        {
            throw new InvalidDataException($"{source}: value '{name}' cannot be represented: {HostJson.Reason(e)}", e);
        }
    }

    private static RegValue Parse(string name, JsonElement json, string source)
    {
        switch (json.ValueKind)
        {
            case JsonValueKind.String: return new RegValue(name, RegKind.String, json.GetString()!);
            case JsonValueKind.Array: return new RegValue(name, RegKind.MultiString, json.EnumerateArray().Select(e => e.GetString() ?? "").ToArray());
            case JsonValueKind.Number: return new RegValue(name, RegKind.DWord, json.GetUInt32());
            case JsonValueKind.Object:
                var type = json.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (json.TryGetProperty("utf16", out var units))
                {
                    // Any UTF-16 string, unpaired surrogates included, which JSON text cannot carry: "0054 D800".
                    var text = FromCodeUnits(units.GetString() ?? "");
                    return type?.ToUpperInvariant() switch
                    {
                        "REG_SZ" => new RegValue(name, RegKind.String, text),
                        "REG_EXPAND_SZ" => new RegValue(name, RegKind.ExpandString, text),
                        _ => throw new InvalidDataException($"{source}: value '{name}': 'utf16' is for REG_SZ and REG_EXPAND_SZ."),
                    };
                }
                if (!json.TryGetProperty("value", out var v)) throw new InvalidDataException($"{source}: value '{name}' has no 'value'.");
                switch (type?.ToUpperInvariant())
                {
                    case "REG_SZ": return new RegValue(name, RegKind.String, v.GetString() ?? "");
                    case "REG_EXPAND_SZ": return new RegValue(name, RegKind.ExpandString, v.GetString() ?? "");
                    case "REG_DWORD": return new RegValue(name, RegKind.DWord, v.ValueKind == JsonValueKind.String ? ParseUInt32(v.GetString()!) : v.GetUInt32());
                    case "REG_QWORD": return new RegValue(name, RegKind.QWord, v.ValueKind == JsonValueKind.String ? ulong.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetUInt64());
                    case "REG_MULTI_SZ": return new RegValue(name, RegKind.MultiString, v.EnumerateArray().Select(e => e.GetString() ?? "").ToArray());
                    case "REG_BINARY": return new RegValue(name, RegKind.Binary, Convert.FromHexString(v.GetString() ?? ""));
                    default: throw new InvalidDataException($"{source}: value '{name}' has unknown type '{type}'.");
                }
            default: throw new InvalidDataException($"{source}: value '{name}' must be a string, an array, a number or {{type, value}}.");
        }
    }

    private static string FromCodeUnits(string hex) =>
        new(hex.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(u => u.Length <= 4 ? (char)ushort.Parse(u, NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : throw new FormatException($"'{u}' is not a UTF-16 code unit (at most four hex digits)."))
            .ToArray());

    private static uint ParseUInt32(string s) =>
        s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? uint.Parse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : uint.Parse(s, CultureInfo.InvariantCulture);

    public object ToJson() => Kind switch
    {
        RegKind.String => (object)new { type = "REG_SZ", value = Data },
        RegKind.ExpandString => new { type = "REG_EXPAND_SZ", value = Data },
        RegKind.DWord => new { type = "REG_DWORD", value = Data },
        RegKind.QWord => new { type = "REG_QWORD", value = Data },
        RegKind.MultiString => new { type = "REG_MULTI_SZ", value = Data },
        RegKind.Binary => new { type = "REG_BINARY", value = Convert.ToHexString((byte[])Data) },
        _ => new { type = Kind.ToString(), value = Data },
    };
}

/// <summary>
/// One registry key. Subkeys enumerate in case-insensitive name order, as RegEnumKeyEx returns them;
/// values in the order they were written.
/// </summary>
public sealed class RegKey(string name)
{
    private readonly SortedDictionary<string, RegKey> children = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RegValue> values = [];

    public string Name { get; } = name;
    public IEnumerable<RegKey> Children => children.Values;
    public int ChildCount => children.Count;
    public IReadOnlyList<RegValue> Values => values;

    public RegKey? Child(string name) => children.TryGetValue(name, out var k) ? k : null;

    public RegKey GetOrAddChild(string name)
    {
        if (!children.TryGetValue(name, out var k)) children[name] = k = new RegKey(name);
        return k;
    }

    public bool RemoveChild(string name) => children.Remove(name);

    /// <summary>Puts a key (a hive being loaded) under this one, replacing any of the same name.</summary>
    public void SetChild(RegKey key) => children[key.Name] = key;

    public RegValue? Value(string name) => values.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));

    public void SetValue(RegValue value)
    {
        var i = values.FindIndex(v => string.Equals(v.Name, value.Name, StringComparison.OrdinalIgnoreCase));
        if (i >= 0) values[i] = value; else values.Add(value);
    }

    public bool RemoveValue(string name) => values.RemoveAll(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase)) > 0;

    public RegKey DeepClone() => CloneAs(Name);

    /// <summary>A deep copy under another name (a hive loaded under a key name of its own).</summary>
    public RegKey CloneAs(string name)
    {
        var copy = new RegKey(name);
        foreach (var v in values) copy.values.Add(v.Clone());
        foreach (var c in children.Values) copy.children[c.Name] = c.DeepClone();
        return copy;
    }

    public object Dump() => new
    {
        name = Name,
        values = values.ToDictionary(v => v.Name, v => v.ToJson()),
        keys = children.Values.Select(c => c.Dump()).ToList(),
    };
}

/// <summary>The two hives a host holds: HKLM and HKU (HKCU and HKCR are views onto them).</summary>
public sealed class RegistryStore
{
    public RegKey LocalMachine { get; private set; } = new("HKEY_LOCAL_MACHINE");
    public RegKey Users { get; private set; } = new("HKEY_USERS");

    public RegistryStore Clone() => new() { LocalMachine = LocalMachine.DeepClone(), Users = Users.DeepClone() };

    public static string[] Split(string path) =>
        (path ?? "").Split('\\', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Resolves "HKLM\a\b" (or HKEY_LOCAL_MACHINE, HKU, HKEY_USERS) to a root and the remaining parts.</summary>
    public (RegKey root, string[] parts) Resolve(string fullPath)
    {
        var parts = Split(fullPath);
        if (parts.Length == 0) throw new ArgumentException($"Registry path '{fullPath}' has no hive.");
        var root = parts[0].ToUpperInvariant() switch
        {
            "HKLM" or "HKEY_LOCAL_MACHINE" => LocalMachine,
            "HKU" or "HKEY_USERS" => Users,
            _ => throw new ArgumentException($"Registry path '{fullPath}' must start with HKLM or HKU."),
        };
        return (root, parts[1..]);
    }

    public static RegKey? Find(RegKey root, IEnumerable<string> parts)
    {
        var k = root;
        foreach (var p in parts)
        {
            k = k.Child(p);
            if (k is null) return null;
        }
        return k;
    }

    public RegKey? Find(string fullPath)
    {
        var (root, parts) = Resolve(fullPath);
        return Find(root, parts);
    }

    public static RegKey Create(RegKey root, IEnumerable<string> parts)
    {
        var k = root;
        foreach (var p in parts) k = k.GetOrAddChild(p);
        return k;
    }

    public RegKey Create(string fullPath)
    {
        var (root, parts) = Resolve(fullPath);
        return Create(root, parts);
    }

    /// <summary>Deletes a key and its subtree; false when it does not exist.</summary>
    public bool DeleteTree(string fullPath)
    {
        var (root, parts) = Resolve(fullPath);
        if (parts.Length == 0) return false;
        var parent = Find(root, parts[..^1]);
        return parent is not null && parent.RemoveChild(parts[^1]);
    }
}
