<#
    tools/Build-Help.ps1 against a small script module built in TestDrive: valid markdown becomes the help
    Get-Help shows, and each kind of malformed or contradicting markdown fails the build, naming file and line.
#>

BeforeDiscovery {
    # Each case starts from a valid page for a command with Get-Widget's parameters and breaks one thing.
    $cases = @(
        @{ Case = '01'; Break = 'no SYNOPSIS section'; Find = '(?s)## SYNOPSIS\n.*?\n\n'; With = ''; Expect = "the required section '## SYNOPSIS' is missing" }
        @{ Case = '02'; Break = 'an empty SYNOPSIS'; Find = 'Gets widgets by name or id.'; With = ''; Expect = 'the SYNOPSIS is empty' }
        @{ Case = '03'; Break = 'a parameter the command lacks'; Find = '### CommonParameters'; With = "### -Colour`nThe colour.`n`n``````yaml`nType: String`nParameter Sets: (All)`nAliases:`n`nRequired: False`nPosition: Named`nDefault value: None`nAccept pipeline input: False`nAccept wildcard characters: False`n```````n`n### CommonParameters"; Expect = '-Colour is documented but Get-Case03 has no such parameter'; Anchor = '### -Colour' }
        @{ Case = '04'; Break = 'a parameter without its yaml block'; Find = '(?s)(Forces it\.\n).*?```\n'; With = '$1'; Expect = '-Force: the ```yaml block is missing' }
        @{ Case = '05'; Break = 'a wrong type'; Find = 'Type: String\[\]'; With = 'Type: Int32'; Expect = "-Name: Type 'Int32' but the cmdlet takes System.String[]" }
        @{ Case = '06'; Break = 'a wrong Required'; Find = '(?s)(### -Id.*?Required: )True'; With = '${1}False'; Expect = "-Id: Required 'False' but it is mandatory" }
        @{ Case = '07'; Break = 'a wrong Position'; Find = '(?s)(### -Name.*?Position: )0'; With = '${1}1'; Expect = "-Name: Position '1' but the cmdlet has '0'" }
        @{ Case = '08'; Break = 'a wrong pipeline binding'; Find = 'Accept pipeline input: True \(ByValue\)'; With = 'Accept pipeline input: False'; Expect = "-Name: Accept pipeline input 'False' but the cmdlet has 'True (ByValue)'" }
        @{ Case = '09'; Break = 'wrong aliases'; Find = 'Aliases: WidgetName'; With = 'Aliases: None'; Expect = "-Name: Aliases 'None' but the cmdlet has 'WidgetName'" }
        @{ Case = '10'; Break = 'an unknown yaml key'; Find = '(?s)(### -Force.*?)Aliases:'; With = "`${1}Colour: red`nAliases:"; Expect = "-Force: unknown yaml key 'Colour'" }
        @{ Case = '11'; Break = 'a missing yaml key'; Find = '(?s)(### -Force.*?)Default value: False\n'; With = '$1'; Expect = "-Force: the yaml block lacks 'Default value:'" }
        @{ Case = '12'; Break = 'an unknown section'; Find = '## NOTES'; With = "## EXTRA`nMore.`n`n## NOTES"; Expect = "unknown section '## EXTRA'"; Anchor = '## EXTRA' }
        @{ Case = '13'; Break = 'an example without code'; Find = '(?s)(### Example 1: Get one widget\n)```powershell\n.*?```\n'; With = '$1'; Expect = "'### Example 1: Get one widget' has no ``````powershell code block"; Anchor = '### Example 1: Get one widget' }
        @{ Case = '14'; Break = 'a title that is not the file name'; Find = '# Get-Case14'; With = '# Get-Widget'; Expect = "the title '# Get-Widget' does not match the file name 'Get-Case14'"; Anchor = '# Get-Widget' }
        @{ Case = '15'; Break = 'a code block never closed'; Find = '(?s)```\n\nThis gets the widget'; With = "`nThis gets the widget"; Expect = 'this ``` code block is never closed.'; Anchor = '```powershell' }
        @{ Case = '16'; Break = 'a parameter set the parameter is not in'; Find = 'Parameter Sets: ById'; With = 'Parameter Sets: ByColour'; Expect = "-Id: parameter set 'ByColour' is not one of its sets" }
        @{ Case = '17'; Break = 'no DESCRIPTION section'; Find = '(?s)## DESCRIPTION\n.*?(## EXAMPLES)'; With = '$1'; Expect = "the required section '## DESCRIPTION' is missing" }
        @{ Case = '18'; Break = 'an example heading that is not Example N'; Find = '### Example 2: From the pipeline'; With = '### From the pipeline'; Expect = "'### From the pipeline' is not an 'Example N: Title' heading" }
    )
}

BeforeAll {
    $repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $buildHelp = Join-Path $repoRoot 'tools/Build-Help.ps1'

    $widgetParameters = @'
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'ByName', ValueFromPipeline)]
        [Alias('WidgetName')]
        [string[]] $Name,
        [Parameter(Mandatory, ParameterSetName = 'ById', ValueFromPipelineByPropertyName)]
        [int] $Id,
        [switch] $Force
    )
    process { $Name }
'@

    function Get-WidgetPage([string] $CommandName) {
        @'
---
external help file: Widget-help.xml
Module Name: Widget
online version: https://example.org/get-widget
schema: 2.0.0
---

# Get-Widget

## SYNOPSIS
Gets widgets by name or id.

## SYNTAX

### ByName (Default)
```
Get-Widget [-Name] <String[]> [-Force] [<CommonParameters>]
```

## DESCRIPTION
The Get-Widget cmdlet gets widgets. It reads them
from the widget store.

- first item
- second item

## EXAMPLES

### Example 1: Get one widget
```powershell
PS C:\> Get-Widget -Name alpha
```

This gets the widget named alpha.

### Example 2: From the pipeline
```powershell
PS C:\> 'alpha', 'beta' | Get-Widget
```

Names come from the pipeline.

## PARAMETERS

### -Name
The names of the widgets.

```yaml
Type: String[]
Parameter Sets: ByName
Aliases: WidgetName

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByValue)
Accept wildcard characters: True
```

### -Id
The id of the widget.

```yaml
Type: Int32
Parameter Sets: ById
Aliases:

Required: True
Position: Named
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```

### -Force
Forces it.

```yaml
Type: SwitchParameter
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: False
Accept pipeline input: False
Accept wildcard characters: False
```

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### System.String[]
Widget names.

## OUTPUTS

### System.String
The widget.

## NOTES
Widgets are fictional.

## RELATED LINKS

[Remove-Widget](Remove-Widget.md)
'@ -replace 'Get-Widget', $CommandName -replace "`r`n", "`n"
    }

    $removePage = @'
# Remove-Widget

## SYNOPSIS
Removes a widget.

## DESCRIPTION
Removes the widget for good.

## EXAMPLES

### Example 1: Remove a widget found by name
```powershell
Get-Widget -Name alpha | Remove-Widget -WhatIf
```

Shows what would be removed.

## PARAMETERS

### -Name
The name of the widget.

```yaml
Type: String
Parameter Sets: (All)
Aliases:

Required: True
Position: 0
Default value: None
Accept pipeline input: True (ByPropertyName)
Accept wildcard characters: False
```
'@

    function New-WidgetModule {
        [CmdletBinding(SupportsShouldProcess)]
        param([string] $Path, [string[]] $ExtraCommand)
        if (-not $PSCmdlet.ShouldProcess($Path, 'Create the Widget fixture module')) { return }
        New-Item -ItemType Directory -Force -Path $Path | Out-Null
        $functions = @("function Get-Widget {`n$widgetParameters`n}")
        $functions += @'
function Remove-Widget {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param(
        [Parameter(Mandatory, ValueFromPipelineByPropertyName)] [string] $Name,
        [string] $Reason
    )
    process { if ($PSCmdlet.ShouldProcess($Name)) { $Reason } }
}
'@
        foreach ($name in $ExtraCommand) { $functions += "function $name {`n$widgetParameters`n}" }
        Set-Content -LiteralPath (Join-Path $Path 'Widget.psm1') -Value ($functions -join "`n`n")
        Set-Content -LiteralPath (Join-Path $Path 'Widget.psd1') -Value @"
@{ RootModule = 'Widget.psm1'; ModuleVersion = '1.0.0'; GUID = '0d7c0a4e-98e3-4f0e-8d0c-2f4b8f2c9a11'; FunctionsToExport = '*'; CmdletsToExport = @() }
"@
        Join-Path $Path 'Widget.psd1'
    }
}

Describe 'Build-Help with valid markdown' {
    BeforeAll {
        $moduleDir = Join-Path $TestDrive 'valid/Widget'
        $docsDir = Join-Path $TestDrive 'valid/docs'
        $manifest = New-WidgetModule -Path $moduleDir
        New-Item -ItemType Directory -Force -Path $docsDir | Out-Null
        Set-Content -LiteralPath (Join-Path $docsDir 'Get-Widget.md') -Value (Get-WidgetPage 'Get-Widget')
        Set-Content -LiteralPath (Join-Path $docsDir 'Remove-Widget.md') -Value $removePage
        # Functions find <ModuleName>-Help.xml under <ModuleBase>/<culture>/, as cmdlets find <Assembly>.dll-Help.xml.
        $mamlPath = Join-Path $moduleDir 'en-US/Widget-Help.xml'
        & $buildHelp -DocsPath $docsDir -OutputPath $mamlPath -ManifestPath $manifest -WarningVariable buildWarnings 3>$null 6>$null
        Import-Module $manifest -Force
        $getHelp = Get-Help -Name Get-Widget -Full
        $removeHelp = Get-Help -Name Remove-Widget -Full
    }
    AfterAll {
        Remove-Module Widget -ErrorAction Ignore
    }

    It 'writes well-formed MAML with one command per page' {
        $mamlPath | Should -Exist
        $xml = [xml](Get-Content -Raw -LiteralPath $mamlPath)
        $xml.helpItems.schema | Should -Be 'maml'
        @($xml.helpItems.command.details.name) | Should -Be @('Get-Widget', 'Remove-Widget')
    }

    It 'is what Get-Help shows: synopsis and description paragraphs' {
        $getHelp.PSObject.TypeNames[0] | Should -BeLike "MamlCommandHelpInfo#$mamlPath#*"
        $getHelp.Synopsis | Should -Be 'Gets widgets by name or id.'
        @($getHelp.description.Text | ForEach-Object { $_.Trim() }) | Should -Be @('The Get-Widget cmdlet gets widgets. It reads them from the widget store.', '- first item', '- second item')
    }

    It 'takes the syntax from the command: one syntax item per parameter set, the default set first' {
        $items = @($getHelp.syntax.syntaxItem)
        $items.Count | Should -Be 2
        @($items[0].parameter.name) | Should -Be @('Name', 'Force')
        @($items[1].parameter.name) | Should -Be @('Id', 'Force')
        $syntax = Get-Help -Name Get-Widget | Out-String
        $syntax | Should -Match ([regex]::Escape('Get-Widget [-Name] <String[]> [-Force] [<CommonParameters>]'))
        $syntax | Should -Match ([regex]::Escape('Get-Widget -Id <Int32> [-Force] [<CommonParameters>]'))
    }

    It 'describes each parameter with its type, binding, aliases, default and wildcards' {
        $name = $getHelp.parameters.parameter | Where-Object name -EQ 'Name'
        $name.description.Text | Should -Be 'The names of the widgets.'
        $name.type.name | Should -Be 'String[]'
        $name.required | Should -Be 'true'
        $name.position | Should -Be '0'
        $name.pipelineInput | Should -Be 'True (ByValue)'
        $name.aliases | Should -Be 'WidgetName'
        $name.globbing | Should -Be 'true'
        $name.defaultValue | Should -Be 'None'
        $id = $getHelp.parameters.parameter | Where-Object name -EQ 'Id'
        $id.pipelineInput | Should -Be 'True (ByPropertyName)'
        $id.position | Should -Be 'named'
        $force = $getHelp.parameters.parameter | Where-Object name -EQ 'Force'
        $force.type.name | Should -Be 'SwitchParameter'
        $force.defaultValue | Should -Be 'False'
    }

    It 'carries examples with code and remarks' {
        $examples = @($getHelp.examples.example)
        $examples.Count | Should -Be 2
        $examples[0].title | Should -Match 'Example 1: Get one widget'
        $examples[0].code | Should -Be 'PS C:\> Get-Widget -Name alpha'
        $examples[0].remarks.Text | Should -Contain 'This gets the widget named alpha.'
        (Get-Help -Name Get-Widget -Examples | Out-String) | Should -Match ([regex]::Escape("'alpha', 'beta' | Get-Widget"))
    }

    It 'carries inputs, outputs, notes and related links' {
        $getHelp.inputTypes.inputType.type.name | Should -Be 'System.String[]'
        $getHelp.returnValues.returnValue.type.name | Should -Be 'System.String'
        $getHelp.alertSet.alert.Text | Should -Be 'Widgets are fictional.'
        $links = @($getHelp.relatedLinks.navigationLink)
        $links[0].uri | Should -Be 'https://example.org/get-widget'
        $links[1].linkText | Should -Be 'Remove-Widget'
        $links[2].linkText | Should -Be 'about_Widget'
    }

    It 'adds -WhatIf and -Confirm to a command that supports ShouldProcess' {
        $whatIf = $removeHelp.parameters.parameter | Where-Object name -EQ 'WhatIf'
        $whatIf.description.Text | Should -Match 'what would happen'
        $whatIf.aliases | Should -Be 'wi'
        ($removeHelp.parameters.parameter | Where-Object name -EQ 'Confirm').aliases | Should -Be 'cf'
    }

    It 'keeps an undocumented parameter in the syntax and warns about it and about a single example' {
        @($removeHelp.syntax.syntaxItem.parameter.name) | Should -Contain 'Reason'
        @($buildWarnings | ForEach-Object { "$_" }) | Should -Contain 'Remove-Widget.md: -Reason is not documented.'
        @($buildWarnings | ForEach-Object { "$_" }) | Should -Contain 'Remove-Widget.md: fewer than two examples.'
    }
}

Describe 'Build-Help with malformed markdown' -ForEach @(@{ AllCases = $cases }) {
    BeforeAll {
        # All broken pages go through one build; each case below looks for its own line in the failure.
        $moduleDir = Join-Path $TestDrive 'broken/Widget'
        $docsDir = Join-Path $TestDrive 'broken/docs'
        $manifest = New-WidgetModule -Path $moduleDir -ExtraCommand @($AllCases | ForEach-Object { "Get-Case$($_.Case)" })
        New-Item -ItemType Directory -Force -Path $docsDir | Out-Null
        $unchanged = @(foreach ($case in $AllCases) {
                $page = Get-WidgetPage "Get-Case$($case.Case)"
                $broken = [regex]::Replace($page, $case.Find, $case.With)
                if ($broken -eq $page) { $case.Case }
                Set-Content -LiteralPath (Join-Path $docsDir "Get-Case$($case.Case).md") -Value $broken -NoNewline
            })
        Set-Content -LiteralPath (Join-Path $docsDir 'Get-Nothing.md') -Value (Get-WidgetPage 'Get-Nothing')
        $mamlPath = Join-Path $moduleDir 'en-US/Widget-Help.xml'
        $failure = $null
        try {
            & $buildHelp -DocsPath $docsDir -OutputPath $mamlPath -ManifestPath $manifest 3>$null 6>$null
        } catch {
            $failure = $_.Exception.Message
        }
    }

    It 'breaks every page it means to break' {
        $unchanged | Should -BeNullOrEmpty
    }

    It 'fails the build and writes no MAML' {
        $failure | Should -BeLike 'Help build failed*'
        $mamlPath | Should -Not -Exist
    }

    It 'names a page for a command the module does not export' {
        $failure | Should -Match ([regex]::Escape('Get-Nothing.md:1: Get-Nothing is not a command that Widget.psd1 exports.'))
    }

    It 'reports <Break> in Get-Case<Case>.md' -ForEach $cases {
        $expectedLine = '\d+'
        if ($Anchor) {
            $lines = Get-Content -LiteralPath (Join-Path $docsDir "Get-Case$Case.md")
            $expectedLine = [array]::IndexOf($lines, $Anchor) + 1
            $expectedLine | Should -BeGreaterThan 0
        }
        $failure | Should -Match ("Get-Case$Case\.md:$($expectedLine): " + [regex]::Escape($Expect))
    }
}
