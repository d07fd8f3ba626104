#Requires -Version 7.0
# Invoke-AppBanRemediation -WhatIf: a dry run that scans and reports, and changes nothing on any target.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
    $script:sim = Start-AppBanSimulator -HostPath (Join-Path $repoRoot 'tests/hosts/laptop-01.json')
    $script:pc = $sim.Hosts[0]
    $script:packagesBefore = @(Get-SimulatorPackage -Simulator $sim -ComputerName $pc.Name | ConvertTo-Json -Depth 5)
    $script:uninstallBefore = Get-SimulatorRegistry -Simulator $sim -ComputerName $pc.Name -Path 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall' | ConvertTo-Json -Depth 20
    $script:jsonPath = Join-Path $TestDrive 'dry-run.json'
    $script:logPath = Join-Path $TestDrive 'dry-run.log'
    $script:outcome = Invoke-AppBanRemediation -ComputerName $pc.ComputerName -Credential $pc.Credential -Authentication Basic `
        -ReportPath $jsonPath -LogPath $logPath -WhatIf -WarningAction SilentlyContinue -InformationAction SilentlyContinue 6>$null
    $script:report = Get-Content -Raw -LiteralPath $jsonPath | ConvertFrom-Json
}

AfterAll { Stop-AppBanSimulator $sim }

Describe 'Invoke-AppBanRemediation -WhatIf' {
    It 'runs nothing on the target and changes none of its apps' {
        @(Get-SimulatorCommandLine -Simulator $sim -ComputerName $pc.Name) | Should -BeNullOrEmpty
        @(Get-SimulatorPackage -Simulator $sim -ComputerName $pc.Name | ConvertTo-Json -Depth 5) | Should -Be $packagesBefore
        Get-SimulatorRegistry -Simulator $sim -ComputerName $pc.Name -Path 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall' |
            ConvertTo-Json -Depth 20 | Should -Be $uninstallBefore
        Get-SimulatorRegistry -Simulator $sim -ComputerName $pc.Name -Path 'HKLM\SOFTWARE\AppBan\Runs' | Should -BeNullOrEmpty
    }

    It 'still scans and reports what it would leave: findings, no actions, exit code 11 (non-compliant remains)' {
        $target = $report.targets | Where-Object computerName -EQ $pc.ComputerName
        $target.status | Should -Be 'NonCompliant'
        @($target.findings | Where-Object status -EQ 'Violation').Count | Should -BeGreaterThan 0
        @($target.actions) | Should -BeNullOrEmpty
        $outcome.ExitCode | Should -Be 11
        $outcome.Removed | Should -Be 0
        $report.summary.exitCode | Should -Be 11
    }
}
