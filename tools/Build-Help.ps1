<#
.SYNOPSIS
    Turns the platyPS-format markdown in docs/cmdlets/ into the MAML file Get-Help reads (AppBan.dll-Help.xml).
.DESCRIPTION
    Each docs/cmdlets/<Verb-Noun>.md describes one exported cmdlet in platyPS markdown: an H1 with the
    cmdlet name, then the H2 sections SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS, INPUTS, OUTPUTS,
    NOTES and RELATED LINKS.

    The markdown supplies the words: synopsis, description, parameter descriptions, default values,
    examples, inputs, outputs, notes and links. The loaded module supplies the facts: syntax, parameter
    types, parameter sets, Mandatory, Position, pipeline binding and aliases. The module is imported in a
    separate process, so this process never loads (and on Windows never locks) the freshly built DLLs.

    The build fails, naming the file and line, when the markdown is malformed or says something the cmdlet
    contradicts: a missing or empty required section, an example without code, a parameter the cmdlet
    lacks, a parameter without its yaml block, or a yaml block whose type, sets, Mandatory, Position,
    pipeline binding or aliases differ from the cmdlet. What is merely missing (a cmdlet without a page, an
    undocumented parameter, fewer than two examples) is a warning here and a failure in the hygiene tests.
.EXAMPLE
    ./tools/Build-Help.ps1 -DocsPath ./docs/cmdlets -OutputPath ./module/lib/en-US/AppBan.dll-Help.xml
#>
[CmdletBinding()]
param(
    # Folder of <Verb-Noun>.md files.
    [Parameter(Mandatory)] [string] $DocsPath,
    # The MAML file to write.
    [Parameter(Mandatory)] [string] $OutputPath,
    # The module whose exported commands the markdown describes.
    [string] $ManifestPath = (Join-Path $PSScriptRoot '../AppBan.psd1')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$SectionOrder = 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS'
$RequiredSections = 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS'
# 'Accepted values' is platyPS's list for enum and ValidateSet parameters; it is informative only.
$YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'
$AllSetsName = '__AllParameterSets'
$ShouldProcessParameters = [ordered]@{
    WhatIf  = @{ Alias = 'wi'; Text = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.' }
    Confirm = @{ Alias = 'cf'; Text = 'Prompts you for confirmation before running the cmdlet.' }
}
$Namespaces = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}

#region Markdown
$script:Problems = [System.Collections.Generic.List[string]]::new()

function Write-Problem([string] $File, [int] $Line, [string] $Message) {
    $script:Problems.Add(('{0}:{1}: {2}' -f $File, $Line, $Message))
}

function Get-EmptyBlock([string] $Kind, [int] $Line) {
    [pscustomobject]@{ Kind = $Kind; Line = $Line; Language = ''; Lines = [System.Collections.Generic.List[string]]::new() }
}

function Split-MarkdownBlock {
    # Splits body lines into paragraphs, list items, tables and fenced code blocks. Each line is @{N; T}.
    param([object[]] $Lines, [string] $File)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $current = $null
    $fence = $null
    foreach ($line in $Lines) {
        $text = $line.T
        if ($fence) {
            if ($text -match '^\s*```\s*$') { $blocks.Add($fence); $fence = $null; continue }
            if ($text -notmatch '^\s*```\w') { $fence.Lines.Add($text); continue }
            # A fence with a language never belongs inside another block: the previous one was left open.
            $blocks.Add($fence); $fence = $null
        }
        if ($text -match '^\s*```\s*([\w-]*)\s*$') {
            if ($current) { $blocks.Add($current); $current = $null }
            $fence = Get-EmptyBlock 'Code' $line.N
            $fence.Language = $Matches[1].ToLowerInvariant()
            continue
        }
        if ($text -match '^\s*$') {
            if ($current) { $blocks.Add($current); $current = $null }
            continue
        }
        if ($text -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
            if ($current) { $blocks.Add($current) }
            $current = Get-EmptyBlock 'Item' $line.N
            $current.Lines.Add("$($Matches[1]) $($Matches[2])")
            continue
        }
        if ($text -match '^\s*\|') {
            if ($current -and $current.Kind -ne 'Table') { $blocks.Add($current); $current = $null }
            if (-not $current) { $current = Get-EmptyBlock 'Table' $line.N }
            $current.Lines.Add($text.Trim())
            continue
        }
        if ($current -and $current.Kind -eq 'Table') { $blocks.Add($current); $current = $null }
        if (-not $current) { $current = Get-EmptyBlock 'Text' $line.N }
        $current.Lines.Add($text.Trim())
    }
    if ($fence) { $blocks.Add($fence) }
    if ($current) { $blocks.Add($current) }
    $blocks
}

function ConvertTo-Paragraph {
    # The paragraphs Get-Help shows for a list of blocks: text joined into one line, code and tables kept as lines.
    param([object[]] $Blocks)
    foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Text' { $block.Lines -join ' ' }
            'Item' { $block.Lines -join ' ' }
            default { $block.Lines -join "`n" }
        }
    }
}

function Split-Heading {
    # Groups lines under headings of one level: returns @{Title; Line; Body} in order, plus the lines before the first.
    param([object[]] $Lines, [string] $Marker)
    $sections = [System.Collections.Generic.List[object]]::new()
    $preamble = [System.Collections.Generic.List[object]]::new()
    $current = $null
    $inFence = $false
    $pattern = '^' + [regex]::Escape($Marker) + '\s+(.+?)\s*#*\s*$'
    foreach ($line in $Lines) {
        if ($line.T -match '^\s*```\w') { $inFence = $true } elseif ($line.T -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.T -match $pattern) {
            $current = [pscustomobject]@{ Title = $Matches[1]; Line = $line.N; Body = [System.Collections.Generic.List[object]]::new() }
            $sections.Add($current)
            continue
        }
        if ($current) { $current.Body.Add($line) } else { $preamble.Add($line) }
    }
    [pscustomobject]@{ Preamble = $preamble; Sections = $sections }
}

function Test-HasContent([object[]] $Lines) {
    @($Lines | Where-Object { $_.T -match '\S' }).Count -gt 0
}

function Read-Yaml {
    # The 'Key: Value' lines of a platyPS parameter yaml block.
    param([object] $Block, [string] $File, [string] $Parameter)
    $values = [ordered]@{}
    $lineNumber = $Block.Line
    foreach ($text in $Block.Lines) {
        $lineNumber++
        if ($text -match '^\s*$') { continue }
        if ($text -notmatch '^\s*([^:]+?)\s*:\s*(.*?)\s*$') {
            Write-Problem $File $lineNumber "-${Parameter}: '$text' is not a 'Key: Value' line."
            continue
        }
        $key = $YamlKeys | Where-Object { $_ -eq $Matches[1] } | Select-Object -First 1
        if (-not $key) {
            Write-Problem $File $lineNumber "-${Parameter}: unknown yaml key '$($Matches[1])' (expected: $($YamlKeys -join ', '))."
            continue
        }
        if ($values.Contains($key)) { Write-Problem $File $lineNumber "-${Parameter}: '$key' is given twice." }
        $values[$key] = $Matches[2]
    }
    foreach ($key in $YamlKeys) {
        if ($key -eq 'Accepted values') { continue }
        if (-not $values.Contains($key)) { Write-Problem $File $Block.Line "-${Parameter}: the yaml block lacks '${key}:'." }
    }
    $values
}

function Test-Fence {
    # Every ``` block is closed before the next one opens; a block left open swallows the rest of the page.
    param([object[]] $Lines, [string] $File)
    $open = 0
    foreach ($line in $Lines) {
        if ($line.T -match '^\s*```\w') {
            if ($open) { Write-Problem $File $open 'this ``` code block is never closed.' }
            $open = $line.N
        } elseif ($line.T -match '^\s*```') {
            $open = if ($open) { 0 } else { $line.N }
        }
    }
    if ($open) { Write-Problem $File $open 'this ``` code block is never closed.' }
}

function Read-CommandMarkdown {
    # Parses one platyPS markdown page into a plain object; problems go to $script:Problems.
    param([System.IO.FileInfo] $Path)
    $file = $Path.Name
    $raw = [System.IO.File]::ReadAllLines($Path.FullName)
    $lines = for ($i = 0; $i -lt $raw.Count; $i++) { [pscustomobject]@{ N = $i + 1; T = $raw[$i] } }
    $lines = @($lines)

    $frontMatter = @{}
    if ($lines.Count -gt 0 -and $lines[0].T -eq '---') {
        $end = -1
        for ($i = 1; $i -lt $lines.Count; $i++) { if ($lines[$i].T -eq '---') { $end = $i; break } }
        if ($end -lt 0) {
            Write-Problem $file 1 'the front matter that starts with --- is never closed.'
            $end = 0
        }
        for ($i = 1; $i -lt $end; $i++) {
            if ($lines[$i].T -match '^\s*([^:]+?)\s*:\s*(.*?)\s*$') { $frontMatter[$Matches[1]] = $Matches[2] }
        }
        $lines = @($lines | Select-Object -Skip ($end + 1))
    }

    $page = [pscustomobject]@{
        File = $file; Name = $Path.BaseName; OnlineVersion = $frontMatter['online version']
        Synopsis = @(); Description = @(); Examples = @(); Parameters = @(); Inputs = @(); Outputs = @()
        Notes = @(); Links = @(); HasSection = @{}
    }

    Test-Fence -Lines $lines -File $file
    $top = Split-Heading -Lines $lines -Marker '#'
    if ($top.Sections.Count -ne 1) {
        Write-Problem $file 1 "expected exactly one '# $($Path.BaseName)' title, found $($top.Sections.Count)."
        if ($top.Sections.Count -eq 0) { return $page }
    }
    $title = $top.Sections[0]
    if ($title.Title -cne $Path.BaseName) {
        Write-Problem $file $title.Line "the title '# $($title.Title)' does not match the file name '$($Path.BaseName)'."
    }

    $h2 = Split-Heading -Lines $title.Body -Marker '##'
    if (Test-HasContent $h2.Preamble) {
        Write-Problem $file $title.Line 'text between the title and the first ## section belongs in a section.'
    }
    $sections = @{}
    foreach ($section in $h2.Sections) {
        $name = $section.Title.ToUpperInvariant()
        if ($SectionOrder -notcontains $name) {
            Write-Problem $file $section.Line "unknown section '## $($section.Title)' (expected: $($SectionOrder -join ', '))."
            continue
        }
        if ($section.Title -cne $name) { Write-Problem $file $section.Line "write the section heading as '## $name'." }
        if ($sections.ContainsKey($name)) { Write-Problem $file $section.Line "the section '## $name' appears twice."; continue }
        $sections[$name] = $section
        $page.HasSection[$name] = $true
    }
    foreach ($name in $RequiredSections) {
        if (-not $sections.ContainsKey($name)) { Write-Problem $file $title.Line "the required section '## $name' is missing." }
    }

    if ($sections.ContainsKey('SYNOPSIS')) {
        $page.Synopsis = @(ConvertTo-Paragraph (Split-MarkdownBlock $sections['SYNOPSIS'].Body $file))
        if ($page.Synopsis.Count -eq 0) { Write-Problem $file $sections['SYNOPSIS'].Line 'the SYNOPSIS is empty.' }
    }
    if ($sections.ContainsKey('DESCRIPTION')) {
        $page.Description = @(ConvertTo-Paragraph (Split-MarkdownBlock $sections['DESCRIPTION'].Body $file))
        if ($page.Description.Count -eq 0) { Write-Problem $file $sections['DESCRIPTION'].Line 'the DESCRIPTION is empty.' }
    }
    if ($sections.ContainsKey('EXAMPLES')) { $page.Examples = @(Read-Example $sections['EXAMPLES'] $file) }
    if ($sections.ContainsKey('PARAMETERS')) { $page.Parameters = @(Read-Parameter $sections['PARAMETERS'] $file) }
    if ($sections.ContainsKey('INPUTS')) { $page.Inputs = @(Read-TypeList $sections['INPUTS'] $file) }
    if ($sections.ContainsKey('OUTPUTS')) { $page.Outputs = @(Read-TypeList $sections['OUTPUTS'] $file) }
    if ($sections.ContainsKey('NOTES')) { $page.Notes = @(ConvertTo-Paragraph (Split-MarkdownBlock $sections['NOTES'].Body $file)) }
    if ($sections.ContainsKey('RELATED LINKS')) { $page.Links = @(Read-Link $sections['RELATED LINKS'] $file) }
    $page
}

function Read-Example {
    param([object] $Section, [string] $File)
    $h3 = Split-Heading -Lines $Section.Body -Marker '###'
    if (Test-HasContent $h3.Preamble) { Write-Problem $File $Section.Line "text under EXAMPLES belongs under a '### Example N: Title' heading." }
    if ($h3.Sections.Count -eq 0) { Write-Problem $File $Section.Line "EXAMPLES has no '### Example N: Title' heading." }
    foreach ($example in $h3.Sections) {
        if ($example.Title -notmatch '^Example\s+\d+\s*(?::\s*(.*))?$') {
            Write-Problem $File $example.Line "'### $($example.Title)' is not an 'Example N: Title' heading."
            continue
        }
        $blocks = @(Split-MarkdownBlock $example.Body $File)
        $code = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -in '', 'powershell', 'ps', 'pwsh', 'ps1' })
        if ($code.Count -eq 0) { Write-Problem $File $example.Line "'### $($example.Title)' has no ``````powershell code block." }
        $remarks = @($blocks | Where-Object { $code -notcontains $_ })
        [pscustomobject]@{
            Title   = $example.Title
            Code    = ($code | ForEach-Object { $_.Lines -join "`n" }) -join "`n`n"
            Remarks = @(ConvertTo-Paragraph $remarks)
        }
    }
}

function Read-Parameter {
    param([object] $Section, [string] $File)
    $h3 = Split-Heading -Lines $Section.Body -Marker '###'
    foreach ($entry in $h3.Sections) {
        if ($entry.Title -eq 'CommonParameters') { continue }
        if ($entry.Title -notmatch '^-(\w+)$') {
            Write-Problem $File $entry.Line "'### $($entry.Title)' is not a '### -ParameterName' heading."
            continue
        }
        $name = $Matches[1]
        $blocks = @(Split-MarkdownBlock $entry.Body $File)
        $yamlBlocks = @($blocks | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yamlBlocks.Count -eq 0) { Write-Problem $File $entry.Line "-${name}: the ``````yaml block is missing." }
        $description = @(ConvertTo-Paragraph ($blocks | Where-Object { $yamlBlocks -notcontains $_ }))
        if ($description.Count -eq 0) { Write-Problem $File $entry.Line "-${name}: the description is empty." }
        [pscustomobject]@{
            Name        = $name
            Line        = $entry.Line
            Description = $description
            Yaml        = @($yamlBlocks | ForEach-Object { [pscustomobject]@{ Line = $_.Line; Values = (Read-Yaml $_ $File $name) } })
        }
    }
}

function Read-TypeList {
    param([object] $Section, [string] $File)
    $h3 = Split-Heading -Lines $Section.Body -Marker '###'
    if (Test-HasContent $h3.Preamble) {
        Write-Problem $File $Section.Line "every entry under '## $($Section.Title)' starts with a '### TypeName' heading."
    }
    foreach ($entry in $h3.Sections) {
        [pscustomobject]@{ Type = $entry.Title; Description = @(ConvertTo-Paragraph (Split-MarkdownBlock $entry.Body $File)) }
    }
}

function Read-Link {
    param([object] $Section, [string] $File)
    foreach ($line in $Section.Body) {
        $text = $line.T.Trim() -replace '^[-*+]\s+', ''
        if (-not $text) { continue }
        if ($text -match '^\[([^\]]+)\]\(([^)]*)\)$') {
            [pscustomobject]@{ Text = $Matches[1]; Uri = $Matches[2] }
        } else {
            Write-Problem $File $line.N "'$text' under RELATED LINKS is not a [text](uri) link."
        }
    }
}
#endregion

#region Checks against the live command
function Get-BindingBySet {
    # Each parameter set the parameter takes part in, expanded from __AllParameterSets, with its binding.
    param([object] $Surface, [object] $Parameter)
    $commandSets = @($Surface.ParameterSets | Where-Object { $_ -ne $AllSetsName })
    $bySet = [ordered]@{}
    foreach ($set in $Parameter.ParameterSets) {
        if ($set.Name -eq $AllSetsName) {
            $targets = if ($commandSets.Count -gt 0) { $commandSets } else { @($AllSetsName) }
            foreach ($target in $targets) { if (-not $bySet.Contains($target)) { $bySet[$target] = $set } }
        } else {
            $bySet[$set.Name] = $set
        }
    }
    $bySet
}

function Format-PipelineInput([object[]] $Bindings) {
    $byValue = @($Bindings | Where-Object { $_.ValueFromPipeline }).Count -gt 0
    $byName = @($Bindings | Where-Object { $_.ValueFromPipelineByPropertyName }).Count -gt 0
    $kinds = @(if ($byName) { 'ByPropertyName' }; if ($byValue) { 'ByValue' })
    if ($kinds.Count -eq 0) { 'False' } else { "True ($($kinds -join ', '))" }
}

function Test-TypeName([string] $Written, [string] $FullName) {
    # Accept the full name, the short name and, for Nullable[T], T itself.
    $candidates = [System.Collections.Generic.List[string]]::new()
    $candidates.Add($FullName)
    $candidates.Add(($FullName -replace '\b[\w]+\.', ''))
    if ($FullName -match '^System\.Nullable\[(.+)\]$') {
        $inner = $Matches[1]
        $candidates.Add($inner); $candidates.Add(($inner -replace '\b[\w]+\.', '')); $candidates.Add(($inner -replace '\b[\w]+\.', '') + '?')
    }
    $normalised = ($Written -replace '\s', '')
    @($candidates | Where-Object { ($_ -replace '\s', '') -eq $normalised }).Count -gt 0
}

function Test-ParameterYaml {
    param([object] $Page, [object] $Doc, [object] $Surface, [object] $Live)
    $file = $Page.File
    $bySet = Get-BindingBySet -Surface $Surface -Parameter $Live
    $described = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($yaml in $Doc.Yaml) {
        $values = $yaml.Values
        $where = "-$($Doc.Name)"
        if ($values.Contains('Type') -and -not (Test-TypeName $values['Type'] $Live.Type)) {
            Write-Problem $file $yaml.Line "${where}: Type '$($values['Type'])' but the cmdlet takes $($Live.Type)."
        }
        if ($values.Contains('Aliases')) {
            $written = @(if ($values['Aliases'] -ne 'None') { $values['Aliases'] -split '\s*,\s*' | Where-Object { $_ } })
            $difference = @(Compare-Object @($written | Sort-Object) @($Live.Aliases | Sort-Object))
            if ($difference.Count -gt 0) {
                $actual = if (@($Live.Aliases).Count) { $Live.Aliases -join ', ' } else { 'None' }
                $given = if ($values['Aliases']) { $values['Aliases'] } else { 'None' }
                Write-Problem $file $yaml.Line "${where}: Aliases '$given' but the cmdlet has '$actual'."
            }
        }
        if (-not $values.Contains('Parameter Sets')) { continue }
        $setNames = if ($values['Parameter Sets'] -eq '(All)') { @($bySet.Keys) } else { @($values['Parameter Sets'] -split '\s*,\s*' | Where-Object { $_ }) }
        foreach ($setName in $setNames) {
            if (-not $bySet.Contains($setName)) {
                Write-Problem $file $yaml.Line "${where}: parameter set '$setName' is not one of its sets ($(@($bySet.Keys) -join ', '))."
                continue
            }
            [void] $described.Add($setName)
            $binding = $bySet[$setName]
            $inSet = if ($bySet.Count -gt 1) { " in set '$setName'" } else { '' }
            if ($values.Contains('Required') -and $values['Required'] -ne [string]$binding.Mandatory) {
                Write-Problem $file $yaml.Line "${where}: Required '$($values['Required'])' but it is $(if ($binding.Mandatory) { 'mandatory' } else { 'optional' })$inSet."
            }
            if ($values.Contains('Position') -and $values['Position'] -ne [string]$binding.Position) {
                Write-Problem $file $yaml.Line "${where}: Position '$($values['Position'])' but the cmdlet has '$($binding.Position)'$inSet."
            }
            if ($values.Contains('Accept pipeline input')) {
                $written = $values['Accept pipeline input'] -replace '\s', ''
                $expected = Format-PipelineInput @($binding)
                $writtenKinds = @([regex]::Matches($written, 'By(PropertyName|Value)') | ForEach-Object Value | Sort-Object)
                $expectedKinds = @([regex]::Matches($expected, 'By(PropertyName|Value)') | ForEach-Object Value | Sort-Object)
                $sameTruth = ($written -like 'True*') -eq ($expected -like 'True*')
                if (-not $sameTruth -or @(Compare-Object $writtenKinds $expectedKinds).Count -gt 0) {
                    Write-Problem $file $yaml.Line "${where}: Accept pipeline input '$($values['Accept pipeline input'])' but the cmdlet has '$expected'$inSet."
                }
            }
        }
        foreach ($key in 'Required', 'Accept wildcard characters') {
            if ($values.Contains($key) -and $values[$key] -notin 'True', 'False') {
                Write-Problem $file $yaml.Line "${where}: '$key' is '$($values[$key])'; write True or False."
            }
        }
    }
    $missing = @($bySet.Keys | Where-Object { -not $described.Contains($_) })
    if ($Doc.Yaml.Count -gt 0 -and $missing.Count -gt 0) {
        Write-Problem $file $Doc.Line "-$($Doc.Name): no yaml block covers parameter set(s) $($missing -join ', ')."
    }
}

function Test-PageAgainstCommand {
    param([object] $Page, [object] $Surface)
    $seen = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($doc in $Page.Parameters) {
        if (-not $seen.Add($doc.Name)) { Write-Problem $Page.File $doc.Line "-$($doc.Name) is documented twice."; continue }
        $live = $Surface.Parameters | Where-Object { $_.Name -eq $doc.Name } | Select-Object -First 1
        if ($live) {
            if ($live.Name -cne $doc.Name) { Write-Problem $Page.File $doc.Line "write -$($doc.Name) as -$($live.Name)." }
            Test-ParameterYaml -Page $Page -Doc $doc -Surface $Surface -Live $live
        } elseif (-not ($Surface.SupportsShouldProcess -and $ShouldProcessParameters.Contains($doc.Name))) {
            Write-Problem $Page.File $doc.Line "-$($doc.Name) is documented but $($Page.Name) has no such parameter."
        }
    }
    foreach ($live in $Surface.Parameters) {
        if (-not $seen.Contains($live.Name)) { Write-Warning "$($Page.File): -$($live.Name) is not documented." }
    }
    if (@($Page.Examples).Count -lt 2) { Write-Warning "$($Page.File): fewer than two examples." }
}
#endregion

#region MAML
function Write-Para([System.Xml.XmlWriter] $Writer, [object[]] $Paragraphs) {
    $texts = @($Paragraphs | Where-Object { $null -ne $_ })
    if ($texts.Count -eq 0) { $texts = @('') }
    foreach ($text in $texts) { $Writer.WriteElementString('maml', 'para', $Namespaces.maml, $text) }
}

function Write-Description([System.Xml.XmlWriter] $Writer, [object[]] $Paragraphs) {
    $Writer.WriteStartElement('maml', 'description', $Namespaces.maml)
    Write-Para $Writer $Paragraphs
    $Writer.WriteEndElement()
}

function Write-TypeElement([System.Xml.XmlWriter] $Writer, [string] $Name) {
    $Writer.WriteStartElement('dev', 'type', $Namespaces.dev)
    $Writer.WriteElementString('maml', 'name', $Namespaces.maml, $Name)
    $Writer.WriteElementString('maml', 'uri', $Namespaces.maml, '')
    $Writer.WriteEndElement()
}

function Write-Parameter {
    param([System.Xml.XmlWriter] $Writer, [object] $Parameter, [object[]] $Bindings, [switch] $InSyntax)
    $isSwitch = $Parameter.Type -eq 'System.Management.Automation.SwitchParameter'
    $positions = @($Bindings | ForEach-Object { [string]$_.Position } | Sort-Object -Unique)
    $position = if ($positions.Count -eq 1) { $positions[0] } else { [string]$Bindings[0].Position }
    $Writer.WriteStartElement('command', 'parameter', $Namespaces.command)
    $Writer.WriteAttributeString('required', ([string](@($Bindings | Where-Object { -not $_.Mandatory }).Count -eq 0)).ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Parameter.Globbing.ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Format-PipelineInput $Bindings))
    $Writer.WriteAttributeString('position', $position.ToLowerInvariant())
    $Writer.WriteAttributeString('aliases', $(if (@($Parameter.Aliases).Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $Namespaces.maml, $Parameter.Name)
    Write-Description $Writer $Parameter.Description
    if (-not ($isSwitch -and $InSyntax)) {
        $Writer.WriteStartElement('command', 'parameterValue', $Namespaces.command)
        $Writer.WriteAttributeString('required', ([string](-not $isSwitch)).ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Parameter.ShortType)
        $Writer.WriteEndElement()
    }
    Write-TypeElement $Writer $Parameter.ShortType
    $Writer.WriteElementString('dev', 'defaultValue', $Namespaces.dev, $Parameter.Default)
    $Writer.WriteEndElement()
}

function Get-HelpParameter {
    # Every parameter Get-Help shows: facts from the live command, words from the page.
    param([object] $Page, [object] $Surface)
    $result = [System.Collections.Generic.List[object]]::new()
    $docs = @{}
    foreach ($doc in $Page.Parameters) { $docs[$doc.Name] = $doc }
    $ordered = @($Page.Parameters | ForEach-Object { $_.Name }) + @($Surface.Parameters | ForEach-Object { $_.Name })
    if ($Surface.SupportsShouldProcess) { $ordered += @($ShouldProcessParameters.Keys) }
    $done = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
    foreach ($name in $ordered) {
        if (-not $done.Add($name)) { continue }
        $live = $Surface.Parameters | Where-Object { $_.Name -eq $name } | Select-Object -First 1
        $doc = $docs[$name]
        $yaml = if ($doc -and @($doc.Yaml).Count) { $doc.Yaml[0].Values } else { @{} }
        if ($live) {
            $bySet = Get-BindingBySet -Surface $Surface -Parameter $live
            $type = $live.Type
            $aliases = @($live.Aliases)
        } elseif ($Surface.SupportsShouldProcess -and $ShouldProcessParameters.Contains($name)) {
            $binding = [pscustomobject]@{ Mandatory = $false; Position = 'Named'; ValueFromPipeline = $false; ValueFromPipelineByPropertyName = $false }
            $bySet = [ordered]@{}
            foreach ($set in $Surface.ParameterSets) { $bySet[$set] = $binding }
            $type = 'System.Management.Automation.SwitchParameter'
            $aliases = @($ShouldProcessParameters[$name].Alias)
        } else {
            continue
        }
        $description = if ($doc) { $doc.Description } elseif ($ShouldProcessParameters.Contains($name)) { @($ShouldProcessParameters[$name].Text) } else { @() }
        $default = if ($yaml.Contains('Default value') -and $yaml['Default value']) { $yaml['Default value'] } elseif ($type -like '*SwitchParameter') { 'False' } else { 'None' }
        $result.Add([pscustomobject]@{
            Name        = $name
            Type        = $type
            ShortType   = ($type -replace '\b[\w]+\.', '')
            Aliases     = $aliases
            BySet       = $bySet
            Description = @($description)
            Default     = $default
            Globbing    = $(if ($yaml.Contains('Accept wildcard characters') -and $yaml['Accept wildcard characters'] -eq 'True') { 'True' } else { 'False' })
        })
    }
    $result
}

function Write-Command {
    param([System.Xml.XmlWriter] $Writer, [object] $Page, [object] $Surface)
    $verb, $noun = $Surface.Name -split '-', 2
    $parameters = @(Get-HelpParameter -Page $Page -Surface $Surface)

    $Writer.WriteStartElement('command', 'command', $Namespaces.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') { $Writer.WriteAttributeString('xmlns', $prefix, $null, $Namespaces[$prefix]) }

    $Writer.WriteStartElement('command', 'details', $Namespaces.command)
    $Writer.WriteElementString('command', 'name', $Namespaces.command, $Surface.Name)
    Write-Description $Writer $Page.Synopsis
    # copyright and version are empty but present, as the PSMaml schema requires them.
    $Writer.WriteStartElement('maml', 'copyright', $Namespaces.maml)
    Write-Para $Writer @()
    $Writer.WriteEndElement()
    $Writer.WriteElementString('command', 'verb', $Namespaces.command, $verb)
    $Writer.WriteElementString('command', 'noun', $Namespaces.command, $noun)
    $Writer.WriteElementString('dev', 'version', $Namespaces.dev, '')
    $Writer.WriteEndElement()

    Write-Description $Writer $Page.Description

    # Syntax: the default set first; in each set positional parameters by position, then mandatory, then the rest.
    $sets = @($Surface.ParameterSets | Where-Object { $_ -ne $AllSetsName })
    if ($sets.Count -eq 0) { $sets = @($AllSetsName) }
    $sets = @($sets | Sort-Object { $_ -ne $Surface.DefaultParameterSet }, { $_ })
    $Writer.WriteStartElement('command', 'syntax', $Namespaces.command)
    foreach ($set in $sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $Namespaces.command)
        $Writer.WriteElementString('maml', 'name', $Namespaces.maml, $Surface.Name)
        $members = @($parameters | Where-Object { $_.BySet.Contains($set) } | Sort-Object `
            @{ Expression = { if ($_.BySet[$set].Position -eq 'Named') { [int]::MaxValue } else { [int]$_.BySet[$set].Position } } },
            @{ Expression = { -not $_.BySet[$set].Mandatory } },
            @{ Expression = { $ShouldProcessParameters.Contains($_.Name) } },
            @{ Expression = { $_.Name } })
        foreach ($parameter in $members) { Write-Parameter -Writer $Writer -Parameter $parameter -Bindings @($parameter.BySet[$set]) -InSyntax }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $Namespaces.command)
    foreach ($parameter in $parameters) { Write-Parameter -Writer $Writer -Parameter $parameter -Bindings @($parameter.BySet.Values) }
    $Writer.WriteEndElement()

    # The schema wants at least one entry in each list; 'None' is what platyPS writes too.
    $none = @([pscustomobject]@{ Type = 'None'; Description = @() })
    $inputs = if (@($Page.Inputs).Count) { $Page.Inputs } else { $none }
    $Writer.WriteStartElement('command', 'inputTypes', $Namespaces.command)
    foreach ($input in $inputs) {
        $Writer.WriteStartElement('command', 'inputType', $Namespaces.command)
        Write-TypeElement $Writer $input.Type
        Write-Description $Writer $input.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # Without an OUTPUTS section the cmdlet's [OutputType] still tells the reader what comes out.
    $outputs = if ($Page.HasSection['OUTPUTS']) { $Page.Outputs } else { @($Surface.OutputType | ForEach-Object { [pscustomobject]@{ Type = $_; Description = @() } }) }
    if (@($outputs).Count -eq 0) { $outputs = $none }
    $Writer.WriteStartElement('command', 'returnValues', $Namespaces.command)
    foreach ($output in $outputs) {
        $Writer.WriteStartElement('command', 'returnValue', $Namespaces.command)
        Write-TypeElement $Writer $output.Type
        Write-Description $Writer $output.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteElementString('command', 'terminatingErrors', $Namespaces.command, '')
    $Writer.WriteElementString('command', 'nonTerminatingErrors', $Namespaces.command, '')

    $Writer.WriteStartElement('maml', 'alertSet', $Namespaces.maml)
    $Writer.WriteStartElement('maml', 'alert', $Namespaces.maml)
    Write-Para $Writer $Page.Notes
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $Namespaces.command)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $Namespaces.command)
        $Writer.WriteElementString('maml', 'title', $Namespaces.maml, "-------------------------- $($example.Title) --------------------------")
        $Writer.WriteElementString('dev', 'code', $Namespaces.dev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $Namespaces.dev)
        Write-Para $Writer $example.Remarks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'relatedLinks', $Namespaces.maml)
    $links = @()
    if ($Page.OnlineVersion) { $links += [pscustomobject]@{ Text = 'Online Version:'; Uri = $Page.OnlineVersion } }
    $links += @($Page.Links)
    # Every command points to the module's about topic, which also keeps the list from being empty.
    $aboutTopic = "about_$ModuleName"
    if (-not ($links | Where-Object { $_.Text -eq $aboutTopic })) { $links += [pscustomobject]@{ Text = $aboutTopic; Uri = '' } }
    foreach ($link in $links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $Namespaces.maml)
        $Writer.WriteElementString('maml', 'linkText', $Namespaces.maml, $link.Text)
        # Only absolute links are useful to Get-Help -Online; a relative .md link is for readers of docs/.
        $uri = if ($link.Uri -match '^https?://') { $link.Uri } else { '' }
        $Writer.WriteElementString('maml', 'uri', $Namespaces.maml, $uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}
#endregion

#region Main
Import-Module (Join-Path $PSScriptRoot 'ModuleTooling.psm1') -Force
$ModuleName = [System.IO.Path]::GetFileNameWithoutExtension($ManifestPath)
try {
    $surfaces = Get-ModuleCommandSurface -ManifestPath $ManifestPath -Isolated
} catch {
    throw "Help build failed: $($_.Exception.Message)"
}
$pages = [System.Collections.Generic.List[object]]::new()
if (Test-Path -LiteralPath $DocsPath) {
    foreach ($file in Get-ChildItem -LiteralPath $DocsPath -Filter '*.md' -File | Sort-Object Name) {
        $page = Read-CommandMarkdown -Path $file
        if (-not $surfaces.Contains($page.Name)) {
            Write-Problem $page.File 1 "$($page.Name) is not a command that $(Split-Path -Leaf $ManifestPath) exports."
            continue
        }
        Test-PageAgainstCommand -Page $page -Surface $surfaces[$page.Name]
        $pages.Add($page)
    }
}
foreach ($name in $surfaces.Keys) {
    if (-not ($pages | Where-Object { $_.Name -eq $name })) { Write-Warning "$name has no help page: add $(Join-Path $DocsPath "$name.md")." }
}
if ($script:Problems.Count -gt 0) {
    # One line per problem for the reader; the exception carries them all for callers and tests.
    foreach ($problem in $script:Problems) { Write-Information "Help: $problem" -InformationAction Continue }
    throw ("Help build failed: the markdown in $DocsPath is malformed or contradicts the cmdlets.`n  " + ($script:Problems -join "`n  "))
}

$directory = Split-Path -Parent $OutputPath
if ($directory) { New-Item -ItemType Directory -Force -Path $directory | Out-Null }
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$writer = [System.Xml.XmlWriter]::Create([System.IO.Path]::GetFullPath($OutputPath), $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($page in $pages) { Write-Command -Writer $writer -Page $page -Surface $surfaces[$page.Name] }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
} finally {
    $writer.Dispose()
}
#endregion
