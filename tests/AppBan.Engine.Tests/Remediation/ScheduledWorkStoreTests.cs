using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Remediation;
using AppBan.Engine.Scheduling;
using AppBan.Engine.Tests.Fakes;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>AppBan's records of the tasks it registered, in the host's HKLM\SOFTWARE\AppBan\Scheduled.</summary>
    public class ScheduledWorkStoreTests
    {
        private const string Root = @"HKLM\SOFTWARE\AppBan\Scheduled";
        private const string CapCutUninstaller = @"C:\Users\bob\AppData\Local\CapCut\Apps\uninst.exe";
        private static readonly DateTimeOffset Registered = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);

        private static UserTaskDefinition CapCut(string appIdentity = "CapCut") =>
            new UserTaskDefinition(BobSid, "capcut", appIdentity, "CapCut", CapCutUninstaller, "/S", Registered);

        private static ScheduledWorkRecord Record(string appIdentity = "CapCut") => CapCut(appIdentity).ToRecord("Contoso baseline");

        [Fact]
        public async Task A_record_is_written_as_REG_SZ_values_under_its_work_id()
        {
            var host = new FakeWindowsHost();
            var record = Record();
            await ScheduledWorkStore.WriteAsync(new RegistryClient(host), record, CancellationToken.None);

            var values = host.ValuesOf(Root + @"\5b6d2ea20ec55405a39a5236");
            Assert.Equal(new Dictionary<string, object>
            {
                ["RuleId"] = "capcut",
                ["UserSid"] = BobSid,
                ["AppIdentity"] = "CapCut",
                ["AppName"] = "CapCut",
                ["TaskPath"] = @"\AppBan\",
                ["TaskName"] = "AppBan-5b6d2ea20ec55405a39a5236",
                ["Command"] = CapCutUninstaller,
                ["Arguments"] = "/S",
                ["Registered"] = "2026-12-03T16:00:00Z",
                ["Expires"] = "2027-01-02T16:00:00Z",
                ["Policy"] = "Contoso baseline",
            }, values.ToDictionary(v => v.Key, v => v.Value));
            Assert.False(host.AnyCallWithout64BitView);
        }

        [Fact]
        public async Task Records_read_back_typed_with_their_dates()
        {
            var host = new FakeWindowsHost();
            var registry = new RegistryClient(host);
            await ScheduledWorkStore.WriteAsync(registry, Record(), CancellationToken.None);
            await ScheduledWorkStore.WriteAsync(registry, Record("Discord"), CancellationToken.None);
            var problems = new List<string>();

            var records = await ScheduledWorkStore.ReadAllAsync(registry, problems, CancellationToken.None);

            Assert.Empty(problems);
            Assert.Equal(2, records.Count);
            var capCut = records.Single(r => r.AppIdentity == "CapCut");
            Assert.Equal(("5b6d2ea20ec55405a39a5236", "capcut", BobSid, "CapCut", @"\AppBan\", "AppBan-5b6d2ea20ec55405a39a5236", CapCutUninstaller, "/S", "Contoso baseline"),
                (capCut.WorkId, capCut.RuleId, capCut.UserSid, capCut.AppName, capCut.TaskPath, capCut.TaskName, capCut.Command, capCut.Arguments, capCut.Policy));
            Assert.Equal(Registered, capCut.Registered);
            Assert.Equal(Registered.AddDays(30), capCut.Expires);
            Assert.False(capCut.IsExpired(Registered.AddDays(29)));
            Assert.True(capCut.IsExpired(Registered.AddDays(30)));
        }

        [Fact]
        public async Task No_root_key_means_no_records()
        {
            var problems = new List<string>();
            Assert.Empty(await ScheduledWorkStore.ReadAllAsync(new RegistryClient(new FakeWindowsHost()), problems, CancellationToken.None));
            Assert.Empty(problems);
        }

        [Fact]
        public async Task Malformed_records_are_ignored_and_named_never_followed()
        {
            var host = new FakeWindowsHost();
            var registry = new RegistryClient(host);
            await ScheduledWorkStore.WriteAsync(registry, Record(), CancellationToken.None);
            var good = Record().WorkId;

            // Not a work id: never opened.
            Copy(host, good, "not-a-work-id");
            Copy(host, good, good + ".bak");
            host.Key(Root + @"\..\Runs").String("RuleId", "x");
            // Records of other apps, each broken in one way after AppBan wrote it.
            var broken = new Dictionary<string, Action<string>>
            {
                ["missing Command"] = key => Rewrite(host, key, except: "Command"),
                ["bad date"] = key => host.Key(key).String("Expires", "next month"),
                ["expires before registered"] = key => host.Key(key).String("Expires", "2026-12-01T00:00:00Z"),
                ["SYSTEM"] = key => host.Key(key).String("UserSid", "S-1-5-18"),
                ["another app under this id"] = key => host.Key(key).String("AppIdentity", "Discord"),
                ["another task"] = key => host.Key(key).String("TaskName", "Defender Scan"),
                ["another folder"] = key => host.Key(key).String("TaskPath", @"\Microsoft\Windows\"),
                ["a DWORD date"] = key => host.Key(key).DWord("Registered", 1),
                ["an empty rule id"] = key => host.Key(key).String("RuleId", ""),
            };
            foreach (var breakIt in broken)
            {
                var record = Record(breakIt.Key);
                await ScheduledWorkStore.WriteAsync(registry, record, CancellationToken.None);
                breakIt.Value(Root + "\\" + record.WorkId);
            }

            var problems = new List<string>();
            var records = await ScheduledWorkStore.ReadAllAsync(registry, problems, CancellationToken.None);

            Assert.Equal(new[] { good }, records.Select(r => r.WorkId));
            Assert.Equal(3 + broken.Count, problems.Count);
            Assert.All(problems, p => Assert.Contains("ignored", p));
            Assert.Contains(problems, p => p.Contains("not-a-work-id"));
            Assert.Contains(problems, p => p.Contains("Command is missing"));
            Assert.Contains(problems, p => p.Contains("Registered cannot be read"));
            Assert.Contains(problems, p => p.Contains("not the work id"));
            Assert.Contains(problems, p => p.Contains("a task other than"));
            Assert.Contains(problems, p => p.Contains("RuleId is empty"));
            Assert.Contains(problems, p => p.Contains("not an ISO 8601 date"));
            Assert.Contains(problems, p => p.Contains("expires before"));
            Assert.Contains(problems, p => p.Contains("service account"));
            // Nothing below a key that is not a work id was read.
            Assert.DoesNotContain(host.Log, l => l.Contains("not-a-work-id"));
            Assert.DoesNotContain(host.Log, l => l.Contains(good + ".bak"));
        }

        [Fact]
        public async Task Delete_removes_the_record_and_says_whether_it_was_there()
        {
            var host = new FakeWindowsHost();
            var registry = new RegistryClient(host);
            var record = Record();
            await ScheduledWorkStore.WriteAsync(registry, record, CancellationToken.None);
            await ScheduledWorkStore.WriteAsync(registry, Record("Discord"), CancellationToken.None);

            Assert.True(await ScheduledWorkStore.DeleteAsync(registry, record.WorkId, CancellationToken.None));
            Assert.False(await ScheduledWorkStore.DeleteAsync(registry, record.WorkId, CancellationToken.None));
            Assert.Equal(new[] { Record("Discord").WorkId }, host.SubKeys(Root));
        }

        [Theory]
        [InlineData(@"..\Runs")]
        [InlineData("5B6D2EA20EC55405A39A5236")]
        [InlineData("")]
        public async Task Only_a_work_id_names_a_key_to_write_or_delete(string workId)
        {
            var host = new FakeWindowsHost();
            var registry = new RegistryClient(host);
            var record = Record();
            record.WorkId = workId;
            await Assert.ThrowsAsync<ArgumentException>(() => ScheduledWorkStore.WriteAsync(registry, record, CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => ScheduledWorkStore.DeleteAsync(registry, workId, CancellationToken.None));
            Assert.Empty(host.Calls);
        }

        [Fact]
        public async Task A_denied_store_is_an_access_denied_error()
        {
            var host = new FakeWindowsHost();
            host.Key(Root);
            host.Deny(Root);
            var registry = new RegistryClient(host);
            Assert.Equal(CimErrorKind.AccessDenied, (await Assert.ThrowsAsync<CimException>(() => ScheduledWorkStore.ReadAllAsync(registry, null, CancellationToken.None))).Kind);
            Assert.Equal(CimErrorKind.AccessDenied, (await Assert.ThrowsAsync<CimException>(() => ScheduledWorkStore.WriteAsync(registry, Record(), CancellationToken.None))).Kind);
        }

        /// <summary>The key written again without one value.</summary>
        private static void Rewrite(FakeWindowsHost host, string keyPath, string except)
        {
            var values = host.ValuesOf(keyPath);
            host.DeleteKey(keyPath);
            var key = host.Key(keyPath);
            foreach (var value in values)
                if (value.Key != except) key.String(value.Key, (string)value.Value);
        }

        /// <summary>A copy of a record's values under another key name, as someone other than AppBan might write one.</summary>
        private static void Copy(FakeWindowsHost host, string from, string to, string except = null)
        {
            var key = host.Key(Root + "\\" + to);
            foreach (var value in host.ValuesOf(Root + "\\" + from))
                if (value.Key != except) key.String(value.Key, (string)value.Value);
        }
    }
}
