using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using AppBan.Engine.Tests.Simulation;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>One simulator for the end-to-end tests: sample hosts plus hosts written here, one per fault.</summary>
    public sealed class SimulatedFleetFixture : SimulatorFixture
    {
        public const int BulkProcesses = 10000;
        public const string Password = "E2e-Simulated!";

        public SimulatedFleetFixture() : base(WriteFaultHosts(), "laptop-01.json", "unreachable-01.json", "nonadmin-01.json") { }

        /// <summary>The folder of the hosts written here, one per fault.</summary>
        private string Directory => HostFiles[0];

        private static string WriteFaultHosts()
        {
            var directory = Path.Combine(Path.GetTempPath(), "appban-cim-e2e-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            void Write(string name, object extra)
            {
                var doc = new Dictionary<string, object>
                {
                    ["schemaVersion"] = 1,
                    ["computerName"] = name,
                    ["accounts"] = new[] { new { user = "it-admin", password = Password, isAdmin = true } },
                };
                foreach (var p in extra.GetType().GetProperties()) doc[p.Name] = p.GetValue(extra);
                File.WriteAllText(Path.Combine(directory, name.ToLowerInvariant() + ".json"), JsonSerializer.Serialize(doc));
            }
            Write("BULK-01", new { processes = Enumerable.Range(0, BulkProcesses).Select(i => new { name = "worker" + i + ".exe", processId = 100000 + i }).ToArray() });
            Write("SLOW-01", new
            {
                processes = Enumerable.Range(0, 200).Select(i => new { name = "slow" + i + ".exe", processId = 200000 + i }).ToArray(),
                faults = new { latencyByOperation = new Dictionary<string, int> { ["Pull"] = 300 } },
            });
            foreach (var kind in new[] { "quota", "accessDenied", "http500", "drop", "timeout", "hang" })
                Write("OP-" + kind.ToUpperInvariant(), new { faults = new { operations = new[] { new { on = 1, kind, andAfter = true } } } });
            Write("PROVIDER-01", new { faults = new { providerErrors = new object[] { new { @class = "StdRegProv", method = "EnumKey" }, new { @class = "Win32_Process" } } } });
            Write("LOCKED-01", new
            {
                registry = new[] { new { path = @"HKLM\SOFTWARE\Locked\Child", values = new Dictionary<string, object> { ["Name"] = "x" } } },
                faults = new { accessDenied = new[] { new { path = @"HKLM\SOFTWARE\Locked", operations = "all" } } },
            });
            Write("REJECT-01", new { faults = new { rejectAllCredentials = true } });
            Write("OFF-01", new { faults = new { switchedOff = true } });
            // Windows' own WinRM defaults (schemaVersion 2 without winRm): Basic off, no unencrypted traffic.
            Write("WINRM-DEFAULTS", new { schemaVersion = 2 });
            Write("WINRM-NOUNENCRYPTED", new { schemaVersion = 2, winRm = new { basic = true } });
            foreach (var mode in new[] { "honoured", "ignored" })
                Write("ARCH-" + mode.ToUpperInvariant(), new
                {
                    schemaVersion = 2,
                    winRm = new { basic = true, allowUnencrypted = true, providerArchitecture = mode },
                    uninstallEntries = new[]
                    {
                        new { view = "64", key = "Native App", values = new Dictionary<string, object> { ["DisplayName"] = "Native App" } },
                        new { view = "32", key = "Wow App", values = new Dictionary<string, object> { ["DisplayName"] = "Wow App" } },
                    },
                });
            return directory;
        }

        public override void Dispose()
        {
            base.Dispose();
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The managed WS-Man client end to end against the simulated fleet, over real loopback HTTP.</summary>
    public class SimulatedFleetTests : IClassFixture<SimulatedFleetFixture>
    {
        private const string Uninstall = @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall";
        private readonly SimulatedFleetFixture fleet;

        public SimulatedFleetTests(SimulatedFleetFixture fleet) => this.fleet = fleet;

        private SimulatorProcess Sim => fleet.Simulator;

        private WsManSession Session(string host, string user = null, string password = null, TimeSpan? timeout = null, int maxElements = 500,
            TimeSpan? connectTimeout = null)
        {
            var target = fleet.AdminTarget(host);
            if (user != null || password != null)
            {
                var h = Sim[host];
                target.Credential = new NetworkCredential(user ?? h.AdminUser, password ?? h.AdminPassword);
            }
            target.OperationTimeout = timeout;
            var options = new WsManSessionOptions { MaxElements = maxElements, ClientGrace = TimeSpan.FromSeconds(1) };
            if (connectTimeout.HasValue) options.ConnectTimeout = connectTimeout.Value;
            return new WsManSession(target, options);
        }

        /// <summary>Resets the host, then the error of one query as its administrator over Basic.</summary>
        private async Task<CimException> FreshQueryFails(string host)
        {
            await Sim.ResetAsync(host);
            using (var s = Session(host)) return await QueryFails(s, "SELECT * FROM Win32_OperatingSystem");
        }

        private static Task<CimException> QueryFails(ICimSession s, string wql, string ns = @"root\cimv2") =>
            Assert.ThrowsAsync<CimException>(() => s.QueryAsync(ns, wql, _ => { }, CimCallOptions.Default));

        [Fact]
        public async Task Ten_thousand_instances_arrive_across_many_pulls_and_no_context_stays_open()
        {
            await Sim.ResetAsync("BULK-01");
            var pids = new HashSet<uint>();
            using (var s = Session("BULK-01", maxElements: 500))
                await s.QueryAsync(@"root\cimv2", "SELECT ProcessId, Name FROM Win32_Process", o =>
                {
                    Assert.Equal("Win32_Process", o.ClassName);
                    pids.Add(o["ProcessId"].AsUInt32().Value);
                }, CimCallOptions.Default);

            Assert.All(Enumerable.Range(0, SimulatedFleetFixture.BulkProcesses), i => Assert.Contains((uint)(100000 + i), pids));
            var counts = await Sim.GetOperationCountsAsync("BULK-01");
            Assert.Equal(1, counts["Enumerate"]);
            Assert.True(counts["Pull"] >= SimulatedFleetFixture.BulkProcesses / 500 - 1, "expected about 20 pulls, saw " + counts["Pull"]);
            Assert.Equal(0, await Sim.GetOpenEnumerationCountAsync("BULK-01"));
        }

        [Fact]
        public async Task EnumKey_and_GetStringValue_read_the_64_bit_registry()
        {
            using (var s = Session("LAPTOP-01"))
            {
                var registry = new RegistryClient(s);
                var keys = await registry.EnumKeyAsync(RegistryHive.LocalMachine, Uninstall);
                Assert.True(keys.Success);
                Assert.Contains("TikTok LIVE Studio", keys.Value);

                var expected = await Sim.GetRegistryAsync("LAPTOP-01", @"HKLM\" + Uninstall);
                var names = expected.Value.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("name").GetString()).ToList();
                Assert.Equal(names.OrderBy(n => n, StringComparer.OrdinalIgnoreCase), keys.Value.OrderBy(n => n, StringComparer.OrdinalIgnoreCase));

                var name = await registry.GetStringValueAsync(RegistryHive.LocalMachine, Uninstall + @"\TikTok LIVE Studio", "DisplayName");
                Assert.Equal("TikTok LIVE Studio", name.Value);
                var missing = await registry.GetStringValueAsync(RegistryHive.LocalMachine, Uninstall + @"\TikTok LIVE Studio", "NoSuchValue");
                Assert.Equal(RegistryOutcome.ValueNotFound, missing.Outcome);
                var noKey = await registry.GetStringValueAsync(RegistryHive.LocalMachine, Uninstall + @"\NoSuchKey", "DisplayName");
                Assert.Equal(RegistryOutcome.KeyNotFound, noKey.Outcome);
                var mismatch = await registry.GetStringValueAsync(RegistryHive.LocalMachine, Uninstall + @"\TikTok LIVE Studio", "EstimatedSize");
                Assert.Equal(RegistryOutcome.TypeMismatch, mismatch.Outcome);
            }
        }

        [Fact]
        public async Task Registry_writes_round_trip_and_the_tree_is_deleted_bottom_up()
        {
            await Sim.ResetAsync("LAPTOP-01");
            using (var s = Session("LAPTOP-01"))
            {
                var registry = new RegistryClient(s);
                Assert.True((await registry.CreateKeyAsync(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\Runs\e2e\child")).Success);
                Assert.True((await registry.SetStringValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\Runs\e2e\child", "ExitCode", "0")).Success);
                Assert.True((await registry.SetDWordValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\Runs\e2e", "Count", 7)).Success);
                Assert.Equal(7u, (await registry.GetDWordValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\Runs\e2e", "Count")).Value);
                Assert.NotNull(await Sim.GetRegistryAsync("LAPTOP-01", @"HKLM\SOFTWARE\AppBan\Runs\e2e\child"));

                Assert.True((await registry.DeleteKeyTreeAsync(RegistryHive.LocalMachine, @"SOFTWARE\AppBan\Runs\e2e")).Success);
                Assert.Null(await Sim.GetRegistryAsync("LAPTOP-01", @"HKLM\SOFTWARE\AppBan\Runs\e2e"));
                var log = await Sim.GetOperationsAsync("LAPTOP-01");
                var deletes = log.EnumerateArray().Where(e => e.GetProperty("operation").GetString() == "StdRegProv.DeleteKey").ToList();
                Assert.Equal(new[] { "ReturnValue=0", "ReturnValue=0" }, deletes.Select(e => e.GetProperty("result").GetString()));
                Assert.Contains(@"e2e\child", deletes[0].GetProperty("detail").GetString()); // the child first
            }
            await Sim.ResetAsync("LAPTOP-01");
        }

        [Fact]
        public async Task Each_fault_is_a_typed_error()
        {
            var expected = new Dictionary<string, CimErrorKind>
            {
                ["OP-QUOTA"] = CimErrorKind.QuotaExceeded,
                ["OP-ACCESSDENIED"] = CimErrorKind.AccessDenied,
                ["OP-HTTP500"] = CimErrorKind.ProtocolError,
                ["OP-DROP"] = CimErrorKind.ProtocolError,
                ["OP-TIMEOUT"] = CimErrorKind.Timeout,
            };
            foreach (var pair in expected)
            {
                using (var s = Session(pair.Key, timeout: TimeSpan.FromSeconds(1)))
                {
                    var ex = await QueryFails(s, "SELECT * FROM Win32_OperatingSystem");
                    Assert.True(pair.Value == ex.Kind, pair.Key + ": expected " + pair.Value + ", got " + ex.Kind + " (" + ex.Message + ")");
                    Assert.Equal(Sim[pair.Key].ComputerName, ex.ComputerName);
                }
            }
        }

        [Fact]
        public async Task Provider_errors_and_wmi_faults_are_typed()
        {
            using (var s = Session("PROVIDER-01"))
            {
                var enumKey = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(s).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE"));
                Assert.Equal(CimErrorKind.ProviderFailure, enumKey.Kind);
                Assert.Equal(0x80041001L, enumKey.NativeCode);
                Assert.Equal(CimErrorKind.ProviderFailure, (await QueryFails(s, "SELECT * FROM Win32_Process")).Kind);
                // Other methods of the class still work.
                Assert.True((await new RegistryClient(s).GetStringValueAsync(RegistryHive.LocalMachine, @"SOFTWARE\Microsoft\Windows NT\CurrentVersion", "ProductName")).Outcome != RegistryOutcome.Failed);
            }
            using (var s = Session("LAPTOP-01"))
            {
                Assert.Equal(CimErrorKind.InvalidClass, (await QueryFails(s, "SELECT * FROM AppBan_NoSuchClass")).Kind);
                var badQuery = await QueryFails(s, "SELEKT nonsense");
                Assert.True(badQuery.Kind == CimErrorKind.InvalidQuery, badQuery.Kind + " " + badQuery.Message);
                var badNamespace = await QueryFails(s, "SELECT * FROM Win32_Process", @"root\appban-nothing");
                Assert.True(badNamespace.Kind == CimErrorKind.InvalidNamespace, badNamespace.Kind + " " + badNamespace.Message);
                var badClass = await Assert.ThrowsAsync<CimException>(() =>
                    s.InvokeMethodAsync(@"root\cimv2", "AppBan_NoSuchClass", "Anything", Array.Empty<CimParameter>(), CimCallOptions.Default));
                Assert.Equal(CimErrorKind.InvalidClass, badClass.Kind);
            }
        }

        [Fact]
        public async Task A_denied_key_is_an_outcome_not_an_exception()
        {
            using (var s = Session("LOCKED-01"))
            {
                var r = await new RegistryClient(s).EnumKeyAsync(RegistryHive.LocalMachine, @"SOFTWARE\Locked");
                Assert.Equal(RegistryOutcome.AccessDenied, r.Outcome);
                Assert.Equal(5u, r.ReturnValue);
            }
        }

        [Fact]
        public async Task Wrong_password_and_rejected_credentials_are_AuthenticationFailed()
        {
            using (var s = Session("LAPTOP-01", password: "wrong-password"))
            {
                var ex = await QueryFails(s, "SELECT * FROM Win32_OperatingSystem");
                Assert.Equal(CimErrorKind.AuthenticationFailed, ex.Kind);
                Assert.Equal(401L, ex.NativeCode);
                Assert.DoesNotContain("wrong-password", ex.ToString());
            }
            using (var s = Session("REJECT-01"))
                Assert.Equal(CimErrorKind.AuthenticationFailed, (await QueryFails(s, "SELECT * FROM Win32_OperatingSystem")).Kind);
        }

        [Fact]
        public async Task An_unreachable_host_refuses_the_connection()
        {
            using (var s = Session("UNREACHABLE-01"))
            {
                var ex = await QueryFails(s, "SELECT * FROM Win32_OperatingSystem");
                Assert.Equal(CimErrorKind.Unreachable, ex.Kind);
                Assert.Contains("refused", ex.Message);
            }
        }

        [Fact]
        public async Task A_switched_off_host_is_Unreachable_after_the_connect_timeout_not_a_Timeout_after_the_operation_timeout()
        {
            Assert.False(Sim["OFF-01"].Reachable);
            // The operation timeout is far longer than the connect timeout: only a separately bounded connect ends as Unreachable.
            using (var s = Session("OFF-01", timeout: TimeSpan.FromMinutes(5), connectTimeout: TimeSpan.FromSeconds(1)))
            {
                var ex = await QueryFails(s, "SELECT * FROM Win32_OperatingSystem");
                Assert.Equal(CimErrorKind.Unreachable, ex.Kind);
                Assert.Equal((long)CimErrorCodes.WsManNetworkTimedOut, ex.NativeCode);
                Assert.Contains("switched off", ex.Message);
            }
        }

        [Fact]
        public async Task A_host_with_Windows_default_WinRM_answers_Basic_with_Negotiate_and_the_error_says_what_the_target_needs()
        {
            var ex = await FreshQueryFails("WINRM-DEFAULTS");
            Assert.Equal(CimErrorKind.AuthenticationFailed, ex.Kind);
            Assert.Equal("BasicAuthenticationDisabled", ex.Detail);
            Assert.Contains("offering only Negotiate", ex.Message);
            Assert.Contains("HTTPS listener", ex.Message);
            Assert.Contains("Basic for local accounts", ex.Message);
            Assert.DoesNotContain(SimulatedFleetFixture.Password, ex.Message);
            var log = (await Sim.GetOperationsAsync("WINRM-DEFAULTS")).EnumerateArray().ToList();
            Assert.All(log, o => Assert.Equal("401", o.GetProperty("result").GetString()));
            Assert.NotEmpty(log);
        }

        [Fact]
        public async Task Basic_over_HTTP_to_a_service_that_refuses_unencrypted_traffic_is_EncryptionRequired()
        {
            var ex = await FreshQueryFails("WINRM-NOUNENCRYPTED");
            Assert.Equal(CimErrorKind.EncryptionRequired, ex.Kind);
            Assert.Contains("AllowUnencrypted", ex.Message);
            Assert.DoesNotContain((await Sim.GetOperationsAsync("WINRM-NOUNENCRYPTED")).EnumerateArray(),
                o => o.GetProperty("operation").GetString() == "Enumerate");
        }

        [Theory]
        [InlineData("ARCH-HONOURED")]
        [InlineData("ARCH-IGNORED")]
        public async Task Both_registry_views_read_right_whether_the_architecture_option_is_honoured_or_ignored(string host)
        {
            using (var s = Session(host))
            {
                var registry = new RegistryClient(s);
                var native = await registry.EnumKeyAsync(RegistryHive.LocalMachine, Uninstall);
                var wow = await registry.EnumKeyAsync(RegistryHive.LocalMachine, @"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall");
                Assert.Equal(new[] { "Native App" }, native.Value);
                Assert.Equal(new[] { "Wow App" }, wow.Value);
            }
        }

        [Fact]
        public async Task A_hanging_host_times_out_on_the_client_side()
        {
            using (var s = Session("OP-HANG", timeout: TimeSpan.FromSeconds(1)))
            {
                var ex = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(s).EnumKeyAsync(RegistryHive.LocalMachine, "SOFTWARE"));
                Assert.Equal(CimErrorKind.Timeout, ex.Kind);
            }
        }

        [Fact]
        public async Task Cancelling_mid_enumeration_leaves_no_open_context()
        {
            await Sim.ResetAsync("SLOW-01");
            using (var s = Session("SLOW-01", maxElements: 20))
            using (var cts = new CancellationTokenSource())
            {
                var seen = 0;
                var ex = await Assert.ThrowsAsync<CimException>(() => s.QueryAsync(@"root\cimv2", "SELECT ProcessId FROM Win32_Process", _ =>
                {
                    if (++seen == 30) cts.Cancel(); // during the second page; the next Pull is never sent
                }, new CimCallOptions { CancellationToken = cts.Token }));
                Assert.Equal(CimErrorKind.Cancelled, ex.Kind);
            }
            var counts = await Sim.GetOperationCountsAsync("SLOW-01");
            Assert.Equal(1, counts["Release"]);
            Assert.Equal(0, await Sim.GetOpenEnumerationCountAsync("SLOW-01"));
        }

        [Fact]
        public async Task Cancelling_an_in_flight_pull_releases_the_context()
        {
            await Sim.ResetAsync("SLOW-01");
            using (var s = Session("SLOW-01", maxElements: 20))
            using (var cts = new CancellationTokenSource())
            {
                var query = s.QueryAsync(@"root\cimv2", "SELECT ProcessId FROM Win32_Process", _ => { }, new CimCallOptions { CancellationToken = cts.Token });
                while ((await Sim.GetOperationCountsAsync("SLOW-01")).GetValueOrDefault("Pull") == 0) await Task.Delay(20);
                cts.Cancel();
                var ex = await Assert.ThrowsAsync<CimException>(() => query);
                Assert.Equal(CimErrorKind.Cancelled, ex.Kind);
            }
            // The slow Pull the server is still answering may end after the Release; wait until the server is quiet.
            for (var i = 0; i < 50 && await Sim.GetOpenEnumerationCountAsync("SLOW-01") > 0; i++) await Task.Delay(100);
            Assert.Equal(0, await Sim.GetOpenEnumerationCountAsync("SLOW-01"));
        }

        private SimulatedAccount NonAdmin(string user) => Sim["NONADMIN-01"].Accounts.Single(a => a.User == user);

        private async Task<List<JsonElement>> NonAdminLog() => (await Sim.GetOperationsAsync("NONADMIN-01")).EnumerateArray().ToList();

        [Fact]
        public async Task A_standard_account_outside_Remote_Management_Users_fails_authentication_and_reads_nothing()
        {
            await Sim.ResetAsync("NONADMIN-01");
            var kiosk = NonAdmin("kiosk");
            using (var s = Session("NONADMIN-01", kiosk.User, kiosk.Password))
            {
                var result = await ConnectionTester.TestAsync(s, null, CancellationToken.None);
                Assert.True(result.Reachable);
                Assert.False(result.Authenticated || result.CanReadRegistry || result.IsAdministrator);
                Assert.Equal(CimErrorKind.AuthenticationFailed, result.ErrorKind);
                Assert.Contains("Remote Management Users", result.Error);
                var ex = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(s).EnumKeyAsync(RegistryHive.LocalMachine, Uninstall));
                Assert.Equal(CimErrorKind.AuthenticationFailed, ex.Kind);
                Assert.Equal(401, ex.NativeCode);
                Assert.DoesNotContain(kiosk.Password, ex.Message);
            }
            var log = await NonAdminLog();
            Assert.NotEmpty(log);
            Assert.All(log, e => Assert.Equal(("Unauthorized", "401", "kiosk"),
                (e.GetProperty("operation").GetString(), e.GetProperty("result").GetString(), e.GetProperty("user").GetString())));
        }

        [Fact]
        public async Task A_Remote_Management_User_without_Remote_Enable_is_denied_by_WMI_and_reads_nothing()
        {
            await Sim.ResetAsync("NONADMIN-01");
            var helpdesk = NonAdmin("helpdesk");
            using (var s = Session("NONADMIN-01", helpdesk.User, helpdesk.Password))
            {
                var result = await ConnectionTester.TestAsync(s, null, CancellationToken.None);
                Assert.True(result.Reachable && result.Authenticated);
                Assert.False(result.CanReadRegistry || result.IsAdministrator);
                Assert.Null(result.OSCaption);
                Assert.Equal(CimErrorKind.AccessDenied, result.ErrorKind);
                Assert.Contains("The WMI service returned an 'access denied' error.", result.Error);
                var ex = await Assert.ThrowsAsync<CimException>(() => new RegistryClient(s).EnumKeyAsync(RegistryHive.LocalMachine, Uninstall));
                Assert.Equal(CimErrorKind.AccessDenied, ex.Kind);
                Assert.Equal(0x80338104L, ex.NativeCode);
                Assert.StartsWith(s.ComputerName + ": ", ex.Message);
            }
            var log = await NonAdminLog();
            Assert.Contains(log, e => e.GetProperty("operation").GetString() == "StdRegProv.EnumKey");
            Assert.All(log, e => Assert.Equal(("fault:AccessDenied", "helpdesk"), (e.GetProperty("result").GetString(), e.GetProperty("user").GetString())));
        }

        [Fact]
        public async Task An_account_granted_Remote_Enable_reads_but_cannot_write_HKLM()
        {
            var student = NonAdmin("student");
            using (var s = Session("NONADMIN-01", student.User, student.Password))
            {
                var result = await ConnectionTester.TestAsync(s, null, CancellationToken.None);
                Assert.True(result.Reachable && result.Authenticated && result.CanReadRegistry);
                Assert.False(result.IsAdministrator);
                Assert.Equal("Microsoft Windows 11 Pro", result.OSCaption);
            }
            using (var s = Session("LAPTOP-01"))
                Assert.True((await ConnectionTester.TestAsync(s, null, CancellationToken.None)).Success);
        }
    }
}
