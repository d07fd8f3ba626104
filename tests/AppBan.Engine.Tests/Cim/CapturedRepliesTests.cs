using System;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>The parser against real WinRM traffic kept outside the repository (../shared/fixtures/wsman-captured).</summary>
    public class CapturedRepliesTests
    {
        private static WsManResponse Parse(string name) => WsManParser.Parse(File.ReadAllText(CapturedReplies.SharedPath(name)));

        [CapturedRepliesFact]
        public void Every_capture_parses_as_an_envelope_and_every_reply_is_understood()
        {
            var files = Directory.GetFiles(CapturedReplies.SharedDirectory, "*.xml");
            Assert.True(files.Length >= 13, "expected the 13 captures, found " + files.Length);
            foreach (var file in files)
            {
                var r = WsManParser.Parse(File.ReadAllText(file));
                Assert.False(string.IsNullOrEmpty(r.Action), Path.GetFileName(file) + " has no Action");
                if (r.Fault != null) { Assert.NotNull(r.Fault.Code); continue; }
                var first = r.Body.Elements().First().Name;
                if (first.LocalName == "EnumerateResponse" || first.LocalName == "PullResponse")
                    Assert.NotNull(WsManDocumentOracle.ParseEnumerationPage(r.Body, "Win32_Process"));
                else if (first.LocalName.EndsWith("_OUTPUT", StringComparison.Ordinal))
                    Assert.NotNull(WsManDocumentOracle.ParseMethodOutput(r.Body, first.LocalName.Substring(0, first.LocalName.Length - 7)));
                else
                    Assert.Contains(first.LocalName, new[] { "Enumerate", "Pull" }); // the two request templates
            }
        }

        [CapturedRepliesFact]
        public void Enumerate_then_two_pulls_of_Win32_Process()
        {
            var first = WsManDocumentOracle.ParseEnumerationPage(Parse("txwinrm-server_2012-Win32_Process_star_000.xml").Body, "ignored");
            Assert.Equal("uuid:92A308CD-D945-48E9-92F1-E81967952B61", first.Context);
            Assert.False(first.EndOfSequence);
            var idle = first.Items.Single();
            Assert.Equal("Win32_Process", idle.ClassName);
            Assert.Equal("System Idle Process", idle["Name"].AsString());
            Assert.Equal(0u, idle["ProcessId"].AsUInt32());
            Assert.True(idle["CommandLine"].IsNull);
            Assert.Equal(137507861455ul, idle["KernelModeTime"].AsUInt64());

            var second = WsManDocumentOracle.ParseEnumerationPage(Parse("txwinrm-server_2012-Win32_Process_star_001.xml").Body, null);
            Assert.Equal("uuid:13276C2F-5658-4CA8-96A2-EA3204983BE4", second.Context);
            Assert.Equal(32, second.Items.Count);
            Assert.All(second.Items, i => Assert.Equal("Win32_Process", i.ClassName));
            Assert.Equal("XenDpriv.exe", second.Items.Last()["Name"].AsString());
            Assert.Equal(2276u, second.Items.Last()["ProcessId"].AsUInt32());

            var last = WsManDocumentOracle.ParseEnumerationPage(Parse("txwinrm-server_2012-Win32_Process_star_002.xml").Body, null);
            Assert.True(last.EndOfSequence);
            Assert.Null(last.Context);
            Assert.Equal(13, last.Items.Count);
            Assert.Equal("explorer.exe", last.Items.Last()["Name"].AsString());
        }

        [CapturedRepliesFact]
        public void An_explicit_property_list_comes_back_as_XmlFragment()
        {
            var page = WsManDocumentOracle.ParseEnumerationPage(Parse("txwinrm-server_2012-Win32_Process_all_000.xml").Body, "Win32_Process");
            var item = page.Items.Single();
            Assert.Equal("Win32_Process", item.ClassName);
            Assert.Equal("System Idle Process", item["Caption"].AsString());
            Assert.True(item["ExecutablePath"].IsNull);
            Assert.Equal(65536ul, item["VirtualSize"].AsUInt64());
        }

        [CapturedRepliesFact]
        public void Operating_system_nils_and_datetimes()
        {
            var page = WsManDocumentOracle.ParseEnumerationPage(Parse("txwinrm-server_2012-Win32_OperatingSystem_star_000.xml").Body, null);
            Assert.True(page.EndOfSequence);
            var os = page.Items.Single();
            Assert.Equal("Microsoft Windows Server 2012 Standard", os["Caption"].AsString());
            Assert.Equal("6.2.9200", os["Version"].AsString());
            Assert.Equal("9200", os["BuildNumber"].AsString());
            Assert.True(os["CSDVersion"].IsNull);
            Assert.Equal("", os["Description"].AsString());
            Assert.Equal(new DateTime(2013, 3, 9, 2, 57, 32, DateTimeKind.Utc), os["InstallDate"].AsDateTime());
            Assert.Equal(new DateTime(2013, 4, 15, 16, 28, 43, DateTimeKind.Utc).AddTicks(4881710), os["LastBootUpTime"].AsDateTime());
            Assert.Equal(true, os["Primary"].AsBoolean());
        }

        [CapturedRepliesFact]
        public void Server_2008_service_item()
        {
            var page = WsManDocumentOracle.ParseEnumerationPage(Parse("txwinrm-server_2008-Win32_Service_star_000.xml").Body, null);
            var svc = page.Items.Single();
            Assert.Equal("Win32_Service", svc.ClassName);
            Assert.Equal("AeLookupSvc", svc["Name"].AsString());
            Assert.Equal(false, svc["Started"].AsBoolean());
            Assert.True(svc["InstallDate"].IsNull);
        }

        [CapturedRepliesFact]
        public void StdRegProv_EnumKey_output()
        {
            var r = WsManDocumentOracle.ParseMethodOutput(Parse("openwsman-EnumKey-response.xml").Body, "EnumKey");
            Assert.Equal(0u, r.ReturnValue);
            var names = r.OutParameters["sNames"].AsStringArray();
            Assert.Equal(26, names.Count);
            Assert.Equal("AddressBook", names[0]);
            Assert.Contains("Mozilla Firefox 9.0.1 (x86 en-US)", names);
            Assert.Equal("{F8FBDC28-C265-4F0D-8B91-6E92913E19F6}", names[25]);
        }

        [CapturedRepliesFact]
        public void Real_faults_map_to_their_kinds()
        {
            var quota = WsManFaultMapper.ToException(Parse("txwinrm-data_error-max_concurrent.xml").Fault, "h");
            Assert.Equal(CimErrorKind.QuotaExceeded, quota.Kind);
            Assert.Equal(2150859174L, quota.NativeCode);
            Assert.Equal("w:InternalError", quota.Detail);

            foreach (var name in new[] { "winrm-gem-soap_fault_v1.xml", "winrm-gem-soap_fault_v2.xml" })
            {
                var fault = Parse(name).Fault;
                Assert.Equal("n:CannotProcessFilter", fault.Subcode);
                Assert.Equal(2150858778L, fault.WsManCode);
                Assert.Equal("The specified class does not exist in the given namespace.", fault.ProviderMessage);
                Assert.Equal(CimErrorKind.InvalidClass, WsManFaultMapper.KindOf(fault));
            }

            var wmi = Parse("winrm-gem-wmi_error_v2.xml").Fault;
            Assert.Equal(27, wmi.CimStatusCode);
            Assert.Equal(2150859173L, wmi.WmiErrorCode);
            Assert.Equal("HRESULT 0x803381a5", wmi.WmiMessageId);
            Assert.Equal(CimErrorKind.QuotaExceeded, WsManFaultMapper.KindOf(wmi));
            Assert.StartsWith("The WS-Management service cannot process the request. This user is allowed a maximum number of 30", wmi.BestMessage);
        }

        [CapturedRepliesFact]
        public void Our_requests_carry_every_element_of_the_accepted_request_templates()
        {
            var header = new WsManHeaderOptions { To = "http://h:5985/wsman" };
            var ours = new[]
            {
                (Template: "txwinrm-request-enumerate.xml", Ours: WsManRequest.Enumerate("r", "uuid:1", header, "SELECT * FROM Win32_Process", 32000)),
                (Template: "txwinrm-request-pull.xml", Ours: WsManRequest.Pull("r", "uuid:1", header, "uuid:ctx", 32000)),
            };
            foreach (var pair in ours)
            {
                var template = XDocument.Load(Path.Combine(CapturedReplies.SharedDirectory, pair.Template));
                var mine = XDocument.Parse(pair.Ours);
                var names = mine.Descendants().Select(e => e.Name).ToHashSet();
                foreach (var e in template.Descendants())
                    Assert.True(names.Contains(e.Name), pair.Template + ": our request lacks " + e.Name);
            }
        }
    }
}
