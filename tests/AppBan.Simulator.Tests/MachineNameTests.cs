using Xunit;
using static AppBan.Simulator.Tests.RawWsMan;

namespace AppBan.Simulator.Tests;

/// <summary>The machine's own name, as a host answers it (docs/simulator.md, machineName).</summary>
[Collection(SimulatorCollection.Name)]
public sealed class MachineNameTests(SimulatorFixture fixture)
{
    private const string Key = @"SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName";

    private async Task<SoapReply> ReadAsync(string host)
    {
        using var admin = fixture.Admin(host);
        return await admin.RegAsync("GetStringValue", HKLM, Key, "ComputerName");
    }

    [Fact]
    public async Task A_host_that_does_not_set_it_answers_its_computer_name_upper_cased()
    {
        var reply = await ReadAsync("name-default-01");
        Assert.Equal(0u, reply.ReturnValue);
        Assert.Equal(["NAME-DEFAULT-01"], reply.Out("sValue"));
        // Every host has it: one already named in upper case answers the same name.
        Assert.Equal(["REGISTRY-01"], (await ReadAsync("REGISTRY-01")).Out("sValue"));
    }

    [Fact]
    public async Task A_host_can_set_any_text_there()
    {
        var reply = await ReadAsync("NAME-HOSTILE-01");
        Assert.Equal(0u, reply.ReturnValue);
        Assert.Equal(["<b>PC 01</b>\n=cmd|' /C calc'!A0"], reply.Out("sValue"));
    }

    [Fact]
    public async Task A_host_that_sets_it_to_null_has_no_value_there()
    {
        var reply = await ReadAsync("NAME-ABSENT-01");
        Assert.Equal(2u, reply.ReturnValue); // the key is not there either
        Assert.True(reply.OutIsNil("sValue"));
    }
}
