using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class DeviceExemptionStoreWriteTests
    {
        private const string Root = @"HKLM\SOFTWARE\AppBan\Exemptions";

        private static Exemption Full(string id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301") => new Exemption
        {
            Id = id,
            RuleId = "tiktok-store",
            UserSid = "S-1-5-21-1004336348-1177238915-682003330-1001",
            UserName = @"CONTOSO\alice",
            ComputerName = "PC-01",
            Reason = "Press office account",
            ApprovedBy = "CISO",
            GrantedOn = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero),
            Expires = new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero),
            NotBefore = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(1)),
        };

        [Fact]
        public async Task Write_creates_the_key_with_every_value_and_reads_back_equal()
        {
            var s = new FakeWindowsHost();
            var registry = new RegistryClient(s);
            var e = Full();
            await DeviceExemptionStore.WriteAsync(registry, "PC-01", e, CancellationToken.None);

            var values = s.ValuesOf(Root + @"\" + e.Id);
            Assert.NotNull(values);
            Assert.Equal("tiktok-store", values["RuleId"]);
            Assert.Equal("S-1-5-21-1004336348-1177238915-682003330-1001", values["UserSid"]);
            Assert.Equal(@"CONTOSO\alice", values["UserName"]);
            Assert.Equal("PC-01", values["ComputerName"]);
            Assert.Equal("Press office account", values["Reason"]);
            Assert.Equal("CISO", values["ApprovedBy"]);
            Assert.Equal(e.GrantedOn.Value, DateTimeOffset.Parse((string)values["GrantedOn"]));
            Assert.Equal(e.Expires.Value, DateTimeOffset.Parse((string)values["Expires"]));
            Assert.Equal(new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero), DateTimeOffset.Parse((string)values["NotBefore"]));
            Assert.Equal(9, values.Count);
            Assert.Equal(ExemptionSource.Device, e.Source);
            Assert.Equal(Root + @"\" + e.Id, e.Location);

            var problems = new List<string>();
            var read = Assert.Single(await DeviceExemptionStore.ReadAllAsync(registry, "PC-01", problems, CancellationToken.None));
            Assert.Empty(problems);
            Assert.Equal(e.Id, read.Id);
            Assert.Equal(e.RuleId, read.RuleId);
            Assert.Equal(e.UserSid, read.UserSid);
            Assert.Equal(e.UserName, read.UserName);
            Assert.Equal(e.Reason, read.Reason);
            Assert.Equal(e.ApprovedBy, read.ApprovedBy);
            Assert.Equal(e.GrantedOn, read.GrantedOn);
            Assert.Equal(e.Expires, read.Expires);
            Assert.Equal(e.NotBefore, read.NotBefore);
        }

        [Fact]
        public async Task Unset_fields_leave_their_values_absent()
        {
            var s = new FakeWindowsHost();
            var e = new Exemption { Id = ExemptionId.New(), RuleId = "*", Reason = "Lab machine", ComputerName = "PC-01" };
            await DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", e, CancellationToken.None);
            var values = s.ValuesOf(Root + @"\" + e.Id);
            Assert.Equal(new[] { "ComputerName", "Reason", "RuleId" }, values.Keys.OrderBy(k => k).ToArray());
        }

        [Fact]
        public async Task A_failed_value_write_removes_the_half_written_key_and_reports_the_failure()
        {
            var s = new FakeWindowsHost();
            s.SetValue(Root + @"\aaaaaaaa-0000-0000-0000-000000000001", "RuleId", "other");
            s.ReturnValueFor = c => c.Method == "SetStringValue" && c.ValueName == "Reason" ? 5u : (uint?)null;
            var e = Full();

            var ex = await Assert.ThrowsAsync<CimException>(() => DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", e, CancellationToken.None));
            Assert.Equal(CimErrorKind.AccessDenied, ex.Kind);
            Assert.Contains("PC-01", ex.Message);
            Assert.False(s.KeyExists(Root + @"\" + e.Id));
            Assert.Contains("SetStringValue HKLM\\SOFTWARE\\AppBan\\Exemptions\\" + e.Id + " :RuleId", s.Log);
            Assert.Equal("other", s.ValuesOf(Root + @"\aaaaaaaa-0000-0000-0000-000000000001")["RuleId"]);
        }

        [Fact]
        public async Task A_transport_failure_part_way_also_removes_the_key()
        {
            var s = new FakeWindowsHost();
            var sets = 0;
            s.ThrowFor = c => c.Method == "SetStringValue" && ++sets == 3 ? new CimException(CimErrorKind.Timeout, "PC-01", "timed out") : null;
            var e = Full();
            var ex = await Assert.ThrowsAsync<CimException>(() => DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", e, CancellationToken.None));
            Assert.Equal(CimErrorKind.Timeout, ex.Kind);
            Assert.False(s.KeyExists(Root + @"\" + e.Id));
        }

        [Fact]
        public async Task When_the_cleanup_fails_too_the_error_says_the_key_must_be_deleted_by_hand()
        {
            var s = new FakeWindowsHost();
            s.ReturnValueFor = c => c.Method == "SetStringValue" || c.Method == "DeleteKey" ? 5u : (uint?)null;
            var e = Full();
            var ex = await Assert.ThrowsAsync<ExemptionException>(() => DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", e, CancellationToken.None));
            Assert.Equal(ExemptionErrorKind.WriteFailed, ex.Kind);
            Assert.Contains("by hand", ex.Message);
            Assert.IsType<CimException>(ex.InnerException);
        }

        [Fact]
        public async Task A_failed_CreateKey_writes_nothing()
        {
            var s = new FakeWindowsHost();
            s.ReturnValueFor = c => c.Method == "CreateKey" ? 5u : (uint?)null;
            var ex = await Assert.ThrowsAsync<CimException>(() => DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", Full(), CancellationToken.None));
            Assert.Equal(CimErrorKind.AccessDenied, ex.Kind);
            Assert.DoesNotContain(s.Log, c => c.StartsWith("SetStringValue"));
            Assert.False(s.KeyExists(Root));
        }

        [Fact]
        public async Task An_existing_id_is_never_overwritten()
        {
            var s = new FakeWindowsHost();
            var id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
            s.SetValue(Root + @"\" + id.Replace("-", ""), "Reason", "original");
            var ex = await Assert.ThrowsAsync<ExemptionException>(() => DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", Full(id), CancellationToken.None));
            Assert.Equal(ExemptionErrorKind.ExemptionExists, ex.Kind);
            Assert.Equal("original", s.ValuesOf(Root + @"\" + id.Replace("-", ""))["Reason"]);
            Assert.False(s.KeyExists(Root + @"\" + id));
        }

        [Theory]
        [InlineData(@"..\..\Microsoft")]
        [InlineData("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}")]
        [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301\\x")]
        [InlineData("")]
        public async Task An_id_that_is_not_a_guid_is_refused_before_any_call(string id)
        {
            var s = new FakeWindowsHost();
            await Assert.ThrowsAsync<ArgumentException>(() => DeviceExemptionStore.WriteAsync(new RegistryClient(s), "PC-01", Full(id), CancellationToken.None));
            await Assert.ThrowsAsync<ArgumentException>(() => DeviceExemptionStore.DeleteAsync(new RegistryClient(s), "PC-01", id, CancellationToken.None));
            Assert.Empty(s.Calls);
        }

        [Fact]
        public async Task Delete_finds_the_key_in_either_guid_format_and_returns_what_it_removed()
        {
            var s = new FakeWindowsHost();
            var registry = new RegistryClient(s);
            var e = Full();
            var other = Full("aaaaaaaa-0000-0000-0000-000000000001");
            await DeviceExemptionStore.WriteAsync(registry, "PC-01", e, CancellationToken.None);
            await DeviceExemptionStore.WriteAsync(registry, "PC-01", other, CancellationToken.None);

            var removed = await DeviceExemptionStore.DeleteAsync(registry, "PC-01", e.Id.Replace("-", "").ToUpperInvariant(), CancellationToken.None);
            Assert.NotNull(removed);
            Assert.Equal(e.Id, removed.Id);
            Assert.Equal("Press office account", removed.Reason);
            Assert.False(s.KeyExists(Root + @"\" + e.Id));
            Assert.True(s.KeyExists(Root + @"\" + other.Id));

            Assert.Null(await DeviceExemptionStore.DeleteAsync(registry, "PC-01", e.Id, CancellationToken.None));
        }

        [Fact]
        public async Task Delete_removes_an_entry_too_damaged_to_read()
        {
            var s = new FakeWindowsHost();
            var id = ExemptionId.New();
            s.SetValue(Root + @"\" + id, "RuleId", "tiktok-store");
            s.SetValue(Root + @"\" + id, "Expires", "not a date");
            var removed = await DeviceExemptionStore.DeleteAsync(new RegistryClient(s), "PC-01", id, CancellationToken.None);
            Assert.Equal(id, removed.Id);
            Assert.False(s.KeyExists(Root + @"\" + id));
        }

        [Fact]
        public async Task The_reader_ignores_and_names_keys_that_are_not_exemption_ids()
        {
            var s = new FakeWindowsHost();
            s.SetValue(Root + @"\not-an-id", "RuleId", "tiktok-store");
            s.SetValue(Root + @"\not-an-id", "Reason", "planted");
            var problems = new List<string>();
            var all = await DeviceExemptionStore.ReadAllAsync(new RegistryClient(s), "PC-01", problems, CancellationToken.None);
            Assert.Empty(all);
            Assert.Contains(problems, p => p.Contains("not-an-id") && p.Contains("PC-01"));
            Assert.DoesNotContain(s.Log, c => c.StartsWith("GetStringValue") && c.Contains("not-an-id"));
        }
    
        [Fact]
        public async Task A_device_exemption_covers_the_device_it_is_read_from_whatever_name_it_was_granted_by()
        {
            var s = new FakeWindowsHost("10.0.0.5");
            var registry = new RegistryClient(s);
            var e = Full();
            await DeviceExemptionStore.WriteAsync(registry, "pc-01.contoso.com", e, CancellationToken.None);
            Assert.Equal("PC-01", s.ValuesOf(Root + @"\" + e.Id)["ComputerName"]);
            var read = Assert.Single(await DeviceExemptionStore.ReadAllAsync(registry, "localhost", new List<string>(), CancellationToken.None));
            Assert.Equal("localhost", read.ComputerName);
        }
    
        [Fact]
        public async Task An_expiry_of_the_wrong_type_is_not_read_as_never_expiring()
        {
            var s = new FakeWindowsHost();
            var id = ExemptionId.New();
            s.SetValue(Root + @"\" + id, "RuleId", "tiktok-store");
            s.SetValue(Root + @"\" + id, "Reason", "x");
            s.Key(Root + @"\" + id).DWord("Expires", 20250101);
            var problems = new List<string>();
            Assert.Empty(await DeviceExemptionStore.ReadAllAsync(new RegistryClient(s), "PC-01", problems, CancellationToken.None));
            Assert.Contains(problems, p => p.Contains("Expires") && p.Contains("TypeMismatch") && p.Contains("PC-01"));
        }

        [Fact]
        public async Task A_user_sid_that_is_not_a_sid_is_ignored_with_a_problem()
        {
            var s = new FakeWindowsHost();
            var id = ExemptionId.New();
            s.SetValue(Root + @"\" + id, "RuleId", "tiktok-store");
            s.SetValue(Root + @"\" + id, "Reason", "x");
            s.SetValue(Root + @"\" + id, "UserSid", "alice");
            var problems = new List<string>();
            Assert.Empty(await DeviceExemptionStore.ReadAllAsync(new RegistryClient(s), "PC-01", problems, CancellationToken.None));
            Assert.Contains(problems, p => p.Contains("UserSid") && p.Contains("alice"));
        }
    }
}
