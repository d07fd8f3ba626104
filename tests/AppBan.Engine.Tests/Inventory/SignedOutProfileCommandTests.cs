using System;
using System.Collections.Generic;
using System.Linq;
using AppBan.Engine.Cim;
using AppBan.Engine.Inventory;
using Xunit;

namespace AppBan.Engine.Tests.Inventory
{
    /// <summary>The command that loads signed-out users' hives: its text, its chunks, and the profile paths it refuses.</summary>
    public class SignedOutProfileCommandTests
    {
        private const string RunId = "0195f3a1c2d8a4f0c2e9d81b7a6e5c43";
        private const string Carol = "S-1-5-21-1000-2000-3000-1003";

        /// <summary>One user's statements as the snapshot design gives them, with K, KC, D and the profile folder filled in.</summary>
        private static string Expected(string runId, int index, string sid, string profile)
        {
            const string template =
                "reg.exe load \"{K}\" \"{P}\\NTUSER.DAT\" && reg.exe add \"{D}\" /v Loaded /t REG_DWORD /d 1 /f & " +
                "reg.exe copy \"{K}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\" \"{D}\\Uninstall\" /s /f & " +
                "reg.exe copy \"{K}\\Software\\Policies\" \"{D}\\Policies\" /s /f & reg.exe unload \"{K}\" & " +
                "reg.exe load \"{KC}\" \"{P}\\AppData\\Local\\Microsoft\\Windows\\UsrClass.dat\" && reg.exe add \"{D}\" /v ClassesLoaded /t REG_DWORD /d 1 /f & " +
                "reg.exe copy \"{KC}\\Local Settings\\Software\\Microsoft\\Windows\\CurrentVersion\\AppModel\\Repository\\Packages\" \"{D}\\Packages\" /s /f & " +
                "reg.exe unload \"{KC}\"";
            var k = "HKU\\AppBan-" + runId + "-" + index;
            return template.Replace("{KC}", k + "_C").Replace("{K}", k).Replace("{D}", "HKLM\\SOFTWARE\\AppBan\\Profiles\\" + runId + "\\" + sid).Replace("{P}", profile);
        }

        [Fact]
        public void One_user_gets_the_load_copy_unload_statements_of_both_hives()
        {
            var command = SignedOutProfiles.SnapshotCommand(RunId, new[] { new SignedOutProfile(Carol, @"C:\Users\carol") });

            Assert.Equal(Expected(RunId, 0, Carol, @"C:\Users\carol"), command.ToString());
            Assert.Equal(
                "cmd.exe /d /v:on /s /c \"" + Expected(RunId, 0, Carol, @"C:\Users\carol") +
                " & reg.exe add \"HKLM\\SOFTWARE\\AppBan\\Runs\\" + RunId + "\" /v ExitCode /t REG_SZ /d !ERRORLEVEL! /f\"",
                ProcessClient.WrapForExitCode(command, RunId));
        }

        [Fact]
        public void Several_users_are_joined_in_order_each_under_its_own_load_name()
        {
            var users = new[]
            {
                new SignedOutProfile(Carol, @"C:\Users\carol"),
                new SignedOutProfile("S-1-5-21-1000-2000-3000-1004", @"D:\Profiles\dave (admin)"),
                new SignedOutProfile("S-1-12-1-111-222-333-444", @"C:\Users\José"),
            };

            var command = SignedOutProfiles.SnapshotCommand(RunId, users).ToString();

            Assert.Equal(string.Join(" & ", users.Select((u, i) => Expected(RunId, i, u.Sid, u.ProfilePath))), command);
        }

        [Fact]
        public void Many_users_are_split_into_the_fewest_commands_under_seven_thousand_characters_in_order()
        {
            var users = Enumerable.Range(0, 23)
                .Select(i => new SignedOutProfile("S-1-5-21-1000-2000-3000-" + (2000 + i), @"C:\Users\a-user-with-a-rather-long-profile-folder-name-" + i))
                .ToList();

            var chunks = SignedOutProfiles.Chunk(users);

            Assert.True(chunks.Count > 1, "23 users do not fit in one command");
            Assert.Equal(users, chunks.SelectMany(c => c));
            for (var c = 0; c < chunks.Count; c++)
            {
                var line = ProcessClient.WrapForExitCode(SignedOutProfiles.SnapshotCommand(RunId, chunks[c]), RunId);
                Assert.True(line.Length < SignedOutProfiles.MaxCommandLineLength, "chunk " + c + " is " + line.Length + " characters");
                Assert.Equal(7000, SignedOutProfiles.MaxCommandLineLength);
                if (c == chunks.Count - 1) continue;
                // Full: one more user would have crossed the limit.
                var withNext = chunks[c].Concat(new[] { chunks[c + 1][0] }).ToList();
                Assert.True(SignedOutProfiles.CommandLineLength(RunId, withNext) >= SignedOutProfiles.MaxCommandLineLength);
            }
            Assert.Single(SignedOutProfiles.Chunk(users.Take(2).ToList()));
            Assert.Empty(SignedOutProfiles.Chunk(new SignedOutProfile[0]));
        }

        public static IEnumerable<object[]> Refused() => new[]
        {
            new object[] { null, "no ProfileImagePath" },
            new object[] { "", "no ProfileImagePath" },
            new object[] { "C:\\Users\\carol\" & calc & \"", "quote" },
            new object[] { @"C:\Users\carol&calc", "metacharacter" },
            new object[] { @"C:\Users\a|b", "metacharacter" },
            new object[] { @"C:\Users\a<b", "metacharacter" },
            new object[] { @"C:\Users\a>b", "metacharacter" },
            new object[] { @"C:\Users\a^b", "metacharacter" },
            new object[] { @"C:\Users\a!b!", "metacharacter" },
            new object[] { @"%USERPROFILE%", "variable" },
            new object[] { @"C:\Users\%USERNAME%", "variable" },
            new object[] { @"%SystemDrive%\Users\%TEMP%", "variable" },
            new object[] { @"\\server\share\carol", "network or device" },
            new object[] { @"\\?\C:\Users\carol", "metacharacter, a wildcard" },
            new object[] { @"\\.\C:\Users\carol", "network or device" },
            new object[] { @"C:\Users\..\Windows\System32\config", "'..'" },
            new object[] { @"C:\Users\.\carol", "'..'" },
            new object[] { @"C:\Users\\carol", "empty segment" },
            new object[] { "C:\\Users\\car\tol", "control character" },
            new object[] { "C:\\Users\\carol\n", "control character" },
            new object[] { "C:\\Users\\car\uFFFDol", "U+FFFD" },
            new object[] { @"Users\carol", "absolute local" },
            new object[] { @"C:carol", "absolute local" },
            new object[] { @"C:/Users/carol", "forward slash" },
            new object[] { @"C:\", "drive's root" },
            new object[] { @"C:\Users\carol.", "ends with" },
            new object[] { @"C:\Users\carol \x", "ends with" },
            new object[] { @"C:\Users\carol:secret", "stream" },
            new object[] { @"C:\Users\" + new string('a', 200), "longer than 200" },
        };

        [Theory]
        [MemberData(nameof(Refused))]
        public void A_hostile_or_odd_profile_path_is_refused_with_its_reason(string value, string reason)
        {
            Assert.Null(SignedOutProfiles.CheckProfilePath(value, @"C:\Windows", out var refusal));
            Assert.Contains(reason, refusal);
        }

        [Theory]
        [InlineData(@"C:\Users\carol", @"C:\Windows", @"C:\Users\carol")]
        [InlineData(@"C:\Users\carol\", @"C:\Windows", @"C:\Users\carol")]
        [InlineData(@"%SystemDrive%\Users\carol", @"D:\Windows", @"D:\Users\carol")]
        [InlineData(@"%systemdrive%\Users\carol", @"D:\Windows\", @"D:\Users\carol")]
        [InlineData(@"%SystemRoot%\ServiceProfiles\Carol", @"E:\WinNT", @"E:\WinNT\ServiceProfiles\Carol")]
        [InlineData(@"C:\Users\John (Admin)", null, @"C:\Users\John (Admin)")]
        [InlineData(@"C:\Users\José.CONTOSO", null, @"C:\Users\José.CONTOSO")]
        public void A_plain_local_profile_path_is_used_with_only_the_targets_system_variables_expanded(string value, string systemRoot, string expected)
        {
            Assert.Equal(expected, SignedOutProfiles.CheckProfilePath(value, systemRoot, out var refusal));
            Assert.Null(refusal);
        }

        [Theory]
        [InlineData(null)]
        [InlineData(@"\\server\Windows")]
        [InlineData(@"C:\Win&dows")]
        public void A_system_variable_is_refused_when_the_targets_SystemRoot_is_not_a_usable_local_path(string systemRoot)
        {
            Assert.Null(SignedOutProfiles.CheckProfilePath(@"%SystemDrive%\Users\carol", systemRoot, out var refusal));
            Assert.Contains("SystemRoot", refusal);
        }

        [Theory]
        [InlineData("reg.exe load \"HKU\\x\" \"C:\\a&b\\NTUSER.DAT\"")]
        [InlineData("reg.exe add x /d %PATH%")]
        [InlineData("reg.exe add x /d !x!")]
        [InlineData("reg.exe add x | more")]
        [InlineData("reg.exe add \"x /f")]
        [InlineData("reg.exe add x\r\ncalc")]
        [InlineData(" ")]
        public void A_chain_takes_no_link_that_carries_its_own_metacharacters(string command)
        {
            Assert.Throws<ArgumentException>(() => new CommandChain().Then(command));
            Assert.Throws<ArgumentException>(() => new CommandChain().Then("reg.exe query HKLM").ThenIfSucceeded(command));
        }

        [Fact]
        public void A_chain_joins_with_and_and_if_succeeded_and_cannot_start_with_a_condition()
        {
            var chain = new CommandChain().Then("a.exe \"x y\"").ThenIfSucceeded("b.exe").Then("c.exe");
            Assert.Equal("a.exe \"x y\" && b.exe & c.exe", chain.ToString());
            Assert.Equal(3, chain.Count);
            Assert.Throws<InvalidOperationException>(() => new CommandChain().ThenIfSucceeded("b.exe"));
            Assert.Throws<ArgumentException>(() => ProcessClient.WrapForExitCode(new CommandChain(), RunId));
            // The one-command wrapper still refuses what only a chain may carry.
            Assert.Throws<ArgumentException>(() => ProcessClient.WrapForExitCode(chain.ToString(), RunId));
        }
    }
}
