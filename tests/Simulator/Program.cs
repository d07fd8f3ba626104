using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using AppBan.Simulator;
using AppBan.Simulator.Fleet;
using AppBan.Simulator.Model;

const string Usage = """
    AppBan.Simulator: a simulated Windows fleet answering WS-Management on loopback.

      --hosts <file-or-dir>     host description(s) (JSON, schemaVersion 1 or 2); repeatable; a directory loads its *.json
      --generate <N>            also serve N hosts generated from --template (with --seed, default 1)
      --template <file>         fleet template for --generate
      --seed <S>                random seed for --generate
      --out <dir>               with --generate: write the host files to <dir> and exit
      --address-base <ip>       one loopback address per host from <ip> upwards (with --port), instead of one port each
      --port <P>                the port every host listens on with --address-base (default 5985, or 5986 with --https)
      --control-port <P>        port of the control endpoint on 127.0.0.1 (default: ephemeral)
      --https                   serve HTTPS with a self-signed certificate made at start (printed as CERTIFICATE <pem>)
      --ignore-stdin            do not exit when standard input closes (run as a daemon; stop with SIGTERM)

    Prints HOST <ComputerName> <url> per host, CONTROL <url>, then READY. Exits on SIGTERM, Ctrl+C or end of stdin.
    """;

var trace = Environment.GetEnvironmentVariable("APPBAN_SIMULATOR_TRACE") == "1";
var clock = System.Diagnostics.Stopwatch.StartNew();
void Trace(string what) { if (trace) Console.Error.WriteLine($"{clock.ElapsedMilliseconds,6} ms {what}"); }
var hostPaths = new List<string>();
int? generate = null;
string? template = null, outDir = null;
var seed = 1;
IPAddress? addressBase = null;
int? port = null;
var controlPort = 0;
var https = false;
var ignoreStdin = false;
try
{
    for (var i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
        switch (args[i])
        {
            case "--hosts": hostPaths.Add(Next()); break;
            case "--generate": generate = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--template": template = Next(); break;
            case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--out": outDir = Next(); break;
            case "--address-base": addressBase = IPAddress.Parse(Next()); break;
            case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--control-port": controlPort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--https": https = true; break;
            case "--ignore-stdin": ignoreStdin = true; break;
            case "--help" or "-h": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
        }
    }
    if (addressBase is not null && addressBase.GetAddressBytes()[0] != 127) throw new ArgumentException("--address-base must be in 127.0.0.0/8.");
    if (generate is not null && template is null) throw new ArgumentException("--generate needs --template.");
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

List<HostDescription> descriptions;
try
{
    descriptions = [];
    foreach (var path in hostPaths)
    {
        if (Directory.Exists(path)) descriptions.AddRange(Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal).Select(HostJson.Load));
        else if (File.Exists(path)) descriptions.Add(HostJson.Load(path));
        else throw new FileNotFoundException($"No host file or directory '{path}'.");
    }
    if (generate is { } n)
    {
        var generated = FleetGenerator.Generate(FleetGenerator.LoadTemplate(template!), n, seed);
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
            foreach (var h in generated)
                File.WriteAllText(Path.Combine(outDir, h.ComputerName + ".json"), JsonSerializer.Serialize(h, HostJson.Options));
            Console.WriteLine($"Wrote {generated.Count} host files to {outDir}");
            return 0;
        }
        descriptions.AddRange(generated);
    }
    if (descriptions.Count == 0) throw new ArgumentException("No hosts: give --hosts or --generate.");
    var duplicate = descriptions.GroupBy(d => d.ComputerName, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
    if (duplicate is not null) throw new InvalidDataException($"Two hosts are named {duplicate.Key}.");
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException || HostJson.IsUnrepresentable(e))
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Trace($"{descriptions.Count} descriptions");
var hosts = descriptions.Select(d => new HostState(d)).ToList();
Trace("host states built");
X509Certificate2? certificate = null;
string? certificatePath = null;
if (https)
{
    (certificate, certificatePath) = SelfSigned.Create();
}
var server = new Server(hosts, new ServerOptions
{
    AddressBase = addressBase,
    Port = port ?? (https ? 5986 : 5985),
    ControlPort = controlPort,
    Certificate = certificate,
});
try { await server.StartAsync(); }
catch (IOException e)
{
    Console.Error.WriteLine($"Cannot listen: {e.Message}");
    return 3;
}

Trace("listening");
var stdout = Console.Out;
foreach (var h in hosts) stdout.WriteLine($"HOST {h.Name} {h.Url}");
stdout.WriteLine($"CONTROL {server.ControlUrl}");
if (certificatePath is not null) stdout.WriteLine($"CERTIFICATE {certificatePath}");
stdout.WriteLine("READY");
stdout.Flush();

var stop = new TaskCompletionSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
if (!ignoreStdin)
{
    var stdinThread = new Thread(() =>
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
        }
        catch (IOException) { }
        stop.TrySetResult();
    }) { IsBackground = true, Name = "stdin-watch" };
    stdinThread.Start();
}
await stop.Task;
var stopWatch = System.Diagnostics.Stopwatch.StartNew();
await server.DisposeAsync();
Trace($"stopped in {stopWatch.ElapsedMilliseconds} ms");
if (certificatePath is not null) try { File.Delete(certificatePath); } catch (IOException) { }
return 0;

/// <summary>A self-signed certificate for 127.0.0.1/localhost, made at start so tests can check certificate verification.</summary>
internal static class SelfSigned
{
    public static (X509Certificate2, string) Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=AppBan Simulator", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(7));
        var path = Path.Combine(Path.GetTempPath(), $"appban-simulator-{Environment.ProcessId}.pem");
        File.WriteAllText(path, cert.ExportCertificatePem());
        // Kestrel needs the private key in a form it can use on every platform.
        var usable = X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
        return (usable, path);
    }
}
