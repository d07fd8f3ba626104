#Requires -Version 7.0
<#
.SYNOPSIS
    Measures what scanning and removal cost against the simulated fleet, next to the script a sysadmin would
    otherwise use, and writes the figures to a table and to out/bench/benchmark.json.
.DESCRIPTION
    build.ps1 Bench builds, then runs this script. It measures, in this order:
      Import   Import-Module time in fresh pwsh processes (cold), median of -ImportSamples.
      Single   the sample laptop (tests/hosts/laptop-01.json) at 0, 5, 10 and 20 ms of simulated latency per
               operation: wall time of a full Get-BannedApp scan (median of -Repeat), CIM operations from the
               simulator's counters, and operations per uninstall key.
      Baseline the community script: EnumKey on each Uninstall key, then 7 GetStringValue calls per entry, one
               awaited call at a time, run through the module's own WS-Man transport (RegistryClient) against the
               same host at 0 and 10 ms; AppBan/baseline ratios at 10 ms.
      Fleet    generated fleets (tests/hosts/templates/fleet-template.json with a fixed 10 ms latency and no
               faults) of -FleetSize hosts with each -ThrottleLimit, each scan in a child pwsh
               (tools/Measure-FleetScan.ps1): wall time, hosts per second, ratio to the ideal, peak memory, and the CPU
               milliseconds per CIM operation of the scanning process and of the simulator.
               The ideal is ceil(hosts / throttle) x the mean single-host time of a sample of the same fleet's
               hosts scanned one at a time.
      Removal  Remove-BannedApp -Rule tiktok-store on -RemovalHostCount generated hosts that all have TikTok:
               wall time, CIM operations and commands run.
      Merge    -MergeDeviceCount generated device reports merged into one fleet report (Import-AppBanReport, then
               Export-AppBanReport to HTML, CSV and JSON) in a child pwsh (tools/Measure-ReportMerge.ps1): seconds per
               step and peak memory.
    Simulated hosts are written to out/bench/hosts. Every simulator this script starts is stopped before it ends.
    Combinations that would overrun -BudgetSeconds are dropped and listed as such.
.EXAMPLE
    dotnet pwsh -NoProfile -File ./build.ps1 Bench
.EXAMPLE
    ./tools/Benchmark.ps1 -FleetSize 100 -ThrottleLimit 32 -RemovalHostCount 20
#>
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '',
    Justification = 'The functions start and stop the simulator processes this benchmark owns; nothing outside the run changes.')]
[CmdletBinding()]
param(
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bench/benchmark.json'),
    [int[]] $FleetSize = @(100, 500, 1000),
    [int[]] $ThrottleLimit = @(8, 32, 128),
    [ValidateRange(0, 10000)] [int] $RemovalHostCount = 200,
    [ValidateRange(0, 100000)] [int] $MergeDeviceCount = 10000,
    [ValidateRange(1, 51)] [int] $ImportSamples = 7,
    [ValidateRange(1, 20)] [int] $Repeat = 3,
    # Single-host scans averaged for the fleet's ideal time.
    [ValidateRange(1, 200)] [int] $ReferenceSample = 24,
    # Fleet combinations not started by then are dropped (the build before the benchmark is not counted).
    [ValidateRange(30, 3600)] [int] $BudgetSeconds = 480,
    [ValidateSet('Debug', 'Release')] [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$manifest = Join-Path $root 'AppBan.psd1'
$simulatorDll = Join-Path $root "tests/Simulator/bin/$Configuration/net10.0/AppBan.Simulator.dll"
$benchDir = Join-Path $root 'out/bench'
$hostDir = Join-Path $benchDir 'hosts'
$FleetLatencyMs = 10
$SingleHostLatencies = @(0, 5, 10, 20)
$BaselineLatencies = @(0, 10)
$clock = [System.Diagnostics.Stopwatch]::StartNew()

foreach ($path in $simulatorDll, (Join-Path $root 'module/lib/AppBan.Engine.dll')) {
    if (-not (Test-Path $path)) { throw "$path is missing: run ./build.ps1 Build first." }
}
New-Item -ItemType Directory -Force -Path $hostDir | Out-Null
Import-Module (Join-Path $root 'tests/TestHelpers/AppBanSimulator.psm1') -Force

#region helpers
function Get-PwshInvocation {
    # Under 'dotnet pwsh' this process is dotnet itself: a child needs pwsh.dll as its first argument.
    $path = (Get-Process -Id $PID).Path
    if ([System.IO.Path]::GetFileNameWithoutExtension($path) -eq 'dotnet') { , @($path, (Join-Path $PSHOME 'pwsh.dll')) }
    else { , @($path) }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count -eq 0) { return [double]::NaN }
    $middle = [int][math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Read-JsonNode([string] $Path) {
    # A JsonObject (a plain JsonNode binds a string index to its integer indexer), not unrolled into its properties.
    , [System.Text.Json.Nodes.JsonNode]::Parse([System.IO.File]::ReadAllText($Path)).AsObject()
}

function Save-JsonNode($Node, [string] $Path) {
    $options = [System.Text.Json.JsonSerializerOptions]::new()
    $options.WriteIndented = $true
    [System.IO.File]::WriteAllText($Path, $Node.ToJsonString($options))
}

function New-LatencyHost([string] $Template, [string] $Name, [int] $LatencyMs) {
    # A copy of a host description under another name, with a fixed latency per operation and nothing else changed.
    $node = Read-JsonNode $Template
    $node['computerName'] = [System.Text.Json.Nodes.JsonValue]::Create($Name)
    if ($null -eq $node['faults']) { $node['faults'] = [System.Text.Json.Nodes.JsonObject]::new() }
    $node['faults'].AsObject()['latencyMs'] = [System.Text.Json.Nodes.JsonValue]::Create($LatencyMs)
    $path = Join-Path $hostDir "$Name.json"
    Save-JsonNode $node $path
    $path
}

function New-FleetTemplate([string] $Name, [string] $NamePrefix, [string[]] $KeepApps, [double] $AppProbability) {
    # The project's fleet template with a fixed latency and no faults, so the figures measure the module, not the faults.
    $node = Read-JsonNode (Join-Path $root 'tests/hosts/templates/fleet-template.json')
    $node['namePrefix'] = [System.Text.Json.Nodes.JsonValue]::Create($NamePrefix)
    $node['faults'] = [System.Text.Json.Nodes.JsonArray]::new()
    $latency = [System.Text.Json.Nodes.JsonObject]::new()
    $latency['min'] = [System.Text.Json.Nodes.JsonValue]::Create($FleetLatencyMs)
    $latency['max'] = [System.Text.Json.Nodes.JsonValue]::Create($FleetLatencyMs)
    $node['latencyMs'] = $latency
    if ($KeepApps) {
        $apps = $node['apps'].AsArray()
        for ($i = $apps.Count - 1; $i -ge 0; $i--) {
            $app = $apps[$i].AsObject()
            if ($KeepApps -notcontains $app['id'].GetValue[string]()) { $apps.RemoveAt($i) }
            else { $app['probability'] = [System.Text.Json.Nodes.JsonValue]::Create($AppProbability) }
        }
    }
    $path = Join-Path $benchDir "$Name.json"
    Save-JsonNode $node $path
    $path
}

function Start-BenchSimulator([string[]] $HostPath = @(), [string[]] $ArgumentList = @()) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $simulator = Start-AppBanSimulator -HostPath $HostPath -ArgumentList $ArgumentList -Configuration $Configuration -TimeoutSeconds 180
    $byName = @{}
    foreach ($h in $simulator.Hosts) { $byName[$h.Name] = $h }
    $simulator | Add-Member -NotePropertyName ByName -NotePropertyValue $byName
    $simulator | Add-Member -NotePropertyName StartSeconds -NotePropertyValue $watch.Elapsed.TotalSeconds
    $simulator
}

function Stop-BenchSimulator($Simulator) {
    if ($Simulator) { Stop-AppBanSimulator -Simulator $Simulator }
}

function Invoke-Control($Simulator, [string] $RelativePath) {
    # Invoke-RestMethod hands a JSON array on as one object; writing it out from a variable unrolls it.
    $reply = Invoke-RestMethod -Uri ($Simulator.ControlUrl + $RelativePath)
    $reply
}

function Reset-HostCounter($Simulator, [string] $Name) {
    Reset-SimulatorHost -ComputerName $Name -CountersOnly -Simulator $Simulator
}

function Get-HostOperation($Simulator, [string] $Name) {
    $counts = Get-SimulatorOperation -ComputerName $Name -Count -Simulator $Simulator
    [pscustomobject]@{ Counts = $counts; Total = [int] ($counts.PSObject.Properties.Value | Measure-Object -Sum).Sum }
}

function Get-OperationTotal($Simulator, [string[]] $Names) {
    # One request for every host's running count; subtract two readings to get a run's operations.
    $wanted = [System.Collections.Generic.HashSet[string]]::new([string[]] $Names, [System.StringComparer]::OrdinalIgnoreCase)
    $summary = @(Invoke-Control $Simulator 'hosts' | Where-Object { $wanted.Contains($_.name) })
    [pscustomobject]@{
        Operations = [long] ($summary | Measure-Object -Property operations -Sum).Sum
        Commands   = [long] ($summary | Measure-Object -Property commands -Sum).Sum
    }
}

function Find-ChildKey($Key, [string] $Path) {
    foreach ($part in $Path -split '\\') {
        if (-not $Key) { return $null }
        $Key = @($Key.keys | Where-Object { $_.name -eq $part })[0]
    }
    $Key
}

function Get-UninstallKeyCount($Simulator, [string] $Name) {
    # Ground truth from the simulator's registry: entries under both HKLM views and under every loaded user hive.
    $count = 0
    foreach ($path in 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall', 'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall') {
        $key = Get-SimulatorRegistry -ComputerName $Name -Path $path -Simulator $Simulator
        if ($key) { $count += @($key.keys).Count }
    }
    $users = Get-SimulatorRegistry -ComputerName $Name -Path 'HKU' -Simulator $Simulator
    foreach ($hive in @($users.keys | Where-Object { $_.name -match '^S-1-5-21-[\d-]+$' })) {
        $uninstall = Find-ChildKey $hive 'Software\Microsoft\Windows\CurrentVersion\Uninstall'
        if ($uninstall) { $count += @($uninstall.keys).Count }
    }
    $count
}

function Measure-Scan($Simulator, [string] $Name, [hashtable] $Parameters = @{}) {
    # One Get-BannedApp run against one host, in this process; counters reset first so they hold this run alone.
    Reset-HostCounter $Simulator $Name
    $failures = $null
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $target = $Simulator.ByName[$Name]
    $findings = @(Get-BannedApp -ComputerName $target.ComputerName -Credential $target.Credential -Authentication Basic `
            @Parameters -ErrorAction SilentlyContinue -ErrorVariable failures -WarningAction SilentlyContinue)
    $watch.Stop()
    if ($failures) { throw "Scanning $Name failed: $($failures[0])" }
    $operations = Get-HostOperation $Simulator $Name
    [pscustomobject]@{ Seconds = $watch.Elapsed.TotalSeconds; Findings = $findings.Count; Operations = $operations.Total; Counts = $operations.Counts }
}

function Get-CriticalPath($Simulator, [string] $Name) {
    # Round trips in sequence, from the scan's own verbose summary: a property of what the host holds, not of timing, so
    # it is read from one more (untimed) scan rather than slowing the timed ones.
    $target = $Simulator.ByName[$Name]
    $verbose = @(Get-BannedApp -ComputerName $target.ComputerName -Credential $target.Credential -Authentication Basic `
            -ErrorAction SilentlyContinue -WarningAction SilentlyContinue -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    $match = $verbose | Select-String -Pattern '\((\d+) round trips in sequence\)' | Select-Object -Last 1
    if ($match) { [int] $match.Matches[0].Groups[1].Value } else { $null }
}

function Get-LoadAverage {
    # Other work on the machine skews every figure; the 1-minute load average says how much there was.
    if (Test-Path -LiteralPath '/proc/loadavg') { [double]::Parse(((Get-Content -LiteralPath '/proc/loadavg' -Raw) -split ' ')[0], [Globalization.CultureInfo]::InvariantCulture) }
    else { $null }
}

function Write-Table([object[]] $Rows, [object[]] $Property = @('*'), [switch] $List) {
    # As plain text at full width: a table sent to a redirected host would be cut at 80 columns.
    $formatted = if ($List) { $Rows | Format-List -Property $Property } else { $Rows | Format-Table -Property $Property -AutoSize }
    Write-Host ($formatted | Out-String -Width 250).Trim("`r", "`n")
}

function Format-Ms([double] $Seconds) { [math]::Round($Seconds * 1000, 1) }
function Format-Section([string] $Title) { Write-Host ''; Write-Host "== $Title" -ForegroundColor Cyan }
#endregion

$results = [ordered]@{
    Machine = [ordered]@{
        Date               = [DateTime]::UtcNow.ToString('o')
        OS                 = [System.Runtime.InteropServices.RuntimeInformation]::OSDescription
        ProcessorCount     = [Environment]::ProcessorCount
        PowerShell         = $PSVersionTable.PSVersion.ToString()
        Runtime            = [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
        Configuration      = $Configuration
        LoadAverageAtStart = Get-LoadAverage
    }
}
if ($results.Machine.LoadAverageAtStart -gt [Environment]::ProcessorCount) {
    Write-Warning "The 1-minute load average is $($results.Machine.LoadAverageAtStart) on $([Environment]::ProcessorCount) cores: other work will inflate the times."
}
$dropped = [System.Collections.Generic.List[string]]::new()
$pwsh = Get-PwshInvocation
$pwshExe = $pwsh[0]
[string[]] $pwshArgs = @($pwsh | Select-Object -Skip 1)

#region 4. Import-Module, cold (first, while no simulator competes for the cores)
Format-Section "Import-Module, cold ($ImportSamples fresh processes each)"
function Measure-ColdImport([string] $Path) {
    # Timed inside a fresh pwsh, so process start-up is not counted and nothing is cached in the process.
    $command = "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$($Path.Replace("'", "''"))'; `$w.Stop(); " +
        "[Console]::Out.WriteLine(`$w.Elapsed.TotalMilliseconds.ToString([Globalization.CultureInfo]::InvariantCulture))"
    $output = & $pwshExe @pwshArgs -NoProfile -NonInteractive -Command $command
    if ($LASTEXITCODE -ne 0) { throw "Import-Module $Path failed in a fresh process (exit code $LASTEXITCODE)." }
    [double]::Parse(@($output)[-1], [Globalization.CultureInfo]::InvariantCulture)
}
function Get-Spread([double[]] $Times) {
    [ordered]@{
        Samples  = @($Times | ForEach-Object { [math]::Round($_, 1) })
        MedianMs = [math]::Round((Get-Median $Times), 1)
        MinMs    = [math]::Round(($Times | Measure-Object -Minimum).Minimum, 1)
        MaxMs    = [math]::Round(($Times | Measure-Object -Maximum).Maximum, 1)
    }
}
# The binary module alone (no manifest, so no format file) shows what the format data costs; taken in turn with
# the manifest so both see the same machine load.
$binaryModule = Join-Path $root 'module/lib/AppBan.dll'
$manifestTimes = [System.Collections.Generic.List[double]]::new()
$binaryTimes = [System.Collections.Generic.List[double]]::new()
foreach ($i in 1..$ImportSamples) {
    $manifestTimes.Add((Measure-ColdImport $manifest))
    $binaryTimes.Add((Measure-ColdImport $binaryModule))
}
$results.Import = Get-Spread $manifestTimes
$results.ImportBinaryOnly = Get-Spread $binaryTimes
Write-Table @(
    [pscustomobject]@{ Import = 'AppBan.psd1 (the module)'; MedianMs = $results.Import.MedianMs; MinMs = $results.Import.MinMs; MaxMs = $results.Import.MaxMs }
    [pscustomobject]@{ Import = 'module/lib/AppBan.dll alone (no format data)'; MedianMs = $results.ImportBinaryOnly.MedianMs; MinMs = $results.ImportBinaryOnly.MinMs; MaxMs = $results.ImportBinaryOnly.MaxMs }
)
#endregion

Import-Module $manifest -Force
# Sections whose cmdlet the module does not have are skipped and listed as dropped.
$canScan = [bool] (Get-Command -Module AppBan -Name Get-BannedApp -ErrorAction Ignore)
$canRemove = [bool] (Get-Command -Module AppBan -Name Remove-BannedApp -ErrorAction Ignore)
if (-not $canScan) { $dropped.Add('single-host and fleet scans: the module has no Get-BannedApp') }
if (-not $canRemove -and $RemovalHostCount -gt 0) { $dropped.Add('removal: the module has no Remove-BannedApp') }
$engineAssembly = [AppBan.Engine.Cim.RegistryClient].Assembly.Location
Add-Type -ReferencedAssemblies $engineAssembly, 'netstandard', 'System.Runtime', 'System.Threading.Tasks', 'System.Collections', 'System.Net.Primitives' -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using AppBan.Engine.Cim;

/// <summary>
/// What the common community inventory script does through StdRegProv: EnumKey each Uninstall key (both HKLM views,
/// then each user hive found under HKU), then one GetStringValue per value it shows, for every entry, one call at a time.
/// </summary>
public static class CommunityUninstallScript
{
    private static readonly string[] ValueNames =
        { "DisplayName", "DisplayVersion", "Publisher", "InstallDate", "InstallLocation", "UninstallString", "QuietUninstallString" };
    private const string UserUninstallKey = @"Software\Microsoft\Windows\CurrentVersion\Uninstall";

    public static int Run(RegistryClient registry) => Task.Run(() => RunAsync(registry)).GetAwaiter().GetResult();

    private static async Task<int> RunAsync(RegistryClient registry)
    {
        var entries = 0;
        entries += await WalkAsync(registry, RegistryHive.LocalMachine, @"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall");
        entries += await WalkAsync(registry, RegistryHive.LocalMachine, @"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall");
        var hives = await registry.EnumKeyAsync(RegistryHive.Users, "");
        if (hives.Success)
        {
            foreach (var sid in hives.Value)
            {
                if (sid.EndsWith("_Classes", StringComparison.OrdinalIgnoreCase)) continue;
                entries += await WalkAsync(registry, RegistryHive.Users, sid + "\\" + UserUninstallKey);
            }
        }
        return entries;
    }

    private static async Task<int> WalkAsync(RegistryClient registry, RegistryHive hive, string path)
    {
        var keys = await registry.EnumKeyAsync(hive, path);
        if (!keys.Success) return 0;
        var entries = 0;
        foreach (var key in keys.Value)
        {
            string displayName = null;
            foreach (var name in ValueNames)
            {
                var value = await registry.GetStringValueAsync(hive, path + "\\" + key, name);
                if (name == "DisplayName" && value.Success) displayName = value.Value;
            }
            if (!string.IsNullOrEmpty(displayName)) entries++;
        }
        return entries;
    }
}
'@

$fleetTemplate = New-FleetTemplate -Name 'fleet-template' -NamePrefix 'BENCH-'
$laptop = Join-Path $root 'tests/hosts/laptop-01.json'
$laptopHosts = @{}   # keyed by latency (an ordered dictionary would read an int key as a position)
foreach ($latency in $SingleHostLatencies) { $laptopHosts[$latency] = "BENCH-LAPTOP-L$latency" }
$laptopFiles = foreach ($latency in $SingleHostLatencies) { New-LatencyHost $laptop $laptopHosts[$latency] $latency }
$maxFleet = ($FleetSize | Measure-Object -Maximum).Maximum
if (-not $maxFleet) { $maxFleet = 0 }

$simulator = $null
try {
    Format-Section "Starting the simulator: 4 laptops and $maxFleet generated hosts"
    $simArgs = if ($maxFleet -gt 0) { @('--generate', "$maxFleet", '--template', $fleetTemplate) } else { @() }
    $simulator = Start-BenchSimulator -HostPath $laptopFiles -ArgumentList $simArgs
    Write-Host ("Ready in {0:0.0} s" -f $simulator.StartSeconds)
    $results.SimulatorStartSeconds = [math]::Round($simulator.StartSeconds, 2)

    #region 1. One realistic host
    Format-Section 'One host: the sample laptop (tests/hosts/laptop-01.json)'
    $uninstallKeys = Get-UninstallKeyCount $simulator $laptopHosts[0]
    Write-Host "Uninstall keys the scan can see: $uninstallKeys"
    $results.UninstallKeys = $uninstallKeys
    if ($canScan) {
    $null = Measure-Scan $simulator $laptopHosts[0]   # warm-up: JIT and the first connection are not what we measure
    $single = foreach ($latency in $SingleHostLatencies) {
        $runs = @(foreach ($i in 1..$Repeat) { Measure-Scan $simulator $laptopHosts[$latency] })
        $ops = @($runs.Operations | Sort-Object -Unique)
        $criticalPath = Get-CriticalPath $simulator $laptopHosts[$latency]
        $wall = Get-Median $runs.Seconds
        [pscustomobject]@{
            LatencyMs       = $latency
            WallMs          = Format-Ms $wall
            # The fewest round trips any schedule needs, and how far the wall time is from that many latencies.
            CriticalPath    = $criticalPath
            WallToPath      = if ($latency -gt 0 -and $criticalPath) { [math]::Round($wall * 1000 / ($criticalPath * $latency), 2) } else { $null }
            Operations      = $runs[-1].Operations
            OperationsStable = $ops.Count -eq 1
            UninstallKeys   = $uninstallKeys
            OpsPerKey       = [math]::Round($runs[-1].Operations / $uninstallKeys, 3)
            Findings        = $runs[-1].Findings
            ByAction        = $runs[-1].Counts
        }
    }
    Write-Table $single LatencyMs, WallMs, CriticalPath, WallToPath, Operations, UninstallKeys, OpsPerKey, Findings
    Write-Host 'CriticalPath: round trips in sequence (each read started by the answer of the one before); WallToPath: wall / (CriticalPath x latency).'
    $results.SingleHost = @($single)
    }
    #endregion

    #region 5. Baseline
    Format-Section 'Baseline: the community script (EnumKey, then 7 GetStringValue per entry, one call at a time)'
    function Invoke-Baseline([string] $Name) {
        # A session of its own, as Get-BannedApp opens one per run: both pay for their connections.
        $target = [AppBan.Engine.Cim.CimTarget]::Parse($simulator.ByName[$Name].ComputerName)
        $target.Authentication = 'Basic'
        $target.Credential = $simulator.ByName[$Name].Credential.GetNetworkCredential()
        $session = [AppBan.Engine.Cim.WsMan.WsManSession]::new($target, $null)
        try { [CommunityUninstallScript]::Run([AppBan.Engine.Cim.RegistryClient]::new($session)) }
        finally { $session.Dispose() }
    }
    $null = Invoke-Baseline $laptopHosts[0]   # warm-up, at no latency
    $baseline = foreach ($latency in $BaselineLatencies) {
        $name = $laptopHosts[$latency]
        Reset-HostCounter $simulator $name
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $entries = Invoke-Baseline $name
        $watch.Stop()
        $appBan = if ($canScan) { $results.SingleHost | Where-Object LatencyMs -EQ $latency } else { [pscustomobject]@{ WallMs = [double]::NaN; Operations = $null } }
        $ops = (Get-HostOperation $simulator $name).Total
        [pscustomobject]@{
            LatencyMs          = $latency
            BaselineWallMs     = Format-Ms $watch.Elapsed.TotalSeconds
            BaselineOperations = $ops
            Entries            = $entries
            AppBanWallMs       = $appBan.WallMs
            AppBanOperations   = $appBan.Operations
            Speedup            = [math]::Round($watch.Elapsed.TotalMilliseconds / $appBan.WallMs, 1)
            AppBanToBaseline   = [math]::Round($appBan.WallMs / $watch.Elapsed.TotalMilliseconds, 3)
        }
    }
    Write-Table $baseline
    $results.Baseline = @($baseline)
    #endregion

    #region 2. Fleets
    if ($maxFleet -gt 0 -and $canScan) {
        Format-Section "Fleets at $FleetLatencyMs ms per operation"
        $fleetNames = @($simulator.ByName.Keys | Where-Object { $_ -like 'BENCH-*' -and $_ -notlike 'BENCH-LAPTOP-*' } | Sort-Object)
        # The ideal needs the time of one host of this fleet alone: a spread sample, scanned one at a time, warm.
        $step = [math]::Max(1, [math]::Floor($fleetNames.Count / $ReferenceSample))
        $sample = @(for ($i = 0; $i -lt $fleetNames.Count -and ($i / $step) -lt $ReferenceSample; $i += $step) { $fleetNames[$i] })
        $null = Measure-Scan $simulator $sample[0]
        $reference = @(foreach ($name in $sample) { Measure-Scan $simulator $name })
        $oneHost = ($reference.Seconds | Measure-Object -Average).Average
        $oneHostOps = ($reference.Operations | Measure-Object -Average).Average
        Write-Host ("One fleet host alone: {0:0.0} ms, {1:0.0} operations (mean of {2})" -f ($oneHost * 1000), $oneHostOps, $sample.Count)
        $results.FleetReference = [ordered]@{
            SampleHosts = $sample.Count; MeanWallMs = Format-Ms $oneHost; MeanOperations = [math]::Round($oneHostOps, 1)
            MedianWallMs = Format-Ms (Get-Median $reference.Seconds)
        }

        $worker = Join-Path $PSScriptRoot 'Measure-FleetScan.ps1'
        $fleet = [System.Collections.Generic.List[object]]::new()
        # Largest fleet first: if the budget runs out, the smaller fleets are the ones dropped. Removal keeps a minute.
        $fleetBudget = $BudgetSeconds - $(if ($RemovalHostCount -gt 0 -and $canRemove) { 60 } else { 0 })
        $secondsPerHost = 0.0
        foreach ($size in ($FleetSize | Sort-Object -Descending)) {
            foreach ($throttle in ($ThrottleLimit | Sort-Object)) {
                $ideal = [math]::Ceiling($size / $throttle) * $oneHost
                # Estimated from the runs so far, plus a child process's start-up.
                $estimate = [math]::Max($ideal, $secondsPerHost * $size) + 5
                if ($clock.Elapsed.TotalSeconds + $estimate -gt $fleetBudget) {
                    $dropped.Add("fleet $size hosts, ThrottleLimit ${throttle}: about $([int]$estimate) s more would pass the $fleetBudget s budget (used: $([int]$clock.Elapsed.TotalSeconds) s)")
                    continue
                }
                $names = @($fleetNames | Select-Object -First $size)
                $before = Get-OperationTotal $simulator $names
                $output = & $pwshExe @pwshArgs -NoProfile -NonInteractive -File $worker -ControlUrl $simulator.ControlUrl `
                    -NamePattern 'BENCH-[0-9]*' -Count $size -ThrottleLimit $throttle -WarmUpHost $laptopHosts[0] -SimulatorProcessId $simulator.Process.Id
                if ($LASTEXITCODE -ne 0) { throw "The fleet scan of $size hosts with ThrottleLimit $throttle failed (exit code $LASTEXITCODE)." }
                $run = @($output)[-1] | ConvertFrom-Json
                $simulatorCpu = [double] $run.SimulatorCpuSeconds
                $after = Get-OperationTotal $simulator $names
                $row = [pscustomobject]@{
                    Hosts          = $size
                    ThrottleLimit  = $throttle
                    WallSeconds    = [math]::Round($run.WallSeconds, 2)
                    HostsPerSecond = [math]::Round($size / $run.WallSeconds, 1)
                    IdealSeconds   = [math]::Round($ideal, 2)
                    RatioToIdeal   = [math]::Round($run.WallSeconds / $ideal, 2)
                    PeakMB         = [math]::Round($run.PeakBytes / 1MB, 1)
                    BaseMB         = [math]::Round($run.BaselinePeakBytes / 1MB, 1)
                    Operations     = $after.Operations - $before.Operations
                    OpsPerSecond   = [math]::Round(($after.Operations - $before.Operations) / $run.WallSeconds, 0)
                    # The wall time the scanning process and the simulator need with every core to themselves.
                    CpuFloorSeconds = [math]::Round(($run.CpuSeconds + $simulatorCpu) / [Environment]::ProcessorCount, 2)
                    # Against the larger of the two bounds: latency (the ideal) and CPU (the floor).
                    RatioToBound   = [math]::Round($run.WallSeconds / [math]::Max($ideal, ($run.CpuSeconds + $simulatorCpu) / [Environment]::ProcessorCount), 2)
                    # Share of all cores busy in the scanning process and the simulator together during the run.
                    CpuBusyPercent = [math]::Round(100 * ($run.CpuSeconds + $simulatorCpu) / $run.WallSeconds / [Environment]::ProcessorCount, 0)
                    ScanCpuSeconds = [math]::Round($run.CpuSeconds, 2)
                    SimulatorCpuSeconds = [math]::Round($simulatorCpu, 2)
                    # CPU of each process over the operations the scan made (the simulator's counters).
                    ClientCpuMsPerOp = if ($after.Operations -gt $before.Operations) { [math]::Round(1000 * $run.CpuSeconds / ($after.Operations - $before.Operations), 3) } else { $null }
                    SimulatorCpuMsPerOp = if ($after.Operations -gt $before.Operations) { [math]::Round(1000 * $simulatorCpu / ($after.Operations - $before.Operations), 3) } else { $null }
                    Findings       = $run.Findings
                    Errors         = $run.Errors
                    LoadAverage    = Get-LoadAverage
                }
                if ($run.Errors) { Write-Warning "$($run.Errors) errors in the fleet scan of $size hosts; the first: $($run.FirstError)" }
                Write-Host ("{0} hosts, ThrottleLimit {1}: {2:0.00} s, {3:0.00}x the ideal, {4:0} MB peak, CPU per operation {5:0.000} ms client, {6:0.000} ms simulator" -f $size, $throttle, $row.WallSeconds, $row.RatioToIdeal, $row.PeakMB, $row.ClientCpuMsPerOp, $row.SimulatorCpuMsPerOp)
                $fleet.Add($row)
                $secondsPerHost = [math]::Max($secondsPerHost, $run.WallSeconds / $size)
            }
        }
        $fleet = @($fleet | Sort-Object Hosts, ThrottleLimit)
        Write-Table $fleet Hosts, ThrottleLimit, WallSeconds, HostsPerSecond, IdealSeconds, RatioToIdeal, CpuFloorSeconds, RatioToBound, CpuBusyPercent, ClientCpuMsPerOp, SimulatorCpuMsPerOp, PeakMB, BaseMB, Operations, OpsPerSecond, Findings, Errors
        $results.Fleet = @($fleet)
    }
    #endregion
} finally {
    Stop-BenchSimulator $simulator
}

#region 3. Removal
if ($RemovalHostCount -gt 0 -and $canRemove) {
    Format-Section "Removing TikTok from $RemovalHostCount hosts at $FleetLatencyMs ms per operation"
    $removalTemplate = New-FleetTemplate -Name 'removal-template' -NamePrefix 'RM-' -KeepApps 'tiktok-store' -AppProbability 1
    $simulator = $null
    try {
        $simulator = Start-BenchSimulator -ArgumentList '--generate', "$RemovalHostCount", '--template', $removalTemplate
        $names = @($simulator.ByName.Keys | Sort-Object)
        $credential = $simulator.ByName[$names[0]].Credential
        $before = Get-OperationTotal $simulator $names
        $failures = $null
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        $removed = @(Remove-BannedApp -ComputerName @($names | ForEach-Object { $simulator.ByName[$_].ComputerName }) -Credential $credential -Authentication Basic `
                -Rule 'tiktok-store' -Force -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failures -WarningAction SilentlyContinue)
        $watch.Stop()
        $after = Get-OperationTotal $simulator $names
        $left = @(foreach ($name in $names) {
                Get-SimulatorPackage -ComputerName $name -Simulator $simulator | Where-Object { $_.fullName -like 'BytedancePte.Ltd.TikTok_*' }
            })
        $operations = $after.Operations - $before.Operations
        $results.Removal = [ordered]@{
            Hosts              = $names.Count
            WallSeconds        = [math]::Round($watch.Elapsed.TotalSeconds, 2)
            Results            = $removed.Count
            ByStatus           = [ordered]@{}
            Errors             = @($failures).Count
            Operations         = $operations
            OperationsPerHost  = [math]::Round($operations / $names.Count, 1)
            Commands           = $after.Commands - $before.Commands
            TikTokPackagesLeft = $left.Count
        }
        foreach ($group in $removed | Group-Object Status) { $results.Removal.ByStatus[$group.Name] = $group.Count }
        Write-Table ([pscustomobject]$results.Removal) -List
    } finally {
        Stop-BenchSimulator $simulator
    }
}
#endregion

#region 5. Merging device reports
if ($MergeDeviceCount -gt 0) {
    Format-Section "Merging $MergeDeviceCount device reports into one fleet report (HTML, CSV, JSON)"
    $output = & $pwshExe @pwshArgs -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Measure-ReportMerge.ps1') `
        -Folder (Join-Path $benchDir 'device-reports') -OutputFolder (Join-Path $benchDir 'fleet-report') -Count $MergeDeviceCount
    if ($LASTEXITCODE -ne 0) { throw "The report merge failed (exit code $LASTEXITCODE)." }
    $merge = @($output)[-1] | ConvertFrom-Json
    $results.Merge = [ordered]@{
        Devices       = $merge.Count
        Files         = $merge.Files
        Rejected      = $merge.Rejected
        ImportSeconds = $merge.ImportSeconds
        HtmlSeconds   = $merge.HtmlSeconds
        CsvSeconds    = $merge.CsvSeconds
        JsonSeconds   = $merge.JsonSeconds
        TotalSeconds  = $merge.TotalSeconds
        CpuSeconds    = $merge.CpuSeconds
        FolderMB      = [math]::Round($merge.FolderBytes / 1MB, 1)
        HtmlMB        = [math]::Round($merge.HtmlBytes / 1MB, 2)
        CsvMB         = [math]::Round($merge.CsvBytes / 1MB, 2)
        JsonMB        = [math]::Round($merge.JsonBytes / 1MB, 2)
        BaselineMB    = [math]::Round($merge.BaselinePeakBytes / 1MB)
        PeakMB        = [math]::Round($merge.PeakBytes / 1MB)
    }
    Write-Table ([pscustomobject]$results.Merge) -List
}
#endregion

#region Goals
$goals = [System.Collections.Generic.List[object]]::new()
function Add-Goal([string] $Goal, [string] $Target, $Measured, $Met) {
    $measuredNothing = $null -eq $Measured -or "$Measured" -match 'NaN'
    $goals.Add([pscustomobject]@{
            Goal = $Goal; Target = $Target
            Measured = if ($measuredNothing) { 'not measured' } else { $Measured }
            Met = if ($measuredNothing) { $null } else { [bool] $Met }
        })
}
$laptopAtTen = if ($results.Contains('SingleHost')) { $results.SingleHost | Where-Object LatencyMs -EQ 10 } else { $null }
$baselineAtTen = if ($results.Contains('Baseline')) { $results.Baseline | Where-Object LatencyMs -EQ 10 } else { $null }
$fleetRows = if ($results.Contains('Fleet')) { @($results.Fleet) } else { @() }
$worstRatio = $fleetRows | Sort-Object RatioToIdeal -Descending | Select-Object -First 1
$largestPeak = $fleetRows | Sort-Object Hosts, PeakMB -Descending | Select-Object -First 1
Add-Goal 'CIM operations per uninstall key (laptop)' '<= 1.1' $(if ($laptopAtTen) { $laptopAtTen.OpsPerKey }) ($laptopAtTen -and $laptopAtTen.OpsPerKey -le 1.1)
Add-Goal 'Single host at 10 ms, speedup over baseline' '>= 20x' $(if ($baselineAtTen) { "$($baselineAtTen.Speedup)x" }) ($baselineAtTen -and $baselineAtTen.Speedup -ge 20)
Add-Goal 'Fleet wall time / ideal (worst case)' '<= 1.3' $(if ($worstRatio) { "$($worstRatio.RatioToIdeal) ($($worstRatio.Hosts) hosts, ThrottleLimit $($worstRatio.ThrottleLimit))" }) ($worstRatio -and $worstRatio.RatioToIdeal -le 1.3)
Add-Goal 'Peak memory of the largest fleet scan' '<= 400 MB' $(if ($largestPeak) { "$($largestPeak.PeakMB) MB ($($largestPeak.Hosts) hosts, ThrottleLimit $($largestPeak.ThrottleLimit))" }) ($largestPeak -and $largestPeak.PeakMB -le 400)
$mergeRun = if ($results.Contains('Merge')) { $results.Merge } else { $null }
Add-Goal "Merge $MergeDeviceCount device reports into HTML, CSV and JSON" '< 10 s' $(if ($mergeRun) { "$($mergeRun.TotalSeconds) s" }) ($mergeRun -and $mergeRun.TotalSeconds -lt 10)
Add-Goal 'Peak memory of the merge' '< 500 MB' $(if ($mergeRun) { "$($mergeRun.PeakMB) MB" }) ($mergeRun -and $mergeRun.PeakMB -lt 500)
Add-Goal 'Import-Module, cold (median)' '<= 400 ms' "$($results.Import.MedianMs) ms" ($results.Import.MedianMs -le 400)
$results.Goals = $goals
$results.Dropped = @($dropped)
$results.TotalSeconds = [math]::Round($clock.Elapsed.TotalSeconds, 1)
$results.Machine.LoadAverageAtEnd = Get-LoadAverage
Format-Section 'Goals'
Write-Table $goals
foreach ($d in $dropped) { Write-Host "Dropped: $d" -ForegroundColor Yellow }

$outputFull = [System.IO.Path]::GetFullPath($OutputPath)
New-Item -ItemType Directory -Force -Path (Split-Path $outputFull -Parent) | Out-Null
$results | ConvertTo-Json -Depth 8 | Set-Content -LiteralPath $outputFull -Encoding utf8NoBOM
Write-Host ("Benchmark finished in {0:0} s; figures in {1}" -f $clock.Elapsed.TotalSeconds, $outputFull)
#endregion
