using System.Linq;
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
    }
}
