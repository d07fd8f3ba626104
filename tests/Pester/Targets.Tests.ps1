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
    function Get-CommandOutcome([scriptblock] $Command) {
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
        $r = Get-CommandOutcome { & $Name -ComputerName 'pc 001;x' @arguments }
        $r.Errors | Should -Contain "InvalidComputerName,AppBan.Cmdlets.$($Name -replace '-', '')Command"
        $r.Errors | Where-Object { $_ -like 'LocalMachineUnsupported*' } | Should -BeNullOrEmpty
        @($r.Errors).Count | Should -Be 1
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: an invalid name from the pipeline is reported, and nothing else happens' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Get-CommandOutcome { 'pc 001;x' | & $Name @arguments }
        $r.Errors | Where-Object { $_ -like 'LocalMachineUnsupported*' } | Should -BeNullOrEmpty
        @($r.Errors | Where-Object { $_ -notlike 'InvalidComputerName,*' -and $_ -notlike 'InputObjectNotBound,*' }) | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: an empty pipeline does nothing' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Get-CommandOutcome { @() | & $Name @arguments }
        $r.Errors | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
        $fromFile = Get-CommandOutcome { Get-Content -LiteralPath $EmptyFile | & $Name @arguments }
        $fromFile.Errors | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: an empty pipeline with connection parameters does nothing' -TestCases $Cases {
        $arguments = $Commands[$Name]
        $r = Get-CommandOutcome { @() | & $Name @arguments -Credential $Laptop.Credential -Authentication Basic }
        $r.Errors | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It '<Name>: with no target at all, it is this computer (LocalMachineUnsupported off Windows)' -TestCases $Cases -Skip:$IsWindows {
        $arguments = $Commands[$Name]
        $r = Get-CommandOutcome { & $Name @arguments }
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
        $r = Get-CommandOutcome { Get-BannedApp @CleanTarget | Remove-BannedApp -Force }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        Get-SimulatorCommandLine -ComputerName CLEAN-01 | Should -BeNullOrEmpty
        Get-SimulatorOperation -ComputerName LAPTOP-01 | Should -BeNullOrEmpty
    }

    It 'Get-BannedApp | Grant-AppExemption grants nothing anywhere' {
        Reset-SimulatorHost -ComputerName CLEAN-01
        $r = Get-CommandOutcome { Get-BannedApp @CleanTarget | Grant-AppExemption -Reason 'Press office' -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        Get-SimulatorRegistry -ComputerName CLEAN-01 -Path 'HKLM\SOFTWARE\AppBan\Exemptions' | Should -BeNullOrEmpty
    }

    It 'Remove-BannedApp -InputObject @() is refused by PowerShell and contacts nothing' {
        foreach ($h in $Simulator.Hosts) { Reset-SimulatorHost -ComputerName $h.Name -CountersOnly }
        $r = Get-CommandOutcome { Remove-BannedApp -InputObject @() -Force }
        $r.Errors | Should -Be @('ParameterArgumentValidationErrorEmptyArrayNotAllowed,AppBan.Cmdlets.RemoveBannedAppCommand')
        $r.Output | Should -BeNullOrEmpty
        Get-FleetOperation | Should -BeNullOrEmpty
    }

    It 'Get-AppExemption | Revoke-AppExemption revokes nothing' {
        Reset-SimulatorHost -ComputerName CLEAN-01
        $r = Get-CommandOutcome { Get-AppExemption @CleanTarget | Revoke-AppExemption -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
    }

}

Describe 'Documented examples bind to a parameter set' {
    BeforeAll {
        $script:AppBanCommands = @{}
        foreach ($c in Get-Command -Module AppBan -CommandType Cmdlet) { $AppBanCommands[$c.Name] = $c }

        # The PowerShell code of a documentation file: fenced blocks of Markdown (not the SYNTAX of a cmdlet page, which
        # is notation), lines indented as code in an about topic.
        function Get-DocumentedCode([string] $Path) {
            $lines = Get-Content -LiteralPath $Path
            $block = [System.Collections.Generic.List[string]]::new()
            if ($Path -like '*.md') {
                $inside = $false; $language = ''; $section = ''
                foreach ($line in $lines) {
                    if (-not $inside -and $line -match '^## (.+)$') { $section = $Matches[1] }
                    if ($line -match '^\s*```(\w*)') {
                        if ($inside) {
                            if ($language -notin 'yaml', 'json', 'xml', 'text', 'csv' -and $section -ne 'SYNTAX') { ($block -join "`n") }
                            $block.Clear(); $inside = $false
                        } else { $inside = $true; $language = $Matches[1] }
                    } elseif ($inside) { $block.Add($line) }
                }
            } else {
                foreach ($line in $lines + '') {
                    if ($line -match '^ {8}') { $block.Add($line); continue }
                    if ($block.Count) { ($block -join "`n"); $block.Clear() }
                }
            }
        }

        # The parameter named by a command-line token, as PowerShell resolves it: full name, alias or unique prefix.
        function Resolve-Parameter([System.Management.Automation.CommandInfo] $Command, [string] $Token) {
            $exact = @($Command.Parameters.Values | Where-Object { $_.Name -eq $Token -or $_.Aliases -contains $Token })
            if ($exact.Count) { return $exact[0] }
            $prefixed = @($Command.Parameters.Values | Where-Object { $_.Name -like "$Token*" })
            if ($prefixed.Count -eq 1) { return $prefixed[0] }
        }

        # Why a command line binds to no parameter set of its AppBan cmdlet; nothing when it binds to one.
        function Test-CommandBinding([System.Management.Automation.Language.CommandAst] $Ast) {
            $command = $AppBanCommands[$Ast.GetCommandName()]
            $pipeline = $Ast.Parent -is [System.Management.Automation.Language.PipelineAst] -and $Ast.Parent.PipelineElements.IndexOf($Ast) -gt 0
            $splatted = $false; $named = [System.Collections.Generic.List[string]]::new(); $positional = 0
            $elements = $Ast.CommandElements
            for ($i = 1; $i -lt $elements.Count; $i++) {
                $element = $elements[$i]
                if ($element -is [System.Management.Automation.Language.CommandParameterAst]) {
                    $parameter = Resolve-Parameter $command $element.ParameterName
                    if (-not $parameter) { return "-$($element.ParameterName) is not a parameter of $($command.Name)" }
                    $named.Add($parameter.Name)
                    if ($parameter.SwitchParameter -or $element.Argument) { continue }
                    $i++
                } elseif ($element -is [System.Management.Automation.Language.VariableExpressionAst] -and $element.Splatted) {
                    $splatted = $true
                } else { $positional++ }
            }
            $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
            foreach ($set in $command.ParameterSets) {
                $inSet = @($set.Parameters.Name)
                if (@($named | Where-Object { $_ -notin $inSet -and $_ -notin $common }).Count) { continue }
                # Positional arguments bind, in order, to the positional parameters not already named.
                $open = @($set.Parameters | Where-Object { $_.Position -ge 0 -and $_.Name -notin $named } | Sort-Object Position)
                if ($positional -gt $open.Count) { continue }
                $bound = @($open | Select-Object -First $positional | ForEach-Object Name)
                $missing = @($set.Parameters | Where-Object {
                        $_.IsMandatory -and $_.Name -notin $named -and $_.Name -notin $bound -and
                        -not ($pipeline -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName)) })
                if ($missing.Count -and -not $splatted) { continue }
                return
            }
            "no parameter set of $($command.Name) takes -$($named -join ', -')$(if ($pipeline) { ' with pipeline input' })"
        }

        function Get-AppBanCommandAst([string] $Code) {
            $tokens = $null; $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $tokens, [ref] $errors)
            $ast.FindAll({ param($a) $a -is [System.Management.Automation.Language.CommandAst] -and $AppBanCommands.ContainsKey("$($a.GetCommandName())") }, $true)
        }
    }

    It 'refuses what no parameter set allows (the check can fail)' {
        $refused = 'Get-BannedApp -CimSession $s -Credential $c', 'Get-BannedApp -ComputerName pc1 -CimSession $s',
            'Grant-AppExemption -PolicyPath p.json -ComputerName pc1 -Rule capcut -Reason x', 'Revoke-AppExemption -ComputerName pc1',
            'Test-AppBanConnection -CimSession $s -UseSSL', 'Get-BannedApp -Policy $p -PolicyPath p.json', 'Get-BannedApp -NoSuchParameter'
        foreach ($line in $refused) { Test-CommandBinding @(Get-AppBanCommandAst $line)[0] | Should -Not -BeNullOrEmpty -Because $line }
        Test-CommandBinding @(Get-AppBanCommandAst 'Get-BannedApp -CimSession $s -PolicyPath p.json')[0] | Should -BeNullOrEmpty
        Test-CommandBinding @(Get-AppBanCommandAst '$f | Grant-AppExemption -Reason x')[0] | Should -BeNullOrEmpty
        # A mandatory parameter given by position binds; one given neither way does not.
        Test-CommandBinding @(Get-AppBanCommandAst '$r | Export-AppBanReport fleet.html -StaleAfter 1.00:00:00')[0] | Should -BeNullOrEmpty
        Test-CommandBinding @(Get-AppBanCommandAst '$r | Export-AppBanReport -StaleAfter 1.00:00:00')[0] | Should -Not -BeNullOrEmpty
    }

    It 'every AppBan command line in README.md, docs and about_AppBan binds' {
        $files = @(Get-Item (Join-Path $RepoRoot 'README.md'), (Join-Path $RepoRoot 'module/en-US/about_AppBan.help.txt')) +
            @(Get-ChildItem (Join-Path $RepoRoot 'docs') -Filter *.md -Recurse)
        $checked = 0
        $failures = foreach ($file in $files) {
            foreach ($code in Get-DocumentedCode $file.FullName) {
                foreach ($ast in Get-AppBanCommandAst $code) {
                    $checked++
                    $why = Test-CommandBinding $ast
                    if ($why) { "$($file.Name): $($ast.Extent.Text): $why" }
                }
            }
        }
        $failures | Should -BeNullOrEmpty
        $checked | Should -BeGreaterThan 50
    }
}
