#Requires -Version 7.0
<#
    Reports, unattended runs and the ConfigMgr and Intune scripts. Run build.ps1 Build first.
#>

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $manifest = Join-Path $repoRoot 'AppBan.psd1'
    Import-Module $manifest -Force
    Import-Module (Join-Path $repoRoot 'tools/ModuleTooling.psm1') -Force
    $schemaPath = Join-Path $repoRoot 'module/AppBan.report.schema.json'
    $wrapperPath = Join-Path $repoRoot 'module/Invoke-AppBanScheduled.ps1'

    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/Chromium.psm1') -Force

    # AppBan-shaped results, as the discovery and remediation cmdlets emit them (property names are the contract).
    function Get-SampleResult {
        @(
            [pscustomobject]@{ ComputerName = 'pc-clean'; Status = 'Compliant'; IsCompliant = $true; ViolationCount = 0; Error = $null }
            [pscustomobject]@{ ComputerName = 'pc-bad'; RuleId = 'tiktok-store'; RuleName = 'TikTok'; AppName = '=HYPERLINK("http://x")<script>alert(1)</script>'; Version = '1.0.1.0'; Kind = 'StoreApp'; Status = 'Violation' }
            [pscustomobject]@{ ComputerName = 'pc-bad'; AppName = '=HYPERLINK("http://x")<script>alert(1)</script>'; Version = '1.0.1.0'; Kind = 'StoreApp'; Method = 'StoreAppForAllUsers'; CommandLine = 'powershell.exe ...'; ExitCode = 1603; Status = 'Failed'; RebootRequired = $false; Duration = [timespan]::FromSeconds(4); Error = 'still installed' }
            [pscustomobject]@{ ComputerName = 'pc-down'; Status = 'Unreachable'; IsCompliant = $false; Error = 'pc-down: connection refused'; ErrorId = 'TargetUnreachable' }
        )
    }
}

Describe 'Export-AppBanReport' {
    BeforeAll {
        # Pipes two results into Export-AppBanReport, then stops the pipeline while it waits for a third; returns
        # what the stopped runspace reported, for the assertion messages.
        function Invoke-StoppedExport {
            [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it writes only the report file of the test that calls it.')]
            param([string] $Path, [bool] $WhatIfPreference)
            $ready = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Manifest, $Path, $Ready, $WhatIf)
                        Import-Module $Manifest
                        $WhatIfPreference = $WhatIf
                        & {
                            [pscustomobject]@{ ComputerName = 'pc-1'; Status = 'Compliant' }
                            [pscustomobject]@{ ComputerName = 'pc-2'; Status = 'Unreachable'; Error = 'pc-2: refused' }
                            Set-Content -LiteralPath $Ready -Value 'ready' -WhatIf:$false
                            Start-Sleep -Seconds 120
                            [pscustomobject]@{ ComputerName = 'pc-3'; Status = 'Compliant' }
                        } | Export-AppBanReport -Path $Path
                    }).AddArgument($manifest).AddArgument($Path).AddArgument($ready).AddArgument($WhatIfPreference)
                $async = $ps.BeginInvoke()
                while (-not (Test-Path -LiteralPath $ready) -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 100 }
                $ps.Stop()
                ($ps.Streams.Error | Out-String) + ($ps.InvocationStateInfo.Reason | Out-String)
            } finally {
                $ps.Dispose()
            }
        }
    }

    It 'writes <Format> chosen by the file extension' -ForEach @(
        @{ Format = 'Json'; Extension = 'json'; Start = '{' }
        @{ Format = 'Csv'; Extension = 'csv'; Start = "$([char]0xFEFF)RecordType," }
        @{ Format = 'Html'; Extension = 'html'; Start = '<!DOCTYPE html>' }
    ) {
        $path = Join-Path $TestDrive "report.$Extension"
        $file = Get-SampleResult | Export-AppBanReport -Path $path -PassThru
        $file.FullName | Should -Be $path
        [System.IO.File]::ReadAllText($path, [System.Text.UTF8Encoding]::new($false)) | Should -BeLike "$Start*"
        @(Get-ChildItem -LiteralPath $TestDrive -Filter '*.tmp' -Force) | Should -BeNullOrEmpty
    }

    It 'lists every target in a JSON report that validates against the shipped schema' {
        $path = Join-Path $TestDrive 'targets.json'
        Get-SampleResult | Export-AppBanReport -Path $path -ExpectedTarget 'pc-never'
        $json = Get-Content -Raw -LiteralPath $path
        Test-Json -Json $json -SchemaFile $schemaPath | Should -BeTrue
        $report = $json | ConvertFrom-Json
        @($report.targets | ForEach-Object { "$($_.computerName)=$($_.status)" }) |
            Should -Be @('pc-never=NotScanned', 'pc-clean=Compliant', 'pc-bad=NonCompliant', 'pc-down=Unreachable')
        $report.summary.exitCode | Should -Be 12
    }

    It 'moves the explanation of a result saved before Message existed from error to message' {
        $path = Join-Path $TestDrive 'legacy.json'
        @(
            [pscustomobject]@{ ComputerName = 'pc-old'; AppName = 'CapCut'; Kind = 'Exe'; Method = 'None'; CommandLine = $null; Status = 'RequiresUserAction'; Error = 'ask sam to uninstall it' }
            [pscustomobject]@{ ComputerName = 'pc-old'; AppName = 'TikTok'; Kind = 'Exe'; Method = 'None'; CommandLine = $null; Status = 'Refused'; Error = 'the entry is unsafe' }
        ) | Export-AppBanReport -Path $path
        $json = Get-Content -Raw -LiteralPath $path
        Test-Json -Json $json -SchemaFile $schemaPath | Should -BeTrue
        $actions = ($json | ConvertFrom-Json).targets[0].actions
        ($actions | Where-Object status -EQ 'RequiresUserAction').message | Should -Be 'ask sam to uninstall it'
        ($actions | Where-Object status -EQ 'RequiresUserAction').error | Should -BeNullOrEmpty
        ($actions | Where-Object status -EQ 'Refused').error | Should -Be 'the entry is unsafe'
        ($actions | Where-Object status -EQ 'Refused').message | Should -BeNullOrEmpty
    }

    It 'refuses a path whose extension names no format, unless -Format is given' {
        { Get-SampleResult | Export-AppBanReport -Path (Join-Path $TestDrive 'report.txt') } |
            Should -Throw -ErrorId 'ReportFormatUnknown,AppBan.Cmdlets.ExportAppBanReportCommand'
        Get-SampleResult | Export-AppBanReport -Path (Join-Path $TestDrive 'report.txt') -Format Json
        Get-Content -Raw (Join-Path $TestDrive 'report.txt') | Test-Json -SchemaFile $schemaPath | Should -BeTrue
    }

    It 'writes one error per object it cannot use and reports the rest' {
        $path = Join-Path $TestDrive 'mixed.json'
        @('not a result') + @(Get-SampleResult) | Export-AppBanReport -Path $path -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -Be 'UnsupportedReportInput,AppBan.Cmdlets.ExportAppBanReportCommand'
        (Get-Content -Raw $path | ConvertFrom-Json).targets.Count | Should -Be 3
    }

    It 'does not overwrite with -NoClobber' {
        $path = Join-Path $TestDrive 'keep.json'
        Set-Content -LiteralPath $path -Value 'old'
        { Get-SampleResult | Export-AppBanReport -Path $path -NoClobber } | Should -Throw -ErrorId 'ReportFileExists,AppBan.Cmdlets.ExportAppBanReportCommand'
        Get-Content -Raw $path | Should -Be "old$([Environment]::NewLine)"
    }

    It 'takes error records and names the policy' {
        $policyPath = Join-Path $TestDrive 'policy.json'
        New-AppBanPolicy -Path $policyPath | Out-Null
        $policy = Get-AppBanPolicy -Path $policyPath
        $errorRecord = [System.Management.Automation.ErrorRecord]::new([System.Exception]::new('pc-err: access denied'), 'AccessDenied', 'PermissionDenied', 'pc-err')
        $path = Join-Path $TestDrive 'errors.json'
        $errorRecord | Export-AppBanReport -Path $path -PolicyPath $policyPath
        $report = Get-Content -Raw $path | ConvertFrom-Json
        $report.run.policyName | Should -Be $policy.Name
        $report.run.policySha256 | Should -Be $policy.Sha256
        $report.targets[0].computerName | Should -Be 'pc-err'
        $report.targets[0].status | Should -Be 'Failed'
        $report.targets[0].errors[0].errorId | Should -Be 'AccessDenied'
    }

    It 'writes what arrived before the pipeline was stopped, marked as cancelled' {
        $path = Join-Path $TestDrive 'stopped.json'
        $streams = Invoke-StoppedExport -Path $path -WhatIfPreference $false
        $path | Should -Exist -Because "the stopped pipeline must leave its report ($streams)"
        $report = Get-Content -Raw -LiteralPath $path | ConvertFrom-Json
        $report.run.cancelled | Should -BeTrue
        @($report.targets.computerName) | Should -Be @('pc-1', 'pc-2')
        Test-Json -Json (Get-Content -Raw -LiteralPath $path) -SchemaFile $schemaPath | Should -BeTrue
    }

    It 'writes what arrived when the pipeline fails upstream, marked as cancelled' {
        # The failure is recorded before any stop reaches Export-AppBanReport: PowerShell then calls no StopProcessing,
        # the interleaving a Ctrl+C meets when the stop wakes an upstream command first.
        $path = Join-Path $TestDrive 'failed-upstream.json'
        {
            & {
                [pscustomobject]@{ ComputerName = 'pc-1'; Status = 'Compliant' }
                [pscustomobject]@{ ComputerName = 'pc-2'; Status = 'Unreachable'; Error = 'pc-2: refused' }
                throw 'upstream failed'
            } | Export-AppBanReport -Path $path
        } | Should -Throw 'upstream failed'
        $report = Get-Content -Raw -LiteralPath $path | ConvertFrom-Json
        $report.run.cancelled | Should -BeTrue
        @($report.targets.computerName) | Should -Be @('pc-1', 'pc-2')
    }

    It 'writes nothing when the stopped pipeline ran under $WhatIfPreference' {
        $path = Join-Path $TestDrive 'stopped-whatif.json'
        $streams = Invoke-StoppedExport -Path $path -WhatIfPreference $true
        $path | Should -Not -Exist -Because "-WhatIf set by preference changes nothing, stopped or not ($streams)"
    }
}

Describe 'Generated ConfigMgr and Intune scripts' {
    BeforeAll {
        $scriptDir = Join-Path $TestDrive 'scripts'
        $configMgr = Export-AppBanConfigMgrScript -Path $scriptDir
        $intune = Export-AppBanIntuneScript -Path $scriptDir
        $generated = @($configMgr) + @($intune)
        $hygiene = Join-Path $repoRoot 'tests/TestHelpers/ScriptHygiene.psm1'
        Import-Module $hygiene -Force
    }

    It 'writes the three ConfigMgr scripts and the Intune pair' {
        @($configMgr.Name) | Should -Be @('AppBan-ConfigMgr-Discovery.ps1', 'AppBan-ConfigMgr-Remediation.ps1', 'AppBan-ConfigMgr-RunScript.ps1')
        @($intune.Name) | Should -Be @('AppBan-Intune-Detection.ps1', 'AppBan-Intune-Remediation.ps1')
    }

    It '<Name> parses without errors, is ASCII without a BOM and passes the script lint' -ForEach @(
        'AppBan-ConfigMgr-Discovery.ps1', 'AppBan-ConfigMgr-Remediation.ps1', 'AppBan-ConfigMgr-RunScript.ps1',
        'AppBan-Intune-Detection.ps1', 'AppBan-Intune-Remediation.ps1' | ForEach-Object { @{ Name = $_ } }
    ) {
        $path = Join-Path $scriptDir $Name
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref] $tokens, [ref] $errors)
        $errors | Should -BeNullOrEmpty
        @($ast.ParamBlock.Parameters.Name.VariablePath.UserPath) | Should -Contain 'ComputerName'
        $bytes = [System.IO.File]::ReadAllBytes($path)
        $bytes[0] | Should -Not -Be 0xEF
        @($bytes | Where-Object { $_ -gt 0x7E -or ($_ -lt 0x20 -and $_ -ne 0x0D -and $_ -ne 0x0A) }) | Should -BeNullOrEmpty
        @(Get-ScriptHygieneViolation -Path $path -ModuleCode | ForEach-Object { "line $($_.Line) $($_.Rule): $($_.Message)" }) | Should -BeNullOrEmpty
    }

    It 'embeds the policy so that it loads back with the same hash' {
        $text = Get-Content -Raw -LiteralPath (Join-Path $scriptDir 'AppBan-Intune-Detection.ps1')
        $text -match "\`$AppBanPolicyBase64 = '([^']+)'" | Should -BeTrue
        $json = [System.Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($Matches[1]))
        $embedded = [AppBan.Engine.Policy.PolicyLoader]::LoadJson($json, 'embedded')
        $builtIn = Get-AppBanPolicy
        $embedded.Sha256 | Should -Be $builtIn.Sha256
        $text | Should -Match ([regex]::Escape("(SHA-256 $($builtIn.Sha256))"))
    }
}

Describe 'Invoke-AppBanScheduled.ps1' {
    It 'exits 13 on bad input: <Case>' -ForEach @(
        @{ Case = 'an unknown parameter'; Arguments = @('-Bogus', 'x'); Message = 'unknown parameter -Bogus' }
        @{ Case = 'a parameter without its value'; Arguments = @('-PolicyPath'); Message = '-PolicyPath needs a value' }
        @{ Case = 'a malformed number'; Arguments = @('-ThrottleLimit', 'many'); Message = '-ThrottleLimit must be a whole number' }
        @{ Case = 'a stray argument'; Arguments = @('pc1'); Message = "unexpected argument 'pc1'" }
        @{ Case = 'a missing policy file'; Arguments = @('-PolicyPath', '/nonexistent/policy.json', '-ComputerName', '127.0.0.1:1'); Message = 'does not exist' }
        @{ Case = 'a missing computer list'; Arguments = @('-ComputerListPath', '/nonexistent/fleet.txt'); Message = 'cannot read the computer list' }
        @{ Case = 'a missing credential file'; Arguments = @('-CredentialPath', '/nonexistent/cred.xml'); Message = 'cannot read the credential file' }
    ) {
        $run = Invoke-FreshPwsh -File $wrapperPath -ArgumentList $Arguments
        $run.ExitCode | Should -Be 13 -Because "$($run.StdOut) $($run.StdErr)"
        $run.StdErr | Should -Match ([regex]::Escape($Message))
    }

    It 'logs a bad-input exit to -LogPath' {
        $log = Join-Path $TestDrive 'bad.log'
        $run = Invoke-FreshPwsh -File $wrapperPath -ArgumentList @('-LogPath', $log, '-Nope')
        $run.ExitCode | Should -Be 13
        Get-Content -Raw -LiteralPath $log | Should -Match 'Exit 13: bad input: unknown parameter -Nope'
    }
}

Describe 'Restart in 64-bit PowerShell from a 32-bit start' {
    BeforeAll {
        $scriptDir = Join-Path $TestDrive 'relaunch-scripts'
        $null = Export-AppBanConfigMgrScript -Path $scriptDir
        $null = Export-AppBanIntuneScript -Path $scriptDir
        Import-Module (Join-Path $repoRoot 'tests/TestHelpers/ScriptHygiene.psm1') -Force

        # A stand-in for %WINDIR%\SysNative\WindowsPowerShell\v1.0\powershell.exe: it records its command line, one
        # argument a line, prints a line and exits 37, so that the test sees what was started and what came back.
        $fakeWindows = Join-Path $TestDrive 'Windows'
        $fakeFolder = [System.IO.Path]::Combine($fakeWindows, 'SysNative', 'WindowsPowerShell', 'v1.0')
        $null = New-Item -ItemType Directory -Path $fakeFolder -Force
        $fakePowerShell = Join-Path $fakeFolder 'powershell.exe'
        Set-Content -LiteralPath $fakePowerShell -Value @(
            '#!/bin/sh'
            'for a in "$0" "$@"; do printf ''%s\n'' "$a" >> "$APPBAN_TEST_RELAUNCH_LOG"; done'
            'echo "64-bit run"'
            'exit 37'
        )
        & chmod +x $fakePowerShell
        $policy = [string] (Get-ExecutionPolicy)

        function Get-Run32BitStart([string] $Script, [string[]] $Arguments, [switch] $Native) {
            $log = Join-Path $TestDrive ("relaunch-{0}.log" -f [guid]::NewGuid().ToString('N'))
            $environment = @{ WINDIR = $fakeWindows; APPBAN_TEST_RELAUNCH_LOG = $log }
            if (-not $Native) { $environment.PROCESSOR_ARCHITEW6432 = 'AMD64' }
            $run = Invoke-FreshPwsh -File $Script -ArgumentList $Arguments -Environment $environment
            $started = if (Test-Path -LiteralPath $log) { @(Get-Content -LiteralPath $log) } else { @() }
            [pscustomobject]@{ Run = $run; Started = $started }
        }
    }

    It 'every generated script and the scheduled script carry the same restart function, which passes the 5.1 lint' {
        $expected = [AppBan.Engine.Deployment.ManagementScripts]::NativeRelaunchFunction()
        $files = @(Get-ChildItem -LiteralPath $scriptDir -Filter *.ps1) + @(Get-Item -LiteralPath $wrapperPath)
        $files.Count | Should -Be 6
        foreach ($file in $files) {
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref] $tokens, [ref] $errors)
            $errors | Should -BeNullOrEmpty
            $functions = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $n.Name -eq 'Get-AppBanNativeRelaunch' }, $true))
            $functions.Count | Should -Be 1 -Because $file.Name
            ((Get-Content -Raw -LiteralPath $file.FullName) -replace '\r\n', "`n") | Should -BeLikeExactly ('*' + [System.Management.Automation.WildcardPattern]::Escape($expected) + '*') -Because $file.Name
            # The restart runs before anything that needs the module.
            $text = Get-Content -Raw -LiteralPath $file.FullName
            $importAt = if ($text.Contains('= Import-AppBan')) { $text.IndexOf('= Import-AppBan') } else { $text.IndexOf('Import-Module $manifest') }
            $importAt | Should -BeGreaterThan 0 -Because $file.Name
            $text.IndexOf('Get-AppBanNativeRelaunch $PSCommandPath') | Should -BeLessThan $importAt -Because $file.Name
            @(Get-ScriptHygieneViolation -Path $file.FullName -ModuleCode | ForEach-Object { "line $($_.Line) $($_.Rule): $($_.Message)" }) | Should -BeNullOrEmpty
        }
    }

    It 'Invoke-AppBanScheduled.ps1 restarts in SysNative PowerShell with its arguments and exits with its code' {
        $r = Get-Run32BitStart $wrapperPath @('-ComputerName', 'pc 1,pc2', '-WhatIf', '-ReportPath', 'a b.json')
        $r.Run.ExitCode | Should -Be 37 -Because $r.Run.StdErr
        $r.Started | Should -Be @($fakePowerShell, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', $policy, '-File', $wrapperPath,
            '-ComputerName', 'pc 1,pc2', '-WhatIf', '-ReportPath', 'a b.json')
        $r.Run.StdOut.Trim() | Should -Be '64-bit run'
    }

    It 'Invoke-AppBanScheduled.ps1 runs in place when it is not a 32-bit process on 64-bit Windows' {
        $r = Get-Run32BitStart $wrapperPath @('-Bogus') -Native
        $r.Started | Should -BeNullOrEmpty
        $r.Run.ExitCode | Should -Be 13
    }

    It '<Name> restarts in SysNative PowerShell with its parameters and exits with its code' -ForEach @(
        @{ Name = 'AppBan-ConfigMgr-Discovery.ps1'; Arguments = @('-ComputerName', 'PC 01', '-Authentication', 'Basic') }
        @{ Name = 'AppBan-ConfigMgr-Remediation.ps1'; Arguments = @('-ComputerName', 'PC 01') }
        @{ Name = 'AppBan-ConfigMgr-RunScript.ps1'; Arguments = @('-Action', 'Remediate', '-ComputerName', 'PC 01') }
        @{ Name = 'AppBan-Intune-Detection.ps1'; Arguments = @() }
        @{ Name = 'AppBan-Intune-Remediation.ps1'; Arguments = @('-Authentication', 'Negotiate') }
    ) {
        $path = Join-Path $scriptDir $Name
        $r = Get-Run32BitStart $path $Arguments
        $r.Run.ExitCode | Should -Be 37 -Because $r.Run.StdErr
        $r.Started | Should -Be (@($fakePowerShell, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', $policy, '-File', $path) + $Arguments)
        $r.Run.StdOut.Trim() | Should -Be '64-bit run'
    }

    It 'a generated script refuses -Credential from 32-bit PowerShell, which no command line can carry' {
        $runner = Join-Path $TestDrive 'run-with-credential.ps1'
        @"
`$credential = [pscredential]::new('u', (ConvertTo-SecureString 'p' -AsPlainText -Force))
& '$(Join-Path $scriptDir 'AppBan-Intune-Detection.ps1')' -ComputerName pc1 -Credential `$credential
exit `$LASTEXITCODE
"@ | Set-Content -LiteralPath $runner
        $r = Get-Run32BitStart $runner @()
        $r.Started | Should -BeNullOrEmpty
        $r.Run.ExitCode | Should -Be 1
        $r.Run.StdErr | Should -Match '-Credential cannot be passed to the 64-bit PowerShell'
    }

    It 'a generated script runs in place when it is not a 32-bit process on 64-bit Windows' {
        $r = Get-Run32BitStart (Join-Path $scriptDir 'AppBan-Intune-Detection.ps1') @('-ComputerName', '127.0.0.1:1') -Native
        $r.Started | Should -BeNullOrEmpty
        $r.Run.StdOut | Should -Match '^AppBan: '
    }
}

Describe 'Exit codes of a scheduled run that PowerShell could not start' {
    It 'PowerShell gives 1 for a script it cannot run, and 1 is no documented outcome' {
        $broken = Join-Path $TestDrive 'Invoke-AppBanScheduled.ps1'
        (Get-Content -Raw -LiteralPath $wrapperPath) + "`nif (" | Set-Content -LiteralPath $broken
        $run = Invoke-FreshPwsh -File $broken -ArgumentList @('-WhatIf')
        $run.ExitCode | Should -Be 1
        [int[]] [Enum]::GetValues([AppBan.Engine.Reporting.UnattendedExitCode]) | Should -Not -Contain $run.ExitCode
        $missing = Invoke-FreshPwsh -File (Join-Path $TestDrive 'no-such-script.ps1')
        [int[]] [Enum]::GetValues([AppBan.Engine.Reporting.UnattendedExitCode]) | Should -Not -Contain $missing.ExitCode
    }

    It 'the wrapper''s own codes are the module''s: <Name> is <Value>' -ForEach @(
        @{ Name = 'TargetsFailed'; Variable = 'ExitFailed'; Value = 12 }
        @{ Name = 'BadInput'; Variable = 'ExitBadInput'; Value = 13 }
    ) {
        [int] [AppBan.Engine.Reporting.UnattendedExitCode]::$Name | Should -Be $Value
        Get-Content -Raw -LiteralPath $wrapperPath | Should -Match ('(?m)^\$' + $Variable + ' = ' + $Value + '\r?$')
    }
}

Describe 'Runs against the simulated fleet' {
    BeforeAll {
        Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
        $simulatorDll = Join-Path $repoRoot 'tests/Simulator/bin/Release/net10.0/AppBan.Simulator.dll'
        # The fleet shares one admin account, so that one run covers every host: 44 hosts generated from the template
        # (with its own fault mix) and six described ones with known faults or contents.
        $fleetDir = Join-Path $TestDrive 'fleet'
        $null = New-Item -ItemType Directory -Path $fleetDir
        $template = Join-Path $repoRoot 'tests/hosts/templates/fleet-template.json'
        & dotnet $simulatorDll --generate 44 --template $template --seed 8 --out $fleetDir | Out-Null
        $LASTEXITCODE | Should -Be 0
        $fleetAccount = (Get-Content -Raw -LiteralPath $template | ConvertFrom-Json).accounts[0]
        $described = @{
            'unreachable-01.json' = $true; 'nonadmin-01.json' = $false; 'laptop-01.json' = $true; 'clean-01.json' = $true
            'ReportingHosts/store-01.json' = $true
        }
        foreach ($name in $described.Keys) {
            $source = if ($name -like 'ReportingHosts/*') { Join-Path $PSScriptRoot $name } else { Join-Path $repoRoot "tests/hosts/$name" }
            $hostJson = Get-Content -Raw -LiteralPath $source | ConvertFrom-Json -AsHashtable
            # nonadmin-01 keeps its point: the fleet's account exists there but as a standard account, which WinRM refuses.
            $hostJson.accounts = @(@{ user = $fleetAccount.user; password = $fleetAccount.password; isAdmin = $described[$name] })
            $hostJson | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath (Join-Path $fleetDir ([System.IO.Path]::GetFileName($name)))
        }
        # NONADMIN-02: the same machine, where an administrator let the fleet's standard account in (Remote Management
        # Users and Remote Enable), so it can read what a standard user may read but not remove anything.
        $variant = Get-Content -Raw -LiteralPath (Join-Path $repoRoot 'tests/hosts/nonadmin-01.json') | ConvertFrom-Json -AsHashtable
        $variant.computerName = 'NONADMIN-02'
        $variant.accounts = @(@{
                user = $fleetAccount.user; password = $fleetAccount.password; isAdmin = $false
                remoteManagementUsers = $true; remoteEnableNamespaces = @('root\cimv2', 'root\default')
            })
        $variant | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath (Join-Path $fleetDir 'nonadmin-02.json')
        $sim = Start-AppBanSimulator -HostPath $fleetDir
        $fleet = @($sim.Hosts)
        $credential = $fleet[0].Credential
        function Get-FleetHost([string] $Name) { $fleet | Where-Object Name -EQ $Name }

        # A fleet run's JSON report: valid against the shipped schema, with every host of the fleet once.
        function Assert-WholeFleetInJsonReport([string] $Path) {
            Test-Json -Json (Get-Content -Raw -LiteralPath $Path) -SchemaFile $schemaPath | Should -BeTrue
            $written = Get-Content -Raw -LiteralPath $Path | ConvertFrom-Json
            $written.targets.Count | Should -Be 50
            @($written.targets.computerName | Sort-Object) | Should -Be @($fleet.ComputerName | Sort-Object)
            @($written.run.targets | Sort-Object) | Should -Be @($fleet.ComputerName | Sort-Object)
        }
    }

    AfterAll {
        if ($sim) { Stop-AppBanSimulator -Simulator $sim }
    }

    It 'serves 50 hosts' {
        $fleet.Count | Should -Be 50
    }

    Context 'Test-AppBanCompliance and Get-BannedApp over all 50 hosts, into Export-AppBanReport' {
        BeforeAll {
            $reportDir = Join-Path $TestDrive 'reports'
            $jsonPath = Join-Path $reportDir 'fleet.json'
            $csvPath = Join-Path $reportDir 'fleet.csv'
            $htmlPath = Join-Path $reportDir 'fleet.html'
            $target = @{ ComputerName = $fleet.ComputerName; Credential = $credential; Authentication = 'Basic'; OperationTimeoutSec = 20 }
            $results = @(Test-AppBanCompliance @target -ErrorAction SilentlyContinue -ErrorVariable scanErrors -WarningAction SilentlyContinue) +
                @(Get-BannedApp @target -IncludeExempt -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            foreach ($path in $jsonPath, $csvPath, $htmlPath) { $results | Export-AppBanReport -Path $path }
            $report = Get-Content -Raw -LiteralPath $jsonPath | ConvertFrom-Json
            $byName = @{}
            foreach ($entry in $report.targets) { $byName[$entry.computerName] = $entry }
        }

        It 'lists all 50 hosts in the JSON report, which validates against the shipped schema' {
            Assert-WholeFleetInJsonReport $jsonPath
        }

        It 'reports each described host as what it is' {
            $byName[(Get-FleetHost 'UNREACHABLE-01').ComputerName].status | Should -Be 'Unreachable'
            $byName[(Get-FleetHost 'UNREACHABLE-01').ComputerName].errors[0].errorId | Should -Be 'TargetUnreachable'
            $byName[(Get-FleetHost 'CLEAN-01').ComputerName].status | Should -Be 'Compliant'
            $byName[(Get-FleetHost 'STORE-01').ComputerName].status | Should -Be 'NonCompliant'
            $nonAdmin = $byName[(Get-FleetHost 'NONADMIN-01').ComputerName]
            $nonAdmin.status | Should -Be 'Failed'
            $nonAdmin.errors[0].errorId | Should -Be 'AuthenticationFailed'
            $nonAdmin.errors[0].category | Should -Be 'AuthenticationError'
            @($nonAdmin.findings) | Should -BeNullOrEmpty
            $laptop = $byName[(Get-FleetHost 'LAPTOP-01').ComputerName]
            $laptop.status | Should -Be 'NonCompliant'
            @($laptop.findings.ruleId | Sort-Object -Unique) | Should -Be @('capcut', 'tiktok-live-studio', 'tiktok-store', 'tiktok-webapp')
        }

        It 'names the apps behind every non-compliant host, and the policy, from Test-AppBanCompliance alone' {
            $complianceOnly = Join-Path $reportDir 'compliance-only.json'
            @($results | Where-Object { $_ -is [AppBan.Output.AppBanComplianceResult] }) | Export-AppBanReport -Path $complianceOnly
            $alone = Get-Content -Raw -LiteralPath $complianceOnly | ConvertFrom-Json
            $alone.run.policyName | Should -Be (Get-AppBanPolicy).Name
            $nonCompliant = @($alone.targets | Where-Object status -EQ 'NonCompliant')
            $nonCompliant.Count | Should -BeGreaterThan 0
            $nonCompliant | ForEach-Object { @($_.findings).Count | Should -BeGreaterThan 0 -Because "$($_.computerName) is non-compliant" }
            @($alone.summary.findingsByApp.PSObject.Properties).Count | Should -BeGreaterThan 0
            $laptop = $alone.targets | Where-Object computerName -EQ (Get-FleetHost 'LAPTOP-01').ComputerName
            @($laptop.findings.ruleId | Sort-Object -Unique) | Should -Be @('capcut', 'tiktok-live-studio', 'tiktok-store', 'tiktok-webapp')
        }

        It 'lists all 50 hosts in the CSV report, formulas defused' {
            $rows = Import-Csv -LiteralPath $csvPath
            @($rows.ComputerName | Sort-Object -Unique) | Should -Be @($fleet.ComputerName | Sort-Object)
            @($rows | Where-Object { $_.AppName -match '^[=+\-@]' }) | Should -BeNullOrEmpty
        }
    }

    Context 'Invoke-AppBanRemediation over all 50 hosts' {
        BeforeAll {
            $reportDir = Join-Path $TestDrive 'reports'
            $jsonPath = Join-Path $reportDir 'fleet.json'
            $csvPath = Join-Path $reportDir 'fleet.csv'
            $htmlPath = Join-Path $reportDir 'fleet.html'
            $logPath = Join-Path $reportDir 'fleet.log'
            $outcome = Invoke-AppBanRemediation -ComputerName $fleet.ComputerName -Credential $credential -Authentication Basic `
                -ReportPath $jsonPath, $csvPath, $htmlPath -LogPath $logPath -OperationTimeoutSec 20 -TimeoutSec 600 `
                -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable runErrors -WarningAction SilentlyContinue
            $report = Get-Content -Raw -LiteralPath $jsonPath | ConvertFrom-Json
            $byName = @{}
            foreach ($entry in $report.targets) { $byName[$entry.computerName] = $entry }
        }

        It 'returns an outcome whose exit code is the report''s' {
            $outcome.Targets | Should -Be 50
            $outcome.ExitCode | Should -Be 12 -Because 'an unreachable and a non-admin host are in the fleet'
            $report.summary.exitCode | Should -Be $outcome.ExitCode
            @($outcome.ReportPath) | Should -Be @($jsonPath, $csvPath, $htmlPath)
        }

        It 'lists all 50 hosts in the JSON report, which validates against the shipped schema' {
            Assert-WholeFleetInJsonReport $jsonPath
        }

        It 'reports each described host as what it is' {
            $byName[(Get-FleetHost 'UNREACHABLE-01').ComputerName].status | Should -Be 'Unreachable'
            # nonadmin-01 refuses the fleet's account (a standard account there): nothing is scanned or attempted.
            $nonAdmin = $byName[(Get-FleetHost 'NONADMIN-01').ComputerName]
            $nonAdmin.status | Should -Be 'Failed'
            $nonAdmin.errors[0].errorId | Should -Be 'AuthenticationFailed'
            @($nonAdmin.actions) | Should -BeNullOrEmpty
            # nonadmin-02 lets the account read but not change: its removal fails and the app remains.
            $readOnly = $byName[(Get-FleetHost 'NONADMIN-02').ComputerName]
            $readOnly.status | Should -Be 'NonCompliant'
            @($readOnly.actions).Count | Should -BeGreaterOrEqual 1
            @($readOnly.actions | Where-Object outcome -NE 'Failed') | Should -BeNullOrEmpty
            $byName[(Get-FleetHost 'CLEAN-01').ComputerName].status | Should -Be 'Compliant'
            $byName[(Get-FleetHost 'STORE-01').ComputerName].status | Should -Be 'Remediated'
            # laptop-01's signed-out user's CapCut and the web app wait for their users: Scheduled, not NonCompliant.
            $laptop = $byName[(Get-FleetHost 'LAPTOP-01').ComputerName]
            $laptop.status | Should -Be 'Scheduled'
            # What waits for their users is a message, not an error.
            $waiting = @($laptop.actions | Where-Object outcome -EQ 'Scheduled')
            $waiting.Count | Should -BeGreaterOrEqual 1
            $waiting | ForEach-Object { $_.status | Should -Be 'Scheduled'; $_.message | Should -Not -BeNullOrEmpty; $_.error | Should -BeNullOrEmpty }
            @($laptop.actions | Where-Object outcome -EQ 'Removed').Count | Should -BeGreaterOrEqual 1
            $report.summary.scheduled | Should -BeGreaterOrEqual 1
        }

        It 'removed what it says it removed, on the simulated hosts' {
            $packages = Get-SimulatorPackage -Simulator $sim -ComputerName 'STORE-01'
            @($packages | Where-Object { "$($_.fullName)" -like 'BytedancePte.Ltd.TikTok_*' }) | Should -BeNullOrEmpty
            @($byName[(Get-FleetHost 'STORE-01').ComputerName].actions | Where-Object outcome -EQ 'Removed').Count | Should -BeGreaterOrEqual 1
        }

        It 'writes one error per failed host and per failed removal' {
            @($runErrors | Where-Object { $_.TargetObject -eq (Get-FleetHost 'UNREACHABLE-01').ComputerName }).Count | Should -Be 1
            $nonAdmin = (Get-FleetHost 'NONADMIN-01').ComputerName
            $hostErrors = @($runErrors | Where-Object { $_.TargetObject -eq $nonAdmin })
            $hostErrors.Count | Should -Be 1
            $hostErrors[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
            $hostErrors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $hostErrors[0].Exception.Message | Should -Match ([regex]::Escape($nonAdmin))
            # Nothing got past WinRM there: no registry read, no process started.
            @(Get-SimulatorOperation -Simulator $sim -ComputerName 'NONADMIN-01' | Where-Object result -NE '401') | Should -BeNullOrEmpty
            @(Get-SimulatorCommandLine -Simulator $sim -ComputerName 'NONADMIN-01') | Should -BeNullOrEmpty
            # nonadmin-02: one UninstallFailed per failed removal, saying access was denied; its app is still installed.
            $readOnly = (Get-FleetHost 'NONADMIN-02').ComputerName
            $removalErrors = @($runErrors | Where-Object { $_.FullyQualifiedErrorId -like 'UninstallFailed,*' -and $_.TargetObject.ComputerName -eq $readOnly })
            $removalErrors.Count | Should -Be @($byName[$readOnly].actions).Count
            $removalErrors[0].Exception.Message | Should -BeLike '*AccessDenied*'
            $uninstall = Get-SimulatorRegistry -Simulator $sim -ComputerName 'NONADMIN-02' -Path 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\TikTok LIVE Studio'
            $uninstall | Should -Not -BeNullOrEmpty
        }

        It 'lists all 50 hosts in the CSV report, formulas defused' {
            $rows = Import-Csv -LiteralPath $csvPath
            @($rows.ComputerName | Sort-Object -Unique) | Should -Be @($fleet.ComputerName | Sort-Object)
            @($rows | Where-Object { $_.AppName -match '^[=+\-@]' }) | Should -BeNullOrEmpty
        }

        It 'logs the run' {
            $log = Get-Content -Raw -LiteralPath $logPath
            $log | Should -Match 'run started by'
            $log | Should -Match ([regex]::Escape("Run ended. $($outcome.Summary)"))
        }

        Context 'the HTML report in headless chromium' {
            BeforeAll {
                $chromium = Get-Chromium
            }

            It 'has the tiles, the charts and one row per host' {
                if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
                $dom = Get-ChromiumRun -Chromium $chromium -Url (ConvertTo-FileUrl $htmlPath) -Arguments @('--dump-dom')
                foreach ($tile in 'targets', 'compliant', 'noncompliant', 'exempt', 'unreachable', 'failed', 'removed') {
                    $dom | Should -Match "id=`"tile-$tile`" data-count=`"\d+`""
                }
                $dom | Should -Match 'id="tile-targets" data-count="50"'
                $dom | Should -Match "id=`"tile-removed`" data-count=`"$($report.summary.removed)`""
                $dom | Should -Match '<svg[^>]*id="svg-status"'
                $dom | Should -Match '<svg[^>]*id="svg-apps"'
                ([regex]::Matches($dom, '<g class="bar" data-status="')).Count | Should -BeGreaterThan 1
                # The rows are built by the page's script from its data block: all 50 fit on the first page, so the
                # Content-Security-Policy let the script run and read the block.
                ([regex]::Matches($dom, '<tr class="host"')).Count | Should -Be 50
                $dom | Should -Match '50 of 50 hosts shown'
                $dom | Should -Match '<span id="page-info">rows 1-50, page 1 of 1</span>'
            }

            It 'filters the table from the link' {
                if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
                $unreachable = @($report.targets | Where-Object status -EQ 'Unreachable').Count
                $dom = Get-ChromiumRun -Chromium $chromium -Url ((ConvertTo-FileUrl $htmlPath) + '#status=Unreachable') -Arguments @('--dump-dom')
                $dom | Should -Match "$unreachable of 50 hosts shown"
                # Rows the filter leaves out are not built at all (they used to be hidden).
                ([regex]::Matches($dom, '<tr class="host" data-status="Unreachable">')).Count | Should -Be $unreachable
                ([regex]::Matches($dom, '<tr class="host"')).Count | Should -Be $unreachable
            }

            It 'takes a screenshot' {
                if (-not $chromium) { Set-ItResult -Skipped -Because "headless chromium cannot be had: $(Get-ChromiumProblem)"; return }
                $png = Join-Path $reportDir 'fleet.png'
                $null = Get-ChromiumRun -Chromium $chromium -Url (ConvertTo-FileUrl $htmlPath) -Arguments @("--screenshot=$png", '--window-size=1280,2400')
                $png | Should -Exist
                $bytes = [System.IO.File]::ReadAllBytes($png)
                $bytes.Length | Should -BeGreaterThan 10000
                @($bytes[0..3]) | Should -Be @(0x89, 0x50, 0x4E, 0x47)
            }
        }
    }

    Context 'generated scripts through their documented target parameters' {
        BeforeAll {
            $scriptDir = Join-Path $TestDrive 'generated'
            $null = Export-AppBanConfigMgrScript -Path $scriptDir
            $null = Export-AppBanIntuneScript -Path $scriptDir
            # The scripts import the module by name, as on an endpoint: give it a module folder named AppBan.
            $moduleRoot = Join-Path $TestDrive 'Modules'
            $null = New-Item -ItemType Directory -Path $moduleRoot
            $null = New-Item -ItemType SymbolicLink -Path (Join-Path $moduleRoot 'AppBan') -Target $repoRoot
            $scriptEnvironment = @{ PSModulePath = $moduleRoot + [System.IO.Path]::PathSeparator + $env:PSModulePath }

            # Runs a generated script in a new process against one simulated host, as the documented test parameters allow.
            function Get-ScriptRun([string] $Script, [string] $HostName, [string[]] $Extra = @()) {
                $target = Get-FleetHost $HostName
                Reset-SimulatorHost -Simulator $sim -Name $HostName
                $password = $target.Credential.GetNetworkCredential().Password -replace "'", "''"
                $runner = Join-Path $TestDrive 'run-generated.ps1'
                @"
`$credential = [pscredential]::new('$($target.Credential.UserName)', (ConvertTo-SecureString '$password' -AsPlainText -Force))
& '$(Join-Path $scriptDir $Script)' -ComputerName '$($target.ComputerName)' -Credential `$credential -Authentication Basic $($Extra -join ' ')
exit `$LASTEXITCODE
"@ | Set-Content -LiteralPath $runner
                Invoke-FreshPwsh -File $runner -Environment $scriptEnvironment
            }
        }

        It 'ConfigMgr discovery prints <Output> and exits <Code> for <HostName>' -ForEach @(
            @{ HostName = 'CLEAN-01'; Output = 'Compliant'; Code = 0 }
            @{ HostName = 'STORE-01'; Output = 'NonCompliant'; Code = 0 }
            @{ HostName = 'UNREACHABLE-01'; Output = ''; Code = 1 }
        ) {
            $run = Get-ScriptRun 'AppBan-ConfigMgr-Discovery.ps1' $HostName
            $run.ExitCode | Should -Be $Code -Because $run.StdErr
            $run.StdOut.Trim() | Should -BeExactly $Output
            if ($Code -ne 0) { $run.StdErr | Should -Match 'AppBan discovery failed on .*\(Unreachable\)' }
        }

        It 'ConfigMgr remediation on <HostName> exits <Code>' -ForEach @(
            @{ HostName = 'CLEAN-01'; Code = 0; Output = 'Exit 0 \(compliant\)' }
            @{ HostName = 'STORE-01'; Code = 0; Output = 'Exit 10 \(remediated, now compliant\)' }
            @{ HostName = 'UNREACHABLE-01'; Code = 1; Output = 'AppBan remediation failed on .*Exit 12' }
        ) {
            $run = Get-ScriptRun 'AppBan-ConfigMgr-Remediation.ps1' $HostName
            $run.ExitCode | Should -Be $Code -Because $run.StdErr
            if ($Code -eq 0) { $run.StdOut | Should -Match $Output } else { ($run.StdErr -replace '\s+', ' ') | Should -Match $Output }
        }

        It 'ConfigMgr Run Scripts answers <Result> for <Action> on <HostName>, under 4 KB of JSON' -ForEach @(
            @{ HostName = 'CLEAN-01'; Action = 'Detect'; Result = 'Compliant'; ExitCode = 0 }
            @{ HostName = 'STORE-01'; Action = 'Detect'; Result = 'NonCompliant'; ExitCode = 11 }
            @{ HostName = 'STORE-01'; Action = 'Remediate'; Result = 'Remediated'; ExitCode = 10 }
            @{ HostName = 'UNREACHABLE-01'; Action = 'Detect'; Result = 'Failed'; ExitCode = 12 }
        ) {
            $runner = Join-Path $TestDrive 'run-json.ps1'
            $run = Get-ScriptRun 'AppBan-ConfigMgr-RunScript.ps1' $HostName @('-Action', $Action, '| ConvertTo-Json')
            $run.ExitCode | Should -Be 0
            $run.StdOut.Length | Should -BeLessThan 4096
            $answer = $run.StdOut | ConvertFrom-Json
            $answer.Result | Should -Be $Result
            $answer.Action | Should -Be $Action
            $answer.ExitCode | Should -Be $ExitCode
        }

        It '<Script> exits <Code> for <HostName> with a one-line summary' -ForEach @(
            @{ Script = 'AppBan-Intune-Detection.ps1'; HostName = 'CLEAN-01'; Code = 0; Summary = '^AppBan: Compliant on ' }
            @{ Script = 'AppBan-Intune-Detection.ps1'; HostName = 'STORE-01'; Code = 1; Summary = '^AppBan: NonCompliant on .* - 2 violation\(s\)' }
            @{ Script = 'AppBan-Intune-Detection.ps1'; HostName = 'UNREACHABLE-01'; Code = 1; Summary = '^AppBan: Unreachable on ' }
            @{ Script = 'AppBan-Intune-Remediation.ps1'; HostName = 'CLEAN-01'; Code = 0; Summary = '^AppBan: Compliant on ' }
            @{ Script = 'AppBan-Intune-Remediation.ps1'; HostName = 'STORE-01'; Code = 0; Summary = '^AppBan: Remediated on ' }
            @{ Script = 'AppBan-Intune-Remediation.ps1'; HostName = 'LAPTOP-01'; Code = 1; Summary = '^AppBan: NonCompliant on ' }
            @{ Script = 'AppBan-Intune-Remediation.ps1'; HostName = 'UNREACHABLE-01'; Code = 1; Summary = '^AppBan: Failed on ' }
        ) {
            $run = Get-ScriptRun $Script $HostName
            $run.ExitCode | Should -Be $Code
            $run.StdErr | Should -BeNullOrEmpty
            $lines = @($run.StdOut -split '\r?\n' | Where-Object { $_ })
            $lines.Count | Should -Be 1
            $lines[-1].Length | Should -BeLessOrEqual 2048
            $lines[-1] | Should -Match $Summary
        }
    }

    Context 'Invoke-AppBanScheduled.ps1 against simulated hosts' {
        BeforeAll {
            $credentialPath = Join-Path $TestDrive 'fleet-credential.xml'
            $credential | Export-Clixml -LiteralPath $credentialPath
        }

        It 'exits <Code> (<Meaning>) for <HostName>' -ForEach @(
            @{ HostName = 'CLEAN-01'; Code = 0; Meaning = 'compliant' }
            @{ HostName = 'STORE-01'; Code = 10; Meaning = 'remediated, now compliant' }
            @{ HostName = 'LAPTOP-01'; Code = 11; Meaning = 'non-compliant remains' }
            @{ HostName = 'UNREACHABLE-01'; Code = 12; Meaning = 'some targets failed' }
        ) {
            $target = Get-FleetHost $HostName
            Reset-SimulatorHost -Simulator $sim -Name $HostName
            $report = Join-Path $TestDrive "scheduled-$HostName-{date}.json"
            $run = Invoke-FreshPwsh -File $wrapperPath -ArgumentList @('-ComputerName', $target.ComputerName, '-CredentialPath', $credentialPath,
                '-Authentication', 'Basic', '-ReportPath', $report, '-OperationTimeoutSec', '20')
            $run.ExitCode | Should -Be $Code -Because "$($run.StdOut) $($run.StdErr)"
            $run.StdOut | Should -Match ([regex]::Escape("Exit $Code ($Meaning"))
            $written = @(Get-ChildItem -LiteralPath $TestDrive -Filter "scheduled-$HostName-*.json")
            $written.Count | Should -Be 1
            $written[0].Name | Should -Match "^scheduled-$HostName-\d{8}-\d{6}\.json$"
            (Get-Content -Raw -LiteralPath $written[0].FullName | ConvertFrom-Json).summary.exitCode | Should -Be $Code
        }
    }
}
