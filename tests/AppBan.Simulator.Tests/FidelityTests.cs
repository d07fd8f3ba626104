using System.Xml.Linq;
using AppBan.Engine.Tests.Simulation;
using Xunit;
using static AppBan.Simulator.Tests.SoapReply;

namespace AppBan.Simulator.Tests;

/// <summary>
/// The simulator's replies have the structure of real Windows replies: element names, namespaces, Action URIs,
/// and where EnumerationContext, Items and EndOfSequence appear.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class FidelityTests : IAsyncLifetime
{
    private const string Host = "LAPTOP-01";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public FidelityTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private static XElement Body(XDocument d) => d.Root!.Element(S + "Body")!.Elements().First();
    private static string? Action(XDocument d) => d.Root!.Element(S + "Header")!.Element(A + "Action")?.Value.Trim();
    private static IEnumerable<XName> Names(XElement e) => e.Elements().Select(x => x.Name);
    private static List<string> ChildNames(XElement e) => e.Elements().Select(x => x.Name.ToString()).ToList();

    /// <summary>A QName in element text ("n:CannotProcessFilter") resolved against the element's namespace scope.</summary>
    private static XName Resolve(XElement scope, string qname)
    {
        var text = qname.Trim();
        var colon = text.IndexOf(':');
        return scope.GetNamespaceOfPrefix(text[..colon])! + text[(colon + 1)..];
    }

    private static void SameHeader(XDocument captured, XDocument ours)
    {
        Assert.Equal(captured.Root!.Name, ours.Root!.Name);
        var c = captured.Root.Element(S + "Header")!;
        var o = ours.Root.Element(S + "Header")!;
        Assert.Equal(Names(c), Names(o));
        Assert.Equal(c.Element(A + "To")!.Value.Trim(), o.Element(A + "To")!.Value.Trim());
        Assert.StartsWith("uuid:", o.Element(A + "MessageID")!.Value);
    }

    [CapturedRepliesFact]
    public async Task EnumerateResponse_with_more_to_come_matches_the_capture()
    {
        var captured = CapturedReplies.LoadShared("txwinrm-server_2012-Win32_Process_star_000.xml");
        var reply = await admin.EnumerateAsync("SELECT * FROM Win32_Process", maxElements: 1);
        var ours = reply.Xml;
        SameHeader(captured, ours);
        Assert.Equal(Action(captured), Action(ours));
        var c = Body(captured);
        var o = Body(ours);
        Assert.Equal(c.Name, o.Name);
        Assert.Equal(Names(c), Names(o)); // EnumerationContext, Items; no EndOfSequence
        Assert.StartsWith("uuid:", o.Element(N + "EnumerationContext")!.Value);
        var cItem = c.Element(W + "Items")!.Elements().Single();
        var oItem = o.Element(W + "Items")!.Elements().Single();
        Assert.Equal(cItem.Name, oItem.Name);
        Assert.Equal((string?)cItem.Attribute(Xsi + "type"), (string?)oItem.Attribute(Xsi + "type"));
        Assert.Equal(ChildNames(cItem), ChildNames(oItem));
        Assert.Equal(cItem.Elements().Where(e => (string?)e.Attribute(Xsi + "nil") == "true").Select(e => e.Name), oItem.Elements().Where(e => (string?)e.Attribute(Xsi + "nil") == "true").Select(e => e.Name));
        await admin.ReleaseAsync(o.Element(N + "EnumerationContext")!.Value);
    }

    [CapturedRepliesFact]
    public async Task EnumerateResponse_that_holds_everything_matches_the_capture()
    {
        var captured = CapturedReplies.LoadShared("txwinrm-server_2012-Win32_OperatingSystem_star_000.xml");
        var ours = (await admin.EnumerateAsync("SELECT * FROM Win32_OperatingSystem")).Xml;
        SameHeader(captured, ours);
        var c = Body(captured);
        var o = Body(ours);
        Assert.Equal(Names(c), Names(o)); // empty EnumerationContext, Items, w:EndOfSequence
        Assert.Equal(c.Element(N + "EnumerationContext")!.Value, o.Element(N + "EnumerationContext")!.Value);
        var cItem = c.Element(W + "Items")!.Elements().Single();
        var oItem = o.Element(W + "Items")!.Elements().Single();
        Assert.Equal(cItem.Name, oItem.Name);
        // Every property the simulator renders exists in the capture, in the same order.
        var capturedNames = ChildNames(cItem);
        var ourNames = ChildNames(oItem);
        Assert.All(ourNames, n => Assert.Contains(n, capturedNames));
        Assert.Equal(capturedNames.Where(ourNames.Contains), ourNames);
        // Datetimes are wrapped in cim:Datetime.
        var cimNs = cItem.GetNamespaceOfPrefix("cim")!;
        Assert.NotNull(oItem.Elements().First(e => e.Name.LocalName == "LastBootUpTime").Element(cimNs + "Datetime"));
    }

    [CapturedRepliesFact]
    public async Task PullResponses_match_the_captures()
    {
        var middle = CapturedReplies.LoadShared("txwinrm-server_2012-Win32_Process_star_001.xml");
        var last = CapturedReplies.LoadShared("txwinrm-server_2012-Win32_Process_star_002.xml");
        var first = await admin.EnumerateAsync("SELECT * FROM Win32_Process", maxElements: 1);
        var context = first.BodyElement.Element(N + "EnumerationContext")!.Value;
        var pull = await admin.PullAsync(context, 2);
        SameHeader(middle, pull.Xml);
        Assert.Equal(Action(middle), Action(pull.Xml));
        Assert.Equal(Body(middle).Name, Body(pull.Xml).Name);
        Assert.Equal(Names(Body(middle)), Names(Body(pull.Xml))); // n:EnumerationContext, n:Items
        Assert.Equal(Body(middle).Element(N + "Items")!.Elements().First().Name, Body(pull.Xml).Element(N + "Items")!.Elements().First().Name);

        var end = await admin.PullAsync(Body(pull.Xml).Element(N + "EnumerationContext")!.Value, 1000);
        Assert.Equal(Action(last), Action(end.Xml));
        Assert.Equal(Names(Body(last)), Names(Body(end.Xml))); // n:Items, n:EndOfSequence; no context
    }

    [CapturedRepliesFact]
    public async Task A_property_list_gives_XmlFragment_items_like_the_capture()
    {
        var captured = CapturedReplies.LoadShared("txwinrm-server_2012-Win32_Process_all_000.xml");
        var cItem = Body(captured).Element(W + "Items")!.Elements().Single();
        var wql = "SELECT " + string.Join(", ", cItem.Elements().Select(e => e.Name.LocalName)) + " FROM Win32_Process";
        var reply = await admin.EnumerateAsync(wql, maxElements: 1);
        var oItem = reply.BodyElement.Element(W + "Items")!.Elements().Single();
        Assert.Equal(cItem.Name, oItem.Name);
        Assert.Equal(ChildNames(cItem), ChildNames(oItem));
        Assert.All(oItem.Elements(), e => Assert.Equal(XNamespace.None, e.Name.Namespace));
        await admin.ReleaseAsync(reply.BodyElement.Element(N + "EnumerationContext")!.Value);
    }

    [CapturedRepliesFact]
    public async Task EnumKey_OUTPUT_matches_the_capture()
    {
        var captured = CapturedReplies.LoadShared("openwsman-EnumKey-response.xml");
        var ours = (await admin.RegAsync("EnumKey", RawWsMan.HKLM, @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall")).Xml;
        SameHeader(captured, ours);
        Assert.Equal(Action(captured), Action(ours));
        var c = Body(captured);
        var o = Body(ours);
        Assert.Equal(c.Name, o.Name);
        Assert.Equal(c.GetNamespaceOfPrefix("xsi"), o.GetNamespaceOfPrefix("xsi"));
        Assert.Equal(c.GetNamespaceOfPrefix("cim"), o.GetNamespaceOfPrefix("cim"));
        // sNames repeats once per subkey, then ReturnValue comes last.
        Assert.Equal(c.Elements().Select(e => e.Name.LocalName).Distinct(), o.Elements().Select(e => e.Name.LocalName).Distinct());
        Assert.Equal("ReturnValue", o.Elements().Last().Name.LocalName);
        Assert.True(o.Elements().Count() > 50);
    }

    [CapturedRepliesFact]
    public async Task The_invalid_class_fault_matches_the_captures()
    {
        foreach (var file in new[] { "winrm-gem-soap_fault_v1.xml", "winrm-gem-soap_fault_v2.xml" })
        {
            var captured = CapturedReplies.LoadShared(file);
            var ours = (await admin.EnumerateAsync("SELECT * FROM Win32_Processa")).Xml;
            SameHeader(captured, ours);
            Assert.Equal(Action(captured), Action(ours));
            CompareFault(Body(captured), Body(ours));
            var cFault = Body(captured).Descendants(SoapReply.F + "WSManFault").First();
            var oFault = Body(ours).Descendants(SoapReply.F + "WSManFault").First();
            Assert.Equal((string?)cFault.Attribute("Code"), (string?)oFault.Attribute("Code"));
            var cProvider = cFault.Descendants(SoapReply.F + "ProviderFault").Single();
            var oProvider = oFault.Descendants(SoapReply.F + "ProviderFault").Single();
            Assert.Equal((string?)cProvider.Attribute("path"), (string?)oProvider.Attribute("path"));
            Assert.Equal(cProvider.Element(SoapReply.F + "WSManFault")!.Element(SoapReply.F + "Message")!.Value.Trim(),
                oProvider.Element(SoapReply.F + "WSManFault")!.Element(SoapReply.F + "Message")!.Value.Trim());
        }
    }

    [CapturedRepliesFact]
    public async Task The_quota_fault_matches_the_capture()
    {
        await fixture.Simulator.ResetAsync("FAULT-QUOTA");
        using var client = fixture.Admin("FAULT-QUOTA");
        var captured = CapturedReplies.LoadShared("txwinrm-data_error-max_concurrent.xml");
        var ours = (await client.EnumerateAsync("SELECT * FROM Win32_OperatingSystem")).Xml;
        Assert.Equal(Action(captured), Action(ours));
        CompareFault(Body(captured), Body(ours));
        Assert.Equal((string?)Body(captured).Descendants(SoapReply.F + "WSManFault").Single().Attribute("Code"),
            (string?)Body(ours).Descendants(SoapReply.F + "WSManFault").Single().Attribute("Code"));
    }

    [CapturedRepliesFact]
    public async Task The_WMI_error_detail_matches_the_captured_MSFT_WmiError()
    {
        await fixture.Simulator.ResetAsync("FAULT-PROVIDER");
        using var client = fixture.Admin("FAULT-PROVIDER");
        var captured = CapturedReplies.LoadShared("winrm-gem-wmi_error_v2.xml");
        var ours = (await client.RegAsync("EnumKey", RawWsMan.HKLM, "SOFTWARE")).Xml;
        Assert.Equal(Action(captured), Action(ours));
        var cError = Body(captured).Element(S + "Detail")!.Elements().Single();
        var oError = Body(ours).Element(S + "Detail")!.Elements().Single();
        Assert.Equal(cError.Name, oError.Name);
        Assert.Equal(ChildNames(cError), ChildNames(oError));
        Assert.Equal(cError.Elements().Select(e => (string?)e.Attribute(Xsi + "type")), oError.Elements().Select(e => (string?)e.Attribute(Xsi + "type")));
        Assert.Equal(cError.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => a.Name), oError.Attributes().Where(a => !a.IsNamespaceDeclaration).Select(a => a.Name));
    }

    private static void CompareFault(XElement captured, XElement ours)
    {
        Assert.Equal(S + "Fault", ours.Name);
        Assert.Equal(Names(captured), Names(ours)); // Code, Reason, Detail
        var cCode = captured.Element(S + "Code")!;
        var oCode = ours.Element(S + "Code")!;
        Assert.Equal(Resolve(cCode, cCode.Element(S + "Value")!.Value), Resolve(oCode, oCode.Element(S + "Value")!.Value));
        var cSub = cCode.Element(S + "Subcode")!.Element(S + "Value")!;
        var oSub = oCode.Element(S + "Subcode")!.Element(S + "Value")!;
        Assert.Equal(Resolve(cSub, cSub.Value), Resolve(oSub, oSub.Value));
        Assert.Equal(Names(captured.Element(S + "Detail")!), Names(ours.Element(S + "Detail")!));
    }
}
