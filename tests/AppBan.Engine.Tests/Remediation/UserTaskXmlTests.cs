using System;
using System.Linq;
using System.Xml.Linq;
using AppBan.Engine.Inventory;
using AppBan.Engine.Remediation;
using AppBan.Engine.Scheduling;
using Xunit;
using static AppBan.Engine.Tests.Remediation.TestFindings;

namespace AppBan.Engine.Tests.Remediation
{
    /// <summary>The task a user's removal runs as: its XML, its work id, and the reading of a registered task.</summary>
    public class UserTaskXmlTests
    {
        private static readonly XNamespace T = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        private const string CapCutUninstaller = @"C:\Users\bob\AppData\Local\CapCut\Apps\uninst.exe";
        private static readonly DateTimeOffset Registered = new DateTimeOffset(2026, 12, 3, 16, 0, 0, TimeSpan.Zero);

        private static UserTaskDefinition CapCut(string sid = BobSid, string appName = "CapCut", string command = CapCutUninstaller,
            string arguments = "/S", DateTimeOffset? registered = null) =>
            new UserTaskDefinition(sid, "capcut", "CapCut", appName, command, arguments, registered ?? Registered);

        [Fact]
        public void The_xml_is_the_contract_task_for_the_user_and_nothing_else()
        {
            var definition = CapCut();
            var xml = UserTaskXml.Build(definition);

            // The task of docs (contract of issue 17, section 1), with this user's SID and work id.
            var expected = XDocument.Parse(@"<?xml version=""1.0"" encoding=""UTF-16""?>
<Task version=""1.2"" xmlns=""http://schemas.microsoft.com/windows/2004/02/mit/task"">
  <RegistrationInfo>
    <Author>AppBan</Author>
    <Description>AppBan: remove CapCut (rule capcut) for SID</Description>
    <URI>\AppBan\AppBan-5b6d2ea20ec55405a39a5236</URI>
    <SecurityDescriptor>D:P(A;;FA;;;BA)(A;;FA;;;SY)(A;;FRFX;;;SID)</SecurityDescriptor>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger><StartBoundary>2026-12-03T16:00:00Z</StartBoundary><EndBoundary>2027-01-02T16:00:00Z</EndBoundary><Enabled>true</Enabled><UserId>SID</UserId></LogonTrigger>
    <RegistrationTrigger><StartBoundary>2026-12-03T16:00:00Z</StartBoundary><EndBoundary>2027-01-02T16:00:00Z</EndBoundary><Enabled>true</Enabled></RegistrationTrigger>
  </Triggers>
  <Principals>
    <Principal id=""Author""><UserId>SID</UserId><LogonType>InteractiveToken</LogonType><RunLevel>LeastPrivilege</RunLevel></Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>false</StartWhenAvailable>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <ExecutionTimeLimit>PT1H</ExecutionTimeLimit>
    <DeleteExpiredTaskAfter>PT0S</DeleteExpiredTaskAfter>
  </Settings>
  <Actions Context=""Author"">
    <Exec><Command>C:\Users\bob\AppData\Local\CapCut\Apps\uninst.exe</Command><Arguments>/S</Arguments></Exec>
  </Actions>
</Task>".Replace("SID", BobSid));

            Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-16\"?>", xml);
            var actual = XDocument.Parse(xml);
            Assert.True(XNode.DeepEquals(Normalized(expected.Root), Normalized(actual.Root)), xml);
            Assert.Equal("5b6d2ea20ec55405a39a5236", definition.WorkId);
            Assert.Equal(@"\AppBan\", UserTaskDefinition.TaskPath);
            Assert.Equal("AppBan-5b6d2ea20ec55405a39a5236", definition.TaskName);
        }

        [Fact]
        public void Every_text_is_escaped_and_characters_xml_cannot_carry_are_shown_not_sent()
        {
            var definition = CapCut(appName: "Tom & Jerry <\"pro\"> </Description><Exec>\u001B\uD800");
            var xml = UserTaskXml.Build(definition);

            Assert.Contains("Tom &amp; Jerry &lt;", xml);
            var doc = XDocument.Parse(xml);
            Assert.Equal("AppBan: remove Tom & Jerry <\"pro\"> </Description><Exec>\\x1B\\uD800 (rule capcut) for " + BobSid,
                doc.Descendants(T + "Description").Single().Value);
            Assert.Single(doc.Descendants(T + "Exec"));
            Assert.Equal(CapCutUninstaller, doc.Descendants(T + "Command").Single().Value);
        }

        [Fact]
        public void A_long_name_is_shortened_without_cutting_a_character_in_two()
        {
            var name = new string('a', 199) + "\U0001F600" + new string('b', 50);
            var doc = XDocument.Parse(UserTaskXml.Build(CapCut(appName: name)));
            Assert.Equal("AppBan: remove " + new string('a', 199) + "... (rule capcut) for " + BobSid, doc.Descendants(T + "Description").Single().Value);
        }

        [Fact]
        public void Boundaries_are_whole_seconds_in_UTC_and_end_thirty_days_later()
        {
            var definition = CapCut(registered: new DateTimeOffset(2026, 12, 3, 17, 0, 0, 999, TimeSpan.FromHours(1)));
            var doc = XDocument.Parse(UserTaskXml.Build(definition));
            Assert.All(doc.Descendants(T + "StartBoundary"), e => Assert.Equal("2026-12-03T16:00:00Z", e.Value));
            Assert.All(doc.Descendants(T + "EndBoundary"), e => Assert.Equal("2027-01-02T16:00:00Z", e.Value));
            Assert.Equal(Registered, definition.Registered);
            Assert.Equal(Registered.AddDays(30), definition.Expires);
        }

        [Fact]
        public void Without_arguments_the_action_has_no_Arguments_element()
        {
            var doc = XDocument.Parse(UserTaskXml.Build(CapCut(arguments: null)));
            Assert.Null(doc.Descendants(T + "Arguments").SingleOrDefault());
        }

        [Theory]
        [InlineData("S-1-5-18")]
        [InlineData("S-1-5-19")]
        [InlineData("S-1-5-20")]
        [InlineData("S-1-5-32-544")]
        [InlineData("S-1-5-32-545")]
        [InlineData("S-1-1-0")]
        [InlineData("S-1-5-11")]
        [InlineData("Administrator")]
        [InlineData(@"PC-01\Administrator")]
        [InlineData("S-1-5-21-1-2-3-1001</UserId><RunLevel>HighestAvailable")]
        [InlineData("")]
        [InlineData(null)]
        public void A_task_is_never_defined_for_a_service_a_group_or_anything_but_a_persons_SID(string sid)
        {
            Assert.Throws<ArgumentException>(() => CapCut(sid: sid));
            Assert.NotNull(UserTaskDefinition.CheckPrincipal(sid));
        }

        [Fact]
        public void Local_domain_and_Entra_accounts_may_run_their_own_removal_and_the_SID_is_written_upper_case()
        {
            Assert.Null(UserTaskDefinition.CheckPrincipal(BobSid));
            Assert.Null(UserTaskDefinition.CheckPrincipal("S-1-12-1-1234567890-1234567890-1234567890-1234567890"));
            var definition = CapCut(sid: BobSid.ToLowerInvariant());
            Assert.Equal(BobSid, definition.UserSid);
            var doc = XDocument.Parse(UserTaskXml.Build(definition));
            Assert.All(doc.Descendants(T + "UserId"), e => Assert.Equal(BobSid, e.Value));
        }

        [Theory]
        [InlineData(@"uninst.exe", "/S")]
        [InlineData(@"..\CapCut\uninst.exe", "/S")]
        [InlineData(@"\\server\share\uninst.exe", "/S")]
        [InlineData(@"C:\Users\bob\AppData\Local\CapCut\Apps\uninst.bat", "/S")]
        [InlineData(@"C:\Users\bob\AppData\Local\CapCut\..\Apps\uninst.exe", "/S")]
        [InlineData(@"C:\Users\bob\AppData\Local\%APP%\uninst.exe", "/S")]
        [InlineData(@"""C:\Users\bob\AppData\Local\CapCut\Apps\uninst.exe""", "/S")]
        [InlineData(CapCutUninstaller, "/S & calc.exe")]
        [InlineData(CapCutUninstaller, "/S | calc.exe")]
        [InlineData(CapCutUninstaller, "/D=%TEMP%")]
        [InlineData(CapCutUninstaller, "/S\r\ncalc.exe")]
        public void The_program_must_be_a_local_exe_and_the_arguments_must_not_chain_or_expand(string command, string arguments)
        {
            Assert.Throws<ArgumentException>(() => CapCut(command: command, arguments: arguments));
        }

        [Fact]
        public void The_work_id_is_the_first_12_bytes_of_SHA_256_of_sid_rule_and_app_and_stays_stable()
        {
            Assert.Equal("5b6d2ea20ec55405a39a5236", WorkId.For(BobSid, "capcut", "CapCut"));
            Assert.Equal("8338c03ac6e6066add0ac30f", WorkId.For(BobSid, "tiktok", TikTokPackage));
            // The SID is upper-cased and the rule id lower-cased; the app's identity is kept as found.
            Assert.Equal(WorkId.For(BobSid, "capcut", "CapCut"), WorkId.For(BobSid.ToLowerInvariant(), "CAPCUT", "CapCut"));
            Assert.NotEqual(WorkId.For(BobSid, "capcut", "CapCut"), WorkId.For(BobSid, "capcut", "capcut"));
            Assert.NotEqual(WorkId.For(BobSid, "capcut", "CapCut"), WorkId.For(AliceSid, "capcut", "CapCut"));
            Assert.True(WorkId.IsValid(WorkId.For(AliceSid, "capcut", "CapCut")));
        }

        [Theory]
        [InlineData("5b6d2ea20ec55405a39a5236", true)]
        [InlineData("5B6D2EA20EC55405A39A5236", false)]
        [InlineData("5b6d2ea20ec55405a39a523", false)]
        [InlineData("5b6d2ea20ec55405a39a52366", false)]
        [InlineData("5b6d2ea20ec55405a39a523g", false)]
        [InlineData("..\\..\\Runs\\0123456789ab", false)]
        [InlineData(null, false)]
        public void Only_24_lowercase_hex_digits_are_a_work_id(string text, bool valid)
        {
            Assert.Equal(valid, WorkId.IsValid(text));
        }

        [Fact]
        public void The_app_identity_is_the_package_full_name_or_the_uninstall_key_name()
        {
            Assert.Equal(TikTokPackage, WorkId.AppIdentityOf(StoreApp()));
            Assert.Equal("CapCut", WorkId.AppIdentityOf(UserExe(CapCutUninstaller)));
        }

        [Fact]
        public void A_registered_task_reads_back_as_the_same_work_while_it_has_not_expired()
        {
            var definition = CapCut();
            var registered = UserTaskXml.Describe(UserTaskXml.Build(definition));

            Assert.Equal(definition.Uri, registered.Uri);
            Assert.Equal((BobSid, "InteractiveToken", "LeastPrivilege"), (registered.UserId, registered.LogonType, registered.RunLevel));
            Assert.Equal(new[] { (CapCutUninstaller, "/S") }, registered.Actions);
            Assert.Equal(new[] { "LogonTrigger", "RegistrationTrigger" }, registered.Triggers.Select(t => t.Kind));
            Assert.Equal(definition.Expires, registered.Expires);
            Assert.True(registered.Enabled);

            Assert.True(UserTaskXml.IsSameWork(registered, definition, Registered.AddDays(1)));
            // A later run would register the same work with later boundaries: still the same work.
            Assert.True(UserTaskXml.IsSameWork(registered, CapCut(registered: Registered.AddDays(10)), Registered.AddDays(10)));
            Assert.False(UserTaskXml.IsSameWork(registered, definition, definition.Expires));
        }

        [Theory]
        [InlineData("<Arguments>/S</Arguments>", "<Arguments>/S /D=C:\\x</Arguments>")]
        [InlineData("<Command>C:\\Users\\bob", "<Command>C:\\Users\\eve")]
        [InlineData("<RunLevel>LeastPrivilege</RunLevel>", "<RunLevel>HighestAvailable</RunLevel>")]
        [InlineData("<LogonType>InteractiveToken</LogonType>", "<LogonType>Password</LogonType>")]
        [InlineData("<Principal id=\"Author\"><UserId>" + BobSid, "<Principal id=\"Author\"><UserId>S-1-5-18")]
        [InlineData("</Exec>", "</Exec><Exec><Command>C:\\Windows\\System32\\calc.exe</Command></Exec>")]
        [InlineData("<AllowStartOnDemand>true</AllowStartOnDemand><Enabled>true</Enabled>", "<AllowStartOnDemand>true</AllowStartOnDemand><Enabled>false</Enabled>")]
        [InlineData("<LogonTrigger>", "<TimeTrigger>")]
        [InlineData("<EndBoundary>2027-01-02T16:00:00Z</EndBoundary><Enabled>true</Enabled><UserId>", "<Enabled>true</Enabled><UserId>")]
        public void A_task_that_differs_in_what_runs_as_whom_or_when_is_not_the_same_work(string from, string to)
        {
            var definition = CapCut();
            var xml = Compact(UserTaskXml.Build(definition));
            Assert.Contains(from, xml);
            var changed = xml.Replace(from, to);
            if (from == "<LogonTrigger>") changed = changed.Replace("</LogonTrigger>", "</TimeTrigger>");

            Assert.False(UserTaskXml.IsSameWork(UserTaskXml.Describe(changed), definition, Registered.AddDays(1)));
        }

        [Fact]
        public void An_export_that_leaves_out_the_default_run_level_is_still_the_same_work()
        {
            var definition = CapCut();
            var xml = Compact(UserTaskXml.Build(definition)).Replace("<RunLevel>LeastPrivilege</RunLevel>", "");
            var registered = UserTaskXml.Describe(xml);
            Assert.Null(registered.RunLevel);
            Assert.True(UserTaskXml.IsSameWork(registered, definition, Registered.AddDays(1)));
        }

        [Theory]
        [InlineData("")]
        [InlineData("not xml")]
        [InlineData("<Task xmlns=\"urn:other\"/>")]
        [InlineData("<!DOCTYPE Task [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Task xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">&x;</Task>")]
        public void What_is_not_a_task_document_reads_as_nothing(string xml)
        {
            Assert.Null(UserTaskXml.Describe(xml));
            Assert.False(UserTaskXml.IsSameWork(UserTaskXml.Describe(xml), CapCut(), Registered));
        }

        private static string Compact(string xml) =>
            XDocument.Parse(xml).Root.ToString(SaveOptions.DisableFormatting);

        /// <summary>The element without whitespace-only text between elements, so layout does not count.</summary>
        private static XElement Normalized(XElement e) =>
            new XElement(e.Name, e.Attributes().Where(a => !a.IsNamespaceDeclaration),
                e.HasElements ? e.Elements().Select(Normalized).Cast<object>() : new object[] { e.Value });
    }
}
