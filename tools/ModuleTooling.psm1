<#
.SYNOPSIS
    Build and test tooling shared by tools/Build-Help.ps1, tools/Update-SurfaceSnapshot.ps1 and the hygiene
    tests: the public parameter surface of a command, and running a fresh PowerShell process.
#>
Set-StrictMode -Version Latest

# Positions of parameters that bind only by name.
$script:NamedPosition = 'Named'

function Get-FriendlyTypeName {
    <#
    .SYNOPSIS
        A readable, stable type name: System.String[], System.Nullable[System.DateTime]; -Short drops namespaces.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [type] $Type,
        [switch] $Short
    )
    if ($Type.IsArray) {
        $rank = if ($Type.GetArrayRank() -gt 1) { ',' * ($Type.GetArrayRank() - 1) } else { '' }
        return (Get-FriendlyTypeName -Type $Type.GetElementType() -Short:$Short) + "[$rank]"
    }
    if ($Type.IsGenericType) {
        $definition = $Type.GetGenericTypeDefinition()
        $baseName = if ($Short) { $definition.Name } else { $definition.FullName }
        $baseName = $baseName -replace '`\d+$', ''
        $arguments = foreach ($argument in $Type.GetGenericArguments()) { Get-FriendlyTypeName -Type $argument -Short:$Short }
        return "$baseName[$($arguments -join ', ')]"
    }
    if ($Short) { $Type.Name } else { $Type.FullName }
}

function Get-CommandSurface {
    <#
    .SYNOPSIS
        The public surface of a cmdlet or advanced function as an ordered, deterministic structure: cmdlet-level
        binding facts, parameter sets, and each parameter's type, aliases and per-set binding. Common
        parameters (and WhatIf/Confirm, which SupportsShouldProcess stands for) are left out.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)] [System.Management.Automation.CommandInfo] $Command
    )
    process {
        $excluded = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $metadata = [System.Management.Automation.CommandMetadata]::new($Command)

        $parameters = foreach ($parameter in ($Command.Parameters.Values | Sort-Object Name)) {
            if ($parameter.IsDynamic -or $excluded -contains $parameter.Name) { continue }
            $sets = foreach ($setName in ($parameter.ParameterSets.Keys | Sort-Object)) {
                $set = $parameter.ParameterSets[$setName]
                [ordered]@{
                    Name                            = $setName
                    Mandatory                       = $set.IsMandatory
                    Position                        = if ($set.Position -eq [int]::MinValue) { $script:NamedPosition } else { $set.Position }
                    ValueFromPipeline               = $set.ValueFromPipeline
                    ValueFromPipelineByPropertyName = $set.ValueFromPipelineByPropertyName
                    ValueFromRemainingArguments     = $set.ValueFromRemainingArguments
                }
            }
            [ordered]@{
                Name          = $parameter.Name
                Type          = Get-FriendlyTypeName -Type $parameter.ParameterType
                Aliases       = @($parameter.Aliases | Sort-Object)
                ParameterSets = @($sets)
            }
        }

        [ordered]@{
            Name                  = $Command.Name
            DefaultParameterSet   = $metadata.DefaultParameterSetName
            SupportsShouldProcess = $metadata.SupportsShouldProcess
            ConfirmImpact         = $metadata.ConfirmImpact.ToString()
            OutputType            = @($Command.OutputType | ForEach-Object { $_.Name } | Sort-Object -Unique)
            ParameterSets         = @($Command.ParameterSets | ForEach-Object { $_.Name } | Sort-Object)
            Parameters            = @($parameters)
        }
    }
}

function ConvertTo-SurfaceJson {
    <#
    .SYNOPSIS
        The canonical JSON text of a surface (from Get-CommandSurface or read back from a snapshot file), so
        that a live surface and a stored one compare as strings whatever their formatting.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)] [object] $Surface
    )
    process {
        # A round trip through ConvertFrom-Json makes dictionaries and PSCustomObjects serialise alike.
        $canonical = $Surface | ConvertTo-Json -Depth 10 | ConvertFrom-Json
        ($canonical | ConvertTo-Json -Depth 10) -replace "`r`n", "`n"
    }
}

function Get-ModuleCommandSurface {
    <#
    .SYNOPSIS
        Imports a module manifest and returns the surface of every cmdlet and function it exports, by name.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory)] [string] $ManifestPath,
        # Import the module in a new process, so that this one never loads (and on Windows never locks) its
        # DLLs; build steps use it right after copying them.
        [switch] $Isolated
    )
    if ($Isolated) {
        $quote = { param($text) "'" + ($text -replace "'", "''") + "'" }
        $manifest = (Resolve-Path -LiteralPath $ManifestPath -ErrorAction Stop).ProviderPath
        $command = "`$ErrorActionPreference = 'Stop'; Import-Module $(& $quote $PSCommandPath); " +
            "Get-ModuleCommandSurface -ManifestPath $(& $quote $manifest) | ConvertTo-Json -Depth 10 -Compress"
        $result = Invoke-FreshPwsh -Command $command -WhatIf:$false
        if ($result.ExitCode -ne 0 -or $result.StdErr.Trim()) {
            throw "Could not import $manifest to read its commands.`n$($result.StdErr)$($result.StdOut)"
        }
        $surfaces = [ordered]@{}
        $parsed = $result.StdOut | ConvertFrom-Json
        if ($parsed) { foreach ($property in $parsed.PSObject.Properties) { $surfaces[$property.Name] = $property.Value } }
        return $surfaces
    }
    $module = Import-Module -Name $ManifestPath -Force -PassThru -ErrorAction Stop
    $surfaces = [ordered]@{}
    foreach ($command in ($module.ExportedCommands.Values | Sort-Object Name)) {
        if ($command.CommandType -notin 'Cmdlet', 'Function') { continue }
        $surfaces[$command.Name] = Get-CommandSurface -Command $command
    }
    $surfaces
}

function Get-PwshCommandLine {
    <#
    .SYNOPSIS
        The executable and leading arguments that start this same PowerShell: pwsh itself, or
        'dotnet <pwsh.dll>' when it runs as a .NET tool.
    #>
    [CmdletBinding()]
    [OutputType([string[]])]
    param()
    $executable = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([System.IO.Path]::GetFileNameWithoutExtension($executable) -eq 'dotnet') {
        return @($executable, (Join-Path $PSHOME 'pwsh.dll'))
    }
    @($executable)
}

function Invoke-FreshPwsh {
    <#
    .SYNOPSIS
        Runs a command, or a script file with arguments, in a new 'pwsh -NoProfile -NonInteractive' process and
        returns its exit code, standard output and standard error separately.
    .PARAMETER Environment
        Variables to set in the new process, on top of this one's environment.
    #>
    [CmdletBinding(SupportsShouldProcess, DefaultParameterSetName = 'Command')]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Command')] [string] $Command,
        [Parameter(Mandatory, ParameterSetName = 'File')] [string] $File,
        [Parameter(ParameterSetName = 'File')] [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [string] $WorkingDirectory = (Get-Location).ProviderPath
    )
    $what = if ($PSCmdlet.ParameterSetName -eq 'File') { $File } else { $Command }
    if (-not $PSCmdlet.ShouldProcess($what, 'Run in a new PowerShell process')) { return }
    $pwshArguments = if ($PSCmdlet.ParameterSetName -eq 'File') { @('-File', $File) + $ArgumentList } else { '-Command', $Command }
    $commandLine = Get-PwshCommandLine
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($commandLine[0])
    foreach ($argument in ($commandLine | Select-Object -Skip 1)) { $startInfo.ArgumentList.Add($argument) }
    foreach ($argument in @('-NoProfile', '-NonInteractive') + $pwshArguments) { $startInfo.ArgumentList.Add($argument) }
    foreach ($name in $Environment.Keys) { $startInfo.Environment[$name] = $Environment[$name] }
    $startInfo.WorkingDirectory = $WorkingDirectory
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $process.StandardInput.Close()
        # Read both streams concurrently so that neither pipe can fill up and block the child.
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            StdOut   = $stdout.GetAwaiter().GetResult()
            StdErr   = $stderr.GetAwaiter().GetResult()
        }
    } finally {
        $process.Dispose()
    }
}

Export-ModuleMember -Function Get-FriendlyTypeName, Get-CommandSurface, ConvertTo-SurfaceJson, Get-ModuleCommandSurface,
    Get-PwshCommandLine, Invoke-FreshPwsh
