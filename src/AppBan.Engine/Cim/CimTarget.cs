using System;
using System.Collections.Generic;
using System.Linq;
using System.Globalization;
using System.Net;

namespace AppBan.Engine.Cim
{
    /// <summary>How a WS-Man connection authenticates. Mirrors Get-CimInstance's -Authentication values we support.</summary>
    public enum CimAuthentication
    {
        /// <summary>Negotiate, as Windows does; the managed WS-Man client uses NTLM with message encryption over plain HTTP.</summary>
        Default,
        Basic,
        Negotiate,
        Ntlm,
        Kerberos,
    }

    /// <summary>Which transport carries a target's operations.</summary>
    public enum CimTransportKind { WsMan, Mi }

    /// <summary>
    /// One target as the user named it: "host" or "host:port" (IPv6 literals in brackets), plus the connection
    /// settings. Holds no connection; <see cref="CimSessionFactory"/> makes the session.
    /// </summary>
    public sealed class CimTarget
    {
        public const int HttpPort = 5985;
        public const int HttpsPort = 5986;

        /// <summary>The host part: a DNS name or an IP address, without brackets.</summary>
        public string Host { get; private set; }
        /// <summary>The port given with the name ("host:port"), which wins over <see cref="Port"/>.</summary>
        public int? ExplicitPort { get; private set; }
        /// <summary>What the user typed; used as the computer name in results and errors.</summary>
        public string ComputerName { get; private set; }
        /// <summary>No name at all: the local machine (through MI on Windows only).</summary>
        public bool IsLocal => Host == null;

        public int? Port { get; set; }
        public bool UseSsl { get; set; }
        public NetworkCredential Credential { get; set; }
        public CimAuthentication Authentication { get; set; }
        /// <summary>Accept any server certificate over HTTPS. Off by default.</summary>
        public bool SkipCertificateCheck { get; set; }
        /// <summary>null means the transport default.</summary>
        public TimeSpan? OperationTimeout { get; set; }
        /// <summary>Use the managed WS-Man client even on Windows.</summary>
        public bool ForceWsMan { get; set; }

        public static CimTarget Local() => new CimTarget { ComputerName = "localhost" };

        /// <summary>Parses "host", "host:port", "[v6]:port" or a bare IPv6 literal. Throws ArgumentException for anything else.</summary>
        public static CimTarget Parse(string computerName)
        {
            var text = (computerName ?? string.Empty).Trim();
            if (text.Length == 0) throw new ArgumentException("A computer name must not be empty.", nameof(computerName));
            string host = text;
            int? port = null;
            if (text.StartsWith("[", StringComparison.Ordinal))
            {
                var close = text.IndexOf(']');
                if (close < 0) throw new ArgumentException("'" + text + "' has an opening bracket but no closing one.", nameof(computerName));
                host = text.Substring(1, close - 1);
                var rest = text.Substring(close + 1);
                if (rest.Length > 0)
                {
                    if (!rest.StartsWith(":", StringComparison.Ordinal)) throw new ArgumentException("'" + text + "' is not host or host:port.", nameof(computerName));
                    port = ParsePort(rest.Substring(1), text);
                }
            }
            else
            {
                var colons = text.Split(':').Length - 1;
                if (colons == 1)
                {
                    var i = text.IndexOf(':');
                    host = text.Substring(0, i);
                    port = ParsePort(text.Substring(i + 1), text);
                }
                else if (colons > 1 && !IPAddress.TryParse(text, out _))
                    throw new ArgumentException("'" + text + "' is not host or host:port (write IPv6 addresses as [address]:port).", nameof(computerName));
            }
            if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
                throw new ArgumentException("'" + host + "' is not a valid host name or address.", nameof(computerName));
            return new CimTarget { Host = host, ExplicitPort = port, ComputerName = text };
        }

        /// <summary>
        /// Whether <paramref name="computerName"/> (as a target or a result names it) is the machine this runs on:
        /// "localhost" or a loopback address, or this machine's NetBIOS or DNS name, short or fully qualified. A port
        /// other than WinRM's 5985/5986 says a tunnel or forward, which may lead anywhere: not this computer. Decides
        /// what goes to this machine's own audit trail, so an unparsable or foreign name is never "this computer".
        /// </summary>
        public static bool IsThisComputer(string computerName)
        {
            if (string.IsNullOrWhiteSpace(computerName)) return false;
            CimTarget target;
            try { target = Parse(computerName); }
            catch (ArgumentException) { return false; }
            if (target.ExplicitPort.HasValue && target.ExplicitPort != HttpPort && target.ExplicitPort != HttpsPort) return false;
            var host = target.Host.TrimEnd('.');
            if (IsLoopbackHost(host)) return true;
            if (IPAddress.TryParse(host, out _)) return false;
            return LocalNames().Contains(host, StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>"localhost" or a loopback address (127.0.0.0/8, ::1): traffic to it never leaves the machine.</summary>
        public static bool IsLoopbackHost(string host) =>
            string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ||
            (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

        /// <summary>This machine's names: NetBIOS (at most 15 characters) and DNS host name, each alone and with the DNS domain.</summary>
        private static IEnumerable<string> LocalNames()
        {
            string hostName = null, domain = null;
            try
            {
                var properties = System.Net.NetworkInformation.IPGlobalProperties.GetIPGlobalProperties();
                hostName = properties.HostName;
                domain = properties.DomainName?.TrimEnd('.');
            }
            catch (Exception) { /* names from the environment only */ }
            foreach (var name in new[] { Environment.MachineName, hostName })
            {
                if (string.IsNullOrEmpty(name)) continue;
                yield return name;
                if (!string.IsNullOrEmpty(domain)) yield return name + "." + domain;
            }
        }

        private static int ParsePort(string s, string whole)
        {
            if (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
                throw new ArgumentException("'" + whole + "' has an invalid port.", "computerName");
            return port;
        }

        public int EffectivePort => ExplicitPort ?? Port ?? (UseSsl ? HttpsPort : HttpPort);

        /// <summary>http(s)://host:port/wsman</summary>
        public Uri WsManEndpoint
        {
            get
            {
                if (IsLocal) throw new InvalidOperationException("The local machine has no WS-Man endpoint here.");
                var hostPart = Uri.CheckHostName(Host) == UriHostNameType.IPv6 ? "[" + Host + "]" : Host;
                return new Uri((UseSsl ? "https" : "http") + "://" + hostPart + ":" + EffectivePort.ToString(CultureInfo.InvariantCulture) + "/wsman");
            }
        }

        public CimTarget Clone() => (CimTarget)MemberwiseClone();

        public override string ToString() => ComputerName;
    }
}
