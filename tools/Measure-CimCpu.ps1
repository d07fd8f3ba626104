#Requires -Version 7.0
<#
.SYNOPSIS
    The CPU one CIM operation costs the scanning process and the simulator: one fleet scan, optionally profiled.
.DESCRIPTION
    Starts the simulator with -Count generated hosts of the benchmark's fleet template (10 ms per operation, no faults),
    then runs tools/Measure-FleetScan.ps1 in a fresh pwsh -Runs times (ThrottleLimit -ThrottleLimit) and prints each
    run's wall time, peak memory, and the CPU milliseconds per operation of both processes, with the load average.

    With -Trace both processes are traced with the runtime's sample profiler, each from its start to its exit
    (EventPipe configured through environment variables, so import, warm-up and the simulator's host generation are
    in the traces too); the .nettrace files go to -OutputPath (read them with dotnet-trace report <file> topN).
.EXAMPLE
    ./tools/Measure-CimCpu.ps1 -Count 1000 -ThrottleLimit 128
.EXAMPLE
    ./tools/Measure-CimCpu.ps1 -Count 1000 -ThrottleLimit 128 -Trace -OutputPath out/cpu
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100000)] [int] $Count = 1000,
    [ValidateRange(1, 10000)] [int] $ThrottleLimit = 128,
    [ValidateRange(1, 100)] [int] $Runs = 1,
    [switch] $Trace,
    [string] $OutputPath,
    [string] $Configuration = 'Release',
    # Environment variables for the simulator only (runtime settings to compare, e.g. @{ DOTNET_TieredPGO = '0' }).
    [hashtable] $SimulatorEnvironment = @{}
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = Split-Path $PSScriptRoot -Parent
if (-not $OutputPath) { $OutputPath = Join-Path $root 'out/cpu' }
$null = New-Item -ItemType Directory -Force -Path $OutputPath
Import-Module (Join-Path $root 'tests/TestHelpers/AppBanSimulator.psm1') -Force

# The benchmark's fleet template: the project's one with a fixed 10 ms latency and no faults.
$node = [System.Text.Json.Nodes.JsonNode]::Parse((Get-Content -Raw -LiteralPath (Join-Path $root 'tests/hosts/templates/fleet-template.json')))
$node['namePrefix'] = [System.Text.Json.Nodes.JsonValue]::Create('BENCH-')
$node['faults'] = [System.Text.Json.Nodes.JsonArray]::new()
$latency = [System.Text.Json.Nodes.JsonObject]::new()
$latency['min'] = [System.Text.Json.Nodes.JsonValue]::Create(10)
$latency['max'] = [System.Text.Json.Nodes.JsonValue]::Create(10)
$node['latencyMs'] = $latency
$template = Join-Path $OutputPath 'fleet-template.json'
Set-Content -LiteralPath $template -Value $node.ToJsonString() -Encoding utf8NoBOM

$eventPipe = 'Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:0x4c14fccbd:5'
if ($Trace) {
    # The simulator inherits these: it is traced from its start (host generation included) to its exit.
    $env:DOTNET_EnableEventPipe = '1'
    $env:DOTNET_EventPipeOutputPath = Join-Path $OutputPath 'simulator.nettrace'
    $env:DOTNET_EventPipeConfig = $eventPipe
}
foreach ($name in $SimulatorEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, [string] $SimulatorEnvironment[$name]) }
# One host more than measured: the warm-up scans it, so the measured hosts start with nothing cached on either side.
$simulator = Start-AppBanSimulator -ArgumentList '--generate', "$($Count + 1)", '--template', $template -Configuration $Configuration -TimeoutSeconds 180
Remove-Item Env:DOTNET_EnableEventPipe, Env:DOTNET_EventPipeOutputPath, Env:DOTNET_EventPipeConfig -ErrorAction SilentlyContinue
foreach ($name in $SimulatorEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $null) }
try {
    $names = @($simulator.Hosts.Name | Sort-Object)
    $warmUp = $names[-1]
    $pwsh = (Get-Process -Id $PID).Path
    # Under 'dotnet pwsh' this process is dotnet itself: a child needs pwsh.dll as its first argument.
    $pwshArgs = if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    $worker = Join-Path $PSScriptRoot 'Measure-FleetScan.ps1'
    foreach ($run in 1..$Runs) {
        $info = [System.Diagnostics.ProcessStartInfo]::new($pwsh)
        foreach ($a in @($pwshArgs) + @('-NoProfile', '-NonInteractive', '-File', $worker, '-ControlUrl', $simulator.ControlUrl,
                '-NamePattern', 'BENCH-[0-9]*', '-Count', "$Count", '-ThrottleLimit', "$ThrottleLimit", '-WarmUpHost', $warmUp,
                '-SimulatorProcessId', "$($simulator.Process.Id)")) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.UseShellExecute = $false
        if ($Trace) {
            $info.Environment['DOTNET_EnableEventPipe'] = '1'
            $info.Environment['DOTNET_EventPipeOutputPath'] = Join-Path $OutputPath "client-$run.nettrace"
            $info.Environment['DOTNET_EventPipeConfig'] = $eventPipe
        }
        $child = [System.Diagnostics.Process]::Start($info)
        $output = $child.StandardOutput.ReadToEnd()
        $child.WaitForExit()
        if ($child.ExitCode -ne 0) { throw "The fleet scan failed (exit code $($child.ExitCode)): $output" }
        $result = ($output.Trim() -split "`n")[-1] | ConvertFrom-Json
        $load = (Get-Content -LiteralPath /proc/loadavg -ErrorAction SilentlyContinue) -split ' ' | Select-Object -First 3
        [pscustomobject]@{
            Run               = $run
            Hosts             = $result.Hosts
            ThrottleLimit     = $result.ThrottleLimit
            WallSeconds       = [math]::Round($result.WallSeconds, 2)
            PeakMB            = [math]::Round($result.PeakBytes / 1MB, 1)
            Operations        = $result.Operations
            ClientCpuSeconds  = [math]::Round($result.CpuSeconds, 2)
            SimulatorCpuSeconds = [math]::Round($result.SimulatorCpuSeconds, 2)
            ClientCpuMsPerOp  = [math]::Round($result.ClientCpuMsPerOperation, 3)
            SimulatorCpuMsPerOp = [math]::Round($result.SimulatorCpuMsPerOperation, 3)
            CpuFloorSeconds   = [math]::Round(($result.CpuSeconds + $result.SimulatorCpuSeconds) / [Environment]::ProcessorCount, 2)
            Findings          = $result.Findings
            Errors            = $result.Errors
            LoadAverage       = $load -join ' '
        }
    }
} finally {
    Stop-AppBanSimulator -Simulator $simulator
}
