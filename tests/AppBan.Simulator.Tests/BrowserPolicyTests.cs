using Xunit;
using static AppBan.Simulator.Tests.UserTasks;

namespace AppBan.Simulator.Tests;

/// <summary>The modelled Edge and Chrome: a blocked site plus a forced unregistration takes a web app's uninstall entry away.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class BrowserPolicyTests : IAsyncLifetime
{
    private const string Host = "TASKS-01";
    private const string Alex = "S-1-5-21-700-800-900-1001";
    private const string Edge = Alex + @"\Software\Policies\Microsoft\Edge";
    private const string Entry = $@"HKU\{Alex}\Software\Microsoft\Windows\CurrentVersion\Uninstall\0a7e4c1f9b2d43e58f6a1c2b3d4e5f60";
    private const string Unregister = "[{\"manifest_id\":\"https://www.tiktok.com/\",\"run_on_os_login\":\"blocked\",\"force_unregister_os_integration\":true}]";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public BrowserPolicyTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => Task.WhenAll(fixture.Simulator.ResetAsync(Host), fixture.Simulator.ResetAsync("BROWSER-01"), fixture.Simulator.ResetAsync("BROWSER-02"));
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private async Task WritePolicy(RawWsMan client, string browserKey, string? webAppSettings, params (string Name, string Url)[] blocklist)
    {
        Assert.Equal(0u, (await client.RegAsync("CreateKey", RawWsMan.HKU, browserKey + @"\URLBlocklist")).ReturnValue);
        foreach (var (name, url) in blocklist)
            Assert.Equal(0u, (await client.RegAsync("SetStringValue", RawWsMan.HKU, browserKey + @"\URLBlocklist", name, ("sValue", url))).ReturnValue);
        if (webAppSettings is not null)
            Assert.Equal(0u, (await client.RegAsync("SetStringValue", RawWsMan.HKU, browserKey, "WebAppSettings", ("sValue", webAppSettings))).ReturnValue);
    }

    /// <summary>The browser reads policy when the user signs in (the host's default).</summary>
    private async Task<bool> EntryAfterNextSignIn()
    {
        await fixture.Simulator.SignOutAsync(Host, Alex);
        await fixture.Simulator.SignInAsync(Host, Alex);
        return await KeyExistsAsync(fixture.Simulator, Host, Entry);
    }

    [Fact]
    public async Task The_entry_goes_at_the_next_sign_in_only_when_the_site_is_blocked_and_the_app_force_unregistered()
    {
        await WritePolicy(admin, Edge, null, ("1", "example.com"), ("2", "tiktok.com"));
        Assert.True(await KeyExistsAsync(fixture.Simulator, Host, Entry));
        Assert.True(await EntryAfterNextSignIn());

        Assert.Equal(0u, (await admin.RegAsync("SetStringValue", RawWsMan.HKU, Edge, "WebAppSettings", ("sValue", Unregister))).ReturnValue);
        // Written while alex is signed in: the browser reads it at the next sign-in, not before.
        Assert.True(await KeyExistsAsync(fixture.Simulator, Host, Entry));
        Assert.False(await EntryAfterNextSignIn());
    }

    [Fact]
    public async Task Forced_unregistration_alone_leaves_the_entry()
    {
        await WritePolicy(admin, Edge, Unregister);
        Assert.True(await EntryAfterNextSignIn());
    }

    [Theory]
    [InlineData("3", "tiktok.com", Unregister)] // 1 and 2 missing: the list is empty
    [InlineData("1", "tiktok.com.evil.example", Unregister)]
    [InlineData("1", "http://tiktok.com", Unregister)]
    [InlineData("1", "tiktok.com/live", Unregister)]
    [InlineData("1", "tiktok.com", "[{\"manifest_id\":\"https://www.tiktok.com/\",\"force_unregister_os_integration\":false}]")]
    [InlineData("1", "tiktok.com", "[{\"manifest_id\":\"https://www.tiktok.com/\",\"force_unregister_os_integration\":true}")] // not JSON
    [InlineData("1", "tiktok.com", "{\"manifest_id\":\"https://www.tiktok.com/\",\"force_unregister_os_integration\":true}")] // not an array
    public async Task Policy_that_does_not_cover_the_app_leaves_the_entry(string name, string url, string settings)
    {
        await WritePolicy(admin, Edge, settings, (name, url));
        Assert.True(await EntryAfterNextSignIn());
    }

    [Theory]
    [InlineData("tiktok.com")]
    [InlineData("https://www.tiktok.com/")]
    [InlineData(".www.tiktok.com")]
    [InlineData("*")]
    public async Task A_blocklist_entry_covering_the_manifest_host_counts(string url)
    {
        await WritePolicy(admin, Edge, Unregister, ("1", "example.org"), ("2", url));
        Assert.False(await EntryAfterNextSignIn());
    }

    [Fact]
    public async Task Chrome_policy_does_not_act_on_an_Edge_app()
    {
        await WritePolicy(admin, Alex + @"\Software\Policies\Google\Chrome", Unregister, ("1", "tiktok.com"));
        Assert.True(await EntryAfterNextSignIn());
    }

    [Fact]
    public async Task Policy_written_into_a_signed_out_users_hive_applies_when_they_sign_in()
    {
        await fixture.Simulator.SignOutAsync(Host, Alex);
        const string k = "AppBan-0123456789abcdef0123456789abcdef-0";
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe load HKU\{k} C:\Users\alex\NTUSER.DAT"));
        await WritePolicy(admin, k + @"\Software\Policies\Microsoft\Edge", Unregister, ("1", "tiktok.com"));
        Assert.Equal(0, await RunAsync(fixture.Simulator, Host, admin, $@"reg.exe unload HKU\{k}"));
        var edge = await fixture.Simulator.GetRegistryAsync(Host, @"HKU\" + Edge);
        Assert.Null(edge);

        await fixture.Simulator.SignInAsync(Host, Alex);
        Assert.False(await KeyExistsAsync(fixture.Simulator, Host, Entry));
        Assert.Equal("tiktok.com", (await fixture.Simulator.GetRegistryAsync(Host, @"HKU\" + Edge + @"\URLBlocklist"))!.Value
            .GetProperty("values").GetProperty("1").GetProperty("value").GetString());
    }

    [Fact]
    public async Task A_browser_that_applies_policy_immediately_acts_while_the_user_is_signed_in()
    {
        const string alex = "S-1-5-21-710-810-910-1001";
        using var client = fixture.Admin("BROWSER-01");
        await WritePolicy(client, alex + @"\Software\Policies\Google\Chrome", Unregister, ("1", "tiktok.com"));
        Assert.False(await KeyExistsAsync(fixture.Simulator, "BROWSER-01", $@"HKU\{alex}\Software\Microsoft\Windows\CurrentVersion\Uninstall\TikTokPwa"));
    }

    [Fact]
    public async Task A_browser_that_keeps_uninstall_entries_leaves_the_entry_under_the_same_policy()
    {
        const string alex = "S-1-5-21-720-820-920-1001";
        using var client = fixture.Admin("BROWSER-02");
        await WritePolicy(client, alex + @"\Software\Policies\Google\Chrome", Unregister, ("1", "tiktok.com"));
        Assert.True(await KeyExistsAsync(fixture.Simulator, "BROWSER-02", $@"HKU\{alex}\Software\Microsoft\Windows\CurrentVersion\Uninstall\TikTokPwa"));
    }
}
