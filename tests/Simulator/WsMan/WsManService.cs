using System.Globalization;
using System.Text;
using System.Xml.Linq;
using AppBan.Simulator.Model;
using AppBan.Simulator.Wmi;

namespace AppBan.Simulator.WsMan;

/// <summary>
/// Answers one WS-Management request for one host as WinRM's WMI plugin does: Enumerate/Pull/Release with WQL,
/// static method invocation, Get and Identify. Runs under the host's lock.
/// </summary>
public static class WsManService
{
    private static readonly XNamespace N = Ns.Enumeration, W = Ns.WsMan, Xsi = Ns.Xsi;

    /// <summary>The short operation name used for counts, latency and provider-error matching.</summary>
    public static string OperationName(WsManRequest req)
    {
        if (req.IsIdentify) return "Identify";
        switch (req.Action)
        {
            case Ns.ActionEnumerate: return "Enumerate";
            case Ns.ActionPull: return "Pull";
            case Ns.ActionRelease: return "Release";
            case Ns.ActionGet: return "Get";
            case Ns.ActionDelete: return "Delete";
        }
        if (req.Action is not null && req.ResourceUri is not null && req.Action.StartsWith(req.ResourceUri + "/", StringComparison.OrdinalIgnoreCase))
        {
            var (_, cls) = SplitResource(req.ResourceUri);
            return cls + "." + req.Action[(req.ResourceUri.Length + 1)..];
        }
        return req.Action ?? "(no action)";
    }

    public static string Handle(HostState host, Account account, WsManRequest req, OperationRecord log)
    {
        if (req.IsIdentify) return Identify(host);
        if (string.IsNullOrEmpty(req.Action)) throw WsManFault.HeaderMissing("Action");
        if (string.IsNullOrEmpty(req.MessageId)) throw WsManFault.InvalidHeader("The MessageID is missing or empty.");
        // MS-WSMV 3.1.4.1.3, 3.1.4.1.7, 3.1.4.1.8.
        if (req.ReplyTo is null) throw WsManFault.HeaderMissing("ReplyTo");
        if (!string.Equals(req.ReplyTo, Ns.Anonymous, StringComparison.Ordinal)) throw WsManFault.UnsupportedFeature("AddressingMode");
        if (req.MaxEnvelopeSize is < 8192) throw WsManFault.EncodingLimit();
        if (req.LocaleMustUnderstand) throw WsManFault.UnsupportedFeature("Locale");
        if (string.IsNullOrEmpty(req.ResourceUri)) throw WsManFault.HeaderMissing("ResourceURI");

        switch (req.Action)
        {
            case Ns.ActionEnumerate: return Enumerate(host, account, req, log);
            case Ns.ActionPull: return Pull(host, req, log);
            case Ns.ActionRelease: return Release(host, req, log);
            case Ns.ActionGet: return Get(host, account, req, log);
            case Ns.ActionDelete: return Delete(host, account, req, log);
        }
        if (req.Action.StartsWith(req.ResourceUri + "/", StringComparison.OrdinalIgnoreCase))
            return Invoke(host, account, req, req.Action[(req.ResourceUri.Length + 1)..], log);
        throw WsManFault.ActionNotSupported(req.Action);
    }

    /// <summary>Splits ".../wmi/root/cimv2/Win32_Process" into ("root/cimv2", "Win32_Process"); null namespace for non-WMI URIs.</summary>
    public static (string? Namespace, string Class) SplitResource(string uri)
    {
        if (!uri.StartsWith(Ns.WmiPrefix, StringComparison.OrdinalIgnoreCase)) return (null, uri);
        var rest = uri[Ns.WmiPrefix.Length..].Trim('/');
        var slash = rest.LastIndexOf('/');
        return slash < 0 ? (null, rest) : (rest[..slash].ToLowerInvariant(), rest[(slash + 1)..]);
    }

    /// <summary>
    /// The registry view. Windows passes wsman:Option elements named "wmi:X" into the WMI context as X [doc MS-WSMV
    /// 3.1.4.1.10]; without __ProviderArchitecture WMI picks the native architecture [doc MS-WMI 2.2.13], 64-bit for
    /// WinRM's 64-bit host process. A host whose winRm.providerArchitecture is "ignored" never applies the option
    /// [3rd: jOVAL]. Options are never rejected, MustComply or not [doc MS-WSMV &lt;52&gt;].
    /// </summary>
    public static int Architecture(WsManRequest req, HostDescription host)
    {
        const int native = 64;
        if (host.WinRm.ProviderArchitecture == WinRmDescription.Ignored) return native;
        if (!req.Options.TryGetValue("wmi:__ProviderArchitecture", out var v)) return native;
        return v.Trim() switch { "32" => 32, "64" => 64, _ => native };
    }

    private static CallContext Context(HostState host, Account account, WsManRequest req, string ns) =>
        new(host, account, Architecture(req, host.Description), ns);

    /// <summary>
    /// WMI checks the namespace's security when the plugin connects to it, before any class or query is looked at
    /// [guess W029: the order]. Remote Enable belongs to Administrators unless granted [doc: WBEM_REMOTE_ACCESS].
    /// </summary>
    private static void CheckRemoteEnable(Account account, string ns)
    {
        if (!account.HasRemoteEnable(ns)) throw WsManFault.WmiAccessDenied();
    }

    private static void CheckProviderError(HostState host, string cls, string? method)
    {
        var rule = host.Description.Faults.ProviderErrors.FirstOrDefault(p =>
            string.Equals(p.Class, cls, StringComparison.OrdinalIgnoreCase) &&
            (p.Method is null || string.Equals(p.Method, method, StringComparison.OrdinalIgnoreCase)));
        if (rule is null) return;
        var code = rule.Hresult is null ? WsManFault.WbemFailed : uint.Parse(rule.Hresult.Replace("0x", "", StringComparison.OrdinalIgnoreCase), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        throw WsManFault.WmiError(code, 1, "Generic failure ");
    }

    private static string Identify(HostState host)
    {
        var d = host.Description;
        var sb = new StringBuilder();
        sb.Append("<s:Envelope xmlns:s=\"").Append(Ns.Soap).Append("\" xml:lang=\"en-US\"><s:Header/><s:Body><wsmid:IdentifyResponse xmlns:wsmid=\"")
          .Append(Ns.Identity).Append("\"><wsmid:ProtocolVersion>").Append(Ns.WsMan).Append("</wsmid:ProtocolVersion><wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>")
          .Append("<wsmid:ProductVersion>OS: ").Append(Ns.Escape(d.Os.Version)).Append(" SP: 0.0 Stack: 3.0</wsmid:ProductVersion></wsmid:IdentifyResponse></s:Body></s:Envelope>");
        return sb.ToString();
    }

    private static string Enumerate(HostState host, Account account, WsManRequest req, OperationRecord log)
    {
        var (ns, uriClass) = SplitResource(req.ResourceUri!);
        var body = req.Body;
        if (body.Name != N + "Enumerate") throw WsManFault.InvalidBody("Expected n:Enumerate.");
        var filter = body.Element(W + "Filter") ?? body.Element(N + "Filter");
        var optimize = body.Element(W + "OptimizeEnumeration") is not null;
        var maxElements = ParseMax(body.Element(W + "MaxElements")?.Value);
        if (ns is null) throw WsManFault.ResourceNotFound(WsManFault.ResourceNotFoundCode, "The resource URI is not a WMI resource URI. ");
        if (!WmiCatalog.NamespaceExists(ns)) throw WsManFault.InvalidNamespace();
        CheckRemoteEnable(account, ns);

        WqlQuery? query = null;
        string className;
        if (filter is not null)
        {
            var dialect = (string?)filter.Attribute("Dialect");
            if (!string.Equals(dialect, Ns.WqlDialect, StringComparison.OrdinalIgnoreCase)) throw WsManFault.FilterDialectUnavailable();
            var wql = filter.Value.Trim();
            log.Detail = wql;
            try { query = WqlQuery.Parse(wql); }
            catch (WqlException) { throw WsManFault.InvalidQuery(wql); }
            className = query.ClassName;
            var cls = WmiCatalog.Find(ns, className) ?? throw WsManFault.InvalidClassInFilter(wql);
            var unknown = (query.Properties ?? []).Concat(query.ReferencedProperties)
                .FirstOrDefault(p => !cls.PropertyNames.Contains(p, StringComparer.OrdinalIgnoreCase));
            if (unknown is not null) throw WsManFault.InvalidQuery(wql);
        }
        else
        {
            if (uriClass == "*") throw WsManFault.ResourceNotFound(WsManFault.ResourceNotFoundCode, "An enumeration of * needs a WQL filter. ");
            className = uriClass;
            log.Detail = "(all instances of " + className + ")";
        }
        var wmiClass = WmiCatalog.Find(ns, className);
        if (wmiClass is null) throw WsManFault.InvalidClass();
        CheckProviderError(host, wmiClass.Name, null);

        var ctx = Context(host, account, req, ns);
        var items = wmiClass.Instances(ctx).Where(i => query?.Where(i) ?? true)
            .Select(i => query?.Properties is { } props ? i.RenderFragment(props) : i.RenderTyped(ns)).ToList();
        log.Detail += $" -> {items.Count} item(s)";

        var sb = Ns.BeginEnvelope(Ns.EnumerationDeclarations, Ns.ActionEnumerateResponse, req.MessageId);
        sb.Append("<n:EnumerateResponse>");
        if (!optimize)
        {
            sb.Append("<n:EnumerationContext>").Append(NewContext(host, items, 0, log.Detail)).Append("</n:EnumerationContext>");
        }
        else
        {
            var taken = Take(items, 0, maxElements, req.MaxEnvelopeSize);
            if (taken == items.Count)
            {
                // Everything fits: an empty context, the items and EndOfSequence (as in the captured single-item reply).
                sb.Append("<n:EnumerationContext></n:EnumerationContext><w:Items>");
                foreach (var item in items) sb.Append(item);
                sb.Append("</w:Items><w:EndOfSequence/>");
            }
            else
            {
                sb.Append("<n:EnumerationContext>").Append(NewContext(host, items, taken, log.Detail)).Append("</n:EnumerationContext><w:Items>");
                for (var i = 0; i < taken; i++) sb.Append(items[i]);
                sb.Append("</w:Items>");
            }
        }
        sb.Append("</n:EnumerateResponse>");
        return Ns.EndEnvelope(sb);
    }

    private static string Pull(HostState host, WsManRequest req, OperationRecord log)
    {
        var body = req.Body;
        if (body.Name != N + "Pull") throw WsManFault.InvalidBody("Expected n:Pull.");
        var id = body.Element(N + "EnumerationContext")?.Value.Trim() ?? "";
        if (!host.Enumerations.Remove(id, out var e)) throw WsManFault.InvalidEnumerationContext();
        log.Detail = e.Query;
        var max = ParseMax(body.Element(N + "MaxElements")?.Value);
        var taken = Take(e.Items, e.Position, max, req.MaxEnvelopeSize);
        var sb = Ns.BeginEnvelope(Ns.EnumerationDeclarations, Ns.ActionPullResponse, req.MessageId);
        sb.Append("<n:PullResponse>");
        var end = e.Position + taken >= e.Items.Count;
        // Windows hands out a new context with every PullResponse; the old one is spent.
        if (!end) sb.Append("<n:EnumerationContext>").Append(NewContext(host, e.Items, e.Position + taken, e.Query)).Append("</n:EnumerationContext>");
        sb.Append("<n:Items>");
        for (var i = e.Position; i < e.Position + taken; i++) sb.Append(e.Items[i]);
        sb.Append("</n:Items>");
        if (end) sb.Append("<n:EndOfSequence/>");
        sb.Append("</n:PullResponse>");
        return Ns.EndEnvelope(sb);
    }

    private static string Release(HostState host, WsManRequest req, OperationRecord log)
    {
        var id = req.Body.Element(N + "EnumerationContext")?.Value.Trim() ?? "";
        if (!host.Enumerations.Remove(id, out var e)) throw WsManFault.InvalidEnumerationContext();
        log.Detail = e.Query;
        var sb = Ns.BeginEnvelope(Ns.EnumerationDeclarations, Ns.ActionReleaseResponse, req.MessageId);
        return Ns.EndEnvelope(sb);
    }

    /// <summary>The class a Get or Delete addresses, after the namespace, Remote Enable and provider-error checks.</summary>
    private static (string Ns, IWmiClass Class) AddressedClass(HostState host, Account account, WsManRequest req, OperationRecord log)
    {
        var (ns, cls) = SplitResource(req.ResourceUri!);
        if (ns is null || !WmiCatalog.NamespaceExists(ns)) throw WsManFault.InvalidNamespace();
        CheckRemoteEnable(account, ns);
        var wmiClass = WmiCatalog.Find(ns, cls) ?? throw WsManFault.InvalidClass();
        CheckProviderError(host, wmiClass.Name, null);
        log.Detail = string.Join(",", req.Selectors.Select(s => s.Key + "=" + s.Value));
        return (ns, wmiClass);
    }

    private static string Get(HostState host, Account account, WsManRequest req, OperationRecord log)
    {
        var (ns, wmiClass) = AddressedClass(host, account, req, log);
        var matches = wmiClass.Instances(Context(host, account, req, ns))
            .Where(i => req.Selectors.All(s => string.Equals(Convert.ToString(i.ValueForQuery(s.Key), CultureInfo.InvariantCulture), s.Value, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (matches.Count != 1) throw WsManFault.ResourceNotFound(0x80041002, "Not found ");
        var sb = Ns.BeginEnvelope(Ns.MethodDeclarations, Ns.Transfer + "/GetResponse", req.MessageId);
        sb.Append(matches[0].RenderTyped(ns));
        return Ns.EndEnvelope(sb);
    }

    /// <summary>WS-Transfer Delete of the instance the selectors name; the reply is an empty body [doc: WS-Transfer].</summary>
    private static string Delete(HostState host, Account account, WsManRequest req, OperationRecord log)
    {
        var (ns, wmiClass) = AddressedClass(host, account, req, log);
        wmiClass.Delete(new CallContext(host, account, Architecture(req, host.Description), ns) { Selectors = req.Selectors });
        var sb = Ns.BeginEnvelope(Ns.MethodDeclarations, Ns.ActionDeleteResponse, req.MessageId);
        return Ns.EndEnvelope(sb);
    }

    private static string Invoke(HostState host, Account account, WsManRequest req, string method, OperationRecord log)
    {
        var (ns, cls) = SplitResource(req.ResourceUri!);
        if (ns is null || !WmiCatalog.NamespaceExists(ns)) throw WsManFault.InvalidNamespace();
        CheckRemoteEnable(account, ns);
        var wmiClass = WmiCatalog.Find(ns, cls) ?? throw WsManFault.InvalidClass();
        var canonical = wmiClass.CanonicalMethod(method) ?? throw WsManFault.MethodNotFound(method);
        if (!string.Equals(req.Body.Name.LocalName, method + "_INPUT", StringComparison.OrdinalIgnoreCase))
            throw WsManFault.InvalidBody($"Expected {method}_INPUT.");
        CheckProviderError(host, wmiClass.Name, canonical);

        var values = new Dictionary<string, List<string?>>(StringComparer.OrdinalIgnoreCase);
        foreach (var e in req.Body.Elements())
        {
            var nil = string.Equals((string?)e.Attribute(Xsi + "nil"), "true", StringComparison.OrdinalIgnoreCase);
            if (!values.TryGetValue(e.Name.LocalName, out var list)) values[e.Name.LocalName] = list = [];
            if (!nil) list.Add(e.Value);
        }
        var args = new MethodArguments(values);
        log.Detail = string.Join(" ", values.Select(v => v.Key + "=" + string.Join("|", v.Value)));
        var result = wmiClass.Invoke(new CallContext(host, account, Architecture(req, host.Description), ns) { Selectors = req.Selectors }, canonical, args);
        log.Result = "ReturnValue=" + result.ReturnValue.ToString(CultureInfo.InvariantCulture);

        var sb = Ns.BeginEnvelope(Ns.MethodDeclarations, req.ResourceUri + "/" + method + "Response", req.MessageId);
        sb.Append("<p:").Append(method).Append("_OUTPUT xmlns:xsi=\"").Append(Ns.Xsi).Append("\" xmlns:p=\"").Append(Ns.Escape(req.ResourceUri))
          .Append("\" xmlns:cim=\"").Append(Ns.Cim).Append("\">");
        foreach (var p in result.OutParameters) CimInstance.AppendProperty(sb, "p:", p);
        sb.Append("<p:ReturnValue>").Append(result.ReturnValue.ToString(CultureInfo.InvariantCulture)).Append("</p:ReturnValue>");
        sb.Append("</p:").Append(method).Append("_OUTPUT>");
        return Ns.EndEnvelope(sb);
    }

    private static int ParseMax(string? text) => int.TryParse(text?.Trim(), out var n) && n > 0 ? Math.Min(n, 32000) : 1;

    /// <summary>How many items from <paramref name="start"/> fit: at most <paramref name="max"/>, and within the envelope size (at least one).</summary>
    private static int Take(List<string> items, int start, int max, int? maxEnvelope)
    {
        var budget = (maxEnvelope ?? 512000) - 1500;
        var n = 0;
        var size = 0;
        while (start + n < items.Count && n < max)
        {
            size += items[start + n].Length;
            if (n > 0 && size > budget) break;
            n++;
        }
        return n;
    }

    private static string NewContext(HostState host, List<string> items, int position, string? query)
    {
        var id = Ns.NewMessageId();
        host.Enumerations[id] = new EnumerationState { Id = id, Items = items, Position = position, LastUsed = DateTime.UtcNow, Query = query };
        return id;
    }
}
