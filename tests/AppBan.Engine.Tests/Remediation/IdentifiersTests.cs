using AppBan.Engine.Remediation;
using Xunit;

namespace AppBan.Engine.Tests.Remediation
{
    public class IdentifiersTests
    {
        [Theory]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}")]
        [InlineData("{7c9e6679-7425-40de-944b-e07fc1f90ae7}")]
        public void Accepts_braced_guids(string value) => Assert.True(Identifiers.IsProductCode(value));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("7C9E6679-7425-40DE-944B-E07FC1F90AE7")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7")]
        [InlineData("{7C9E6679742540DE944BE07FC1F90AE7}")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE}")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AEG}")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\n")]
        [InlineData(" {7C9E6679-7425-40DE-944B-E07FC1F90AE7}")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7} & calc.exe")]
        [InlineData("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}\" & calc.exe & \"")]
        [InlineData("(7C9E6679-7425-40DE-944B-E07FC1F90AE7)")]
        public void Refuses_anything_else_as_a_product_code(string value) => Assert.False(Identifiers.IsProductCode(value));

        [Fact]
        public void Normalizes_product_codes_to_upper_case() =>
            Assert.Equal("{7C9E6679-7425-40DE-944B-E07FC1F90AE7}", Identifiers.NormalizeProductCode("{7c9e6679-7425-40de-944b-e07fc1f90ae7}"));

        [Theory]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("Microsoft.WindowsTerminal_1.21.3231.0_neutral_~_8wekyb3d8bbwe")]
        [InlineData("Microsoft.Language.de-DE_1.0.0.0_arm64_de-de_8wekyb3d8bbwe")]
        [InlineData("ABC_65535.0.0.65535_x86__0123456789abc")]
        [InlineData("Microsoft.VCLibs.140.00_14.0.33519.0_arm_split.scale-100_8wekyb3d8bbwe")]
        public void Accepts_package_full_names(string value) => Assert.True(Identifiers.IsPackageFullName(value));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("BytedancePte.Ltd.TikTok")]
        [InlineData("BytedancePte.Ltd.TikTok_6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se'")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se' -AllUsers; Remove-Item C:\\ -Recurse; '")]
        [InlineData("Bytedance Pte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("Bytedance;Ltd_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("Bytedance$(calc)_1.0.1.0_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se\n")]
        [InlineData("AB_1.0.0.0_x64__6yccndn6064se")]
        [InlineData("A23456789012345678901234567890123456789012345678901_1.0.0.0_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.65536_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_amd64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064s")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064sei")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064sl")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6YCCNDN6064SE")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64_a2345678901234567890123456789012_6yccndn6064se")]
        [InlineData("CON_1.0.0.0_x64__6yccndn6064se")]
        [InlineData("BytedancePte.Ltd.TikTok_1.0.1.0_x64_\"_6yccndn6064se")]
        public void Refuses_anything_else_as_a_package_full_name(string value) => Assert.False(Identifiers.IsPackageFullName(value));

        [Fact]
        public void Derives_the_family_name() =>
            Assert.Equal("BytedancePte.Ltd.TikTok_6yccndn6064se", Identifiers.FamilyNameOf("BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se"));

        [Theory]
        [InlineData("BytedancePte.Ltd.TikTok_6yccndn6064se", true)]
        [InlineData("BytedancePte.Ltd.TikTok_6yccndn6064se'", false)]
        [InlineData("BytedancePte.Ltd.TikTok", false)]
        public void Checks_family_names(string value, bool valid) => Assert.Equal(valid, Identifiers.IsPackageFamilyName(value));

        [Theory]
        [InlineData("S-1-5-18")]
        [InlineData("S-1-5-21-1004336348-1177238915-682003330-1001")]
        [InlineData("S-1-12-1-1234567890-1234567890-1234567890-1234567890")]
        [InlineData("S-1-5-21-4294967295-1-1-500")]
        public void Accepts_sids(string value) => Assert.True(Identifiers.IsSid(value));

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("S-1-5")]
        [InlineData("s-1-5-18")]
        [InlineData("S-2-5-18")]
        [InlineData("S-1-5-21-4294967296-1-1-500")]
        [InlineData("S-1-5-21-1-2-3-1001' -AllUsers; '")]
        [InlineData("S-1-5-21-1-2-3-1001\n")]
        [InlineData("S-1-5-21-1-2-3-1001 ")]
        [InlineData("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16")]
        public void Refuses_anything_else_as_a_sid(string value) => Assert.False(Identifiers.IsSid(value));
    }
}
