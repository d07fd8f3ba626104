<#
.SYNOPSIS
    Runs AppBan's scan, removal and report in one go for a scheduled task, and exits with a documented code.

.DESCRIPTION
    For `pwsh -File` and `powershell.exe -File`. It imports the AppBan module installed beside it (or from
    PSModulePath), runs Invoke-AppBanRemediation and turns its outcome into the process exit code:

      0  compliant: every target is compliant and nothing was removed
     10  remediated: banned apps were removed and every target is now compliant
     11  non-compliant remains: an app is exempt, in its grace period, or its removal was refused
     12  some targets failed: unreachable, access denied, a removal failed, or the run was cut short
     13  bad input: unknown or malformed parameters, an unreadable policy or credential file, or the module
         could not be loaded; nothing was scanned
     14  report not delivered: the run ended 0, 10 or 11, but a device report could not be written to
         -ReportFolder (the share unreachable, access denied); 12 and 13 win over it
    Any other code (1 above all, which PowerShell gives when the script cannot run or stops on an unexpected
    error) means the run did not happen as designed. Module 0.1.0 used 1 to 4 (docs/scheduled-task.md).
    Started in 32-bit PowerShell on 64-bit Windows, the script restarts itself in 64-bit Windows PowerShell with
    the same arguments and exits with that run's code.

    Parameters are read by this script itself, so that no mistake on the command line can end in an exit code
    of PowerShell's own choosing. Lists take commas: -ComputerName pc1,pc2 -ReportPath a.json,a.html.

    -PolicyPath <file>           Policy file (default: the built-in policy).
    -ComputerName <a,b,...>      Targets ("host" or "host:port"). Default: the local machine.
    -ComputerListPath <file>     A file with one target per line (# starts a comment).
    -CredentialPath <file>       A PSCredential saved with Export-Clixml by the account the task runs as.
    -Authentication <name>       Default, Basic, Negotiate, Kerberos, ...
    -Port <n>  -UseSSL  -SkipCertificateCheck  -UseWsMan
    -ReportPath <a,b,...>        Report files; the extension picks the format (.json, .csv, .html).
    -ReportFolder <folder>       A collector's folder (a share) for one device report per target, <computer>.json;
                                 nothing else is written there (docs/collecting-reports.md).
    -LogPath <file>              A plain-text log the run appends to.
                                 In both, {date} becomes the run's start time (UTC, yyyyMMdd-HHmmss).
    -ThrottleLimit <n>  -OperationTimeoutSec <n>  -TimeoutSec <n>
    -WhatIf                      Scan and report only; remove nothing.

.EXAMPLE
    pwsh -NoProfile -NonInteractive -File "C:\Program Files\PowerShell\Modules\AppBan\0.1.0\Invoke-AppBanScheduled.ps1" -PolicyPath D:\AppBan\policy.json -ComputerListPath D:\AppBan\fleet.txt -ReportPath D:\AppBan\Reports\fleet.json,D:\AppBan\Reports\fleet.html -LogPath D:\AppBan\Logs\appban.log
#>

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Set-StrictMode -Version 2.0

$ExitBadInput = 13
$ExitFailed = 12
$script:LogFile = $null
$runStamp = [DateTime]::UtcNow.ToString('yyyyMMdd-HHmmss')

function Write-RunLog([string] $Text) {
    $line = '{0} {1}' -f [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ'), $Text
    if ($script:LogFile) {
        try { [System.IO.File]::AppendAllText($script:LogFile, $line + [Environment]::NewLine) } catch { }
    }
}

function Exit-WithCode([int] $Code, [string] $Message) {
    [Console]::Error.WriteLine("AppBan: $Message")
    Write-RunLog "Exit $Code`: $Message"
    exit $Code
}

# Intune runs scripts in 32-bit Windows PowerShell unless "Run script in 64-bit PowerShell" is set, and any 32-bit
# host may start this script the same way: there %ProgramFiles% is the x86 folder, so the module is not found, and
# registry reads see the 32-bit view. WOW64 sets PROCESSOR_ARCHITEW6432 only in a 32-bit process on 64-bit Windows,
# and %WINDIR%\SysNative is how such a process reaches the 64-bit System32 [doc: File System Redirector]. Returns the
# command line that restarts this script in 64-bit Windows PowerShell, or nothing when no restart is needed or possible.
function Get-AppBanNativeRelaunch([string] $ScriptPath, [string[]] $Arguments) {
    if (-not $env:PROCESSOR_ARCHITEW6432 -or -not $env:WINDIR -or -not $ScriptPath) { return }
    $powerShell = [System.IO.Path]::Combine($env:WINDIR, 'SysNative', 'WindowsPowerShell', 'v1.0', 'powershell.exe')
    if (-not [System.IO.File]::Exists($powerShell)) { return }
    # The execution policy this process runs under, so that the restart is allowed no more than the first start was.
    # [guess W022] Windows PowerShell 5.1 drops empty strings when it passes arguments to a program; none is expected here.
    @($powerShell, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', [string] (Get-ExecutionPolicy), '-File', $ScriptPath) + @($Arguments)
}

$relaunch = @(Get-AppBanNativeRelaunch $PSCommandPath $args)
if ($relaunch.Count -gt 0) {
    $relaunchRest = @($relaunch | Select-Object -Skip 1)
    & $relaunch[0] @relaunchRest
    exit $LASTEXITCODE
}

# --- Parse the command line -------------------------------------------------------------------------------------
$valued = @('PolicyPath', 'ComputerName', 'ComputerListPath', 'CredentialPath', 'Authentication', 'Port', 'ReportPath',
            'ReportFolder', 'LogPath', 'ThrottleLimit', 'OperationTimeoutSec', 'TimeoutSec')
$switches = @('UseSSL', 'SkipCertificateCheck', 'UseWsMan', 'WhatIf')
$given = @{}
$problems = New-Object System.Collections.Generic.List[string]
$i = 0
while ($i -lt $args.Count) {
    $token = $args[$i]
    $i++
    if ($token -isnot [string] -or -not $token.StartsWith('-') -or $token.Length -lt 2) {
        $problems.Add("unexpected argument '$token'")
        continue
    }
    $name = $token.Substring(1)
    $inline = $null
    $colon = $name.IndexOf(':')
    if ($colon -ge 0) { $inline = $name.Substring($colon + 1); $name = $name.Substring(0, $colon) }
    $match = @($valued + $switches | Where-Object { $_ -like "$name*" })
    $exact = @($match | Where-Object { $_ -eq $name })
    if ($exact.Count -eq 1) { $match = $exact }
    if ($match.Count -ne 1) {
        if ($match.Count -eq 0) { $problems.Add("unknown parameter -$name") } else { $problems.Add("ambiguous parameter -$name ($($match -join ', '))") }
        continue
    }
    $name = $match[0]
    if ($given.ContainsKey($name)) { $problems.Add("-$name is given twice") }
    if ($switches -contains $name) {
        if ($null -eq $inline -or $inline -match '^(\$?true|1)$') { $given[$name] = $true }
        elseif ($inline -match '^(\$?false|0)$') { $given[$name] = $false }
        else { $problems.Add("-$name takes no value") }
        continue
    }
    if ($null -ne $inline -and $inline -ne '') { $value = $inline }
    elseif ($i -lt $args.Count -and -not ($args[$i] -is [string] -and $args[$i].StartsWith('-') -and $args[$i].Length -gt 1)) { $value = $args[$i]; $i++ }
    else { $problems.Add("-$name needs a value"); continue }
    $given[$name] = $value
}

function Get-List([object] $Value) {
    @($Value | ForEach-Object { "$_" -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
}

function Get-Number([string] $Name, [int] $Min, [int] $Max) {
    if (-not $given.ContainsKey($Name)) { return $null }
    $n = 0
    if (-not [int]::TryParse("$($given[$Name])", [ref] $n) -or $n -lt $Min -or $n -gt $Max) {
        $problems.Add("-$Name must be a whole number from $Min to $Max")
        return $null
    }
    $n
}

if ($given.ContainsKey('LogPath')) {
    try { $script:LogFile = [System.IO.Path]::GetFullPath(("$($given['LogPath'])" -replace '\{date\}', $runStamp)) } catch { $problems.Add("-LogPath is not a valid path") }
}

$invoke = @{ Confirm = $false; ErrorAction = 'Continue' }
foreach ($number in @(@('Port', 1, 65535), @('ThrottleLimit', 0, 10000), @('OperationTimeoutSec', 0, 86400), @('TimeoutSec', 0, 604800))) {
    $n = Get-Number $number[0] $number[1] $number[2]
    if ($null -ne $n) { $invoke[$number[0]] = $n }
}
foreach ($switch in $switches) { if ($given.ContainsKey($switch)) { $invoke[$switch] = [bool] $given[$switch] } }
if ($given.ContainsKey('PolicyPath')) { $invoke.PolicyPath = "$($given['PolicyPath'])" }
if ($given.ContainsKey('Authentication')) { $invoke.Authentication = "$($given['Authentication'])" }
if ($given.ContainsKey('ReportPath')) { $invoke.ReportPath = @(Get-List $given['ReportPath'] | ForEach-Object { $_ -replace '\{date\}', $runStamp }) }
if ($given.ContainsKey('ReportFolder')) {
    try { $invoke.DeviceReportFolder = [System.IO.Path]::GetFullPath("$($given['ReportFolder'])") } catch { $problems.Add("-ReportFolder is not a valid path") }
}
if ($script:LogFile) { $invoke.LogPath = $script:LogFile }

$targets = New-Object System.Collections.Generic.List[string]
if ($given.ContainsKey('ComputerName')) { foreach ($t in Get-List $given['ComputerName']) { $targets.Add($t) } }
if ($given.ContainsKey('ComputerListPath')) {
    try {
        foreach ($line in [System.IO.File]::ReadAllLines([System.IO.Path]::GetFullPath("$($given['ComputerListPath'])"))) {
            $t = ($line -replace '#.*$', '').Trim()
            if ($t) { $targets.Add($t) }
        }
        if ($targets.Count -eq 0) { $problems.Add("the computer list '$($given['ComputerListPath'])' names no computer") }
    } catch {
        $problems.Add("cannot read the computer list '$($given['ComputerListPath'])': $($_.Exception.Message)")
    }
}
if ($targets.Count -gt 0) { $invoke.ComputerName = $targets.ToArray() }

if ($given.ContainsKey('CredentialPath')) {
    try {
        $credential = Import-Clixml -LiteralPath "$($given['CredentialPath'])"
        if ($credential -isnot [System.Management.Automation.PSCredential]) { throw 'the file does not hold a PSCredential' }
        $invoke.Credential = $credential
    } catch {
        $problems.Add("cannot read the credential file '$($given['CredentialPath'])': $($_.Exception.Message)")
    }
}

if ($problems.Count -gt 0) {
    Exit-WithCode $ExitBadInput ("bad input: " + ($problems -join '; '))
}

# --- Load the module ---------------------------------------------------------------------------------------------
try {
    $manifest = @((Join-Path $PSScriptRoot 'AppBan.psd1'), (Join-Path (Split-Path $PSScriptRoot -Parent) 'AppBan.psd1')) |
        Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
    if ($manifest) { Import-Module $manifest -ErrorAction Stop } else { Import-Module AppBan -ErrorAction Stop }
} catch {
    Exit-WithCode $ExitBadInput ("cannot load the AppBan module: " + $_.Exception.Message)
}

# --- Run ---------------------------------------------------------------------------------------------------------
# Errors that mean the input was wrong, as opposed to a target that failed.
$badInputCategories = @('InvalidArgument', 'InvalidData', 'InvalidType', 'ObjectNotFound', 'SyntaxError', 'MetadataError')
try {
    $outcome = Invoke-AppBanRemediation @invoke | Select-Object -Last 1
} catch {
    $record = $_
    $category = "$($record.CategoryInfo.Category)"
    if ($record.Exception -is [System.Management.Automation.ParameterBindingException] -or $badInputCategories -contains $category) {
        Exit-WithCode $ExitBadInput ("bad input: " + $record.Exception.Message)
    }
    Exit-WithCode $ExitFailed ("the run failed: " + $record.Exception.Message)
}
if ($null -eq $outcome -or $null -eq $outcome.PSObject.Properties['ExitCode']) {
    Exit-WithCode $ExitFailed 'the run ended without an outcome'
}
Write-Output $outcome.Summary
exit ([int] $outcome.ExitCode)
