using AppBan.Simulator.Model;

namespace AppBan.Simulator.Wmi;

/// <summary>Who is calling and with which WMI context, for one operation.</summary>
public sealed class CallContext(HostState host, Account account, int providerArchitecture, string namespacePath)
{
    public HostState Host { get; } = host;
    public Account Account { get; } = account;
    /// <summary>32 or 64: the registry view StdRegProv serves (from wmi:__ProviderArchitecture).</summary>
    public int ProviderArchitecture { get; } = providerArchitecture;
    /// <summary>"root/cimv2" or "root/default".</summary>
    public string NamespacePath { get; } = namespacePath;
    public DateTime Now { get; init; } = DateTime.UtcNow;
    /// <summary>w:SelectorSet of the request: the instance an instance method (Terminate) acts on.</summary>
    public IReadOnlyDictionary<string, string> Selectors { get; init; } = new Dictionary<string, string>();
}

/// <summary>The reply to a static method call: ReturnValue plus out-parameters in declaration order.</summary>
public sealed class MethodResult(uint returnValue, params CimProperty[] outParameters)
{
    public uint ReturnValue { get; } = returnValue;
    public IReadOnlyList<CimProperty> OutParameters { get; } = outParameters;
}

/// <summary>In-parameters of a call: element text by case-insensitive name, arrays as repeated elements.</summary>
public sealed class MethodArguments(Dictionary<string, List<string?>> values)
{
    public bool Has(string name) => values.ContainsKey(name);

    public string? String(string name) => values.TryGetValue(name, out var v) ? v.FirstOrDefault() : null;

    public string[]? Strings(string name) => values.TryGetValue(name, out var v) ? v.Select(s => s ?? "").ToArray() : null;

    public uint? UInt32(string name)
    {
        var s = String(name);
        if (s is null) return null;
        if (!uint.TryParse(s.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var u))
            throw WsMan.WsManFault.InvalidParameter($"The value of {name} is not a valid uint32. ");
        return u;
    }

    public ulong? UInt64(string name)
    {
        var s = String(name);
        if (s is null) return null;
        if (!ulong.TryParse(s.Trim(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var u))
            throw WsMan.WsManFault.InvalidParameter($"The value of {name} is not a valid uint64. ");
        return u;
    }

    public byte[]? Bytes(string name)
    {
        var items = Strings(name);
        if (items is null) return null;
        try { return items.Select(s => byte.Parse(s.Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray(); }
        catch (FormatException) { throw WsMan.WsManFault.InvalidParameter($"The value of {name} is not a valid uint8 array. "); }
    }

    public IEnumerable<string> Names => values.Keys;
}
