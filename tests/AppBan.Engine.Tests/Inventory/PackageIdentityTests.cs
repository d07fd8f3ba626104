using AppBan.Engine.Inventory;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    public class PackageIdentityTests
    {
        [Fact]
        public void Parses_the_TikTok_store_package()
        {
            var id = PackageIdentity.TryParse("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se");
            Assert.NotNull(id);
            Assert.Equal("BytedancePte.Ltd.TikTok", id.Name);
            Assert.Equal("1.0.1.0", id.Version);
            Assert.Equal("x64", id.Architecture);
            Assert.Equal("", id.ResourceId);
            Assert.Equal("6yccndn6064se", id.PublisherId);
            Assert.Equal("BytedancePte.Ltd.TikTok_6yccndn6064se", id.FamilyName);
        }

        [Theory]
        [InlineData("Microsoft.WindowsStore_22301.1401.6.0_neutral_~_8wekyb3d8bbwe", "~", "neutral")]
        [InlineData("Microsoft.LanguageExperiencePackde-DE_19041.7.22.0_neutral_split.language-de_8wekyb3d8bbwe", "split.language-de", "neutral")]
        [InlineData("Microsoft.VCLibs.140.00_14.0.30704.0_arm64__8wekyb3d8bbwe", "", "arm64")]
        [InlineData("Microsoft.UI.Xaml.2.8_8.2310.30001.0_x86__8wekyb3d8bbwe", "", "x86")]
        public void Parses_bundles_resource_packages_and_every_architecture(string fullName, string resourceId, string arch)
        {
            var id = PackageIdentity.TryParse(fullName);
            Assert.NotNull(id);
            Assert.Equal(resourceId, id.ResourceId);
            Assert.Equal(arch, id.Architecture);
            Assert.Equal(fullName, id.FullName);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("BytedancePte.Ltd.TikTok")]                                      // a bare name
        [InlineData("BytedancePte.Ltd.TikTok_6yccndn6064se")]                        // a family name
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1_x64__6yccndn6064se")]             // three-part version
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.65536_x64__6yccndn6064se")]       // version part too big
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_amd64__6yccndn6064se")]         // unknown architecture
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064s")]            // 12-char publisher id
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064sel")]          // 'l' is not Crockford base32
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6o64se")]           // 'o' neither
        [InlineData("Bytedance Pte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se")]          // space in the name
        [InlineData("TikTok';calc.exe;'_1.0.1.0_x64__6yccndn6064se")]                // quote and command in the name
        [InlineData("TikTok\"&calc&\"x_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64_$(calc)_6yccndn6064se")]   // subexpression as resource id
        [InlineData("Tik_1.0.1.0_x64__6yccndn6064se_extra")]                       // extra part
        [InlineData("CON_1.0.1.0_x64__6yccndn6064se0000")]                           // reserved name (and bad id)
        [InlineData("TikTok._1.0.1.0_x64__6yccndn6064se")]                           // name ends with a period
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64_abcdefghijklmnopqrstuvwxyz01234_6yccndn6064se")] // 31-char resource id
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se\n")]         // a trailing newline ($ would allow it)
        public void Rejects_anything_outside_the_grammar(string fullName)
        {
            Assert.Null(PackageIdentity.TryParse(fullName));
            Assert.False(PackageIdentity.IsValidFullName(fullName));
        }

        [Fact]
        public void Rejects_a_reserved_device_name_as_the_package_name()
        {
            Assert.Null(PackageIdentity.TryParse("NUL_1.0.1.0_x64_resource.abc_6yccndn6064se"));
            Assert.Null(PackageIdentity.TryParse("Valid.Name_1.0.1.0_x64_LPT1_6yccndn6064se"));
            Assert.NotNull(PackageIdentity.TryParse("Valid.Name_1.0.1.0_x64_LPT10_6yccndn6064se"));
        }

        [Fact]
        public void Rejects_a_name_longer_than_fifty_characters()
        {
            var fifty = new string('a', 50);
            Assert.NotNull(PackageIdentity.TryParse(fifty + "_1.0.0.0_x64__6yccndn6064se"));
            Assert.Null(PackageIdentity.TryParse(fifty + "b_1.0.0.0_x64__6yccndn6064se"));
        }

        [Fact]
        public void Family_names_follow_the_same_grammar()
        {
            Assert.True(PackageIdentity.IsValidFamilyName("BytedancePte.Ltd.TikTok_6yccndn6064se"));
            Assert.False(PackageIdentity.IsValidFamilyName("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se"));
            Assert.False(PackageIdentity.IsValidFamilyName("TikTok';x_6yccndn6064se"));
        }

        [Fact]
        public void Same_family_ignores_version_and_architecture()
        {
            var a = PackageIdentity.TryParse("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se");
            Assert.True(a.IsSameFamily(PackageIdentity.TryParse("BytedancePte.Ltd.TikTok_2.3.0.0_arm64__6yccndn6064se")));
            Assert.False(a.IsSameFamily(PackageIdentity.TryParse("BytedancePte.Ltd.TikTok_1.0.1.0_x64__8wekyb3d8bbwe")));
            Assert.False(a.IsSameFamily(null));
        }
    }

    public class IdentifierTests
    {
        [Theory]
        [InlineData("{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}", "{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}")]
        [InlineData("{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}", "{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}")]
        [InlineData("0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9", null)]
        [InlineData("{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9} & calc", null)]
        [InlineData("{0A1B2C3D4E5F60718293A4B5C6D7E8F9}", null)]
        [InlineData("{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8FG}", null)]
        [InlineData("CapCut", null)]
        [InlineData("{0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9}\n", null)]
        [InlineData(null, null)]
        public void Product_codes_are_exactly_braced_guids(string text, string expected)
        {
            Assert.Equal(expected, MsiProductCode.TryNormalize(text));
        }

        [Theory]
        [InlineData("S-1-5-21-3623811015-3361044348-30300820-1013", true)]
        [InlineData("S-1-12-1-1234567890-1234567890-1234567890-1234567890", true)]
        [InlineData("S-1-5-18", true)]
        [InlineData("S-1-5-21-3623811015-3361044348-30300820-1013_Classes", false)]
        [InlineData(".DEFAULT", false)]
        [InlineData("S-1-5-21-1;calc", false)]
        [InlineData("S-1", false)]
        [InlineData("S-1-5-18\n", false)]
        public void Sids_are_validated(string text, bool valid)
        {
            Assert.Equal(valid, SecurityIdentifiers.IsValid(text));
        }

        [Fact]
        public void Service_accounts_are_the_three_well_known_sids()
        {
            Assert.True(SecurityIdentifiers.IsServiceAccount("S-1-5-18"));
            Assert.True(SecurityIdentifiers.IsServiceAccount("S-1-5-19"));
            Assert.True(SecurityIdentifiers.IsServiceAccount("S-1-5-20"));
            Assert.False(SecurityIdentifiers.IsServiceAccount("S-1-5-21-1-2-3-1001"));
        }
    }
}
