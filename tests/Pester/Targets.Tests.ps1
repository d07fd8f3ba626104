#Requires -Version 7.0
# No target, no fallback: a command that names targets (-ComputerName, -CimSession or any pipeline input) and ends up
# with none usable does nothing. Only a command that names no target at all and reads no pipeline input works on this
# computer, which off Windows is LocalMachineUnsupported. Run build.ps1 Build first.

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $RepoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $RepoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force

    $script:Simulator = Start-AppBanSimulator -HostPath 'clean-01.json', 'laptop-01.json'
    $script:Clean = $Simulator.Hosts | Where-Object Name -EQ 'CLEAN-01'
    $script:Laptop = $Simulator.Hosts | Where-Object Name -EQ 'LAPTOP-01'
    $script:EmptyFile = Join-Path $TestDrive 'empty.txt'
    Set-Content -LiteralPath $EmptyFile -Value @() -NoNewline

    # Runs a command and returns the FullyQualifiedErrorId of every error it gave, terminating or not, and its output.
    function Invoke-Collecting([scriptblock] $Command) {
        $errors = [System.Collections.Generic.List[string]]::new()
        $output = [System.Collections.Generic.List[object]]::new()
        try {
            foreach ($item in (& $Command 2>&1)) {
                if ($item -is [System.Management.Automation.ErrorRecord]) { $errors.Add($item.FullyQualifiedErrorId) }
                elseif ($item -isnot [System.Management.Automation.WarningRecord]) { $output.Add($item) }
            }
        } catch {
            $errors.Add($_.FullyQualifiedErrorId)
        }
        [pscustomobject]@{ Errors = @($errors); Output = @($output) }
    }

    # Every WS-Man operation any simulated host was asked for since the counters were reset.
    function Get-FleetOperation {
        foreach ($h in $Simulator.Hosts) { Get-SimulatorOperation -ComputerName $h.Name }
    }

    # Each cmdlet with target parameters, with the other arguments it needs to do its work without asking.
    $script:Commands = [ordered]@{
        'Get-BannedApp'            = @{}
        'Test-AppBanCompliance'    = @{}
        'Remove-BannedApp'         = @{ Force = $true }
        'Invoke-AppBanRemediation' = @{ Confirm = $false }
        'Get-AppExemption'         = @{}
        'Grant-AppExemption'       = @{ Rule = 'tiktok-store'; Reason = 'Press office'; Confirm = $false }
        'Revoke-AppExemption'      = @{ Id = '3f2504e0-4f89-41d3-9a0c-0305e82c3301'; Confirm = $false }
        'Test-AppBanConnection'    = @{}
    }
}

AfterAll {
    if ($script:Simulator) { Stop-AppBanSimulator $script:Simulator }
}

Describe 'Every cmdlet with target parameters' {
    BeforeDiscovery {
        $script:Cases = @(foreach ($name in 'Get-BannedApp', 'Test-AppBanCompliance', 'Remove-BannedApp', 'Invoke-AppBanRemediation',
                'Get-AppExemption', 'Grant-AppExemption', 'Revoke-AppExemption', 'Test-AppBanConnection') { @{ Name = $name } })
    }

    BeforeEach {
        foreach ($h in $Simulator.Hosts) { Reset-SimulatorHost -ComputerName $h.Name -CountersOnly }
    }

    It 'is in this list (<_>)' -ForEach @('the list') {
        $withTargets = @(Get-Command -Module AppBan -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('ComputerName') } | ForEach-Object Name | Sort-Object)
        $withTargets | Should -Be @($Commands.Keys | Sort-Object)
    }

    It '<Name>: an invalid -ComputerName is reported, and nothing else happens' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Invoke-Collecting { & $Name -ComputerName 'pc 001;x' @arguments }
        $r.Errors | Should -Contain "InvalidComputerName,AppBan.Cmdlets.$($Name -replace '-', '')Command"
        $r.Errors | Where-Object { $_ -like 'LocalMachineUnsupported*' } | Should -BeNullOrEmpty
        @($r.Errors).Count | Should -Be 1
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: an invalid name from the pipeline is reported, and nothing else happens' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Invoke-Collecting { 'pc 001;x' | & $Name @arguments }
        $r.Errors | Where-Object { $_ -like 'LocalMachineUnsupported*' } | Should -BeNullOrEmpty
        @($r.Errors | Where-Object { $_ -notlike 'InvalidComputerName,*' -and $_ -notlike 'InputObjectNotBound,*' }) | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: an empty pipeline does nothing' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Invoke-Collecting { @() | & $Name @arguments }
        $r.Errors | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
        $fromFile = Invoke-Collecting { Get-Content -LiteralPath $EmptyFile | & $Name @arguments }
        $fromFile.Errors | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: an empty pipeline with connection parameters does nothing' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Invoke-Collecting { @() | & $Name @arguments -Credential $Laptop.Credential -Authentication Basic }
        $r.Errors | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: with no target at all, it is this computer (LocalMachineUnsupported off Windows)' -TestCases $Cases -Skip:$IsWindows {
        $arguments = $Commands[$Name]
        $r = Invoke-Collecting { & $Name @arguments }
        $r.Errors | Should -Contain "LocalMachineUnsupported,AppBan.Cmdlets.$($Name -replace '-', '')Command"
        Get-FleetOperation | Should -BeNullOrEmpty
    }
}

Describe 'The documented pipelines on a clean fleet' {
    BeforeAll {
        $script:CleanTarget = @{ ComputerName = $Clean.ComputerName; Credential = $Clean.Credential; Authentication = 'Basic' }
    }

    It 'Get-BannedApp | Remove-BannedApp removes nothing and contacts nothing else' {
        Reset-SimulatorHost -ComputerName CLEAN-01
        Reset-SimulatorHost -ComputerName LAPTOP-01 -CountersOnly
        $r = Invoke-Collecting { Get-BannedApp @CleanTarget | Remove-BannedApp -Force }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        Get-SimulatorCommandLine -ComputerName CLEAN-01 | Should -BeNullOrEmpty
        Get-SimulatorOperation -ComputerName LAPTOP-01 | Should -BeNullOrEmpty
    }

    It 'Get-BannedApp | Grant-AppExemption grants nothing anywhere' {
        Reset-SimulatorHost -ComputerName CLEAN-01
        $r = Invoke-Collecting { Get-BannedApp @CleanTarget | Grant-AppExemption -Reason 'Press office' -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        Get-SimulatorRegistry -ComputerName CLEAN-01 -Path 'HKLM\SOFTWARE\AppBan\Exemptions' | Should -BeNullOrEmpty
    }

    It 'Get-AppExemption | Revoke-AppExemption revokes nothing' {
        Reset-SimulatorHost -ComputerName CLEAN-01
        $r = Invoke-Collecting { Get-AppExemption @CleanTarget | Revoke-AppExemption -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
    }

}
