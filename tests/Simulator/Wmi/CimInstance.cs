using System.Globalization;
using System.Text;
using AppBan.Simulator.WsMan;

namespace AppBan.Simulator.Wmi;

public enum CimType { String, Boolean, UInt8, UInt16, UInt32, UInt64, SInt32, SInt64, DateTime, Instance }

/// <summary>One property of an instance or one out-parameter. A null Value renders as xsi:nil.</summary>
public sealed record CimProperty(string Name, CimType Type, object? Value, bool IsArray = false);

/// <summary>An instance of a WMI class: its properties in the order WMI renders them (case-insensitive name order).</summary>
public sealed class CimInstance(string className, IEnumerable<CimProperty> properties)
{
    public string ClassName { get; } = className;
    public IReadOnlyList<CimProperty> Properties { get; } =
        properties.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();

    public CimProperty? Property(string name) =>
        Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>SELECT *: a typed element in the class's resource URI namespace (as in the captures).</summary>
    public string RenderTyped(string namespacePath)
    {
        var uri = Ns.WmiPrefix + namespacePath + "/" + ClassName;
        var sb = new StringBuilder(1024);
        sb.Append("<p:").Append(ClassName).Append(" xmlns:xsi=\"").Append(Ns.Xsi).Append("\" xmlns:p=\"").Append(Ns.Escape(uri))
          .Append("\" xmlns:cim=\"").Append(Ns.Cim).Append("\" xsi:type=\"p:").Append(ClassName).Append("_Type\">");
        foreach (var p in Properties) AppendProperty(sb, "p:", p);
        sb.Append("</p:").Append(ClassName).Append('>');
        return sb.ToString();
    }

    /// <summary>An explicit property list: w:XmlFragment with unqualified property elements (as in the captures).</summary>
    public string RenderFragment(IReadOnlyList<string> selected)
    {
        var sb = new StringBuilder(256);
        sb.Append("<w:XmlFragment xmlns:xsi=\"").Append(Ns.Xsi).Append("\" xmlns:w=\"").Append(Ns.WsMan).Append("\" xmlns:cim=\"").Append(Ns.Cim).Append("\">");
        foreach (var p in Properties)
            if (selected.Any(s => string.Equals(s, p.Name, StringComparison.OrdinalIgnoreCase))) AppendProperty(sb, "", p);
        sb.Append("</w:XmlFragment>");
        return sb.ToString();
    }

    public static void AppendProperty(StringBuilder sb, string prefix, CimProperty p)
    {
        if (p.Value is null)
        {
            sb.Append('<').Append(prefix).Append(p.Name).Append(" xsi:nil=\"true\"/>");
            return;
        }
        if (p.Type == CimType.Instance)
        {
            // [guess W034] an embedded instance: the property element typed as <Class>_Type, holding the instance's properties.
            var items = p.IsArray ? ((System.Collections.IEnumerable)p.Value).Cast<CimInstance>() : [(CimInstance)p.Value];
            foreach (var item in items)
            {
                sb.Append('<').Append(prefix).Append(p.Name).Append(" xsi:type=\"").Append(prefix).Append(item.ClassName).Append("_Type\">");
                foreach (var inner in item.Properties) AppendProperty(sb, prefix, inner);
                sb.Append("</").Append(prefix).Append(p.Name).Append('>');
            }
            return;
        }
        if (p.IsArray)
        {
            // Arrays repeat the element once per item.
            foreach (var item in (System.Collections.IEnumerable)p.Value)
                sb.Append('<').Append(prefix).Append(p.Name).Append('>').Append(Format(p.Type, item)).Append("</").Append(prefix).Append(p.Name).Append('>');
            return;
        }
        sb.Append('<').Append(prefix).Append(p.Name).Append('>').Append(Format(p.Type, p.Value)).Append("</").Append(prefix).Append(p.Name).Append('>');
    }

    public static string Format(CimType type, object? value) => type switch
    {
        CimType.Boolean => (bool)value! ? "true" : "false",
        CimType.DateTime => "<cim:Datetime>" + ((DateTime)value!).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture) + "</cim:Datetime>",
        CimType.String => Ns.Escape(value?.ToString()),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>The value WQL compares against.</summary>
    public object? ValueForQuery(string name) => Property(name)?.Value;
}
