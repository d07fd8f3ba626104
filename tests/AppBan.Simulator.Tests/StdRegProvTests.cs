using Xunit;
using static AppBan.Simulator.Tests.RawWsMan;

namespace AppBan.Simulator.Tests;

[Collection(SimulatorCollection.Name)]
public sealed class StdRegProvTests : IAsyncLifetime
{
    private const string Host = "REGISTRY-01";
    private const string Values = @"SOFTWARE\Test\Values";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public StdRegProvTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    [Fact]
    public async Task EnumKey_lists_subkeys_in_name_order_and_answers_nil_for_a_key_without_subkeys()
    {
        var reply = await admin.RegAsync("EnumKey", HKLM, @"SOFTWARE\Test");
        Assert.Equal(0u, reply.ReturnValue);
        Assert.Equal(["DefaultOnly", "Empty", "Tree", "Values"], reply.Out("sNames"));

        var empty = await admin.RegAsync("EnumKey", HKLM, @"SOFTWARE\Test\Empty");
        Assert.Equal(0u, empty.ReturnValue);
        Assert.True(empty.OutIsNil("sNames"));
    }

    [Fact]
    public async Task EnumKey_on_a_missing_key_returns_2_with_sNames_nil()
    {
        var reply = await admin.RegAsync("EnumKey", HKLM, @"SOFTWARE\Test\Nope");
        Assert.Equal(2u, reply.ReturnValue);
        Assert.True(reply.OutIsNil("sNames"));
    }

    [Fact]
    public async Task EnumValues_returns_names_and_types_and_nil_for_a_default_only_key()
    {
        var reply = await admin.RegAsync("EnumValues", HKLM, Values);
        Assert.Equal(0u, reply.ReturnValue);
        Assert.Equal(["Text", "Expand", "Number", "Big", "Lines", "Bytes"], reply.Out("sNames"));
        Assert.Equal(["1", "2", "4", "11", "7", "3"], reply.Out("Types"));

        var defaultOnly = await admin.RegAsync("EnumValues", HKLM, @"SOFTWARE\Test\DefaultOnly");
        Assert.Equal(0u, defaultOnly.ReturnValue);
        Assert.True(defaultOnly.OutIsNil("sNames"));
        Assert.True(defaultOnly.OutIsNil("Types"));
    }

    [Fact]
    public async Task Get_value_methods_read_their_own_type()
    {
        Assert.Equal(["hello"], (await admin.RegAsync("GetStringValue", HKLM, Values, "Text")).Out("sValue"));
        Assert.Equal([@"C:\Program Files\App"], (await admin.RegAsync("GetExpandedStringValue", HKLM, Values, "Expand")).Out("sValue"));
        Assert.Equal(["42"], (await admin.RegAsync("GetDWORDValue", HKLM, Values, "Number")).Out("uValue"));
        Assert.Equal(["5000000000"], (await admin.RegAsync("GetQWORDValue", HKLM, Values, "Big")).Out("uValue"));
        Assert.Equal(["one", "two"], (await admin.RegAsync("GetMultiStringValue", HKLM, Values, "Lines")).Out("sValue"));
        Assert.Equal(["1", "255"], (await admin.RegAsync("GetBinaryValue", HKLM, Values, "Bytes")).Out("uValue"));
        Assert.Equal(["the default"], (await admin.RegAsync("GetStringValue", HKLM, @"SOFTWARE\Test\DefaultOnly", "")).Out("sValue"));
    }

    [Theory]
    [InlineData("GetStringValue", "Missing", 1u)]
    [InlineData("GetDWORDValue", "Missing", 1u)]
    [InlineData("GetStringValue", "Number", 0x80041005u)]
    [InlineData("GetDWORDValue", "Text", 0x80041005u)]
    [InlineData("GetStringValue", "Expand", 0x80041005u)]
    [InlineData("GetMultiStringValue", "Text", 0x80041005u)]
    public async Task Get_value_failures_return_their_code_with_the_out_parameter_nil(string method, string value, uint expected)
    {
        var reply = await admin.RegAsync(method, HKLM, Values, value);
        Assert.Equal(expected, reply.ReturnValue);
        var outName = method is "GetDWORDValue" ? "uValue" : "sValue";
        Assert.True(reply.OutIsNil(outName));
    }

    [Fact]
    public async Task Get_value_on_a_missing_key_returns_2()
    {
        var reply = await admin.RegAsync("GetStringValue", HKLM, @"SOFTWARE\Test\Nope", "Text");
        Assert.Equal(2u, reply.ReturnValue);
        Assert.True(reply.OutIsNil("sValue"));
    }

    [Fact]
    public async Task SetStringValue_fails_with_2_on_a_missing_key_and_writes_an_existing_one()
    {
        Assert.Equal(2u, (await admin.RegAsync("SetStringValue", HKLM, @"SOFTWARE\Test\Nope", "V", ("sValue", "x"))).ReturnValue);
        Assert.Null(await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\Test\Nope"));

        Assert.Equal(0u, (await admin.RegAsync("SetStringValue", HKLM, @"SOFTWARE\Test\Empty", "V", ("sValue", "written"))).ReturnValue);
        Assert.Equal(0u, (await admin.RegAsync("SetDWORDValue", HKLM, @"SOFTWARE\Test\Empty", "D", ("uValue", "7"))).ReturnValue);
        var key = await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\Test\Empty");
        Assert.Equal("written", key!.Value.GetProperty("values").GetProperty("V").GetProperty("value").GetString());
        Assert.Equal("REG_DWORD", key.Value.GetProperty("values").GetProperty("D").GetProperty("type").GetString());
    }

    [Fact]
    public async Task CreateKey_creates_missing_parents()
    {
        Assert.Equal(0u, (await admin.RegAsync("CreateKey", HKLM, @"SOFTWARE\New\Deep\Key")).ReturnValue);
        Assert.NotNull(await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\New\Deep\Key"));
    }

    [Fact]
    public async Task DeleteKey_refuses_a_key_with_subkeys_and_works_bottom_up()
    {
        Assert.Equal(5u, (await admin.RegAsync("DeleteKey", HKLM, @"SOFTWARE\Test\Tree")).ReturnValue);
        Assert.NotNull(await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\Test\Tree\Branch\Leaf"));
        Assert.Equal(0u, (await admin.RegAsync("DeleteKey", HKLM, @"SOFTWARE\Test\Tree\Branch\Leaf")).ReturnValue);
        Assert.Equal(0u, (await admin.RegAsync("DeleteKey", HKLM, @"SOFTWARE\Test\Tree\Branch")).ReturnValue);
        Assert.Equal(0u, (await admin.RegAsync("DeleteKey", HKLM, @"SOFTWARE\Test\Tree")).ReturnValue);
        Assert.Null(await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\Test\Tree"));
        Assert.Equal(2u, (await admin.RegAsync("DeleteKey", HKLM, @"SOFTWARE\Test\Tree")).ReturnValue);
    }

    [Fact]
    public async Task DeleteValue_removes_a_value_and_returns_2_for_a_missing_one()
    {
        Assert.Equal(0u, (await admin.RegAsync("DeleteValue", HKLM, Values, "Text")).ReturnValue);
        Assert.Equal(1u, (await admin.RegAsync("GetStringValue", HKLM, Values, "Text")).ReturnValue);
        Assert.Equal(2u, (await admin.RegAsync("DeleteValue", HKLM, Values, "Text")).ReturnValue);
    }

    [Fact]
    public async Task Without_the_architecture_option_HKLM_SOFTWARE_is_the_native_64_bit_view()
    {
        // MS-WMI 2.2.13: without __ProviderArchitecture WMI picks the native architecture.
        var reply = await admin.InvokeAsync("root/default", "StdRegProv", "GetStringValue",
            [("hDefKey", HKLM.ToString()), ("sSubKeyName", Values), ("sValueName", "Text")], extraHeaders: "");
        Assert.Equal(["hello"], reply.Out("sValue"));
    }

    [Fact]
    public async Task With_ProviderArchitecture_32_HKLM_SOFTWARE_is_the_32_bit_view()
    {
        var reply = await admin.InvokeAsync("root/default", "StdRegProv", "GetStringValue",
            [("hDefKey", HKLM.ToString()), ("sSubKeyName", Values), ("sValueName", "Text")], extraHeaders: Option32);
        Assert.Equal(["hello from the 32-bit view"], reply.Out("sValue"));
        // Shared keys are not redirected: ProfileList reads the same in both views.
        var profiles = await admin.InvokeAsync("root/default", "StdRegProv", "EnumKey",
            [("hDefKey", HKLM.ToString()), ("sSubKeyName", @"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList")], extraHeaders: Option32);
        Assert.Contains("S-1-5-21-100-200-300-1003", profiles.Out("sNames"));
    }

    [Fact]
    public async Task A_host_that_ignores_the_option_serves_the_64_bit_view_even_to_a_32_bit_request()
    {
        using var client = fixture.Admin("ARCH-IGNORED-01");
        var asked32 = await client.InvokeAsync("root/default", "StdRegProv", "GetStringValue",
            [("hDefKey", HKLM.ToString()), ("sSubKeyName", Values), ("sValueName", "Text")], extraHeaders: Option32);
        Assert.Equal(["64-bit view"], asked32.Out("sValue"));
        // WOW6432Node named explicitly reads the 32-bit entries whatever the option does.
        var explicit32 = await client.InvokeAsync("root/default", "StdRegProv", "GetStringValue",
            [("hDefKey", HKLM.ToString()), ("sSubKeyName", @"SOFTWARE\WOW6432Node\Test\Values"), ("sValueName", "Text")], extraHeaders: Option32);
        Assert.Equal(["32-bit view"], explicit32.Out("sValue"));
    }

    [Fact]
    public async Task An_unknown_option_marked_MustComply_is_accepted_as_Windows_does()
    {
        var options = "<w:OptionSet><w:Option Name=\"wmi:__ProviderArchitecture\" Type=\"xs:int\">64</w:Option><w:Option Name=\"NoSuchOption\" MustComply=\"true\">1</w:Option></w:OptionSet>";
        var reply = await admin.InvokeAsync("root/default", "StdRegProv", "GetStringValue",
            [("hDefKey", HKLM.ToString()), ("sSubKeyName", Values), ("sValueName", "Text")], options);
        Assert.False(reply.IsFault);
        Assert.Equal(["hello"], reply.Out("sValue"));
    }

    [Fact]
    public async Task StdRegProv_answers_in_root_cimv2_too()
    {
        var reply = await admin.InvokeAsync("root/cimv2", "StdRegProv", "GetStringValue", [("hDefKey", HKLM.ToString()), ("sSubKeyName", Values), ("sValueName", "Text")]);
        Assert.Equal(["hello"], reply.Out("sValue"));
    }

    [Fact]
    public async Task HKU_lists_only_loaded_hives()
    {
        var reply = await admin.RegAsync("EnumKey", HKU, "");
        var names = reply.Out("sNames");
        Assert.Contains("S-1-5-21-100-200-300-1001", names);
        Assert.Contains("S-1-5-21-100-200-300-1002", names);
        Assert.DoesNotContain("S-1-5-21-100-200-300-1003", names);
        Assert.Equal(2u, (await admin.RegAsync("EnumKey", HKU, @"S-1-5-21-100-200-300-1003\Software")).ReturnValue);
    }

    [Fact]
    public async Task HKCU_is_the_connecting_accounts_own_hive()
    {
        using var user = fixture.As(Host, "user");
        var reply = await user.RegAsync("GetStringValue", HKCU, @"Software\Mine", "V");
        Assert.Equal(["user's own"], reply.Out("sValue"));
    }

    [Fact]
    public async Task A_standard_user_reads_HKLM_but_gets_5_for_writes_and_for_other_users_hives()
    {
        using var user = fixture.As(Host, "user");
        Assert.Equal(0u, (await user.RegAsync("GetStringValue", HKLM, Values, "Text")).ReturnValue);
        Assert.Equal(5u, (await user.RegAsync("SetStringValue", HKLM, Values, "Text", ("sValue", "x"))).ReturnValue);
        Assert.Equal(5u, (await user.RegAsync("CreateKey", HKLM, @"SOFTWARE\ByUser")).ReturnValue);
        Assert.Equal(5u, (await user.RegAsync("DeleteKey", HKLM, @"SOFTWARE\Test\Empty")).ReturnValue);
        Assert.Equal(5u, (await user.RegAsync("EnumKey", HKU, @"S-1-5-21-100-200-300-1002\Software")).ReturnValue);
        Assert.Equal(0u, (await user.RegAsync("EnumKey", HKU, @"S-1-5-21-100-200-300-1001\Software")).ReturnValue);
        var key = await fixture.Simulator.GetRegistryAsync(Host, @"HKLM\SOFTWARE\Test\Values");
        Assert.Equal("hello", key!.Value.GetProperty("values").GetProperty("Text").GetProperty("value").GetString());
    }

    [Fact]
    public async Task CheckAccess_grants_admins_and_denies_writes_to_standard_users()
    {
        var granted = await admin.RegAsync("CheckAccess", HKLM, Values, null, ("uRequired", "2"));
        Assert.Equal(0u, granted.ReturnValue);
        Assert.Equal(["true"], granted.Out("bGranted"));

        using var user = fixture.As(Host, "user");
        var read = await user.RegAsync("CheckAccess", HKLM, Values, null, ("uRequired", "1"));
        Assert.Equal(0u, read.ReturnValue);
        var write = await user.RegAsync("CheckAccess", HKLM, Values, null, ("uRequired", "6"));
        Assert.Equal(5u, write.ReturnValue);
        Assert.True(write.OutIsNil("bGranted"));
        Assert.Equal(2u, (await admin.RegAsync("CheckAccess", HKLM, @"SOFTWARE\Nope", null, ("uRequired", "1"))).ReturnValue);
    }

    [Fact]
    public async Task Keys_declared_access_denied_return_5_even_for_administrators()
    {
        Assert.Equal(5u, (await admin.RegAsync("EnumKey", HKLM, @"SOFTWARE\Locked")).ReturnValue);
        Assert.Equal(5u, (await admin.RegAsync("GetStringValue", HKLM, @"SOFTWARE\Locked\Inner", "V")).ReturnValue);
        Assert.Equal(0u, (await admin.RegAsync("GetStringValue", HKLM, @"SOFTWARE\ReadOnly", "V")).ReturnValue);
        Assert.Equal(5u, (await admin.RegAsync("SetStringValue", HKLM, @"SOFTWARE\ReadOnly", "V", ("sValue", "x"))).ReturnValue);
        Assert.Equal(5u, (await admin.RegAsync("EnumKey", HKLM, "SECURITY")).ReturnValue);
    }

    [Fact]
    public async Task An_unknown_hive_handle_returns_6()
    {
        Assert.Equal(6u, (await admin.RegAsync("EnumKey", 123u, "SOFTWARE")).ReturnValue);
    }

    private const string DeviceRepository = @"SOFTWARE\Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\PackageRepository\Packages";
    private static string UserRepository(string sid) => sid + @"_Classes\Local Settings\Software\Microsoft\Windows\CurrentVersion\AppModel\Repository\Packages";

    [Fact]
    public async Task The_package_repositories_and_AppxAllUserStore_follow_the_packages()
    {
        const string tiktok = "BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se";
        var store = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Appx\AppxAllUserStore";
        // Signed-in users: their repository lists their packages. The device's lists every package and every bundle.
        Assert.Contains(tiktok, (await admin.RegAsync("EnumKey", HKU, UserRepository("S-1-5-21-100-200-300-1002"))).Out("sNames"));
        Assert.DoesNotContain("Broken.Package_1.0.0.0_x64__abcdefghijklm", (await admin.RegAsync("EnumKey", HKU, UserRepository("S-1-5-21-100-200-300-1002"))).Out("sNames"));
        var device = (await admin.RegAsync("EnumKey", HKLM, DeviceRepository)).Out("sNames");
        Assert.Contains(tiktok, device);
        Assert.Contains("Bundled.App_2.0.0.0_neutral_~_abcdefghijklm", device);
        Assert.Contains("Pending.App_1.0.0.0_x64__abcdefghijklm", device);
        Assert.Equal(@"C:\Program Files\WindowsApps\" + tiktok,
            (await admin.RegAsync("GetStringValue", HKLM, DeviceRepository + "\\" + tiktok, "Path")).Out("sValue").Single());
        // A signed-out user's classes hive is not loaded, so there is no repository of theirs to read.
        Assert.Equal(2u, (await admin.RegAsync("EnumKey", HKU, UserRepository("S-1-5-21-100-200-300-1003"))).ReturnValue);
        // AppxAllUserStore: provisioned packages, and pending work per user, which is not an install.
        Assert.Contains(tiktok, (await admin.RegAsync("EnumKey", HKLM, store + @"\Applications")).Out("sNames"));
        Assert.Equal(2u, (await admin.RegAsync("EnumKey", HKLM, store + @"\S-1-5-21-100-200-300-1002")).ReturnValue);
        Assert.Equal(["Pending.App_1.0.0.0_x64__abcdefghijklm"], (await admin.RegAsync("EnumKey", HKLM, store + @"\S-1-5-21-100-200-300-1003")).Out("sNames"));
        // A 32-bit caller does not see it: Appx is not a shared key.
        var view32 = await admin.InvokeAsync("root/default", "StdRegProv", "EnumKey", [("hDefKey", HKLM.ToString()), ("sSubKeyName", store)], extraHeaders: Option32);
        Assert.Equal(2u, view32.ReturnValue);
    }

    [Fact]
    public async Task An_unknown_method_faults()
    {
        var reply = await admin.InvokeAsync("root/default", "StdRegProv", "NoSuchMethod", [("hDefKey", HKLM.ToString())]);
        Assert.True(reply.IsFault);
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, reply.Status);
    }
}
