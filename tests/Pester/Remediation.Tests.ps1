#Requires -Version 7.0
# Remove-BannedApp against the simulated fleet: the state each host is left in, what ran, and what never ran.
# Run build.ps1 Build first.

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $RepoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $RepoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force

    $script:Simulator = Start-AppBanSimulator -HostPath 'laptop-01.json', 'malicious-01.json', (Join-Path $RepoRoot 'tests/hosts/remediation')

    $Uninstall64 = 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    $LiveStudioCode = '{5B0C2F7A-1D3E-4A6B-9C8D-7E6F5A4B3C21}'
    $TikTokPackage = 'BytedancePte.Ltd.TikTok_1.0.1.0_x64__6yccndn6064se'
    $Alice = 'S-1-5-21-3623811015-3361044348-30300820-1013'
    $Bob = 'S-1-5-21-3623811015-3361044348-30300820-1014'

    function Get-SimulatedHost([string] $Name) { $script:Simulator.Hosts | Where-Object Name -EQ $Name }

    # Connection parameters for one simulated host, with its administrator account.
    function Get-Target([string] $Name) {
        $simulated = Get-SimulatedHost $Name
        @{ ComputerName = $simulated.ComputerName; Credential = $simulated.Credential; Authentication = 'Basic' }
    }

    # Everything a removal could change on a host: the HKLM and HKU registry and the Store packages.
    function Get-HostState([string] $Name) {
        [pscustomobject]@{
            Hklm     = Get-SimulatorRegistry -ComputerName $Name -Path 'HKLM\SOFTWARE' | ConvertTo-Json -Depth 100 -Compress
            Hku      = Get-SimulatorRegistry -ComputerName $Name -Path 'HKU' | ConvertTo-Json -Depth 100 -Compress
            Packages = Get-SimulatorPackage -ComputerName $Name | ConvertTo-Json -Depth 10 -Compress
        }
    }

    # Every UninstallString and QuietUninstallString on a host, as its registry holds them.
    function Get-RegistryCommandLine([string] $Name) {
        $pending = [System.Collections.Generic.Stack[object]]::new()
        foreach ($root in $Uninstall64, 'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall', 'HKU') {
            $key = Get-SimulatorRegistry -ComputerName $Name -Path $root
            if ($key) { $pending.Push($key) }
        }
        while ($pending.Count -gt 0) {
            $key = $pending.Pop()
            if ($key.values) {
                foreach ($value in $key.values.PSObject.Properties) {
                    if ($value.Name -in 'UninstallString', 'QuietUninstallString') { $value.Value.value }
                }
            }
            foreach ($child in @($key.keys)) { if ($child) { $pending.Push($child) } }
        }
    }
}

AfterAll {
    if ($script:Simulator) { Stop-AppBanSimulator $script:Simulator }
}

Describe 'Remove-BannedApp' {
    It 'has ConfirmImpact High and supports -WhatIf and -Confirm' {
        $command = Get-Command Remove-BannedApp
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be ([System.Management.Automation.ConfirmImpact]::High)
        $attribute.SupportsShouldProcess | Should -BeTrue
        $command.Parameters.Keys | Should -Contain 'WhatIf'
    }

    It 'stops before any work on a rule the policy does not have' {
        $target = Get-Target REM-MSI-3010
        Reset-SimulatorHost -ComputerName REM-MSI-3010
        { Remove-BannedApp @target -Rule 'no-such-rule' -Force } | Should -Throw -ErrorId 'UnknownRule,*'
        Get-SimulatorOperation -ComputerName REM-MSI-3010 | Should -BeNullOrEmpty
    }

    It 'refuses -ComputerName together with findings from the pipeline' {
        Reset-SimulatorHost -ComputerName LAPTOP-01
        $laptop = Get-Target LAPTOP-01
        $findings = @(Get-BannedApp @laptop)
        $findings.Count | Should -BeGreaterThan 0
        { $findings | Remove-BannedApp @laptop -Force } | Should -Throw -ErrorId 'ComputerNameWithFindings,*'
        Get-SimulatorCommandLine -ComputerName LAPTOP-01 | Should -BeNullOrEmpty
    }

    Context 'on the sample laptop, findings from Get-BannedApp' {
        BeforeAll {
            Reset-SimulatorHost -ComputerName LAPTOP-01
            $target = Get-Target LAPTOP-01
            $findings = @(Get-BannedApp @target)
            $results = @($findings | Remove-BannedApp -Credential $target.Credential -Authentication Basic -Force)
            $after = @(Get-BannedApp @target)
            $commands = @(Get-SimulatorCommandLine -ComputerName LAPTOP-01 -Detailed)
        }

        It 'found violations to remove' {
            @($findings | Where-Object Status -EQ 'Violation').Count | Should -BeGreaterThan 2
        }

        It 'gives one result per finding' {
            $results.Count | Should -Be $findings.Count
            @($results | Group-Object { "$($_.Kind)|$($_.AppName)|$($_.UserSid)" } | Where-Object Count -GT 1) | Should -BeNullOrEmpty
        }

        It 'removes every machine-wide and Store violation, as the re-scan confirms' {
            $removable = @($results | Where-Object { $_.Kind -in 'Msi', 'Exe', 'StoreApp', 'ProvisionedStoreApp' -and $_.Scope -eq 'Machine' -or $_.Kind -eq 'StoreApp' })
            $removable.Count | Should -BeGreaterOrEqual 3
            $removable | ForEach-Object { $_.Status | Should -BeIn 'Removed', 'RebootRequired' -Because "$($_.AppName) ($($_.Kind)) should be gone: $($_.Error)" }
            @($after | Where-Object { $_.Status -eq 'Violation' -and -not $_.FromUserWritableLocation }) | Should -BeNullOrEmpty
        }

        It 'deletes TikTok LIVE Studio''s uninstall key through its electron-builder uninstaller, unattended' {
            Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "$Uninstall64\TikTok LIVE Studio" | Should -BeNullOrEmpty
            $live = $results | Where-Object AppName -EQ 'TikTok LIVE Studio'
            $live.Method | Should -Be 'KnownUninstaller'
            $live.CommandLine | Should -Be '"C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe" /S'
        }

        It 'removes the TikTok Store app for its user and from provisioning' {
            $tiktok = Get-SimulatorPackage -ComputerName LAPTOP-01 | Where-Object fullName -Like 'BytedancePte.Ltd.TikTok_*'
            $tiktok | Should -BeNullOrEmpty -Because 'the package had one user and a provisioned copy, and both are removed'
            ($results | Where-Object Kind -EQ 'StoreApp').Method | Should -Be 'StoreAppForUser'
            ($results | Where-Object Kind -EQ 'ProvisionedStoreApp').Status | Should -Be 'Removed'
            @($commands | Where-Object commandLine -Like '*-AllUsers*') | Should -BeNullOrEmpty
        }

        It 'removes a per-user install as its own user and a web app by browser policy, and runs nothing of theirs elevated' {
            $perUser = @($results | Where-Object Scope -EQ 'User' | Where-Object Kind -NE 'StoreApp')
            $perUser.Count | Should -BeGreaterOrEqual 2
            $perUser | ForEach-Object {
                $_.Message | Should -Not -BeNullOrEmpty
                $_.Error | Should -BeNullOrEmpty
            }
            ($perUser | Where-Object Kind -EQ 'WebApp').Method | Should -Be 'BrowserPolicy'
            ($perUser | Where-Object Kind -EQ 'WebApp').Status | Should -Be 'Scheduled' -Because 'Edge applies the policy when alex next starts it'
            @($commands | Where-Object elevated | Where-Object { $_.commandLine -match 'uninst\.exe|msedge\.exe|--uninstall-app-id' }) | Should -BeNullOrEmpty
            $sams = @($commands | Where-Object { $_.commandLine -match 'CapCut' })
            $sams.Count | Should -Be 1
            $sams[0].source | Should -BeLike 'task:\AppBan\AppBan-*'
            $sams[0].user | Should -Be 'LAPTOP-01\sam'
            $sams[0].elevated | Should -BeFalse
            Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKU\S-1-5-21-3623811015-3361044348-30300820-1002\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut' |
                Should -BeNullOrEmpty -Because 'sam is signed in, so the task ran at once in his session'
            Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKU\S-1-5-21-3623811015-3361044348-30300820-1001\Software\Policies\Microsoft\Edge\URLBlocklist' |
                Should -Not -BeNullOrEmpty
        }

        It 'says how sam''s own CapCut went in Message, and leaves Error empty' {
            $capCut = @($results | Where-Object AppName -EQ 'CapCut')
            $capCut.Count | Should -Be 1
            $capCut[0].Status | Should -Be 'Removed'
            $capCut[0].Method | Should -Be 'UserTask'
            $capCut[0].Scope | Should -Be 'User'
            $capCut[0].Message | Should -Match 'sam'
            $capCut[0].Error | Should -BeNullOrEmpty
            $capCut[0].CommandLine | Should -Be '"C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe" /S'
        }

        It 'runs only the commands it builds, through the exit-code wrapper, and cleans up after it' {
            $elevated = @($commands | Where-Object source -EQ 'Win32_Process')
            $elevated.Count | Should -Be 3
            $elevated | ForEach-Object { $_.commandLine | Should -Match '^cmd\.exe /d /v:on /s /c "' }
            @($commands | Where-Object source -NE 'Win32_Process') | ForEach-Object { $_.elevated | Should -BeFalse }
            @((Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\AppBan\Runs').keys) | Where-Object { $_ } | Should -BeNullOrEmpty
        }
    }

    Context 'with planted malicious uninstall entries' {
        BeforeAll {
            $results = @{}
            $commandsRun = @{}
            $registryCommands = @{}
            foreach ($name in 'MALICIOUS-01', 'REM-INJECT') {
                Reset-SimulatorHost -ComputerName $name
                $registryCommands[$name] = @(Get-RegistryCommandLine $name)
                $target = Get-Target $name
                $results[$name] = @(Remove-BannedApp @target -Force -WarningAction SilentlyContinue)
                $commandsRun[$name] = @(Get-SimulatorCommandLine -ComputerName $name -Detailed)
            }
        }

        It '<_> reports every planted entry as Refused, left to its user, or handed to a task that runs as that user' -ForEach 'MALICIOUS-01', 'REM-INJECT' {
            $name = $_
            $results[$name].Count | Should -BeGreaterOrEqual 5
            $results[$name] | ForEach-Object {
                if ($_.Method -eq 'UserTask') {
                    $_.Scope | Should -Be 'User'
                    $_.CommandLine | Should -Match '^"[A-Z]:\\[^"&|<>^%!]+\.exe"( [^&|<>^%!]*)?$'
                    $_.Status | Should -BeIn 'Removed', 'Scheduled', 'Failed'
                } elseif ($_.Method -eq 'BrowserPolicy') {
                    $_.Status | Should -BeIn 'Removed', 'Scheduled'
                    $_.CommandLine | Should -BeNullOrEmpty
                } else {
                    $_.Status | Should -BeIn 'Refused', 'RequiresUserAction'
                    # A refusal is for an administrator (Error); a per-user entry is for its user (Message).
                    if ($_.Status -eq 'Refused') { $_.Error | Should -Not -BeNullOrEmpty; $_.Message | Should -BeNullOrEmpty }
                    else { $_.Message | Should -Not -BeNullOrEmpty; $_.Error | Should -BeNullOrEmpty }
                    $_.CommandLine | Should -BeNullOrEmpty
                }
            }
        }

        It '<_> never executes a command line taken from the registry with more rights than its owner' -ForEach 'MALICIOUS-01', 'REM-INJECT' {
            $name = $_
            $registryCommands[$name].Count | Should -BeGreaterOrEqual 5 -Because 'the host carries planted uninstall strings'
            $elevated = @($commandsRun[$name] | Where-Object elevated | ForEach-Object { $_.commandLine; $_.executed })
            foreach ($line in $registryCommands[$name]) {
                @($elevated | Where-Object { $_ -and $_.Contains($line) }) | Should -BeNullOrEmpty -Because "'$line' came from the registry"
            }
            @($commandsRun[$name] | Where-Object elevated) | Should -BeNullOrEmpty
            $users = @{}
            foreach ($u in (Get-SimulatorUser -ComputerName $name)) { $users[$u.sid] = $u.name }
            foreach ($run in $commandsRun[$name]) {
                $run.source | Should -BeLike 'task:\AppBan\AppBan-*'
                $users.ContainsKey($run.sid) | Should -BeTrue -Because "$($run.commandLine) must run as a user of the machine, not $($run.user)"
                $run.commandLine | Should -Not -Match '[&|<>^]'
            }
        }

        It 'refuses the machine-wide injections with the reason' {
            $refused = @($results['REM-INJECT'] | Where-Object Status -EQ 'Refused')
            # Four machine-wide injections, and alice's own cmd.exe entry, from which no task is built.
            $refused.Count | Should -Be 5
            ($refused.Error -join "`n") | Should -Match 'no task is built from'
            # bob's own MSI entry reached nothing elevated: at most a task that ran msiexec as bob.
            @($commandsRun['REM-INJECT'] | Where-Object elevated) | Should -BeNullOrEmpty
            @($commandsRun['REM-INJECT'] | Where-Object { -not $_.elevated }) | ForEach-Object { $_.user | Should -Be 'REM-INJECT\bob' }
            ($refused.Error -join "`n") | Should -Match 'metacharacter'
            ($refused.Error -join "`n") | Should -Match 'UNC'
            ($refused.Error -join "`n") | Should -Match 'not under Program Files'
            ($refused.Error -join "`n") | Should -Match 'no product code'
        }
    }

    Context 'with -WhatIf' {
        BeforeAll {
            $names = @($script:Simulator.Hosts | ForEach-Object Name)
            $before = @{}
            foreach ($name in $names) { Reset-SimulatorHost -ComputerName $name; $before[$name] = Get-HostState $name }
            $output = @{}
            foreach ($name in $names) {
                $target = Get-Target $name
                $output[$name] = @(Remove-BannedApp @target -WhatIf -WarningAction SilentlyContinue)
                # -Force answers the confirmation, never -WhatIf.
                $output[$name] += @(Remove-BannedApp @target -WhatIf -Force -WarningAction SilentlyContinue)
            }
            $laptop = Get-Target LAPTOP-01
            $output['LAPTOP-01'] += @(Get-BannedApp @laptop | Remove-BannedApp -Credential $laptop.Credential -Authentication Basic -WhatIf -Force)
        }

        It 'runs no command on <_>' -ForEach @('LAPTOP-01', 'MALICIOUS-01', 'REM-INJECT', 'REM-MSI-1603', 'REM-MSI-3010', 'REM-MSI-1618', 'REM-EXE-HANG', 'REM-STORE') {
            Get-SimulatorCommandLine -ComputerName $_ | Should -BeNullOrEmpty
        }

        It 'changes no registry value and no package on <_>' -ForEach @('LAPTOP-01', 'MALICIOUS-01', 'REM-INJECT', 'REM-MSI-1603', 'REM-MSI-3010', 'REM-MSI-1618', 'REM-EXE-HANG', 'REM-STORE') {
            $now = Get-HostState $_
            $now.Hklm | Should -BeExactly $before[$_].Hklm
            $now.Hku | Should -BeExactly $before[$_].Hku
            $now.Packages | Should -BeExactly $before[$_].Packages
        }

        It 'reports no removal' {
            $all = @($output.Values | ForEach-Object { $_ })
            @($all | Where-Object Status -In 'Removed', 'RebootRequired', 'Failed', 'TimedOut', 'AlreadyAbsent') | Should -BeNullOrEmpty
        }
    }

    Context 'exit codes' {
        It '1603 gives Failed with an error record' {
            Reset-SimulatorHost -ComputerName REM-MSI-1603
            $target = Get-Target REM-MSI-1603
            $result = Remove-BannedApp @target -Force -ErrorVariable failures -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $result.ExitCode | Should -Be 1603
            $result.CommandLine | Should -Be "msiexec.exe /x $LiveStudioCode /qn /norestart"
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'UninstallFailed,*'
            $failures[0].Exception.Message | Should -BeLike "*$($target.ComputerName)*1603*"
            $failures[0].TargetObject.AppName | Should -Be 'TikTok LIVE Studio'
            Get-SimulatorRegistry -ComputerName REM-MSI-1603 -Path "$Uninstall64\$LiveStudioCode" | Should -Not -BeNullOrEmpty
        }

        It '3010 gives RebootRequired' {
            Reset-SimulatorHost -ComputerName REM-MSI-3010
            $target = Get-Target REM-MSI-3010
            $result = Remove-BannedApp @target -Force
            $result.Status | Should -Be 'RebootRequired'
            $result.RebootRequired | Should -BeTrue
            $result.ExitCode | Should -Be 3010
            $result.Message | Should -Match 'restart \(3010\)'
            $result.Error | Should -BeNullOrEmpty
            Get-SimulatorRegistry -ComputerName REM-MSI-3010 -Path "$Uninstall64\$LiveStudioCode" | Should -BeNullOrEmpty
        }

        It 'a hanging uninstaller gives TimedOut within the timeout' {
            Reset-SimulatorHost -ComputerName REM-EXE-HANG
            $target = Get-Target REM-EXE-HANG
            $result = Remove-BannedApp @target -Force -OperationTimeoutSec 3 -ErrorVariable failures -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'TimedOut'
            $result.ExitCode | Should -BeNullOrEmpty
            # Bounded: the wait stops at the timeout rather than waiting for the uninstaller.
            $result.Duration.TotalSeconds | Should -BeLessThan 15
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'UninstallTimedOut,*'
            $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            @(Get-SimulatorCommandLine -ComputerName REM-EXE-HANG -Detailed | Where-Object finished).Count | Should -Be 0
        }

        It '1618 is retried until the other installation ends, then succeeds' {
            Reset-SimulatorHost -ComputerName REM-MSI-1618
            $target = Get-Target REM-MSI-1618
            # Another installation holds the Windows Installer: an unrelated product's removal, started directly.
            $cimTarget = [AppBan.Engine.Cim.CimTarget]::Parse($target.ComputerName)
            $cimTarget.Authentication = 'Basic'
            $cimTarget.Credential = $target.Credential.GetNetworkCredential()
            $session = [AppBan.Engine.Cim.CimSessionFactory]::new().Create($cimTarget)
            try {
                $started = [AppBan.Engine.Cim.ProcessClient]::new($session).CreateAsync(
                    'msiexec.exe /x {0E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B} /qn /norestart', [System.Threading.CancellationToken]::None).GetAwaiter().GetResult()
                $started.Started | Should -BeTrue
            } finally { $session.Dispose() }

            $result = Remove-BannedApp @target -Rule tiktok-live-studio -Force
            $result.Status | Should -Be 'Removed'
            $result.ExitCode | Should -Be 0
            $result.Attempts | Should -BeGreaterOrEqual 2
            $ours = @(Get-SimulatorCommandLine -ComputerName REM-MSI-1618 -Detailed | Where-Object { $_.commandLine -like "*$LiveStudioCode*" })
            $ours.Count | Should -Be $result.Attempts
            $ours[0].executed[-1] | Should -Match '/d 1618 /f$'
            $ours[-1].executed[-1] | Should -Match '/d 0 /f$'
            Get-SimulatorRegistry -ComputerName REM-MSI-1618 -Path "$Uninstall64\$LiveStudioCode" | Should -BeNullOrEmpty
        }
    }

    Context 'the Store -AllUsers fallback' {
        BeforeAll {
            $Carol = 'S-1-5-21-3623811015-3361044348-30300820-1021'
            $Dave = 'S-1-5-21-3623811015-3361044348-30300820-1022'
        }

        It 'takes no copy of a user whose finding was not piped' {
            Reset-SimulatorHost -ComputerName REM-STORE-TWO
            $target = Get-Target REM-STORE-TWO
            $findings = @(Get-BannedApp @target | Where-Object UserSid -EQ $Carol)
            $findings.Count | Should -Be 1

            $result = $findings | Remove-BannedApp -Credential $target.Credential -Authentication Basic -Force -ErrorVariable failures -ErrorAction SilentlyContinue
            # The elevated -User removal left it and -AllUsers may not run: Carol's own task removes her copy, and only hers.
            $result.Status | Should -Be 'Removed'
            $failures | Should -BeNullOrEmpty
            $result.Method | Should -Be 'UserTask'
            $result.Message | Should -Match 'the -AllUsers fallback did not run: the package is also installed for S-1-5-21-3623811015-3361044348-30300820-1022'
            @(Get-SimulatorCommandLine -ComputerName REM-STORE-TWO | Where-Object { $_ -like '*-AllUsers*' }) | Should -BeNullOrEmpty
            $own = @(Get-SimulatorCommandLine -ComputerName REM-STORE-TWO -Detailed | Where-Object source -Like 'task:*')
            $own.Count | Should -Be 1
            $own[0].sid | Should -Be $Carol
            $own[0].elevated | Should -BeFalse
            $own[0].commandLine | Should -Not -Match '-User|-AllUsers'
            $users = @((Get-SimulatorPackage -ComputerName REM-STORE-TWO | Where-Object fullName -EQ $TikTokPackage).users)
            $users | Should -Contain $Dave
            $users | Should -Not -Contain $Carol
        }

        It 'runs once every user holding the package was approved' {
            Reset-SimulatorHost -ComputerName REM-STORE-TWO
            $target = Get-Target REM-STORE-TWO
            $results = @(Get-BannedApp @target | Remove-BannedApp -Credential $target.Credential -Authentication Basic -Force)
            $results | Where-Object Method -EQ 'StoreAppForAllUsers' | Select-Object -ExpandProperty Status | Should -Contain 'Removed'
            @(Get-SimulatorCommandLine -ComputerName REM-STORE-TWO | Where-Object { $_ -like '*-AllUsers*' }).Count | Should -Be 1
            (Get-SimulatorPackage -ComputerName REM-STORE-TWO | Where-Object fullName -EQ $TikTokPackage).users | Should -BeNullOrEmpty
        }
    }

    Context 'exemptions and the grace period' {
        It 'never removes an exempt finding, and keeps the exempt user''s copy' {
            Reset-SimulatorHost -ComputerName REM-STORE
            $target = Get-Target REM-STORE
            $results = @(Remove-BannedApp @target -Force)
            $bobs = $results | Where-Object UserSid -EQ $Bob
            $bobs.Status | Should -Be 'SkippedExempt'
            $bobs.Message | Should -Match 'exempt by'
            $bobs.Error | Should -BeNullOrEmpty
            ($results | Where-Object UserSid -EQ $Alice).Status | Should -Be 'Removed'
            ($results | Where-Object Kind -EQ 'ProvisionedStoreApp').Status | Should -Be 'Removed'
            $package = Get-SimulatorPackage -ComputerName REM-STORE | Where-Object fullName -EQ $TikTokPackage
            @($package.users) | Should -Be @($Bob)
            $package.provisioned | Should -BeFalse
            @(Get-SimulatorCommandLine -ComputerName REM-STORE | Where-Object { $_ -like "*$Bob*" -or $_ -like '*-AllUsers*' }) | Should -BeNullOrEmpty
        }

        It 'honours an exemption granted after the scan, over the older finding' {
            Reset-SimulatorHost -ComputerName REM-STORE
            $target = Get-Target REM-STORE
            $findings = @(Get-BannedApp @target)
            $stale = @($findings | Where-Object UserSid -EQ $Alice)
            $stale.Count | Should -Be 1
            $stale[0].Status | Should -Be 'Violation'
            $null = Grant-AppExemption @target -Rule tiktok-store -User $Alice -Reason 'Granted after the scan' -ApprovedBy 'CISO' -Confirm:$false
            Reset-SimulatorHost -ComputerName REM-STORE -CountersOnly

            $result = $stale | Remove-BannedApp -Credential $target.Credential -Authentication Basic -Force
            $result.Status | Should -Be 'SkippedExempt'
            Get-SimulatorCommandLine -ComputerName REM-STORE | Should -BeNullOrEmpty
            @((Get-SimulatorPackage -ComputerName REM-STORE | Where-Object fullName -EQ $TikTokPackage).users) | Should -Contain $Alice
        }

        It 'removes grace-period findings only with -IncludeGracePeriod' {
            Reset-SimulatorHost -ComputerName REM-MSI-3010
            $target = Get-Target REM-MSI-3010
            $policy = Join-Path $TestDrive 'phase-out.json'
            $json = (Get-Content -Raw (Join-Path $RepoRoot 'src/AppBan.Engine/Policy/BuiltInPolicy.json')) -replace '"enforceAfter": null', '"enforceAfter": "2099-01-01T00:00:00Z"'
            Set-Content -LiteralPath $policy -Value $json -Encoding utf8NoBOM

            $output = @(Remove-BannedApp @target -PolicyPath $policy -Force -Verbose 4>&1)
            $skipped = @($output | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $skipped.Count | Should -Be 1
            $skipped[0].Status | Should -Be 'SkippedGracePeriod'
            $skipped[0].Message | Should -Match '2099-01-01'
            $skipped[0].Error | Should -BeNullOrEmpty
            @($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*SkippedGracePeriod*' }).Message |
                Should -Match '2099-01-01'
            Get-SimulatorCommandLine -ComputerName REM-MSI-3010 | Should -BeNullOrEmpty

            $removed = Remove-BannedApp @target -PolicyPath $policy -IncludeGracePeriod -Force
            $removed.Status | Should -Be 'RebootRequired'
        }
    }

    Context 'on 100 hosts with ThrottleLimit 16' {
        BeforeAll {
            $fleetDir = Join-Path $TestDrive 'fleet'
            New-Item -ItemType Directory -Path $fleetDir | Out-Null
            foreach ($i in 1..100) {
                $name = 'FLEET-{0:000}' -f $i
                $sid = "S-1-5-21-1000-2000-3000-$(1000 + $i)"
                $hostFile = [ordered]@{
                    schemaVersion   = 1
                    computerName    = $name
                    accounts        = @(@{ user = 'fleet-admin'; password = 'Fleet-Simulated!'; isAdmin = $true })
                    users           = @(@{ sid = $sid; name = "user$i"; hiveLoaded = $true })
                    uninstallEntries = @(
                        @{ view = '64'; key = $LiveStudioCode; values = @{ DisplayName = 'TikTok LIVE Studio'; DisplayVersion = '0.56.4'; Publisher = 'Bytedance Pte. Ltd.'; WindowsInstaller = 1; UninstallString = "MsiExec.exe /X$LiveStudioCode" } }
                        @{ view = 'user'; user = $sid; key = 'CapCut'; values = @{ DisplayName = 'CapCut'; Publisher = 'Bytedance Pte. Ltd.'; UninstallString = "`"C:\Users\user$i\AppData\Local\CapCut\uninst.exe`"" } }
                    )
                    msiProducts     = @(@{ productCode = $LiveStudioCode; exitCode = 0; durationMs = 100 })
                    # CapCut's uninstaller works only for its own user, who is signed in: AppBan's task runs it as them.
                    programs        = @(@{ path = "C:\Users\user$i\AppData\Local\CapCut\uninst.exe"; arguments = '/S'; durationMs = 100; runsAsUser = $sid
                            removesKeys = @("HKU\$sid\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut") })
                }
                $hostFile | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath (Join-Path $fleetDir "$name.json") -Encoding utf8NoBOM
            }
            $fleet = Start-AppBanSimulator -HostPath $fleetDir
            $credential = $fleet.Hosts[0].Credential
            $computers = @($fleet.Hosts | ForEach-Object ComputerName)

            # Through the PowerShell API, to see the progress records as well.
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $RepoRoot 'AppBan.psd1')).AddStatement()
                $null = $ps.AddCommand('Remove-BannedApp').AddParameter('ComputerName', $computers).AddParameter('Credential', $credential).
                    AddParameter('Authentication', 'Basic').AddParameter('ThrottleLimit', 16).AddParameter('Force')
                $first = @($ps.Invoke())
                $progress = @($ps.Streams.Progress)
                $firstErrors = @($ps.Streams.Error)
            } finally { $ps.Dispose() }
            $commandsAfterFirst = @{}
            foreach ($h in $fleet.Hosts) { $commandsAfterFirst[$h.Name] = @(Get-SimulatorCommandLine -ComputerName $h.Name -Simulator $fleet).Count }

            $second = @(Remove-BannedApp -ComputerName $computers -Credential $credential -Authentication Basic -ThrottleLimit 16 -Force)
        }

        AfterAll {
            if ($fleet) { Stop-AppBanSimulator $fleet }
        }

        It 'gives one result per finding' {
            $firstErrors | Should -BeNullOrEmpty
            $first.Count | Should -Be 200
            @($first | Group-Object { "$($_.ComputerName)|$($_.AppName)|$($_.UserSid)" } | Where-Object Count -GT 1) | Should -BeNullOrEmpty
            @($first | Where-Object Status -EQ 'Removed').Count | Should -Be 200
            @($first | Where-Object Method -EQ 'UserTask').Count | Should -Be 100
        }

        It 'removes the MSI on every host, one elevated command each, and CapCut as its user' {
            foreach ($h in $fleet.Hosts) {
                Get-SimulatorRegistry -ComputerName $h.Name -Path "$Uninstall64\$LiveStudioCode" -Simulator $fleet | Should -BeNullOrEmpty
                $commandsAfterFirst[$h.Name] | Should -Be 2
                $ran = @(Get-SimulatorCommandLine -ComputerName $h.Name -Simulator $fleet -Detailed)
                @($ran | Where-Object elevated).Count | Should -Be 1
                @($ran | Where-Object { -not $_.elevated -and $_.commandLine -like '*CapCut*' }).Count | Should -Be 1
            }
        }

        It 'shows progress' {
            @($progress | Where-Object Activity -EQ 'Removing banned apps').Count | Should -BeGreaterThan 0
            @($progress | Where-Object { $_.Activity -eq 'Removing banned apps' -and $_.RecordType -eq 'Completed' }).Count | Should -Be 1
        }

        It 'does nothing on a second run' {
            $second | Should -BeNullOrEmpty
            foreach ($h in $fleet.Hosts) {
                @(Get-SimulatorCommandLine -ComputerName $h.Name -Simulator $fleet).Count | Should -Be $commandsAfterFirst[$h.Name]
            }
        }
    }
}
