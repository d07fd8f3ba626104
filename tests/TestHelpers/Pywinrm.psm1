#Requires -Version 7.0
<#
.SYNOPSIS
    pywinrm, the independent WS-Man client: find (or on Debian as root, install) Debian's python3-winrm and run the
    query script with it.
.DESCRIPTION
    Get-Pywinrm returns the Python that imports winrm, or $null; Get-PywinrmProblem then says why. Get-PywinrmAnswer
    runs tests/Pester/python/winrm_query.py and returns its exit code, standard output and standard error.
#>

$script:PywinrmProblem = $null
# Debian's package installs for the system Python, not for another Python earlier on PATH.
$script:SystemPython = '/usr/bin/python3'
Import-Module (Join-Path $PSScriptRoot 'DebianPackage.psm1')

function Test-PywinrmImport {
    if (-not (Test-Path -LiteralPath $script:SystemPython)) { return $false }
    & $script:SystemPython -c 'import winrm.protocol' 2>$null
    $LASTEXITCODE -eq 0
}

# Debian's python3-winrm (pywinrm 0.3.0 with requests-ntlm), installed with apt-get when it is missing and this is a
# Debian-like system run as root.
function Get-Pywinrm {
    if (Test-PywinrmImport) { return $script:SystemPython }
    $script:PywinrmProblem = Install-DebianPackage python3-winrm
    if ($script:PywinrmProblem) { return $null }
    if (Test-PywinrmImport) { return $script:SystemPython }
    $script:PywinrmProblem = "apt-get could not install python3-winrm (see $(Get-DebianPackageLog python3-winrm))"
    $null
}

# Why Get-Pywinrm returned $null.
function Get-PywinrmProblem { $script:PywinrmProblem }

# Runs the query script against one endpoint; the JSON it prints is parsed when it succeeded.
function Get-PywinrmAnswer {
    param(
        [Parameter(Mandatory)] [string] $Python,
        [Parameter(Mandatory)] [string] $Endpoint,
        [Parameter(Mandatory)] [pscredential] $Credential,
        [Parameter(Mandatory)] [ValidateSet('ntlm', 'basic')] [string] $Transport,
        [ValidateSet('always', 'never', 'auto')] [string] $Encryption = 'auto'
    )
    $script = Join-Path $PSScriptRoot '../Pester/python/winrm_query.py'
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($Python)
    foreach ($argument in @($script, $Endpoint, $Credential.UserName, '--transport', $Transport, '--encryption', $Encryption)) {
        $startInfo.ArgumentList.Add($argument)
    }
    $startInfo.Environment['APPBAN_TEST_PASSWORD'] = $Credential.GetNetworkCredential().Password
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(120000)) { $process.Kill($true); throw "pywinrm did not finish against $Endpoint" }
        $process.WaitForExit()
        [pscustomobject]@{
            ExitCode = $process.ExitCode
            Result   = $process.ExitCode -eq 0 ? ($stdout.GetAwaiter().GetResult() | ConvertFrom-Json) : $null
            Error    = $stderr.GetAwaiter().GetResult()
        }
    } finally {
        $process.Dispose()
    }
}

Export-ModuleMember -Function Get-Pywinrm, Get-PywinrmProblem, Get-PywinrmAnswer
