#Requires -Version 7.0
# User accounts end to end: an Entra ID joined device (users S-1-12-1-..., whom Win32_UserAccount does not list) and a
# domain member whose domain users are resolved from the ProfileList, never by enumerating the domain.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
    $PSDefaultParameterValues['Get-BannedApp:WarningAction'] = 'SilentlyContinue'

    $script:entraSid = 'S-1-12-1-3497415283-1251390421-2857236665-3587372611'
    $script:danaSid = 'S-1-5-21-1004336348-1177238915-682003330-1107'
    $script:exemptionRoot = 'HKLM\SOFTWARE\AppBan\Exemptions'

    # The clean sample host joined to the CONTOSO domain, with a domain user who has a profile and a loaded hive.
    $member = Get-Content -Raw (Join-Path $repoRoot 'tests/hosts/clean-01.json') | ConvertFrom-Json -AsHashtable
    $member.computerName = 'MEMBER-01'
    $member.domain = 'CONTOSO'
    $member.users = @(@($member.users) + @{ sid = $danaSid; name = 'dana'; domain = 'CONTOSO'; profilePath = 'C:\Users\dana'; hiveLoaded = $true })
    $memberPath = Join-Path $TestDrive 'member-01.json'
    $member | ConvertTo-Json -Depth 20 | Set-Content -LiteralPath $memberPath

    $script:sim = Start-AppBanSimulator -HostPath (Join-Path $repoRoot 'tests/hosts/entra-01.json'), $memberPath
    function script:Connect([string] $Name) {
        $h = $sim.Hosts | Where-Object Name -EQ $Name
        @{ ComputerName = $h.ComputerName; Credential = $h.Credential; Authentication = 'Basic' }
    }
    # The Win32_UserAccount queries the host was sent, from its operation log: there must be some, and each must ask
    # about local accounts only.
    function script:Assert-LocalAccountQueryOnly([string] $Name, [string] $Then) {
        $queries = @(Get-SimulatorOperation -Simulator $sim -ComputerName $Name | Where-Object { "$($_.detail)" -match 'FROM Win32_UserAccount' } |
                ForEach-Object { ($_.detail -split ' -> ')[0] })
        $queries | Should -Not -BeNullOrEmpty
        $queries | ForEach-Object { $_ | Should -Match ('FROM Win32_UserAccount WHERE LocalAccount=TRUE AND ' + $Then) }
    }
    function script:Get-ExemptionValue([string] $Name, [string] $Id) {
        $tree = Get-SimulatorRegistry -Simulator $sim -ComputerName $Name -Path "$exemptionRoot\$Id"
        $values = @{}
        foreach ($p in $tree.values.PSObject.Properties) { $values[$p.Name] = $p.Value.value }
        $values
    }
    $script:entra = Connect 'ENTRA-01'
    $script:memberTarget = Connect 'MEMBER-01'
}

AfterAll {
    if ($script:sim) { Stop-AppBanSimulator $script:sim }
}

Describe 'An Entra ID user on an Entra joined device' {
    BeforeEach {
        Reset-SimulatorHost -Simulator $sim -Name 'ENTRA-01'
    }

    It 'has the per-user app found in the hive named by the S-1-12-1 SID, and the user named from the profile' {
        $capcut = @(Get-BannedApp @entra -Rule capcut)
        $capcut.Count | Should -Be 1
        $capcut[0].Scope | Should -Be 'User'
        $capcut[0].UserSid | Should -Be $entraSid
        $capcut[0].UserName | Should -Be 'AlexChen'
        $capcut[0].Status | Should -Be 'Violation'
        $result = Test-AppBanCompliance @entra
        $result.UsersNotScanned | Should -BeNullOrEmpty
        $result.IsCompliant | Should -BeFalse
    }

    It 'is in the JSON report with its SID' {
        $report = Join-Path $TestDrive 'entra-report.json'
        $outcome = Invoke-AppBanRemediation @entra -ReportPath $report -WhatIf
        $outcome.ExitCode | Should -Be 11
        $finding = (Get-Content -Raw -LiteralPath $report | ConvertFrom-Json).targets[0].findings | Where-Object ruleId -EQ 'capcut'
        $finding.userSid | Should -Be $entraSid
        $finding.userName | Should -Be 'AlexChen'
    }

    It 'can be exempted by SID: the grant resolves it from the ProfileList and the exemption applies to the finding' {
        $change = Grant-AppExemption @entra -Rule capcut -User $entraSid -Reason 'Video editing' -Expires (Get-Date).AddDays(7)
        $change.UserSid | Should -Be $entraSid
        (Get-ExemptionValue 'ENTRA-01' $change.Id).UserSid | Should -Be $entraSid
        # Win32_UserAccount does not list Entra ID users, and it was asked about local accounts only.
        Assert-LocalAccountQueryOnly 'ENTRA-01' 'SID='

        $capcut = @(Get-BannedApp @entra -Rule capcut -IncludeExempt)
        $capcut.Count | Should -Be 1
        $capcut[0].Status | Should -Be 'Exempt'
        (Test-AppBanCompliance @entra -Rule capcut).IsCompliant | Should -BeTrue
    }

    It 'can be named AzureAD\ and its profile folder name [guess: how Windows names Entra users]' {
        $change = Grant-AppExemption @entra -Rule capcut -User 'AzureAD\AlexChen' -Reason 'Video editing' -Expires (Get-Date).AddDays(7)
        $change.UserSid | Should -Be $entraSid
        (Get-ExemptionValue 'ENTRA-01' $change.Id).UserName | Should -Be 'AzureAD\AlexChen'
    }
}

Describe 'A domain user on a domain member' {
    BeforeEach {
        Reset-SimulatorHost -Simulator $sim -Name 'MEMBER-01'
    }

    It 'resolves <User> from the ProfileList, with Win32_UserAccount asked about local accounts only' -ForEach @(
        @{ User = 'CONTOSO\dana' }
        @{ User = 'S-1-5-21-1004336348-1177238915-682003330-1107' }
    ) {
        $change = Grant-AppExemption @memberTarget -Rule capcut -User $User -Reason 'Press office' -Expires (Get-Date).AddDays(7)
        $change.UserSid | Should -Be $danaSid
        (Get-ExemptionValue 'MEMBER-01' $change.Id).UserSid | Should -Be $danaSid
        Assert-LocalAccountQueryOnly 'MEMBER-01' ''
    }

    It 'still resolves a local account through Win32_UserAccount' {
        $robin = 'S-1-5-21-1004336348-1177238915-682003330-1001'
        $change = Grant-AppExemption @memberTarget -Rule capcut -User 'MEMBER-01\robin' -Reason 'Lab' -Expires (Get-Date).AddDays(7)
        $change.UserSid | Should -Be $robin
        (Get-ExemptionValue 'MEMBER-01' $change.Id).UserName | Should -Be 'MEMBER-01\robin'
    }
}
