<#
.SYNOPSIS
    AppBan detection script for an Intune Remediations script package.
.DESCRIPTION
    {{GENERATED}}
    Exits 1 when there is an issue, so that Intune runs the remediation script: a banned app the policy wants gone
    (a violation or an app in its grace period), a partial scan, or a computer that could not be scanned. Exits 0
    when the computer is Compliant or every banned app found is Exempt. The last (and only) output line is a summary
    of at most 2,048 characters: "AppBan: <Status> on <computer> - ...".
    With a report folder set ($AppBanReportFolder), the scan's device report is written there as <computer>.json;
    when it cannot be (the share unreachable, access denied) the script exits 1 and the line ends
    "; report not written: <reason>".
    Runs as SYSTEM against the local machine; started in 32-bit PowerShell (Intune's default), it restarts itself
    in 64-bit Windows PowerShell and exits with that run's code. The AppBan module must be installed.
#>
{{COMMON}}
try {
    $policy = Import-AppBan
    $target = Get-AppBanTarget
    $result = @(Test-AppBanCompliance -Policy $policy -IncludeSignedOutUsers @target -ErrorAction SilentlyContinue -ErrorVariable scanErrors)
} catch {
    Format-AppBanLine ("AppBan: Failed on $(Get-AppBanComputer) - " + $_.Exception.Message)
    exit 1
}
$reportProblem = Write-AppBanDeviceReport $policy (@($result) + @($scanErrors))
if ($result.Count -eq 0) {
    Format-AppBanResultLine ("AppBan: Failed on $(Get-AppBanComputer) - " + (Get-AppBanErrorText $scanErrors)) $reportProblem
    exit 1
}
$r = $result[0]
$counts = "$($r.ViolationCount) violation(s), $($r.GracePeriodCount) in grace period, $($r.ExemptCount) exempt; policy $AppBanPolicyName"
if ("$($r.Status)" -in @('Unreachable', 'Failed')) {
    Format-AppBanResultLine ("AppBan: $($r.Status) on $(Get-AppBanComputer) - " + (Get-AppBanErrorText $scanErrors)) $reportProblem
    exit 1
}
Format-AppBanResultLine ("AppBan: $($r.Status) on $(Get-AppBanComputer) - $counts") $reportProblem
if ($r.IsCompliant -and -not $reportProblem) { exit 0 } else { exit 1 }
