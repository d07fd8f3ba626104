<#
.SYNOPSIS
    Parse and lint rules for the repository's PowerShell files, checked with the PowerShell AST.
.DESCRIPTION
    Used by tests/Pester/Hygiene.Tests.ps1 over every .ps1/.psm1/.psd1 in the repository. A test that
    generates scripts (ConfigMgr, Intune, wrappers) lints its output the same way:

        Get-ScriptHygieneViolation -Path $generated -ModuleCode | Should -BeNullOrEmpty
#>
Set-StrictMode -Version Latest

# Verbs whose commands change state; a command with one of them must support -WhatIf/-Confirm.
$script:StateChangingVerbs = @(
    'Add', 'Clear', 'Disable', 'Enable', 'Grant', 'Install', 'Invoke', 'Move', 'New', 'Publish', 'Register',
    'Remove', 'Rename', 'Reset', 'Restart', 'Revoke', 'Set', 'Start', 'Stop', 'Uninstall', 'Unregister', 'Update'
)

# Aliases that Windows has and PowerShell on Linux/macOS leaves out (they would shadow native commands);
# a script that uses one works here and breaks there, or the other way round.
$script:WindowsOnlyAliases = @(
    'ac', 'cat', 'clear', 'compare', 'cp', 'cpp', 'diff', 'gsv', 'kill', 'ls', 'man', 'mount', 'mv', 'ps', 'rm',
    'rmdir', 'sasv', 'sleep', 'sort', 'spsv', 'start', 'tee', 'write'
)

$script:ShouldProcessRule = 'PSUseShouldProcessForStateChangingFunctions'
$script:SecretParameterPattern = 'Password|Secret|Credential'
$script:ExcludedDirectories = @('.git', 'bin', 'obj', 'out', 'TestResults', 'node_modules', '.vs')

function Get-StateChangingVerb {
    <#
    .SYNOPSIS
        The verbs whose commands must declare SupportsShouldProcess.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $script:StateChangingVerbs
}

function Get-RepositoryScriptFile {
    <#
    .SYNOPSIS
        Every .ps1, .psm1 and .psd1 file under a folder, leaving out build output and version control.
    #>
    [CmdletBinding()]
    [OutputType([System.IO.FileInfo])]
    param(
        [Parameter(Mandatory)] [string] $Root
    )
    $rootPath = (Resolve-Path -LiteralPath $Root).ProviderPath
    Get-ChildItem -LiteralPath $rootPath -Recurse -File -Include '*.ps1', '*.psm1', '*.psd1' -Force | Where-Object {
        $relative = [System.IO.Path]::GetRelativePath($rootPath, $_.FullName)
        $segments = @($relative -split '[\\/]' | Select-Object -SkipLast 1)
        -not ($segments | Where-Object { $script:ExcludedDirectories -contains $_ })
    } | Sort-Object FullName
}

function ConvertTo-Violation([string] $Path, [int] $Line, [string] $Rule, [string] $Message) {
    [pscustomobject]@{ Path = $Path; Line = $Line; Rule = $Rule; Message = $Message }
}

function Test-Suppressed {
    # A [Diagnostics.CodeAnalysis.SuppressMessage('<rule>', ..., Justification = '...')] on the function's
    # or the script's param block, as PSScriptAnalyzer honours it; the justification must say why.
    param([System.Management.Automation.Language.Ast] $Ast, [string] $Rule)
    for ($node = $Ast; $node; $node = $node.Parent) {
        $paramBlock = if ($node -is [System.Management.Automation.Language.FunctionDefinitionAst]) { $node.Body.ParamBlock }
        elseif ($node -is [System.Management.Automation.Language.ScriptBlockAst]) { $node.ParamBlock }
        if (-not $paramBlock) { continue }
        foreach ($attribute in $paramBlock.Attributes) {
            if ($attribute.TypeName.Name -notmatch '^(System\.)?(Diagnostics\.CodeAnalysis\.)?SuppressMessage(Attribute)?$') { continue }
            $ruleArgument = $attribute.PositionalArguments | Select-Object -First 1
            if (-not $ruleArgument -or $ruleArgument.SafeGetValue() -ne $Rule) { continue }
            $justification = $attribute.NamedArguments | Where-Object { $_.ArgumentName -eq 'Justification' } | Select-Object -First 1
            if ($justification -and "$($justification.Argument.SafeGetValue())".Trim()) { return $true }
        }
    }
    $false
}

function Test-DeclaresShouldProcess {
    param([System.Management.Automation.Language.FunctionDefinitionAst] $Function)
    $paramBlock = $Function.Body.ParamBlock
    if (-not $paramBlock) { return $false }
    foreach ($attribute in $paramBlock.Attributes) {
        if ($attribute.TypeName.Name -notmatch '^CmdletBinding(Attribute)?$') { continue }
        foreach ($argument in $attribute.NamedArguments) {
            if ($argument.ArgumentName -ne 'SupportsShouldProcess') { continue }
            if ($argument.ExpressionOmitted) { return $true }
            return [bool]($argument.Argument.SafeGetValue())
        }
    }
    $false
}

# Parameters that Windows PowerShell 5.1's cmdlets lack (added in PowerShell 6 or 7), by command.
$script:ParametersNewerThan51 = @{
    'ForEach-Object'   = @('Parallel', 'ThrottleLimit', 'AsJob')
    'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate')
    'ConvertTo-Json'   = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
    'Get-Content'      = @('AsByteStream')
    'Set-Content'      = @('AsByteStream')
    'Add-Content'      = @('AsByteStream')
    'Join-Path'        = @('AdditionalChildPath')
    'Invoke-WebRequest' = @('SkipCertificateCheck', 'SkipHttpErrorCheck', 'Authentication', 'Token', 'StatusCodeVariable')
    'Invoke-RestMethod' = @('SkipCertificateCheck', 'SkipHttpErrorCheck', 'Authentication', 'Token', 'StatusCodeVariable')
    'Select-Object'    = @('SkipIndex')
    'Get-Date'         = @('AsUTC', 'UnixTimeSeconds')
}
# Encodings only PowerShell 6 and later know by name.
$script:EncodingsNewerThan51 = @('utf8NoBOM', 'utf8BOM')
# Commands Windows PowerShell 5.1 does not have.
$script:CommandsNewerThan51 = @('Test-Json', 'Get-Error', 'ConvertFrom-Markdown', 'Join-String', 'Get-Uptime', 'Remove-Alias', 'Remove-Service')

function Get-WindowsPowerShellIncompatibility {
    # What in a parsed script Windows PowerShell 5.1 cannot run: Line and Message per finding.
    param([System.Management.Automation.Language.ScriptBlockAst] $Ast)
    $lang = 'System.Management.Automation.Language'
    $found = [System.Collections.Generic.List[object]]::new()
    $add = { param($node, $message) $found.Add([pscustomobject]@{ Line = $node.Extent.StartLineNumber; Message = $message }) }

    $requirements = $Ast.ScriptRequirements
    if ($requirements -and $requirements.RequiredPSVersion -and $requirements.RequiredPSVersion.Major -ge 6) {
        $found.Add([pscustomobject]@{ Line = 1; Message = "#Requires -Version $($requirements.RequiredPSVersion) shuts out Windows PowerShell 5.1." })
    }
    if ($requirements -and @($requirements.RequiredPSEditions) -contains 'Core') {
        $found.Add([pscustomobject]@{ Line = 1; Message = '#Requires -PSEdition Core shuts out Windows PowerShell 5.1.' })
    }
    foreach ($node in $Ast.FindAll({ $true }, $true)) {
        $type = $node.GetType().Name
        if ($type -eq 'TernaryExpressionAst') { & $add $node 'the ?: operator needs PowerShell 7; use if/else.' }
        elseif ($type -eq 'PipelineChainAst') { & $add $node '&& and || between pipelines need PowerShell 7; use if ($?).' }
        elseif ($type -eq 'BinaryExpressionAst' -and "$($node.Operator)" -eq 'QuestionQuestion') { & $add $node 'the ?? operator needs PowerShell 7; use if ($null -eq ...).' }
        elseif ($type -eq 'AssignmentStatementAst' -and "$($node.Operator)" -eq 'QuestionQuestionEquals') { & $add $node 'the ??= operator needs PowerShell 7.' }
        elseif ($type -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' -and $node.PSObject.Properties['NullConditional'] -and $node.NullConditional) {
            & $add $node '?. and ?[] need PowerShell 7.'
        }
        elseif ($type -eq 'VariableExpressionAst' -and $node.VariablePath.UserPath -in 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR') {
            & $add $node "`$$($node.VariablePath.UserPath) does not exist in Windows PowerShell 5.1 (it reads as `$null there)."
        }
        elseif ($type -eq 'CommandAst') {
            $name = $node.GetCommandName()
            if (-not $name) { continue }
            if ($script:CommandsNewerThan51 -contains $name) { & $add $node "$name does not exist in Windows PowerShell 5.1." }
            $newer = $script:ParametersNewerThan51[$name]
            for ($i = 0; $i -lt $node.CommandElements.Count; $i++) {
                $element = $node.CommandElements[$i]
                if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                if ($element.ParameterName -eq 'Encoding') {
                    $value = if ($element.Argument) { $element.Argument } elseif ($i + 1 -lt $node.CommandElements.Count) { $node.CommandElements[$i + 1] }
                    if ($value -is [System.Management.Automation.Language.StringConstantExpressionAst] -and $script:EncodingsNewerThan51 -contains $value.Value) {
                        & $add $node "-Encoding $($value.Value) does not exist in Windows PowerShell 5.1."
                    }
                }
                # A name that is a whole parameter 5.1 has (-Skip) is not an abbreviation of a newer one (-SkipIndex).
                $olderNames = if ($newer) { @((Get-Command $name -ErrorAction Ignore).Parameters.Keys | Where-Object { $newer -notcontains $_ }) } else { @() }
                if ($olderNames -contains $element.ParameterName) { continue }
                foreach ($parameter in @($newer)) {
                    if ($parameter -and $parameter.StartsWith($element.ParameterName, [System.StringComparison]::OrdinalIgnoreCase) -and $element.ParameterName.Length -ge 2) {
                        & $add $node "$name -$parameter does not exist in Windows PowerShell 5.1."
                    }
                }
            }
        }
    }
    if ($Ast.PSObject.Properties['CleanBlock'] -and $Ast.CleanBlock) { & $add $Ast.CleanBlock 'a clean block needs PowerShell 7.3.' }
    $found
}

function Get-ScriptHygieneViolation {
    <#
    .SYNOPSIS
        Parse errors and lint-rule violations in PowerShell files, one object per finding (Path, Line, Rule,
        Message); nothing when the files are clean.
    .DESCRIPTION
        Rules:
          ParseError          the file does not parse.
          NoAlias             a command is called through an alias (as Get-Alias resolves it, plus the aliases
                              only Windows has).
          NoWriteHost         Write-Host in module code (-ModuleCode): module scripts and generated scripts
                              must write to streams a caller can capture.
          ShouldProcess       a function with a state-changing verb does not declare
                              [CmdletBinding(SupportsShouldProcess)] (PSScriptAnalyzer's suppression attribute,
                              with a justification, is honoured).
          PlaintextSecret     a [string] parameter named *Password*, *Secret* or *Credential*.
          WindowsPowerShell   in module code (-ModuleCode), anything Windows PowerShell 5.1 cannot run: module
                              scripts and the generated ConfigMgr and Intune scripts run there as SYSTEM.
                              Operators from PowerShell 6 and later (?:, ??, ??=, &&, ||, ?. and ?[]),
                              $IsWindows and its kin (undefined, so false, on 5.1), #Requires -Version 6+ or
                              -PSEdition Core, and parameters 5.1's cmdlets do not have.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory, ValueFromPipeline, ValueFromPipelineByPropertyName)] [Alias('FullName')] [string[]] $Path,
        # The files are module code or generated scripts, where Write-Host is not allowed.
        [switch] $ModuleCode
    )
    begin {
        $aliases = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
        foreach ($alias in Get-Alias) { [void] $aliases.Add($alias.Name) }
        foreach ($alias in $script:WindowsOnlyAliases) { [void] $aliases.Add($alias) }
    }
    process {
        foreach ($file in $Path) {
            $tokens = $null
            $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file, [ref] $tokens, [ref] $errors)
            foreach ($parseError in $errors) {
                ConvertTo-Violation $file $parseError.Extent.StartLineNumber 'ParseError' $parseError.Message
            }

            foreach ($command in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $command.GetCommandName()
                if (-not $name) { continue }
                if ($aliases.Contains($name)) {
                    $target = Get-Alias -Name $name -ErrorAction Ignore
                    $definition = if ($target) { " ($($target.Definition))" } else { '' }
                    ConvertTo-Violation $file $command.Extent.StartLineNumber 'NoAlias' "'$name' is an alias$definition; call the command by its full name."
                }
                if ($ModuleCode -and $name -eq 'Write-Host') {
                    ConvertTo-Violation $file $command.Extent.StartLineNumber 'NoWriteHost' 'Write-Host in module code; use Write-Output, Write-Verbose or Write-Information.'
                }
            }

            if ($ModuleCode) {
                foreach ($finding in Get-WindowsPowerShellIncompatibility $ast) {
                    ConvertTo-Violation $file $finding.Line 'WindowsPowerShell' $finding.Message
                }
            }

            foreach ($function in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)) {
                $name = $function.Name -replace '^\w+:', ''
                $verb = ($name -split '-', 2)[0]
                if ($name -notmatch '-' -or $script:StateChangingVerbs -notcontains $verb) { continue }
                if ((Test-DeclaresShouldProcess $function) -or (Test-Suppressed $function $script:ShouldProcessRule)) { continue }
                ConvertTo-Violation $file $function.Extent.StartLineNumber 'ShouldProcess' "function $name changes state ($verb) but does not declare [CmdletBinding(SupportsShouldProcess)]."
            }

            foreach ($parameter in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.ParameterAst] }, $true)) {
                $name = $parameter.Name.VariablePath.UserPath
                if ($name -notmatch $script:SecretParameterPattern) { continue }
                $typeNames = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.Language.TypeConstraintAst] } | ForEach-Object { $_.TypeName.FullName })
                if ($typeNames | Where-Object { $_ -match '^(System\.)?String(\[\])?$' }) {
                    ConvertTo-Violation $file $parameter.Extent.StartLineNumber 'PlaintextSecret' "parameter `$$name is a plaintext [string]; take a [PSCredential] or [SecureString]."
                }
            }
        }
    }
}

Export-ModuleMember -Function Get-StateChangingVerb, Get-RepositoryScriptFile, Get-ScriptHygieneViolation
