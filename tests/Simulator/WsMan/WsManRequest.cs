using System.Xml;
using System.Xml.Linq;

namespace AppBan.Simulator.WsMan;

/// <summary>The parts of a WS-Management request the server acts on.</summary>
public sealed class WsManRequest
{
    private static readonly XNamespace S = Ns.Soap, A = Ns.Addressing, W = Ns.WsMan;

    public required XElement Body { get; init; }
    public string? Action { get; init; }
    public string? MessageId { get; init; }
    public string? ResourceUri { get; init; }
    public string? ReplyTo { get; init; }
    public TimeSpan? OperationTimeout { get; init; }
    public int? MaxEnvelopeSize { get; init; }
    /// <summary>wsman:OptionSet options by name (case-insensitive), e.g. "wmi:__ProviderArchitecture".</summary>
    public Dictionary<string, string> Options { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, string> Selectors { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public bool IsIdentify { get; init; }
    /// <summary>w:Locale carries s:mustUnderstand="true", which WinRM refuses.</summary>
    public bool LocaleMustUnderstand { get; init; }

    /// <summary>
    /// Reads one request. Character references to characters XML 1.0 forbids are accepted, so a key name read from a
    /// user's hive can be sent back [guess W036: WinRM reads them too; OMI's writer emits them, microsoft/omi wsbuf.c].
    /// </summary>
    public static WsManRequest Parse(Stream body)
    {
        XDocument doc;
        try
        {
            using var reader = XmlReader.Create(body, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, Async = false, CheckCharacters = false });
            doc = XDocument.Load(reader);
        }
        catch (XmlException e) { throw new BadRequestException("The request is not well-formed XML: " + e.Message); }
        var env = doc.Root;
        if (env is null || env.Name != S + "Envelope") throw new BadRequestException("The request is not a SOAP 1.2 envelope.");
        var header = env.Element(S + "Header");
        var soapBody = env.Element(S + "Body") ?? throw new BadRequestException("The envelope has no body.");
        var first = soapBody.Elements().FirstOrDefault() ?? new XElement("Empty");
        string? H(XNamespace ns, string name) => header?.Element(ns + name)?.Value.Trim();

        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var o in header?.Element(W + "OptionSet")?.Elements(W + "Option") ?? [])
        {
            var name = (string?)o.Attribute("Name");
            if (name is not null) options[name] = o.Value.Trim();
        }
        var selectors = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in header?.Element(W + "SelectorSet")?.Elements(W + "Selector") ?? [])
        {
            var name = (string?)s.Attribute("Name");
            if (name is not null) selectors[name] = s.Value.Trim();
        }
        TimeSpan? timeout = null;
        var t = H(W, "OperationTimeout");
        if (t is not null)
        {
            try { timeout = XmlConvert.ToTimeSpan(t); } catch (FormatException) { }
        }
        int? maxEnvelope = int.TryParse(H(W, "MaxEnvelopeSize"), out var m) ? m : null;
        return new WsManRequest
        {
            Body = first,
            Action = H(A, "Action"),
            MessageId = H(A, "MessageID"),
            ResourceUri = H(W, "ResourceURI"),
            ReplyTo = header?.Element(A + "ReplyTo")?.Element(A + "Address")?.Value.Trim(),
            OperationTimeout = timeout,
            MaxEnvelopeSize = maxEnvelope,
            Options = options,
            Selectors = selectors,
            IsIdentify = first.Name == XName.Get("Identify", Ns.Identity),
            LocaleMustUnderstand = string.Equals((string?)header?.Element(W + "Locale")?.Attribute(S + "mustUnderstand"), "true", StringComparison.OrdinalIgnoreCase),
        };
    }
}

public sealed class BadRequestException(string message) : Exception(message);
