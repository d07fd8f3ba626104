#Requires -Version 7.0
# Grant-, Revoke- and Get-AppExemption end to end: the built module against the simulated fleet, asserting on the
# simulated hosts' registry and operation logs and on the policy files themselves.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
    Import-Module (Join-Path $repoRoot 'tools/ModuleTooling.psm1') -Force

    $script:root = 'HKLM\SOFTWARE\AppBan\Exemptions'
    $script:alexSid = 'S-1-5-21-3623811015-3361044348-30300820-1001'
    $script:samSid = 'S-1-5-21-3623811015-3361044348-30300820-1002'
    $script:seededExpiredId = '0b6f3b4e-2a8c-4d1e-9f57-6c3d2e1a0b99'

    # The sample laptop, plus: the TikTok Store app for sam as well as alex (two users' copies of one app), and a
    # device exemption for CapCut that expired last year.
    $laptop = Get-Content -Raw (Join-Path $repoRoot 'tests/hosts/laptop-01.json') | ConvertFrom-Json -AsHashtable
    $laptop.computerName = 'EXEMPT-01'
    foreach ($package in $laptop.packages) {
        if ($package.fullName -like 'BytedancePte.Ltd.TikTok_*') { $package.users = @($alexSid, $samSid) }
    }
    $laptop.registry = @(@($laptop.registry) + @{
            path   = "$root\$seededExpiredId"
            values = @{
                RuleId = 'capcut'; UserSid = $samSid; UserName = 'EXEMPT-01\sam'; ComputerName = 'EXEMPT-01'
                Reason = 'Video course, finished'; ApprovedBy = 'Head of press'
                GrantedOn = '2025-01-10T09:00:00.0000000+00:00'; Expires = '2025-06-30T00:00:00.0000000+00:00'
            }
        } | Where-Object { $_ })
    $hostFile = Join-Path $TestDrive 'exempt-01.json'
    $laptop | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $hostFile -Encoding utf8NoBOM

    $script:sim = Start-AppBanSimulator -HostPath $hostFile, (Join-Path $repoRoot 'tests/hosts/unreachable-01.json')
    $script:pc = $sim.Hosts | Where-Object Name -EQ 'EXEMPT-01'
    $script:dead = $sim.Hosts | Where-Object Name -EQ 'UNREACHABLE-01'
    $script:target = @{ ComputerName = $pc.ComputerName; Credential = $pc.Credential; Authentication = 'Basic' }

    function Get-ExemptionKey {
        # The simulated host's exemption keys: name -> values (name -> { type, value }). Read from the control
        # endpoint with dates left as the strings the registry holds.
        $uri = $sim.ControlUrl + "hosts/$([uri]::EscapeDataString($pc.Name))/registry?path=$([uri]::EscapeDataString($root))"
        $response = Invoke-WebRequest -Uri $uri -SkipHttpErrorCheck
        if ($response.StatusCode -eq 404) { return [ordered]@{} }
        $tree = ($response.Content | ConvertFrom-Json -DateKind String).key
        $keys = [ordered]@{}
        foreach ($key in @($tree.keys)) {
            if (-not $key) { continue }
            $values = @{}
            foreach ($p in $key.values.PSObject.Properties) { $values[$p.Name] = $p.Value }
            $keys[$key.name] = $values
        }
        $keys
    }

    function Get-WriteOperation {
        @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name | Where-Object {
                $_.operation -in 'StdRegProv.CreateKey', 'StdRegProv.SetStringValue', 'StdRegProv.DeleteKey', 'StdRegProv.DeleteValue'
            })
    }
}

AfterAll {
    if ($script:sim) { Stop-AppBanSimulator $script:sim }
}

Describe 'Device exemptions' {
    BeforeEach {
        Reset-SimulatorHost -Simulator $sim -ComputerName $pc.Name
    }

    It 'a grant creates a key named by its id under HKLM\SOFTWARE\AppBan\Exemptions with every field, and an ExemptionChange' {
        $expires = [DateTimeOffset]::UtcNow.AddDays(30)
        $notBefore = [DateTimeOffset]::UtcNow.AddMinutes(-5)
        $change = Grant-AppExemption @target -Rule tiktok-store -User 'EXEMPT-01\sam' -Reason 'Press office account' `
            -ApprovedBy 'Secretary-General' -Expires $expires.UtcDateTime -NotBefore $notBefore.UtcDateTime

        $change | Should -HaveCount 1
        $change | Should -BeOfType ([AppBan.Engine.Exemptions.ExemptionChange])
        $change.Target | Should -Be $pc.ComputerName
        $change.Action | Should -Be 'Granted'
        $change.Source | Should -Be 'Device'
        $change.UserSid | Should -Be $samSid
        $change.ChangedBy | Should -Not -BeNullOrEmpty

        $keys = Get-ExemptionKey
        $keys.Keys | Should -Contain $change.Id
        $values = $keys[$change.Id]
        foreach ($name in 'RuleId', 'UserSid', 'UserName', 'ComputerName', 'Reason', 'ApprovedBy', 'GrantedOn', 'Expires', 'NotBefore') {
            $values[$name].type | Should -Be 'REG_SZ' -Because "$name is stored as REG_SZ"
        }
        $values.RuleId.value | Should -Be 'tiktok-store'
        $values.UserSid.value | Should -Be $samSid
        $values.UserName.value | Should -Be 'EXEMPT-01\sam'
        $values.ComputerName.value | Should -Be $pc.ComputerName
        $values.Reason.value | Should -Be 'Press office account'
        $values.ApprovedBy.value | Should -Be 'Secretary-General'
        [DateTimeOffset]::Parse($values.Expires.value) | Should -Be $expires
        [DateTimeOffset]::Parse($values.NotBefore.value) | Should -Be $notBefore
        ([DateTimeOffset]::UtcNow - [DateTimeOffset]::Parse($values.GrantedOn.value)).TotalMinutes | Should -BeLessThan 5
        $values.Expires.value | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$'
    }

    It 'resolves a SID to its account name on the target and stores both' {
        $change = Grant-AppExemption @target -Rule capcut -User $samSid -Reason 'Video editing' -Expires (Get-Date).AddDays(7)
        $values = (Get-ExemptionKey)[$change.Id]
        $values.UserSid.value | Should -Be $samSid
        $values.UserName.value | Should -Be 'EXEMPT-01\sam'
    }

    It 'lists exemptions with their status and revokes one from the pipeline' {
        $granted = Grant-AppExemption @target -Rule tiktok-store -User 'EXEMPT-01\alex' -Reason 'Press office' -Expires (Get-Date).AddDays(30)
        $listed = Get-AppExemption @target
        $listed | Should -HaveCount 2
        ($listed | Where-Object Id -EQ $granted.Id).Status | Should -Be 'Active'
        ($listed | Where-Object Id -EQ $seededExpiredId).Status | Should -Be 'Expired'
        (Get-AppExemption @target -Expired).Id | Should -Be $seededExpiredId
        $listed | ForEach-Object { $_.Target | Should -Be $pc.ComputerName }

        $revoked = Get-AppExemption @target -Id $granted.Id | Revoke-AppExemption -Credential $pc.Credential -Authentication Basic
        $revoked.Action | Should -Be 'Revoked'
        $revoked.Id | Should -Be $granted.Id
        $revoked.Reason | Should -Be 'Press office'
        (Get-ExemptionKey).Keys | Should -Be @($seededExpiredId)
    }

    It 'revokes by id and reports an id that is not there' {
        $granted = Grant-AppExemption @target -Rule capcut -Reason 'Lab device' -Expires (Get-Date).AddDays(1)
        $revoked = Revoke-AppExemption @target -Id $granted.Id.Replace('-', '').ToUpperInvariant()
        $revoked.Id | Should -Be $granted.Id
        (Get-ExemptionKey).Keys | Should -Not -Contain $granted.Id

        $again = Revoke-AppExemption @target -Id $granted.Id -ErrorVariable failures -ErrorAction SilentlyContinue
        $again | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ExemptionNotFound,*'
        $failures[0].TargetObject | Should -Be $pc.ComputerName
        "$($failures[0])" | Should -Match ([regex]::Escape($pc.ComputerName))
    }

    It '-WhatIf writes nothing and contacts no target' {
        $before = Get-ExemptionKey
        Reset-SimulatorHost -Simulator $sim -ComputerName $pc.Name -CountersOnly
        $granted = Grant-AppExemption @target -Rule tiktok-store -User 'EXEMPT-01\alex' -Reason 'x' -Expires (Get-Date).AddDays(1) -WhatIf
        $revoked = Revoke-AppExemption @target -Id $seededExpiredId -WhatIf
        $granted | Should -BeNullOrEmpty
        $revoked | Should -BeNullOrEmpty
        @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name) | Should -HaveCount 0
        (Get-ExemptionKey).Keys | Should -Be @($before.Keys)
    }

    It 'every grant and revoke gives an ExemptionChange that Export-AppBanReport files under its target' {
        $granted = Grant-AppExemption @target -Rule capcut -User 'EXEMPT-01\sam' -Reason 'Video course' -ApprovedBy 'Head of press' -Expires (Get-Date).AddDays(7)
        $revoked = Revoke-AppExemption @target -Id $granted.Id
        $reportPath = Join-Path $TestDrive 'exemption-report.json'
        $granted, $revoked | Export-AppBanReport -Path $reportPath
        $report = Get-Content -Raw $reportPath | ConvertFrom-Json -DateKind String
        $report.Summary.ExemptionChanges | Should -Be 2
        $changes = @(($report.Targets | Where-Object ComputerName -EQ $pc.ComputerName).ExemptionChanges)
        $changes | Should -HaveCount 2
        ($changes | ForEach-Object { "$($_.Change)" } | Sort-Object) | Should -Be @('Granted', 'Revoked')
        $changes | ForEach-Object {
            $_.ExemptionId | Should -Be $granted.Id
            $_.RuleId | Should -Be 'capcut'
            $_.UserSid | Should -Be $samSid
            $_.Reason | Should -Be 'Video course'
            $_.ApprovedBy | Should -Be 'Head of press'
        }
    }

    Context 'bad input gives a clear error and writes nothing' {
        BeforeEach {
            Reset-SimulatorHost -Simulator $sim -ComputerName $pc.Name -CountersOnly
        }

        It 'a reason of <Label> is refused with ReasonRequired' -ForEach @(
            @{ Label = 'empty'; Reason = '' }
            @{ Label = 'blanks'; Reason = '   ' }
            @{ Label = '$null'; Reason = $null }
        ) {
            { Grant-AppExemption @target -Rule capcut -Reason $Reason -Expires (Get-Date).AddDays(1) -ErrorAction Stop } |
                Should -Throw -ErrorId 'ReasonRequired,AppBan.Cmdlets.GrantAppExemptionCommand' -ExpectedMessage '*reason is required*'
            @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name) | Should -HaveCount 0
            (Get-ExemptionKey).Keys | Should -Be @($seededExpiredId)
        }

        It 'a reason is a mandatory parameter' {
            (Get-Command Grant-AppExemption).Parameters['Reason'].Attributes.Where({ $_ -is [System.Management.Automation.ParameterAttribute] }).Mandatory |
                Should -Not -Contain $false
        }

        It 'an expiry in the past is refused with ExpiryInPast' {
            { Grant-AppExemption @target -Rule capcut -Reason 'x' -Expires (Get-Date).AddDays(-1) -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExpiryInPast,AppBan.Cmdlets.GrantAppExemptionCommand' -ExpectedMessage '*is not in the future*'
            @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name) | Should -HaveCount 0
        }

        It 'an unknown rule is refused with UnknownRule, naming the known rules' {
            { Grant-AppExemption @target -Rule tiktok-desktop -Reason 'x' -Expires (Get-Date).AddDays(1) -ErrorAction Stop } |
                Should -Throw -ErrorId 'UnknownRule,AppBan.Cmdlets.GrantAppExemptionCommand' -ExpectedMessage "*'tiktok-desktop'*tiktok-store*"
            @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name) | Should -HaveCount 0
        }

        It 'a malformed user is refused with InvalidUser before any target is contacted' {
            { Grant-AppExemption @target -Rule capcut -User 'S-1-5-21-x' -Reason 'x' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidUser,AppBan.Cmdlets.GrantAppExemptionCommand'
            @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name) | Should -HaveCount 0
        }

        It 'a user the target does not know gives UserNotFound for that computer and writes nothing' {
            $result = Grant-AppExemption @target -Rule capcut -User 'EXEMPT-01\mallory' -Reason 'x' -Expires (Get-Date).AddDays(1) `
                -ErrorVariable failures -ErrorAction SilentlyContinue
            $result | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'UserNotFound,AppBan.Cmdlets.GrantAppExemptionCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failures[0].TargetObject | Should -Be $pc.ComputerName
            "$($failures[0])" | Should -Match 'mallory'
            "$($failures[0])" | Should -Match ([regex]::Escape($pc.ComputerName))
            Get-WriteOperation | Should -HaveCount 0
            (Get-ExemptionKey).Keys | Should -Be @($seededExpiredId)
        }

        It 'an unreachable host gives TargetUnreachable for it while the reachable one is granted' {
            $result = Grant-AppExemption -ComputerName $dead.ComputerName, $pc.ComputerName -Credential $pc.Credential -Authentication Basic `
                -Rule capcut -Reason 'Lab' -Expires (Get-Date).AddDays(1) -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -Be 'TargetUnreachable,AppBan.Cmdlets.GrantAppExemptionCommand'
            $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $failures[0].TargetObject | Should -Be $dead.ComputerName
            "$($failures[0])" | Should -Match ([regex]::Escape($dead.ComputerName))
            $result.Target | Should -Be $pc.ComputerName
            (Get-ExemptionKey).Keys | Should -HaveCount 2
        }

        It 'a device id that is not a GUID is refused before any target is contacted' {
            { Revoke-AppExemption @target -Id '..\..\Microsoft' -ErrorAction Stop } |
                Should -Throw -ErrorId 'InvalidExemptionId,AppBan.Cmdlets.RevokeAppExemptionCommand'
            @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name) | Should -HaveCount 0
        }
    }
}

Describe 'What a scan makes of exemptions' {
    BeforeAll {
        function Get-Finding([string] $RuleId, [string] $Kind, [string] $UserSid, [object[]] $From) {
            @($From | Where-Object { $_.RuleId -eq $RuleId -and "$($_.Kind)" -eq $Kind -and "$($_.UserSid)" -eq $UserSid })
        }
        function Get-ScanFinding {
            param([hashtable] $Extra = @{})
            Get-BannedApp @target -IncludeExempt -WarningAction SilentlyContinue @Extra
        }
    }

    BeforeEach {
        Reset-SimulatorHost -Simulator $sim -ComputerName $pc.Name
    }

    It 'before any grant, both users'' copies of the TikTok Store app are violations' {
        $findings = Get-ScanFinding
        (Get-Finding tiktok-store StoreApp $samSid $findings).Status | Should -Be 'Violation'
        (Get-Finding tiktok-store StoreApp $alexSid $findings).Status | Should -Be 'Violation'
    }

    It 'a user-scoped device grant makes that user''s copy Exempt, with the exemption''s id, reason and expiry, and only that copy' {
        $expires = (Get-Date).AddDays(14)
        $granted = Grant-AppExemption @target -Rule tiktok-store -User 'EXEMPT-01\sam' -Reason 'Press office account' -Expires $expires
        $findings = Get-ScanFinding

        $sam = Get-Finding tiktok-store StoreApp $samSid $findings
        $sam | Should -HaveCount 1
        $sam.Status | Should -Be 'Exempt'
        $sam.ExemptionId | Should -Be $granted.Id
        $sam.ExemptionReason | Should -Be 'Press office account'
        $sam.ExemptionSource | Should -Be 'Device'
        $sam.ExemptionExpires | Should -Be $granted.Expires

        (Get-Finding tiktok-store StoreApp $alexSid $findings).Status | Should -Be 'Violation'
        (Get-Finding tiktok-store ProvisionedStoreApp $null $findings).Status | Should -Be 'Violation'
        # Hidden by default, as exempt findings are.
        @(Get-BannedApp @target -WarningAction SilentlyContinue | Where-Object { $_.RuleId -eq 'tiktok-store' -and $_.UserSid -eq $samSid }) | Should -HaveCount 0
    }

    It 'Remove-BannedApp skips the exempt copy, runs nothing for it, and removes the copies that are not exempt' {
        Grant-AppExemption @target -Rule tiktok-store -User 'EXEMPT-01\sam' -Reason 'Press office' -Expires (Get-Date).AddDays(14) | Out-Null
        Reset-SimulatorHost -Simulator $sim -ComputerName $pc.Name -CountersOnly
        $results = Get-BannedApp @target -Rule tiktok-store -IncludeExempt -WarningAction SilentlyContinue |
            Remove-BannedApp -Credential $pc.Credential -Authentication Basic -Confirm:$false -WarningAction SilentlyContinue

        $sam = @($results | Where-Object UserSid -EQ $samSid)
        $sam | Should -HaveCount 1
        "$($sam.Status)" | Should -Be 'SkippedExempt'
        "$(($results | Where-Object UserSid -EQ $alexSid).Status)" | Should -Be 'Removed'

        $commands = @(Get-SimulatorCommandLine -Simulator $sim -ComputerName $pc.Name)
        $commands | Where-Object { $_ -match [regex]::Escape($samSid) } | Should -BeNullOrEmpty
        $commands | Where-Object { $_ -match [regex]::Escape($alexSid) } | Should -HaveCount 1
        $tiktok = Get-SimulatorPackage -Simulator $sim -ComputerName $pc.Name | Where-Object fullName -Like 'BytedancePte.Ltd.TikTok_*'
        @($tiktok.users) | Should -Be @($samSid)
    }

    It 'a revoke makes the finding a Violation again' {
        $granted = Grant-AppExemption @target -Rule tiktok-store -User 'EXEMPT-01\sam' -Reason 'Press office' -Expires (Get-Date).AddDays(14)
        (Get-Finding tiktok-store StoreApp $samSid (Get-ScanFinding)).Status | Should -Be 'Exempt'
        Revoke-AppExemption @target -Id $granted.Id | Out-Null
        (Get-Finding tiktok-store StoreApp $samSid (Get-ScanFinding)).Status | Should -Be 'Violation'
    }

    It 'an expired exemption gives a Violation: the one that expired last year, and a new one once its date has passed' {
        # The seeded CapCut exemption for sam expired in 2025.
        $capcut = Get-Finding capcut Exe $samSid (Get-ScanFinding)
        $capcut.Status | Should -Be 'Violation'
        $capcut.ExemptionId | Should -BeNullOrEmpty

        $granted = Grant-AppExemption @target -Rule capcut -User $samSid -Reason 'Video course' -Expires (Get-Date).AddDays(1)
        (Get-Finding capcut Exe $samSid (Get-ScanFinding)).ExemptionId | Should -Be $granted.Id
        $later = Get-Finding capcut Exe $samSid (Get-ScanFinding @{ AsOf = (Get-Date).AddDays(2) })
        $later.Status | Should -Be 'Violation'
        $later.ExemptionId | Should -BeNullOrEmpty
    }

    It 'a device-wide grant (no user) exempts every copy on the device' {
        Grant-AppExemption @target -Rule tiktok-store -Reason 'Kiosk for the press' -Expires (Get-Date).AddDays(1) | Out-Null
        $tiktok = @((Get-ScanFinding) | Where-Object RuleId -EQ 'tiktok-store')
        $tiktok.Count | Should -BeGreaterOrEqual 3
        $tiktok.Status | Sort-Object -Unique | Should -Be 'Exempt'
    }

    It 'findings piped from Get-BannedApp are granted for their rule, user and computer' {
        $changes = Get-BannedApp @target -WarningAction SilentlyContinue | Where-Object UserSid -EQ $samSid |
            Grant-AppExemption -Credential $pc.Credential -Authentication Basic -Reason 'Press office' -Expires (Get-Date).AddDays(7)
        ($changes.RuleId | Sort-Object) | Should -Be @('capcut', 'tiktok-store')
        $changes | ForEach-Object {
            $_.Target | Should -Be $pc.ComputerName
            $_.UserSid | Should -Be $samSid
            $_.UserName | Should -Be 'EXEMPT-01\sam'
        }
        $findings = Get-ScanFinding
        @($findings | Where-Object UserSid -EQ $samSid).Status | Sort-Object -Unique | Should -Be 'Exempt'
        (Get-Finding tiktok-store StoreApp $alexSid $findings).Status | Should -Be 'Violation'
    }

    It 'findings piped with -WhatIf write nothing' {
        $before = Get-ExemptionKey
        Reset-SimulatorHost -Simulator $sim -ComputerName $pc.Name -CountersOnly
        $changes = Get-BannedApp @target -WarningAction SilentlyContinue |
            Grant-AppExemption -Credential $pc.Credential -Authentication Basic -Reason 'x' -Expires (Get-Date).AddDays(1) -WhatIf
        $changes | Should -BeNullOrEmpty
        Get-WriteOperation | Should -HaveCount 0
        @(Get-SimulatorOperation -Simulator $sim -ComputerName $pc.Name | Where-Object operation -Like 'Win32_UserAccount*') | Should -HaveCount 0
        (Get-ExemptionKey).Keys | Should -Be @($before.Keys)
    }

    It 'a policy exemption for a user is honoured by a scan with that policy' {
        $policyFile = Join-Path $TestDrive 'scan-policy.json'
        New-AppBanPolicy -Path $policyFile -Force | Out-Null
        $granted = Grant-AppExemption -PolicyPath $policyFile -Rule tiktok-store -User 'EXEMPT-01\alex' -Reason 'Press office' -Expires (Get-Date).AddDays(7)
        $findings = Get-ScanFinding @{ PolicyPath = $policyFile }
        $alex = Get-Finding tiktok-store StoreApp $alexSid $findings
        $alex.Status | Should -Be 'Exempt'
        $alex.ExemptionId | Should -Be $granted.Id
        $alex.ExemptionSource | Should -Be 'Policy'
        (Get-Finding tiktok-store StoreApp $samSid $findings).Status | Should -Be 'Violation'
    }
}

Describe 'Policy exemptions' {
    BeforeEach {
        $script:policy = Join-Path $TestDrive ("policy-{0}.json" -f [guid]::NewGuid().ToString('N'))
        New-AppBanPolicy -Path $policy -Name 'Exemption test policy' | Out-Null
    }

    It 'grants into the file, keeps it valid, and Get-AppExemption reads it back' {
        $change = Grant-AppExemption -PolicyPath $policy -Rule '*' -Computer 'LAB-*' -Reason 'Security lab' -ApprovedBy CISO -WarningVariable warnings
        $change.Target | Should -Be $policy
        $change.Source | Should -Be 'Policy'
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match 'never expires'

        Test-AppBanPolicy -Path $policy | Should -BeNullOrEmpty
        $entry = (Get-Content -Raw $policy | ConvertFrom-Json).exemptions | Where-Object id -EQ $change.Id
        $entry.ruleId | Should -Be '*'
        $entry.computer | Should -Be 'LAB-*'
        $entry.reason | Should -Be 'Security lab'
        $entry.approvedBy | Should -Be 'CISO'
        $entry.PSObject.Properties.Name | Should -Contain 'expires'
        $entry.expires | Should -BeNullOrEmpty

        $record = Get-AppExemption -PolicyPath $policy
        $record.Id | Should -Be $change.Id
        $record.Status | Should -Be 'Active'
        $record.Computer | Should -Be 'LAB-*'
    }

    It '4 processes granting at once give 4 grants, and the file still passes Test-AppBanPolicy' {
        $commandLine = Get-PwshCommandLine
        $manifest = Join-Path $repoRoot 'AppBan.psd1'
        $go = Join-Path $TestDrive 'go'
        $processes = foreach ($n in 1..4) {
            $ready = Join-Path $TestDrive "ready-$n"
            # Each process loads the module, says it is ready, waits for the common start, then grants.
            $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
New-Item -ItemType File -Path '$ready' | Out-Null
while (-not (Test-Path '$go')) { Start-Sleep -Milliseconds 10 }
`$c = Grant-AppExemption -PolicyPath '$policy' -Rule capcut -User 'CONTOSO\user$n' -Reason 'Concurrent grant $n' -Expires ([DateTime]::UtcNow.AddDays(30)) -WarningAction SilentlyContinue
`$c.Id
"@
            $info = [System.Diagnostics.ProcessStartInfo]::new($commandLine[0])
            foreach ($a in ($commandLine | Select-Object -Skip 1)) { $info.ArgumentList.Add($a) }
            foreach ($a in '-NoProfile', '-NonInteractive', '-Command', $script) { $info.ArgumentList.Add($a) }
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            $info.UseShellExecute = $false
            [System.Diagnostics.Process]::Start($info)
        }
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (@(1..4 | Where-Object { Test-Path (Join-Path $TestDrive "ready-$_") }).Count -lt 4) {
                if ([DateTime]::UtcNow -gt $deadline) { throw 'The granting processes did not get ready.' }
                Start-Sleep -Milliseconds 50
            }
            New-Item -ItemType File -Path $go | Out-Null
            $outputs = foreach ($p in $processes) {
                $stdout = $p.StandardOutput.ReadToEndAsync()
                $stderr = $p.StandardError.ReadToEndAsync()
                $p.WaitForExit(120000) | Should -BeTrue
                [pscustomobject]@{ ExitCode = $p.ExitCode; Id = $stdout.Result.Trim(); Error = $stderr.Result }
            }
        } finally {
            foreach ($p in $processes) { if (-not $p.HasExited) { $p.Kill($true) }; $p.Dispose() }
        }

        $outputs | ForEach-Object { $_.ExitCode | Should -Be 0 -Because $_.Error }
        $ids = @($outputs.Id)
        $ids | Should -HaveCount 4
        Test-AppBanPolicy -Path $policy | Should -BeNullOrEmpty
        $entries = @((Get-Content -Raw $policy | ConvertFrom-Json).exemptions)
        $entries | Should -HaveCount 4
        ($entries.id | Sort-Object) | Should -Be ($ids | Sort-Object)
        ($entries.user | Sort-Object) | Should -Be @('CONTOSO\user1', 'CONTOSO\user2', 'CONTOSO\user3', 'CONTOSO\user4')
        (Get-AppBanPolicy -Path $policy).Exemptions | Should -HaveCount 4
        @(Get-ChildItem -LiteralPath $TestDrive -Filter '*.tmp' -Force) | Should -HaveCount 0
    }

    It '-WhatIf leaves the file as it was, byte for byte' {
        $before = Get-FileHash -LiteralPath $policy
        Grant-AppExemption -PolicyPath $policy -Rule capcut -User 'CONTOSO\alice' -Reason 'x' -Expires (Get-Date).AddDays(1) -WhatIf | Should -BeNullOrEmpty
        (Get-FileHash -LiteralPath $policy).Hash | Should -Be $before.Hash
        $granted = Grant-AppExemption -PolicyPath $policy -Rule capcut -User 'CONTOSO\alice' -Reason 'x' -Expires (Get-Date).AddDays(1)
        $before = Get-FileHash -LiteralPath $policy
        Get-AppExemption -PolicyPath $policy | Revoke-AppExemption -WhatIf | Should -BeNullOrEmpty
        (Get-FileHash -LiteralPath $policy).Hash | Should -Be $before.Hash
        (Get-AppExemption -PolicyPath $policy).Id | Should -Be $granted.Id
    }

    It 'revokes from the file by id, leaving a valid policy' {
        $a = Grant-AppExemption -PolicyPath $policy -Rule capcut -User 'CONTOSO\alice' -Reason 'a' -Expires (Get-Date).AddDays(1)
        $b = Grant-AppExemption -PolicyPath $policy -Rule tiktok-store -User 'S-1-5-21-1-2-3-1001' -Reason 'b' -Expires (Get-Date).AddDays(1)
        $revoked = Revoke-AppExemption -PolicyPath $policy -Id $a.Id
        $revoked.Action | Should -Be 'Revoked'
        $revoked.UserName | Should -Be 'CONTOSO\alice'
        Test-AppBanPolicy -Path $policy | Should -BeNullOrEmpty
        $left = Get-AppExemption -PolicyPath $policy
        $left.Id | Should -Be $b.Id
        $left.UserSid | Should -Be 'S-1-5-21-1-2-3-1001'
    }

    It 'an unknown rule of the file, a past expiry or no reason changes nothing' {
        $before = Get-FileHash -LiteralPath $policy
        { Grant-AppExemption -PolicyPath $policy -Rule nope -Computer 'PC-*' -Reason 'x' -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownRule,*'
        { Grant-AppExemption -PolicyPath $policy -Rule capcut -Computer 'PC-*' -Reason 'x' -Expires (Get-Date).AddHours(-1) -ErrorAction Stop } | Should -Throw -ErrorId 'ExpiryInPast,*'
        { Grant-AppExemption -PolicyPath $policy -Rule capcut -Computer 'PC-*' -Reason ' ' -ErrorAction Stop } | Should -Throw -ErrorId 'ReasonRequired,*'
        { Grant-AppExemption -PolicyPath $policy -Rule capcut -Reason 'nobody' -ErrorAction Stop } | Should -Throw -ErrorId 'MissingSubject,*'
        (Get-FileHash -LiteralPath $policy).Hash | Should -Be $before.Hash
    }

    It 'Grant-AppExemption and a hand-edited policy file agree: <Case>' -ForEach @(
        @{ Case = 'a bare user name is refused'; User = 'alice'; Reason = 'Press office'; ErrorId = 'InvalidUser' }
        @{ Case = 'a reason over 2000 characters is refused'; User = 'CONTOSO\alice'; Reason = ('r' * 2001); ErrorId = 'ReasonInvalid' }
        @{ Case = 'DOMAIN\name with a 2000-character reason is accepted'; User = 'CONTOSO\alice'; Reason = ('r' * 2000); ErrorId = $null }
    ) {
        $expires = [DateTime]::UtcNow.AddDays(30)
        # The same exemption, written into a copy of the file by hand.
        $document = Get-Content -Raw -LiteralPath $policy | ConvertFrom-Json -AsHashtable
        $document.exemptions = @(@{ id = 'by-hand'; ruleId = 'capcut'; user = $User; reason = $Reason; expires = $expires.ToString('yyyy-MM-ddTHH:mm:ssZ') })
        $edited = Join-Path $TestDrive 'by-hand.json'
        $document | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $edited -Encoding utf8NoBOM
        $problems = @(Test-AppBanPolicy -Path $edited)

        $before = Get-FileHash -LiteralPath $policy
        if ($ErrorId) {
            { Grant-AppExemption -PolicyPath $policy -Rule capcut -User $User -Reason $Reason -Expires $expires -ErrorAction Stop } |
                Should -Throw -ErrorId "$ErrorId,*"
            (Get-FileHash -LiteralPath $policy).Hash | Should -Be $before.Hash
            $problems | Should -HaveCount 1
            $problems[0].Message | Should -BeLike "exemption 'by-hand'*"
            $line = (Get-Content -LiteralPath $edited | Select-String -SimpleMatch $(if ($ErrorId -eq 'InvalidUser') { '"user"' } else { '"reason"' })).LineNumber
            $problems[0].Line | Should -Be $line
        } else {
            $granted = Grant-AppExemption -PolicyPath $policy -Rule capcut -User $User -Reason $Reason -Expires $expires
            $granted.Action | Should -Be 'Granted'
            (Get-AppExemption -PolicyPath $policy).Id | Should -Be $granted.Id
            $problems | Should -BeNullOrEmpty
        }
    }

    It 'refuses -PolicyPath together with targets' {
        # -PolicyPath and the target parameters are in different parameter sets: PowerShell refuses the call.
        $before = Get-FileHash -LiteralPath $policy
        { Grant-AppExemption -PolicyPath $policy -ComputerName pc1 -Rule capcut -Computer 'PC-*' -Reason 'x' -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,*'
        { Revoke-AppExemption -PolicyPath $policy -ComputerName pc1 -Id x -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,*'
        (Get-FileHash -LiteralPath $policy).Hash | Should -Be $before.Hash
    }
}
