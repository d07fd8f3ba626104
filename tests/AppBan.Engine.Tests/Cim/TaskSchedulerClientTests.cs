using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.Mi;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>TaskSchedulerClient against the in-memory host: what it sends, and what the host holds afterwards.</summary>
    public class TaskSchedulerClientTests
    {
        private const string Folder = @"\AppBan\";
        private const string Name = "AppBan-0123456789abcdef01234567";
        private const string Xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"/>";

        [Fact]
        public async Task Register_calls_RegisterByXml_with_the_xml_folder_name_and_Force_and_the_host_holds_the_task()
        {
            var host = new FakeWindowsHost { Account = @"PC-01\admin" };
            await new TaskSchedulerClient(host).RegisterByXmlAsync(Folder, Name, Xml);

            var call = Assert.Single(host.Calls);
            Assert.Equal("PS_ScheduledTask", call.ClassName);
            Assert.Equal("RegisterByXml", call.Method);
            var args = call.Parameters.ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(Xml, args["Xml"].AsString());
            Assert.Equal(Folder, args["TaskPath"].AsString());
            Assert.Equal(Name, args["TaskName"].AsString());
            Assert.Equal(CimType.Boolean, args["Force"].Type);
            Assert.True(args["Force"].AsBoolean());

            var task = Assert.Single(host.ScheduledTasks);
            Assert.Equal((Folder, Name, Xml, @"PC-01\admin"), (task.Path, task.Name, task.Xml, task.RegisteredBy));
        }

        [Fact]
        public async Task Registering_again_replaces_the_task()
        {
            var host = new FakeWindowsHost();
            var client = new TaskSchedulerClient(host);
            await client.RegisterByXmlAsync(Folder, Name, Xml);
            var second = Xml.Replace("/>", "><RegistrationInfo/></Task>");
            await client.RegisterByXmlAsync(Folder, Name, second);

            Assert.Equal(second, Assert.Single(host.ScheduledTasks).Xml);
        }

        [Fact]
        public async Task Export_reads_the_registered_xml_back_and_null_says_there_is_no_such_task()
        {
            var host = new FakeWindowsHost();
            host.AddScheduledTask(Folder, Name, Xml);
            var client = new TaskSchedulerClient(host);

            Assert.Equal(Xml, await client.ExportAsync(Folder, Name));
            Assert.Null(await client.ExportAsync(Folder, "AppBan-ffffffffffffffffffffffff"));
            var export = host.Calls.First();
            Assert.Equal(("PS_ScheduledTask", "ExportByName"), (export.ClassName, export.Method));
            Assert.Equal(new[] { ("TaskName", Name), ("TaskPath", Folder) }, export.Parameters.Select(p => (p.Name, p.Value.AsString())));
        }

        [Fact]
        public async Task Delete_deletes_the_instance_by_name_and_folder_and_false_says_there_was_none()
        {
            var host = new FakeWindowsHost();
            host.AddScheduledTask(Folder, Name, Xml);
            host.AddScheduledTask(Folder, "Other", Xml);
            var client = new TaskSchedulerClient(host);

            Assert.True(await client.DeleteAsync(Folder, Name));
            Assert.False(await client.DeleteAsync(Folder, Name));

            Assert.Equal(new[] { "Other" }, host.ScheduledTasks.Select(t => t.Name));
            Assert.All(host.Calls, c => Assert.Equal(("MSFT_ScheduledTask", "DeleteInstance"), (c.ClassName, c.Method)));
            Assert.Equal(new[] { ("TaskName", Name), ("TaskPath", Folder) }, host.Calls[0].Parameters.Select(p => (p.Name, p.Value.AsString())).OrderBy(p => p.Name));
        }

        [Fact]
        public async Task Failures_other_than_a_missing_task_are_CIM_errors()
        {
            var host = new FakeWindowsHost { ThrowFor = c => new CimException(CimErrorKind.AccessDenied, "PC-01", "PC-01: Access is denied. (0x80070005)", 0x80070005) };
            host.AddScheduledTask(Folder, Name, Xml);
            var client = new TaskSchedulerClient(host);

            Assert.Equal(CimErrorKind.AccessDenied, (await Assert.ThrowsAsync<CimException>(() => client.RegisterByXmlAsync(Folder, Name, Xml))).Kind);
            Assert.Equal(CimErrorKind.AccessDenied, (await Assert.ThrowsAsync<CimException>(() => client.ExportAsync(Folder, Name))).Kind);
            Assert.Equal(CimErrorKind.AccessDenied, (await Assert.ThrowsAsync<CimException>(() => client.DeleteAsync(Folder, Name))).Kind);
            Assert.Equal(Xml, host.ScheduledTask(Folder, Name).Xml);
        }

        [Fact]
        public async Task Malformed_xml_is_refused_by_the_host_and_reported_not_swallowed()
        {
            var host = new FakeWindowsHost();
            var error = await Assert.ThrowsAsync<CimException>(() => new TaskSchedulerClient(host).RegisterByXmlAsync(Folder, Name, "<Task"));
            Assert.Contains("0x8004131A", error.Message);
            Assert.False(TaskSchedulerClient.IsTaskNotFound(error));
            Assert.Empty(host.ScheduledTasks);
        }

        [Fact]
        public async Task A_non_zero_ReturnValue_is_an_error_with_its_code()
        {
            var host = new FakeWindowsHost { ReturnValueFor = c => 0x80070005 };
            var error = await Assert.ThrowsAsync<CimException>(() => new TaskSchedulerClient(host).RegisterByXmlAsync(Folder, Name, Xml));
            Assert.Equal(CimErrorKind.AccessDenied, error.Kind);
            Assert.Equal(0x80070005L, error.NativeCode);
            Assert.Contains(@"\AppBan\AppBan-0123456789abcdef01234567", error.Message);
        }

        [Fact]
        public async Task Export_without_xml_in_its_answer_is_a_protocol_error()
        {
            var session = new ScriptedReplySession { Answer = (_, __) => ScriptedReplySession.Result(0) };
            var error = await Assert.ThrowsAsync<CimException>(() => new TaskSchedulerClient(session).ExportAsync(Folder, Name));
            Assert.Equal(CimErrorKind.ProtocolError, error.Kind);
        }

        [Fact]
        public async Task Each_call_carries_its_cancellation_token()
        {
            var host = new FakeWindowsHost { HoldUntilCancelled = c => c.Method == "DeleteInstance" };
            host.AddScheduledTask(Folder, Name, Xml);
            using (var cts = new CancellationTokenSource())
            {
                var delete = new TaskSchedulerClient(host).DeleteAsync(Folder, Name, cts.Token);
                Assert.True(host.Held.Wait(TimeSpan.FromSeconds(10)));
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delete);
            }
            Assert.True(host.SawCancellation);
            Assert.NotNull(host.ScheduledTask(Folder, Name));
        }

        [Fact]
        public async Task A_session_that_cannot_delete_instances_says_so()
        {
            var session = new ScriptedReplySession { Answer = (_, __) => ScriptedReplySession.Result(0) };
            var error = await Assert.ThrowsAsync<CimException>(() => new TaskSchedulerClient(session).DeleteAsync(Folder, Name));
            Assert.Equal(CimErrorKind.NotSupported, error.Kind);
        }

        [Fact]
        public void Both_transports_can_delete_instances()
        {
            Assert.True(typeof(ICimInstanceDeletion).IsAssignableFrom(typeof(WsManSession)));
            Assert.True(typeof(ICimInstanceDeletion).IsAssignableFrom(typeof(MiSession)));
        }

        [Theory]
        [InlineData("AppBan", Name)]
        [InlineData(@"\AppBan", Name)]
        [InlineData(@"\\AppBan\", Name)]
        [InlineData(Folder, @"x\y")]
        [InlineData(Folder, "")]
        public async Task Folder_and_name_must_be_well_formed(string folder, string name)
        {
            var host = new FakeWindowsHost();
            await Assert.ThrowsAsync<ArgumentException>(() => new TaskSchedulerClient(host).DeleteAsync(folder, name));
            await Assert.ThrowsAsync<ArgumentException>(() => new TaskSchedulerClient(host).RegisterByXmlAsync(folder, name, Xml));
            Assert.Empty(host.Calls);
        }

        [Theory]
        [InlineData(CimErrorKind.NotFound, null, "PC-01: Not found", true)]
        [InlineData(CimErrorKind.ProviderFailure, 0x80070002L, "PC-01: The system cannot find the file specified.", true)]
        [InlineData(CimErrorKind.ProviderFailure, null, "PC-01: The system cannot find the file specified. (0x80070002)", true)]
        [InlineData(CimErrorKind.ProviderFailure, 0x80070005L, "PC-01: Access is denied. (0x80070005)", false)]
        [InlineData(CimErrorKind.InvalidClass, null, "PC-01: Invalid class", false)]
        public void Not_found_is_the_kind_or_0x80070002(CimErrorKind kind, long? code, string message, bool notFound)
        {
            Assert.Equal(notFound, TaskSchedulerClient.IsTaskNotFound(new CimException(kind, "PC-01", message, code)));
        }
    }
}
