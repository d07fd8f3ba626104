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
    public class UserResolverTests
    {
        private const string ProfileList = @"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList";
        private const string AliceSid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        private const string BobSid = "S-1-5-21-1004336348-1177238915-682003330-1002";
        private const string LocalAliceSid = "S-1-5-21-9-9-9-1001";
        private const string EntraSid = "S-1-12-1-3497415283-1251390421-2857236665-3587372611";

        private static FakeWindowsHost WithProfiles()
        {
            var s = new FakeWindowsHost();
            s.Key(ProfileList + @"\S-1-5-18").Expand("ProfileImagePath", @"%systemroot%\system32\config\systemprofile");
            s.Key(ProfileList + @"\" + AliceSid).Expand("ProfileImagePath", @"C:\Users\alice");
            s.SetValue(ProfileList + @"\" + BobSid, "ProfileImagePath", @"C:\Users\bob");
            s.SetValue(ProfileList + @"\" + BobSid + ".bak", "ProfileImagePath", @"C:\Users\bob");
            return s;
        }

        private static CimObject Account(string sid, string domain, string name) => new CimObject("Win32_UserAccount",
            new Dictionary<string, CimValue> { ["SID"] = CimValue.FromString(sid), ["Domain"] = CimValue.FromString(domain), ["Name"] = CimValue.FromString(name) });

        [Fact]
        public async Task Win32_UserAccount_answers_first_with_a_query_on_both_keys_escaped_restricted_to_local_accounts()
        {
            var s = WithProfiles();
            s.Query = wql => new[] { Account(AliceSid, "CONTOSO", "O'Brien") };
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(@"contoso\o'brien"));
            Assert.Equal(AliceSid, user.Sid);
            Assert.Equal(@"CONTOSO\O'Brien", user.AccountName);
            Assert.Equal(UserResolver.SourceUserAccount, user.Source);
            Assert.Equal(@"SELECT SID, Name, Domain FROM Win32_UserAccount WHERE LocalAccount=TRUE AND Name='o\'brien' AND Domain='contoso'", Assert.Single(s.Queries));
            Assert.DoesNotContain(s.Log, c => c.Contains("ProfileList"));
        }

        [Fact]
        public async Task Without_Win32_UserAccount_the_profile_folder_names_the_user()
        {
            var s = WithProfiles();
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\Alice"));
            Assert.Equal(AliceSid, user.Sid);
            Assert.Equal(@"CONTOSO\Alice", user.AccountName);
            Assert.Equal(UserResolver.SourceProfileList, user.Source);
            // Key names that are not user SIDs (S-1-5-18, "<sid>.bak") are never used to build a path.
            Assert.DoesNotContain(s.Log, c => c.Contains(@"\S-1-5-18") || c.Contains(".bak"));
        }

        [Fact]
        public async Task An_empty_answer_also_falls_back_to_the_profile_list()
        {
            var s = WithProfiles();
            s.Query = wql => Array.Empty<CimObject>();
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\bob"));
            Assert.Equal(BobSid, user.Sid);
        }

        [Fact]
        public async Task A_domain_qualified_profile_folder_wins_over_a_plain_one()
        {
            var s = WithProfiles();
            s.SetValue(ProfileList + @"\" + LocalAliceSid, "ProfileImagePath", @"C:\Users\alice.PC-01");
            Assert.Equal(LocalAliceSid, (await new UserResolver(s).ResolveAsync(UserReference.Parse(@"PC-01\alice"))).Sid);
            Assert.Equal(AliceSid, (await new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\alice"))).Sid);
        }

        [Fact]
        public async Task Two_plain_matches_are_ambiguous()
        {
            var s = WithProfiles();
            s.SetValue(ProfileList + @"\" + LocalAliceSid, "ProfileImagePath", @"D:\Profiles\alice");
            var ex = await Assert.ThrowsAsync<ExemptionException>(() => new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\alice")));
            Assert.Equal(ExemptionErrorKind.UserAmbiguous, ex.Kind);
            Assert.Contains("PC-01", ex.Message);
        }

        [Fact]
        public async Task A_sid_with_a_profile_resolves_without_a_name()
        {
            var s = WithProfiles();
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(BobSid.ToLowerInvariant()));
            Assert.Equal(BobSid, user.Sid);
            Assert.Null(user.AccountName);
            Assert.Equal("SELECT SID, Name, Domain FROM Win32_UserAccount WHERE LocalAccount=TRUE AND SID='" + BobSid + "'", Assert.Single(s.Queries));
        }

        [Fact]
        public async Task An_Entra_ID_sid_with_a_profile_resolves_though_Win32_UserAccount_does_not_list_it()
        {
            var s = WithProfiles();
            s.Key(ProfileList + @"\" + EntraSid).Expand("ProfileImagePath", @"C:\Users\AlexChen");
            s.Query = wql => Array.Empty<CimObject>();
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(EntraSid));
            Assert.Equal(EntraSid, user.Sid);
            Assert.Equal(UserResolver.SourceProfileList, user.Source);
            Assert.StartsWith("SELECT SID, Name, Domain FROM Win32_UserAccount WHERE LocalAccount=TRUE AND SID=", Assert.Single(s.Queries));
        }

        [Fact]
        public async Task AzureAD_name_resolves_to_the_Entra_ID_profile_of_that_folder()
        {
            var s = WithProfiles();
            s.Key(ProfileList + @"\" + EntraSid).Expand("ProfileImagePath", @"C:\Users\AlexChen");
            s.Query = wql => Array.Empty<CimObject>();
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(@"AzureAD\AlexChen"));
            Assert.Equal(EntraSid, user.Sid);
            Assert.Equal(@"AzureAD\AlexChen", user.AccountName);
            Assert.Equal(UserResolver.SourceProfileList, user.Source);
        }

        [Fact]
        public async Task A_domain_user_that_the_local_only_query_leaves_out_resolves_from_the_profile_list()
        {
            var s = WithProfiles();
            // A domain member's provider answers a LocalAccount=TRUE query with local accounts only.
            s.Query = wql => wql.Contains("LocalAccount=TRUE") ? Array.Empty<CimObject>() : new[] { Account(AliceSid, "CONTOSO", "alice") };
            var user = await new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\alice"));
            Assert.Equal(AliceSid, user.Sid);
            Assert.Equal(UserResolver.SourceProfileList, user.Source);
            Assert.All(s.Queries, q => Assert.Contains("WHERE LocalAccount=TRUE AND ", q));
        }

        [Theory]
        [InlineData("S-1-5-21-1-2-3-1001", true)]
        [InlineData("S-1-12-1-3497415283-1251390421-2857236665-3587372611", true)]
        [InlineData("S-1-5-18", false)]
        [InlineData("S-1-5-80-1-2-3-4-5", false)]
        [InlineData("S-1-12-2-1-2-3-4", false)]
        [InlineData("S-1-12-1-1-2-3-4.bak", false)]
        public void People_s_accounts_are_local_domain_or_Entra_ID(string sid, bool expected)
        {
            Assert.Equal(expected, AppBan.Engine.Inventory.SecurityIdentifiers.IsUserAccount(sid));
        }

        [Fact]
        public async Task An_unknown_user_is_an_error_naming_the_computer()
        {
            var s = WithProfiles();
            var ex = await Assert.ThrowsAsync<ExemptionException>(() => new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\mallory")));
            Assert.Equal(ExemptionErrorKind.UserNotFound, ex.Kind);
            Assert.Contains("PC-01", ex.Message);
            ex = await Assert.ThrowsAsync<ExemptionException>(() => new UserResolver(s).ResolveAsync(UserReference.Parse("S-1-5-21-1-2-3-4")));
            Assert.Equal(ExemptionErrorKind.UserNotFound, ex.Kind);
        }

        [Fact]
        public async Task An_unreachable_target_is_not_mistaken_for_an_unknown_user()
        {
            var s = WithProfiles();
            s.Query = wql => throw new CimException(CimErrorKind.Unreachable, "PC-01", "unreachable");
            var ex = await Assert.ThrowsAsync<CimException>(() => new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\alice")));
            Assert.Equal(CimErrorKind.Unreachable, ex.Kind);
        }

        [Fact]
        public async Task A_denied_profile_list_is_reported_as_access_denied()
        {
            var s = WithProfiles();
            s.ReturnValueFor = c => c.Method == "EnumKey" ? 5u : (uint?)null;
            var ex = await Assert.ThrowsAsync<CimException>(() => new UserResolver(s).ResolveAsync(UserReference.Parse(@"CONTOSO\alice")));
            Assert.Equal(CimErrorKind.AccessDenied, ex.Kind);
        }
    }

    public class DeviceExemptionServiceTests
    {
        private static readonly FixedClock Clock = new FixedClock(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        private const string Root = @"HKLM\SOFTWARE\AppBan\Exemptions";

        private static ExemptionRequest Request(string user) => new ExemptionRequest
        {
            RuleId = "tiktok-store", User = user, Reason = "Press office", ApprovedBy = "CISO", Expires = Clock.UtcNow.AddDays(30),
        };

        [Fact]
        public async Task A_grant_resolves_the_user_and_stores_both_name_and_sid()
        {
            var s = new FakeWindowsHost("PC-07");
            s.Query = wql => new[] { new CimObject("Win32_UserAccount", new Dictionary<string, CimValue>
            {
                ["SID"] = CimValue.FromString("S-1-5-21-1-2-3-1001"), ["Domain"] = CimValue.FromString("CONTOSO"), ["Name"] = CimValue.FromString("alice"),
            }) };
            var service = new DeviceExemptionService(s, null, Clock);
            var e = await service.GrantAsync(Request(@"contoso\alice"), UserReference.Parse(@"contoso\alice"));

            var values = s.ValuesOf(Root + @"\" + e.Id);
            Assert.Equal("S-1-5-21-1-2-3-1001", values["UserSid"]);
            Assert.Equal(@"CONTOSO\alice", values["UserName"]);
            Assert.Equal("PC-07", values["ComputerName"]);
            Assert.Equal(Clock.UtcNow, DateTimeOffset.Parse((string)values["GrantedOn"]));

            var removed = await service.RevokeAsync(e.Id);
            Assert.Equal("Press office", removed.Reason);
            Assert.Empty(s.SubKeys(Root));
            var ex = await Assert.ThrowsAsync<ExemptionException>(() => service.RevokeAsync(e.Id));
            Assert.Equal(ExemptionErrorKind.ExemptionNotFound, ex.Kind);
        }

        [Fact]
        public async Task An_unknown_user_writes_nothing()
        {
            var s = new FakeWindowsHost();
            var ex = await Assert.ThrowsAsync<ExemptionException>(() =>
                new DeviceExemptionService(s, null, Clock).GrantAsync(Request(@"CONTOSO\ghost"), UserReference.Parse(@"CONTOSO\ghost")));
            Assert.Equal(ExemptionErrorKind.UserNotFound, ex.Kind);
            Assert.DoesNotContain(s.Log, c => c.StartsWith("CreateKey") || c.StartsWith("SetStringValue"));
            Assert.False(s.KeyExists(Root));
        }

        [Fact]
        public async Task An_unreachable_target_writes_nothing()
        {
            var s = new FakeWindowsHost();
            s.ThrowFor = c => new CimException(CimErrorKind.Unreachable, "PC-01", "The WinRM client cannot complete the operation.");
            var ex = await Assert.ThrowsAsync<CimException>(() =>
                new DeviceExemptionService(s, null, Clock).GrantAsync(Request(null), null));
            Assert.Equal(CimErrorKind.Unreachable, ex.Kind);
            Assert.False(s.KeyExists(Root));
        }
    }
}
