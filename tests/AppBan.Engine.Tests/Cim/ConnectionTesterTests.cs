using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
using AppBan.Engine.Tests.Fakes;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class ConnectionTesterTests
    {
        private static CimObject Os() => new CimObject("Win32_OperatingSystem", new Dictionary<string, CimValue>
        {
            ["Caption"] = CimValue.FromString("Microsoft Windows 11 Pro"),
            ["Version"] = CimValue.FromString("10.0.26100"),
            ["BuildNumber"] = CimValue.FromString("26100"),
        });

        /// <summary>A reachable host with one uninstall entry, reached as an account that may write HKLM\SOFTWARE.</summary>
        private static FakeWindowsHost Host()
        {
            var host = new FakeWindowsHost("PC-07") { Query = wql => new[] { Os() } };
            host.Key(@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\7-Zip").String("DisplayName", "7-Zip");
            return host;
        }

        [Fact]
        public async Task A_healthy_admin_target_passes_every_check()
        {
            var session = Host();
            var r = await ConnectionTester.TestAsync(session, null, CancellationToken.None);
            Assert.True(r.Success);
            Assert.Equal("Microsoft Windows 11 Pro", r.OSCaption);
            Assert.Equal("10.0.26100", r.OSVersion);
            Assert.NotNull(r.LatencyMs);
            Assert.Null(r.Error);
            var check = session.Calls.Single(c => c.Method == "CheckAccess");
            Assert.Equal("SOFTWARE", check.Parameters.Single(p => p.Name == "sSubKeyName").Value.AsString());
            Assert.Equal(ConnectionTester.WriteAccess, check.Parameters.Single(p => p.Name == "uRequired").Value.Value);
        }

        [Fact]
        public async Task A_non_admin_reads_but_is_not_an_administrator()
        {
            var session = Host();
            session.DenyWrite(@"HKLM\SOFTWARE");
            var r = await ConnectionTester.TestAsync(session, null, CancellationToken.None);
            Assert.True(r.Reachable && r.Authenticated && r.CanReadRegistry);
            Assert.False(r.IsAdministrator);
            Assert.False(r.Success);
            Assert.Equal(CimErrorKind.AccessDenied, r.ErrorKind);
            Assert.Equal("AccessDenied", r.ErrorId);
            Assert.Contains("PC-07", r.Error);
        }

        [Theory]
        [InlineData(CimErrorKind.Unreachable, false, false, "TargetUnreachable")]
        [InlineData(CimErrorKind.AuthenticationFailed, true, false, "AuthenticationFailed")]
        [InlineData(CimErrorKind.Timeout, false, false, "Timeout")]
        public async Task A_connection_failure_stops_the_checks(CimErrorKind kind, bool reachable, bool authenticated, string errorId)
        {
            var session = Host();
            session.Query = wql => throw new CimException(kind, "PC-07", "PC-07: failed");
            var r = await ConnectionTester.TestAsync(session, null, CancellationToken.None);
            Assert.Equal(reachable, r.Reachable);
            Assert.Equal(authenticated, r.Authenticated);
            Assert.Equal(errorId, r.ErrorId);
            Assert.Null(r.LatencyMs);
            Assert.Empty(session.Calls);
        }
    }
}
