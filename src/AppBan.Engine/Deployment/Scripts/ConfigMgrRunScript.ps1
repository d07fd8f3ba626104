<#
.SYNOPSIS
    AppBan for Configuration Manager Run Scripts: check or remediate, answer in one small object.
.DESCRIPTION
    {{GENERATED}}
    -Action Detect (default) scans; -Action Remediate removes the banned apps the policy wants gone. The script
    writes one object; Run Scripts turns it into JSON and keeps 4 KB, so long texts are shortened until the JSON
    stays under {{JSON_LIMIT}} characters. Result is Compliant, NonCompliant, Remediated or Failed.
    With a report folder set ($AppBanReportFolder), the device report is written there as <computer>.json and Report
    says "written" or why not; when it was not written, ExitCode is 14 in place of 0, 10 or 11.
    Runs under Windows PowerShell 5.1 as SYSTEM against the local machine (restarting in 64-bit PowerShell when
    started in 32-bit); the AppBan module must be installed.
#>
{{COMMON}}
function Out-AppBanBounded([System.Collections.Specialized.OrderedDictionary] $Data) {
    foreach ($round in 1..16) {
        if (($Data | ConvertTo-Json -Depth 3).Length -le {{JSON_LIMIT}}) { break }
        foreach ($key in @('Errors', 'Report', 'Summary', 'Computer', 'Policy')) {
            $text = [string] $Data[$key]
            if ($text.Length -gt 8) { $Data[$key] = $text.Substring(0, [int] ($text.Length / 2)) + '...' }
        }
    }
    [pscustomobject] $Data
}

$data = [ordered] @{
    Computer = Get-AppBanComputer
    Action = $Action
    Result = 'Failed'
    ExitCode = $AppBanExitFailed
    Violations = $null
    GracePeriod = $null
    Exempt = $null
    Removed = $null
    FailedRemovals = $null
    Summary = ''
    Errors = ''
    Policy = $AppBanPolicyName
    Report = $null
}
if ($AppBanReportFolder) { $data.Report = 'not written: the run did not start' }
try {
    $policy = Import-AppBan
    $target = Get-AppBanTarget
    if ($Action -eq 'Remediate') {
        $report = Get-AppBanReportParameter
        $outcome = Invoke-AppBanRemediation -Policy $policy -TimeoutSec $AppBanRunTimeoutSec -Confirm:$false @target @report `
            -ErrorAction SilentlyContinue -ErrorVariable runErrors | Select-Object -Last 1
        if ($outcome) {
            $data.ExitCode = $outcome.ExitCode
            if ($AppBanReportFolder) { $data.Report = if ($outcome.DeviceReportError) { Format-AppBanLine $outcome.DeviceReportError 512 } else { 'written' } }
            $data.Result = switch ($outcome.RunExitCode) { $AppBanExitCompliant { 'Compliant' } $AppBanExitRemediated { 'Remediated' } $AppBanExitNonCompliant { 'NonCompliant' } default { 'Failed' } }
            $data.Removed = $outcome.Removed
            $data.FailedRemovals = $outcome.FailedRemovals
            $data.Summary = Format-AppBanLine $outcome.Summary
        }
        $data.Errors = Format-AppBanLine (Get-AppBanRunErrorText $runErrors)
    } else {
        $result = @(Test-AppBanCompliance -Policy $policy -IncludeSignedOutUsers @target -ErrorAction SilentlyContinue -ErrorVariable scanErrors)
        if ($result.Count -gt 0) {
            $r = $result[0]
            $failed = "$($r.Status)" -in @('Unreachable', 'Failed')
            $data.Result = if ($failed) { 'Failed' } elseif ($r.IsCompliant) { 'Compliant' } else { 'NonCompliant' }
            $data.ExitCode = if ($failed) { $AppBanExitFailed } elseif ($r.IsCompliant -and $r.ExemptCount -eq 0) { $AppBanExitCompliant } else { $AppBanExitNonCompliant }
            $data.Violations = $r.ViolationCount
            $data.GracePeriod = $r.GracePeriodCount
            $data.Exempt = $r.ExemptCount
            $data.Summary = Format-AppBanLine ("$($r.Status): $($r.ViolationCount) violation(s), $($r.GracePeriodCount) in grace period, $($r.ExemptCount) exempt")
        }
        $data.Errors = Format-AppBanLine (Get-AppBanErrorText $scanErrors)
        if ($AppBanReportFolder) {
            $reportProblem = Write-AppBanDeviceReport $policy (@($result) + @($scanErrors))
            $data.Report = if ($reportProblem) { $reportProblem } else { 'written' }
            if ($reportProblem -and $data.ExitCode -in @($AppBanExitCompliant, $AppBanExitRemediated, $AppBanExitNonCompliant)) { $data.ExitCode = $AppBanExitReportNotDelivered }
        }
    }
} catch {
    $data.Errors = Format-AppBanLine $_.Exception.Message
}
Out-AppBanBounded $data
