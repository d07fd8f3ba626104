using System.Xml.Linq;
using Xunit;
using static AppBan.Simulator.Tests.SoapReply;

namespace AppBan.Simulator.Tests;

[Collection(SimulatorCollection.Name)]
public sealed class EnumerationTests : IAsyncLifetime
{
    private const string Host = "LAPTOP-01";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public EnumerationTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    [Fact]
    public async Task Paging_with_MaxElements_pulls_until_EndOfSequence_with_a_new_context_each_time()
    {
        var all = await admin.QueryAllAsync("SELECT * FROM Win32_Process", 1000);
        var first = await admin.EnumerateAsync("SELECT * FROM Win32_Process", maxElements: 3);
        Assert.Equal(first.RelatesTo, admin.LastMessageId);
        var body = first.BodyElement;
        Assert.Equal(3, body.Element(W + "Items")!.Elements().Count());
        Assert.Null(body.Element(W + "EndOfSequence"));
        var context = body.Element(N + "EnumerationContext")!.Value;
        Assert.StartsWith("uuid:", context);
        Assert.Equal(1, await fixture.Simulator.GetOpenEnumerationCountAsync(Host));

        var seen = 3;
        var pulls = 0;
        while (true)
        {
            var pull = await admin.PullAsync(context, 3);
            pulls++;
            Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/enumeration/PullResponse", pull.Action);
            var items = pull.BodyElement.Element(N + "Items")!.Elements().Count();
            Assert.InRange(items, 1, 3);
            seen += items;
            if (pull.BodyElement.Element(N + "EndOfSequence") is not null)
            {
                Assert.Null(pull.BodyElement.Element(N + "EnumerationContext"));
                break;
            }
            var next = pull.BodyElement.Element(N + "EnumerationContext")!.Value;
            Assert.NotEqual(context, next);
            // The spent context is gone.
            Assert.Equal("n:InvalidEnumerationContext", (await admin.PullAsync(context, 3)).FaultSubcode);
            context = next;
        }
        Assert.Equal(all.Count, seen);
        Assert.Equal((all.Count - 3 + 2) / 3, pulls);
        Assert.Equal(0, await fixture.Simulator.GetOpenEnumerationCountAsync(Host));
        var counts = await fixture.Simulator.GetOperationCountsAsync(Host);
        Assert.Equal(2, counts["Enumerate"]);
    }

    [Fact]
    public async Task Release_ends_an_enumeration_and_a_released_context_is_invalid()
    {
        var first = await admin.EnumerateAsync("SELECT * FROM Win32_Process", maxElements: 2);
        var context = first.BodyElement.Element(N + "EnumerationContext")!.Value;
        var release = await admin.ReleaseAsync(context);
        Assert.False(release.IsFault);
        Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/enumeration/ReleaseResponse", release.Action);
        Assert.Equal(0, await fixture.Simulator.GetOpenEnumerationCountAsync(Host));
        var pull = await admin.PullAsync(context);
        Assert.Equal("n:InvalidEnumerationContext", pull.FaultSubcode);
        Assert.Equal("2150858779", pull.FaultCode);
    }

    [Fact]
    public async Task Without_OptimizeEnumeration_the_first_reply_carries_only_a_context()
    {
        var reply = await admin.EnumerateAsync("SELECT * FROM Win32_OperatingSystem", optimize: false);
        Assert.Null(reply.BodyElement.Element(W + "Items"));
        var context = reply.BodyElement.Element(N + "EnumerationContext")!.Value;
        var pull = await admin.PullAsync(context);
        Assert.Single(pull.BodyElement.Element(N + "Items")!.Elements());
        Assert.NotNull(pull.BodyElement.Element(N + "EndOfSequence"));
    }

    [Fact]
    public async Task Select_star_gives_typed_items_and_a_property_list_gives_XmlFragments()
    {
        var typed = await admin.QueryAllAsync("SELECT * FROM Win32_OperatingSystem");
        var os = Assert.Single(typed);
        XNamespace p = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem";
        Assert.Equal(p + "Win32_OperatingSystem", os.Name);
        Assert.Equal("Microsoft Windows 11 Pro", os.Element(p + "Caption")!.Value);
        Assert.Equal("22631", os.Element(p + "BuildNumber")!.Value);
        Assert.Equal("LAPTOP-01", os.Element(p + "CSName")!.Value);
        Assert.Equal("true", (string?)os.Element(p + "CSDVersion")!.Attribute(Xsi + "nil"));

        var fragments = await admin.QueryAllAsync("SELECT ProcessId, Name FROM Win32_Process WHERE Name='TikTok LIVE Studio.exe'");
        var fragment = Assert.Single(fragments);
        Assert.Equal(W + "XmlFragment", fragment.Name);
        Assert.Equal(["Name", "ProcessId"], fragment.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("9120", fragment.Element("ProcessId")!.Value);
    }

    [Fact]
    public async Task Win32_Process_is_queried_by_ProcessId_and_by_Name()
    {
        Assert.Single(await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE ProcessId=9120"));
        Assert.Empty(await admin.QueryAllAsync("SELECT ProcessId FROM Win32_Process WHERE ProcessId=9121"));
        Assert.Single(await admin.QueryAllAsync("SELECT ProcessId, Name, ExecutablePath FROM Win32_Process WHERE Name='tiktok live studio.exe'"));
        Assert.True((await admin.QueryAllAsync("SELECT Name FROM Win32_Process WHERE Name LIKE 'svc%' OR ProcessId = 4")).Count >= 3);
        Assert.Single(await admin.QueryAllAsync(@"SELECT Name FROM Win32_Process WHERE ExecutablePath = 'C:\\Program Files\\TikTok LIVE Studio\\TikTok LIVE Studio.exe'"));
    }

    [Fact]
    public async Task An_empty_result_ends_at_once()
    {
        var reply = await admin.EnumerateAsync("SELECT * FROM Win32_Process WHERE Name='none.exe'");
        Assert.NotNull(reply.BodyElement.Element(W + "EndOfSequence"));
        Assert.Empty(reply.BodyElement.Element(W + "Items")!.Elements());
        Assert.Equal(0, await fixture.Simulator.GetOpenEnumerationCountAsync(Host));
    }

    [Fact]
    public async Task Win32_UserAccount_resolves_names_to_SIDs()
    {
        var rows = await admin.QueryAllAsync("SELECT Name, Domain, SID, LocalAccount FROM Win32_UserAccount WHERE Name='sam' AND LocalAccount=TRUE");
        var row = Assert.Single(rows);
        Assert.Equal("S-1-5-21-3623811015-3361044348-30300820-1002", row.Element("SID")!.Value);
        Assert.Equal("LAPTOP-01", row.Element("Domain")!.Value);
        Assert.Equal("true", row.Element("LocalAccount")!.Value);
    }

    [Fact]
    public async Task An_unknown_class_in_WQL_gives_the_captured_CannotProcessFilter_fault()
    {
        var reply = await admin.EnumerateAsync("SELECT * FROM Win32_Product");
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("n:CannotProcessFilter", reply.FaultSubcode);
        Assert.Equal("2150858778", reply.FaultCode);
        Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault", reply.Action);
        Assert.Contains("The specified class does not exist", reply.Text);
    }

    [Fact]
    public async Task Invalid_WQL_faults_instead_of_answering_nothing()
    {
        Assert.Equal("n:CannotProcessFilter", (await admin.EnumerateAsync("SELECT NoSuchProperty FROM Win32_Process")).FaultSubcode);
        Assert.Equal("n:CannotProcessFilter", (await admin.EnumerateAsync("SELECT * FROM Win32_Process WHERE")).FaultSubcode);
        Assert.Equal("n:CannotProcessFilter", (await admin.EnumerateAsync("SELECT * FROM Win32_Process WHERE Bogus = 1")).FaultSubcode);
    }

    [Fact]
    public async Task Unknown_classes_and_namespaces_on_invoke_fault()
    {
        var noClass = await admin.InvokeAsync("root/cimv2", "Win32_Nothing", "Run", []);
        Assert.Equal("a:DestinationUnreachable", noClass.FaultSubcode);
        Assert.Equal("2150858752", noClass.FaultCode);
        Assert.Contains("2147749904", noClass.Text); // 0x80041010 invalid class
        var noNamespace = await admin.InvokeAsync("root/nowhere", "StdRegProv", "EnumKey", []);
        Assert.True(noNamespace.IsFault);
        Assert.Contains("2147749902", noNamespace.Text); // 0x8004100E invalid namespace
        // Win32_Process is not in root\default.
        Assert.True((await admin.InvokeAsync("root/default", "Win32_Process", "Create", [("CommandLine", "cmd.exe")])).IsFault);
    }

    [Fact]
    public async Task Get_returns_the_one_instance_its_selectors_name()
    {
        var uri = RawWsMan.WmiPrefix + "root/cimv2/Win32_Process";
        var reply = await admin.PostAsync(RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", uri, "",
            "uuid:7", "<w:SelectorSet><w:Selector Name=\"Handle\">9120</w:Selector></w:SelectorSet>"));
        Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse", reply.Action);
        Assert.Equal("TikTok LIVE Studio.exe", reply.BodyElement.Elements().Single(e => e.Name.LocalName == "Name").Value);
        var missing = await admin.PostAsync(RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", uri, "",
            "uuid:8", "<w:SelectorSet><w:Selector Name=\"Handle\">1</w:Selector></w:SelectorSet>"));
        Assert.Equal("a:DestinationUnreachable", missing.FaultSubcode);
    }

    [Fact]
    public async Task Identify_answers_without_credentials_when_asked_to()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Simulator[Host].Url)
        {
            Content = new StringContent("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\"><s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>"),
        };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/soap+xml;charset=UTF-8");
        request.Headers.Add("WSMANIDENTIFY", "unauthenticated");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>", text);
    }

    [Fact]
    public async Task Headers_Windows_refuses_are_refused()
    {
        var body = "<n:Enumerate><w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">SELECT * FROM Win32_OperatingSystem</w:Filter></n:Enumerate>";
        var action = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate";
        var uri = RawWsMan.WmiPrefix + "root/cimv2/*";
        var locale = await admin.PostAsync(RawWsMan.Envelope(action, uri, body, "uuid:9", "<w:Locale xml:lang=\"en-US\" s:mustUnderstand=\"true\"/>"));
        Assert.Equal("w:UnsupportedFeature", locale.FaultSubcode);
        var noReplyTo = RawWsMan.Envelope(action, uri, body, "uuid:10").Replace("<a:ReplyTo><a:Address s:mustUnderstand=\"true\">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>", "");
        Assert.Equal("a:MessageInformationHeaderRequired", (await admin.PostAsync(noReplyTo)).FaultSubcode);
        var noMessageId = RawWsMan.Envelope(action, uri, body, "");
        Assert.Equal("a:InvalidMessageInformationHeader", (await admin.PostAsync(noMessageId)).FaultSubcode);
        var otherDialect = body.Replace("http://schemas.microsoft.com/wbem/wsman/1/WQL", "http://schemas.dmtf.org/wbem/cql/1/dsp0202.pdf");
        Assert.Equal("n:FilterDialectRequestedUnavailable", (await admin.PostAsync(RawWsMan.Envelope(action, uri, otherDialect, "uuid:11"))).FaultSubcode);
    }
}
