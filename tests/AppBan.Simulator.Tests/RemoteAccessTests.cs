using System.Net;
using System.Text.Json;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>
/// Who may reach WMI over WS-Man: WinRM admits Administrators and Remote Management Users (others get 401), and WMI
/// then grants a namespace only to Administrators and accounts given Remote Enable on it.
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class RemoteAccessTests(SimulatorFixture fixture)
{
    private const string Host = "REGISTRY-01";
    private const string OsQuery = "SELECT Caption FROM Win32_OperatingSystem";
    private const string Uninstall = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
    private const string WmiAccessDeniedCode = "2150859012"; // 0x80338104

    private async Task<List<JsonElement>> Log()
    {
        return (await fixture.Simulator.GetOperationsAsync(Host)).EnumerateArray().ToList();
    }

    private static void AssertWmiAccessDenied(SoapReply reply)
    {
        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("w:AccessDenied", reply.FaultSubcode);
        Assert.Equal("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", reply.Action);
        Assert.Equal(WmiAccessDeniedCode, reply.FaultCode);
        Assert.Equal("2", reply.BodyElement.Descendants().Single(e => e.Name.LocalName == "CIMStatusCode").Value);
        Assert.Equal("The WS-Management service cannot process the request. The WMI service returned an 'access denied' error.",
            reply.BodyElement.Element(SoapReply.S + "Reason")!.Element(SoapReply.S + "Text")!.Value.Trim());
    }

    [Fact]
    public async Task A_standard_account_outside_Remote_Management_Users_gets_401_for_every_operation()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var plain = fixture.As(Host, "plain");

        var query = await plain.EnumerateAsync(OsQuery);
        var read = await plain.RegAsync("EnumKey", RawWsMan.HKLM, Uninstall);
        var create = await plain.CreateProcessAsync("cmd.exe /c echo hi");

        Assert.All(new[] { query, read, create }, r => Assert.Equal(HttpStatusCode.Unauthorized, r.Status));
        Assert.All(new[] { query, read, create }, r => Assert.Empty(r.Text));
        var log = await Log();
        Assert.Equal(3, log.Count);
        Assert.All(log, e =>
        {
            Assert.Equal("Unauthorized", e.GetProperty("operation").GetString());
            Assert.Equal("401", e.GetProperty("result").GetString());
            Assert.Equal("plain", e.GetProperty("user").GetString());
        });
        Assert.Equal(0, (await fixture.Simulator.GetCommandLinesAsync(Host)).Count);
    }

    [Fact]
    public async Task A_Remote_Management_User_without_Remote_Enable_gets_the_WMI_access_denied_fault_and_reads_nothing()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var rmu = fixture.As(Host, "rmu");

        AssertWmiAccessDenied(await rmu.EnumerateAsync(OsQuery));
        AssertWmiAccessDenied(await rmu.RegAsync("EnumKey", RawWsMan.HKLM, Uninstall));
        AssertWmiAccessDenied(await rmu.InvokeAsync("root/cimv2", "StdRegProv", "GetStringValue",
            [("hDefKey", RawWsMan.HKLM.ToString()), ("sSubKeyName", @"SOFTWARE\Test\Values"), ("sValueName", "Text")]));
        AssertWmiAccessDenied(await rmu.CreateProcessAsync("cmd.exe /c echo hi"));
        // Refused before the class: an unknown class gets the same fault, not invalid-class.
        AssertWmiAccessDenied(await rmu.EnumerateAsync("SELECT * FROM Win32_NoSuchClass"));

        var log = await Log();
        Assert.Equal(["Enumerate", "StdRegProv.EnumKey", "StdRegProv.GetStringValue", "Win32_Process.Create", "Enumerate"],
            log.Select(e => e.GetProperty("operation").GetString()));
        Assert.All(log, e => Assert.Equal("fault:AccessDenied", e.GetProperty("result").GetString()));
        Assert.All(log, e => Assert.Equal("rmu", e.GetProperty("user").GetString()));
        Assert.Equal(0, (await fixture.Simulator.GetCommandLinesAsync(Host)).Count);
    }

    [Fact]
    public async Task Remote_Enable_opens_only_the_namespaces_it_is_granted_on()
    {
        await fixture.Simulator.ResetAsync(Host);
        using var cimv2Only = fixture.As(Host, "cimv2only");

        var query = await cimv2Only.EnumerateAsync(OsQuery);
        Assert.Equal(HttpStatusCode.OK, query.Status);
        var read = await cimv2Only.InvokeAsync("root/cimv2", "StdRegProv", "GetStringValue",
            [("hDefKey", RawWsMan.HKLM.ToString()), ("sSubKeyName", @"SOFTWARE\Test\Values"), ("sValueName", "Text")]);
        Assert.Equal(0u, read.ReturnValue);
        Assert.Equal(["hello"], read.Out("sValue"));
        AssertWmiAccessDenied(await cimv2Only.RegAsync("GetStringValue", RawWsMan.HKLM, @"SOFTWARE\Test\Values", "Text"));
    }

    [Fact]
    public async Task The_control_endpoint_shows_each_accounts_remote_access()
    {
        using var http = new HttpClient();
        var hosts = JsonDocument.Parse(await http.GetStringAsync(new Uri(fixture.Simulator.ControlUri, "hosts"))).RootElement;
        var accounts = hosts.EnumerateArray().Single(h => h.GetProperty("name").GetString() == Host).GetProperty("accounts").EnumerateArray()
            .ToDictionary(a => a.GetProperty("user").GetString()!);
        Assert.False(accounts["plain"].GetProperty("remoteManagementUsers").GetBoolean());
        Assert.True(accounts["rmu"].GetProperty("remoteManagementUsers").GetBoolean());
        Assert.Empty(accounts["rmu"].GetProperty("remoteEnableNamespaces").EnumerateArray());
        Assert.Equal(["root/cimv2"], accounts["cimv2only"].GetProperty("remoteEnableNamespaces").EnumerateArray().Select(n => n.GetString()));
    }
}
