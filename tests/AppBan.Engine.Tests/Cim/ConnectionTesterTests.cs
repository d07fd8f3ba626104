using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;
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

        [Fact]
        public async Task A_healthy_admin_target_passes_every_check()
        {
            var session = new ScriptedReplySession
            {
                QueryAnswer = wql => new[] { Os() },
                Answer = (m, a) => m == "CheckAccess"
                    ? ScriptedReplySession.Result(0, ("bGranted", CimValue.FromBoolean(true)))
                    : ScriptedReplySession.Result(0, ("sNames", CimValue.FromStringArray(new[] { "7-Zip" }))),
            };
            var r = await ConnectionTester.TestAsync(session, null, CancellationToken.None);
            Assert.True(r.Success);
            Assert.Equal("Microsoft Windows 11 Pro", r.OSCaption);
            Assert.Equal("10.0.26100", r.OSVersion);
            Assert.NotNull(r.LatencyMs);
            Assert.Null(r.Error);
            var check = session.Calls.Single(c => c.Method == "CheckAccess");
            Assert.Equal("SOFTWARE", check.Args.Single(p => p.Name == "sSubKeyName").Value.AsString());
            Assert.Equal(ConnectionTester.WriteAccess, check.Args.Single(p => p.Name == "uRequired").Value.Value);
        }

        [Fact]
        public async Task A_non_admin_reads_but_is_not_an_administrator()
        {
            var session = new ScriptedReplySession
            {
                QueryAnswer = wql => new[] { Os() },
                Answer = (m, a) => m == "CheckAccess"
                    ? ScriptedReplySession.Result(0, ("bGranted", CimValue.FromBoolean(false)))
                    : ScriptedReplySession.Result(0, ("sNames", CimValue.FromStringArray(new[] { "7-Zip" }))),
            };
            var r = await ConnectionTester.TestAsync(session, null, CancellationToken.None);
            Assert.True(r.Reachable && r.Authenticated && r.CanReadRegistry);
            Assert.False(r.IsAdministrator);
            Assert.False(r.Success);
            Assert.Equal(CimErrorKind.AccessDenied, r.ErrorKind);
            Assert.Equal("AccessDenied", r.ErrorId);
            Assert.Contains("scripted", r.Error);
        }

        [Theory]
        [InlineData(CimErrorKind.Unreachable, false, false, "TargetUnreachable")]
        [InlineData(CimErrorKind.AuthenticationFailed, true, false, "AuthenticationFailed")]
        [InlineData(CimErrorKind.Timeout, false, false, "Timeout")]
        public async Task A_connection_failure_stops_the_checks(CimErrorKind kind, bool reachable, bool authenticated, string errorId)
        {
            var session = new ScriptedReplySession
            {
                QueryAnswer = wql => throw new CimException(kind, "scripted", "scripted: failed"),
                Answer = (m, a) => throw new InvalidOperationException("no method call may follow a connection failure"),
            };
            var r = await ConnectionTester.TestAsync(session, null, CancellationToken.None);
            Assert.Equal(reachable, r.Reachable);
            Assert.Equal(authenticated, r.Authenticated);
            Assert.Equal(errorId, r.ErrorId);
            Assert.Null(r.LatencyMs);
            Assert.Empty(session.Calls);
        }
    }
}
