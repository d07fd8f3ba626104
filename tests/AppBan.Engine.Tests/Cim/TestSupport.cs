using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using System.Xml.Linq;
using AppBan.Engine.Cim;
using Xunit;

namespace AppBan.Engine.Tests.Cim
{
    /// <summary>A fact that needs Windows (MI, the native CIM client).</summary>
    public sealed class WindowsFactAttribute : FactAttribute
    {
        public WindowsFactAttribute()
        {
            if (!System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows))
                Skip = "Needs Windows: MI (Microsoft.Management.Infrastructure) has no native client on this system.";
        }
    }

    /// <summary>
    /// Answers each call with the reply a test scripts, mostly a captured WS-Man reply run through the parser,
    /// and records the call's exact parameters and options: for what a client sends and how it reads a given
    /// reply. A host with state (registry, processes) is <see cref="AppBan.Engine.Tests.Fakes.FakeWindowsHost"/>.
    /// </summary>
    internal sealed class ScriptedReplySession : ICimSession
    {
        public readonly List<(string Method, IReadOnlyList<CimParameter> Args, CimCallOptions Options)> Calls = new List<(string, IReadOnlyList<CimParameter>, CimCallOptions)>();
        public Func<string, IReadOnlyList<CimParameter>, CimMethodResult> Answer { get; set; }

        public string ComputerName => "scripted";
        public string TransportName => "Test";

        public Func<string, IEnumerable<CimObject>> QueryAnswer { get; set; }

        public Task QueryAsync(string namespaceName, string wql, Action<CimObject> onInstance, CimCallOptions options)
        {
            if (QueryAnswer == null) throw new NotSupportedException();
            foreach (var o in QueryAnswer(wql)) onInstance(o);
            return Task.CompletedTask;
        }

        public Task<CimMethodResult> InvokeMethodAsync(string namespaceName, string className, string methodName,
            IReadOnlyList<CimParameter> inParameters, CimCallOptions options)
        {
            lock (Calls) Calls.Add((methodName, inParameters, options));
            return Task.FromResult(Answer(methodName, inParameters));
        }

        public static CimMethodResult Result(uint returnValue, params (string Name, CimValue Value)[] outs) =>
            new CimMethodResult(returnValue, outs.ToDictionary(o => o.Name, o => o.Value, StringComparer.OrdinalIgnoreCase));

        public void Dispose() { }
    }

    /// <summary>
    /// A loopback HTTP endpoint at /wsman that answers each request with what <see cref="Respond"/> returns,
    /// and records every request envelope. Used to test the HTTP side of the client: status codes, hangs, RelatesTo.
    /// </summary>
    internal sealed class ScriptedWsManServer : IDisposable
    {
        private readonly HttpListener listener = new HttpListener();
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly Task loop;
        public readonly ConcurrentQueue<XDocument> Requests = new ConcurrentQueue<XDocument>();
        public readonly ConcurrentQueue<string> AuthorizationHeaders = new ConcurrentQueue<string>();

        /// <summary>(request envelope, its MessageID) → (HTTP status, body). Returning null body with status 0 hangs until stopped.</summary>
        public Func<XDocument, string, Task<(int Status, string Body)>> Respond { get; set; }

        /// <summary>When set, answers instead of <see cref="Respond"/> with a body of exact bytes and its own Content-Type (null: none).</summary>
        public Func<XDocument, string, (string ContentType, byte[] Body)> RespondBytes { get; set; }

        /// <summary>Content-Type and User-Agent of every request, in arrival order.</summary>
        public readonly ConcurrentQueue<(string ContentType, string UserAgent)> RequestHeaders = new ConcurrentQueue<(string, string)>();

        public ScriptedWsManServer()
        {
            Port = FreePort();
            listener.Prefixes.Add("http://127.0.0.1:" + Port + "/wsman/");
            listener.Start();
            loop = Task.Run(LoopAsync);
        }

        public int Port { get; }
        public string ComputerName => "127.0.0.1:" + Port;

        public IEnumerable<string> Actions => Requests.Select(r => r.Descendants(XName.Get("Action", "http://schemas.xmlsoap.org/ws/2004/08/addressing")).First().Value);

        private async Task LoopAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync().ConfigureAwait(false); }
                catch (Exception) { return; }
                _ = Task.Run(() => HandleAsync(context));
            }
        }

        private async Task HandleAsync(HttpListenerContext context)
        {
            try
            {
                string text;
                using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8)) text = await reader.ReadToEndAsync().ConfigureAwait(false);
                var doc = XDocument.Parse(text);
                AuthorizationHeaders.Enqueue(context.Request.Headers["Authorization"]);
                Requests.Enqueue(doc);
                RequestHeaders.Enqueue((context.Request.Headers["Content-Type"], context.Request.Headers["User-Agent"]));
                var messageId = doc.Descendants(XName.Get("MessageID", "http://schemas.xmlsoap.org/ws/2004/08/addressing")).First().Value;
                if (RespondBytes != null)
                {
                    var (contentType, raw) = RespondBytes(doc, messageId);
                    context.Response.StatusCode = 200;
                    if (contentType != null) context.Response.ContentType = contentType;
                    await context.Response.OutputStream.WriteAsync(raw, 0, raw.Length).ConfigureAwait(false);
                    context.Response.Close();
                    return;
                }
                var (status, body) = await Respond(doc, messageId).ConfigureAwait(false);
                if (status == 0)
                {
                    try { await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false); } catch (OperationCanceledException) { }
                    context.Response.Abort();
                    return;
                }
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/soap+xml;charset=UTF-8";
                var bytes = Encoding.UTF8.GetBytes(body ?? string.Empty);
                await context.Response.OutputStream.WriteAsync(bytes, 0, bytes.Length).ConfigureAwait(false);
                context.Response.Close();
            }
            catch (Exception)
            {
                try { context.Response.Abort(); } catch (Exception) { }
            }
        }

        public static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            var port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        public static string Body(XDocument request, string localName) =>
            request.Descendants().First(e => e.Name.LocalName == localName).Value;

        public void Dispose()
        {
            stop.Cancel();
            try { listener.Stop(); listener.Close(); } catch (Exception) { }
            try { loop.Wait(2000); } catch (Exception) { }
        }
    }
}
