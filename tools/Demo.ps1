#Requires -Version 7.0
<#
.SYNOPSIS
    The AppBan demo against a simulated Windows fleet (run by build.ps1 Demo after Build).
.DESCRIPTION
    Starts a small fleet (a Windows 11 laptop, a clean host, a host with planted malicious entries and an
    unreachable one), each on its own loopback address at the WinRM port, shows what exists on it, runs the
    module's commands that exist so far, and stops the fleet whatever happens.
#>
[CmdletBinding()]
param(
    [string] $AddressBase = '127.0.1.1',
    [int] $Port = 5985
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'tests/TestHelpers/AppBanSimulator.psm1') -Force
Import-Module (Join-Path $root 'AppBan.psd1') -Force

$hostFiles = 'laptop-01.json', 'clean-01.json', 'malicious-01.json', 'unreachable-01.json'
$sim = $null
try {
    try {
        $sim = Start-AppBanSimulator -HostPath $hostFiles -AddressBase $AddressBase -Port $Port
    } catch {
        # Another fleet may already hold the WinRM port on these addresses: fall back to one port per host.
        Write-Warning "Could not listen on ${AddressBase}:$Port ($($_.Exception.Message.Trim())); using one port per host on 127.0.0.1."
        $sim = Start-AppBanSimulator -HostPath $hostFiles
    }

    Write-Host "`n== The simulated fleet" -ForegroundColor Cyan
    $sim.Hosts | Format-Table Name, ComputerName, Url, Reachable, UserName -AutoSize | Out-Host

    Write-Host '== What is installed (read from the simulated hosts, not yet by the module)' -ForegroundColor Cyan
    $pattern = 'TikTok|CapCut|Bytedance'
    $rows = foreach ($h in $sim.Hosts | Where-Object Reachable) {
        $paths = @('HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall', 'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall')
        $users = Get-SimulatorRegistry -ComputerName $h.Name -Path 'HKU'
        foreach ($sid in @($users.keys.name) -match '^S-1-5-21-[\d-]+$') { $paths += "HKU\$sid\Software\Microsoft\Windows\CurrentVersion\Uninstall" }
        $entries = 0
        foreach ($p in $paths) {
            $key = Get-SimulatorRegistry -ComputerName $h.Name -Path $p
            if (-not $key) { continue }
            foreach ($entry in $key.keys) {
                $entries++
                $name = if ($entry.values.PSObject.Properties['DisplayName']) { $entry.values.DisplayName.value } else { '' }
                $publisher = if ($entry.values.PSObject.Properties['Publisher']) { $entry.values.Publisher.value } else { '' }
                if ("$name $publisher $($entry.name)" -match $pattern) {
                    [pscustomobject]@{ Host = $h.Name; Kind = 'Uninstall entry'; Name = $name; Where = "$p\$($entry.name)" }
                }
            }
        }
        foreach ($pkg in Get-SimulatorPackage -ComputerName $h.Name | Where-Object fullName -Match $pattern) {
            [pscustomobject]@{ Host = $h.Name; Kind = 'Store package'; Name = $pkg.fullName; Where = "users: $($pkg.users -join ', '); provisioned: $($pkg.provisioned)" }
        }
        Write-Host ("{0}: {1} uninstall entries, {2} Store packages" -f $h.Name, $entries, @(Get-SimulatorPackage -ComputerName $h.Name).Count)
    }
    $rows | Format-Table Host, Kind, Name -AutoSize | Out-Host

    if (Get-Command Get-AppBanPolicy -Module AppBan -ErrorAction SilentlyContinue) {
        Write-Host '== The policy' -ForegroundColor Cyan
        Get-AppBanPolicy | Format-Table -AutoSize | Out-Host
    } else {
        Write-Host '(Get-AppBanPolicy is not in the module yet.)' -ForegroundColor DarkGray
    }

    foreach ($command in 'Test-AppBanConnection', 'Get-BannedApp') {
        if (-not (Get-Command $command -Module AppBan -ErrorAction SilentlyContinue)) {
            Write-Host "($command is not in the module yet.)" -ForegroundColor DarkGray
            continue
        }
        Write-Host "== $command" -ForegroundColor Cyan
        foreach ($h in $sim.Hosts) {
            $target = @{ ComputerName = $h.Address; Port = $h.Port }
            try {
                & $command @target -Credential $h.Credential -ErrorAction Continue | Format-Table -AutoSize | Out-Host
            } catch {
                Write-Warning "${command} on $($h.Name): $($_.Exception.Message)"
            }
        }
    }

    Write-Host '== Operations the fleet answered' -ForegroundColor Cyan
    foreach ($h in $sim.Hosts | Where-Object Reachable) {
        $counts = Get-SimulatorOperation -ComputerName $h.Name -Count
        $text = ($counts.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ', '
        Write-Host ("{0}: {1}" -f $h.Name, ($text ? $text : 'none'))
    }
} finally {
    if ($sim) { Stop-AppBanSimulator $sim }
}
