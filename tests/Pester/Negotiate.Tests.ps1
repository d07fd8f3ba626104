#Requires -Version 7.0
# The simulator's WinRM with Windows' default settings (Basic off, AllowUnencrypted false): NTLM in Negotiate and WS-Man
# message encryption, checked with an independent client, pywinrm (Debian's python3-winrm 0.3.0).

BeforeAll {
    $repoRoot = Join-Path $PSScriptRoot '../..'
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/Pywinrm.psm1') -Force

    # The same machine twice: as Windows ships it, and with Basic and unencrypted HTTP allowed.
    $machine = @{
        os               = @{ caption = 'Microsoft Windows 11 Enterprise'; version = '10.0.26100'; buildNumber = '26100' }
        accounts         = @(
            @{ user = 'it-admin'; password = 'Negotiate-Simulated!'; isAdmin = $true }
            @{ user = 'CORP\dana'; password = 'Domain-Simulated!'; isAdmin = $true }
            @{ user = 'kiosk'; password = 'Kiosk-Simulated!' }
        )
        uninstallEntries = @(
            @{ view = '64'; key = 'Google Chrome'; values = @{ DisplayName = 'Google Chrome' } }
            @{ view = '64'; key = '{23170F69-40C1-2702-2301-000001000000}'; values = @{ DisplayName = '7-Zip 23.01 (x64 edition)' } }
        )
    }
    $hostDir = Join-Path $TestDrive 'hosts'
    $null = New-Item -ItemType Directory -Path $hostDir
    # schemaVersion 2 without winRm: WinRM as a fresh Windows has it.
    (@{ schemaVersion = 2; computerName = 'DEFAULT-01'; domain = 'CORP' } + $machine) | ConvertTo-Json -Depth 8 |
        Set-Content (Join-Path $hostDir 'default-01.json')
    (@{ schemaVersion = 2; computerName = 'BASIC-01'; domain = 'CORP'; winRm = @{ basic = $true; allowUnencrypted = $true } } + $machine) |
        ConvertTo-Json -Depth 8 | Set-Content (Join-Path $hostDir 'basic-01.json')
    $script:sim = Start-AppBanSimulator -HostPath $hostDir
    $script:default = $sim.Hosts | Where-Object Name -EQ 'DEFAULT-01'
    $script:basicHost = $sim.Hosts | Where-Object Name -EQ 'BASIC-01'

    $script:python = Get-Pywinrm
    if ($python) { Write-Host "pywinrm: $python (python3-winrm)" } else { Write-Host "pywinrm could not be had: $(Get-PywinrmProblem)" }

    $script:soapAfterHandshake = {
        param($ComputerName)
        Get-SimulatorOperation -ComputerName $ComputerName | Where-Object { $_.operation -notin 'Unauthorized', 'Authenticate' }
    }
}

AfterAll {
    if ($sim) { Stop-AppBanSimulator -Simulator $sim }
}

Describe 'pywinrm over NTLM with message encryption against WinRM as Windows ships it' {
    BeforeEach {
        if (-not $python) { Set-ItResult -Skipped -Because "pywinrm cannot be had: $(Get-PywinrmProblem)"; return }
        $null = Invoke-RestMethod -Method Post -Uri ($sim.ControlUrl + 'hosts/DEFAULT-01/counters/reset')
    }

    It 'gets the same answers as over Basic on a host that allows it' {
        $encrypted = Invoke-PywinrmQuery -Python $python -Endpoint $default.Url -UserName 'it-admin' -Password 'Negotiate-Simulated!' -Transport ntlm -Encryption always
        $plain = Invoke-PywinrmQuery -Python $python -Endpoint $basicHost.Url -UserName 'it-admin' -Password 'Negotiate-Simulated!' -Transport basic
        $encrypted.Error | Should -BeNullOrEmpty
        $plain.Error | Should -BeNullOrEmpty
        $encrypted.Result.csName | Should -Be 'DEFAULT-01'
        $plain.Result.csName | Should -Be 'BASIC-01'
        $encrypted.Result.caption | Should -Be 'Microsoft Windows 11 Enterprise'
        $encrypted.Result.caption | Should -Be $plain.Result.caption
        $encrypted.Result.version | Should -Be $plain.Result.version
        $encrypted.Result.enumKeyReturnValue | Should -Be 0
        $encrypted.Result.subkeys | Should -Be @('Google Chrome', '{23170F69-40C1-2702-2301-000001000000}')
        $encrypted.Result.subkeys | Should -Be $plain.Result.subkeys
    }

    It 'sends and receives no SOAP body in clear after the handshake' {
        $run = Invoke-PywinrmQuery -Python $python -Endpoint $default.Url -UserName 'it-admin' -Password 'Negotiate-Simulated!' -Transport ntlm -Encryption always
        $run.ExitCode | Should -Be 0
        $log = Get-SimulatorOperation -ComputerName 'DEFAULT-01'
        # The handshake: 401 offering Negotiate, 401 with the CHALLENGE, then the AUTHENTICATE accepted.
        @($log | Where-Object operation -EQ 'Authenticate').result | Should -Be @('401', 'ok')
        $soap = @(& $soapAfterHandshake 'DEFAULT-01')
        $soap.operation | Should -Be @('Enumerate', 'StdRegProv.EnumKey')
        $encryptedType = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'
        foreach ($entry in $soap) {
            $entry.requestContentType | Should -Be $encryptedType
            $entry.replyContentType | Should -Be $encryptedType
            $entry.authentication | Should -Be 'Negotiate+encrypted'
            $entry.user | Should -Be 'it-admin'
        }
    }

    It 'authenticates a domain account given as DOMAIN\user' {
        $run = Invoke-PywinrmQuery -Python $python -Endpoint $default.Url -UserName 'CORP\dana' -Password 'Domain-Simulated!' -Transport ntlm -Encryption always
        $run.Error | Should -BeNullOrEmpty
        $run.Result.subkeys | Should -Contain 'Google Chrome'
        @(& $soapAfterHandshake 'DEFAULT-01').user | Sort-Object -Unique | Should -Be 'CORP\dana'
    }

    It 'rejects a wrong password in the AUTHENTICATE message, and nothing reaches WMI' {
        $run = Invoke-PywinrmQuery -Python $python -Endpoint $default.Url -UserName 'it-admin' -Password 'wrong' -Transport ntlm -Encryption always
        $run.ExitCode | Should -Not -Be 0
        $run.Error | Should -Match 'credentials were rejected'
        (Get-SimulatorOperation -ComputerName 'DEFAULT-01').detail | Should -Contain 'The NTLMv2 response of it-admin does not match the password.'
        @(& $soapAfterHandshake 'DEFAULT-01') | Should -BeNullOrEmpty
    }

    It 'refuses an account that is neither an administrator nor in Remote Management Users, as over Basic' {
        $run = Invoke-PywinrmQuery -Python $python -Endpoint $default.Url -UserName 'kiosk' -Password 'Kiosk-Simulated!' -Transport ntlm -Encryption always
        $run.Error | Should -Match 'credentials were rejected'
        @(& $soapAfterHandshake 'DEFAULT-01') | Should -BeNullOrEmpty
    }

    It 'refuses SOAP in clear over HTTP after NTLM with HTTP 500, before WMI sees it' {
        $run = Invoke-PywinrmQuery -Python $python -Endpoint $default.Url -UserName 'it-admin' -Password 'Negotiate-Simulated!' -Transport ntlm -Encryption never
        $run.ExitCode | Should -Not -Be 0
        $run.Error | Should -Match 'Code 500'
        $refused = @(& $soapAfterHandshake 'DEFAULT-01')
        $refused.operation | Should -Be @('Refused')
        $refused.result | Should -Be @('http500')
        $refused.requestContentType | Should -Be @('application/soap+xml;charset=UTF-8')
        $refused.detail | Should -Be @('unencrypted traffic is not allowed')
    }
}
