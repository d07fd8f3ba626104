#Requires -Version 7.0
<#
    The fleet report: expected devices, the age limit and the history file of Export-AppBanReport. Run build.ps1 Build first.
#>

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
}

Describe 'Export-AppBanReport for a fleet' {
    It 'takes expected devices as names and as Get-ADComputer-like objects, and names an object without a name as an error' {
        $path = Join-Path $TestDrive 'expected.json'
        $expected = @(
            'PC-1'
            [pscustomobject]@{ Name = 'PC-2'; DNSHostName = 'pc-2.corp.example'; DistinguishedName = 'CN=PC-2,OU=Workstations,DC=corp,DC=example' }
            [pscustomobject]@{ DNSHostName = 'pc-3.corp.example' }
            [pscustomobject]@{ Description = 'no name at all' }
        )
        [pscustomobject]@{ ComputerName = 'PC-1'; Status = 'Compliant' } |
            Export-AppBanReport -Path $path -ExpectedTarget $expected -ErrorVariable problems -ErrorAction SilentlyContinue
        $report = Get-Content -Raw $path | ConvertFrom-Json
        $report.targets.computerName | Should -Be @('PC-1', 'PC-2', 'pc-3.corp.example')
        ($report.targets | Where-Object computerName -EQ 'PC-2').status | Should -Be 'NotScanned'
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ExpectedTargetUnnamed,*'
    }

    It 'refuses an age limit that is not positive, and writes nothing' {
        $path = Join-Path $TestDrive 'stale.json'
        { [pscustomobject]@{ ComputerName = 'PC-1'; Status = 'Compliant' } | Export-AppBanReport -Path $path -StaleAfter ([TimeSpan]::Zero) } |
            Should -Throw -ErrorId 'StaleAfterInvalid,AppBan.Cmdlets.ExportAppBanReportCommand'
        Test-Path $path | Should -BeFalse
    }

    Context 'the history file' {
        It 'gains one point per report and charts them' {
            $history = Join-Path $TestDrive 'fleet.history.json'
            [pscustomobject]@{ ComputerName = 'PC-1'; Status = 'NonCompliant' } | Export-AppBanReport -Path (Join-Path $TestDrive 'one.json') -HistoryPath $history
            (Get-Content -Raw $history | ConvertFrom-Json).points.Count | Should -Be 1
            Start-Sleep -Milliseconds 1100
            [pscustomobject]@{ ComputerName = 'PC-1'; Status = 'Compliant' } | Export-AppBanReport -Path (Join-Path $TestDrive 'two.json') -HistoryPath $history
            $points = (Get-Content -Raw $history | ConvertFrom-Json).points
            $points.Count | Should -Be 2
            $report = Get-Content -Raw (Join-Path $TestDrive 'two.json') | ConvertFrom-Json
            $report.history.Count | Should -Be 2
            $report.history[-1].clean | Should -Be 1
        }

        It 'is neither read into a report nor overwritten when it cannot be trusted' {
            $history = Join-Path $TestDrive 'corrupt.history.json'
            Set-Content -LiteralPath $history -Value '{"schemaVersion":"9.0","points":[]}' -NoNewline
            $path = Join-Path $TestDrive 'corrupt.json'
            { [pscustomobject]@{ ComputerName = 'PC-1'; Status = 'Compliant' } | Export-AppBanReport -Path $path -HistoryPath $history } |
                Should -Throw -ErrorId 'ReportHistoryUnreadable,AppBan.Cmdlets.ExportAppBanReportCommand'
            Test-Path $path | Should -BeFalse
            Get-Content -Raw $history | Should -Be '{"schemaVersion":"9.0","points":[]}'
        }

        It 'is left alone under -WhatIf' {
            $history = Join-Path $TestDrive 'whatif.history.json'
            [pscustomobject]@{ ComputerName = 'PC-1'; Status = 'Compliant' } |
                Export-AppBanReport -Path (Join-Path $TestDrive 'whatif.json') -HistoryPath $history -WhatIf
            Test-Path $history | Should -BeFalse
            Test-Path (Join-Path $TestDrive 'whatif.json') | Should -BeFalse
        }
    }
}
