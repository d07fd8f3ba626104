using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.Mi;
using Xunit;
using MiCimType = Microsoft.Management.Infrastructure.CimType;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>MI type and error tables run everywhere (managed enums only); live calls need Windows.</summary>
    public class MiTransportTests
    {
        [Fact]
        public void Parameters_get_the_MI_type_StdRegProv_expects()
        {
            Assert.Equal(MiCimType.UInt32, MiValues.ToMiType(CimValue.FromUInt32(0x80000002)));
            Assert.Equal(MiCimType.String, MiValues.ToMiType(CimValue.FromString("SOFTWARE")));
            Assert.Equal(MiCimType.StringArray, MiValues.ToMiType(CimValue.FromStringArray(new[] { "a" })));
            Assert.Equal(MiCimType.UInt8Array, MiValues.ToMiType(CimValue.FromUInt8Array(new byte[] { 1 })));
            Assert.Equal(MiCimType.Boolean, MiValues.ToMiType(CimValue.FromBoolean(true)));
            Assert.IsType<uint>(MiValues.ToMiValue(CimValue.FromUInt32(5)));
            Assert.IsType<string[]>(MiValues.ToMiValue(CimValue.FromStringArray(new[] { "a", "b" })));
            Assert.Null(MiValues.ToMiValue(CimValue.Null));
        }

        [Fact]
        public void MI_values_come_back_typed()
        {
            var names = MiValues.FromMi(new[] { "x", "y" }, MiCimType.StringArray);
            Assert.True(names.IsArray);
            Assert.Equal(new[] { "x", "y" }, names.AsStringArray());
            var rv = MiValues.FromMi(5u, MiCimType.UInt32);
            Assert.Equal(CimType.UInt32, rv.Type);
            Assert.True(MiValues.FromMi(null, MiCimType.String).IsNull);
        }

        [Theory]
        [InlineData(2L, null, CimErrorKind.AccessDenied)]
        [InlineData(3L, null, CimErrorKind.InvalidNamespace)]
        [InlineData(5L, null, CimErrorKind.InvalidClass)]
        [InlineData(6L, null, CimErrorKind.NotFound)]
        [InlineData(15L, null, CimErrorKind.InvalidQuery)]
        [InlineData(27L, null, CimErrorKind.QuotaExceeded)]
        [InlineData(1L, 0x80338012L, CimErrorKind.Unreachable)]
        [InlineData(1L, 0x80338029L, CimErrorKind.Timeout)]
        [InlineData(1L, 0x80338126L, CimErrorKind.Unreachable)] // ERROR_WSMAN_NETWORK_TIMEDOUT: switched off, not slow
        [InlineData(1L, 0x80070005L, CimErrorKind.AccessDenied)]
        [InlineData(1L, null, CimErrorKind.ProviderFailure)]
        public void NativeErrorCode_and_HRESULT_map_to_kinds(long native, long? hresult, CimErrorKind kind)
        {
            Assert.Equal(kind, MiErrors.Kind(native, hresult));
        }

        [WindowsFact]
        public async Task Local_query_and_64_bit_registry_call_work_through_MI()
        {
            using (var session = new CimSessionFactory().Create(CimTarget.Local()))
            {
                Assert.Equal("MI", session.TransportName);
                string caption = null;
                await session.QueryAsync(@"root\cimv2", "SELECT Caption FROM Win32_OperatingSystem", o => caption = o["Caption"].AsString(), CimCallOptions.Default);
                Assert.StartsWith("Microsoft Windows", caption);
                var keys = await new RegistryClient(session).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE");
                Assert.True(keys.Success);
                Assert.Contains("Microsoft", keys.Value, StringComparer.OrdinalIgnoreCase);
            }
        }

        [WindowsFact]
        public async Task A_missing_class_is_InvalidClass_through_MI()
        {
            using (var session = new CimSessionFactory().Create(CimTarget.Local()))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM AppBan_NoSuchClass", _ => { }, CimCallOptions.Default));
                Assert.Equal(CimErrorKind.InvalidClass, ex.Kind);
            }
        }

        [WindowsFact]
        public async Task Cancelling_an_MI_query_is_typed()
        {
            using (var session = new CimSessionFactory().Create(CimTarget.Local()))
            using (var cts = new CancellationTokenSource())
            {
                cts.Cancel();
                var ex = await Assert.ThrowsAsync<CimException>(() => session.QueryAsync(@"root\cimv2", "SELECT * FROM Win32_Process", _ => { },
                    new CimCallOptions { CancellationToken = cts.Token }));
                Assert.Equal(CimErrorKind.Cancelled, ex.Kind);
            }
        }
    }
}
