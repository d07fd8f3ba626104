using System;
using System.Linq;
using AppBan.Engine.Exemptions;
using Xunit;

namespace AppBan.Engine.Tests.Exemptions
{
    public class ExemptionRevokePlanTests
    {
        private static ExemptionRecord Record(ExemptionSource source, string target, string id) => new ExemptionRecord { Source = source, Target = target, Id = id };

        [Fact]
        public void Only_guids_are_device_exemption_ids()
        {
            var id = ExemptionId.New();
            Assert.Null(ExemptionRevokePlan.FirstInvalidDeviceId(new[] { id, id.ToUpperInvariant() }));
            Assert.Equal(@"..\..\Run", ExemptionRevokePlan.FirstInvalidDeviceId(new[] { id, @"..\..\Run", "PRESS-1" }));
        }

        [Fact]
        public void Piped_records_are_revoked_where_they_were_read_and_unusable_device_records_are_set_apart()
        {
            string a = ExemptionId.New(), b = ExemptionId.New(), c = ExemptionId.New();
            var noTarget = Record(ExemptionSource.Device, null, c);
            var notGuid = Record(ExemptionSource.Device, "PC-02", @"..\Run");
            var plan = ExemptionRevokePlan.FromRecords(new[]
            {
                Record(ExemptionSource.Policy, "/p/one.json", "PRESS-1"),
                Record(ExemptionSource.Device, "PC-01", a),
                Record(ExemptionSource.Policy, "/p/two.json", "PRESS-2"),
                noTarget,
                Record(ExemptionSource.Device, "pc-01", b),
                Record(ExemptionSource.Policy, "/p/ONE.json", "PRESS-3"),
                Record(ExemptionSource.Policy, "", "PRESS-4"),   // a policy record that names no file: nothing to edit
                notGuid,
                null,
            });

            Assert.Equal(new[] { "/p/one.json", "/p/two.json" }, plan.PolicyFiles.Select(f => f.Key));
            Assert.Equal(new[] { "PRESS-1", "PRESS-3" }, plan.PolicyFiles[0].Value);
            Assert.Equal(new[] { "PRESS-2" }, plan.PolicyFiles[1].Value);
            Assert.Equal(new[] { "PC-01" }, plan.DeviceIdsByTarget.Keys);
            Assert.Equal(new[] { a, b }, plan.DeviceIdsByTarget["PC-01"]);
            Assert.Equal(new[] { noTarget, notGuid }, plan.Unusable);
        }
    }
}
