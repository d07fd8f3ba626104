using AppBan.Engine.Inventory;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    public class UninstallEntryRulesTests
    {
        private static UninstallEntryValues Visible() => new UninstallEntryValues { DisplayName = "CapCut" };

        [Fact]
        public void An_entry_with_a_display_name_and_nothing_else_is_visible()
        {
            Assert.Equal(UninstallEntryExclusion.None, UninstallEntryRules.ExclusionOf(Visible()));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void No_display_name_means_hidden(string name)
        {
            Assert.Equal(UninstallEntryExclusion.NoDisplayName, UninstallEntryRules.ExclusionOf(new UninstallEntryValues { DisplayName = name }));
        }

        [Fact]
        public void SystemComponent_one_is_excluded_but_zero_is_not()
        {
            var v = Visible();
            v.SystemComponent = 1;
            Assert.Equal(UninstallEntryExclusion.SystemComponent, UninstallEntryRules.ExclusionOf(v));
            v.SystemComponent = 0;
            Assert.Equal(UninstallEntryExclusion.None, UninstallEntryRules.ExclusionOf(v));
        }

        [Fact]
        public void A_parent_key_name_excludes()
        {
            var v = Visible();
            v.ParentKeyName = "OfficeClickToRun";
            Assert.Equal(UninstallEntryExclusion.HasParent, UninstallEntryRules.ExclusionOf(v));
        }

        [Theory]
        [InlineData("Security Update", true)]
        [InlineData("Update", true)]
        [InlineData("hotfix", true)]
        [InlineData("Service Pack", true)]
        [InlineData("Update Rollup", true)]
        [InlineData("Application", false)]
        [InlineData("", false)]
        public void Update_release_types_are_excluded(string releaseType, bool isUpdate)
        {
            var v = Visible();
            v.ReleaseType = releaseType;
            Assert.Equal(isUpdate ? UninstallEntryExclusion.Update : UninstallEntryExclusion.None, UninstallEntryRules.ExclusionOf(v));
        }

        [Fact]
        public void A_per_user_entry_with_the_chromium_switch_is_a_web_app()
        {
            var v = new UninstallEntryValues
            {
                DisplayName = "TikTok",
                UninstallString = "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --profile-directory=Default --uninstall-app-id=fnbhgkmbpfhdklnmfhgnbjgbmfbgmlmb",
            };
            var app = UninstallEntryRules.ToInstalledApp("pc1", UninstallRoot.ForUser("S-1-5-21-1-2-3-1001"), "0123abcd", v, "alice");
            Assert.Equal(AppKind.WebApp, app.Kind);
            Assert.Equal(AppScope.User, app.Scope);
            Assert.True(app.FromUserWritableLocation);
            Assert.Equal(@"HKU\S-1-5-21-1-2-3-1001\Software\Microsoft\Windows\CurrentVersion\Uninstall\0123abcd", app.KeyPath);
        }

        [Fact]
        public void The_chromium_switch_in_a_machine_entry_does_not_make_a_web_app()
        {
            var v = new UninstallEntryValues { DisplayName = "TikTok", UninstallString = "x.exe --uninstall-app-id=abc" };
            Assert.Equal(AppKind.Exe, UninstallEntryRules.KindOf(UninstallRoot.Machine64, v));
        }

        [Fact]
        public void Product_code_needs_a_guid_key_and_windows_installer_one()
        {
            const string guid = "{0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9}";
            var msi = new UninstallEntryValues { DisplayName = "TikTok LIVE Studio", WindowsInstaller = 1 };
            var app = UninstallEntryRules.ToInstalledApp("pc1", UninstallRoot.Machine32, guid, msi, null);
            Assert.Equal(AppKind.Msi, app.Kind);
            Assert.Equal(guid.ToUpperInvariant(), app.ProductCode);
            Assert.Equal(RegistryView.Registry32, app.RegistryView);
            Assert.False(app.FromUserWritableLocation);

            var notMsi = new UninstallEntryValues { DisplayName = "X", WindowsInstaller = 0 };
            Assert.Null(UninstallEntryRules.ToInstalledApp("pc1", UninstallRoot.Machine64, guid, notMsi, null).ProductCode);
            Assert.Equal(AppKind.Exe, UninstallEntryRules.ToInstalledApp("pc1", UninstallRoot.Machine64, guid, notMsi, null).Kind);

            var badKey = UninstallEntryRules.ToInstalledApp("pc1", UninstallRoot.Machine64, "TikTokLiveStudio", msi, null);
            Assert.Equal(AppKind.Msi, badKey.Kind);
            Assert.Null(badKey.ProductCode);
        }
    }
}
