<#
.SYNOPSIS
    AppBan remediation script for an Intune Remediations script package.
.DESCRIPTION
    {{GENERATED}}
    Removes the banned apps the policy wants gone. Exits 0 when the computer is compliant afterwards (nothing to
    do, or everything removed), 1 otherwise: a removal failed, the computer could not be scanned, or an app remains
    (in its grace period, or refused for unattended removal). The last (and only) output line is a summary of at
    most 2,048 characters: "AppBan: <result> on <computer> - ...".
    Runs as SYSTEM against the local machine; started in 32-bit PowerShell (Intune's default), it restarts itself
    in 64-bit Windows PowerShell and exits with that run's code. The AppBan module must be installed.
#>
{{COMMON}}
try {
    $policy = Import-AppBan
    $target = Get-AppBanTarget
    $outcome = Invoke-AppBanRemediation -Policy $policy -TimeoutSec $AppBanRunTimeoutSec -Confirm:$false @target `
        -ErrorAction SilentlyContinue -ErrorVariable runErrors | Select-Object -Last 1
} catch {
    Format-AppBanLine ("AppBan: Failed on $(Get-AppBanComputer) - " + $_.Exception.Message)
    exit 1
}
if ($null -eq $outcome) {
    Format-AppBanLine ("AppBan: Failed on $(Get-AppBanComputer) - the run ended without an outcome. " + (Get-AppBanErrorText $runErrors))
    exit 1
}
$result = switch ($outcome.ExitCode) { $AppBanExitCompliant { 'Compliant' } $AppBanExitRemediated { 'Remediated' } $AppBanExitNonCompliant { 'NonCompliant' } default { 'Failed' } }
$detail = if ($outcome.ExitCode -ge $AppBanExitFailed) { ' ' + (Get-AppBanErrorText $runErrors) } else { '' }
Format-AppBanLine ("AppBan: $result on $(Get-AppBanComputer) - $($outcome.Summary)$detail")
if ($outcome.ExitCode -in @($AppBanExitCompliant, $AppBanExitRemediated)) { exit 0 } else { exit 1 }
