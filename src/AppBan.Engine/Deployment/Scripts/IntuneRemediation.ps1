<#
.SYNOPSIS
    AppBan remediation script for an Intune Remediations script package.
.DESCRIPTION
    {{GENERATED}}
    Removes the banned apps the policy wants gone. Exits 0 when the computer is compliant afterwards (nothing to
    do, or everything removed), 1 otherwise: a removal failed, the computer could not be scanned, or an app remains
    (in its grace period, or refused for unattended removal). The last (and only) output line is a summary of at
    most 2,048 characters: "AppBan: <result> on <computer> - ...".
    With a report folder set ($AppBanReportFolder), the run's device report is written there as <computer>.json;
    when it cannot be (the share unreachable, access denied) the script exits 1 and the line ends
    "; report not written: <reason>".
    Runs as SYSTEM against the local machine; started in 32-bit PowerShell (Intune's default), it restarts itself
    in 64-bit Windows PowerShell and exits with that run's code. The AppBan module must be installed.
#>
{{COMMON}}
try {
    $policy = Import-AppBan
    $target = Get-AppBanTarget
    $report = Get-AppBanReportParameter
    $outcome = Invoke-AppBanRemediation -Policy $policy -TimeoutSec $AppBanRunTimeoutSec -Confirm:$false @target @report `
        -ErrorAction SilentlyContinue -ErrorVariable runErrors | Select-Object -Last 1
} catch {
    Format-AppBanLine ("AppBan: Failed on $(Get-AppBanComputer) - " + $_.Exception.Message)
    exit 1
}
if ($null -eq $outcome) {
    Format-AppBanLine ("AppBan: Failed on $(Get-AppBanComputer) - the run ended without an outcome. " + (Get-AppBanErrorText $runErrors))
    exit 1
}
$result = switch ($outcome.RunExitCode) { $AppBanExitCompliant { 'Compliant' } $AppBanExitRemediated { 'Remediated' } $AppBanExitNonCompliant { 'NonCompliant' } default { 'Failed' } }
$detail = if ($outcome.RunExitCode -ge $AppBanExitFailed) { ' ' + (Get-AppBanRunErrorText $runErrors) } else { '' }
Format-AppBanResultLine ("AppBan: $result on $(Get-AppBanComputer) - $($outcome.Summary)$detail") $outcome.DeviceReportError
if ($outcome.ExitCode -in @($AppBanExitCompliant, $AppBanExitRemediated)) { exit 0 } else { exit 1 }
