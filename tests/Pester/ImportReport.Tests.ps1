#Requires -Version 7.0
<#
    Import-AppBanReport over a collector folder of device reports. Run build.ps1 Build first.
#>

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force

    # A one-target report as a device-side run leaves it: <name>.json, made by Export-AppBanReport itself.
    function Export-DeviceReport([string] $Folder, [string] $Name, [string] $Status = 'Compliant', [string] $FileName = "$Name.json") {
        [pscustomobject]@{ ComputerName = $Name; Status = $Status; IsCompliant = $Status -eq 'Compliant'; ViolationCount = 0; Error = $null } |
            Export-AppBanReport -Path (Join-Path $Folder $FileName)
    }
}

Describe 'Import-AppBanReport' {
    BeforeEach {
        $folder = Join-Path $TestDrive ('reports-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $folder | Out-Null
        Export-DeviceReport $folder 'PC-1'
        Export-DeviceReport $folder 'PC-2' -Status NonCompliant
        Export-DeviceReport $folder 'PC-3'
        Set-Content -LiteralPath (Join-Path $folder 'PC-4.json') -Value '{ "schemaVersion": "1.2", "run": ' -NoNewline
        Export-DeviceReport $folder 'PC-5' -FileName 'PC-6.json'
        Set-Content -LiteralPath (Join-Path $folder '.PC-7.json.0a1b.tmp') -Value 'half written'
        Set-Content -LiteralPath (Join-Path $folder 'readme.txt') -Value 'not a report'
    }

    It 'reads a folder: a DeviceReport per good file, a RejectedDeviceReport and a warning per bad one' {
        $out = Import-AppBanReport -Path $folder -WarningVariable warnings -WarningAction SilentlyContinue

        $good = @($out | Where-Object { $_ -is [AppBan.Engine.Reporting.DeviceReport] })
        $bad = @($out | Where-Object { $_ -is [AppBan.Engine.Reporting.RejectedDeviceReport] })
        $out.Count | Should -Be 5
        $good.ComputerName | Should -Be @('PC-1', 'PC-2', 'PC-3')
        $good.Status | Should -Be @('Compliant', 'NonCompliant', 'Compliant')
        $good[0].Path | Should -Be (Join-Path $folder 'PC-1.json')
        ($good[0].ReportedAt - [DateTimeOffset]::UtcNow).Duration() | Should -BeLessThan ([timespan]::FromMinutes(5))
        ($bad.Path | Split-Path -Leaf) | Should -Be @('PC-4.json', 'PC-6.json')
        $bad[0].Reason | Should -BeLike '*truncated*'
        $bad[1].Reason | Should -Be "The report is about 'PC-5', the file is named 'PC-6.json'."
        $warnings.Count | Should -Be 2
        "$($warnings[1])" | Should -BeLike "*PC-6.json' was not read: The report is about 'PC-5'*"
    }

    It 'takes the files of Get-ChildItem by their FullName, and wildcards' {
        $piped = @(Get-ChildItem -LiteralPath $folder -Filter 'PC-*.json' | Import-AppBanReport -WarningAction SilentlyContinue)
        $piped.Count | Should -Be 5
        @($piped | Where-Object { $_ -is [AppBan.Engine.Reporting.DeviceReport] }).Count | Should -Be 3

        $wildcard = @(Import-AppBanReport -Path (Join-Path $folder 'PC-[12].json'))
        $wildcard.ComputerName | Should -Be @('PC-1', 'PC-2')
    }

    It 'refuses a file over -MaxFileSizeKB without stopping' {
        Set-Content -LiteralPath (Join-Path $folder 'PC-8.json') -Value ('{' + (' ' * 3000) + '}')
        $out = @(Import-AppBanReport -Path (Join-Path $folder 'PC-8.json'), (Join-Path $folder 'PC-1.json') -MaxFileSizeKB 2 -WarningAction SilentlyContinue)
        $out[0].Reason | Should -BeLike '*more than the limit of 2 KB*'
        $out[1].ComputerName | Should -Be 'PC-1'
    }

    It 'writes a non-terminating NoDeviceReportFound error for a path that names nothing, and goes on' {
        $missing = Join-Path $TestDrive 'no-such-folder'
        $empty = Join-Path $TestDrive ('empty-' + [guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $empty | Out-Null

        $out = @(Import-AppBanReport -Path $missing, $empty, (Join-Path $folder 'PC-1.json') -ErrorVariable errors -ErrorAction SilentlyContinue)

        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -Be 'NoDeviceReportFound,AppBan.Cmdlets.ImportAppBanReportCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].TargetObject | Should -Be $missing
        $errors[1].TargetObject | Should -Be $empty
        $out.ComputerName | Should -Be 'PC-1'
    }

    It 'shows both kinds of objects in a table with their own columns' {
        $out = Import-AppBanReport -Path $folder -WarningAction SilentlyContinue
        # One type per Out-String: a second type in one stream is shown as a list.
        $good = $out | Where-Object { $_ -is [AppBan.Engine.Reporting.DeviceReport] } | Out-String -Width 250
        $good | Should -Match 'ComputerName\s+Status\s+ReportedAt\s+PolicyName\s+Path'
        $good | Should -Match 'PC-2\s+NonCompliant\s+\d{4}-\d\d-\d\d \d\d:\d\dZ'
        $bad = $out | Where-Object { $_ -is [AppBan.Engine.Reporting.RejectedDeviceReport] } | Out-String -Width 250
        $bad | Should -Match 'Path\s+Reason'
        $bad | Should -Match 'PC-6\.json\s+The report is about'
        $bad | Should -Not -Match 'LastWriteTime'
    }

    Context 'into Export-AppBanReport' {
        BeforeEach {
            $out = Join-Path $TestDrive ('fleet-' + [guid]::NewGuid().ToString('N') + '.json')
            Import-AppBanReport -Path $folder -WarningAction SilentlyContinue | Export-AppBanReport -Path $out
            $report = Get-Content -LiteralPath $out -Raw | ConvertFrom-Json
        }

        # Needs ReportBuilder's merge of device reports (issue 21, integrator's part).
        It 'lists the refused files with their reasons in rejectedReports' {
            @($report.rejectedReports | ForEach-Object { Split-Path $_.path -Leaf }) | Should -Be @('PC-4.json', 'PC-6.json')
            $report.rejectedReports[1].reason | Should -BeLike "The report is about 'PC-5'*"
            $report.summary.rejectedReports | Should -Be 2
        }

        # Needs ReportBuilder's merge of device reports (issue 21, integrator's part).
        It 'merges the good devices as targets' {
            @($report.targets.computerName | Sort-Object) | Should -Be @('PC-1', 'PC-2', 'PC-3')
            $report.run.deviceReports | Should -Be 3
        }
    }
}
