<#
.SYNOPSIS
    AppBan remediation script for a Configuration Manager configuration item.
.DESCRIPTION
    {{GENERATED}}
    Removes the banned apps the policy wants gone and prints one summary line. It throws (and so reports a
    remediation failure) when the computer cannot be scanned or a removal fails. Apps that are exempt, in their
    grace period, or that AppBan refuses to remove unattended are left in place without an error; the next
    discovery still reports NonCompliant for them.
    With a report folder set ($AppBanReportFolder), the run's device report is written there as <computer>.json;
    when it cannot be (the share unreachable, access denied) the script throws with the reason.
    Runs under Windows PowerShell 5.1 as SYSTEM against the local machine (restarting in 64-bit PowerShell when
    started in 32-bit); the AppBan module must be installed.
#>
{{COMMON}}
try {
    $policy = Import-AppBan
    $target = Get-AppBanTarget
    $report = Get-AppBanReportParameter
    $outcome = Invoke-AppBanRemediation -Policy $policy -TimeoutSec $AppBanRunTimeoutSec -Confirm:$false @target @report `
        -ErrorAction SilentlyContinue -ErrorVariable runErrors | Select-Object -Last 1
} catch {
    throw (Format-AppBanLine ("AppBan remediation failed on $(Get-AppBanComputer): " + $_.Exception.Message))
}
if ($null -eq $outcome) {
    throw (Format-AppBanLine ("AppBan remediation failed on $(Get-AppBanComputer): the run ended without an outcome. " + (Get-AppBanErrorText $runErrors)))
}
if ($outcome.RunExitCode -ge $AppBanExitFailed) {
    throw (Format-AppBanResultLine ("AppBan remediation failed on $(Get-AppBanComputer): $($outcome.Summary) " + (Get-AppBanRunErrorText $runErrors)) $outcome.DeviceReportError)
}
if ($outcome.DeviceReportError) {
    throw (Format-AppBanResultLine ("AppBan remediation on $(Get-AppBanComputer): $($outcome.Summary)") $outcome.DeviceReportError)
}
Format-AppBanLine ("AppBan remediation on $(Get-AppBanComputer): $($outcome.Summary)")
