using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class DeviceExemptionChangesTests
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private const string Root = @"HKLM\SOFTWARE\AppBan\Exemptions";
        private const string AliceSid = "S-1-5-21-1-2-3-1001";

        /// <summary>A host that knows alice (Win32_UserAccount) and nobody else.</summary>
        private static FakeWindowsHost HostWithAlice()
        {
            var s = new FakeWindowsHost("PC-07");
            s.Query = wql => wql.IndexOf("'alice'", StringComparison.OrdinalIgnoreCase) < 0 ? new CimObject[0] : new[] { new CimObject("Win32_UserAccount", new Dictionary<string, CimValue>
            {
                ["SID"] = CimValue.FromString(AliceSid), ["Domain"] = CimValue.FromString("PC-07"), ["Name"] = CimValue.FromString("alice"),
            }) };
            return s;
        }

        private static PendingGrant Grant(string rule, string user) => new PendingGrant(
            new ExemptionRequest { RuleId = rule, User = user, Reason = "Press office", Expires = Clock.UtcNow.AddDays(30) },
            user == null ? null : UserReference.Parse(user), "pc-07", user);

        private static DeviceExemptionChanges On(FakeWindowsHost s) => new DeviceExemptionChanges(s, null, "pc-07.contoso.com", @"CONTOSO\admin", Clock);

        [Fact]
        public async Task Each_grant_is_written_and_recorded_and_a_failed_one_does_not_stop_the_others()
        {
            var s = HostWithAlice();
            var made = new List<ExemptionChange>();
            var failed = new List<ExemptionException>();
            await On(s).GrantEachAsync(new[] { Grant("tiktok-store", @"PC-07\alice"), Grant("capcut", @"PC-07\ghost"), Grant("capcut", null) },
                made.Add, failed.Add);

            Assert.Equal(ExemptionErrorKind.UserNotFound, Assert.Single(failed).Kind);
            Assert.Equal(new[] { "tiktok-store", "capcut" }, made.Select(c => c.RuleId));
            Assert.Equal(made.Select(c => c.Id).OrderBy(i => i, StringComparer.OrdinalIgnoreCase), s.SubKeys(Root).OrderBy(i => i, StringComparer.OrdinalIgnoreCase));
            Assert.Equal(AliceSid, s.ValuesOf(Root + @"\" + made[0].Id)["UserSid"]);
            Assert.False(s.ValuesOf(Root + @"\" + made[1].Id).ContainsKey("UserSid"));
            Assert.All(made, c =>
            {
                Assert.Equal((ExemptionAction.Granted, ExemptionSource.Device, "pc-07.contoso.com", @"CONTOSO\admin", Clock.UtcNow),
                    (c.Action, c.Source, c.Target, c.ChangedBy, c.ChangedOn));
                Assert.Equal("PC-07", c.ComputerName);
            });
        }

        [Fact]
        public async Task A_single_grant_that_fails_throws_and_writes_nothing()
        {
            var s = HostWithAlice();
            var ex = await Assert.ThrowsAsync<ExemptionException>(() => On(s).GrantAsync(Grant("capcut", @"PC-07\ghost")));
            Assert.Equal(ExemptionErrorKind.UserNotFound, ex.Kind);
            Assert.False(s.KeyExists(Root));
        }

        [Fact]
        public async Task Each_revoke_removes_its_exemption_and_one_that_is_not_there_is_reported()
        {
            var s = HostWithAlice();
            var device = On(s);
            var kept = await device.GrantAsync(Grant("capcut", null));
            var gone = await device.GrantAsync(Grant("tiktok-store", @"PC-07\alice"));
            var missing = ExemptionId.New();

            var made = new List<ExemptionChange>();
            var failed = new List<ExemptionException>();
            await device.RevokeEachAsync(new[] { missing, gone.Id }, made.Add, failed.Add);

            Assert.Equal(ExemptionErrorKind.ExemptionNotFound, Assert.Single(failed).Kind);
            var revoked = Assert.Single(made);
            Assert.Equal((ExemptionAction.Revoked, gone.Id, "tiktok-store", AliceSid, "pc-07.contoso.com"),
                (revoked.Action, revoked.Id, revoked.RuleId, revoked.UserSid, revoked.Target));
            Assert.Equal(new[] { kept.Id }, s.SubKeys(Root));
        }
    }
}
