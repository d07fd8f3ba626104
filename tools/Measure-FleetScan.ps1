#Requires -Version 7.0
<#
.SYNOPSIS
    Times one Get-BannedApp run over simulated hosts in a process of its own and reports the process's peak memory.
.DESCRIPTION
    tools/Benchmark.ps1 starts this script in a fresh pwsh for every fleet measurement, so the peak memory it reports
    belongs to that one scan and nothing else. It imports the module, reads the hosts from the simulator's control
    endpoint, scans -WarmUpHost once (not timed, so the timed run does not pay for JIT compilation), then times
    Get-BannedApp over the first -Count hosts whose names match -NamePattern, with -ThrottleLimit.

    Prints one line of JSON: Hosts, ThrottleLimit, WallSeconds, CpuSeconds (this process, during the scan),
    SimulatorCpuSeconds, Operations (the CIM operations the simulator served the measured hosts during the scan, from its
    counters), ClientCpuMsPerOperation and SimulatorCpuMsPerOperation (CPU time over those operations), Findings, Errors,
    BaselinePeakBytes (the high-water mark after import and warm-up) and PeakBytes (after the scan). On Linux the high-water mark is VmHWM from
    /proc/self/status; elsewhere it is Process.PeakWorkingSet64.
.EXAMPLE
    ./tools/Measure-FleetScan.ps1 -ControlUrl http://127.0.0.1:40000/ -NamePattern 'BENCH-*' -Count 100 -ThrottleLimit 32 -WarmUpHost BENCH-LAPTOP-L0
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [uri] $ControlUrl,
    [Parameter(Mandatory)] [string] $NamePattern,
    [Parameter(Mandatory)] [ValidateRange(1, 100000)] [int] $Count,
    [Parameter(Mandatory)] [ValidateRange(1, 10000)] [int] $ThrottleLimit,
    [Parameter(Mandatory)] [string] $WarmUpHost,
    # The simulator's process, whose CPU time during the scan is reported too (0: not reported).
    [int] $SimulatorProcessId = 0
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Get-PeakMemoryByte {
    $status = '/proc/self/status'
    if (Test-Path -LiteralPath $status) {
        $line = Select-String -LiteralPath $status -Pattern '^VmHWM:\s+(\d+)\s+kB' | Select-Object -First 1
        if ($line) { return [long] $line.Matches[0].Groups[1].Value * 1024 }
    }
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $process.Refresh()
    $process.PeakWorkingSet64
}

function ConvertTo-HostCredential($simulatedHost) {
    $account = @($simulatedHost.accounts | Where-Object isAdmin)[0]
    [pscredential]::new($account.user, (ConvertTo-SecureString -String $account.password -AsPlainText -Force))
}

Import-Module (Join-Path (Split-Path $PSScriptRoot -Parent) 'AppBan.psd1')
# Invoke-RestMethod hands a JSON array on as one object; the assignment and foreach unroll it.
$summary = Invoke-RestMethod -Uri ([uri]::new($ControlUrl, 'hosts'))
$all = @(foreach ($entry in $summary) { $entry })
$measured = @($all | Where-Object name -Like $NamePattern | Sort-Object name | Select-Object -First $Count)
if ($measured.Count -ne $Count) { throw "Only $($measured.Count) hosts match '$NamePattern'; $Count were asked for." }
$warmUp = @($all | Where-Object name -EQ $WarmUpHost)
if ($warmUp.Count -ne 1) { throw "No simulated host named '$WarmUpHost'." }

$null = Get-BannedApp -ComputerName $warmUp[0].computerName -Credential (ConvertTo-HostCredential $warmUp[0]) -Authentication Basic -WarningAction SilentlyContinue
$names = [string[]] @($measured.computerName)
$credential = ConvertTo-HostCredential $measured[0]
[System.GC]::Collect()
$baselinePeak = Get-PeakMemoryByte

function Get-OperationCount {
    # The simulator's running count per host; two readings around the scan give its operations.
    $wanted = [System.Collections.Generic.HashSet[string]]::new([string[]] @($measured.name), [System.StringComparer]::OrdinalIgnoreCase)
    $hosts = Invoke-RestMethod -Uri ([uri]::new($ControlUrl, 'hosts'))
    [long] (@(foreach ($entry in $hosts) { if ($wanted.Contains($entry.name)) { $entry.operations } }) | Measure-Object -Sum).Sum
}

$operationsBefore = Get-OperationCount
$failures = $null
$warnings = $null
$self = [System.Diagnostics.Process]::GetCurrentProcess()
$simulator = if ($SimulatorProcessId) { [System.Diagnostics.Process]::GetProcessById($SimulatorProcessId) } else { $null }
$cpuBefore = $self.TotalProcessorTime
$simulatorCpuBefore = if ($simulator) { $simulator.TotalProcessorTime } else { [timespan]::Zero }
$watch = [System.Diagnostics.Stopwatch]::StartNew()
$findings = @(Get-BannedApp -ComputerName $names -Credential $credential -Authentication Basic -ThrottleLimit $ThrottleLimit `
        -ErrorAction SilentlyContinue -ErrorVariable failures -WarningAction SilentlyContinue -WarningVariable warnings)
$watch.Stop()
$self.Refresh()
$cpuSeconds = ($self.TotalProcessorTime - $cpuBefore).TotalSeconds
$simulatorCpuSeconds = if ($simulator) { $simulator.Refresh(); ($simulator.TotalProcessorTime - $simulatorCpuBefore).TotalSeconds } else { $null }
$operations = (Get-OperationCount) - $operationsBefore

[pscustomobject]@{
    Hosts             = $Count
    ThrottleLimit     = $ThrottleLimit
    WallSeconds       = $watch.Elapsed.TotalSeconds
    CpuSeconds        = $cpuSeconds
    SimulatorCpuSeconds = $simulatorCpuSeconds
    Operations        = $operations
    ClientCpuMsPerOperation = if ($operations) { 1000 * $cpuSeconds / $operations } else { $null }
    SimulatorCpuMsPerOperation = if ($operations -and $null -ne $simulatorCpuSeconds) { 1000 * $simulatorCpuSeconds / $operations } else { $null }
    Findings          = $findings.Count
    Errors            = @($failures).Count
    # Warnings are collected, not printed: writing them to the console is not what is measured.
    Warnings          = @($warnings).Count
    FirstError        = if ($failures) { "$($failures[0])" } else { $null }
    BaselinePeakBytes = $baselinePeak
    PeakBytes         = Get-PeakMemoryByte
} | ConvertTo-Json -Compress
