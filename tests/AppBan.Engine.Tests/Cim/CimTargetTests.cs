using System;
using AppBan.Engine.Cim;
using AppBan.Engine.Cim.WsMan;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    public class CimTargetTests
    {
        [Theory]
        [InlineData("localhost", true)]
        [InlineData("LOCALHOST:5985", true)]
        [InlineData("127.0.0.1", true)]
        [InlineData("127.0.1.3:5985", true)]
        [InlineData("[::1]:5986", true)]
        [InlineData("localhost:15985", false)]
        [InlineData("127.0.0.1:41234", false)]
        [InlineData("10.0.0.5", false)]
        [InlineData("laptop-01.example.org", false)]
        [InlineData("", false)]
        [InlineData("bad host", false)]
        public void Only_names_of_this_machine_are_this_computer(string name, bool expected) =>
            Assert.Equal(expected, CimTarget.IsThisComputer(name));

        [Fact]
        public void The_machine_name_is_this_computer_in_any_case()
        {
            Assert.True(CimTarget.IsThisComputer(System.Environment.MachineName.ToUpperInvariant()));
            Assert.True(CimTarget.IsThisComputer(System.Environment.MachineName.ToLowerInvariant() + ":5985"));
            Assert.False(CimTarget.IsThisComputer(System.Environment.MachineName + "-other"));
            Assert.False(CimTarget.IsThisComputer(System.Environment.MachineName + ":8080"));
            var dnsName = System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties().HostName;
            Assert.True(CimTarget.IsThisComputer(dnsName));
        }

        [Theory]
        [InlineData("laptop-01", "laptop-01", null, "http://laptop-01:5985/wsman")]
        [InlineData("laptop-01.corp.example:8080", "laptop-01.corp.example", 8080, "http://laptop-01.corp.example:8080/wsman")]
        [InlineData("127.0.0.1:41234", "127.0.0.1", 41234, "http://127.0.0.1:41234/wsman")]
        [InlineData("[::1]:5985", "::1", 5985, "http://[::1]:5985/wsman")]
        [InlineData("fe80::1", "fe80::1", null, "http://[fe80::1]:5985/wsman")]
        public void Names_and_ports_are_parsed(string text, string host, int? port, string endpoint)
        {
            var t = CimTarget.Parse(text);
            Assert.Equal(host, t.Host);
            Assert.Equal(port, t.ExplicitPort);
            Assert.Equal(text, t.ComputerName);
            Assert.Equal(new Uri(endpoint), t.WsManEndpoint);
        }

        [Fact]
        public void UseSsl_and_Port_pick_the_endpoint_and_an_explicit_port_wins()
        {
            var t = CimTarget.Parse("srv");
            t.UseSsl = true;
            Assert.Equal(new Uri("https://srv:5986/wsman"), t.WsManEndpoint);
            t.Port = 443;
            Assert.Equal(new Uri("https://srv:443/wsman"), t.WsManEndpoint);
            var explicitPort = CimTarget.Parse("srv:7000");
            explicitPort.Port = 443;
            Assert.Equal(7000, explicitPort.EffectivePort);
        }

        [Theory]
        [InlineData("")]
        [InlineData("host:")]
        [InlineData("host:0")]
        [InlineData("host:70000")]
        [InlineData("host:port")]
        [InlineData("[::1")]
        [InlineData("a:b:c")]
        [InlineData("bad host")]
        [InlineData("host/wsman")]
        public void Invalid_names_are_rejected(string text)
        {
            Assert.Throws<ArgumentException>(() => CimTarget.Parse(text));
        }

        [Fact]
        public void The_transport_is_MI_on_Windows_unless_forced_and_WsMan_elsewhere()
        {
            var windows = new CimSessionFactory(isWindows: true, isElevated: () => true);
            var linux = new CimSessionFactory(isWindows: false, isElevated: () => throw new InvalidOperationException("asked off Windows"));
            var target = CimTarget.Parse("srv");
            Assert.Equal(CimTransportKind.Mi, windows.TransportFor(target));
            Assert.Equal(CimTransportKind.WsMan, linux.TransportFor(target));
            target.ForceWsMan = true;
            Assert.Equal(CimTransportKind.WsMan, windows.TransportFor(target));
            Assert.Equal(CimTransportKind.Mi, windows.TransportFor(CimTarget.Local()));
            var ex = Assert.Throws<LocalMachineRefusedException>(() => linux.TransportFor(CimTarget.Local()));
            Assert.Equal("LocalMachineUnsupported", ex.ErrorId);
            Assert.Contains("-ComputerName", ex.Message);
        }

        [Fact]
        public void This_computer_is_refused_from_a_process_that_is_not_elevated_and_other_computers_are_not()
        {
            var asked = 0;
            var filtered = new CimSessionFactory(isWindows: true, isElevated: () => { asked++; return false; });
            var ex = Assert.Throws<LocalMachineRefusedException>(() => filtered.TransportFor(CimTarget.Local()));
            Assert.Equal("LocalSessionNotElevated", ex.ErrorId);
            Assert.Contains("Run as administrator", ex.Message);
            Assert.Throws<LocalMachineRefusedException>(() => filtered.Create(CimTarget.Local()));
            Assert.Equal(2, asked);
            // Another computer is reached with the target's own credentials; this process's token does not matter.
            Assert.Equal(CimTransportKind.Mi, filtered.TransportFor(CimTarget.Parse("srv")));
            Assert.Equal(2, asked);
        }

        [Theory]
        [InlineData(CimAuthentication.Default)]
        [InlineData(CimAuthentication.Negotiate)]
        [InlineData(CimAuthentication.Ntlm)]
        public void Negotiate_over_plain_http_is_accepted_for_NTLM_with_message_encryption(CimAuthentication auth)
        {
            var t = CimTarget.Parse("srv");
            t.Authentication = auth;
            t.Credential = new System.Net.NetworkCredential("admin", "S3cret!pw");
            using (var s = new WsManSession(t)) Assert.Equal(new Uri("http://srv:5985/wsman"), s.Endpoint);
        }

        [Fact]
        public void Kerberos_over_plain_http_is_refused_with_the_way_out_instead_of_falling_back()
        {
            var t = CimTarget.Parse("srv");
            t.Authentication = CimAuthentication.Kerberos;
            t.Credential = new System.Net.NetworkCredential("admin", "S3cret!pw");
            var ex = Assert.Throws<CimException>(() => new WsManSession(t));
            Assert.Equal(CimErrorKind.NotSupported, ex.Kind);
            Assert.Contains("Kerberos", ex.Message);
            Assert.Contains("-Authentication Negotiate", ex.Message);
            Assert.Contains("5986", ex.Message);
            Assert.DoesNotContain("S3cret!pw", ex.Message);
        }

        [Fact]
        public void NTLM_over_plain_http_without_a_credential_says_to_pass_one()
        {
            var ex = Assert.Throws<CimException>(() => new WsManSession(CimTarget.Parse("srv")));
            Assert.Equal(CimErrorKind.AuthenticationFailed, ex.Kind);
            Assert.Contains("-Credential", ex.Message);
        }

        [Fact]
        public void Negotiate_over_https_and_basic_over_http_are_accepted()
        {
            var https = CimTarget.Parse("srv");
            https.UseSsl = true;
            https.Credential = new System.Net.NetworkCredential("admin", "pw");
            using (var s = new WsManSession(https)) Assert.Equal(new Uri("https://srv:5986/wsman"), s.Endpoint);
            var basic = CimTarget.Parse("srv");
            basic.Authentication = CimAuthentication.Basic;
            basic.Credential = new System.Net.NetworkCredential("admin", "pw");
            using (var s = new WsManSession(basic)) Assert.Equal("WsMan", s.TransportName);
        }
    }
}
