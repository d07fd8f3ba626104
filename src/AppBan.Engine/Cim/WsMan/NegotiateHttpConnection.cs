#nullable disable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim.WsMan.Ntlm;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>One HTTP/1.1 reply, read whole.</summary>
    internal sealed class NegotiateHttpReply
    {
        public int Status { get; set; }
        public string Reason { get; set; }
        public List<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();
        public byte[] Body { get; set; }
        public bool KeepAlive { get; set; }

        public string Header(string name)
        {
            foreach (var h in Headers) if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) return h.Value;
            return null;
        }

        public IEnumerable<string> All(string name)
        {
            foreach (var h in Headers) if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)) yield return h.Value;
        }
    }

    /// <summary>
    /// One TCP connection speaking HTTP/1.1 to a WinRM listener, with keep-alive. WinRM binds an NTLM context to the
    /// connection it was made on, and the messages after it carry no Authorization header [doc: MS-WSMV 2.2.9.1.1;
    /// MS-NLMP 3.1.1 "connection-oriented"], which HttpClient's pooling cannot promise: hence a connection of our own.
    /// Requests are sent one at a time; Content-Length and chunked replies are read.
    /// </summary>
    internal sealed class NegotiateHttpConnection : IDisposable
    {
        private const int MaxHeaderBytes = 64 * 1024;
        private const int MaxBodyBytes = 256 * 1024 * 1024;
        private readonly TcpClient tcp;
        private readonly Stream stream;
        private readonly string hostHeader;
        private readonly string path;
        private readonly byte[] buffer = new byte[16 * 1024];
        private int start;
        private int end;
        private int disposed;

        private NegotiateHttpConnection(TcpClient tcp, Uri endpoint)
        {
            this.tcp = tcp;
            stream = tcp.GetStream();
            hostHeader = endpoint.Authority;
            path = endpoint.PathAndQuery;
        }

        /// <summary>The NTLM session security once the connection is authenticated.</summary>
        public NtlmSessionSecurity Security { get; set; }
        /// <summary>Whether it has answered a request already (a reused connection may have been closed by the server meanwhile).</summary>
        public bool Used { get; private set; }
        /// <summary>Whether any byte of the current reply arrived.</summary>
        public bool Received { get; private set; }

        public static async Task<NegotiateHttpConnection> OpenAsync(Uri endpoint, TimeSpan connectTimeout, CancellationToken cancel)
        {
            var tcp = new TcpClient { NoDelay = true };
            try
            {
                var connect = tcp.ConnectAsync(endpoint.DnsSafeHost, endpoint.Port);
                var waited = await Task.WhenAny(connect, Task.Delay(connectTimeout, cancel)).ConfigureAwait(false);
                if (waited != connect)
                {
                    _ = connect.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
                    cancel.ThrowIfCancellationRequested();
                    throw new TimeoutException("connect");
                }
                await connect.ConfigureAwait(false);
                return new NegotiateHttpConnection(tcp, endpoint);
            }
            catch
            {
                tcp.Dispose();
                throw;
            }
        }

        /// <summary>Sends one POST and reads its reply; interim 1xx replies are skipped.</summary>
        public async Task<NegotiateHttpReply> PostAsync(string authorization, string contentType, byte[] body, CancellationToken cancel)
        {
            Received = false;
            var head = new StringBuilder();
            head.Append("POST ").Append(path).Append(" HTTP/1.1\r\n");
            head.Append("Host: ").Append(hostHeader).Append("\r\n");
            head.Append("User-Agent: AppBan-WSMan/1.0\r\n");
            head.Append("Connection: Keep-Alive\r\n");
            if (authorization != null) head.Append("Authorization: ").Append(authorization).Append("\r\n");
            if (contentType != null) head.Append("Content-Type: ").Append(contentType).Append("\r\n");
            head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
            var headBytes = Encoding.ASCII.GetBytes(head.ToString());
            await stream.WriteAsync(headBytes, 0, headBytes.Length, cancel).ConfigureAwait(false);
            if (body.Length > 0) await stream.WriteAsync(body, 0, body.Length, cancel).ConfigureAwait(false);
            await stream.FlushAsync(cancel).ConfigureAwait(false);

            NegotiateHttpReply reply;
            do reply = await ReadReplyAsync(cancel).ConfigureAwait(false);
            while (reply.Status >= 100 && reply.Status < 200);
            Used = true;
            return reply;
        }

        private async Task<NegotiateHttpReply> ReadReplyAsync(CancellationToken cancel)
        {
            var statusLine = await ReadLineAsync(cancel).ConfigureAwait(false);
            var parts = statusLine.Split(new[] { ' ' }, 3);
            if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) ||
                !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
                throw new InvalidDataException("not an HTTP/1.1 status line: \"" + Truncate(statusLine) + "\"");
            var reply = new NegotiateHttpReply { Status = status, Reason = parts.Length > 2 ? parts[2] : "", KeepAlive = parts[0] != "HTTP/1.0" };
            var headerBytes = 0;
            while (true)
            {
                var line = await ReadLineAsync(cancel).ConfigureAwait(false);
                if (line.Length == 0) break;
                headerBytes += line.Length;
                if (headerBytes > MaxHeaderBytes) throw new InvalidDataException("the reply's headers exceed " + MaxHeaderBytes + " bytes");
                var colon = line.IndexOf(':');
                if (colon <= 0) throw new InvalidDataException("a malformed header line \"" + Truncate(line) + "\"");
                reply.Headers.Add(new KeyValuePair<string, string>(line.Substring(0, colon).Trim(), line.Substring(colon + 1).Trim()));
            }
            var connection = reply.Header("Connection");
            if (connection != null && connection.IndexOf("close", StringComparison.OrdinalIgnoreCase) >= 0) reply.KeepAlive = false;
            if (connection != null && connection.IndexOf("keep-alive", StringComparison.OrdinalIgnoreCase) >= 0 && parts[0] == "HTTP/1.0") reply.KeepAlive = true;

            var transferEncoding = reply.Header("Transfer-Encoding");
            var contentLength = reply.Header("Content-Length");
            if (status < 200 || status == 204 || status == 304) reply.Body = new byte[0];
            else if (transferEncoding != null && transferEncoding.IndexOf("chunked", StringComparison.OrdinalIgnoreCase) >= 0)
                reply.Body = await ReadChunkedAsync(cancel).ConfigureAwait(false);
            else if (contentLength != null)
            {
                if (!long.TryParse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > MaxBodyBytes)
                    throw new InvalidDataException("the reply's Content-Length \"" + Truncate(contentLength) + "\" is not a valid length");
                reply.Body = await ReadExactlyAsync((int)length, cancel).ConfigureAwait(false);
            }
            else
            {
                // No length: the body runs to the end of the connection.
                reply.Body = await ReadToEndAsync(cancel).ConfigureAwait(false);
                reply.KeepAlive = false;
            }
            return reply;
        }

        private async Task<byte[]> ReadChunkedAsync(CancellationToken cancel)
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(cancel).ConfigureAwait(false);
                var semicolon = sizeLine.IndexOf(';');
                var hex = (semicolon >= 0 ? sizeLine.Substring(0, semicolon) : sizeLine).Trim();
                if (!int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || body.Length + size > MaxBodyBytes)
                    throw new InvalidDataException("a malformed chunk size \"" + Truncate(sizeLine) + "\"");
                if (size == 0)
                {
                    while ((await ReadLineAsync(cancel).ConfigureAwait(false)).Length > 0) { } // trailers
                    return body.ToArray();
                }
                var chunk = await ReadExactlyAsync(size, cancel).ConfigureAwait(false);
                body.Write(chunk, 0, chunk.Length);
                if ((await ReadLineAsync(cancel).ConfigureAwait(false)).Length != 0) throw new InvalidDataException("a chunk without its line end");
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancel)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (start == end) await FillAsync(cancel).ConfigureAwait(false);
                var b = buffer[start++];
                if (b == (byte)'\n')
                {
                    var bytes = line.ToArray();
                    var length = bytes.Length > 0 && bytes[bytes.Length - 1] == (byte)'\r' ? bytes.Length - 1 : bytes.Length;
                    return Encoding.ASCII.GetString(bytes, 0, length);
                }
                if (line.Length > MaxHeaderBytes) throw new InvalidDataException("a reply line longer than " + MaxHeaderBytes + " bytes");
                line.WriteByte(b);
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancel)
        {
            var data = new byte[count];
            var at = 0;
            while (at < count)
            {
                if (start == end) await FillAsync(cancel).ConfigureAwait(false);
                var n = Math.Min(count - at, end - start);
                Buffer.BlockCopy(buffer, start, data, at, n);
                start += n;
                at += n;
            }
            return data;
        }

        private async Task<byte[]> ReadToEndAsync(CancellationToken cancel)
        {
            var body = new MemoryStream();
            body.Write(buffer, start, end - start);
            start = end;
            while (true)
            {
                var n = await stream.ReadAsync(buffer, 0, buffer.Length, cancel).ConfigureAwait(false);
                if (n == 0) return body.ToArray();
                if (body.Length + n > MaxBodyBytes) throw new InvalidDataException("the reply exceeds " + MaxBodyBytes + " bytes");
                body.Write(buffer, 0, n);
            }
        }

        private async Task FillAsync(CancellationToken cancel)
        {
            start = 0;
            end = await stream.ReadAsync(buffer, 0, buffer.Length, cancel).ConfigureAwait(false);
            if (end == 0) throw new EndOfStreamException("the target closed the connection");
            Received = true;
        }

        private static string Truncate(string text) => text.Length > 80 ? text.Substring(0, 80) + "..." : text;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            stream.Dispose();
            tcp.Dispose();
        }
    }

    /// <summary>
    /// WS-Man over plain HTTP with NTLM in Negotiate and message encryption, as WinRM requires with its default settings
    /// (Basic off, AllowUnencrypted false) [doc: MS-WSMV 2.2.9.1.1]. A few connections per session, each authenticated
    /// once with the 3-leg handshake: an empty POST with the NEGOTIATE_MESSAGE, the 401 with the CHALLENGE_MESSAGE, then
    /// the first real request, encrypted, with the AUTHENTICATE_MESSAGE. Every message after that is sealed with the
    /// connection's keys and every reply unsealed; there is no fallback to Basic or to messages in clear.
    /// </summary>
    internal sealed class NegotiateHttpTransport : IWsManTransport
    {
        private readonly string computerName;
        private readonly string user;
        private readonly string domain;
        private readonly string password;
        private readonly TimeSpan connectTimeout;
        private readonly SemaphoreSlim slots;
        private readonly ConcurrentBag<NegotiateHttpConnection> idle = new ConcurrentBag<NegotiateHttpConnection>();
        private int disposed;

        public NegotiateHttpTransport(CimTarget target, int maxConnections, TimeSpan connectTimeout)
        {
            computerName = target.ComputerName;
            Endpoint = target.WsManEndpoint;
            NtlmClient.SplitUserName(target.Credential.UserName, target.Credential.Domain, out user, out domain);
            password = target.Credential.Password;
            this.connectTimeout = connectTimeout;
            slots = new SemaphoreSlim(Math.Max(1, maxConnections));
        }

        public Uri Endpoint { get; }

        public async Task<string> PostAsync(string envelope, TimeSpan deadline, CancellationToken cancel)
        {
            var soap = new UTF8Encoding(false).GetBytes(envelope);
            using (var timeout = new CancellationTokenSource(deadline))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancel))
            {
                try { await slots.WaitAsync(linked.Token).ConfigureAwait(false); }
                catch (OperationCanceledException ex) { throw Stopped(ex, cancel, deadline); }
                try
                {
                    for (var attempt = 0; ; attempt++)
                    {
                        NegotiateHttpConnection connection = null;
                        try
                        {
                            if (!idle.TryTake(out connection))
                                connection = await NegotiateHttpConnection.OpenAsync(Endpoint, connectTimeout, linked.Token).ConfigureAwait(false);
                            string text;
                            bool keep;
                            // Cancelling a read on a socket is closing the socket (netstandard2.0's reads ignore the token once started).
                            using (linked.Token.Register(connection.Dispose))
                                (text, keep) = await ExchangeAsync(connection, soap, linked.Token).ConfigureAwait(false);
                            if (keep && Volatile.Read(ref disposed) == 0) idle.Add(connection);
                            else connection.Dispose();
                            return text;
                        }
                        catch (CimException)
                        {
                            connection?.Dispose();
                            throw;
                        }
                        catch (Exception ex) when (linked.IsCancellationRequested)
                        {
                            connection?.Dispose();
                            throw Stopped(ex, cancel, deadline);
                        }
                        catch (Exception ex) when (attempt == 0 && connection != null && connection.Used && !connection.Received && IsConnectionFailure(ex))
                        {
                            // An idle connection the target closed meanwhile: once more on a new one (nothing was processed).
                            connection.Dispose();
                        }
                        catch (Exception ex) when (ex is TimeoutException)
                        {
                            connection?.Dispose();
                            // What MI reports as ERROR_WSMAN_NETWORK_TIMEDOUT (0x80338126).
                            throw new CimException(CimErrorKind.Unreachable, computerName,
                                computerName + ": cannot reach " + Endpoint + ": no answer to the connection within " +
                                connectTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) +
                                " s (the computer is switched off, or a firewall drops the traffic).", CimErrorCodes.WsManNetworkTimedOut, ex);
                        }
                        catch (Exception ex) when (IsConnectionFailure(ex) || ex is InvalidDataException)
                        {
                            connection?.Dispose();
                            throw Classify(ex);
                        }
                    }
                }
                finally { slots.Release(); }
            }
        }

        /// <summary>The exchange on one connection: the handshake first when the connection is new. Returns the reply and whether to keep the connection.</summary>
        private async Task<(string, bool)> ExchangeAsync(NegotiateHttpConnection connection, byte[] soap, CancellationToken cancel)
        {
            NegotiateHttpReply reply;
            if (connection.Security == null)
            {
                var ntlm = new NtlmClient(user, domain, password);
                reply = await connection.PostAsync("Negotiate " + Convert.ToBase64String(ntlm.Negotiate()), null, new byte[0], cancel).ConfigureAwait(false);
                var challenge = ChallengeToken(reply);
                byte[] authenticate;
                try { authenticate = ntlm.Authenticate(challenge); }
                catch (NtlmException ex)
                {
                    throw new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the target's NTLM challenge cannot be used: " + ex.Message, null, ex);
                }
                // The AUTHENTICATE travels with the first real request, already sealed, as Windows' own WinRM client sends
                // it [guess W141]; pywinrm sends an empty request first, which the service also accepts (W137).
                var body = EncryptedMessage.Build(soap, ntlm.Security);
                reply = await connection.PostAsync("Negotiate " + Convert.ToBase64String(authenticate), EncryptedMessage.ContentType, body, cancel).ConfigureAwait(false);
                if (reply.Status == 401) throw AuthenticationRejected(reply);
                connection.Security = ntlm.Security;
            }
            else
            {
                var body = EncryptedMessage.Build(soap, connection.Security);
                reply = await connection.PostAsync(null, EncryptedMessage.ContentType, body, cancel).ConfigureAwait(false);
            }
            return (Interpret(reply, connection.Security), reply.KeepAlive);
        }

        /// <summary>The CHALLENGE_MESSAGE of the 401 that answers the NEGOTIATE_MESSAGE.</summary>
        private byte[] ChallengeToken(NegotiateHttpReply reply)
        {
            if (reply.Status == 401)
            {
                foreach (var value in reply.All("WWW-Authenticate"))
                {
                    foreach (var challenge in value.Split(','))
                    {
                        var trimmed = challenge.Trim();
                        if (!trimmed.StartsWith("Negotiate ", StringComparison.OrdinalIgnoreCase)) continue;
                        try { return Convert.FromBase64String(trimmed.Substring(10).Trim()); }
                        catch (FormatException ex)
                        {
                            throw new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the target's Negotiate challenge is not base64.", 401, ex);
                        }
                    }
                }
                var offered = new List<string>(reply.All("WWW-Authenticate"));
                throw new CimException(CimErrorKind.AuthenticationFailed, computerName,
                    computerName + ": the target does not accept NTLM in Negotiate (HTTP 401 offering " + (offered.Count == 0 ? "no method" : string.Join(", ", offered)) +
                    "). Windows allows Negotiate by default; check winrm/config/service/auth on the target.", 401);
            }
            throw StatusError(reply, "answered the NTLM NEGOTIATE_MESSAGE with HTTP " + reply.Status + " " + reply.Reason + " instead of a challenge");
        }

        private string Interpret(NegotiateHttpReply reply, NtlmSessionSecurity security)
        {
            var contentType = reply.Header("Content-Type");
            if ((reply.Status == 200 || reply.Status == 400 || reply.Status == 500) && EncryptedMessage.IsEncrypted(contentType))
            {
                byte[] plain;
                try { plain = EncryptedMessage.Parse(contentType, reply.Body, security); }
                catch (EncryptedMessageException ex)
                {
                    throw new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the target's encrypted reply cannot be read: " + ex.Message, reply.Status, ex);
                }
                return Encoding.UTF8.GetString(plain);
            }
            if (reply.Status == 401) throw AuthenticationRejected(reply);
            if (reply.Status == 200 || ((reply.Status == 400 || reply.Status == 500) && reply.Body.Length > 0 && contentType != null))
                throw new CimException(CimErrorKind.ProtocolError, computerName,
                    computerName + ": the target answered HTTP " + reply.Status + " with an unencrypted reply (" + (contentType ?? "no Content-Type") +
                    ") to an encrypted request; it is not read.", reply.Status);
            if (reply.Status == 400 || reply.Status == 500)
                throw new CimException(CimErrorKind.ProtocolError, computerName,
                    computerName + ": the target refused the encrypted message (HTTP " + reply.Status + " without a reply): it could not decrypt or verify it, " +
                    "or its WinRM service does not accept Negotiate message encryption.", reply.Status);
            throw StatusError(reply, "answered HTTP " + reply.Status + " " + reply.Reason);
        }

        private CimException AuthenticationRejected(NegotiateHttpReply reply) =>
            // As for Basic: WinRM answers 401 both to wrong credentials and to an account it does not admit.
            new CimException(CimErrorKind.AuthenticationFailed, computerName,
                computerName + ": the target rejected the credentials (HTTP 401 to the NTLM AUTHENTICATE_MESSAGE). " +
                "Windows answers this way to a wrong user name or password, and to an account that is neither an administrator nor a " +
                "member of Remote Management Users there. In a workgroup, UAC remote restrictions also strip administrator rights " +
                "from local accounts other than the built-in Administrator (see LocalAccountTokenFilterPolicy).", 401);

        private CimException StatusError(NegotiateHttpReply reply, string what)
        {
            switch (reply.Status)
            {
                case 403: return new CimException(CimErrorKind.AccessDenied, computerName, computerName + ": access denied by the WS-Management service (HTTP 403).", 403);
                case 404: return new CimException(CimErrorKind.Unreachable, computerName, computerName + ": no WS-Management listener at " + Endpoint + " (HTTP 404).", 404);
                case 503: return new CimException(CimErrorKind.Unreachable, computerName, computerName + ": the WS-Management service is unavailable (HTTP 503).", 503);
                default: return new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the target " + what + ".", reply.Status);
            }
        }

        private CimException Stopped(Exception ex, CancellationToken cancel, TimeSpan deadline) =>
            cancel.IsCancellationRequested
                ? new CimException(CimErrorKind.Cancelled, computerName, computerName + ": the operation was cancelled.", null, new OperationCanceledException(cancel))
                : new CimException(CimErrorKind.Timeout, computerName,
                    computerName + ": no reply from " + Endpoint + " within " + deadline.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s.", null, ex);

        private static bool IsConnectionFailure(Exception ex) =>
            ex is IOException || ex is SocketException || ex is ObjectDisposedException;

        private CimException Classify(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                if (e is SocketException se)
                    return WsManSocketErrors.Classify(se, computerName, Endpoint, ex) ?? WsManSocketErrors.HostCannotBeReached(se, computerName, Endpoint, ex);
            }
            if (ex is InvalidDataException)
                return new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the target's HTTP reply is malformed: " + ex.Message + ".", null, ex);
            if (ex is EndOfStreamException)
                return new CimException(CimErrorKind.ProtocolError, computerName, computerName + ": the connection was closed by the target before its reply.", null, ex);
            return new CimException(CimErrorKind.Unreachable, computerName, computerName + ": the request to " + Endpoint + " failed: " + ex.Message, null, ex);
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            while (idle.TryTake(out var connection)) connection.Dispose();
        }
    }
}
