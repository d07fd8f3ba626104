#Requires -Version 7.0
<#
.SYNOPSIS
    Measures CIM operations per second on loopback against the simulated fleet: WQL Query and StdRegProv
    InvokeMethod, with 1 and with 8 operations in flight on one WS-Man session.
.DESCRIPTION
    Starts the simulator with one host, opens one managed WS-Man session (one HttpClient, kept-alive connections)
    and runs a fixed number of operations per case, closed loop: each of the N workers starts its next operation
    when the previous one ends. Prints operations per second and the 8-vs-1 ratio. Bounded in count, so it
    finishes in seconds; build first (build.ps1 Build).
.EXAMPLE
    ./tools/Measure-CimThroughput.ps1 -Operations 400
#>
[CmdletBinding()]
param(
    # A host description for the simulator; its first host is measured.
    [string] $HostPath = (Join-Path $PSScriptRoot '../tests/hosts/clean-01.json'),
    # Operations per case (per concurrency level and kind).
    [ValidateRange(10, 5000)] [int] $Operations = 400,
    [int[]] $Concurrency = @(1, 8),
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release',
    # Also write the figures as objects.
    [switch] $PassThru
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$engine = Join-Path $root 'module/lib/AppBan.Engine.dll'
$simulator = Join-Path $root "tests/Simulator/bin/$Configuration/net10.0/AppBan.Simulator.dll"
foreach ($path in $engine, $simulator) { if (-not (Test-Path $path)) { throw "$path is missing: run ./build.ps1 Build first." } }

Add-Type -Path $engine
Add-Type -ReferencedAssemblies $engine, 'netstandard', 'System.Collections', 'System.Linq', 'System.Runtime', 'System.Threading', 'System.Threading.Tasks' -TypeDefinition @'
using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

public static class CimThroughput
{
    // Closed loop: 'concurrency' workers share 'total' operations; returns operations per second.
    public static double Run(ICimSession session, string kind, int concurrency, int total)
    {
        var registry = new RegistryClient(session);
        var left = total;
        Func<Task> one = kind == "Query"
            ? (Func<Task>)(() => session.QueryAsync(@"root\cimv2", "SELECT Caption, Version, BuildNumber FROM Win32_OperatingSystem", _ => { }, CimCallOptions.Default))
            : () => registry.EnumKeyAsync(RegistryHive.LocalMachine, @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall");
        one().GetAwaiter().GetResult(); // warm the connection
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Decrement(ref left) >= 0) await one().ConfigureAwait(false);
        })).ToArray();
        Task.WaitAll(workers);
        return total / watch.Elapsed.TotalSeconds;
    }
}
'@

$psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @($simulator, '--hosts', (Resolve-Path $HostPath).Path)) { $psi.ArgumentList.Add($a) }
$psi.RedirectStandardOutput = $true
$psi.RedirectStandardInput = $true
$psi.UseShellExecute = $false
$process = [System.Diagnostics.Process]::Start($psi)
try {
    $hostUrl = $null; $controlUrl = $null
    while ($null -ne ($line = $process.StandardOutput.ReadLine())) {
        if (-not $hostUrl -and $line -match '^HOST \S+ (\S+)$') { $hostUrl = [uri] $Matches[1] }
        if ($line -match '^CONTROL (\S+)$') { $controlUrl = $Matches[1] }
        if ($line -eq 'READY') { break }
    }
    if (-not $hostUrl -or -not $controlUrl) { throw 'The simulator did not announce a host and its control endpoint.' }
    # The control endpoint answers one JSON array; assigning it first lets the pipeline enumerate its hosts.
    $summary = Invoke-RestMethod -Uri ($controlUrl + 'hosts')
    $entry = $summary | Where-Object url -EQ $hostUrl.AbsoluteUri | Select-Object -First 1
    $admin = @($entry.accounts | Where-Object isAdmin)[0]
    $target = [AppBan.Engine.Cim.CimTarget]::Parse($hostUrl.Authority)
    $target.Authentication = 'Basic'
    $target.Credential = [System.Net.NetworkCredential]::new($admin.user, $admin.password)
    Write-Verbose "Measuring $($hostUrl.Authority) as $($admin.user)"
    $session = [AppBan.Engine.Cim.WsMan.WsManSession]::new($target, $null)
    try {
        $results = foreach ($kind in 'Query', 'InvokeMethod') {
            foreach ($n in $Concurrency) {
                [pscustomobject]@{
                    Operation   = $kind
                    InFlight    = $n
                    Operations  = $Operations
                    OpsPerSecond = [math]::Round([CimThroughput]::Run($session, $kind, $n, $Operations), 1)
                }
            }
        }
    } finally { $session.Dispose() }
    $results | Format-Table -AutoSize | Out-Host
    foreach ($kind in 'Query', 'InvokeMethod') {
        $rows = $results | Where-Object Operation -eq $kind
        if ($rows.Count -ge 2) {
            Write-Host ('{0}: {1} in flight is {2:0.0}x the throughput of {3}' -f $kind, $rows[-1].InFlight, ($rows[-1].OpsPerSecond / $rows[0].OpsPerSecond), $rows[0].InFlight)
        }
    }
    if ($PassThru) { $results }
} finally {
    if (-not $process.HasExited) { $process.StandardInput.Close(); if (-not $process.WaitForExit(5000)) { $process.Kill() } }
    $process.Dispose()
}
