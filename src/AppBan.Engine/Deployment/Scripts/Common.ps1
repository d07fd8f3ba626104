param(
    #{{EXTRA_PARAMETERS}}
    # Testing only: check this computer ("host" or "host:port") instead of the local machine.
    [string] $ComputerName,
    # Testing only: the credential for -ComputerName.
    [System.Management.Automation.PSCredential] $Credential,
    # Testing only: how to authenticate to -ComputerName (for example Basic).
    [string] $Authentication
)

$ErrorActionPreference = 'Stop'
$AppBanBoundParameters = $PSBoundParameters
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'

# The policy this script enforces, as exported (UTF-8 JSON, Base64). A readable copy follows as comments; the script
# uses only the encoded copy.
$AppBanPolicyName = '{{POLICY_NAME}}'
$AppBanPolicyBase64 = '{{POLICY_BASE64}}'
{{POLICY_COMMENT}}
# Seconds: one CIM operation, and the whole run (the script host's timeout minus the module's start-up).
$AppBanOperationTimeoutSec = {{OPERATION_TIMEOUT}}
$AppBanRunTimeoutSec = {{RUN_TIMEOUT}}
# The unattended-run exit codes, as the module defines them (docs/scheduled-task.md).
$AppBanExitCompliant = {{EXIT_COMPLIANT}}
$AppBanExitRemediated = {{EXIT_REMEDIATED}}
$AppBanExitNonCompliant = {{EXIT_NONCOMPLIANT}}
$AppBanExitFailed = {{EXIT_FAILED}}
$AppBanExitReportNotDelivered = {{EXIT_REPORT_NOT_DELIVERED}}
# The folder (a collector's share) this computer's device report goes to, as <computer name>.json; empty: no report.
$AppBanReportFolder = '{{REPORT_FOLDER}}'

function Import-AppBan {
    Import-Module AppBan -ErrorAction Stop
    $json = [System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String($AppBanPolicyBase64))
    [AppBan.Engine.Policy.PolicyLoader]::LoadJson($json, "embedded policy '$AppBanPolicyName'")
}

function Get-AppBanTarget {
    $target = @{ OperationTimeoutSec = $AppBanOperationTimeoutSec }
    if ($ComputerName) { $target.ComputerName = $ComputerName }
    if ($Credential) { $target.Credential = $Credential }
    if ($Authentication) { $target.Authentication = $Authentication }
    $target
}

function Get-AppBanComputer {
    if ($ComputerName) { $ComputerName } else { $env:COMPUTERNAME }
}

# One line, at most $Max characters: what the management console shows.
function Format-AppBanLine([string] $Text, [int] $Max = 2048) {
    $line = ($Text -replace '[\x00-\x1f\x7f]+', ' ').Trim()
    if ($line.Length -gt $Max) { $line = $line.Substring(0, $Max - 3) + '...' }
    $line
}

function Get-AppBanErrorText($Errors) {
    @($Errors | Where-Object { $_ } | Select-Object -First 3 | ForEach-Object { $_.Exception.Message }) -join ' | '
}

# Writes this computer's device report from a scan's results and errors into $AppBanReportFolder. Returns nothing when
# it was written or no folder is set, else why not (one line). The scan's outcome does not depend on it.
function Write-AppBanDeviceReport($Policy, [object[]] $InputObject) {
    if (-not $AppBanReportFolder) { return }
    $reportErrors = $null
    try {
        $written = @(@($InputObject | Where-Object { $null -ne $_ }) | Export-AppBanReport -DeviceReportFolder $AppBanReportFolder -Policy $Policy -PassThru `
            -ErrorAction SilentlyContinue -ErrorVariable reportErrors -WarningAction SilentlyContinue)
    } catch {
        return (Format-AppBanLine $_.Exception.Message 512)
    }
    if (@($reportErrors).Count -gt 0) { return (Format-AppBanLine (Get-AppBanErrorText $reportErrors) 512) }
    if ($written.Count -eq 0) { return 'no report was written' }
}

# -DeviceReportFolder for Invoke-AppBanRemediation when a report folder is set.
function Get-AppBanReportParameter {
    $parameters = @{}
    if ($AppBanReportFolder) { $parameters.DeviceReportFolder = $AppBanReportFolder }
    $parameters
}

# Errors of a run other than the device report's own (that one is told apart).
function Get-AppBanRunErrorText($Errors) {
    Get-AppBanErrorText @($Errors | Where-Object { $_ -and "$($_.FullyQualifiedErrorId)" -notlike 'DeviceReportNotWritten*' })
}

# The last output line: the text cut to fit, then "; report not written: <reason>" when the device report was not written.
function Format-AppBanResultLine([string] $Text, [string] $ReportProblem) {
    if (-not $ReportProblem) { return (Format-AppBanLine $Text) }
    $tail = '; report not written: ' + (Format-AppBanLine $ReportProblem 512)
    $marker = $Text.IndexOf('; report not written: ')
    if ($marker -ge 0) { $Text = $Text.Substring(0, $marker) }
    (Format-AppBanLine $Text (2048 - $tail.Length)) + $tail
}

{{NATIVE_RELAUNCH}}

# A 32-bit start (Intune's default) goes on in 64-bit Windows PowerShell, with the same parameters and exit code.
if ($AppBanBoundParameters.ContainsKey('Credential') -and $env:PROCESSOR_ARCHITEW6432) {
    [Console]::Error.WriteLine('AppBan: -Credential cannot be passed to the 64-bit PowerShell this script restarts in; test from 64-bit PowerShell.')
    exit 1
}
$relaunchArguments = @(foreach ($name in @('Action', 'ComputerName', 'Authentication')) {
    if ($AppBanBoundParameters.ContainsKey($name)) { "-$name"; [string] $AppBanBoundParameters[$name] }
})
$relaunch = @(Get-AppBanNativeRelaunch $PSCommandPath $relaunchArguments)
if ($relaunch.Count -gt 0) {
    $relaunchRest = @($relaunch | Select-Object -Skip 1)
    & $relaunch[0] @relaunchRest
    exit $LASTEXITCODE
}
