using System.Xml.Linq;
using Xunit;

namespace AppBan.Simulator.Tests;

/// <summary>Win32_LogicalFileSecuritySetting.GetSecurityDescriptor: Windows' default DACLs, inheritance and overrides.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class FileSecurityTests : IAsyncLifetime
{
    private const string Host = "FILESEC-01";
    private const string Users = "S-1-5-32-545";
    private readonly SimulatorFixture fixture;
    private readonly RawWsMan admin;

    public FileSecurityTests(SimulatorFixture fixture)
    {
        this.fixture = fixture;
        admin = fixture.Admin(Host);
    }

    public Task InitializeAsync() => fixture.Simulator.ResetAsync(Host);
    public Task DisposeAsync() { admin.Dispose(); return Task.CompletedTask; }

    private Task<SoapReply> GetAsync(string path) =>
        admin.InvokeAsync("root/cimv2", "Win32_LogicalFileSecuritySetting", "GetSecurityDescriptor", [],
            "<w:SelectorSet><w:Selector Name=\"Path\">" + System.Security.SecurityElement.Escape(path) + "</w:Selector></w:SelectorSet>");

    private static XElement Descriptor(SoapReply reply)
    {
        Assert.False(reply.IsFault, reply.Text);
        Assert.Equal(0u, reply.ReturnValue);
        return reply.BodyElement.Elements().Single(e => e.Name.LocalName == "Descriptor");
    }

    private static string Child(XElement e, string name) => e.Elements().Single(c => c.Name.LocalName == name).Value;

    private static List<(string Sid, uint Mask, uint Flags, uint Type)> Dacl(XElement descriptor) =>
        descriptor.Elements().Where(e => e.Name.LocalName == "DACL").Select(a => (
            Child(a.Elements().Single(t => t.Name.LocalName == "Trustee"), "SIDString"),
            uint.Parse(Child(a, "AccessMask")), uint.Parse(Child(a, "AceFlags")), uint.Parse(Child(a, "AceType")))).ToList();

    [Fact]
    public async Task ProgramData_lets_Users_create_folders_and_files_as_on_a_default_Windows()
    {
        var d = Descriptor(await GetAsync(@"C:\ProgramData"));
        Assert.Equal("S-1-5-18", Child(d.Elements().Single(e => e.Name.LocalName == "Owner"), "SIDString"));
        Assert.Contains((Users, 0x116u, 0x2u, 0u), Dacl(d));
    }

    [Fact]
    public async Task A_folder_under_ProgramData_inherits_the_Users_write_grant_and_its_files_do_not()
    {
        var folder = Dacl(Descriptor(await GetAsync(@"C:\ProgramData\Vendor")));
        Assert.Contains((Users, 0x116u, 0x12u, 0u), folder);
        var file = Dacl(Descriptor(await GetAsync(@"C:\ProgramData\Vendor\uninstall.exe")));
        Assert.DoesNotContain(file, a => a.Sid == Users && (a.Mask & 0x6) != 0);
        Assert.Contains(file, a => a.Sid == Users && a.Mask == 0x1200A9 && a.Flags == 0x10);
    }

    [Fact]
    public async Task Under_Program_Files_Users_may_only_read_and_generic_rights_stay_inherit_only()
    {
        var file = Dacl(Descriptor(await GetAsync(@"C:\Program Files\Vendor\uninstall.exe")));
        Assert.DoesNotContain(file, a => a.Sid == Users && (a.Mask & 0x500D0006) != 0);
        Assert.DoesNotContain(file, a => (a.Mask & 0xF0000000) != 0 && (a.Flags & 0x8) == 0);
        var folder = Dacl(Descriptor(await GetAsync(@"C:\Program Files\Vendor")));
        Assert.Contains(folder, a => a.Sid == "S-1-3-0" && (a.Flags & 0x8) != 0);
        Assert.DoesNotContain(folder, a => a.Sid == "S-1-3-0" && (a.Flags & 0x8) == 0);
    }

    [Fact]
    public async Task A_protected_folder_and_a_programs_own_entries_replace_and_extend_the_defaults()
    {
        var locked = Dacl(Descriptor(await GetAsync(@"C:\ProgramData\Locked")));
        Assert.Equal(3, locked.Count);
        Assert.All(locked, a => Assert.Equal(0x3u, a.Flags));
        var program = Descriptor(await GetAsync(@"C:\ProgramData\Locked\app\uninstall.exe"));
        Assert.Equal("S-1-5-18", Child(program.Elements().Single(e => e.Name.LocalName == "Owner"), "SIDString"));
        Assert.Contains(("S-1-5-21-1-2-3-1001", 0x10000u, 0u, 0u), Dacl(program));
    }

    [Fact]
    public async Task A_missing_path_has_no_instance()
    {
        var reply = await GetAsync(@"C:\ProgramData\Nothing\here.exe");
        Assert.True(reply.IsFault);
        Assert.Equal("a:DestinationUnreachable", reply.FaultSubcode);
    }
}
