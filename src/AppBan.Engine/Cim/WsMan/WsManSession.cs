using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace AppBan.Engine.Cim.WsMan
{
    /// <summary>Tuning for the managed WS-Man client.</summary>
    public sealed class WsManSessionOptions
    {
        /// <summary>Items asked for per Enumerate/Pull; the service may send fewer to stay under MaxEnvelopeSize.</summary>
        public int MaxElements { get; set; } = 1000;
        public int MaxEnvelopeSize { get; set; } = 512000;
        public string Locale { get; set; } = "en-US";
        /// <summary>The server-side OperationTimeout when neither the call nor the target sets one.</summary>
        public TimeSpan DefaultOperationTimeout { get; set; } = TimeSpan.FromSeconds(60);
        /// <summary>How long past the OperationTimeout the client waits for the service's own timeout fault.</summary>
        public TimeSpan ClientGrace { get; set; } = TimeSpan.FromSeconds(5);
        /// <summary>Bound on the best-effort Release sent after a failed or cancelled enumeration.</summary>
        public TimeSpan ReleaseTimeout { get; set; } = TimeSpan.FromSeconds(2);
        public int MaxConnections { get; set; } = 16;
        /// <summary>
        /// How long the first connection may take before the target counts as unreachable. A switched-off or firewalled
        /// computer drops the packets, so without its own bound the connect would wait out the operation timeout.
        /// [guess W065] 5 s is ample on a LAN and short enough that a fleet with many switched-off computers is not held up.
        /// </summary>
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
    }

    /// <summary>
    /// <see cref="ICimSession"/> over the managed WS-Management client: WQL enumeration (Enumerate/Pull/Release),
    /// static and instance method invocation, and WS-Transfer Delete against the WinRM WMI plug-in. Thread-safe; one
    /// HttpClient per target.
    /// </summary>
    public sealed class WsManSession : ICimSession, ICimInstanceMethods, ICimInstanceDeletion
    {
        private static readonly Regex FromClause = new Regex(@"\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private readonly IWsManTransport http;
        private readonly CimTarget target;

        public WsManSession(CimTarget target, WsManSessionOptions options = null)
        {
            this.target = target ?? throw new ArgumentNullException(nameof(target));
            if (target.IsLocal) throw new ArgumentException("The WS-Man client needs a computer name.", nameof(target));
            Options = options ?? new WsManSessionOptions();
            http = WsManTransport.Create(target, Options.MaxConnections, Options.ConnectTimeout);
        }

        public string ComputerName => target.ComputerName;
        public string TransportName => "WsMan";
        public WsManSessionOptions Options { get; }
        public Uri Endpoint => http.Endpoint;

        public async Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
        {
            if (string.IsNullOrWhiteSpace(wql)) throw new ArgumentException("A WQL query is required.", nameof(wql));
            if (onInstance == null) throw new ArgumentNullException(nameof(onInstance));
            options = options ?? CimCallOptions.Default;
            var resourceUri = WsManNames.ResourceUri(namespaceName, "*");
            var match = FromClause.Match(wql);
            var className = match.Success ? match.Groups[1].Value : null;
            var header = Header(options);

            var page = await ExchangeAsync(id => WsManRequest.Enumerate(resourceUri, id, header, wql, Options.MaxElements), options,
                className, WsManReplyReader.NewPage, WsManReplyReader.ReadPage, WsManReplyReader.FinishPage).ConfigureAwait(false);
            string context = null;
            try
            {
                while (true)
                {
                    context = string.IsNullOrEmpty(page.Context) ? null : page.Context;
                    foreach (var item in page.Items) onInstance(item);
                    if (page.EndOfSequence) { context = null; return; }
                    if (context == null)
                        throw new CimException(CimErrorKind.ProtocolError, ComputerName, ComputerName + ": the enumeration reply has neither a context nor EndOfSequence.");
                    options.CancellationToken.ThrowIfCancellationRequested();
                    var current = context;
                    page = await ExchangeAsync(id => WsManRequest.Pull(resourceUri, id, header, current, Options.MaxElements), options,
                        className, WsManReplyReader.NewPage, WsManReplyReader.ReadPage, WsManReplyReader.FinishPage).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (context != null)
            {
                // Leave nothing open on the service: a failed, cancelled or abandoned enumeration releases its context.
                await ReleaseQuietlyAsync(resourceUri, context).ConfigureAwait(false);
                if (ex is OperationCanceledException)
                    throw new CimException(CimErrorKind.Cancelled, ComputerName, ComputerName + ": the operation was cancelled.", null, ex);
                throw;
            }
        }

        public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            if (string.IsNullOrWhiteSpace(className)) throw new ArgumentException("A class name is required.", nameof(className));
            options = options ?? CimCallOptions.Default;
            var resourceUri = WsManNames.ResourceUri(namespaceName, className);
            var header = Header(options);
            return ExchangeAsync(id => WsManRequest.Invoke(resourceUri, methodName, id, header, inParameters), options,
                methodName, WsManReplyReader.NewOutput, WsManReplyReader.ReadOutput, WsManReplyReader.FinishOutput);
        }

        public Task<CimMethodResult> InvokeInstanceMethodAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys,
            string methodName, IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            if (string.IsNullOrWhiteSpace(className)) throw new ArgumentException("A class name is required.", nameof(className));
            if (keys == null || keys.Count == 0) throw new ArgumentException("An instance method needs the instance's key properties.", nameof(keys));
            options = options ?? CimCallOptions.Default;
            var resourceUri = WsManNames.ResourceUri(namespaceName, className);
            var header = Header(options);
            return ExchangeAsync(id => WsManRequest.Invoke(resourceUri, methodName, id, header, inParameters, keys), options,
                methodName, WsManReplyReader.NewOutput, WsManReplyReader.ReadOutput, WsManReplyReader.FinishOutput);
        }

        /// <summary>
        /// WS-Transfer Delete of the instance its key properties name. [guess W076] The WMI plug-in turns it into the provider's
        /// DeleteInstance with the selectors as the key properties and answers with an empty body; a fault is mapped as for
        /// every other operation.
        /// </summary>
        public Task DeleteInstanceAsync(string namespaceName, string className, IReadOnlyDictionary<string, string> keys, CimCallOptions options)
        {
            if (string.IsNullOrWhiteSpace(className)) throw new ArgumentException("A class name is required.", nameof(className));
            if (keys == null || keys.Count == 0) throw new ArgumentException("A Delete needs the instance's key properties.", nameof(keys));
            options = options ?? CimCallOptions.Default;
            var resourceUri = WsManNames.ResourceUri(namespaceName, className);
            var header = Header(options);
            return ExchangeAsync(id => WsManRequest.Delete(resourceUri, id, header, keys), options,
                (object)null, _ => (object)null, (reader, state) => false, state => true);
        }

        /// <summary>
        /// Sends one request, reads the reply in one pass (<see cref="WsManReplyReader"/>: <paramref name="readBody"/> takes
        /// what it needs from the body's elements, <paramref name="finish"/> makes the result), checks RelatesTo against
        /// our MessageID and maps faults.
        /// </summary>
        private async Task<T> ExchangeAsync<TArg, TState, T>(Func<string, string> build, CimCallOptions options, TArg argument,
            Func<TArg, TState> start, Func<System.Xml.XmlReader, TState, bool> readBody, Func<TState, T> finish)
        {
            options.CancellationToken.ThrowIfCancellationRequestedAsCim(ComputerName);
            var messageId = "uuid:" + Guid.NewGuid().ToString("D").ToUpperInvariant();
            var envelope = build(messageId);
            var timeout = OperationTimeout(options);
            var text = await http.PostAsync(envelope, timeout + Options.ClientGrace, options.CancellationToken).ConfigureAwait(false);
            WsManReply<T> reply;
            try { reply = WsManReplyReader.Read(text, start(argument), readBody, finish); }
            catch (FormatException ex) { throw Protocol(ex.Message, ex); }
            if (reply.RelatesTo != null && !string.Equals(reply.RelatesTo, messageId, StringComparison.OrdinalIgnoreCase))
                throw Protocol("the reply relates to " + reply.RelatesTo + ", not to the request " + messageId + ".", null);
            if (reply.Fault != null) throw WsManFaultMapper.ToException(reply.Fault, ComputerName);
            if (reply.Rejected != null) throw Protocol(reply.Rejected.Message, reply.Rejected);
            return reply.Value;
        }

        private async Task ReleaseQuietlyAsync(string resourceUri, string context)
        {
            try
            {
                var header = Header(CimCallOptions.Default);
                header.OperationTimeout = Options.ReleaseTimeout;
                var envelope = WsManRequest.Release(resourceUri, "uuid:" + Guid.NewGuid().ToString("D").ToUpperInvariant(), header, context);
                await http.PostAsync(envelope, Options.ReleaseTimeout, CancellationToken.None).ConfigureAwait(false);
            }
            catch (CimException)
            {
                // Best effort: the service also expires contexts on its own.
            }
        }

        private TimeSpan OperationTimeout(CimCallOptions options) =>
            options.OperationTimeout ?? target.OperationTimeout ?? Options.DefaultOperationTimeout;

        private WsManHeaderOptions Header(CimCallOptions options) => new WsManHeaderOptions
        {
            To = http.Endpoint.ToString(),
            OperationTimeout = OperationTimeout(options),
            MaxEnvelopeSize = Options.MaxEnvelopeSize,
            Locale = Options.Locale,
            Use64BitProvider = options.Use64BitProvider,
        };

        private CimException Protocol(string what, Exception inner) =>
            new CimException(CimErrorKind.ProtocolError, ComputerName, ComputerName + ": " + what, null, inner);

        public void Dispose() => http.Dispose();
    }

    internal static class CancellationExtensions
    {
        public static void ThrowIfCancellationRequestedAsCim(this CancellationToken token, string computerName)
        {
            if (token.IsCancellationRequested)
                throw new CimException(CimErrorKind.Cancelled, computerName, computerName + ": the operation was cancelled.", null, new OperationCanceledException(token));
        }
    }
}
