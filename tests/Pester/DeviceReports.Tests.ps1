#Requires -Version 7.0
<#
    Device reports written by device-side runs: the generated ConfigMgr and Intune scripts and Invoke-AppBanScheduled.ps1
    with a report folder, against simulated hosts. Run build.ps1 Build first.
#>

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $repoRoot 'tools/ModuleTooling.psm1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/ScriptHygiene.psm1') -Force
    $wrapperPath = Join-Path $repoRoot 'module/Invoke-AppBanScheduled.ps1'

    $sim = Start-AppBanSimulator -HostPath clean-01.json, laptop-01.json, unreachable-01.json
    function Get-FleetHost([string] $Name) { $sim.Hosts | Where-Object Name -EQ $Name }

    # The scripts import the module by name, as on an endpoint: give it a module folder named AppBan.
    $moduleRoot = Join-Path $TestDrive 'Modules'
    $null = New-Item -ItemType Directory -Path $moduleRoot
    $null = New-Item -ItemType SymbolicLink -Path (Join-Path $moduleRoot 'AppBan') -Target $repoRoot
    $scriptEnvironment = @{ PSModulePath = $moduleRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath }

    # A folder no run can write to, whoever runs the tests (root included): its parent is a regular file.
    $blocker = Join-Path $TestDrive 'not-a-folder'
    Set-Content -LiteralPath $blocker -Value 'x'
    $unreachableFolder = Join-Path $blocker 'reports'

    function Export-GeneratedScript([string] $Folder, [string] $ReportFolder) {
        $null = Export-AppBanConfigMgrScript -Path $Folder -ReportFolder $ReportFolder
        $null = Export-AppBanIntuneScript -Path $Folder -ReportFolder $ReportFolder
    }

    # Runs a generated script in a new process against one simulated host through the documented test parameters.
    function Get-GeneratedScriptRun([string] $Folder, [string] $Script, [string] $HostName, [string[]] $Extra = @()) {
        $target = Get-FleetHost $HostName
        Reset-SimulatorHost -Simulator $sim -Name $HostName
        $password = $target.Credential.GetNetworkCredential().Password -replace "'", "''"
        $runner = Join-Path $TestDrive "run-$HostName.ps1"
        @"
`$credential = [pscredential]::new('$($target.Credential.UserName)', (ConvertTo-SecureString '$password' -AsPlainText -Force))
& '$(Join-Path $Folder $Script)' -ComputerName '$($target.ComputerName)' -Credential `$credential -Authentication Basic $($Extra -join ' ')
exit `$LASTEXITCODE
"@ | Set-Content -LiteralPath $runner
        Invoke-FreshPwsh -File $runner -Environment $scriptEnvironment
    }

    # The one report file a folder holds for a host: named after it, valid JSON, one target, nothing else beside it.
    function Assert-OnlyDeviceReports([string] $Folder, [string[]] $HostNames) {
        $entries = @(Get-ChildItem -LiteralPath $Folder -Force)
        @($entries.Name | Sort-Object) | Should -Be @($HostNames | ForEach-Object { "$_.json" } | Sort-Object)
        foreach ($name in $HostNames) {
            $report = Get-Content -Raw -LiteralPath (Join-Path $Folder "$name.json") | ConvertFrom-Json
            @($report.targets).Count | Should -Be 1
            $report.targets[0].machineName | Should -Be $name
            $report.targets[0].computerName | Should -Be (Get-FleetHost $name).ComputerName
            $report.summary.targets | Should -Be 1
        }
    }
}

AfterAll {
    if ($sim) { Stop-AppBanSimulator -Simulator $sim }
}

Describe 'Generated scripts with a report folder' {
    BeforeAll {
        $scriptDir = Join-Path $TestDrive 'scripts'
        $reportDir = Join-Path $TestDrive 'reports'
        $null = New-Item -ItemType Directory -Path $reportDir
        Export-GeneratedScript $scriptDir $reportDir
        $badScriptDir = Join-Path $TestDrive 'scripts-unreachable'
        Export-GeneratedScript $badScriptDir $unreachableFolder
    }

    It '<Name> embeds the folder, parses, is ASCII and passes the script lint' -ForEach @(
        'AppBan-ConfigMgr-Discovery.ps1', 'AppBan-ConfigMgr-Remediation.ps1', 'AppBan-ConfigMgr-RunScript.ps1',
        'AppBan-Intune-Detection.ps1', 'AppBan-Intune-Remediation.ps1' | ForEach-Object { @{ Name = $_ } }
    ) {
        $path = Join-Path $scriptDir $Name
        $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref] $null, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        Get-Content -Raw -LiteralPath $path | Should -Match ([regex]::Escape("`$AppBanReportFolder = '$reportDir'"))
        @([System.IO.File]::ReadAllBytes($path) | Where-Object { $_ -gt 0x7E }) | Should -BeNullOrEmpty
        @(Get-ScriptHygieneViolation -Path $path -ModuleCode | ForEach-Object { "line $($_.Line) $($_.Rule): $($_.Message)" }) | Should -BeNullOrEmpty
    }

    It 'refuses a folder a script cannot carry: <Folder>' -ForEach @(
        @{ Folder = 'reports' }, @{ Folder = 'D:reports' }, @{ Folder = '\\server\share\..\x' }, @{ Folder = "\\server\share\r`u{00E9}ports" }, @{ Folder = '\\server\share\a*b' }
    ) {
        { Export-AppBanIntuneScript -Path (Join-Path $TestDrive 'refused') -ReportFolder $Folder -ErrorAction Stop } | Should -Throw
        Join-Path $TestDrive 'refused' | Should -Not -Exist
    }

    It 'Intune detection and ConfigMgr Run Scripts write one report per host and nothing else' {
        (Get-GeneratedScriptRun $scriptDir 'AppBan-Intune-Detection.ps1' 'CLEAN-01').ExitCode | Should -Be 0
        $run = Get-GeneratedScriptRun $scriptDir 'AppBan-ConfigMgr-RunScript.ps1' 'LAPTOP-01' @('| ConvertTo-Json')
        $answer = $run.StdOut | ConvertFrom-Json
        $answer.Report | Should -Be 'written'
        $answer.ExitCode | Should -Be 11
        Assert-OnlyDeviceReports $reportDir @('CLEAN-01', 'LAPTOP-01')
        (Get-Content -Raw -LiteralPath (Join-Path $reportDir 'LAPTOP-01.json') | ConvertFrom-Json).targets[0].status | Should -Be 'NonCompliant'
    }

    It 'an unreachable host still gets its report, saying Unreachable' {
        # Its own name cannot be read, so the file is named as the local fallback names it; only the content is asserted.
        $folder = Join-Path $TestDrive 'reports-unreachable-host'
        $null = New-Item -ItemType Directory -Path $folder
        $scripts = Join-Path $TestDrive 'scripts-unreachable-host'
        Export-GeneratedScript $scripts $folder
        $run = Get-GeneratedScriptRun $scripts 'AppBan-Intune-Detection.ps1' 'UNREACHABLE-01'
        $run.ExitCode | Should -Be 1
        $files = @(Get-ChildItem -LiteralPath $folder -Force)
        $files.Count | Should -Be 1
        $report = Get-Content -Raw -LiteralPath $files[0].FullName | ConvertFrom-Json
        @($report.targets).Count | Should -Be 1
        $report.targets[0].status | Should -Be 'Unreachable'
    }

    Context 'when the folder cannot be written' {
        It 'Intune detection scans, then exits 1 with "; report not written: <reason>" even for a compliant host' {
            $run = Get-GeneratedScriptRun $badScriptDir 'AppBan-Intune-Detection.ps1' 'CLEAN-01'
            $run.ExitCode | Should -Be 1
            $line = @($run.StdOut -split '\r?\n' | Where-Object { $_ })[-1]
            $line | Should -Match '^AppBan: Compliant on .*; report not written: .*cannot be reached'
            @(Get-SimulatorOperation -Simulator $sim -ComputerName CLEAN-01).Count | Should -BeGreaterThan 0
            $unreachableFolder | Should -Not -Exist
        }

        It 'ConfigMgr discovery keeps its answer and exit 0, with nothing on the error stream' {
            $run = Get-GeneratedScriptRun $badScriptDir 'AppBan-ConfigMgr-Discovery.ps1' 'LAPTOP-01'
            $run.ExitCode | Should -Be 0
            $run.StdOut.Trim() | Should -BeExactly 'NonCompliant'
            $run.StdErr | Should -BeNullOrEmpty
        }

        It 'ConfigMgr Run Scripts answers the reason in Report and ExitCode 14' {
            $run = Get-GeneratedScriptRun $badScriptDir 'AppBan-ConfigMgr-RunScript.ps1' 'CLEAN-01' @('| ConvertTo-Json')
            $answer = $run.StdOut | ConvertFrom-Json
            $answer.Result | Should -Be 'Compliant'
            $answer.ExitCode | Should -Be 14
            $answer.Report | Should -Match 'cannot be reached'
        }

        It 'ConfigMgr remediation throws with the reason after its run' {
            $run = Get-GeneratedScriptRun $badScriptDir 'AppBan-ConfigMgr-Remediation.ps1' 'CLEAN-01'
            $run.ExitCode | Should -Be 1
            ($run.StdErr -replace '\s+', ' ') | Should -Match 'report not written: .*cannot be reached'
        }
    }
}

Describe 'Invoke-AppBanScheduled.ps1 -ReportFolder' {
    BeforeAll {
        $credentialPath = Join-Path $TestDrive 'credential.xml'
        (Get-FleetHost CLEAN-01).Credential | Export-Clixml -LiteralPath $credentialPath
        function Get-ScheduledRun([string] $HostName, [string] $Folder) {
            Reset-SimulatorHost -Simulator $sim -Name $HostName
            Invoke-FreshPwsh -File $wrapperPath -ArgumentList @('-ComputerName', (Get-FleetHost $HostName).ComputerName, '-CredentialPath', $credentialPath,
                '-Authentication', 'Basic', '-OperationTimeoutSec', '20', '-ReportFolder', $Folder)
        }
    }

    It 'writes the device report and exits with the run''s code' {
        $folder = Join-Path $TestDrive 'scheduled-reports'
        $run = Get-ScheduledRun CLEAN-01 $folder
        $run.ExitCode | Should -Be 0 -Because "$($run.StdOut) $($run.StdErr)"
        Assert-OnlyDeviceReports $folder @('CLEAN-01')
    }

    It 'exits 14 when the folder cannot be written, after the scan' {
        $run = Get-ScheduledRun CLEAN-01 $unreachableFolder
        $run.ExitCode | Should -Be 14 -Because "$($run.StdOut) $($run.StdErr)"
        $run.StdOut | Should -Match 'Exit 14 \(device report not delivered; the run: Exit 0 \(compliant\)'
        $run.StdOut | Should -Match 'report not written: .*cannot be reached'
        @(Get-SimulatorOperation -Simulator $sim -ComputerName CLEAN-01).Count | Should -BeGreaterThan 0
    }

    It 'keeps 12 when targets failed as well' {
        $run = Get-ScheduledRun UNREACHABLE-01 $unreachableFolder
        $run.ExitCode | Should -Be 12
    }
}

Describe 'Export-AppBanReport -DeviceReportFolder' {
    It 'writes nothing under -WhatIf' {
        $folder = Join-Path $TestDrive 'whatif'
        $null = New-Item -ItemType Directory -Path $folder
        $result = Test-AppBanCompliance -ComputerName (Get-FleetHost CLEAN-01).ComputerName -Credential (Get-FleetHost CLEAN-01).Credential -Authentication Basic
        $result | Export-AppBanReport -DeviceReportFolder $folder -WhatIf
        @(Get-ChildItem -LiteralPath $folder -Force) | Should -BeNullOrEmpty
    }

    It 'gives DeviceReportNotWritten per target for an unreachable folder' {
        $result = Test-AppBanCompliance -ComputerName (Get-FleetHost CLEAN-01).ComputerName -Credential (Get-FleetHost CLEAN-01).Credential -Authentication Basic
        $result | Export-AppBanReport -DeviceReportFolder $unreachableFolder -ErrorVariable failures -ErrorAction SilentlyContinue
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'DeviceReportNotWritten*'
        $failures[0].TargetObject | Should -Be (Get-FleetHost CLEAN-01).ComputerName
    }
}

Describe 'One fleet report from the device reports of generated scripts' {
    BeforeAll {
        $share = Join-Path $TestDrive 'fleet-share'
        $null = New-Item -ItemType Directory -Path $share
        $scripts = Join-Path $TestDrive 'fleet-scripts'
        Export-GeneratedScript $scripts $share
        # The report step of the Intune and ConfigMgr scripts, as they run on each device.
        (Get-GeneratedScriptRun $scripts 'AppBan-Intune-Detection.ps1' 'CLEAN-01').ExitCode | Should -Be 0
        $laptop = (Get-GeneratedScriptRun $scripts 'AppBan-ConfigMgr-RunScript.ps1' 'LAPTOP-01' @('| ConvertTo-Json')).StdOut | ConvertFrom-Json
        $laptop.Report | Should -Be 'written'

        # A device that reported ten days ago and not since: its report as the scripts wrote it, with its own name and time.
        $old = Get-Content -Raw -LiteralPath (Join-Path $share 'CLEAN-01.json') | ConvertFrom-Json
        $old.targets[0].machineName = 'OLD-07'
        $old.run.endTime = [DateTimeOffset]::UtcNow.AddDays(-10).ToString('o')
        $old | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath (Join-Path $share 'OLD-07.json')
        # A device whose write was cut short.
        Set-Content -LiteralPath (Join-Path $share 'BROKEN-03.json') -Value (Get-Content -Raw -LiteralPath (Join-Path $share 'CLEAN-01.json')).Substring(0, 200)

        # The collector: the share, and one host checked live that cannot be reached.
        $unreachable = Get-FleetHost 'UNREACHABLE-01'
        $fleetJson = Join-Path $TestDrive 'fleet.json'
        $fleetHtml = Join-Path $TestDrive 'fleet.html'
        $collected = @(Import-AppBanReport $share -WarningAction SilentlyContinue) + @(
            Test-AppBanCompliance -ComputerName $unreachable.ComputerName -Credential $unreachable.Credential -Authentication Basic -OperationTimeoutSec 5 -ErrorAction SilentlyContinue)
        foreach ($path in $fleetJson, $fleetHtml) {
            $collected | Export-AppBanReport -Path $path -ExpectedTarget 'CLEAN-01', 'LAPTOP-01', 'OLD-07', 'BROKEN-03', 'NEVER-09' -StaleAfter (New-TimeSpan -Days 7)
        }
        $fleet = Get-Content -Raw -LiteralPath $fleetJson | ConvertFrom-Json
        $status = @{}
        foreach ($t in $fleet.targets) { $status[$t.computerName] = $t }
    }

    It 'accounts for every device once, by its own name' {
        @($fleet.targets.computerName | Sort-Object) | Should -Be @(@('BROKEN-03', 'CLEAN-01', 'LAPTOP-01', 'NEVER-09', 'OLD-07', $unreachable.ComputerName) | Sort-Object)
        $status['CLEAN-01'].status | Should -Be 'Compliant'
        $status['CLEAN-01'].source | Should -Be 'DeviceReport'
        $status['LAPTOP-01'].status | Should -Be 'NonCompliant'
        $status[$unreachable.ComputerName].status | Should -Be 'Unreachable'
        $status[$unreachable.ComputerName].source | Should -Be 'Live'
    }

    It 'marks the silent device Stale with what it last said, and the missing and broken ones NotReporting' {
        $status['OLD-07'].status | Should -Be 'Stale'
        $status['OLD-07'].lastStatus | Should -Be 'Compliant'
        $status['NEVER-09'].status | Should -Be 'NotReporting'
        $status['BROKEN-03'].status | Should -Be 'NotReporting'
        $status['BROKEN-03'].statusDetail | Should -Match 'refused: .*truncated'
        @($fleet.rejectedReports).Count | Should -Be 1
        $fleet.rejectedReports[0].path | Should -BeLike '*BROKEN-03.json'
    }

    It 'counts them in the summary and the exit code, and names the policy the devices ran' {
        $s = $fleet.summary
        ($s.targets, $s.compliant, $s.nonCompliant, $s.stale, $s.notReporting, $s.unreachable, $s.rejectedReports) | Should -Be @(6, 1, 1, 1, 2, 1, 1)
        $s.exitCode | Should -Be 12
        $fleet.run.deviceReports | Should -Be 3
        $fleet.run.policyName | Should -Be (Get-AppBanPolicy).Name
        $tiktok = $s.rules | Where-Object ruleId -EQ 'tiktok-store'
        $tiktok.violation + $tiktok.requiresUserAction + $tiktok.scheduled + $tiktok.gracePeriod + $tiktok.exempt + $tiktok.clean + $tiktok.noData | Should -Be 6
        $tiktok.noData | Should -Be 3
    }

    It 'shows the computers by name in the HTML report' {
        $html = Get-Content -Raw -LiteralPath $fleetHtml
        $html | Should -Match 'LAPTOP-01'
        $html | Should -Match 'Fleet report: 3 device reports merged'
        $html | Should -Match ([regex]::Escape((Get-AppBanPolicy).Name))
    }
}
