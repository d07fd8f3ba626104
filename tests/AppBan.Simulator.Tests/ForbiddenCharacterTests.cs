using System.Text;
using System.Xml;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Simulator.Tests;

public sealed class HostileHostsFixture : IDisposable
{
    public SimulatorProcess Simulator { get; } = SimulatorProcess.Start("hostile/hostile-raw.json", "hostile/hostile-reference.json", "hostile/hostile-fault.json");
    public void Dispose() => Simulator.Dispose();
}

/// <summary>
/// faults.forbiddenCharacters: a registry string holding characters XML 1.0 forbids goes out raw (bytes as they are,
/// an unpaired surrogate as invalid UTF-8), as decimal character references, or not at all (a fault): the ways WinRM
/// might answer.
/// </summary>
public sealed class ForbiddenCharacterTests(HostileHostsFixture fixture) : IClassFixture<HostileHostsFixture>
{
    private const string Uninstall = @"S-1-5-21-1111111111-2222222222-3333333333-1001\Software\Microsoft\Windows\CurrentVersion\Uninstall";

    private RawWsMan Admin(string host)
    {
        var h = fixture.Simulator[host];
        return new RawWsMan(h.Url, h.AdminUser, h.AdminPassword);
    }

    private static bool Contains(byte[] haystack, params byte[] needle) =>
        Enumerable.Range(0, haystack.Length - needle.Length + 1).Any(i => haystack.AsSpan(i, needle.Length).SequenceEqual(needle));

    private static bool ReadsAsXml(byte[] reply, bool checkCharacters)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(reply), new XmlReaderSettings { CheckCharacters = checkCharacters });
            while (reader.Read()) { }
            return true;
        }
        catch (XmlException) { return false; }
    }

    private Task<byte[]> DisplayName(string host, string key) =>
        Admin(host).RegBytesAsync("GetStringValue", RawWsMan.HKU, Uninstall + @"\" + key, "DisplayName");

    [Fact]
    public async Task Raw_sends_the_characters_as_they_are()
    {
        var esc = await DisplayName("HOSTILE-RAW", "Shield-Esc");
        Assert.True(Contains(esc, Encoding.UTF8.GetBytes("Notes\u001b Pro")));
        Assert.False(ReadsAsXml(esc, checkCharacters: true));
        Assert.True(Contains(await DisplayName("HOSTILE-RAW", "Shield-Nul"), Encoding.UTF8.GetBytes("Null\0Name")));
        Assert.True(Contains(await DisplayName("HOSTILE-RAW", "Shield-FFFF"), 0xEF, 0xBF, 0xBF));
        var surrogate = await DisplayName("HOSTILE-RAW", "Shield-Surrogate");
        Assert.True(Contains(surrogate, (byte)'u', 0xED, 0xA0, 0x80, (byte)'r'));
        Assert.Throws<DecoderFallbackException>(() => new UTF8Encoding(false, true).GetString(surrogate));
    }

    [Fact]
    public async Task Reference_sends_decimal_character_references()
    {
        var expected = new Dictionary<string, string>
        {
            ["Shield-Esc"] = "Notes&#27; Pro", ["Shield-Nul"] = "Null&#0;Name", ["Shield-FFFF"] = "Tool &#65535;", ["Shield-Surrogate"] = "Su&#55296;r",
        };
        foreach (var (key, text) in expected)
        {
            var reply = await DisplayName("HOSTILE-REF", key);
            Assert.Contains(text, new UTF8Encoding(false, true).GetString(reply));
            Assert.DoesNotContain(reply, b => b < 0x20 && b is not (9 or 10 or 13));
            Assert.True(ReadsAsXml(reply, checkCharacters: false));
        }
    }

    [Fact]
    public async Task Fault_refuses_only_the_operation_that_would_carry_such_a_character()
    {
        using var admin = Admin("HOSTILE-FAULT");
        var refused = await admin.RegAsync("GetStringValue", RawWsMan.HKU, Uninstall + @"\Shield-Esc", "DisplayName");
        Assert.True(refused.IsFault);
        Assert.Equal("w:InternalError", refused.FaultSubcode);
        var plain = await admin.RegAsync("GetStringValue", RawWsMan.HKU, Uninstall + @"\Plain", "DisplayName");
        Assert.Equal(0u, plain.ReturnValue);
        Assert.Equal("Plain App", plain.Out("sValue").Single());
    }

    [Theory]
    [InlineData("HOSTILE-RAW")]
    [InlineData("HOSTILE-REF")]
    public async Task A_key_name_sent_as_a_character_reference_is_found(string host)
    {
        var reply = await Admin(host).RegBytesAsync("GetStringValue", RawWsMan.HKU, Uninstall + @"\Shield&#x1B;Key", "DisplayName");
        var text = Encoding.UTF8.GetString(reply);
        Assert.Contains("<p:ReturnValue>0</p:ReturnValue>", text);
        Assert.Contains("Keyed App", text);
    }

    [Fact]
    public async Task Key_names_are_listed_the_same_way()
    {
        var raw = Encoding.UTF8.GetString(await Admin("HOSTILE-RAW").RegBytesAsync("EnumKey", RawWsMan.HKU, Uninstall));
        var reference = Encoding.UTF8.GetString(await Admin("HOSTILE-REF").RegBytesAsync("EnumKey", RawWsMan.HKU, Uninstall));
        Assert.Contains("Shield\u001bKey", raw);
        Assert.Contains("Shield&#27;Key", reference);
    }
}
