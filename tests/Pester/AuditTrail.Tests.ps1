#Requires -Version 7.0
# The local audit trail (Application event log, source AppBan). Writing events needs Windows and elevation, which
# these tests do not have; what they check is that the module binds the EventLog members it calls by reflection
# (a typo there would only show on an elevated Windows run), and that where the trail does not apply, changes are
# neither blocked nor noisy.

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
    $script:moduleAssembly = [AppBan.Cmdlets.GetBannedAppCommand].Assembly
}

Describe 'Event log binding' {
    It 'finds SourceExists, CreateEventSource, WriteEntry and EventSourceCreationData as it calls them' {
        $apiType = $moduleAssembly.GetType('AppBan.Cmdlets.EventLogAuditTrail+EventLogApi', $true)
        $api = $apiType.GetMethod('Bind').Invoke($null, @())
        if ($null -eq $api) {
            Set-ItResult -Skipped -Because 'this PowerShell has no System.Diagnostics.EventLog'
            return
        }
        $api.SourceExists.DeclaringType.FullName | Should -Be 'System.Diagnostics.EventLog'
        $api.SourceExists.ReturnType | Should -Be ([bool])
        @($api.CreateEventSource.GetParameters().ParameterType.FullName) | Should -Be @('System.Diagnostics.EventSourceCreationData')
        # Off Windows every EventLog member throws, so the creation data is checked by its shape, not built.
        $api.SourceDataType.GetConstructor([type[]] @([string], [string])) | Should -Not -BeNullOrEmpty
        $api.MessageResourceFile.PropertyType | Should -Be ([string])
        $api.MessageResourceFile.CanWrite | Should -BeTrue
        @($api.WriteEntry.GetParameters().ParameterType.Name) | Should -Be @('String', 'String', 'EventLogEntryType', 'Int32')
        # The trail writes these numbers for Error, Warning and Information.
        [int][Enum]::Parse($api.EntryType, 'Error') | Should -Be 1
        [int][Enum]::Parse($api.EntryType, 'Warning') | Should -Be 2
        [int][Enum]::Parse($api.EntryType, 'Information') | Should -Be 4
    }
}

Describe 'Where the audit trail does not apply' -Skip:$IsWindows {
    BeforeAll {
        $script:sim = Start-AppBanSimulator -HostPath (Join-Path $repoRoot 'tests/hosts/laptop-01.json')
        $script:pc = $sim.Hosts[0]
        $script:target = @{ ComputerName = $pc.ComputerName; Credential = $pc.Credential; Authentication = 'Basic' }
    }
    AfterAll { Stop-AppBanSimulator $sim }

    It 'grants and revokes with no warning' {
        $granted = Grant-AppExemption @target -Rule 'tiktok-store' -Reason 'Press office' -Expires (Get-Date).AddDays(7) -Confirm:$false -WarningVariable grantWarnings
        $granted.Action | Should -Be 'Granted'
        (Get-SimulatorRegistry -Simulator $sim -ComputerName $pc.Name -Path "HKLM\SOFTWARE\AppBan\Exemptions\$($granted.Id)") | Should -Not -BeNullOrEmpty
        $revoked = Revoke-AppExemption @target -Id $granted.Id -Confirm:$false -WarningVariable revokeWarnings
        $revoked.Action | Should -Be 'Revoked'
        (Get-SimulatorRegistry -Simulator $sim -ComputerName $pc.Name -Path "HKLM\SOFTWARE\AppBan\Exemptions\$($granted.Id)") | Should -BeNullOrEmpty
        $grantWarnings + $revokeWarnings | Should -BeNullOrEmpty
    }
}
