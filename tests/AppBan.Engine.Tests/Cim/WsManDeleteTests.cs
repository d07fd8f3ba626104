using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>WS-Transfer Delete: the envelope the client sends, and how the session reads the reply over HTTP.</summary>
    public class WsManDeleteTests
    {
        private static readonly XNamespace S = "http://www.w3.org/2003/05/soap-envelope";
        private static readonly XNamespace A = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
        private static readonly XNamespace W = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd";
        private const string TaskUri = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/Microsoft/Windows/TaskScheduler/MSFT_ScheduledTask";
        private const string Password = "Pa55-w0rd!";

        private static readonly IReadOnlyDictionary<string, string> TaskKeys = new Dictionary<string, string>
        {
            ["TaskName"] = "AppBan-0123456789abcdef01234567",
            ["TaskPath"] = @"\AppBan\",
        };

        private static WsManHeaderOptions Header() => new WsManHeaderOptions
        {
            To = "http://laptop-01:5985/wsman",
            OperationTimeout = TimeSpan.FromSeconds(30),
            MaxEnvelopeSize = 153600,
            Locale = "en-US",
        };

        [Fact]
        public void Delete_names_the_instance_by_selectors_under_the_transfer_action_with_an_empty_body()
        {
            var resourceUri = WsManNames.ResourceUri(TaskSchedulerClient.NamespaceName, TaskSchedulerClient.TaskClassName);
            var doc = XDocument.Parse(WsManRequest.Delete(resourceUri, "uuid:D1", Header(), TaskKeys));
            var header = doc.Root.Element(S + "Header");

            Assert.Equal(TaskUri, resourceUri);
            Assert.Equal(TaskUri, header.Element(W + "ResourceURI").Value);
            Assert.Equal("http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete", header.Element(A + "Action").Value);
            Assert.Equal("true", (string)header.Element(A + "Action").Attribute(S + "mustUnderstand"));
            Assert.Equal("uuid:D1", header.Element(A + "MessageID").Value);
            Assert.Equal("PT30.000S", header.Element(W + "OperationTimeout").Value);
            Assert.Null(header.Element(W + "OptionSet"));
            var selectors = header.Element(W + "SelectorSet").Elements(W + "Selector").ToDictionary(s => (string)s.Attribute("Name"), s => s.Value);
            Assert.Equal(TaskKeys, selectors);
            var body = doc.Root.Element(S + "Body");
            Assert.NotNull(body);
            Assert.False(body.HasElements);
            Assert.Equal(string.Empty, body.Value);
        }

        [Fact]
        public void Selector_values_are_escaped_and_never_change_the_envelope()
        {
            var keys = new Dictionary<string, string> { ["TaskName"] = "a</w:Selector><w:Selector Name=\"TaskPath\">\\x & y", ["TaskPath"] = @"\AppBan\" };
            var doc = XDocument.Parse(WsManRequest.Delete(TaskUri, "uuid:D2", Header(), keys));
            var selectors = doc.Descendants(W + "Selector").ToList();
            Assert.Equal(2, selectors.Count);
            Assert.Equal(keys["TaskName"], selectors.Single(s => (string)s.Attribute("Name") == "TaskName").Value);
            Assert.Equal(@"\AppBan\", selectors.Single(s => (string)s.Attribute("Name") == "TaskPath").Value);
        }

        [Fact]
        public void Delete_without_selectors_or_with_a_bad_selector_name_is_refused_before_anything_is_sent()
        {
            Assert.Throws<ArgumentException>(() => WsManRequest.Delete(TaskUri, "uuid:D3", Header(), new Dictionary<string, string>()));
            Assert.Throws<ArgumentException>(() => WsManRequest.Delete(TaskUri, "uuid:D4", Header(), null));
            Assert.Throws<ArgumentException>(() => WsManRequest.Delete(TaskUri, "uuid:D5", Header(), new Dictionary<string, string> { ["Task Name"] = "x" }));
        }

        [Fact]
        public async Task The_session_sends_one_delete_and_takes_an_empty_reply_as_done()
        {
            using (var server = new ScriptedWsManServer { Respond = (req, id) => Task.FromResult((200, Envelope("", id))) })
            using (var session = Session(server.ComputerName))
            {
                await ((ICimInstanceDeletion)session).DeleteInstanceAsync(TaskSchedulerClient.NamespaceName, TaskSchedulerClient.TaskClassName, TaskKeys, CimCallOptions.Default);

                var request = Assert.Single(server.Requests);
                Assert.Equal(WsManNames.DeleteAction, Assert.Single(server.Actions));
                Assert.Equal(TaskUri, request.Descendants(W + "ResourceURI").Single().Value);
                Assert.Equal(TaskKeys, request.Descendants(W + "Selector").ToDictionary(s => (string)s.Attribute("Name"), s => s.Value));
            }
        }

        [Fact]
        public async Task A_missing_task_fault_is_a_result_of_the_client_and_other_faults_are_errors()
        {
            var fault = NotFoundFault;
            using (var server = new ScriptedWsManServer { Respond = (req, id) => Task.FromResult((500, fault(id))) })
            using (var session = Session(server.ComputerName))
            {
                var error = await Assert.ThrowsAsync<CimException>(() =>
                    ((ICimInstanceDeletion)session).DeleteInstanceAsync(TaskSchedulerClient.NamespaceName, TaskSchedulerClient.TaskClassName, TaskKeys, CimCallOptions.Default));
                Assert.Equal(0x80070002L, error.NativeCode);
                Assert.Contains("0x80070002", error.Message);
                Assert.True(TaskSchedulerClient.IsTaskNotFound(error));

                var client = new TaskSchedulerClient(session);
                Assert.False(await client.DeleteAsync(@"\AppBan\", TaskKeys["TaskName"]));

                fault = AccessDeniedFault;
                var denied = await Assert.ThrowsAsync<CimException>(() => client.DeleteAsync(@"\AppBan\", TaskKeys["TaskName"]));
                Assert.Equal(CimErrorKind.AccessDenied, denied.Kind);
                Assert.False(TaskSchedulerClient.IsTaskNotFound(denied));
            }
        }

        private static WsManSession Session(string computerName)
        {
            var target = CimTarget.Parse(computerName);
            target.Authentication = CimAuthentication.Basic;
            target.Credential = new NetworkCredential("LAPTOP-01\\admin", Password);
            return new WsManSession(target, new WsManSessionOptions { ClientGrace = TimeSpan.FromMilliseconds(300) });
        }

        private static string Envelope(string body, string relatesTo) =>
            "<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope' xmlns:a='http://schemas.xmlsoap.org/ws/2004/08/addressing' " +
            "xmlns:w='http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'>" +
            "<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse</a:Action><a:RelatesTo>" + relatesTo +
            "</a:RelatesTo></s:Header><s:Body>" + body + "</s:Body></s:Envelope>";

        // What the provider's ERROR_FILE_NOT_FOUND looks like when WinRM wraps it (the HRESULT on the WSManFault).
        private static string NotFoundFault(string relatesTo) => Fault(relatesTo, "s:Receiver", "w:InternalError", "2147942402", "The system cannot find the file specified.");

        private static string AccessDeniedFault(string relatesTo) => Fault(relatesTo, "s:Sender", "w:AccessDenied", "5", "Access is denied.");

        private static string Fault(string relatesTo, string code, string subcode, string wsmanCode, string message) =>
            "<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope' xmlns:a='http://schemas.xmlsoap.org/ws/2004/08/addressing' " +
            "xmlns:w='http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'>" +
            "<s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:RelatesTo>" + relatesTo + "</a:RelatesTo></s:Header>" +
            "<s:Body><s:Fault><s:Code><s:Value>" + code + "</s:Value><s:Subcode><s:Value>" + subcode + "</s:Value></s:Subcode></s:Code>" +
            "<s:Reason><s:Text xml:lang='en-US'>" + message + "</s:Text></s:Reason><s:Detail>" +
            "<f:WSManFault xmlns:f='http://schemas.microsoft.com/wbem/wsman/1/wsmanfault' Code='" + wsmanCode + "' Machine='laptop-01'>" +
            "<f:Message>" + message + "</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>";
    }
}
