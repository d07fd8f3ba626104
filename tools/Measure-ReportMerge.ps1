#Requires -Version 7.0
<#
.SYNOPSIS
    Measures merging a folder of device reports into one fleet report (HTML, CSV and JSON), in its own process.
.DESCRIPTION
    Run by tools/Benchmark.ps1 in a child pwsh so that its peak memory is the merge's own. Writes -Count generated
    device reports to -Folder first (not timed; reused when the folder already holds them): realistic single-device
    reports made by the module's own writer from a few templates (most devices compliant, some with findings, removals
    left to users, exemptions, scheduled removals, a few stale reports and a few corrupt files). Then it times
    Import-AppBanReport on the folder, and Export-AppBanReport of the imported reports to each format.
    Prints one line of JSON: Count, Files, Rejected, ImportSeconds, HtmlSeconds, CsvSeconds, JsonSeconds,
    TotalSeconds, CpuSeconds, FolderBytes, HtmlBytes, CsvBytes, JsonBytes, BaselinePeakBytes and PeakBytes (VmHWM on
    Linux, else PeakWorkingSet64).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Folder,
    [Parameter(Mandatory)] [string] $OutputFolder,
    [ValidateRange(1, 100000)] [int] $Count = 10000
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'AppBan.psd1') -Force

function Get-PeakMemoryByte {
    if (Test-Path /proc/self/status) {
        $line = Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)\s+kB' | Select-Object -First 1
        if ($line) { return [long] $line.Matches[0].Groups[1].Value * 1024 }
    }
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $process.Refresh()
    $process.PeakWorkingSet64
}

# One device report as JSON text, built by the module's own builder and writer, with placeholders for the name and time.
function Get-DeviceTemplate([string] $Status, [int] $Findings, [string] $FindingStatus = 'Violation', [switch] $UserAction) {
    $builder = [AppBan.Engine.Reporting.ReportBuilder]::new()
    $builder.SetPolicy('AppBan built-in policy', ('AB' * 32), '(built-in)')
    $builder.NoteMachineName('localhost', 'PC-TEMPLATE')
    $builder.SetTargetStatus('localhost', [AppBan.Engine.Reporting.TargetStatus] $Status)
    for ($i = 0; $i -lt $Findings; $i++) {
        $finding = [AppBan.Engine.Reporting.ReportFinding] @{
            ComputerName = 'localhost'; RuleId = 'tiktok-store'; RuleName = 'TikTok'; AppName = 'TikTok'; Version = '44.3.0.0'
            Publisher = 'CN=D5A4A4D1-2D9A-4A3E-9E4B-2D9C8B1F0E11'; Kind = 'StoreApp'; Scope = 'User'; UserName = "CORP\user$i"
            UserSid = "S-1-5-21-1004336348-1177238915-682003330-$(1100 + $i)"; Status = $FindingStatus
            EnforceAfter = [DateTimeOffset] '2027-01-31T00:00:00Z'
            Location = 'BytedancePte.Ltd.TikTok_44.3.0.0_x64__6yccndn6064se'
        }
        if ($FindingStatus -eq 'Exempt') {
            $finding.ExemptionId = "EX-$i"; $finding.ExemptionExpires = [DateTimeOffset]::UtcNow.AddDays(12)
            $finding.ExemptionReason = 'Press office: monitoring public accounts'; $finding.ExemptionApprovedBy = 'CORP\ciso'
        }
        $builder.AddFinding($finding)
        if ($UserAction) {
            $builder.AddAction([AppBan.Engine.Reporting.ReportAction] @{
                ComputerName = 'localhost'; AppName = 'TikTok'; Version = '44.3.0.0'; Kind = 'StoreApp'; UserSid = $finding.UserSid
                Method = 'None'; Status = 'RequiresUserAction'; Outcome = 'Refused'
                Message = 'The package is installed for a user who is signed out; it is removed at their next sign-in.'
                Time = [DateTimeOffset] '2026-12-01T08:00:00Z'
            })
        }
    }
    $report = $builder.Build([DateTimeOffset] '2026-12-01T08:00:00Z')
    # The writer gives times as 2026-12-01T08:00:00+00:00.
    [AppBan.Engine.Reporting.ReportWriter]::WriteToString($report, 'Json').Replace('2026-12-01T08:00:00+00:00', 'TIME-TEMPLATE')
}

$marker = Join-Path $Folder ".generated-$Count"
if (-not (Test-Path -LiteralPath $marker)) {
    if (Test-Path -LiteralPath $Folder) { Remove-Item -LiteralPath $Folder -Recurse -Force }
    New-Item -ItemType Directory -Path $Folder | Out-Null
    $templates = @{
        Compliant    = Get-DeviceTemplate Compliant 0
        NonCompliant = Get-DeviceTemplate NonCompliant 2 -UserAction
        Exempt       = Get-DeviceTemplate Exempt 1 Exempt
        Scheduled    = Get-DeviceTemplate Scheduled 1 Scheduled
        GracePeriod  = Get-DeviceTemplate GracePeriod 1 GracePeriod
    }
    $random = [System.Random]::new(21)
    $now = [DateTimeOffset]::UtcNow
    for ($n = 1; $n -le $Count; $n++) {
        $name = 'PC-{0:D5}' -f $n
        $roll = $random.Next(100)
        $kind = if ($roll -lt 85) { 'Compliant' } elseif ($roll -lt 91) { 'NonCompliant' } elseif ($roll -lt 94) { 'Exempt' } elseif ($roll -lt 97) { 'Scheduled' } else { 'GracePeriod' }
        # 2% of the devices last reported two or three weeks ago; the rest within the last day.
        $age = if ($random.Next(100) -lt 2) { [TimeSpan]::FromDays(14 + $random.Next(7)) } else { [TimeSpan]::FromMinutes($random.Next(24 * 60)) }
        $time = ($now - $age).UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ss+00:00')
        $text = $templates[$kind].Replace('PC-TEMPLATE', $name).Replace('TIME-TEMPLATE', $time)
        [System.IO.File]::WriteAllText((Join-Path $Folder "$name.json"), $text)
    }
    # A few files a collector meets: truncated, not JSON, named after another device.
    [System.IO.File]::WriteAllText((Join-Path $Folder 'PC-TRUNCATED.json'), $templates.Compliant.Substring(0, 300))
    [System.IO.File]::WriteAllText((Join-Path $Folder 'PC-GARBAGE.json'), 'MZ' + ('x' * 4000))
    [System.IO.File]::WriteAllText((Join-Path $Folder 'PC-IMPOSTOR.json'), $templates.Compliant.Replace('PC-TEMPLATE', 'PC-00001').Replace('TIME-TEMPLATE', $now.UtcDateTime.ToString('yyyy-MM-ddTHH:mm:ss+00:00')))
    New-Item -ItemType File -Path $marker | Out-Null
}
$folderBytes = (Get-ChildItem -LiteralPath $Folder -Filter *.json | Measure-Object Length -Sum).Sum
New-Item -ItemType Directory -Force -Path $OutputFolder | Out-Null

# Warm up the code paths on a handful of files, so that the figures are the merge's and not the JIT's.
$warm = Join-Path $OutputFolder 'warm-up'
New-Item -ItemType Directory -Force -Path $warm | Out-Null
Get-ChildItem -LiteralPath $Folder -Filter 'PC-0000*.json' | Copy-Item -Destination $warm
$null = Import-AppBanReport $warm -WarningAction SilentlyContinue | Export-AppBanReport (Join-Path $warm 'w.html')
[GC]::Collect()
$baselinePeak = Get-PeakMemoryByte

$self = [System.Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $self.TotalProcessorTime
$total = [System.Diagnostics.Stopwatch]::StartNew()
$watch = [System.Diagnostics.Stopwatch]::StartNew()
$imported = @(Import-AppBanReport $Folder -WarningAction SilentlyContinue)
$importSeconds = $watch.Elapsed.TotalSeconds
$seconds = @{}
foreach ($format in 'html', 'csv', 'json') {
    $watch.Restart()
    $imported | Export-AppBanReport (Join-Path $OutputFolder "fleet.$format") -PolicyName TikTok
    $seconds[$format] = $watch.Elapsed.TotalSeconds
}
$totalSeconds = $total.Elapsed.TotalSeconds
$self.Refresh()
[pscustomobject]@{
    Count             = $Count
    Files             = $imported.Count
    Rejected          = @($imported | Where-Object { $_ -is [AppBan.Engine.Reporting.RejectedDeviceReport] }).Count
    ImportSeconds     = [math]::Round($importSeconds, 2)
    HtmlSeconds       = [math]::Round($seconds.html, 2)
    CsvSeconds        = [math]::Round($seconds.csv, 2)
    JsonSeconds       = [math]::Round($seconds.json, 2)
    TotalSeconds      = [math]::Round($totalSeconds, 2)
    CpuSeconds        = [math]::Round(($self.TotalProcessorTime - $cpuBefore).TotalSeconds, 2)
    FolderBytes       = $folderBytes
    HtmlBytes         = (Get-Item (Join-Path $OutputFolder 'fleet.html')).Length
    CsvBytes          = (Get-Item (Join-Path $OutputFolder 'fleet.csv')).Length
    JsonBytes         = (Get-Item (Join-Path $OutputFolder 'fleet.json')).Length
    BaselinePeakBytes = $baselinePeak
    PeakBytes         = Get-PeakMemoryByte
} | ConvertTo-Json -Compress
