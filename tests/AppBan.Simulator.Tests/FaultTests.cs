using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>Every injected fault kind, and the auth failures.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class FaultTests(SimulatorFixture fixture)
{
    private const string OsQuery = "SELECT * FROM Win32_OperatingSystem";

    private async Task<RawWsMan> Fresh(string host, TimeSpan? timeout = null)
    {
        await fixture.Simulator.ResetAsync(host);
        return fixture.Admin(host, timeout);
    }

    [Fact]
    public async Task An_unreachable_host_refuses_connections()
    {
        var host = fixture.Simulator["UNREACHABLE-01"];
        Assert.False(host.Reachable);
        using var client = new TcpClient();
        var error = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync("127.0.0.1", host.Port));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [Fact]
    public async Task A_switched_off_host_never_answers_a_connection()
    {
        var host = fixture.Simulator["SWITCHED-OFF-01"];
        Assert.False(host.Reachable);
        using var client = new TcpClient();
        var connect = client.ConnectAsync("127.0.0.1", host.Port);
        // Neither refused nor accepted: the attempt is still pending when the test gives up on it.
        var finished = await Task.WhenAny(connect, Task.Delay(TimeSpan.FromSeconds(2)));
        Assert.NotSame(connect, finished);
        client.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => connect);
    }

    private static readonly HttpClient Http = new();

    /// <summary>One Enumerate with the host's administrator over Basic, as a raw HTTP exchange.</summary>
    private Task<HttpResponseMessage> PostBasicAsAdminAsync(string hostName)
    {
        var host = fixture.Simulator[hostName];
        var request = new HttpRequestMessage(HttpMethod.Post, host.Url)
        {
            Content = new StringContent(RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", RawWsMan.WmiPrefix + "root/cimv2/*", "<n:Enumerate/>", "uuid:1"), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/soap+xml;charset=UTF-8");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(host.AdminUser + ":" + host.AdminPassword)));
        return Http.SendAsync(request);
    }

    [Fact]
    public async Task A_schema_2_host_has_Basic_off_as_Windows_ships_and_challenges_with_Negotiate_only()
    {
        using var response = await PostBasicAsAdminAsync("WINRM-DEFAULTS-01");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(["Negotiate"], response.Headers.WwwAuthenticate.Select(c => c.Scheme));
        Assert.Equal(0, (await fixture.Simulator.GetOperationCountsAsync("WINRM-DEFAULTS-01")).GetValueOrDefault("Enumerate"));
    }

    [Fact]
    public async Task Basic_over_HTTP_without_AllowUnencrypted_gets_a_bare_500()
    {
        using var response = await PostBasicAsAdminAsync("WINRM-ENCRYPTED-ONLY-01");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_wrong_password_gets_401_with_a_Basic_challenge()
    {
        var host = fixture.Simulator["LAPTOP-01"];
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, host.Url)
        {
            Content = new StringContent(RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", RawWsMan.WmiPrefix + "root/cimv2/*", "<n:Enumerate/>", "uuid:1"), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/soap+xml;charset=UTF-8");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(host.AdminUser + ":wrong")));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Basic");
        var log = await fixture.Simulator.GetOperationsAsync("LAPTOP-01");
        Assert.Contains(log.EnumerateArray(), e => e.GetProperty("result").GetString() == "401");
    }

    [Fact]
    public async Task A_host_that_rejects_all_credentials_answers_401_to_the_right_password()
    {
        using var client = await Fresh("FAULT-CREDENTIALS");
        var reply = await client.EnumerateAsync(OsQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
    }

    [Fact]
    public async Task Http500_on_the_chosen_operation_only()
    {
        using var client = await Fresh("FAULT-HTTP500");
        Assert.Equal(HttpStatusCode.OK, (await client.EnumerateAsync(OsQuery)).Status);
        var second = await client.EnumerateAsync(OsQuery);
        Assert.Equal(HttpStatusCode.InternalServerError, second.Status);
        Assert.DoesNotContain("Envelope", second.Text);
        Assert.Equal(HttpStatusCode.OK, (await client.EnumerateAsync(OsQuery)).Status);
    }

    [Fact]
    public async Task A_dropped_connection_fails_the_request()
    {
        using var client = await Fresh("FAULT-DROP");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.EnumerateAsync(OsQuery));
        Assert.Equal(HttpStatusCode.OK, (await client.EnumerateAsync(OsQuery)).Status);
    }

    [Fact]
    public async Task A_hung_operation_never_answers()
    {
        using var client = await Fresh("FAULT-HANG", TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TaskCanceledException>(() => client.EnumerateAsync(OsQuery));
        var log = await fixture.Simulator.GetOperationsAsync("FAULT-HANG");
        Assert.Equal("hang", log.EnumerateArray().First().GetProperty("result").GetString());
    }

    [Fact]
    public async Task A_timed_out_operation_gets_the_TimedOut_fault_after_OperationTimeout()
    {
        using var client = await Fresh("FAULT-TIMEOUT");
        var envelope = RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", RawWsMan.WmiPrefix + "root/cimv2/*",
            "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements><w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">" + OsQuery + "</w:Filter></n:Enumerate>",
            "uuid:2", operationTimeout: "PT0.500S");
        var reply = await client.PostAsync(envelope);
        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("w:TimedOut", reply.FaultSubcode);
        Assert.Equal("2150858793", reply.FaultCode);
        Assert.Equal("uuid:2", reply.RelatesTo);
    }

    [Fact]
    public async Task Quota_and_access_denied_faults_have_the_Windows_shape()
    {
        using (var client = await Fresh("FAULT-QUOTA"))
        {
            var reply = await client.EnumerateAsync(OsQuery);
            Assert.Equal("w:InternalError", reply.FaultSubcode);
            Assert.Equal("2150859174", reply.FaultCode);
        }
        using (var client = await Fresh("FAULT-ACCESSDENIED"))
        {
            var reply = await client.EnumerateAsync(OsQuery);
            Assert.Equal("w:AccessDenied", reply.FaultSubcode);
            Assert.Equal("5", reply.FaultCode);
        }
    }

    [Fact]
    public async Task A_provider_error_comes_back_as_an_MSFT_WmiError()
    {
        using var client = await Fresh("FAULT-PROVIDER");
        var enumKey = await client.RegAsync("EnumKey", RawWsMan.HKLM, "SOFTWARE");
        Assert.Equal(HttpStatusCode.InternalServerError, enumKey.Status);
        Assert.Equal("w:InternalError", enumKey.FaultSubcode);
        Assert.Equal("2147749889", enumKey.FaultCode);
        Assert.Contains("MSFT_WmiError", enumKey.Text);
        // Only the named method fails.
        Assert.Equal(2u, (await client.RegAsync("GetStringValue", RawWsMan.HKLM, @"SOFTWARE\Nope", "x")).ReturnValue);
        // A class-wide error fails its queries.
        Assert.True((await client.EnumerateAsync(OsQuery)).IsFault);
    }

    [Fact]
    public async Task Latency_delays_each_operation_by_at_least_the_declared_time()
    {
        using var client = await Fresh("FAULT-LATENCY");
        var watch = Stopwatch.StartNew();
        Assert.False((await client.RegAsync("EnumKey", RawWsMan.HKLM, "SOFTWARE")).IsFault);
        Assert.True(watch.ElapsedMilliseconds >= 500, $"EnumKey answered after {watch.ElapsedMilliseconds} ms; 300 + 200 were declared.");
    }

    [Fact]
    public async Task Latency_beyond_the_OperationTimeout_gets_the_TimedOut_fault()
    {
        using var client = await Fresh("FAULT-LATENCY");
        var envelope = RawWsMan.Envelope("http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate", RawWsMan.WmiPrefix + "root/cimv2/*",
            "<n:Enumerate><w:OptimizeEnumeration/><w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">" + OsQuery + "</w:Filter></n:Enumerate>",
            "uuid:3", operationTimeout: "PT0.100S");
        var reply = await client.PostAsync(envelope);
        Assert.Equal("w:TimedOut", reply.FaultSubcode);
    }

    [Fact]
    public async Task A_standard_user_cannot_start_processes()
    {
        using var client = fixture.As("NONADMIN-01", "student");
        await fixture.Simulator.ResetAsync("NONADMIN-01");
        Assert.Equal(2u, (await client.CreateProcessAsync("msiexec.exe /x {11111111-1111-1111-1111-111111111111} /qn")).ReturnValue);
    }

    [Fact]
    public async Task The_control_endpoint_resets_state_and_counters()
    {
        using var client = await Fresh("REGISTRY-01");
        Assert.Equal(0u, (await client.RegAsync("CreateKey", RawWsMan.HKLM, @"SOFTWARE\Added")).ReturnValue);
        Assert.NotNull(await fixture.Simulator.GetRegistryAsync("REGISTRY-01", @"HKLM\SOFTWARE\Added"));
        Assert.Equal(1, (await fixture.Simulator.GetOperationCountsAsync("REGISTRY-01"))["StdRegProv.CreateKey"]);

        await fixture.Simulator.ResetCountersAsync("REGISTRY-01");
        Assert.Empty(await fixture.Simulator.GetOperationCountsAsync("REGISTRY-01"));
        Assert.NotNull(await fixture.Simulator.GetRegistryAsync("REGISTRY-01", @"HKLM\SOFTWARE\Added"));

        await fixture.Simulator.ResetAsync("REGISTRY-01");
        Assert.Null(await fixture.Simulator.GetRegistryAsync("REGISTRY-01", @"HKLM\SOFTWARE\Added"));
    }
}
