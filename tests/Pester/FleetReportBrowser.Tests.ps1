#Requires -Version 7.0
<#
    The HTML report of a 10,000-device fleet in headless chromium: the page's script pages the host table from its
    data block, and the search and status filter (from the link) run over every row. Run build.ps1 Build first.
#>

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/Chromium.psm1') -Force

    # 10,000 devices as device reports: every tenth has 1 to 3 findings and is non-compliant, the rest are compliant.
    # Each was reached by its DNS name and calls itself by its NetBIOS name, as a device report from a domain would say.
    $end = [DateTimeOffset]::new(2026, 12, 1, 8, 0, 0, [TimeSpan]::Zero)
    $builder = [AppBan.Engine.Reporting.ReportBuilder]::new()
    $builder.SetModuleVersion('1.2.0')
    $builder.SetPolicy('Parliament ban', ('A' * 64), '/policies/parliament.json')
    $names = 1..10000 | ForEach-Object { 'pc-{0:d5}.corp.example' -f $_ }
    $builder.DeclareTargets([string[]] $names)
    $hostileName = 'PC-EVIL</script><script>document.title="pwned"</script><!--'
    for ($i = 0; $i -lt $names.Count; $i++) {
        $name = $names[$i]
        $builder.NoteMachineName($name, $(if ($i -eq 9990) { $hostileName } else { 'PC-{0:d5}' -f ($i + 1) }))
        if ($i % 10 -eq 0) {
            for ($k = 0; $k -le $i % 3; $k++) {
                $finding = [AppBan.Engine.Reporting.ReportFinding]::new()
                $finding.ComputerName = $name
                $finding.RuleId = "rule-$k"
                $finding.RuleName = "Banned app $k"
                $finding.AppName = "Banned app $k"
                $finding.Version = '1.0.0'
                $finding.Kind = 'Exe'
                $finding.Status = 'Violation'
                $builder.AddFinding($finding)
            }
        } else {
            $builder.SetTargetStatus($name, [AppBan.Engine.Reporting.TargetStatus]::Compliant)
        }
    }
    $report = $builder.Build($end)
    for ($i = 0; $i -lt $report.Targets.Count; $i++) {
        $target = $report.Targets[$i]
        $target.Source = 'DeviceReport'
        $target.ReportedAt = $end.AddHours( - ($i % 150) - 1)
        $target.ReportFile = "\\fs01\AppBanReports$\$(if ($i -eq 9990) { 'PC-EVIL' } else { $target.MachineName }).json"
    }
    $report.Run.DeviceReports = 10000
    $report.Run.StaleAfterDays = 7

    $htmlPath = Join-Path $TestDrive 'fleet.html'
    [AppBan.Engine.Reporting.ReportWriter]::Write($report, $htmlPath, 'Html')
    $pageBytes = (Get-Item -LiteralPath $htmlPath).Length
    Write-Host "HTML report for 10,000 devices: $pageBytes bytes ($([math]::Round($pageBytes / 1KB)) KB)"

    $chromium = Get-Chromium

    # The DOM after the page's script ran, for the page opened with a link fragment.
    function Get-ReportDom([string] $Fragment) {
        Get-ChromiumRun -Chromium $chromium -Url ((ConvertTo-FileUrl $htmlPath) + $Fragment) -Arguments @('--virtual-time-budget=10000', '--dump-dom')
    }

    # The host rows of a DOM: status and computer cell text.
    function Get-HostRow([string] $Dom) {
        [regex]::Matches($Dom, '<tr class="host" data-status="(\w+)"><td class="computer">([^<]*)') |
            ForEach-Object { [pscustomobject]@{ Status = $_.Groups[1].Value; Computer = $_.Groups[2].Value } }
    }
}

Describe 'The HTML report of 10,000 devices in headless chromium' {
    It 'is written in one file of reasonable size' {
        $pageBytes | Should -BeLessThan (1MB)
        (Get-Content -Raw -LiteralPath $htmlPath) | Should -Match 'id="tile-targets" data-count="10000"'
    }

    It 'shows the first 100 hosts and counts all of them' {
        if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
        $dom = Get-ReportDom ''
        $rows = @(Get-HostRow $dom)
        $rows.Count | Should -Be 100
        $rows[0].Computer | Should -Be 'PC-00001 '
        $rows[99].Computer | Should -Be 'PC-00100 '
        $dom | Should -Match '<span class="addr">at pc-00001.corp.example</span>'
        $dom | Should -Match '<span id="filter-count">10000 of 10000 hosts shown</span>'
        $dom | Should -Match '<span id="page-info">rows 1-100, page 1 of 100</span>'
        $dom | Should -Match '<button type="button" id="page-prev" disabled="">'
        $dom | Should -Match '<td class="source">DeviceReport</td><td class="reported">2026-12-01 07:00:00 UTC</td>'
        $dom | Should -Match '<td class="source">DeviceReport</td><td class="reported">2026-11-27 09:00:00 UTC</td>'
        $dom | Should -Match '<p class="meta" id="run-fleet">Fleet report: 10000 device reports merged, stale after 7 days</p>'
    }

    It 'finds a device on a late page from the link' {
        if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
        $dom = Get-ReportDom '#q=PC-09876'
        $rows = @(Get-HostRow $dom)
        $rows.Count | Should -Be 1
        $rows[0].Computer | Should -Be 'PC-09876 '
        $dom | Should -Match '<span id="filter-count">1 of 10000 hosts shown</span>'
        $dom | Should -Match '<span id="page-info">rows 1-1, page 1 of 1</span>'
    }

    It 'shows a hostile machine name as text and runs nothing from it' {
        if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
        $dom = Get-ReportDom '#q=pwned'
        $rows = @(Get-HostRow $dom)
        $rows.Count | Should -Be 1
        $rows[0].Computer | Should -Be 'PC-EVIL&lt;/script&gt;&lt;script&gt;document.title="pwned"&lt;/script&gt;&lt;!-- '
        $dom | Should -Not -Match '<title>pwned</title>'
        $dom | Should -Match '<title>AppBan report - Parliament ban - 2026-12-01 08:00:00 UTC</title>'
    }

    It 'shows only non-compliant devices, 100 to a page, with their count' {
        if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
        $dom = Get-ReportDom '#status=NonCompliant'
        $rows = @(Get-HostRow $dom)
        $rows.Count | Should -Be 100
        @($rows.Status | Sort-Object -Unique) | Should -Be @('NonCompliant')
        $rows[1].Computer | Should -Be 'PC-00011 '
        $dom | Should -Match '<span id="filter-count">1000 of 10000 hosts shown</span>'
        $dom | Should -Match '<span id="page-info">rows 1-100, page 1 of 10</span>'
    }

    It 'combines the status filter and the search' {
        if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
        # The search matches PC-09880 to PC-09889; of those only PC-09881 is non-compliant.
        $dom = Get-ReportDom '#status=NonCompliant&q=PC-0988'
        @(Get-HostRow $dom).Computer | Should -Be @('PC-09881 ')
        $dom | Should -Match '<span id="filter-count">1 of 10000 hosts shown</span>'
    }
}
