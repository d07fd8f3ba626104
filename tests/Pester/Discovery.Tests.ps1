#Requires -Version 7.0
# Get-BannedApp and Test-AppBanCompliance end to end: the built module against the simulated fleet over WS-Man.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../AppBan.psd1') -Force
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/AppBanSimulator.psm1') -Force
    # Tests that check warnings capture them with -WarningVariable; elsewhere they are noise.
    $PSDefaultParameterValues['Get-BannedApp:WarningAction'] = 'SilentlyContinue'
    $script:hostsDir = Join-Path $PSScriptRoot '../hosts'

    $script:alex = 'S-1-5-21-3623811015-3361044348-30300820-1001'
    $script:sam = 'S-1-5-21-3623811015-3361044348-30300820-1002'
    $script:jo = 'S-1-5-21-3623811015-3361044348-30300820-1003'
    $script:tiktokPackage = 'BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se'
    $script:uninstall64 = 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    $script:uninstall32 = 'HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
    function script:Utc([string] $Date) { ([datetimeoffset]"$($Date)T00:00:00Z").UtcDateTime }
    function script:UserUninstall([string] $Sid) { "HKU\$Sid\Software\Microsoft\Windows\CurrentVersion\Uninstall" }

    # A variant of a sample host, written to TestDrive: a new computer name and whatever $Edit changes.
    function script:Export-DerivedHost([string] $From, [string] $Name, [scriptblock] $Edit) {
        $description = Get-Content -Raw (Join-Path $hostsDir $From) | ConvertFrom-Json -AsHashtable
        $description.computerName = $Name
        if ($Edit) { & $Edit $description }
        $path = Join-Path $TestDrive "$Name.json"
        $description | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $path
        $path
    }

    $derived = @(
        # The sample laptop with TikTok LIVE Studio installed as a 32-bit app (under WOW6432Node).
        Export-DerivedHost laptop-01.json 'LAPTOP-32' {
            param($h) ($h.uninstallEntries | Where-Object { $_.key -eq 'TikTok LIVE Studio' }).view = '32'
        }
        # The sample laptop with a device exemption for alex's TikTok Store app.
        Export-DerivedHost laptop-01.json 'LAPTOP-EX' {
            param($h)
            $h.registry = @(@{ path = 'HKLM\SOFTWARE\AppBan\Exemptions\6d1f0c8e-3b2a-4c5d-9e8f-7a6b5c4d3e2f'; values = @{
                        RuleId = 'tiktok-store'; UserSid = $alex; UserName = 'LAPTOP-EX\alex'; Reason = 'Press office account'
                        ApprovedBy = 'CISO'; GrantedOn = '2026-11-01T00:00:00.0000000Z'; Expires = '2027-06-30T00:00:00.0000000Z' } })
        }
        # The sample laptop where reading alex's per-user uninstall entries is denied.
        Export-DerivedHost laptop-01.json 'LAPTOP-DENIED' {
            param($h) $h.faults = @{ accessDenied = @(@{ path = (UserUninstall $alex); operations = 'all' }) }
        }
        # The sample laptop that stops answering from its third operation on, until the request's timeout.
        Export-DerivedHost laptop-01.json 'LAPTOP-HANG' {
            param($h) $h.faults = @{ operations = @(@{ on = 3; andAfter = $true; kind = 'hang' }) }
        }
        # A clean host where robin's per-user entries are denied: nothing found, but nothing can be claimed either.
        Export-DerivedHost clean-01.json 'CLEAN-DENIED' {
            param($h) $h.faults = @{ accessDenied = @(@{ path = (UserUninstall $h.users[0].sid); operations = 'read' }) }
        }
    )
    $paths = @('laptop-01.json', 'clean-01.json', 'malicious-01.json', 'unreachable-01.json', 'nonadmin-01.json') | ForEach-Object { Join-Path $hostsDir $_ }
    $script:sim = Start-AppBanSimulator -HostPath ($paths + $derived)
    function script:Get-SimHost([string] $Name) { $sim.Hosts | Where-Object Name -EQ $Name }
    function script:Connect([string] $Name, [string] $User) {
        $h = Get-SimHost $Name
        $credential = $h.Credential
        if ($User) {
            $account = @($h.Accounts | Where-Object user -EQ $User)[0]
            $credential = [pscredential]::new($account.user, (ConvertTo-SecureString $account.password -AsPlainText -Force))
        }
        @{ ComputerName = $h.ComputerName; Credential = $credential; Authentication = 'Basic' }
    }
    function script:Id($Finding) {
        $where = if ($Finding.PackageFullName) { $Finding.PackageFullName } else { $Finding.KeyPath }
        '{0}|{1}|{2}|{3}|{4}|{5}' -f $Finding.RuleId, $Finding.Kind, $Finding.Scope, $Finding.UserName, $Finding.RegistryView, $where
    }
}

AfterAll {
    if ($script:sim) { Stop-AppBanSimulator $script:sim }
}

Describe 'Get-BannedApp on the sample laptop' {
    BeforeAll {
        $laptop = Connect 'LAPTOP-01'
        Reset-SimulatorHost -ComputerName 'LAPTOP-01' -CountersOnly
        $script:findings = @(Get-BannedApp @laptop)
        $script:counts = Get-SimulatorOperation -ComputerName 'LAPTOP-01' -Count
    }

    It 'gives exactly the expected findings: per-user, machine-wide, Store app, provisioned and web app' {
        @($findings | ForEach-Object { Id $_ } | Sort-Object) | Should -Be @(
            "capcut|Exe|User|sam|User|$(UserUninstall $sam)\CapCut"
            "tiktok-live-studio|Exe|Machine||Registry64|$uninstall64\TikTok LIVE Studio"
            "tiktok-store|ProvisionedStoreApp|Machine||None|$tiktokPackage"
            "tiktok-store|StoreApp|User|alex|None|$tiktokPackage"
            "tiktok-webapp|WebApp|User|alex|User|$(UserUninstall $alex)\0a7e4c1f9b2d43e58f6a1c2b3d4e5f60"
        ) | Sort-Object
        $findings.ComputerName | Sort-Object -Unique | Should -Be (Get-SimHost 'LAPTOP-01').ComputerName
        $findings.Status | Sort-Object -Unique | Should -Be 'Violation'
    }

    It 'carries what each kind needs: version, publisher, SIDs, package and uninstall string as found' {
        $capcut = $findings | Where-Object RuleId -EQ 'capcut'
        $capcut.Version | Should -Be '5.1.0.2059'
        $capcut.Publisher | Should -Be 'Bytedance Pte. Ltd.'
        $capcut.UserSid | Should -Be $sam
        $capcut.FromUserWritableLocation | Should -BeTrue
        $capcut.UninstallString | Should -Be '"C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe"'
        $store = $findings | Where-Object Kind -EQ 'StoreApp'
        $store.UserSid | Should -Be $alex
        $store.Version | Should -Be '38.5.1.0'
        # Read from the user's package repository in their classes hive (HKU), confirmed by the device's repository.
        $store.FromUserWritableLocation | Should -BeTrue
        $store.KeyPath | Should -BeLike "HKU\$alex`_Classes\Local Settings\*\AppModel\Repository\Packages\BytedancePte.Ltd.TikTok_*"
        $web = $findings | Where-Object Kind -EQ 'WebApp'
        $web.AppName | Should -Be 'TikTok'
        $web.UninstallString | Should -Match '--uninstall-app-id=fhnjmhpmbnbmchmmfkjbjjekiegkeeho'
        $live = $findings | Where-Object RuleId -EQ 'tiktok-live-studio'
        $live.Version | Should -Be '0.86.2'
        $live.FromUserWritableLocation | Should -BeFalse
        @($findings | Where-Object { $null -ne $_.EnforceAfter -or $null -ne $_.ExemptionId }).Count | Should -Be 0
    }

    It 'reads the laptop within the operation budget, on the simulator''s counters' {
        # 162 uninstall keys; one operation each, plus a small constant: ProfileList and 3 profiles, HKU, 4 uninstall
        # roots, the device's package repository, AppxAllUserStore\Applications, the package repositories of the 2 signed-in
        # users, the exemptions key, and the 3 candidate keys read in full.
        $registry = ($counts.PSObject.Properties | Where-Object Name -Like 'StdRegProv.*' | Measure-Object -Property Value -Sum).Sum
        $all = ($counts.PSObject.Properties | Where-Object Name -NE 'Identify' | Measure-Object -Property Value -Sum).Sum
        $all | Should -Be $registry -Because 'discovery uses StdRegProv only: no WQL query, never Win32_Product'
        $counts.'StdRegProv.GetStringValue' | Should -BeGreaterOrEqual 162
        $registry | Should -BeLessOrEqual (162 + 16 + 3 * 11) -Because "it took $registry operations"
        Write-Host "    sample laptop: $registry CIM operations for 162 uninstall keys"
    }

    It 'finds the 32-bit install under WOW6432Node' {
        $laptop32 = Connect 'LAPTOP-32'
        $live = Get-BannedApp @laptop32 -Rule tiktok-live-studio
        $live.RegistryView | Should -Be 'Registry32'
        $live.KeyPath | Should -Be "$uninstall32\TikTok LIVE Studio"
        $live.Scope | Should -Be 'Machine'
    }

    It 'names the user whose hive is not loaded' {
        $result = Test-AppBanCompliance @laptop
        $result.Status | Should -Be 'NonCompliant'
        $result.ViolationCount | Should -Be 5
        $result.UsersNotScanned | Should -Be @("jo ($jo): HiveNotLoaded")
        $result.Error | Should -BeNullOrEmpty
        Get-BannedApp @laptop -WarningVariable warned -WarningAction SilentlyContinue | Out-Null
        $warned | Should -Match 'jo'
    }

    It 'is flat for Export-Csv with ComputerName first, and keeps the engine record out of sight' {
        $names = $findings[0].PSObject.Properties.Name
        $names[0] | Should -Be 'ComputerName'
        $names | Should -Not -Contain 'Finding'
        foreach ($p in $findings[0].PSObject.Properties) {
            $p.TypeNameOfValue | Should -Not -Match '\[\]|List|Dictionary|\.Finding$|InstalledApp' -Because "$($p.Name) must be a scalar"
        }
        $csv = Join-Path $TestDrive 'findings.csv'
        $findings | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows = Import-Csv -LiteralPath $csv
        $rows.Count | Should -Be 5
        (Get-Content -LiteralPath $csv -TotalCount 1) | Should -Match '^"ComputerName","MachineName","RuleId","AppName"'
        ($rows | Where-Object RuleId -EQ 'capcut').UserName | Should -Be 'sam'
    }

    It 'has a default table view with ComputerName first' {
        $view = Get-FormatData -TypeName AppBan.Output.BannedAppFinding
        $view.FormatViewDefinition[0].Control.Headers[0].Label | Should -Be 'ComputerName'
        $table = ($findings | Format-Table | Out-String) -split "`n" | Where-Object { $_ -match '\S' }
        $table[0] | Should -Match '^ComputerName\s+RuleId\s+AppName'
    }
}

Describe 'Planted per-user "TikTok" entries' {
    BeforeAll {
        Reset-SimulatorHost -ComputerName 'MALICIOUS-01'
        $malicious = Connect 'MALICIOUS-01'
        $script:planted = @(Get-BannedApp @malicious)
    }

    It 'are reported as what they are: per-user, from a user-writable location, with the string as found' {
        $planted.Count | Should -Be 11
        $planted.Scope | Sort-Object -Unique | Should -Be 'User'
        $planted.FromUserWritableLocation | Sort-Object -Unique | Should -BeTrue
        $planted.UserName | Sort-Object -Unique | Should -Be 'mallory'
        $planted.KeyPath | ForEach-Object { $_ | Should -BeLike 'HKU\S-1-5-21-*\Software\Microsoft\Windows\CurrentVersion\Uninstall\*' }
        ($planted | Where-Object KeyPath -Like '*\TikTok_2').UninstallString | Should -Match 'net localgroup administrators attacker /add'
        ($planted | Where-Object KeyPath -Like '*\TikTok').UninstallString | Should -Match '& calc\.exe$'
    }

    It 'are not confused with trusted entries: a fake MSI claim stays per-user, and the web app is still a web app' {
        $msi = $planted | Where-Object KeyPath -Like '*{F00DF00D-0BAD-4BAD-8BAD-00000000DEAD}'
        $msi.Kind | Should -Be 'Msi'
        $msi.FromUserWritableLocation | Should -BeTrue
        ($planted | Where-Object Kind -EQ 'WebApp').RuleId | Should -Be 'tiktok-webapp'
        ($planted | Where-Object KeyPath -Like '*\TikTok LIVE Studio').Scope | Should -Be 'User'
    }

    It 'never runs anything on the host' {
        @(Get-SimulatorCommandLine -ComputerName 'MALICIOUS-01').Count | Should -Be 0
    }
}

Describe 'A clean host' {
    It 'gives no finding and is Compliant' {
        $clean = Connect 'CLEAN-01'
        @(Get-BannedApp @clean).Count | Should -Be 0
        $result = Test-AppBanCompliance @clean
        $result.Status | Should -Be 'Compliant'
        $result.IsCompliant | Should -BeTrue
        $result.ViolationCount + $result.GracePeriodCount + $result.ExemptCount | Should -Be 0
        Test-AppBanCompliance @clean -Quiet | Should -BeTrue
    }
}

Describe 'Exemptions and the phase-out date, evaluated at a chosen moment (-AsOf)' {
    BeforeAll {
        # A policy that phases TikTok out on 31 January 2027 and exempts sam's CapCut until 1 March 2027.
        $document = [ordered]@{
            schemaVersion = 1; name = 'Phase-out'; enforceAfter = '2027-01-31T00:00:00Z'
            rules = @(
                @{ id = 'capcut'; displayName = 'CapCut'; matchers = @(@{ keyName = 'CapCut' }) }
                @{ id = 'tiktok-store'; displayName = 'TikTok'; matchers = @(@{ packageFamilyName = 'BytedancePte.Ltd.TikTok_6yccndn6064se' }) }
            )
            exemptions = @(@{ id = 'video-team'; ruleId = 'capcut'; userSid = $sam; reason = 'Video team'; approvedBy = 'CISO'
                    grantedOn = '2026-11-01T00:00:00Z'; expires = '2027-03-01T00:00:00Z' })
        }
        $script:policyPath = Join-Path $TestDrive 'phase-out.json'
        $document | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $policyPath
        $script:laptop = Connect 'LAPTOP-01'
    }

    It 'before the deadline: GracePeriod findings, the exempt one hidden but counted' {
        $asOf = (Utc '2027-01-01')
        $shown = @(Get-BannedApp @laptop -PolicyPath $policyPath -AsOf $asOf)
        $shown.Status | Sort-Object -Unique | Should -Be 'GracePeriod'
        $shown.RuleId | Sort-Object -Unique | Should -Be 'tiktok-store'
        $shown[0].EnforceAfter | Should -Be ([datetimeoffset]'2027-01-31T00:00:00Z')
        $all = @(Get-BannedApp @laptop -PolicyPath $policyPath -AsOf $asOf -IncludeExempt)
        $exempt = $all | Where-Object Status -EQ 'Exempt'
        $exempt.RuleId | Should -Be 'capcut'
        $exempt.ExemptionId | Should -Be 'video-team'
        $exempt.ExemptionReason | Should -Be 'Video team'
        $exempt.ExemptionExpires | Should -Be ([datetimeoffset]'2027-03-01T00:00:00Z')
        $exempt.ExemptionSource | Should -Be 'Policy'
        $result = Test-AppBanCompliance @laptop -PolicyPath $policyPath -AsOf $asOf
        $result.Status | Should -Be 'GracePeriod'
        ($result.GracePeriodCount, $result.ExemptCount, $result.ViolationCount) | Should -Be @(2, 1, 0)
        Test-AppBanCompliance @laptop -PolicyPath $policyPath -AsOf $asOf -Quiet | Should -BeFalse
    }

    It 'after the deadline: Violations, the exemption still holding' {
        $result = Test-AppBanCompliance @laptop -PolicyPath $policyPath -AsOf ((Utc '2027-02-15'))
        $result.Status | Should -Be 'NonCompliant'
        ($result.ViolationCount, $result.ExemptCount) | Should -Be @(2, 1)
    }

    It 'after the exemption expires: a Violation again, without anyone acting' {
        $capcut = Get-BannedApp @laptop -PolicyPath $policyPath -Rule capcut -AsOf ((Utc '2027-03-02'))
        $capcut.Status | Should -Be 'Violation'
        $capcut.ExemptionId | Should -BeNullOrEmpty
    }

    It 'honours a device exemption read from the target, for that user only' {
        $laptopEx = Connect 'LAPTOP-EX'
        $asOf = (Utc '2027-01-15')
        $store = @(Get-BannedApp @laptopEx -Rule tiktok-store -IncludeExempt -AsOf $asOf)
        $perUser = $store | Where-Object Kind -EQ 'StoreApp'
        $perUser.Status | Should -Be 'Exempt'
        $perUser.ExemptionId | Should -Be '6d1f0c8e-3b2a-4c5d-9e8f-7a6b5c4d3e2f'
        $perUser.ExemptionSource | Should -Be 'Device'
        ($store | Where-Object Kind -EQ 'ProvisionedStoreApp').Status | Should -Be 'Violation'
        $expired = Get-BannedApp @laptopEx -Rule tiktok-store -AsOf ((Utc '2027-07-01'))
        ($expired | Where-Object Kind -EQ 'StoreApp').Status | Should -Be 'Violation'
    }

    It 'a target whose every finding is exempt is Exempt, and compliant for -Quiet' {
        $asOf = (Utc '2027-02-15')
        $result = Test-AppBanCompliance @laptop -PolicyPath $policyPath -Rule capcut -AsOf $asOf
        $result.Status | Should -Be 'Exempt'
        ($result.ExemptCount, $result.ViolationCount) | Should -Be @(1, 0)
        Test-AppBanCompliance @laptop -PolicyPath $policyPath -Rule capcut -AsOf $asOf -Quiet | Should -BeTrue
        @(Get-BannedApp @laptop -PolicyPath $policyPath -Rule capcut -AsOf $asOf).Count | Should -Be 0 -Because 'exempt findings are hidden by default'
    }
}

Describe 'Partial scans' {
    It 'a denied user hive keeps the other findings, warns, and names the user' {
        $denied = Connect 'LAPTOP-DENIED'
        $findings = @(Get-BannedApp @denied -WarningVariable warned -WarningAction SilentlyContinue)
        $findings.RuleId | Sort-Object -Unique | Should -Be @('capcut', 'tiktok-live-studio', 'tiktok-store')
        $warned -join "`n" | Should -Match 'access denied'
        $result = Test-AppBanCompliance @denied
        $result.Status | Should -Be 'NonCompliant' -Because 'a violation that was found is a fact, even in a partial scan'
        $result.UsersNotScanned | Should -Contain "alex ($alex): AccessDenied"
        $result.Warnings -join "`n" | Should -Match ([regex]::Escape((UserUninstall $alex)))
    }

    It 'with nothing found, a partial scan is Partial, not Compliant' {
        $cleanDenied = Connect 'CLEAN-DENIED'
        $result = Test-AppBanCompliance @cleanDenied
        $result.Status | Should -Be 'Partial'
        $result.IsCompliant | Should -BeFalse
        $result.Warnings | Should -Not -BeNullOrEmpty
    }
}

Describe 'Errors behave as PowerShell users expect' {
    BeforeAll {
        $script:unreachable = Connect 'UNREACHABLE-01'
        $script:laptop = Connect 'LAPTOP-01'
    }

    It 'an unreachable target is one non-terminating error, and the other targets still answer' {
        $targets = (Get-SimHost 'UNREACHABLE-01').ComputerName, (Get-SimHost 'LAPTOP-01').ComputerName
        $findings = @(Get-BannedApp -ComputerName $targets -Credential $laptop.Credential -Authentication Basic -ErrorVariable errs -ErrorAction SilentlyContinue)
        $findings.Count | Should -Be 5
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'TargetUnreachable,AppBan.Cmdlets.GetBannedAppCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $errs[0].TargetObject | Should -Be $unreachable.ComputerName
        "$($errs[0])" | Should -Match ([regex]::Escape($unreachable.ComputerName))
    }

    It '-ErrorAction Stop turns it into a terminating error' {
        { Get-BannedApp @unreachable -ErrorAction Stop } | Should -Throw -ErrorId 'TargetUnreachable,AppBan.Cmdlets.GetBannedAppCommand'
        { Test-AppBanCompliance @unreachable -ErrorAction Stop } | Should -Throw -ErrorId 'TargetUnreachable,AppBan.Cmdlets.TestAppBanComplianceCommand'
    }

    It 'Test-AppBanCompliance reports the failed target as a result too' {
        $result = Test-AppBanCompliance @unreachable -ErrorVariable errs -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Unreachable'
        $result.ErrorId | Should -Be 'TargetUnreachable'
        $result.ErrorCategory | Should -Be 'ConnectionError'
        $result.Error | Should -Match ([regex]::Escape($unreachable.ComputerName))
        $errs.Count | Should -Be 1
        Test-AppBanCompliance @unreachable -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
    }

    It 'a standard account outside Remote Management Users fails authentication, and nothing is read' {
        # NONADMIN-01's first account, kiosk: WinRM admits only administrators and Remote Management Users.
        Reset-SimulatorHost -ComputerName 'NONADMIN-01' -CountersOnly
        $kiosk = Connect 'NONADMIN-01' kiosk
        $result = Test-AppBanCompliance @kiosk -ErrorVariable errs -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorId | Should -Be 'AuthenticationFailed'
        $result.ErrorCategory | Should -Be 'AuthenticationError'
        $result.Error | Should -Match ([regex]::Escape($kiosk.ComputerName))
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,AppBan.Cmdlets.TestAppBanComplianceCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errs[0].TargetObject | Should -Be $kiosk.ComputerName
        $findings = @(Get-BannedApp @kiosk -ErrorVariable findErrs -ErrorAction SilentlyContinue)
        $findings | Should -BeNullOrEmpty
        $findErrs[0].FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,AppBan.Cmdlets.GetBannedAppCommand'
        $ops = @(Get-SimulatorOperation -ComputerName 'NONADMIN-01')
        $ops.Count | Should -BeGreaterThan 0
        @($ops | Where-Object { $_.operation -ne 'Unauthorized' -or $_.result -ne '401' }) | Should -BeNullOrEmpty -Because 'no request got past WinRM'
    }

    It 'a Remote Management User without Remote Enable on root\cimv2 is denied by WMI, and no registry read reaches the host' {
        Reset-SimulatorHost -ComputerName 'NONADMIN-01' -CountersOnly
        $helpdesk = Connect 'NONADMIN-01' helpdesk
        $result = Test-AppBanCompliance @helpdesk -ErrorVariable errs -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorId | Should -Be 'AccessDenied'
        $result.ErrorCategory | Should -Be 'PermissionDenied'
        $result.Error | Should -Match ([regex]::Escape($helpdesk.ComputerName))
        $result.Error | Should -Match "The WMI service returned an 'access denied' error"
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'AccessDenied,AppBan.Cmdlets.TestAppBanComplianceCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $findings = @(Get-BannedApp @helpdesk -ErrorVariable findErrs -ErrorAction SilentlyContinue)
        $findings | Should -BeNullOrEmpty
        $findErrs[0].FullyQualifiedErrorId | Should -Be 'AccessDenied,AppBan.Cmdlets.GetBannedAppCommand'
        $ops = @(Get-SimulatorOperation -ComputerName 'NONADMIN-01')
        @($ops | Where-Object operation -Like 'StdRegProv.*').Count | Should -BeGreaterThan 0
        # A request the client gave up on after the first refusal (the scan stops there) never reached WMI: 'aborted'.
        @($ops | Where-Object { $_.result -notin 'fault:AccessDenied', 'aborted' }) | Should -BeNullOrEmpty -Because 'WMI refused every request'
    }

    It 'a standard account granted Remote Enable sees what it may read, and the hives it may not are named as not scanned' {
        # student, granted Remote Enable on root\cimv2, can read HKLM and its own hive, not other users' hives.
        $nonAdmin = Connect 'NONADMIN-01' student
        $teacher = 'S-1-5-21-2712384010-3011984587-1230846214-1002'
        $result = Test-AppBanCompliance @nonAdmin -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0
        $result.Status | Should -Be 'NonCompliant'
        $result.UsersNotScanned | Should -Be @("teacher ($teacher): AccessDenied")
        $result.Warnings -join "`n" | Should -Match 'access denied'
        $findings = @(Get-BannedApp @nonAdmin -WarningAction SilentlyContinue)
        $findings.RuleId | Sort-Object | Should -Be @('tiktok-live-studio', 'tiktok-store') -Because "the teacher's CapCut cannot be seen"
    }

    It 'a wrong password fails with AuthenticationError' {
        $wrong = Connect 'CLEAN-01'
        $wrong.Credential = [pscredential]::new('it-admin', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        $result = Test-AppBanCompliance @wrong -ErrorVariable errs -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'Failed'
        $result.ErrorId | Should -Be 'AuthenticationFailed'
        $errs[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'invalid input stops before any target is contacted' {
        Reset-SimulatorHost -ComputerName 'CLEAN-01' -CountersOnly
        $clean = Connect 'CLEAN-01'
        { Get-BannedApp @clean -Rule 'no-such-rule' } | Should -Throw -ErrorId 'UnknownRule,AppBan.Cmdlets.GetBannedAppCommand'
        { Get-BannedApp @clean -PolicyPath (Join-Path $TestDrive 'missing.json') } | Should -Throw -ErrorId 'PolicyFileNotFound,AppBan.Cmdlets.GetBannedAppCommand'
        $counts = Get-SimulatorOperation -ComputerName 'CLEAN-01' -Count
        @($counts.PSObject.Properties).Count | Should -Be 0
    }
}

Describe 'Fan-out' {
    It 'streams the first host''s findings while another host hangs, and stops promptly on Ctrl+C' {
        $laptop = Get-SimHost 'LAPTOP-01'
        $hanging = Get-SimHost 'LAPTOP-HANG'
        # One command in a runspace that already has the module: a stopped multi-statement batch can still touch
        # its runspace from a worker thread after disposal, which kills the process.
        $state = [initialsessionstate]::CreateDefault2()
        $state.ImportPSModule((Join-Path $PSScriptRoot '../../AppBan.psd1'))
        $runspace = [runspacefactory]::CreateRunspace($state)
        $runspace.Open()
        $ps = [powershell]::Create()
        $ps.Runspace = $runspace
        try {
            $null = $ps.AddCommand('Get-BannedApp').AddParameter('ComputerName', @($hanging.ComputerName, $laptop.ComputerName)).
                AddParameter('Credential', $laptop.Credential).AddParameter('Authentication', 'Basic').AddParameter('OperationTimeoutSec', 300).
                AddParameter('WarningAction', 'SilentlyContinue')
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]] $null, $output)
            # A hang guard, not a speed assertion: wait for the laptop's five findings.
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ($output.Count -lt 5 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $output.Count | Should -Be 5
            # Index, do not enumerate: enumerating an open PSDataCollection waits for it to close.
            $arrived = for ($i = 0; $i -lt $output.Count; $i++) { $output[$i] }
            $arrived.ComputerName | Sort-Object -Unique | Should -Be $laptop.ComputerName
            $ps.InvocationStateInfo.State | Should -Be 'Running' -Because 'the hanging host is still being scanned'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $stop = $ps.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(60)) | Should -BeTrue
            Write-Host "    Ctrl+C took $([int]$watch.Elapsed.TotalMilliseconds) ms with a hanging target"
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
            $runspace.Dispose()
        }
    }
}

Describe 'Pipeline input and -Rule completion' {
    It 'takes computer names as strings and from ComputerName, DNSHostName and Name properties' {
        $laptop = Get-SimHost 'LAPTOP-01'
        $params = @{ Credential = $laptop.Credential; Authentication = 'Basic' }
        foreach ($item in @($laptop.ComputerName, [pscustomobject]@{ ComputerName = $laptop.ComputerName },
                [pscustomobject]@{ DNSHostName = $laptop.ComputerName; Name = 'short-name' }, [pscustomobject]@{ Name = $laptop.ComputerName })) {
            $result = $item | Test-AppBanCompliance @params
            $result.ComputerName | Should -Be $laptop.ComputerName
            $result.Status | Should -Be 'NonCompliant'
        }
    }

    It 'completes -Rule with the rule ids of the effective policy' {
        $line = 'Get-BannedApp -Rule tik'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('tiktok-store', 'tiktok-live-studio', 'tiktok-webapp')
        $custom = Join-Path $TestDrive 'custom.json'
        [ordered]@{ schemaVersion = 1; name = 'Custom'; enforceAfter = $null
            rules = @(@{ id = 'only-capcut'; displayName = 'CapCut'; matchers = @(@{ keyName = 'CapCut' }) }); exemptions = @() } |
            ConvertTo-Json -Depth 5 | Set-Content -LiteralPath $custom
        $line = "Test-AppBanCompliance -PolicyPath '$custom' -Rule "
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('only-capcut')
    }
}

Describe 'A 50-host fleet with 10% of hosts faulted' {
    BeforeAll {
        # Generate 50 healthy hosts from the fleet template (banned apps made more likely), then fault 5 of them, one
        # way each. Expectations come from the host files themselves, not from the module.
        $template = Get-Content -Raw (Join-Path $hostsDir 'templates/fleet-template.json') | ConvertFrom-Json -AsHashtable
        $template.faults = @()
        $template.latencyMs = @{ min = 0; max = 2 }
        $probability = @{ 'tiktok-store' = 0.3; 'capcut' = 0.25; 'tiktok-live-studio' = 0.15; 'tiktok-pwa' = 0.15 }
        foreach ($app in $template.apps) { $app.probability = $probability[$app.id] }
        $templatePath = Join-Path $TestDrive 'fleet-template.json'
        $template | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $templatePath
        $fleetDir = Join-Path $TestDrive 'fleet'
        $dll = Join-Path $PSScriptRoot '../Simulator/bin/Release/net10.0/AppBan.Simulator.dll'
        & dotnet $dll --generate 50 --template $templatePath --seed 7 --out $fleetDir | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "Generating the fleet failed with exit code $LASTEXITCODE." }

        $script:faulted = [ordered]@{
            'PC-0005' = @{ Faults = @{ unreachable = $true }; Status = 'Unreachable'; ErrorId = 'TargetUnreachable'; Category = 'ConnectionError' }
            'PC-0015' = @{ Faults = @{ rejectAllCredentials = $true }; Status = 'Failed'; ErrorId = 'AuthenticationFailed'; Category = 'AuthenticationError' }
            'PC-0025' = @{ Faults = @{ operations = @(@{ on = 1; andAfter = $true; kind = 'accessDenied' }) }; Status = 'Failed'; ErrorId = 'AccessDenied'; Category = 'PermissionDenied' }
            'PC-0035' = @{ Faults = @{ operations = @(@{ on = 1; andAfter = $true; kind = 'timeout' }) }; Status = 'Failed'; ErrorId = 'Timeout'; Category = 'OperationTimeout' }
            'PC-0045' = @{ Faults = @{ providerErrors = @(@{ class = 'StdRegProv' }) }; Status = 'Failed'; ErrorId = 'ProviderFailure'; Category = 'InvalidResult' }
        }
        $script:expected = @{}
        foreach ($file in Get-ChildItem $fleetDir -Filter '*.json') {
            $description = Get-Content -Raw $file.FullName | ConvertFrom-Json -AsHashtable
            $name = $description.computerName
            if ($faulted.Contains($name)) {
                $description.faults = $faulted[$name].Faults
                $description | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $file.FullName
                continue
            }
            $entries = @($description.uninstallEntries | Where-Object { $_.key -in 'TikTok LIVE Studio', 'CapCut', '0a7e4c1f9b2d43e58f6a1c2b3d4e5f60' }).Count
            $packages = @($description.packages | Where-Object { $_.fullName -like 'BytedancePte.Ltd.TikTok_*' })
            $count = $entries + ($packages | ForEach-Object { @($_.users).Count + [int][bool]$_.provisioned } | Measure-Object -Sum).Sum
            $expected[$name] = $count
        }
        $script:fleet = Start-AppBanSimulator -HostPath $fleetDir
        $script:byAddress = @{}
        foreach ($h in $fleet.Hosts) { $byAddress[$h.ComputerName] = $h.Name }
        $script:fleetParams = @{
            ComputerName = $fleet.Hosts.ComputerName; Credential = $fleet.Hosts[0].Credential; Authentication = 'Basic'; OperationTimeoutSec = 3
        }
    }

    AfterAll {
        if ($script:fleet) { Stop-AppBanSimulator $script:fleet }
    }

    It 'has healthy hosts with and without banned apps to tell apart' {
        $expected.Count | Should -Be 45
        @($expected.Values | Where-Object { $_ -gt 0 }).Count | Should -BeGreaterThan 5
        @($expected.Values | Where-Object { $_ -eq 0 }).Count | Should -BeGreaterThan 5
    }

    It 'accounts for every host, each with the right status and error category' {
        $results = @(Test-AppBanCompliance @fleetParams -ErrorVariable errs -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 50
        @($results.ComputerName | Sort-Object -Unique).Count | Should -Be 50
        foreach ($r in $results) {
            $name = $byAddress[$r.ComputerName]
            if ($faulted.Contains($name)) {
                $r.Status | Should -Be $faulted[$name].Status -Because "$name is faulted"
                $r.ErrorId | Should -Be $faulted[$name].ErrorId -Because "$name is faulted"
                $r.ErrorCategory | Should -Be $faulted[$name].Category -Because "$name is faulted"
                $r.Error | Should -Match ([regex]::Escape($r.ComputerName))
            } else {
                $r.Status | Should -Be ($expected[$name] -gt 0 ? 'NonCompliant' : 'Compliant') -Because "$name has $($expected[$name]) banned app instance(s)"
                $r.ViolationCount | Should -Be $expected[$name] -Because $name
                $r.ErrorId | Should -BeNullOrEmpty
            }
        }
        $errs.Count | Should -Be 5
        foreach ($e in $errs) {
            $name = $byAddress[$e.TargetObject]
            $faulted.Contains($name) | Should -BeTrue -Because "the error's TargetObject $($e.TargetObject) must be a faulted host"
            $e.FullyQualifiedErrorId | Should -Be "$($faulted[$name].ErrorId),AppBan.Cmdlets.TestAppBanComplianceCommand"
            $e.CategoryInfo.Category | Should -Be $faulted[$name].Category
        }
    }

    It 'Get-BannedApp finds every banned app instance on the healthy hosts and one error per faulted host' {
        $findings = @(Get-BannedApp @fleetParams -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $found = @{}
        foreach ($g in $findings | Group-Object ComputerName) { $found[$byAddress[$g.Name]] = $g.Count }
        foreach ($name in $expected.Keys) { [int]$found[$name] | Should -Be $expected[$name] -Because $name }
        @($errs | ForEach-Object { $byAddress[$_.TargetObject] } | Sort-Object) | Should -Be @($faulted.Keys | Sort-Object)
    }
}
