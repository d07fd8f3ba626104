using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Exemptions;
using AppBan.Engine.Policy;
using Newtonsoft.Json.Linq;
using Xunit;

namespace AppBan.Engine.Tests.Policy
{
    public sealed class PolicyExemptionWriterTests : IDisposable
    {
        private readonly string dir = Path.Combine(Path.GetTempPath(), "appban-pew-" + Guid.NewGuid().ToString("N"));

        private const string Policy = @"{
    ""schemaVersion"": 1,
    ""name"": ""Contoso ban"",
    ""description"": ""Bureau decision, caf\u00e9 été"",
    ""enforceAfter"": ""2027-01-01T00:00:00Z"",
    ""rules"": [
        { ""id"": ""tiktok-store"", ""displayName"": ""TikTok"", ""matchers"": [ { ""packageFamilyName"": ""BytedancePte.Ltd.TikTok_6yccndn6064se"" } ] },
        { ""id"": ""capcut"", ""displayName"": ""CapCut"", ""matchers"": [ { ""keyName"": ""CapCut"" } ] }
    ]
}
";

        private static AppBanPolicy LoadPolicy(string path) => PolicyLoader.LoadFile(path);


        public PolicyExemptionWriterTests() => Directory.CreateDirectory(dir);
        public void Dispose() { try { Directory.Delete(dir, true); } catch (IOException) { } }

        private string Write(string text, bool bom = false)
        {
            var path = Path.Combine(dir, "policy.json");
            File.WriteAllText(path, text, new UTF8Encoding(bom));
            return path;
        }

        private static Exemption Grant(string user = @"CONTOSO\alice", string computer = null) => new Exemption
        {
            Id = ExemptionId.New(),
            RuleId = "tiktok-store",
            UserName = user,
            ComputerName = computer,
            Reason = "Press office",
            ApprovedBy = "CISO",
            GrantedOn = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero),
            Expires = new DateTimeOffset(2027, 1, 31, 0, 0, 0, TimeSpan.Zero),
        };

        [Fact]
        public void Add_appends_an_entry_in_the_documented_shape_and_keeps_everything_else()
        {
            var path = Write(Policy);
            var e = Grant();
            new PolicyExemptionWriter(path).Add(e);

            var text = File.ReadAllText(path);
            var doc = JObject.Parse(text, new JsonLoadSettings());
            Assert.Equal(new[] { "schemaVersion", "name", "description", "enforceAfter", "rules", "exemptions" }, doc.Properties().Select(p => p.Name).ToArray());
            var original = JObject.Parse(Policy);
            foreach (var p in original.Properties()) Assert.True(JToken.DeepEquals(p.Value, doc[p.Name]), p.Name + " changed");
            Assert.Contains("\"enforceAfter\": \"2027-01-01T00:00:00Z\"", text);
            Assert.Contains("caf\u00e9 été", text.Replace("\\u00e9", "\u00e9"));
            var loaded = Assert.Single(LoadPolicy(path).Exemptions);
            Assert.Equal(e.Id, loaded.Id);
            Assert.Equal(e.Expires, loaded.Expires);

            var entry = (JObject)Assert.Single((JArray)doc["exemptions"]);
            Assert.Equal(new[] { "id", "ruleId", "user", "reason", "approvedBy", "grantedOn", "expires" }, entry.Properties().Select(p => p.Name).ToArray());
            Assert.Equal(e.Id, (string)entry["id"]);
            Assert.Equal(@"CONTOSO\alice", (string)entry["user"]);
            Assert.Contains("\"grantedOn\": \"2026-11-28T10:00:00Z\"", text);
            Assert.Contains("\"expires\": \"2027-01-31T00:00:00Z\"", text);
            Assert.Equal(ExemptionSource.Policy, e.Source);
            Assert.Equal(Path.GetFullPath(path), e.Location);
        }

        [Fact]
        public void Indentation_line_endings_final_newline_and_bom_are_kept()
        {
            var crlf = Policy.Replace("\r\n", "\n").Replace("\n", "\r\n");
            var path = Write(crlf, bom: true);
            new PolicyExemptionWriter(path).Add(Grant());
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes.Take(3).ToArray());
            var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
            Assert.StartsWith("{\r\n    \"schemaVersion\": 1,\r\n    \"name\": \"Contoso ban\",", text);
            Assert.EndsWith("}\r\n", text);
            Assert.DoesNotContain("\n", text.Replace("\r\n", ""));

            var tabs = Write("{\n\t\"schemaVersion\": 1,\n\t\"name\": \"x\",\n\t\"rules\": [ { \"id\": \"tiktok-store\", \"displayName\": \"T\", \"matchers\": [ { \"keyName\": \"T\" } ] } ]\n}");
            new PolicyExemptionWriter(tabs).Add(Grant());
            text = File.ReadAllText(tabs);
            Assert.StartsWith("{\n\t\"schemaVersion\": 1,\n\t\"name\": \"x\",", text);
            Assert.Contains("\n\t\"exemptions\": [\n\t\t{\n\t\t\t\"id\"", text);
            Assert.EndsWith("}", text);

            // UTF-16 with a BOM, as Windows PowerShell 5.1 writes by default, stays UTF-16.
            var utf16 = Path.Combine(dir, "utf16.json");
            File.WriteAllText(utf16, Policy, new UnicodeEncoding(false, true));
            new PolicyExemptionWriter(utf16).Add(Grant());
            bytes = File.ReadAllBytes(utf16);
            Assert.Equal(new byte[] { 0xFF, 0xFE }, bytes.Take(2).ToArray());
            Assert.Single(LoadPolicy(utf16).Exemptions);
        }

        [Fact]
        public void A_null_expiry_is_written_as_null_and_a_sid_user_as_userSid()
        {
            var path = Write(Policy);
            var e = Grant(user: null, computer: "KIOSK-*");
            e.UserSid = "S-1-5-21-1-2-3-1001";
            e.Expires = null;
            new PolicyExemptionWriter(path).Add(e);
            var entry = (JObject)JObject.Parse(File.ReadAllText(path))["exemptions"][0];
            Assert.Equal(JTokenType.Null, entry["expires"].Type);
            Assert.Equal("S-1-5-21-1-2-3-1001", (string)entry["userSid"]);
            Assert.Null(entry["user"]);
            Assert.Equal("KIOSK-*", (string)entry["computer"]);

            var read = Assert.Single(LoadPolicy(path).Exemptions);
            Assert.Null(read.Expires);
            Assert.Equal("KIOSK-*", read.ComputerName);
            Assert.Equal(e.GrantedOn, read.GrantedOn);
        }

        [Fact]
        public void Remove_takes_out_only_that_entry_and_returns_it()
        {
            var path = Write(Policy);
            var writer = new PolicyExemptionWriter(path);
            var a = Grant();
            var b = Grant(@"CONTOSO\bob");
            writer.Add(a);
            writer.Add(b);
            var removed = writer.Remove(a.Id.Replace("-", "").ToUpperInvariant());
            Assert.Equal(a.Id, removed.Id);
            Assert.Equal(@"CONTOSO\alice", removed.UserName);
            var left = LoadPolicy(path).Exemptions;
            Assert.Equal(new[] { b.Id }, left.Select(x => x.Id).ToArray());

            var before = File.ReadAllText(path);
            Assert.Null(writer.Remove(a.Id));
            Assert.Equal(before, File.ReadAllText(path));
        }

        [Fact]
        public void A_hand_written_entry_with_a_non_guid_id_can_be_removed()
        {
            var path = Write(Policy.Replace("    ]\n}", "    ],\n    \"exemptions\": [ { \"id\": \"press-1\", \"ruleId\": \"*\", \"user\": \"CONTOSO\\\\alice\", \"reason\": \"x\", \"expires\": null } ]\n}"));
            var removed = new PolicyExemptionWriter(path).Remove("PRESS-1");
            Assert.Equal("press-1", removed.Id);
            Assert.Equal(@"CONTOSO\alice", removed.UserName);
            Assert.Empty((JArray)JObject.Parse(File.ReadAllText(path))["exemptions"]);
        }

        [Fact]
        public void A_duplicate_id_is_refused_and_the_file_is_left_as_it_was()
        {
            var path = Write(Policy);
            var writer = new PolicyExemptionWriter(path);
            var e = Grant();
            writer.Add(e);
            var before = File.ReadAllText(path);
            var again = Grant();
            again.Id = e.Id.Replace("-", "");
            var ex = Assert.Throws<ExemptionException>(() => writer.Add(again));
            Assert.Equal(ExemptionErrorKind.ExemptionExists, ex.Kind);
            Assert.Equal(before, File.ReadAllText(path));
        }

        [Theory]
        [InlineData("{ \"schemaVersion\": 1, \"name\": \"x\", \"rules\": [], ")]
        [InlineData("[ 1, 2 ]")]
        [InlineData("{ \"exemptions\": {} }")]
        [InlineData("{ \"a\": 1, \"a\": 2 }")]
        [InlineData("{ } { }")]
        public void A_document_that_cannot_be_edited_is_refused_untouched(string text)
        {
            var path = Write(text);
            var ex = Assert.Throws<ExemptionException>(() => new PolicyExemptionWriter(path).Add(Grant()));
            Assert.Equal(ExemptionErrorKind.InvalidPolicy, ex.Kind);
            Assert.Equal(text, File.ReadAllText(path));
        }

        [Fact]
        public void A_missing_file_is_an_invalid_policy_error()
        {
            var ex = Assert.Throws<ExemptionException>(() => new PolicyExemptionWriter(Path.Combine(dir, "none.json")).Add(Grant()));
            Assert.Equal(ExemptionErrorKind.InvalidPolicy, ex.Kind);
            Assert.False(File.Exists(Path.Combine(dir, "none.json")));
        }

        [Fact]
        public void An_edit_that_would_leave_an_invalid_policy_is_refused_and_changes_nothing()
        {
            var path = Write(Policy);
            var e = Grant();
            e.RuleId = "not-a-rule";
            var ex = Assert.Throws<ExemptionException>(() => new PolicyExemptionWriter(path).Add(e));
            Assert.Equal(ExemptionErrorKind.InvalidPolicy, ex.Kind);
            Assert.Contains("not-a-rule", ex.Message);
            Assert.Equal(Policy, File.ReadAllText(path));
            Assert.Equal(new[] { "policy.json", "policy.json.lock" }, Directory.GetFiles(dir).Select(Path.GetFileName).OrderBy(n => n).ToArray());
        }

        [Fact]
        public void A_policy_that_was_already_invalid_is_not_written()
        {
            var broken = Policy.Replace("\"capcut\"", "\"tiktok-store\"");
            var path = Write(broken);
            Assert.Throws<ExemptionException>(() => new PolicyExemptionWriter(path).Add(Grant()));
            Assert.Equal(broken, File.ReadAllText(path));
        }

        [Fact]
        public void A_lock_held_elsewhere_makes_the_grant_give_up_without_writing()
        {
            var path = Write(Policy);
            using (PolicyFileLock.Acquire(path, TimeSpan.FromSeconds(5)))
            {
                var writer = new PolicyExemptionWriter(path) { LockTimeout = TimeSpan.FromMilliseconds(300) };
                var ex = Assert.Throws<ExemptionException>(() => writer.Add(Grant()));
                Assert.Equal(ExemptionErrorKind.PolicyLocked, ex.Kind);
                Assert.Contains(".lock", ex.Message);
            }
            Assert.Equal(Policy, File.ReadAllText(path));
            // Released: the next grant goes through.
            new PolicyExemptionWriter(path).Add(Grant());
            Assert.Single(LoadPolicy(path).Exemptions);
        }

        [Fact]
        public void Concurrent_grants_on_one_file_are_all_kept()
        {
            var path = Write(Policy);
            const int writers = 4, each = 5;
            var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
            using (var start = new ManualResetEventSlim(false))
            {
                var threads = Enumerable.Range(0, writers).Select(w => new Thread(() =>
                {
                    start.Wait();
                    // A writer of its own per grant, as separate processes would have.
                    for (var i = 0; i < each; i++)
                    {
                        var e = Grant(@"CONTOSO\user" + w + "-" + i);
                        new PolicyExemptionWriter(path).Add(e);
                        ids.Add(e.Id);
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                start.Set();
                threads.ForEach(t => t.Join());
            }
            var all = LoadPolicy(path).Exemptions;
            Assert.Equal(writers * each, all.Count);
            Assert.Equal(ids.OrderBy(x => x), all.Select(x => x.Id).OrderBy(x => x));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
    }
}
