<#
    Module hygiene: help, the public parameter surface, naming, exports, script lint and a quiet import.
    The exported cmdlets are discovered from the built module, so every check covers cmdlets added later.
    Run build.ps1 Build first.
#>

BeforeDiscovery {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $module = Import-Module (Join-Path $repoRoot 'AppBan.psd1') -Force -PassThru
    $cmdlets = @($module.ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })

    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/ScriptHygiene.psm1') -Force
    $scriptFiles = @(Get-RepositoryScriptFile -Root $repoRoot | ForEach-Object {
        $relative = [System.IO.Path]::GetRelativePath($repoRoot, $_.FullName).Replace('\', '/')
        @{ Path = $_.FullName; Relative = $relative; IsModuleCode = $relative -like 'module/*' }
    })
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $manifestPath = Join-Path $repoRoot 'AppBan.psd1'
    $module = Import-Module $manifestPath -Force -PassThru
    Import-Module (Join-Path $repoRoot 'tools/ModuleTooling.psm1') -Force
    Import-Module (Join-Path $repoRoot 'tests/TestHelpers/ScriptHygiene.psm1') -Force

    $surfaceDir = Join-Path $repoRoot 'tests/Pester/Surface'
    $mamlPath = Join-Path $repoRoot 'en-US/AppBan.dll-Help.xml'
    $commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $updateHint = 'If the change is deliberate, run "dotnet pwsh -NoProfile -File ./tools/Update-SurfaceSnapshot.ps1" after a build, review the diff of tests/Pester/Surface/ and commit it.'

    function ConvertTo-SingleQuoted([string] $Text) { "'" + ($Text -replace "'", "''") + "'" }

    function Get-HelpText([object] $Node) {
        # Get-Help gives descriptions as arrays of objects with a Text property (or plain strings).
        (@($Node) | ForEach-Object { if ($_ -is [string]) { $_ } elseif ($_ -and $_.PSObject.Properties['Text']) { $_.Text } }) -join "`n"
    }

    function Test-PipelineExample([string] $Code, [string] $CommandName) {
        # True when the code pipes into or out of the command: a pipeline of two or more elements naming it.
        $script = ($Code -split "`r?`n" | ForEach-Object { $_ -replace '^\s*PS [^>]*>\s?', '' }) -join "`n"
        $ast = [System.Management.Automation.Language.Parser]::ParseInput($script, [ref] $null, [ref] $null)
        $pipelines = $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.PipelineAst] -and $n.PipelineElements.Count -ge 2 }, $true)
        foreach ($pipeline in $pipelines) {
            foreach ($element in $pipeline.PipelineElements) {
                if ($element -is [System.Management.Automation.Language.CommandAst] -and $element.GetCommandName() -eq $CommandName) { return $true }
            }
        }
        $false
    }
}

Describe 'Help' {
    Context '<Name>' -ForEach $cmdlets {
        BeforeAll {
            $help = Get-Help -Name $Name -Full
            $examples = @(if ($help.PSObject.Properties['examples'] -and $help.examples) { $help.examples.example })
        }

        It 'comes from the MAML file, not from its syntax alone' {
            # Help made up from the syntax alone is an ExtendedCmdletHelpInfo.
            $help.PSObject.TypeNames[0] | Should -BeLike 'MamlCommandHelpInfo#*' -Because "docs/cmdlets/$Name.md must exist and build into en-US/AppBan.dll-Help.xml"
        }

        It 'has a synopsis' {
            "$($help.Synopsis)".Trim() | Should -Not -BeNullOrEmpty
            "$($help.Synopsis)".Trim() | Should -Not -BeLike "$Name *" -Because 'a synopsis that starts with the syntax is the one Get-Help makes up when there is no help'
        }

        It 'has a description' {
            Get-HelpText $help.description | Should -Match '\S'
        }

        It 'has at least one example with code' {
            @($examples | Where-Object { "$($_.code)" -match '\S' }).Count | Should -BeGreaterOrEqual 1
        }

        It 'has at least two examples, one of them a pipeline' {
            $examples.Count | Should -BeGreaterOrEqual 2
            @($examples | Where-Object { Test-PipelineExample -Code "$($_.code)" -CommandName $Name }).Count |
                Should -BeGreaterOrEqual 1 -Because "one example should pipe into or out of $Name"
        }

        It 'describes every parameter' {
            $command = Get-Command -Name $Name -Module AppBan
            $described = @{}
            foreach ($parameter in @($help.parameters.parameter)) {
                if ($parameter) { $described[$parameter.name] = (Get-HelpText $parameter.description) -match '\S' }
            }
            $undescribed = @($command.Parameters.Keys | Where-Object { $commonParameters -notcontains $_ -and -not $described[$_] } | Sort-Object)
            $undescribed | Should -BeNullOrEmpty -Because "every parameter needs a '### -Name' entry with a description in docs/cmdlets/$Name.md"
        }
    }

    It 'builds a MAML file that is valid against the PSMaml schema, except for the aliases attribute PowerShell itself uses' {
        $mamlPath | Should -Exist -Because 'build.ps1 Build writes it'
        # The schemas import each other as maml.xsd while the file is Maml.xsd: on a case-sensitive file
        # system, give every referenced name a file.
        $schemaDir = Join-Path $TestDrive 'PSMaml'
        Copy-Item -Path (Join-Path $PSHOME 'Schemas/PSMaml') -Destination $schemaDir -Recurse
        $schemaFiles = Get-ChildItem -LiteralPath $schemaDir -Filter '*.xsd'
        $references = $schemaFiles | Select-String -Pattern 'schemaLocation="([^"]+)"' -AllMatches |
            ForEach-Object { $_.Matches } | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique
        foreach ($reference in $references) {
            $exact = Join-Path $schemaDir $reference
            if (-not (Test-Path -LiteralPath $exact)) {
                $match = $schemaFiles | Where-Object { $_.Name -eq $reference } | Select-Object -First 1
                if ($match) { Copy-Item -LiteralPath $match.FullName -Destination $exact }
            }
        }
        $settings = [System.Xml.XmlReaderSettings]::new()
        $settings.ValidationType = [System.Xml.ValidationType]::Schema
        $settings.XmlResolver = [System.Xml.XmlUrlResolver]::new()
        $settings.Schemas.XmlResolver = [System.Xml.XmlUrlResolver]::new()
        $null = $settings.Schemas.Add('http://schemas.microsoft.com/maml/2004/10', (Join-Path $schemaDir 'maml.xsd'))
        $settings.Schemas.Compile()
        $commandElement = [System.Xml.XmlQualifiedName]::new('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $settings.Schemas.GlobalElements.Contains($commandElement) | Should -BeTrue -Because 'the schema set must describe command:command, or nothing is validated'

        $errors = [System.Collections.Generic.List[string]]::new()
        $settings.add_ValidationEventHandler({
                param($sender, $eventArgs)
                if ($eventArgs.Severity -eq [System.Xml.Schema.XmlSeverityType]::Error -and $eventArgs.Message -ne "The 'aliases' attribute is not declared.") {
                    $errors.Add("line $($eventArgs.Exception.LineNumber): $($eventArgs.Message)")
                }
            })
        $reader = [System.Xml.XmlReader]::Create($mamlPath, $settings)
        try { while ($reader.Read()) { } } finally { $reader.Dispose() }
        $errors | Should -BeNullOrEmpty

        $commandNames = @(([xml](Get-Content -Raw -LiteralPath $mamlPath)).helpItems.command | Where-Object { $_ } | ForEach-Object { $_.details.name })
        $exported = @($module.ExportedCmdlets.Keys)
        @($commandNames | Where-Object { $exported -notcontains $_ }) | Should -BeNullOrEmpty -Because 'the MAML describes only exported cmdlets'
    }

    It 'finds about_AppBan through the repository manifest' {
        $about = Get-Help -Name about_AppBan | Out-String
        $about | Should -Match 'TOPIC\s+about_AppBan'
        foreach ($section in 'THE POLICY', 'TARGETS', 'EXEMPTIONS', 'REPORTS', 'UNATTENDED RUNS', 'EXIT CODES', 'SEE ALSO') {
            $about | Should -Match "(?m)^$section" -Because "about_AppBan explains $section"
        }
    }

    It 'finds cmdlet help and about_AppBan in the packaged module' {
        # Packages with build.ps1's own Invoke-Package into a scratch folder, then asks Get-Help in a new
        # process that imports only the packaged manifest.
        $outDir = Join-Path $TestDrive 'out'
        $resultFile = Join-Path $TestDrive 'package-help.json'
        $command = @"
`$ErrorActionPreference = 'Stop'
Set-Location -LiteralPath $(ConvertTo-SingleQuoted $repoRoot)
. ./build.ps1 -Task @()
`$OutDir = $(ConvertTo-SingleQuoted $outDir)
`$null = Invoke-Package 6>&1
`$manifest = Get-ChildItem -LiteralPath (Join-Path `$OutDir 'AppBan') -Recurse -Filter 'AppBan.psd1' | Select-Object -First 1
`$aboutBeforeImport = @(Get-Help -Name about_AppBan -ErrorAction Ignore).Count
`$packaged = Import-Module `$manifest.FullName -Force -PassThru
[pscustomobject]@{
    AboutBeforeImport = `$aboutBeforeImport
    ModuleBase = `$packaged.ModuleBase
    About      = (Get-Help -Name about_AppBan | Out-String)
    Cmdlets    = @(foreach (`$name in `$packaged.ExportedCmdlets.Keys) { [pscustomobject]@{ Name = `$name; Kind = (Get-Help -Name `$name -Full).PSObject.TypeNames[0] } })
} | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath $(ConvertTo-SingleQuoted $resultFile)
"@
        $run = Invoke-FreshPwsh -Command $command -WorkingDirectory $repoRoot
        $run.StdErr | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $result = Get-Content -Raw -LiteralPath $resultFile | ConvertFrom-Json
        $result.ModuleBase | Should -BeLike "$outDir*"
        $result.AboutBeforeImport | Should -Be 0 -Because 'the about topic must come from the package, not from elsewhere'
        $result.About | Should -Match 'TOPIC\s+about_AppBan'
        @($result.Cmdlets).Count | Should -Be @($module.ExportedCmdlets.Keys).Count
        foreach ($cmdlet in @($result.Cmdlets)) {
            $cmdlet.Kind | Should -BeLike 'MamlCommandHelpInfo#*' -Because "$($cmdlet.Name) must find its help in the package"
        }
    }
}

Describe 'Parameter surface' {
    It '<Name> matches its snapshot in tests/Pester/Surface' -ForEach $cmdlets {
        $snapshotFile = Join-Path $surfaceDir "$Name.json"
        if (-not (Test-Path -LiteralPath $snapshotFile)) {
            throw "There is no surface snapshot for $Name (tests/Pester/Surface/$Name.json). $updateHint"
        }
        $live = Get-Command -Name $Name -Module AppBan | Get-CommandSurface | ConvertTo-SurfaceJson
        $stored = Get-Content -Raw -LiteralPath $snapshotFile | ConvertFrom-Json | ConvertTo-SurfaceJson
        if ($live -ne $stored) {
            $changes = Compare-Object ($stored -split "`n") ($live -split "`n") |
                ForEach-Object { "  $(if ($_.SideIndicator -eq '=>') { 'now ' } else { 'was ' }) $($_.InputObject.Trim())" }
            throw "The public surface of $Name differs from its snapshot:`n$($changes -join "`n")`n$updateHint"
        }
        $live | Should -BeExactly $stored
    }

    It 'has no snapshot for a cmdlet the module does not export' {
        $exported = @($module.ExportedCmdlets.Keys)
        $stale = @(Get-ChildItem -LiteralPath $surfaceDir -Filter '*.json' -ErrorAction Ignore | Where-Object { $exported -notcontains $_.BaseName } | ForEach-Object Name)
        $stale | Should -BeNullOrEmpty -Because $updateHint
    }
}

Describe 'Naming and exports' {
    BeforeAll {
        $assembly = $module.ImplementingAssembly
        $cmdletTypes = @($assembly.GetExportedTypes() | Where-Object {
                -not $_.IsAbstract -and [System.Management.Automation.Cmdlet].IsAssignableFrom($_) -and
                $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).Count -gt 0
            })
        $cmdletsInAssembly = @($cmdletTypes | ForEach-Object {
                $attribute = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
                "$($attribute.VerbName)-$($attribute.NounName)"
            })
        $cmdletsToExport = @((Import-PowerShellDataFile -LiteralPath $manifestPath).CmdletsToExport)
    }

    It 'loads the module from the built assembly' {
        $assembly | Should -Not -BeNullOrEmpty
        $assembly.GetName().Name | Should -Be 'AppBan'
    }

    It '<Name> uses an approved verb' -ForEach $cmdlets {
        $verb = ($Name -split '-', 2)[0]
        @(Get-Verb).Verb | Should -Contain $verb
    }

    It 'CmdletsToExport lists every cmdlet the assembly defines' {
        @($cmdletsInAssembly | Where-Object { $cmdletsToExport -notcontains $_ } | Sort-Object) |
            Should -BeNullOrEmpty -Because 'a cmdlet missing from CmdletsToExport in AppBan.psd1 is invisible to users'
    }

    It 'every cmdlet in CmdletsToExport exists in the assembly' {
        @($cmdletsToExport | Where-Object { $cmdletsInAssembly -notcontains $_ } | Sort-Object) |
            Should -BeNullOrEmpty -Because 'AppBan.psd1 must not promise cmdlets that module/lib/AppBan.dll does not have'
    }

    It 'every cmdlet class with a state-changing verb declares SupportsShouldProcess' {
        $stateChanging = Get-StateChangingVerb
        $offenders = @(foreach ($type in $cmdletTypes) {
                $attribute = $type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
                if ($stateChanging -contains $attribute.VerbName -and -not $attribute.SupportsShouldProcess) {
                    "$($attribute.VerbName)-$($attribute.NounName) ($($type.FullName))"
                }
            })
        $offenders | Should -BeNullOrEmpty
    }
}

Describe 'Scripts' {
    It '<Relative> parses and follows the lint rules' -ForEach $scriptFiles {
        $violations = @(Get-ScriptHygieneViolation -Path $Path -ModuleCode:$IsModuleCode |
                ForEach-Object { "line $($_.Line) $($_.Rule): $($_.Message)" })
        $violations | Should -BeNullOrEmpty
    }

    It 'finds in module code what Windows PowerShell 5.1 cannot run' {
        $probe = Join-Path $TestDrive 'needs-7.ps1'
        Set-Content -LiteralPath $probe -Value @(
            '#Requires -Version 7.0'
            '$a = $x ? 1 : 2'
            '$b = $y ?? 3'
            'Get-Item . && Get-Item .'
            'if ($IsWindows) { $null = ConvertFrom-Json ''{}'' -AsHashtable }'
            'Set-Content -Path x -Value 1 -Encoding utf8NoBOM'
            '1..3 | Select-Object -Skip 1'
        )
        $found = @(Get-ScriptHygieneViolation -Path $probe -ModuleCode | Where-Object Rule -EQ 'WindowsPowerShell')
        @($found.Line) | Should -Be @(1, 2, 3, 4, 5, 5, 6)
        @(Get-ScriptHygieneViolation -Path $probe | Where-Object Rule -EQ 'WindowsPowerShell') | Should -BeNullOrEmpty -Because 'tools and tests run on PowerShell 7'
    }

    It 'PSScriptAnalyzer reports no errors' {
        $analyzer = Get-Module -ListAvailable -Name PSScriptAnalyzer | Sort-Object Version -Descending | Select-Object -First 1
        if (-not $analyzer) {
            Set-ItResult -Skipped -Because 'PSScriptAnalyzer is not installed; the AST rules above still run'
            return
        }
        Import-Module $analyzer -Force
        $files = @(Get-RepositoryScriptFile -Root $repoRoot)
        $findings = @(foreach ($file in $files) {
                $severity = if ($file.FullName -like (Join-Path $repoRoot 'module*')) { 'Error', 'Warning' } else { 'Error' }
                Invoke-ScriptAnalyzer -Path $file.FullName -Severity $severity
            })
        @($findings | ForEach-Object { "$($_.ScriptName):$($_.Line) $($_.RuleName): $($_.Message)" }) | Should -BeNullOrEmpty
    }
}

Describe 'Import' {
    BeforeAll {
        $importReport = Join-Path $TestDrive 'import.json'
        $command = @"
`$miNames = { @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name } | Where-Object { `$_ -like 'Microsoft.Management.Infrastructure*' } | Sort-Object) }
`$before = & `$miNames
Import-Module $(ConvertTo-SingleQuoted $manifestPath)
`$after = & `$miNames
`$nativeMi = @(if (Test-Path -LiteralPath '/proc/self/maps') { Get-Content -LiteralPath '/proc/self/maps' | Where-Object { `$_ -match 'libmi|Management\.Infrastructure\.Native' } })
[pscustomobject]@{ Before = `$before; After = `$after; NativeMi = `$nativeMi } | ConvertTo-Json | Set-Content -LiteralPath $(ConvertTo-SingleQuoted $importReport)
"@
        $import = Invoke-FreshPwsh -Command $command -WorkingDirectory $repoRoot
    }

    It 'prints nothing in a fresh pwsh -NoProfile process' {
        $import.ExitCode | Should -Be 0
        $import.StdOut | Should -BeNullOrEmpty
        $import.StdErr | Should -BeNullOrEmpty
    }

    It 'loads nothing of Microsoft.Management.Infrastructure on Linux and macOS' {
        if ($IsWindows) {
            Set-ItResult -Skipped -Because 'on Windows MI is the platform CIM client and PowerShell itself may load it'
            return
        }
        $report = Get-Content -Raw -LiteralPath $importReport | ConvertFrom-Json
        # pwsh loads the managed MI assembly for its own type accelerators; importing AppBan must add nothing.
        @($report.After) | Should -Be @($report.Before)
        @($report.NativeMi) | Should -BeNullOrEmpty
    }
}

Describe 'Test tooling' {
    It 'Invoke-FreshPwsh runs a script file with its arguments and extra environment, and keeps the streams apart' {
        $script = Join-Path $TestDrive 'echo.ps1'
        Set-Content -LiteralPath $script -Value @'
param([string] $Word, [string] $Other)
"$Word|$Other|$env:APPBAN_FRESH_PWSH_VALUE"
[Console]::Error.WriteLine('to stderr')
exit 7
'@
        $run = Invoke-FreshPwsh -File $script -ArgumentList @('-Word', "it's two words", '-Other', 'a;b') -Environment @{ APPBAN_FRESH_PWSH_VALUE = 'from the caller' }
        $run.ExitCode | Should -Be 7
        $run.StdOut.Trim() | Should -BeExactly "it's two words|a;b|from the caller"
        $run.StdErr.Trim() | Should -BeExactly 'to stderr'
        $env:APPBAN_FRESH_PWSH_VALUE | Should -BeNullOrEmpty -Because 'the variable is set for the new process only'
    }
}
