using System;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>
    /// How a <see cref="WsManSession"/> sends an envelope and gets the reply: chosen once, when the session is made.
    /// Implementations turn every failure into a <see cref="CimException"/>.
    /// </summary>
    internal interface IWsManTransport : IDisposable
    {
        Uri Endpoint { get; }

        /// <summary>
        /// Posts one envelope. Returns the reply text for 200 and for 400/500 replies that carry a SOAP envelope (faults);
        /// throws <see cref="CimException"/> otherwise. <paramref name="deadline"/> bounds the whole exchange.
        /// </summary>
        Task<string> PostAsync(string envelope, TimeSpan deadline, CancellationToken cancel);
    }

    internal static class WsManTransport
    {
        /// <summary>
        /// Negotiate, NTLM and Default over plain HTTP: the managed NTLM client with WS-Man message encryption, as a
        /// Windows target with its default settings requires. Kerberos over plain HTTP is refused (it needs GSSAPI, not
        /// implemented here). Basic, and everything over HTTPS: the HttpClient transport.
        /// </summary>
        public static IWsManTransport Create(CimTarget target, int maxConnections, TimeSpan connectTimeout)
        {
            if (!target.UseSsl && target.Authentication != CimAuthentication.Basic)
            {
                if (target.Authentication == CimAuthentication.Kerberos)
                    throw new CimException(CimErrorKind.NotSupported, target.ComputerName,
                        target.ComputerName + ": Kerberos over plain HTTP needs WS-Man message encryption with a Kerberos context, which the " +
                        "managed client does not implement yet. Use -Authentication Negotiate (NTLM, encrypted), HTTPS (-UseSSL, port 5986), " +
                        "or a CimSession on Windows.");
                if (target.Credential == null || string.IsNullOrEmpty(target.Credential.UserName))
                    throw new CimException(CimErrorKind.AuthenticationFailed, target.ComputerName,
                        target.ComputerName + ": NTLM over plain HTTP needs -Credential (the managed client cannot use this session's own logon). " +
                        "Pass -Credential DOMAIN\\user, or .\\user for an account of the target.");
                return new NegotiateHttpTransport(target, maxConnections, connectTimeout);
            }
            return new HttpClientTransport(new WsManHttp(target, maxConnections, connectTimeout));
        }

        private sealed class HttpClientTransport : IWsManTransport
        {
            private readonly WsManHttp http;
            public HttpClientTransport(WsManHttp http) { this.http = http; }
            public Uri Endpoint => http.Endpoint;
            public Task<string> PostAsync(string envelope, TimeSpan deadline, CancellationToken cancel) => http.PostAsync(envelope, deadline, cancel);
            public void Dispose() => http.Dispose();
        }
    }

    /// <summary>What both transports make of a socket error while reaching a target.</summary>
    internal static class WsManSocketErrors
    {
        /// <summary>The error a socket failure means for the target; null for a code without a meaning of its own.</summary>
        public static CimException Classify(SocketException se, string computerName, Uri endpoint, Exception ex)
        {
            switch (se.SocketErrorCode)
            {
                case SocketError.ConnectionRefused:
                    return Unreachable(computerName, endpoint, "connection refused on port " + endpoint.Port + " (is WinRM listening?)", se.ErrorCode, ex);
                case SocketError.HostNotFound:
                case SocketError.NoData:
                case SocketError.TryAgain:
                    return Unreachable(computerName, endpoint, "the name '" + endpoint.Host + "' could not be resolved", CimErrorCodes.WsManNameNotResolved, ex);
                case SocketError.TimedOut:
                    return new CimException(CimErrorKind.Timeout, computerName, computerName + ": connecting to " + endpoint + " timed out.", se.ErrorCode, ex);
                case SocketError.HostUnreachable:
                case SocketError.NetworkUnreachable:
                case SocketError.HostDown:
                case SocketError.NetworkDown:
                    return HostCannotBeReached(se, computerName, endpoint, ex);
                case SocketError.ConnectionReset:
                case SocketError.ConnectionAborted:
                    return new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the connection was closed by the target.", se.ErrorCode, ex);
                default:
                    return null;
            }
        }

        public static CimException HostCannotBeReached(SocketException se, string computerName, Uri endpoint, Exception ex) =>
            Unreachable(computerName, endpoint, "the host cannot be reached (" + se.SocketErrorCode + ")", se.ErrorCode, ex);

        public static CimException Unreachable(string computerName, Uri endpoint, string why, long? code, Exception ex) =>
            new CimException(CimErrorKind.Unreachable, computerName, computerName + ": cannot reach " + endpoint + ": " + why + ".", code, ex);
    }
}
