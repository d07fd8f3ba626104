using System;
using System.IO;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public sealed class PolicyExemptionChangesTests : IDisposable
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private readonly string dir = Path.Combine(Path.GetTempPath(), "appban-pec-" + Guid.NewGuid().ToString("N"));
        private readonly string path;

        private const string Policy = @"{
    ""schemaVersion"": 1,
    ""name"": ""Contoso ban"",
    ""rules"": [ { ""id"": ""tiktok-store"", ""displayName"": ""TikTok"", ""matchers"": [ { ""packageFamilyName"": ""BytedancePte.Ltd.TikTok_6yccndn6064se"" } ] } ]
}
";

        public PolicyExemptionChangesTests()
        {
            Directory.CreateDirectory(dir);
            path = Path.Combine(dir, "policy.json");
            File.WriteAllText(path, Policy);
        }

        public void Dispose() { try { Directory.Delete(dir, true); } catch (IOException) { } }

        private PolicyExemptionChanges Changes() => new PolicyExemptionChanges(path, @"CONTOSO\admin", Clock);

        private static PendingGrant Grant(string user, string computer) => new PendingGrant(
            new ExemptionRequest { RuleId = "tiktok-store", User = user, Computer = computer, Reason = " Press office ", Expires = Clock.UtcNow.AddDays(30) },
            user == null ? null : UserReference.Parse(user), null, user);

        [Fact]
        public void A_grant_is_written_into_the_file_and_recorded_with_the_file_as_target()
        {
            var change = Changes().Grant(Grant(@"CONTOSO\alice", "PC-*"));

            Assert.Equal((ExemptionAction.Granted, ExemptionSource.Policy, path, @"CONTOSO\admin", Clock.UtcNow, "Press office"),
                (change.Action, change.Source, change.Target, change.ChangedBy, change.ChangedOn, change.Reason));
            var stored = Assert.Single(PolicyLoader.LoadFile(path).Exemptions);
            Assert.Equal((change.Id, @"CONTOSO\alice", "PC-*", "tiktok-store"), (stored.Id, stored.UserName, stored.ComputerName, stored.RuleId));
        }

        [Fact]
        public void A_revoke_removes_the_entry_and_an_id_not_in_the_file_is_an_error_that_writes_nothing()
        {
            var granted = Changes().Grant(Grant(null, "PC-01"));
            var before = File.ReadAllText(path);

            var missing = ExemptionId.New();
            var ex = Assert.Throws<ExemptionException>(() => Changes().Revoke(missing));
            Assert.Equal((ExemptionErrorKind.ExemptionNotFound, path, "No exemption with id " + missing + " exists in " + path + "."), (ex.Kind, ex.Target, ex.Message));
            Assert.Equal(before, File.ReadAllText(path));

            var revoked = Changes().Revoke(granted.Id);
            Assert.Equal((ExemptionAction.Revoked, granted.Id, "PC-01", path), (revoked.Action, revoked.Id, revoked.ComputerName, revoked.Target));
            Assert.Empty(PolicyLoader.LoadFile(path).Exemptions);
        }
    }
}
