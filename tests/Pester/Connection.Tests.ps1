#Requires -Version 7.0
# Test-AppBanConnection and the target-cmdlet plumbing, end to end through the built module.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../AppBan.psd1') -Force
    $script:basic = @{
        Authentication = 'Basic'
        Credential     = [pscredential]::new('admin', (ConvertTo-SecureString 'not-a-real-password' -AsPlainText -Force))
    }
    function Get-FreePort {
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start(); $port = $l.LocalEndpoint.Port; $l.Stop(); $port
    }
}

Describe 'Test-AppBanConnection: parameters and local errors' {
    It 'imports on this system with a CimSession[] parameter and shows its syntax' {
        $syntax = Get-Command Test-AppBanConnection -Syntax | Out-String
        $syntax | Should -Match '-CimSession <CimSession\[\]>'
        $syntax | Should -Match '-ComputerName <string\[\]>'
        (Get-Command Test-AppBanConnection).Parameters['ComputerName'].Aliases | Should -Be @('CN', 'ServerName', 'DNSHostName', 'Name')
    }

    It 'asks for -ComputerName when there is no target and no MI' -Skip:$IsWindows {
        { Test-AppBanConnection -ErrorAction Stop } | Should -Throw -ErrorId 'LocalMachineUnsupported,AppBan.Cmdlets.TestAppBanConnectionCommand'
    }

    It 'reports a refused connection as unreachable, with the computer name' {
        $name = "127.0.0.1:$(Get-FreePort)"
        $r = Test-AppBanConnection -ComputerName $name @basic
        $r.ComputerName | Should -Be $name
        $r.Transport | Should -Be ($IsWindows ? 'MI' : 'WsMan')
        $r.Reachable | Should -BeFalse
        $r.Authenticated | Should -BeFalse
        $r.ErrorId | Should -Be 'TargetUnreachable'
        $r.Error | Should -Match ([regex]::Escape($name))
        $r.Success | Should -BeFalse
    }

    It 'returns only $false with -Quiet' {
        $r = Test-AppBanConnection -ComputerName "127.0.0.1:$(Get-FreePort)" @basic -Quiet
        $r | Should -BeOfType [bool]
        $r | Should -BeFalse
    }

    It 'takes computer names from the pipeline, by value and by property name, one result each' {
        $a = "127.0.0.1:$(Get-FreePort)"; $b = "127.0.0.2:$(Get-FreePort)"
        $byValue = $a, $b | Test-AppBanConnection @basic
        $byProperty = [pscustomobject]@{ DNSHostName = $a }, [pscustomobject]@{ ComputerName = $b } | Test-AppBanConnection @basic
        ($byValue.ComputerName | Sort-Object) | Should -Be (@($a, $b) | Sort-Object)
        ($byProperty.ComputerName | Sort-Object) | Should -Be (@($a, $b) | Sort-Object)
    }

    It 'refuses Kerberos over plain HTTP with the way out, without leaking the password' -Skip:$IsWindows {
        # Negotiate and NTLM over HTTP use message encryption (tests/Pester/Negotiate.Tests.ps1); Kerberos is not there yet.
        $cred = [pscredential]::new('CORP\admin', (ConvertTo-SecureString 'S3cret-Value' -AsPlainText -Force))
        $r = Test-AppBanConnection -ComputerName 'srv-01' -Credential $cred -Authentication Kerberos
        $r.ErrorId | Should -Be 'NotSupported'
        $r.Error | Should -Match 'Kerberos'
        $r.Error | Should -Match '5986'
        $r.Error | Should -Not -Match 'S3cret-Value'
    }

    It 'warns once that Basic over HTTP is cleartext, and not for loopback targets' -Skip:$IsWindows {
        $null = Test-AppBanConnection -ComputerName 'appban-a.invalid', 'appban-b.invalid' @basic -WarningVariable remote -WarningAction SilentlyContinue
        @($remote).Count | Should -Be 1
        $remote[0].Message | Should -Match 'unencrypted'
        $null = Test-AppBanConnection -ComputerName "127.0.0.1:$(Get-FreePort)" @basic -WarningVariable loopback -WarningAction SilentlyContinue
        @($loopback).Count | Should -Be 0
    }

    It 'writes a non-terminating error for an invalid computer name and goes on' {
        $good = "127.0.0.1:$(Get-FreePort)"
        $r = Test-AppBanConnection -ComputerName 'bad host name', $good @basic -ErrorVariable errs -ErrorAction SilentlyContinue
        $r.ComputerName | Should -Be $good
        $errs[0].FullyQualifiedErrorId | Should -Be 'InvalidComputerName,AppBan.Cmdlets.TestAppBanConnectionCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].TargetObject | Should -Be 'bad host name'
    }

    It 'stops promptly on Ctrl+C while targets hang' -Skip:$IsWindows {
        # Listeners that accept connections and never answer: every request hangs until the operation timeout.
        $listeners = 1..3 | ForEach-Object { $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0); $l.Start(); $l }
        try {
            $ps = [powershell]::Create()
            $null = $ps.AddCommand('Import-Module').AddArgument((Join-Path $PSScriptRoot '../../AppBan.psd1')).AddStatement()
            $null = $ps.AddCommand('Test-AppBanConnection').AddParameter('ComputerName', @($listeners | ForEach-Object { "127.0.0.1:$($_.LocalEndpoint.Port)" })).
                AddParameter('Authentication', 'Basic').AddParameter('Credential', $basic.Credential).AddParameter('OperationTimeoutSec', 300)
            $handle = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $ps.InvocationStateInfo.State | Should -Be 'Running'
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            $stop = $ps.BeginStop($null, $null)
            # A hang guard, not a speed assertion: without cancellation this would wait the full 300 s timeout.
            $stop.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(60)) | Should -BeTrue
            $watch.Stop()
            Write-Host "    Ctrl+C took $([int]$watch.Elapsed.TotalMilliseconds) ms with 3 hanging targets"
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally {
            $listeners | ForEach-Object { $_.Stop() }
            if ($ps) { $ps.Dispose() }
        }
    }
}

Describe 'Test-AppBanConnection against the simulated fleet' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/AppBanSimulator.psm1') -Force
        $script:sim = Start-AppBanSimulator -HostPath laptop-01.json, clean-01.json, unreachable-01.json, nonadmin-01.json
        $script:byName = @{}
        foreach ($h in $sim.Hosts) { $byName[$h.Name] = $h }
        # The simulated fleet speaks Basic over HTTP (as a host with AllowUnencrypted would).
        function Test-Simulated {
            param([string] $Name, [pscredential] $Credential, [switch] $Quiet)
            $h = $byName[$Name]
            Test-AppBanConnection -ComputerName $h.ComputerName -Authentication Basic -Credential ($Credential ?? $h.Credential) -UseWsMan -Quiet:$Quiet
        }
        function Get-AccountCredential([string] $Name, [string] $User) {
            $account = @($byName[$Name].Accounts | Where-Object user -EQ $User)[0]
            [pscredential]::new($account.user, (ConvertTo-SecureString $account.password -AsPlainText -Force))
        }
    }
    AfterAll { if ($sim) { Stop-AppBanSimulator -Simulator $sim } }

    It 'passes every check on a healthy host with an administrator' {
        $r = Test-Simulated LAPTOP-01
        $r.Transport | Should -Be 'WsMan'
        $r.Reachable | Should -BeTrue
        $r.Authenticated | Should -BeTrue
        $r.OSCaption | Should -Be 'Microsoft Windows 11 Pro'
        $r.OSVersion | Should -Be '10.0.22631'
        $r.CanReadRegistry | Should -BeTrue
        $r.IsAdministrator | Should -BeTrue
        $r.LatencyMs | Should -BeGreaterOrEqual 0
        $r.Error | Should -BeNullOrEmpty
        $r.Success | Should -BeTrue
        Test-Simulated LAPTOP-01 -Quiet | Should -BeTrue
        # What it did on the host: one WQL query, EnumKey of Uninstall, CheckAccess on HKLM\SOFTWARE.
        $ops = Get-SimulatorOperation -ComputerName LAPTOP-01 -Simulator $sim
        @($ops.operation) | Should -Contain 'StdRegProv.CheckAccess'
        @($ops.operation) | Should -Contain 'StdRegProv.EnumKey'
        @($ops.operation) | Should -Not -Contain 'Win32_Process.Create'
    }

    It 'reports an unreachable host as not reachable' {
        $r = Test-Simulated UNREACHABLE-01
        $r.Reachable | Should -BeFalse
        $r.Authenticated | Should -BeFalse
        $r.ErrorId | Should -Be 'TargetUnreachable'
        $r.Error | Should -Match 'refused'
        Test-Simulated UNREACHABLE-01 -Quiet | Should -BeFalse
    }

    It 'reports a wrong password as reachable but not authenticated' {
        $wrong = [pscredential]::new($byName['LAPTOP-01'].UserName, (ConvertTo-SecureString 'Wrong-Password!' -AsPlainText -Force))
        $r = Test-Simulated LAPTOP-01 -Credential $wrong
        $r.Reachable | Should -BeTrue
        $r.Authenticated | Should -BeFalse
        $r.ErrorId | Should -Be 'AuthenticationFailed'
        $r.Error | Should -Not -Match 'Wrong-Password!'
        $r.IsAdministrator | Should -BeFalse
    }

    It 'reports a standard account outside Remote Management Users as refused by WinRM, with nothing read' {
        Reset-SimulatorHost -ComputerName NONADMIN-01 -Simulator $sim
        $r = Test-Simulated NONADMIN-01 -Credential (Get-AccountCredential NONADMIN-01 kiosk)
        $r.Reachable | Should -BeTrue
        $r.Authenticated | Should -BeFalse
        $r.CanReadRegistry | Should -BeFalse
        $r.IsAdministrator | Should -BeFalse
        $r.ErrorId | Should -Be 'AuthenticationFailed'
        $r.Error | Should -Match 'Remote Management Users'
        $r.Success | Should -BeFalse
        $ops = @(Get-SimulatorOperation -ComputerName NONADMIN-01 -Simulator $sim)
        $ops.Count | Should -BeGreaterThan 0
        @($ops | Where-Object { $_.operation -ne 'Unauthorized' -or $_.result -ne '401' }) | Should -BeNullOrEmpty
    }

    It 'reports a Remote Management User without Remote Enable as denied by WMI, with nothing read' {
        Reset-SimulatorHost -ComputerName NONADMIN-01 -Simulator $sim
        $r = Test-Simulated NONADMIN-01 -Credential (Get-AccountCredential NONADMIN-01 helpdesk)
        $r.Reachable | Should -BeTrue
        $r.Authenticated | Should -BeTrue
        $r.OSCaption | Should -BeNullOrEmpty
        $r.CanReadRegistry | Should -BeFalse
        $r.IsAdministrator | Should -BeFalse
        $r.ErrorId | Should -Be 'AccessDenied'
        $r.Error | Should -Match "The WMI service returned an 'access denied' error"
        $r.Success | Should -BeFalse
        $ops = @(Get-SimulatorOperation -ComputerName NONADMIN-01 -Simulator $sim)
        @($ops.operation) | Should -Contain 'StdRegProv.EnumKey'
        @($ops | Where-Object result -NE 'fault:AccessDenied') | Should -BeNullOrEmpty
    }

    It 'reports a standard account granted Remote Enable as able to read but not an administrator' {
        $r = Test-Simulated NONADMIN-01 -Credential (Get-AccountCredential NONADMIN-01 student)
        $r.Reachable | Should -BeTrue
        $r.Authenticated | Should -BeTrue
        $r.CanReadRegistry | Should -BeTrue
        $r.IsAdministrator | Should -BeFalse
        $r.ErrorId | Should -Be 'AccessDenied'
        $r.Error | Should -Match 'not an administrator'
        $r.Success | Should -BeFalse
    }

    It 'tests many targets from the pipeline in one call, one result per target' {
        $cred = $byName['LAPTOP-01'].Credential
        $results = $sim.Hosts | Where-Object Name -in 'LAPTOP-01', 'UNREACHABLE-01' |
            Test-AppBanConnection -Authentication Basic -Credential $cred -UseWsMan -ThrottleLimit 2
        $results.Count | Should -Be 2
        ($results | Where-Object ComputerName -eq $byName['LAPTOP-01'].ComputerName).Success | Should -BeTrue
        ($results | Where-Object ComputerName -eq $byName['UNREACHABLE-01'].ComputerName).ErrorId | Should -Be 'TargetUnreachable'
    }
}

Describe 'Test-AppBanConnection against WinRM as Windows ships it' -Skip:$IsWindows {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot '../TestHelpers/AppBanSimulator.psm1') -Force
        $account = @{ user = 'it-admin'; password = 'Shipped-Simulated!'; isAdmin = $true }
        # schemaVersion 2 without winRm: Basic off, AllowUnencrypted false, as a fresh Windows.
        @{ schemaVersion = 2; computerName = 'SHIPPED-01'; accounts = @($account) } | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $TestDrive 'shipped.json')
        @{ schemaVersion = 2; computerName = 'OFF-01'; accounts = @($account); faults = @{ switchedOff = $true } } | ConvertTo-Json -Depth 5 |
            Set-Content (Join-Path $TestDrive 'off.json')
        $script:sim = Start-AppBanSimulator -HostPath (Join-Path $TestDrive 'shipped.json'), (Join-Path $TestDrive 'off.json')
        $script:cred = [pscredential]::new($account.user, (ConvertTo-SecureString $account.password -AsPlainText -Force))
        function Test-Shipped([string] $Name) {
            $h = @($sim.Hosts | Where-Object Name -EQ $Name)[0]
            Test-AppBanConnection -ComputerName $h.ComputerName -Authentication Basic -Credential $cred -UseWsMan
        }
    }
    AfterAll { if ($sim) { Stop-AppBanSimulator -Simulator $sim } }

    It 'says what a default Windows needs when it refuses Basic, instead of a generic authentication failure' {
        $r = Test-Shipped SHIPPED-01
        $r.Reachable | Should -BeTrue
        $r.Authenticated | Should -BeFalse
        $r.ErrorId | Should -Be 'AuthenticationFailed'
        $r.Error | Should -Match 'does not accept Basic'
        $r.Error | Should -Match 'HTTPS listener'
        $r.Error | Should -Match 'Basic for local accounts'
        $r.Error | Should -Not -Match 'Shipped-Simulated!'
        @(Get-SimulatorOperation -ComputerName SHIPPED-01 -Simulator $sim | Where-Object result -NE '401') | Should -BeNullOrEmpty
    }

    It 'reports a switched-off computer as unreachable, not as a timeout' {
        $r = Test-Shipped OFF-01
        $r.Reachable | Should -BeFalse
        $r.ErrorId | Should -Be 'TargetUnreachable'
        $r.Error | Should -Match 'switched off'
    }
}
