using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class RegistryClientTests
    {
        private static CimMethodResult FromFixture(string fixture, string method) =>
            WsManDocumentOracle.ParseMethodOutput(WsManParser.Parse(CapturedReplies.Read(fixture)).Body, method);

        private static (RegistryClient Client, ScriptedReplySession Session) With(Func<string, IReadOnlyList<CimParameter>, CimMethodResult> answer)
        {
            var session = new ScriptedReplySession { Answer = answer };
            return (new RegistryClient(session), session);
        }

        [Theory]
        [InlineData(0u, RegistryOutcome.Success)]
        [InlineData(1u, RegistryOutcome.ValueNotFound)]
        [InlineData(2u, RegistryOutcome.KeyNotFound)]
        [InlineData(5u, RegistryOutcome.AccessDenied)]
        [InlineData(0x80041003u, RegistryOutcome.AccessDenied)]
        [InlineData(0x80041005u, RegistryOutcome.TypeMismatch)]
        [InlineData(87u, RegistryOutcome.Failed)]
        public void Return_values_become_outcomes(uint returnValue, RegistryOutcome outcome)
        {
            Assert.Equal(outcome, RegistryClient.OutcomeOf(returnValue));
        }

        [Fact]
        public async Task Every_call_asks_for_the_64_bit_provider_with_a_uint32_hive()
        {
            var (client, session) = With((m, a) => FromFixture("invoke-enumkey.xml", "EnumKey"));
            var r = await client.EnumKeyAsync(RegistryHive.LocalMachine, @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall");
            Assert.True(r.Success);
            Assert.Equal(3, r.Value.Count);
            var call = session.Calls.Single();
            Assert.True(call.Options.Use64BitProvider);
            var hive = call.Args.Single(p => p.Name == "hDefKey").Value;
            Assert.Equal(CimType.UInt32, hive.Type);
            Assert.Equal(2147483650u, hive.Value);
        }

        [Fact]
        public async Task A_missing_value_and_a_type_mismatch_are_typed_outcomes_not_nulls()
        {
            var (missing, _) = With((m, a) => FromFixture("invoke-getstringvalue-missing.xml", "GetStringValue"));
            var r1 = await missing.GetStringValueAsync(RegistryHive.LocalMachine, "SOFTWARE\\X", "DisplayName");
            Assert.Equal(RegistryOutcome.ValueNotFound, r1.Outcome);
            Assert.False(r1.Success);

            var (mismatch, _) = With((m, a) => FromFixture("invoke-getstringvalue-typemismatch.xml", "GetStringValue"));
            Assert.Equal(RegistryOutcome.TypeMismatch, (await mismatch.GetStringValueAsync(RegistryHive.LocalMachine, "SOFTWARE\\X", "EstimatedSize")).Outcome);

            var (found, _) = With((m, a) => FromFixture("invoke-getstringvalue.xml", "GetStringValue"));
            Assert.Equal("TikTok LIVE Studio", (await found.GetStringValueAsync(RegistryHive.LocalMachine, "SOFTWARE\\X", "DisplayName")).Value);
        }

        [Fact]
        public async Task EnumValues_pairs_names_with_types_and_a_key_without_subkeys_is_empty()
        {
            var (client, _) = With((m, a) => m == "EnumValues" ? FromFixture("invoke-enumvalues.xml", "EnumValues") : FromFixture("invoke-enumkey-empty.xml", "EnumKey"));
            var values = (await client.EnumValuesAsync(RegistryHive.Users, @"S-1-5-21-1\Software")).Value;
            Assert.Equal(new[] { ("DisplayName", RegistryValueKind.String), ("EstimatedSize", RegistryValueKind.DWord), ("Sizes", RegistryValueKind.MultiString) },
                values.Select(v => (v.Name, v.Kind)));
            var keys = await client.EnumKeyAsync(RegistryHive.Users, @"S-1-5-21-1\Software\Empty");
            Assert.True(keys.Success);
            Assert.Empty(keys.Value);
        }

        [Fact]
        public async Task CheckAccess_reads_bGranted()
        {
            var (client, session) = With((m, a) => FromFixture("invoke-checkaccess-denied.xml", "CheckAccess"));
            var r = await client.CheckAccessAsync(RegistryHive.LocalMachine, "SOFTWARE", 6);
            Assert.True(r.Success);
            Assert.False(r.Value);
            Assert.Equal(6u, session.Calls.Single().Args.Single(p => p.Name == "uRequired").Value.Value);
        }

        [Fact]
        public async Task DeleteKeyTree_deletes_children_before_parents()
        {
            var tree = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
            {
                [@"SOFTWARE\AppBan\Runs"] = new[] { "a", "b" },
                [@"SOFTWARE\AppBan\Runs\a"] = new[] { "deep" },
                [@"SOFTWARE\AppBan\Runs\a\deep"] = new string[0],
                [@"SOFTWARE\AppBan\Runs\b"] = new string[0],
            };
            var deleted = new List<string>();
            var (client, _) = With((m, a) =>
            {
                var key = a.Single(p => p.Name == "sSubKeyName").Value.AsString();
                if (m == "EnumKey")
                    return ScriptedReplySession.Result(0, ("sNames", tree[key].Length == 0 ? CimValue.Null : CimValue.FromStringArray(tree[key])));
                Assert.True(tree[key].All(child => deleted.Contains(key + "\\" + child)), key + " deleted before its children");
                deleted.Add(key);
                return ScriptedReplySession.Result(0);
            });
            var r = await client.DeleteKeyTreeAsync(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\Runs");
            Assert.True(r.Success);
            Assert.Equal(new[] { @"SOFTWARE\AppBan\Runs\a\deep", @"SOFTWARE\AppBan\Runs\a", @"SOFTWARE\AppBan\Runs\b", @"SOFTWARE\AppBan\Runs" }, deleted);
        }

        [Fact]
        public async Task DeleteKeyTree_stops_at_the_first_refusal_and_never_deletes_a_hive_root()
        {
            var (client, session) = With((m, a) => m == "EnumKey"
                ? ScriptedReplySession.Result(0, ("sNames", CimValue.Null))
                : FromFixture("invoke-deletekey-denied.xml", "DeleteKey"));
            var r = await client.DeleteKeyTreeAsync(RegistryHive.LocalMachine, @"SOFTWARE\Locked");
            Assert.Equal(RegistryOutcome.AccessDenied, r.Outcome);
            await Assert.ThrowsAsync<ArgumentException>(() => client.DeleteKeyTreeAsync(RegistryHive.LocalMachine, "\\"));
            Assert.Equal(2, session.Calls.Count);
        }
    }
}
