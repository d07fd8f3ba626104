#Requires -Version 7.0
<#
    Reports, unattended runs and the ConfigMgr and Intune scripts. Run build.ps1 Build first.
#>

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $manifest = Join-Path $repoRoot 'AppBan.psd1'
    Import-Module $manifest -Force
    $schemaPath = Join-Path $repoRoot 'module/AppBan.report.schema.json'
    $wrapperPath = Join-Path $repoRoot 'module/Invoke-AppBanScheduled.ps1'

    # The command line that starts this same PowerShell (pwsh, or 'dotnet pwsh.dll' as the tool runs it).
    function Get-TestPwshCommandLine {
        $process = (Get-Process -Id $PID).Path
        if ([System.IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { @($process, [Environment]::GetCommandLineArgs()[0]) } else { @($process) }
    }

    # Runs a script with 'pwsh -File' in a new process, with the environment given added to this one's.
    function Get-PwshFileRun {
        param([string] $Path, [string[]] $Arguments = @(), [hashtable] $Environment = @{})
        $commandLine = @(Get-TestPwshCommandLine)
        $startInfo = [System.Diagnostics.ProcessStartInfo]::new($commandLine[0])
        foreach ($argument in ($commandLine | Select-Object -Skip 1)) { $startInfo.ArgumentList.Add($argument) }
        foreach ($argument in @('-NoProfile', '-NonInteractive', '-File', $Path) + $Arguments) { $startInfo.ArgumentList.Add($argument) }
        foreach ($key in $Environment.Keys) { $startInfo.Environment[$key] = $Environment[$key] }
        $startInfo.UseShellExecute = $false
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $startInfo.RedirectStandardInput = $true
        $process = [System.Diagnostics.Process]::Start($startInfo)
        try {
            $process.StandardInput.Close()
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            $process.WaitForExit()
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                StdOut   = $stdout.GetAwaiter().GetResult()
                StdErr   = $stderr.GetAwaiter().GetResult()
            }
        } finally {
            $process.Dispose()
        }
    }

    # Debian's chromium, installed with apt-get when it is missing and this is a Debian-like system run as root.
    # Returns the executable, or $null with the reason in $script:ChromiumProblem.
    function Get-Chromium {
        $names = 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'
        $found = $names | ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
        if ($found) { return $found.Source }
        if (-not $IsLinux -or -not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) {
            $script:ChromiumProblem = 'chromium is not installed and apt-get is not available here'
            return $null
        }
        if ((& id -u) -ne '0') {
            $script:ChromiumProblem = 'chromium is not installed and installing it needs root'
            return $null
        }
        $log = Join-Path ([System.IO.Path]::GetTempPath()) 'appban-chromium-install.log'
        $env:DEBIAN_FRONTEND = 'noninteractive'
        & apt-get update *> $log
        & apt-get install -y chromium *>> $log
        $found = $names | ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
        if ($found) { return $found.Source }
        $script:ChromiumProblem = "apt-get could not install chromium (see $log)"
        $null
    }

    # A file:// URL for a local path ([uri] casts leave Unix paths relative).
    function ConvertTo-FileUrl([string] $Path) {
        $builder = [System.UriBuilder]::new()
        $builder.Scheme = 'file'
        $builder.Host = ''
        $builder.Path = $Path
        $builder.Uri.AbsoluteUri
    }

    # Runs headless chromium on a local file with a fresh profile and no network features; returns stdout.
    function Get-ChromiumRun {
        param([string] $Chromium, [string] $Url, [string[]] $Arguments)
        $userData = Join-Path ([System.IO.Path]::GetTempPath()) ('appban-chromium-' + [guid]::NewGuid().ToString('N'))
        $startInfo = [System.Diagnostics.ProcessStartInfo]::new($Chromium)
        foreach ($argument in @('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--no-first-run', "--user-data-dir=$userData") + $Arguments + @($Url)) {
            $startInfo.ArgumentList.Add($argument)
        }
        $startInfo.UseShellExecute = $false
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($startInfo)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $null = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit(120000)) { $process.Kill($true); throw "chromium did not finish with $Url" }
            $stdout.GetAwaiter().GetResult()
        } finally {
            $process.Dispose()
            Remove-Item -LiteralPath $userData -Recurse -Force -ErrorAction Ignore
        }
    }

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
        $report.summary.exitCode | Should -Be 3
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
        $ready = Join-Path $TestDrive 'ready'
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Manifest, $Path, $Ready)
                    Import-Module $Manifest
                    & {
                        [pscustomobject]@{ ComputerName = 'pc-1'; Status = 'Compliant' }
                        [pscustomobject]@{ ComputerName = 'pc-2'; Status = 'Unreachable'; Error = 'pc-2: refused' }
                        Set-Content -LiteralPath $Ready -Value 'ready'
                        Start-Sleep -Seconds 120
                        [pscustomobject]@{ ComputerName = 'pc-3'; Status = 'Compliant' }
                    } | Export-AppBanReport -Path $Path
                }).AddArgument($manifest).AddArgument($path).AddArgument($ready)
            $async = $ps.BeginInvoke()
            while (-not (Test-Path -LiteralPath $ready) -and -not $async.IsCompleted) { Start-Sleep -Milliseconds 100 }
            $ps.Stop()
            $streams = ($ps.Streams.Error | Out-String) + ($ps.InvocationStateInfo.Reason | Out-String)
        } finally {
            $ps.Dispose()
        }
        $path | Should -Exist -Because "the stopped pipeline must leave its report ($streams)"
        $report = Get-Content -Raw -LiteralPath $path | ConvertFrom-Json
        $report.run.cancelled | Should -BeTrue
        @($report.targets.computerName) | Should -Be @('pc-1', 'pc-2')
        Test-Json -Json (Get-Content -Raw -LiteralPath $path) -SchemaFile $schemaPath | Should -BeTrue
    }
}

Describe 'Generated ConfigMgr and Intune scripts' {
    BeforeAll {
        $scriptDir = Join-Path $TestDrive 'scripts'
        $configMgr = Export-AppBanConfigMgrScript -Path $scriptDir
        $intune = Export-AppBanIntuneScript -Path $scriptDir
        $generated = @($configMgr) + @($intune)
        $hygiene = Join-Path $repoRoot 'tests/TestHelpers/ScriptHygiene.psm1'
        if (Test-Path -LiteralPath $hygiene) { Import-Module $hygiene -Force }
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
        if (Get-Command Get-ScriptHygieneViolation -ErrorAction Ignore) {
            @(Get-ScriptHygieneViolation -Path $path -ModuleCode) | Should -BeNullOrEmpty
        }
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
    It 'exits 4 on bad input: <Case>' -ForEach @(
        @{ Case = 'an unknown parameter'; Arguments = @('-Bogus', 'x'); Message = 'unknown parameter -Bogus' }
        @{ Case = 'a parameter without its value'; Arguments = @('-PolicyPath'); Message = '-PolicyPath needs a value' }
        @{ Case = 'a malformed number'; Arguments = @('-ThrottleLimit', 'many'); Message = '-ThrottleLimit must be a whole number' }
        @{ Case = 'a stray argument'; Arguments = @('pc1'); Message = "unexpected argument 'pc1'" }
        @{ Case = 'a missing computer list'; Arguments = @('-ComputerListPath', '/nonexistent/fleet.txt'); Message = 'cannot read the computer list' }
        @{ Case = 'a missing credential file'; Arguments = @('-CredentialPath', '/nonexistent/cred.xml'); Message = 'cannot read the credential file' }
        @{ Case = 'a missing policy file'; Arguments = @('-PolicyPath', '/nonexistent/policy.json', '-ComputerName', '127.0.0.1:1'); Message = 'does not exist' }
    ) {
        $run = Get-PwshFileRun -Path $wrapperPath -Arguments $Arguments
        $run.ExitCode | Should -Be 4 -Because "$($run.StdOut) $($run.StdErr)"
        $run.StdErr | Should -Match ([regex]::Escape($Message))
    }

    It 'logs a bad-input exit to -LogPath' {
        $log = Join-Path $TestDrive 'bad.log'
        $run = Get-PwshFileRun -Path $wrapperPath -Arguments @('-LogPath', $log, '-Nope')
        $run.ExitCode | Should -Be 4
        Get-Content -Raw -LiteralPath $log | Should -Match 'Exit 4: bad input: unknown parameter -Nope'
    }
}
