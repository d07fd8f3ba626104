#Requires -Version 7.0
<#
.SYNOPSIS
    Headless chromium for the report tests: find (or on Debian as root, install) it and run it on a local file.
.DESCRIPTION
    Get-Chromium returns the executable, or $null; Get-ChromiumProblem then says why. Get-ChromiumRun starts it with a
    fresh profile and no network features and returns its standard output (--dump-dom gives the DOM after the page's
    script ran). ConvertTo-FileUrl makes a file:// URL of a local path.
#>

$script:ChromiumProblem = $null
Import-Module (Join-Path $PSScriptRoot 'DebianPackage.psm1')

# Debian's chromium, installed with apt-get when it is missing and this is a Debian-like system run as root.
function Get-Chromium {
    $names = 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'
    $found = $names | ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
    if ($found) { return $found.Source }
    $script:ChromiumProblem = Install-DebianPackage chromium
    if ($script:ChromiumProblem) { return $null }
    $found = $names | ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
    if ($found) { return $found.Source }
    $script:ChromiumProblem = "apt-get could not install chromium (see $(Get-DebianPackageLog chromium))"
    $null
}

# Why Get-Chromium returned $null.
function Get-ChromiumProblem { $script:ChromiumProblem }

# A file:// URL for a local path ([uri] casts leave Unix paths relative).
function ConvertTo-FileUrl([string] $Path) {
    $builder = [System.UriBuilder]::new()
    $builder.Scheme = 'file'
    $builder.Host = ''
    $builder.Path = $Path
    $builder.Uri.AbsoluteUri
}

# Runs headless chromium on a local file with a fresh profile and no network features; returns stdout.
function Get-ChromiumRun {
    param([string] $Chromium, [string] $Url, [string[]] $Arguments)
    $userData = Join-Path ([System.IO.Path]::GetTempPath()) ('appban-chromium-' + [guid]::NewGuid().ToString('N'))
    $startInfo = [System.Diagnostics.ProcessStartInfo]::new($Chromium)
    foreach ($argument in @('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', "--user-data-dir=$userData") + $Arguments + @($Url)) {
        $startInfo.ArgumentList.Add($argument)
    }
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $null = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit(120000)) { $process.Kill($true); throw "chromium did not finish with $Url" }
        $stdout.GetAwaiter().GetResult()
    } finally {
        $process.Dispose()
        Remove-Item -LiteralPath $userData -Recurse -Force -ErrorAction Ignore
    }
}

Export-ModuleMember -Function Get-Chromium, Get-ChromiumProblem, ConvertTo-FileUrl, Get-ChromiumRun
