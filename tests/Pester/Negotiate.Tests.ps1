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
    # The module's own pair: the same machine with a banned application installed, as shipped and with Basic allowed.
    $banned = @{ view = '64'; key = 'TikTok LIVE Studio'; values = @{ DisplayName = 'TikTok LIVE Studio'; DisplayVersion = '0.86.2'; Publisher = 'TikTok Pte. Ltd.' } }
    $withBanned = $machine.Clone()
    $withBanned.uninstallEntries = @($machine.uninstallEntries) + $banned
    (@{ schemaVersion = 2; computerName = 'DEFAULT-02'; domain = 'CORP' } + $withBanned) | ConvertTo-Json -Depth 8 |
        Set-Content (Join-Path $hostDir 'default-02.json')
    (@{ schemaVersion = 2; computerName = 'BASIC-02'; domain = 'CORP'; winRm = @{ basic = $true; allowUnencrypted = $true } } + $withBanned) |
        ConvertTo-Json -Depth 8 | Set-Content (Join-Path $hostDir 'basic-02.json')
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
        $encrypted = Get-PywinrmAnswer -Python $python -Endpoint $default.Url -Credential ([pscredential]::new('it-admin', (ConvertTo-SecureString 'Negotiate-Simulated!' -AsPlainText -Force))) -Transport ntlm -Encryption always
        $plain = Get-PywinrmAnswer -Python $python -Endpoint $basicHost.Url -Credential ([pscredential]::new('it-admin', (ConvertTo-SecureString 'Negotiate-Simulated!' -AsPlainText -Force))) -Transport basic
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
        $run = Get-PywinrmAnswer -Python $python -Endpoint $default.Url -Credential ([pscredential]::new('it-admin', (ConvertTo-SecureString 'Negotiate-Simulated!' -AsPlainText -Force))) -Transport ntlm -Encryption always
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
        $run = Get-PywinrmAnswer -Python $python -Endpoint $default.Url -Credential ([pscredential]::new('CORP\dana', (ConvertTo-SecureString 'Domain-Simulated!' -AsPlainText -Force))) -Transport ntlm -Encryption always
        $run.Error | Should -BeNullOrEmpty
        $run.Result.subkeys | Should -Contain 'Google Chrome'
        @(& $soapAfterHandshake 'DEFAULT-01').user | Sort-Object -Unique | Should -Be 'CORP\dana'
    }

    It 'rejects a wrong password in the AUTHENTICATE message, and nothing reaches WMI' {
        $run = Get-PywinrmAnswer -Python $python -Endpoint $default.Url -Credential ([pscredential]::new('it-admin', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))) -Transport ntlm -Encryption always
        $run.ExitCode | Should -Not -Be 0
        $run.Error | Should -Match 'credentials were rejected'
        (Get-SimulatorOperation -ComputerName 'DEFAULT-01').detail | Should -Contain 'The NTLMv2 response of it-admin does not match the password.'
        @(& $soapAfterHandshake 'DEFAULT-01') | Should -BeNullOrEmpty
    }

    It 'refuses an account that is neither an administrator nor in Remote Management Users, as over Basic' {
        $run = Get-PywinrmAnswer -Python $python -Endpoint $default.Url -Credential ([pscredential]::new('kiosk', (ConvertTo-SecureString 'Kiosk-Simulated!' -AsPlainText -Force))) -Transport ntlm -Encryption always
        $run.Error | Should -Match 'credentials were rejected'
        @(& $soapAfterHandshake 'DEFAULT-01') | Should -BeNullOrEmpty
    }

    It 'refuses SOAP in clear over HTTP after NTLM with HTTP 500, before WMI sees it' {
        $run = Get-PywinrmAnswer -Python $python -Endpoint $default.Url -Credential ([pscredential]::new('it-admin', (ConvertTo-SecureString 'Negotiate-Simulated!' -AsPlainText -Force))) -Transport ntlm -Encryption never
        $run.ExitCode | Should -Not -Be 0
        $run.Error | Should -Match 'Code 500'
        $refused = @(& $soapAfterHandshake 'DEFAULT-01')
        $refused.operation | Should -Be @('Refused')
        $refused.result | Should -Be @('http500')
        $refused.requestContentType | Should -Be @('application/soap+xml;charset=UTF-8')
        $refused.detail | Should -Be @('unencrypted traffic is not allowed')
    }
}

Describe 'The module over NTLM with message encryption against WinRM as Windows ships it' {
    BeforeAll {
        Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force
        $script:default2 = $sim.Hosts | Where-Object Name -EQ 'DEFAULT-02'
        $script:basic2 = $sim.Hosts | Where-Object Name -EQ 'BASIC-02'
        $script:admin = [pscredential]::new('it-admin', (ConvertTo-SecureString 'Negotiate-Simulated!' -AsPlainText -Force))
        $script:encryptedType = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'
        # What Get-BannedApp found, without the computer's name and address, which differ between the two hosts.
        $script:shape = { param($Findings) @($Findings | ForEach-Object { '{0}|{1}|{2}' -f $_.RuleId, $_.AppName, $_.Status }) }
    }

    BeforeEach {
        foreach ($name in 'DEFAULT-02', 'BASIC-02') { $null = Invoke-RestMethod -Method Post -Uri ($sim.ControlUrl + "hosts/$name/counters/reset") }
    }

    It 'Get-BannedApp with -Credential and no -Authentication finds what Basic finds on an otherwise identical host' {
        $encrypted = @(Get-BannedApp -ComputerName $default2.ComputerName -Credential $admin -ErrorAction Stop)
        $plain = @(Get-BannedApp -ComputerName $basic2.ComputerName -Credential $admin -Authentication Basic -ErrorAction Stop -WarningAction SilentlyContinue)
        $encrypted.Count | Should -BeGreaterThan 0
        $encrypted.AppName | Should -Contain 'TikTok LIVE Studio'
        (& $shape $encrypted) | Should -Be (& $shape $plain)
        $encrypted.ComputerName | Sort-Object -Unique | Should -Be $default2.ComputerName
        $encrypted.MachineName | Sort-Object -Unique | Should -Be 'DEFAULT-02'
        $plain.MachineName | Sort-Object -Unique | Should -Be 'BASIC-02'
    }

    It 'sends and receives no SOAP body in clear, and authenticated with NTLM' {
        $null = Get-BannedApp -ComputerName $default2.ComputerName -Credential $admin -ErrorAction Stop
        $log = Get-SimulatorOperation -ComputerName 'DEFAULT-02'
        $soap = @(& $soapAfterHandshake 'DEFAULT-02')
        $soap.Count | Should -BeGreaterThan 1
        foreach ($entry in $soap) {
            $entry.requestContentType | Should -Be $encryptedType
            $entry.replyContentType | Should -Be $encryptedType
            $entry.authentication | Should -Be 'Negotiate+encrypted'
            $entry.user | Should -Be 'it-admin'
        }
        $accepted = @($log | Where-Object { $_.operation -eq 'Authenticate' -and $_.result -eq 'ok' })
        $accepted.Count | Should -BeGreaterThan 0
        $accepted.detail | Sort-Object -Unique | Should -Be 'NTLM \it-admin'
        @($log | Where-Object { $_.operation -in 'Refused', 'Unauthorized' }) | Should -BeNullOrEmpty
    }

    It 'authenticates a domain account given as DOMAIN\user' {
        $dana = [pscredential]::new('CORP\dana', (ConvertTo-SecureString 'Domain-Simulated!' -AsPlainText -Force))
        $found = @(Get-BannedApp -ComputerName $default2.ComputerName -Credential $dana -ErrorAction Stop)
        $found.AppName | Should -Contain 'TikTok LIVE Studio'
        @(& $soapAfterHandshake 'DEFAULT-02').user | Sort-Object -Unique | Should -Be 'CORP\dana'
    }

    It 'a wrong password is the module''s authentication error, and nothing reaches WMI' {
        $wrong = [pscredential]::new('it-admin', (ConvertTo-SecureString 'wrong-Password' -AsPlainText -Force))
        $found = @(Get-BannedApp -ComputerName $default2.ComputerName -Credential $wrong -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found | Should -BeNullOrEmpty
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,AppBan.Cmdlets.GetBannedAppCommand'
        "$($errs[0])" | Should -Match 'rejected the credentials'
        "$($errs[0])" | Should -Not -Match 'wrong-Password'
        (Get-SimulatorOperation -ComputerName 'DEFAULT-02').detail | Should -Contain 'The NTLMv2 response of it-admin does not match the password.'
        @(& $soapAfterHandshake 'DEFAULT-02') | Should -BeNullOrEmpty
    }

    It '-Authentication Basic against that host still fails as before, without switching to Negotiate' {
        $found = @(Get-BannedApp -ComputerName $default2.ComputerName -Credential $admin -Authentication Basic -ErrorVariable errs -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $found | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,AppBan.Cmdlets.GetBannedAppCommand'
        "$($errs[0])" | Should -Match 'does not accept Basic'
        @(Get-SimulatorOperation -ComputerName 'DEFAULT-02' | Where-Object operation -EQ 'Authenticate') | Should -BeNullOrEmpty
    }

    It '-Authentication Kerberos over plain HTTP says it is not supported yet instead of falling back' {
        $found = @(Get-BannedApp -ComputerName $default2.ComputerName -Credential $admin -Authentication Kerberos -ErrorVariable errs -ErrorAction SilentlyContinue)
        $found | Should -BeNullOrEmpty
        $errs[0].FullyQualifiedErrorId | Should -Be 'NotSupported,AppBan.Cmdlets.GetBannedAppCommand'
        "$($errs[0])" | Should -Match 'Kerberos over plain HTTP'
        @(Get-SimulatorOperation -ComputerName 'DEFAULT-02') | Should -BeNullOrEmpty
    }
}
