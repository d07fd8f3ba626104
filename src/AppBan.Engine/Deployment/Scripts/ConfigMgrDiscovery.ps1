<#
.SYNOPSIS
    AppBan discovery script for a Configuration Manager configuration item.
.DESCRIPTION
    {{GENERATED}}
    Prints Compliant or NonCompliant (a String setting; the compliance rule is "equals Compliant") and exits 0.
    Compliant means no banned app that the policy wants gone is installed (Compliant or Exempt); NonCompliant
    covers violations, apps in their grace period and partial scans. When the computer cannot be scanned at all it
    prints nothing, writes the reason to the error stream and exits 1, which Configuration Manager reports as a
    discovery failure.
    With a report folder set ($AppBanReportFolder), the scan's device report is written there as <computer>.json;
    when it cannot be, the answer and the exit code stay as they are (the fleet report shows the computer as stale).
    Runs under Windows PowerShell 5.1 as SYSTEM against the local machine (restarting in 64-bit PowerShell when
    started in 32-bit); the AppBan module must be installed.
#>
{{COMMON}}
try {
    $policy = Import-AppBan
    $target = Get-AppBanTarget
    $result = @(Test-AppBanCompliance -Policy $policy -IncludeSignedOutUsers @target -ErrorAction SilentlyContinue -ErrorVariable scanErrors)
} catch {
    [Console]::Error.WriteLine((Format-AppBanLine ("AppBan discovery failed on $(Get-AppBanComputer): " + $_.Exception.Message)))
    exit 1
}
# A report that cannot be written changes nothing here: a discovery failure would hide this computer's compliance
# from Configuration Manager, and anything on the error stream is one. The fleet report shows the computer as Stale.
$null = Write-AppBanDeviceReport $policy (@($result) + @($scanErrors))
if ($result.Count -eq 0 -or "$($result[0].Status)" -in @('Unreachable', 'Failed')) {
    $status = if ($result.Count -gt 0) { "$($result[0].Status)" } else { 'Failed' }
    [Console]::Error.WriteLine((Format-AppBanLine ("AppBan discovery failed on $(Get-AppBanComputer) ($status): " + (Get-AppBanErrorText $scanErrors))))
    exit 1
}
if ($result[0].IsCompliant) { 'Compliant' } else { 'NonCompliant' }
exit 0
