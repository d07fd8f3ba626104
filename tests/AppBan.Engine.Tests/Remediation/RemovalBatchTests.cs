using System;
using System.Linq;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Findings;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    public class RemovalBatchTests
    {
        [Fact]
        public void Orders_provisioned_then_store_then_msi_then_exe_then_the_rest()
        {
            var requests = new[] { WebApp(), MachineExe(null, null), MachineMsi(), StoreApp(), Provisioned() }
                .Select(a => new RemovalRequest(Violation(a)));
            var ordered = RemovalBatch.Prepare(requests).Select(r => r.Finding.App.Kind);
            Assert.Equal(new[] { AppKind.ProvisionedStoreApp, AppKind.StoreApp, AppKind.Msi, AppKind.Exe, AppKind.WebApp }, ordered);
        }

        [Fact]
        public void Allows_the_all_users_fallback_only_when_nobody_keeps_the_package()
        {
            var alice = new RemovalRequest(Violation(StoreApp()));
            var bob = new RemovalRequest(Violation(StoreApp(BobSid, @"CONTOSO\bob")));
            RemovalBatch.Prepare(new[] { alice, bob });
            Assert.True(alice.AllowAllUsersFallback);
            Assert.True(bob.AllowAllUsersFallback);

            bob.Finding.Status = FindingStatus.GracePeriod;
            RemovalBatch.Prepare(new[] { alice, bob });
            Assert.False(alice.AllowAllUsersFallback);

            bob.IncludeGracePeriod = true;
            RemovalBatch.Prepare(new[] { alice, bob });
            Assert.True(alice.AllowAllUsersFallback);

            bob.Finding.Status = FindingStatus.Exempt;
            RemovalBatch.Prepare(new[] { alice, bob });
            Assert.False(alice.AllowAllUsersFallback);
        }

        [Fact]
        public void Names_the_other_users_whose_removal_of_the_family_was_approved()
        {
            var alice = new RemovalRequest(Violation(StoreApp()));
            var bob = new RemovalRequest(Violation(StoreApp(BobSid, @"CONTOSO\bob")));
            var elsewhere = new RemovalRequest(Violation(StoreApp("S-1-5-21-1-2-3-1003", @"CONTOSO\carol")));
            elsewhere.Finding.App.ComputerName = "PC02";
            RemovalBatch.Prepare(new[] { alice, bob, elsewhere });
            Assert.Equal(new[] { BobSid }, alice.ApprovedUsersForFamily);
            Assert.Equal(new[] { AliceSid }, bob.ApprovedUsersForFamily);
            Assert.Empty(elsewhere.ApprovedUsersForFamily);

            // Alone (Bob's finding declined or not piped), Alice's request approves nobody else's copy.
            RemovalBatch.Prepare(new[] { alice });
            Assert.Empty(alice.ApprovedUsersForFamily);

            bob.Finding.Status = FindingStatus.Exempt;
            RemovalBatch.Prepare(new[] { alice, bob });
            Assert.Empty(alice.ApprovedUsersForFamily);
        }
        [Fact]
        public void Refuses_the_all_users_fallback_when_an_exemption_keeps_the_copy_of_a_user_whose_apps_were_not_read()
        {
            // Carol is signed out: her copy is not among the findings, and her exemption must still hold.
            const string CarolSid = "S-1-5-21-1004336348-1177238915-682003330-1003";
            var now = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
            var alice = new RemovalRequest(Violation(StoreApp()));
            var bob = new RemovalRequest(Violation(StoreApp(BobSid, @"CONTOSO\bob")));
            Exemption ForCarol(string rule, string computer = null, DateTimeOffset? expires = null) => new Exemption
            {
                Id = Guid.NewGuid().ToString(), RuleId = rule, UserSid = CarolSid, ComputerName = computer, Reason = "press office", Expires = expires,
            };

            RemovalBatch.Prepare(new[] { alice, bob }, new[] { ForCarol("tiktok") }, now);
            Assert.False(alice.AllowAllUsersFallback);
            Assert.False(bob.AllowAllUsersFallback);

            // Exemptions that cannot keep her copy here leave the fallback as it was.
            foreach (var other in new[] { ForCarol("capcut"), ForCarol("tiktok", "PC02"), ForCarol("tiktok", expires: now.AddDays(-1)) })
            {
                RemovalBatch.Prepare(new[] { alice, bob }, new[] { other }, now);
                Assert.True(alice.AllowAllUsersFallback);
            }

            // Bob's own exemption is about a copy the findings show: his request keeps it, not an unseen one.
            var bobs = new Exemption { Id = Guid.NewGuid().ToString(), RuleId = "tiktok", UserSid = BobSid, Reason = "press office" };
            bob.Finding.Status = FindingStatus.Exempt;
            RemovalBatch.Prepare(new[] { alice, bob }, new[] { bobs }, now);
            Assert.False(alice.AllowAllUsersFallback);
            bob.Finding.Status = FindingStatus.Violation;
            RemovalBatch.Prepare(new[] { alice, bob }, Array.Empty<Exemption>(), now);
            Assert.True(alice.AllowAllUsersFallback);
        }
    }
}
