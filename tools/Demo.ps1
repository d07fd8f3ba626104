#Requires -Version 7.0
<#
.SYNOPSIS
    The AppBan demo against a simulated Windows fleet (run by build.ps1 Demo after Build).
.DESCRIPTION
    Starts a small fleet (a Windows 11 laptop, a clean host, a host with planted malicious entries and an
    unreachable one), each on its own loopback address at the WinRM port, shows what exists on it, then runs the
    main job: find the banned apps, show them, remove them (per-user apps by a task that runs as their user at sign-in,
    web apps by browser policy), sign the simulated users in, confirm, show the results, write an HTML and a JSON report.
    Then each device runs the generated Intune detection script, which leaves its own report on a share, and the
    reports are merged into one fleet report that names every computer and the policy.
    It stops the fleet whatever happens.
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

    Write-Host '== The policy' -ForegroundColor Cyan
    Get-AppBanPolicy | Format-Table -AutoSize | Out-Host

    # Each simulated host has its own administrator password, as machines outside a domain would.
    $targets = foreach ($h in $sim.Hosts) {
        @{ ComputerName = $h.Address; Port = $h.Port; Credential = $h.Credential; Authentication = 'Basic' }
    }

    Write-Host '== Get-BannedApp: what the module finds' -ForegroundColor Cyan
    $findings = foreach ($target in $targets) { Get-BannedApp @target -IncludeExempt -IncludeSignedOutUsers -ErrorAction Continue }
    $findings | Format-Table -AutoSize | Out-Host

    Write-Host '== Remove-BannedApp: removing every violation, each proven by a re-scan' -ForegroundColor Cyan
    $removals = foreach ($target in $targets) {
        $mine = @($findings | Where-Object ComputerName -EQ "$($target.ComputerName):$($target.Port)")
        if ($mine.Count -eq 0) { $mine = @($findings | Where-Object ComputerName -EQ $target.ComputerName) }
        # Findings carry their computer; only the credential travels with them.
        if ($mine.Count) { $mine | Remove-BannedApp -Credential $target.Credential -Authentication Basic -Force -ErrorAction Continue }
    }
    $removals | Format-Table ComputerName, AppName, UserName, Method, Status, ExitCode -AutoSize | Out-Host
    $removals | Where-Object Status -EQ 'Scheduled' | Format-Table ComputerName, AppName, UserName, Message -AutoSize -Wrap | Out-Host

    Write-Host '== The users sign in: each one''s removal runs as that user, and their browser applies its policy' -ForegroundColor Cyan
    foreach ($h in $sim.Hosts | Where-Object Reachable) {
        foreach ($user in Get-SimulatorUser -ComputerName $h.Name) {
            # Someone already signed in signs out and in again: a browser reads its policy when it starts.
            if ($user.signedIn) { $null = Invoke-SimulatorSignOut -ComputerName $h.Name -Sid $user.sid }
            $session = Invoke-SimulatorSignIn -ComputerName $h.Name -Sid $user.sid
            $started = @($session.tasksStarted)
            Write-Host ("{0}: {1} signed in{2}" -f $h.Name, $user.name, ($started.Count ? " and ran $($started -join ', ')" : ''))
        }
    }
    # The users' uninstallers take a few seconds; wait until every task run on the fleet has ended.
    $deadline = (Get-Date).AddSeconds(60)
    do {
        $running = @(foreach ($h in $sim.Hosts | Where-Object Reachable) {
                foreach ($task in Get-SimulatorTask -ComputerName $h.Name) { @($task.runs) | Where-Object { $null -eq $_.exitCode } }
            })
        if ($running.Count) { Start-Sleep -Milliseconds 250 }
    } while ($running.Count -and (Get-Date) -lt $deadline)
    Get-SimulatorCommandLine -ComputerName 'LAPTOP-01' -Detailed | Where-Object { $_.source -like 'task:*' } |
        Format-Table @{ n = 'Ran as'; e = { $_.user } }, @{ n = 'Elevated'; e = { $_.elevated } }, @{ n = 'Command'; e = { $_.commandLine } } -AutoSize -Wrap | Out-Host

    Write-Host '== Remove-BannedApp again: confirms what ran in the users'' own context' -ForegroundColor Cyan
    $confirmations = foreach ($target in $targets) { Remove-BannedApp @target -Force -ErrorAction SilentlyContinue }
    $confirmations | Format-Table ComputerName, AppName, UserName, Method, Status, Message -AutoSize -Wrap | Out-Host
    $removals = @($removals) + @($confirmations) | Where-Object { $_ }

    Write-Host '== Test-AppBanCompliance: every host accounted for, after removal' -ForegroundColor Cyan
    $compliance = foreach ($target in $targets) { Test-AppBanCompliance @target -ErrorAction SilentlyContinue }
    $compliance | Format-Table -AutoSize | Out-Host

    $reportDir = Join-Path $root 'out/demo'
    New-Item -ItemType Directory -Force -Path $reportDir | Out-Null
    $everything = @($findings) + @($removals) + @($compliance) | Where-Object { $_ }
    foreach ($format in 'Html', 'Json') {
        $path = Join-Path $reportDir ("report." + $format.ToLowerInvariant())
        $everything | Export-AppBanReport -Path $path -Format $format
        Write-Host "Report written: $path"
    }

    Write-Host '== Device-side runs: the generated Intune detection script runs on each device and leaves its report on the share' -ForegroundColor Cyan
    # Each device runs the script as SYSTEM against itself; here the script's test parameters point it at the simulated hosts.
    $share = Join-Path $reportDir 'share'
    if (Test-Path -LiteralPath $share) { Remove-Item -LiteralPath $share -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $share
    $scriptDir = Join-Path $reportDir 'intune'
    $null = Export-AppBanIntuneScript -Path $scriptDir -ReportFolder $share -Force
    $detection = Join-Path $scriptDir 'AppBan-Intune-Detection.ps1'
    # The script imports the module by name, as on an endpoint: give it a module folder named AppBan. The link lives
    # outside the repository, so that nothing under it loops back into itself.
    $moduleRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('appban-demo-modules-' + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $moduleRoot
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $moduleRoot 'AppBan') -Target $root
    $modulePath = $env:PSModulePath
    try {
        $env:PSModulePath = $moduleRoot + [System.IO.Path]::PathSeparator + $modulePath
        foreach ($h in $sim.Hosts | Where-Object Reachable) {
            $line = & $detection -ComputerName "$($h.Address):$($h.Port)" -Credential $h.Credential -Authentication Basic
            Write-Host ("{0}: exit {1}: {2}" -f $h.Name, $LASTEXITCODE, $line)
        }
    } finally {
        $env:PSModulePath = $modulePath
        # The link only: removing it never touches what it points to.
        $link = Join-Path $moduleRoot 'AppBan'
        try { [System.IO.File]::Delete($link) } catch { [System.IO.Directory]::Delete($link, $false) }
        [System.IO.Directory]::Delete($moduleRoot)
    }
    Get-ChildItem -LiteralPath $share | Format-Table Name, Length, LastWriteTime -AutoSize | Out-Host

    Write-Host '== The fleet report: the devices'' reports merged, every expected computer accounted for' -ForegroundColor Cyan
    # The unreachable computer never ran the script, so it has no report: it is listed as NotReporting.
    $expected = @($sim.Hosts | ForEach-Object Name)
    $fleetReports = Import-AppBanReport $share
    foreach ($format in 'Html', 'Json') {
        $path = Join-Path $reportDir ("fleet." + $format.ToLowerInvariant())
        $fleetReports | Export-AppBanReport -Path $path -Format $format -ExpectedTarget $expected -HistoryPath (Join-Path $reportDir 'fleet.history.json')
        Write-Host "Fleet report written: $path"
    }
    $fleet = Get-Content -Raw -LiteralPath (Join-Path $reportDir 'fleet.json') | ConvertFrom-Json
    Write-Host ("Policy: {0}; {1} device reports merged" -f $fleet.run.policyName, $fleet.run.deviceReports)
    $fleet.targets | Format-Table @{ n = 'Computer'; e = { $_.computerName } }, @{ n = 'Status'; e = { $_.status } },
        @{ n = 'Source'; e = { $_.source } }, @{ n = 'Reported'; e = { $_.reportedAt } }, @{ n = 'Detail'; e = { $_.statusDetail } } -AutoSize -Wrap | Out-Host
    $fleet.summary.rules | Format-Table ruleName, violation, requiresUserAction, scheduled, gracePeriod, exempt, clean, noData, daysLeft -AutoSize | Out-Host

    Write-Host '== Operations the fleet answered' -ForegroundColor Cyan
    foreach ($h in $sim.Hosts | Where-Object Reachable) {
        $counts = Get-SimulatorOperation -ComputerName $h.Name -Count
        $text = ($counts.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ', '
        Write-Host ("{0}: {1}" -f $h.Name, ($text ? $text : 'none'))
    }
} finally {
    if ($sim) { Stop-AppBanSimulator $sim }
}
