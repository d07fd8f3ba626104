using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>
    /// The HTTP side of one target: one HttpClient, kept-alive connections, several requests in flight.
    /// Turns every HTTP and socket failure into a <see cref="CimException"/>. Never puts credentials in a message.
    /// </summary>
    internal sealed class WsManHttp : IDisposable
    {
        private static readonly MediaTypeHeaderValue SoapContentType = MediaTypeHeaderValue.Parse("application/soap+xml;charset=UTF-8");
        private readonly HttpClient client;
        private readonly AuthenticationHeaderValue basicHeader;
        private readonly string computerName;

        public WsManHttp(CimTarget target, int maxConnections)
        {
            computerName = target.ComputerName;
            Endpoint = target.WsManEndpoint;
            var auth = target.Authentication;
            if (!target.UseSsl && auth != CimAuthentication.Basic)
            {
                // Windows accepts Negotiate over HTTP only with message-level encryption, which this client does not do.
                throw new CimException(CimErrorKind.EncryptionRequired, computerName,
                    computerName + ": " + Describe(auth) + " authentication over plain HTTP needs WS-Man message encryption, which the managed " +
                    "client does not implement. Use HTTPS (-UseSSL, port 5986), a CimSession on Windows, or -Authentication Basic " +
                    "where the target allows unencrypted Basic.");
            }

            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                PreAuthenticate = false,
                MaxConnectionsPerServer = Math.Max(1, maxConnections),
            };
            if (target.SkipCertificateCheck) handler.ServerCertificateCustomValidationCallback = (message, cert, chain, errors) => true;

            if (auth == CimAuthentication.Basic)
            {
                if (target.Credential == null)
                    throw new CimException(CimErrorKind.AuthenticationFailed, computerName, computerName + ": Basic authentication needs -Credential.");
                handler.UseDefaultCredentials = false;
                var pair = (string.IsNullOrEmpty(target.Credential.Domain) ? "" : target.Credential.Domain + "\\") +
                           target.Credential.UserName + ":" + target.Credential.Password;
                basicHeader = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
            }
            else if (target.Credential != null)
            {
                // The platform handler does the Negotiate/NTLM/Kerberos exchange (SSPI on Windows, GSSAPI elsewhere).
                handler.Credentials = new CredentialCache { { Endpoint, Scheme(auth), target.Credential } };
            }
            else
            {
                handler.UseDefaultCredentials = true;
            }

            client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.UserAgent.ParseAdd("AppBan-WSMan/1.0");
        }

        public Uri Endpoint { get; }

        /// <summary>
        /// Posts one envelope. Returns the reply text for 200 and for 4xx/5xx replies that carry a SOAP envelope (faults);
        /// throws <see cref="CimException"/> otherwise. <paramref name="deadline"/> bounds the whole exchange.
        /// </summary>
        public async Task<string> PostAsync(string envelope, TimeSpan deadline, CancellationToken cancel)
        {
            using (var timeout = new CancellationTokenSource(deadline))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancel))
            using (var request = new HttpRequestMessage(HttpMethod.Post, Endpoint))
            {
                request.Content = new StringContent(envelope, Encoding.UTF8);
                request.Content.Headers.ContentType = SoapContentType;
                if (basicHeader != null) request.Headers.Authorization = basicHeader;
                try
                {
                    using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false))
                    {
                        var text = response.Content == null ? string.Empty : await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                        var status = (int)response.StatusCode;
                        if (status == 200) return text;
                        if (LooksLikeEnvelope(text) && (status == 400 || status == 500)) return text;
                        throw StatusError(response.StatusCode, response.ReasonPhrase);
                    }
                }
                catch (CimException) { throw; }
                catch (Exception ex) when (cancel.IsCancellationRequested && IsCancellation(ex))
                {
                    throw new CimException(CimErrorKind.Cancelled, computerName, computerName + ": the operation was cancelled.", null,
                        new OperationCanceledException(cancel));
                }
                catch (Exception ex) when (timeout.IsCancellationRequested && IsCancellation(ex))
                {
                    throw new CimException(CimErrorKind.Timeout, computerName,
                        computerName + ": no reply from " + Endpoint + " within " + deadline.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s.", null, ex);
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is IOException || ex is WebException || ex is SocketException || ex is AuthenticationException)
                {
                    throw Classify(ex);
                }
            }
        }

        private static bool IsCancellation(Exception ex) => ex is OperationCanceledException || ex.InnerException is OperationCanceledException;

        private static bool LooksLikeEnvelope(string text) =>
            text != null && text.IndexOf("Envelope", StringComparison.Ordinal) >= 0 && text.TrimStart().StartsWith("<", StringComparison.Ordinal);

        private CimException StatusError(HttpStatusCode status, string reason)
        {
            var code = (int)status;
            switch (code)
            {
                case 401:
                    // WinRM answers 401 both to wrong credentials and to a valid account it does not admit (one that is
                    // neither an administrator nor in Remote Management Users); the reply does not say which.
                    return new CimException(CimErrorKind.AuthenticationFailed, computerName,
                        computerName + ": the target rejected the credentials or the authentication method (HTTP 401). " +
                        "Windows answers this way to a wrong user name or password, to an authentication method it does not allow, " +
                        "and to an account that is neither an administrator nor a member of Remote Management Users there. " +
                        "In a workgroup, UAC remote restrictions also strip administrator rights from local accounts other than the " +
                        "built-in Administrator (see LocalAccountTokenFilterPolicy).", code);
                case 403:
                    return new CimException(CimErrorKind.AccessDenied, computerName, computerName + ": access denied by the WS-Management service (HTTP 403).", code);
                case 404:
                    return new CimException(CimErrorKind.Unreachable, computerName, computerName + ": no WS-Management listener at " + Endpoint + " (HTTP 404).", code);
                case 503:
                    // [guess W023] 503 means the listener is there but the service is not taking requests.
                    return new CimException(CimErrorKind.Unreachable, computerName, computerName + ": the WS-Management service is unavailable (HTTP 503).", code);
                default:
                    return new CimException(CimErrorKind.ProtocolError, computerName,
                        computerName + ": unexpected HTTP " + code + " " + reason + " from " + Endpoint + ".", code);
            }
        }

        /// <summary>Walks the inner exceptions for the socket, TLS or web-exception status that says what happened.</summary>
        private CimException Classify(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException)
                    return new CimException(CimErrorKind.TlsFailure, computerName,
                        computerName + ": the TLS handshake with " + Endpoint + " failed; the server certificate was not trusted or did not match the name. " +
                        "Fix the certificate, or pass -SkipCertificateCheck to accept it knowingly.", null, ex);
                if (e is SocketException se)
                {
                    switch (se.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                            return Unreachable("connection refused on port " + Endpoint.Port + " (is WinRM listening?)", se.ErrorCode, ex);
                        case SocketError.HostNotFound:
                        case SocketError.NoData:
                        case SocketError.TryAgain:
                            return Unreachable("the name '" + Endpoint.Host + "' could not be resolved", CimErrorCodes.WsManNameNotResolved, ex);
                        case SocketError.TimedOut:
                            return new CimException(CimErrorKind.Timeout, computerName, computerName + ": connecting to " + Endpoint + " timed out.", se.ErrorCode, ex);
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.HostDown:
                        case SocketError.NetworkDown:
                            return Unreachable("the host cannot be reached (" + se.SocketErrorCode + ")", se.ErrorCode, ex);
                        case SocketError.ConnectionReset:
                        case SocketError.ConnectionAborted:
                            return new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the connection was closed by the target.", se.ErrorCode, ex);
                    }
                }
                if (e is WebException we)
                {
                    // .NET Framework reports through WebException statuses rather than socket errors.
                    switch (we.Status)
                    {
                        case WebExceptionStatus.NameResolutionFailure:
                            return Unreachable("the name '" + Endpoint.Host + "' could not be resolved", CimErrorCodes.WsManNameNotResolved, ex);
                        case WebExceptionStatus.ConnectFailure:
                            return Unreachable("the connection failed", null, ex);
                        case WebExceptionStatus.TrustFailure:
                        case WebExceptionStatus.SecureChannelFailure:
                            return new CimException(CimErrorKind.TlsFailure, computerName,
                                computerName + ": the TLS handshake with " + Endpoint + " failed (" + we.Status + "). Fix the certificate, or pass -SkipCertificateCheck.", null, ex);
                        case WebExceptionStatus.Timeout:
                            return new CimException(CimErrorKind.Timeout, computerName, computerName + ": connecting to " + Endpoint + " timed out.", null, ex);
                    }
                }
            }
            return new CimException(CimErrorKind.Unreachable, computerName, computerName + ": the request to " + Endpoint + " failed: " + Innermost(ex).Message, null, ex);
        }

        private CimException Unreachable(string why, long? code, Exception ex) =>
            new CimException(CimErrorKind.Unreachable, computerName, computerName + ": cannot reach " + Endpoint + ": " + why + ".", code, ex);

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        private static string Scheme(CimAuthentication auth)
        {
            switch (auth)
            {
                case CimAuthentication.Ntlm: return "NTLM";
                case CimAuthentication.Kerberos: return "Kerberos";
                default: return "Negotiate";
            }
        }

        private static string Describe(CimAuthentication auth) => auth == CimAuthentication.Default ? "Default (Negotiate)" : auth.ToString();

        public void Dispose() => client.Dispose();
    }
}
