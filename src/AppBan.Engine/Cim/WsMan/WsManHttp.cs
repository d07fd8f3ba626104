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
        private const string SoapContentType = "application/soap+xml;charset=UTF-8";
        private const string UserAgent = "AppBan-WSMan/1.0";
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private readonly HttpClient client;
        /// <summary>"Basic ..." for Basic authentication; set on each request as text, not parsed again per request.</summary>
        private readonly string basicHeader;
        private readonly string computerName;
        private readonly CimAuthentication authentication;
        private readonly bool useSsl;
        private readonly TimeSpan connectTimeout;
        private readonly object probeGate = new object();
        private Task probe;

        public WsManHttp(CimTarget target, int maxConnections, TimeSpan connectTimeout)
        {
            computerName = target.ComputerName;
            authentication = target.Authentication;
            useSsl = target.UseSsl;
            this.connectTimeout = connectTimeout;
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
                basicHeader = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(pair));
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
                // Headers as fixed text: the same bytes on the wire as typed header values, without parsing them per request.
                request.Content = new ByteArrayContent(Utf8.GetBytes(envelope));
                request.Content.Headers.TryAddWithoutValidation("Content-Type", SoapContentType);
                request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
                if (basicHeader != null) request.Headers.TryAddWithoutValidation("Authorization", basicHeader);
                try
                {
                    await AwaitReachableAsync(linked.Token).ConfigureAwait(false);
                    using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false))
                    {
                        var text = response.Content == null ? string.Empty : await ReadTextAsync(response.Content).ConfigureAwait(false);
                        var status = (int)response.StatusCode;
                        if (status == 200) return text;
                        if (LooksLikeEnvelope(text) && (status == 400 || status == 500)) return text;
                        throw StatusError(response, text);
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

        /// <summary>
        /// The reply as text. A UTF-8 reply (what WinRM sends to a UTF-8 request) is decoded here, invalid bytes as U+FFFD
        /// and a byte order mark dropped, as the HTTP layer decodes it; any other charset or byte order mark goes through the
        /// HTTP layer, whose encoding lookup takes a process-wide lock that a fleet's replies would queue on.
        /// </summary>
        private static async Task<string> ReadTextAsync(HttpContent content)
        {
            var charset = content.Headers.ContentType?.CharSet;
            if (charset != null) charset = charset.Trim('"', ' ');
            if (!string.IsNullOrEmpty(charset) && !string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase))
                return await content.ReadAsStringAsync().ConfigureAwait(false);
            var bytes = await content.ReadAsByteArrayAsync().ConfigureAwait(false);
            if (bytes.Length >= 2 && ((bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE)))
                return await content.ReadAsStringAsync().ConfigureAwait(false);
            var start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
            return Utf8.GetString(bytes, start, bytes.Length - start);
        }

        private static bool OffersBasic(HttpResponseMessage response)
        {
            foreach (var challenge in response.Headers.WwwAuthenticate)
                if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private static string Offered(HttpResponseMessage response)
        {
            var schemes = new System.Collections.Generic.List<string>();
            foreach (var challenge in response.Headers.WwwAuthenticate) schemes.Add(challenge.Scheme);
            return schemes.Count == 0 ? "no method" : string.Join(", ", schemes);
        }

        private static bool IsCancellation(Exception ex) => ex is OperationCanceledException || ex.InnerException is OperationCanceledException;

        private static bool LooksLikeEnvelope(string text) =>
            text != null && text.IndexOf("Envelope", StringComparison.Ordinal) >= 0 && text.TrimStart().StartsWith("<", StringComparison.Ordinal);

        /// <summary>
        /// The first request waits for one TCP connection made with its own short bound (<see cref="connectTimeout"/>):
        /// a switched-off computer drops the packets, and the client would otherwise wait out the operation timeout and
        /// report a timeout. netstandard2.0's HttpClientHandler has no connect timeout of its own, so the probe is a
        /// separate connection, made once per session (again only after a failure). Not made through a proxy.
        /// </summary>
        private async Task AwaitReachableAsync(CancellationToken cancel)
        {
            // Once the target has answered, every later request passes without taking the lock.
            var known = Volatile.Read(ref probe);
            if (known != null && known.Status == TaskStatus.RanToCompletion) return;
            Task current;
            lock (probeGate)
            {
                if (probe == null || probe.IsFaulted || probe.IsCanceled) probe = ProbeAsync();
                current = probe;
            }
            if (!current.IsCompleted)
            {
                var cancelled = Task.Delay(Timeout.Infinite, cancel);
                if (await Task.WhenAny(current, cancelled).ConfigureAwait(false) != current) cancel.ThrowIfCancellationRequested();
            }
            await current.ConfigureAwait(false);
        }

        private async Task ProbeAsync()
        {
            if (ThroughProxy()) return;
            var tcp = new TcpClient();
            try
            {
                var connect = tcp.ConnectAsync(Endpoint.DnsSafeHost, Endpoint.Port);
                if (await Task.WhenAny(connect, Task.Delay(connectTimeout)).ConfigureAwait(false) != connect)
                {
                    _ = connect.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                    // What MI reports as ERROR_WSMAN_NETWORK_TIMEDOUT (0x80338126).
                    throw new CimException(CimErrorKind.Unreachable, computerName,
                        computerName + ": cannot reach " + Endpoint + ": no answer to the connection within " +
                        connectTimeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) +
                        " s (the computer is switched off, or a firewall drops the traffic).", CimErrorCodes.WsManNetworkTimedOut);
                }
                try { await connect.ConfigureAwait(false); }
                catch (Exception ex) when (ex is SocketException || ex is IOException || ex is ObjectDisposedException) { throw Classify(ex); }
            }
            finally { tcp.Dispose(); }
        }

        private bool ThroughProxy()
        {
            try
            {
                var proxy = WebRequest.DefaultWebProxy;
                return proxy != null && !proxy.IsBypassed(Endpoint);
            }
            catch (Exception ex) when (ex is PlatformNotSupportedException || ex is NotSupportedException || ex is InvalidOperationException) { return false; }
        }

        private CimException StatusError(HttpResponseMessage response, string text)
        {
            var code = (int)response.StatusCode;
            var reason = response.ReasonPhrase;
            if (code == 401 && authentication == CimAuthentication.Basic && !OffersBasic(response))
                return new CimException(CimErrorKind.AuthenticationFailed, computerName,
                    computerName + ": the target does not accept Basic authentication (HTTP 401 offering only " + Offered(response) + "). " +
                    "Windows has Basic turned off by default: leave out -Authentication Basic, and the default (Negotiate) authenticates " +
                    "with NTLM and encrypts every message, with no change to the target. Or prepare the target: either an HTTPS listener with a certificate this computer trusts (then -UseSSL), " +
                    "or, where policy allows, Basic for local accounts (winrm set winrm/config/service/auth @{Basic=\"true\"}; over HTTP " +
                    "also AllowUnencrypted). See docs/linux-macos.md.", code) { Detail = "BasicAuthenticationDisabled" };
            var basicOverHttp = !useSsl && authentication == CimAuthentication.Basic;
            if (code == 500 && basicOverHttp && string.IsNullOrWhiteSpace(text))
                // [3rd: pywinrm issue 208, Metasploit issue 8900] WinRM answers Basic over HTTP with HTTP 500 when
                // AllowUnencrypted is false; [guess W060] with an empty body, which is what tells it from other 500s.
                return new CimException(CimErrorKind.EncryptionRequired, computerName,
                    computerName + ": the target refused the request over plain HTTP (HTTP 500 without a SOAP reply). Windows answers " +
                    "this way when its WinRM service does not allow unencrypted traffic (AllowUnencrypted=false, the default). Use an " +
                    "HTTPS listener (-UseSSL), or, where policy allows, set AllowUnencrypted on the target. See docs/linux-macos.md.", code)
                { Detail = "UnencryptedTrafficRefused" };
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
                        computerName + ": unexpected HTTP " + code + " " + reason + " from " + Endpoint + "." +
                        (code == 500 && basicOverHttp ? " A WinRM service that does not allow unencrypted traffic (AllowUnencrypted=false) may also answer Basic over HTTP this way." : ""), code);
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
                    var known = WsManSocketErrors.Classify(se, computerName, Endpoint, ex);
                    if (known != null) return known;
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
            WsManSocketErrors.Unreachable(computerName, Endpoint, why, code, ex);

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
