#Requires -Version 7.0
# The simulated fleet's Pester helper: start, inspect, reset and stop, as the module's Pester tests use it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../TestHelpers/AppBanSimulator.psm1') -Force
    $script:sim = Start-AppBanSimulator -HostPath laptop-01.json, unreachable-01.json

    function Send-SoapRequest([object] $Target, [pscredential] $Credential, [string] $Body) {
        $envelope = @"
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">
<s:Header><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv</w:ResourceURI>
<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>
<a:Action>http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv/CreateKey</a:Action><a:MessageID>uuid:5E1B2C3D-0000-4000-8000-000000000001</a:MessageID>
<w:OptionSet><w:Option Name="wmi:__ProviderArchitecture" Type="xs:int">64</w:Option></w:OptionSet></s:Header>
<s:Body>$Body</s:Body></s:Envelope>
"@
        Invoke-WebRequest -Uri $Target.Url -Method Post -Body $envelope -ContentType 'application/soap+xml;charset=UTF-8' `
            -Authentication Basic -Credential $Credential -AllowUnencryptedAuthentication -SkipHttpErrorCheck
    }
}

AfterAll {
    if ($script:sim) { Stop-AppBanSimulator $script:sim }
}

Describe 'Start-AppBanSimulator' {
    It 'returns every host with its URL, computer name and admin credential' {
        $sim.Hosts.Name | Should -Be @('LAPTOP-01', 'UNREACHABLE-01')
        $laptop = $sim.Hosts | Where-Object Name -EQ 'LAPTOP-01'
        $laptop.ComputerName | Should -Match '^127\.0\.0\.1:\d+$'
        $laptop.Url | Should -Be "http://$($laptop.ComputerName)/wsman"
        $laptop.Credential.UserName | Should -Be 'it-admin'
        $laptop.Reachable | Should -BeTrue
        ($sim.Hosts | Where-Object Name -EQ 'UNREACHABLE-01').Reachable | Should -BeFalse
        $sim.ControlUrl | Should -Match '^http://127\.0\.0\.1:\d+/$'
    }
}

Describe 'Inspecting and resetting a host' {
    BeforeEach { Reset-SimulatorHost -ComputerName LAPTOP-01 }

    It 'shows packages and registry as described' {
        (Get-SimulatorPackage -ComputerName LAPTOP-01).fullName | Should -Contain 'BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se'
        $key = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\TikTok LIVE Studio'
        $key.values.DisplayName.value | Should -Be 'TikTok LIVE Studio'
        Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\NoSuchKey' | Should -BeNullOrEmpty
    }

    It 'counts operations, rejects a wrong password and resets to the description' {
        $laptop = $sim.Hosts | Where-Object Name -EQ 'LAPTOP-01'
        $body = '<p:CreateKey_INPUT xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wmi/root/default/StdRegProv"><p:hDefKey>2147483650</p:hDefKey><p:sSubKeyName>SOFTWARE\FromPester</p:sSubKeyName></p:CreateKey_INPUT>'
        $wrong = [pscredential]::new('it-admin', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        (Send-SoapRequest $laptop $wrong $body).StatusCode | Should -Be 401
        $reply = Send-SoapRequest $laptop $laptop.Credential $body
        $reply.StatusCode | Should -Be 200
        ([xml]$reply.Content).Envelope.Body.CreateKey_OUTPUT.ReturnValue | Should -Be '0'
        (Get-SimulatorOperation -ComputerName LAPTOP-01 -Count).'StdRegProv.CreateKey' | Should -Be 1
        Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\FromPester' | Should -Not -BeNullOrEmpty
        Get-SimulatorCommandLine -ComputerName LAPTOP-01 | Should -BeNullOrEmpty

        Reset-SimulatorHost -ComputerName LAPTOP-01
        Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\FromPester' | Should -BeNullOrEmpty
        (Get-SimulatorOperation -ComputerName LAPTOP-01).Count | Should -Be 0
    }
}

Describe 'Stop-AppBanSimulator' {
    It 'stops the process it started' {
        $other = Start-AppBanSimulator -HostPath clean-01.json
        Stop-AppBanSimulator $other
        $other.Process.HasExited | Should -BeTrue
        $other.Process.ExitCode | Should -Be 0
    }
}
