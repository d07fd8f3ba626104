using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Xml.Linq;

namespace AppBan.Simulator.Tests;

/// <summary>The answer to one raw SOAP request.</summary>
public sealed class SoapReply(HttpStatusCode status, string text)
{
    public static readonly XNamespace S = "http://www.w3.org/2003/05/soap-envelope";
    public static readonly XNamespace A = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
    public static readonly XNamespace N = "http://schemas.xmlsoap.org/ws/2004/09/enumeration";
    public static readonly XNamespace W = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
    public static readonly XNamespace F = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    public HttpStatusCode Status { get; } = status;
    public string Text { get; } = text;
    public XDocument Xml => XDocument.Parse(Text);
    /// <summary>The first element of s:Body; an empty placeholder for an empty body (ReleaseResponse).</summary>
    public XElement BodyElement => Xml.Root!.Element(S + "Body")!.Elements().FirstOrDefault() ?? new XElement("EmptyBody");
    public string? Action => Xml.Root!.Element(S + "Header")?.Element(A + "Action")?.Value;
    public string? RelatesTo => Xml.Root!.Element(S + "Header")?.Element(A + "RelatesTo")?.Value;
    public bool IsFault => BodyElement.Name == S + "Fault";
    public string? FaultSubcode => IsFault ? BodyElement.Element(S + "Code")?.Element(S + "Subcode")?.Element(S + "Value")?.Value : null;
    /// <summary>f:WSManFault/@Code, or MSFT_WmiError error_Code.</summary>
    public string? FaultCode =>
        BodyElement.Descendants(F + "WSManFault").FirstOrDefault()?.Attribute("Code")?.Value
        ?? BodyElement.Descendants().FirstOrDefault(e => e.Name.LocalName == "error_Code")?.Value;

    /// <summary>ReturnValue of a method reply.</summary>
    public uint ReturnValue => uint.Parse(Out("ReturnValue").Single()!);

    /// <summary>Out-parameter values of a method reply, one per element (arrays repeat); null for xsi:nil.</summary>
    public IReadOnlyList<string?> Out(string name) =>
        BodyElement.Elements().Where(e => e.Name.LocalName == name)
            .Select(e => (string?)e.Attribute(Xsi + "nil") == "true" ? null : e.Value).ToList();

    public bool OutIsNil(string name) => Out(name) is [null];
}

/// <summary>
/// A deliberately plain WS-Man client for the simulator's own tests: it writes envelopes by hand, as the
/// captured Windows requests do, so the tests exercise the wire format and nothing else.
/// </summary>
public sealed class RawWsMan : IDisposable
{
    public const string WmiPrefix = "http://schemas.microsoft.com/wbem/wsman/1/wmi/";
    public const string Option64 =
        "<w:OptionSet><w:Option Name=\"wmi:__ProviderArchitecture\" Type=\"xs:int\">64</w:Option><w:Option Name=\"wmi:__RequiredArchitecture\" Type=\"xs:boolean\">true</w:Option></w:OptionSet>";
    /// <summary>The 32-bit view asked for explicitly, with the xs prefix declared.</summary>
    public const string Option32 =
        "<w:OptionSet xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"><w:Option Name=\"wmi:__ProviderArchitecture\" Type=\"xs:int\">32</w:Option><w:Option Name=\"wmi:__RequiredArchitecture\" Type=\"xs:boolean\">true</w:Option></w:OptionSet>";
    public const uint HKLM = 2147483650, HKCU = 2147483649, HKU = 2147483651;

    private readonly HttpClient http;
    private readonly string url;

    public RawWsMan(string url, string user, string password, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        this.url = url;
        http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
    }

    public string LastMessageId { get; private set; } = "";

    public static string Envelope(string action, string resourceUri, string body, string messageId, string extraHeaders = "", string operationTimeout = "PT60.000S") =>
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" " +
        "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\">" +
        "<s:Header><a:To>http://localhost:5985/wsman</a:To><w:ResourceURI s:mustUnderstand=\"true\">" + resourceUri + "</w:ResourceURI>" +
        "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>" +
        "<a:Action s:mustUnderstand=\"true\">" + action + "</a:Action><w:MaxEnvelopeSize s:mustUnderstand=\"true\">512000</w:MaxEnvelopeSize>" +
        "<a:MessageID>" + messageId + "</a:MessageID><w:OperationTimeout>" + operationTimeout + "</w:OperationTimeout>" + extraHeaders + "</s:Header><s:Body>" + body + "</s:Body></s:Envelope>";

    public async Task<SoapReply> PostAsync(string envelope)
    {
        using var content = new StringContent(envelope, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/soap+xml;charset=UTF-8");
        using var response = await http.PostAsync(url, content);
        return new SoapReply(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private string NewId() => LastMessageId = "uuid:" + Guid.NewGuid().ToString().ToUpperInvariant();

    public Task<SoapReply> EnumerateAsync(string wql, int maxElements = 32000, bool optimize = true, string ns = "root/cimv2", string extraHeaders = "") =>
        PostAsync(Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", WmiPrefix + ns + "/*",
            "<n:Enumerate>" + (optimize ? "<w:OptimizeEnumeration/>" : "") + $"<w:MaxElements>{maxElements}</w:MaxElements>" +
            "<w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">" + SecurityElement.Escape(wql) + "</w:Filter></n:Enumerate>", NewId(), extraHeaders));

    public Task<SoapReply> PullAsync(string context, int maxElements = 32000, string ns = "root/cimv2") =>
        PostAsync(Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull", WmiPrefix + ns + "/*",
            $"<n:Pull><n:EnumerationContext>{context}</n:EnumerationContext><n:MaxElements>{maxElements}</n:MaxElements></n:Pull>", NewId()));

    public Task<SoapReply> ReleaseAsync(string context, string ns = "root/cimv2") =>
        PostAsync(Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Release", WmiPrefix + ns + "/*",
            $"<n:Release><n:EnumerationContext>{context}</n:EnumerationContext></n:Release>", NewId()));

    /// <summary>Invokes a static method; parameters are (name, value) with arrays as repeated names.</summary>
    public Task<SoapReply> InvokeAsync(string ns, string className, string method, IEnumerable<(string Name, string Value)> parameters, string extraHeaders = Option64) =>
        PostAsync(InvokeEnvelope(ns, className, method, parameters, extraHeaders));

    /// <summary>The reply's body exactly as the bytes came, for what an XML reader would refuse.</summary>
    public async Task<byte[]> PostForBytesAsync(string envelope)
    {
        using var content = new StringContent(envelope, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/soap+xml;charset=UTF-8");
        using var response = await http.PostAsync(url, content);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>A StdRegProv call whose parameter values are XML text as given (character references included).</summary>
    public Task<byte[]> RegBytesAsync(string method, uint hive, string keyXml, string? valueName = null) =>
        PostForBytesAsync(InvokeEnvelope("root/default", "StdRegProv", method,
            [("hDefKey", hive.ToString()), ("sSubKeyName", keyXml), .. valueName is null ? Array.Empty<(string, string)>() : [("sValueName", valueName)]],
            Option64, escape: false));

    private string InvokeEnvelope(string ns, string className, string method, IEnumerable<(string Name, string Value)> parameters, string extraHeaders, bool escape = true)
    {
        var uri = WmiPrefix + ns + "/" + className;
        var body = new StringBuilder($"<p:{method}_INPUT xmlns:p=\"{uri}\">");
        foreach (var (name, value) in parameters) body.Append($"<p:{name}>{(escape ? SecurityElement.Escape(value) : value)}</p:{name}>");
        body.Append($"</p:{method}_INPUT>");
        return Envelope(uri + "/" + method, uri, body.ToString(), NewId(), extraHeaders);
    }

    public Task<SoapReply> RegAsync(string method, uint hive, string key, string? valueName = null, params (string Name, string Value)[] more)
    {
        var p = new List<(string, string)> { ("hDefKey", hive.ToString()), ("sSubKeyName", key) };
        if (valueName is not null) p.Add(("sValueName", valueName));
        p.AddRange(more);
        return InvokeAsync("root/default", "StdRegProv", method, p);
    }

    /// <summary>WS-Transfer Delete of the instance the selectors name.</summary>
    public Task<SoapReply> DeleteAsync(string ns, string className, params (string Name, string Value)[] selectors)
    {
        var uri = WmiPrefix + ns + "/" + className;
        var set = new StringBuilder("<w:SelectorSet>");
        foreach (var (name, value) in selectors) set.Append($"<w:Selector Name=\"{name}\">{SecurityElement.Escape(value)}</w:Selector>");
        set.Append("</w:SelectorSet>");
        return PostAsync(Envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", uri, "", NewId(), set.ToString()));
    }

    public Task<SoapReply> CreateProcessAsync(string commandLine) =>
        InvokeAsync("root/cimv2", "Win32_Process", "Create", [("CommandLine", commandLine)], "");

    /// <summary>Enumerates to the end (Pull until EndOfSequence) and returns the item elements.</summary>
    public async Task<List<XElement>> QueryAllAsync(string wql, int maxElements = 32000, string ns = "root/cimv2")
    {
        var items = new List<XElement>();
        var reply = await EnumerateAsync(wql, maxElements, ns: ns);
        if (reply.IsFault) throw new InvalidOperationException(reply.Text);
        var body = reply.BodyElement;
        items.AddRange(body.Element(SoapReply.W + "Items")?.Elements() ?? []);
        var context = body.Element(SoapReply.N + "EnumerationContext")?.Value;
        var done = body.Element(SoapReply.W + "EndOfSequence") is not null;
        while (!done)
        {
            reply = await PullAsync(context!, maxElements, ns);
            if (reply.IsFault) throw new InvalidOperationException(reply.Text);
            body = reply.BodyElement;
            items.AddRange(body.Element(SoapReply.N + "Items")?.Elements() ?? []);
            done = body.Element(SoapReply.N + "EndOfSequence") is not null;
            context = body.Element(SoapReply.N + "EnumerationContext")?.Value;
        }
        return items;
    }

    public void Dispose() => http.Dispose();
}
