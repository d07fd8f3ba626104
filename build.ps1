#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the AppBan module.
.DESCRIPTION
    Tasks:
      Build    (default) compile and assemble the module under module/ so that
               Import-Module ./AppBan.psd1 works from the repository root.
      Test     Build, then run the xunit and Pester suites. Prints 'N passed, N failed, N skipped' last
               and exits non-zero on any failure.
      Package  Build, then lay out out/AppBan/<version>/ and out/AppBan.<version>.nupkg.
      Demo     Build, then run the main job against a simulated fleet.
      Bench    Build, then run the benchmark.
      Clean    Remove build output.
    Run it with PowerShell 7: dotnet tool restore; dotnet pwsh ./build.ps1 <Task>
#>
[Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '',
    Justification = 'The Invoke-* functions are the internal steps of the task the caller chose, not commands of their own.')]
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo', 'Bench', 'Clean')]
    [string[]] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    # Pester tag filter for Test; empty runs everything.
    [string[]] $Tag = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$ModuleDir = Join-Path $Root 'module'
$LibDir = Join-Path $ModuleDir 'lib'
$OutDir = Join-Path $Root 'out'
$PesterVersion = '5.7.1'

function Invoke-Native {
    param([string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE." }
}

function Get-ModuleVersion {
    (Import-PowerShellDataFile (Join-Path $Root 'AppBan.psd1')).ModuleVersion
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $Root 'AppBan.sln'), '-c', $Configuration, '--nologo', '-v', 'q', '-clp:ErrorsOnly')
    $published = Join-Path $Root "src/AppBan/bin/$Configuration/netstandard2.0"
    # A module that is loaded in this very process keeps its DLLs locked on Windows; copy what changed.
    New-Item -ItemType Directory -Force -Path $LibDir | Out-Null
    foreach ($name in 'AppBan.dll', 'AppBan.Engine.dll', 'Newtonsoft.Json.dll', 'AppBan.pdb', 'AppBan.Engine.pdb') {
        $source = Join-Path $published $name
        if (Test-Path $source) { Copy-Item $source -Destination $LibDir -Force }
    }
    $helpBuilder = Join-Path $Root 'tools/Build-Help.ps1'
    if (Test-Path $helpBuilder) {
        & $helpBuilder -DocsPath (Join-Path $Root 'docs/cmdlets') -OutputPath (Join-Path $LibDir 'en-US/AppBan.dll-Help.xml')
    }
    # Get-Help looks for cmdlet help and about topics only under <ModuleBase>/<culture>/, and the ModuleBase
    # of the repository manifest is the root (the package gets them from module/lib/en-US and module/en-US).
    $rootHelpDir = Join-Path $Root 'en-US'
    New-Item -ItemType Directory -Force -Path $rootHelpDir | Out-Null
    Copy-Item -Path (Join-Path $LibDir 'en-US/*'), (Join-Path $ModuleDir 'en-US/*') -Destination $rootHelpDir -Force
    Write-Host "Built module: $(Join-Path $Root 'AppBan.psd1')"
}

function Get-PesterModulePath {
    $nugetRoot = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $nugetRoot "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        # PackageDownload puts Pester into the NuGet cache; no PowerShell Gallery needed.
        Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/tools/tools.csproj'), '--nologo', '-v', 'q')
    }
    if (-not (Test-Path $psd1)) { throw "Pester $PesterVersion was not found at $psd1 after restore." }
    $psd1
}

function Invoke-Test {
    $results = Join-Path $Root 'TestResults'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $results | Out-Null

    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    $testProjects = Get-ChildItem (Join-Path $Root 'tests') -Recurse -Filter '*.Tests.csproj'
    foreach ($project in $testProjects) {
        $trx = "$($project.BaseName).trx"
        & dotnet test $project.FullName -c $Configuration --nologo -v q --logger "trx;LogFileName=$trx" --results-directory $results
        $trxPath = Join-Path $results $trx
        if (-not (Test-Path $trxPath)) {
            Write-Warning "No test results from $($project.Name): counting the project as one failure."
            $xunit.Failed++
            continue
        }
        [xml] $doc = Get-Content -Raw $trxPath
        $counters = $doc.TestRun.ResultSummary.Counters
        $xunit.Passed += [int] $counters.passed
        $xunit.Failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
        # The trx format counts skipped tests only as the difference between total and executed.
        $xunit.Skipped += [int] $counters.total - [int] $counters.executed
    }

    $pesterPsd1 = Get-PesterModulePath
    # A separate process, so the tests import the module that was just built and nothing leaks into this session.
    $pwsh = (Get-Process -Id $PID).Path
    # Run as a dotnet tool ('dotnet pwsh'), this process is dotnet itself: hand it pwsh.dll.
    [string[]] $pwshArgs = if ([System.IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    $summaryFile = Join-Path $results 'pester-summary.json'
    & $pwsh @pwshArgs -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Invoke-PesterSuite.ps1') `
        -PesterPath $pesterPsd1 -TestPath (Join-Path $Root 'tests/Pester') `
        -ResultPath (Join-Path $results 'pester.xml') -SummaryPath $summaryFile -Tag ($Tag -join ',')
    if (Test-Path $summaryFile) {
        $pester = Get-Content -Raw $summaryFile | ConvertFrom-Json
    } else {
        Write-Warning 'Pester did not report a summary: counting it as one failure.'
        $pester = [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ("xunit: {0} passed, {1} failed, {2} skipped" -f $xunit.Passed, $xunit.Failed, $xunit.Skipped)
    Write-Host ("Pester: {0} passed, {1} failed, {2} skipped" -f $pester.Passed, $pester.Failed, $pester.Skipped)
    if ($passed -eq 0) { $failed++ ; Write-Warning 'No test passed: counting that as a failure.' }
    Write-Host ("{0} passed, {1} failed, {2} skipped" -f $passed, $failed, $skipped)
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Package {
    $version = Get-ModuleVersion
    $target = Join-Path $OutDir "AppBan/$version"
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    New-Item -ItemType Directory -Force -Path $target | Out-Null
    Copy-Item (Join-Path $LibDir '*') -Destination $target -Recurse -Force
    Get-ChildItem $target -Filter '*.pdb' | Remove-Item -Force
    foreach ($item in Get-ChildItem $ModuleDir -File) { Copy-Item $item.FullName -Destination $target }
    $aboutDir = Join-Path $ModuleDir 'en-US'
    if (Test-Path $aboutDir) {
        New-Item -ItemType Directory -Force -Path (Join-Path $target 'en-US') | Out-Null
        Copy-Item (Join-Path $aboutDir '*') -Destination (Join-Path $target 'en-US') -Force
    }
    Copy-Item (Join-Path $Root 'LICENSE') -Destination $target
    # The repository manifest points into module/ and module/lib/; the packaged one is flat.
    $manifest = Get-Content -Raw (Join-Path $Root 'AppBan.psd1')
    $manifest = $manifest -replace "module[/\\]lib[/\\]", '' -replace "module[/\\]", ''
    Set-Content -LiteralPath (Join-Path $target 'AppBan.psd1') -Value $manifest -Encoding utf8NoBOM
    $null = Test-ModuleManifest -Path (Join-Path $target 'AppBan.psd1') -ErrorAction Stop

    $nuspec = Join-Path $OutDir 'AppBan.nuspec'
    $data = Import-PowerShellDataFile (Join-Path $target 'AppBan.psd1')
    @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>AppBan</id>
    <version>$version</version>
    <authors>$([System.Security.SecurityElement]::Escape($data.Author))</authors>
    <description>$([System.Security.SecurityElement]::Escape($data.Description))</description>
    <license type="expression">MIT</license>
    <projectUrl>$($data.PrivateData.PSData.ProjectUri)</projectUrl>
    <tags>$($data.PrivateData.PSData.Tags -join ' ') PSModule PSIncludes_Cmdlet</tags>
  </metadata>
</package>
"@ | Set-Content -LiteralPath $nuspec -Encoding utf8NoBOM
    $nupkg = Join-Path $OutDir "AppBan.$version.nupkg"
    if (Test-Path $nupkg) { Remove-Item $nupkg -Force }
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [System.IO.Compression.ZipFile]::Open($nupkg, 'Create')
    try {
        [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $nuspec, 'AppBan.nuspec')
        foreach ($file in Get-ChildItem $target -Recurse -File) {
            $relative = [System.IO.Path]::GetRelativePath($target, $file.FullName).Replace('\', '/')
            [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $file.FullName, $relative)
        }
    } finally { $zip.Dispose() }
    Remove-Item $nuspec
    Write-Host "Packaged: $target and $nupkg"
}

function Invoke-Demo {
    $demo = Join-Path $Root 'tools/Demo.ps1'
    if (Test-Path $demo) { & $demo; return }
    Import-Module (Join-Path $Root 'AppBan.psd1') -Force
    Get-AppBanPolicy | Format-Table -AutoSize | Out-Host
}

function Invoke-Bench {
    $bench = Join-Path $Root 'tools/Benchmark.ps1'
    if (-not (Test-Path $bench)) { throw 'The benchmark script tools/Benchmark.ps1 does not exist yet.' }
    & $bench
}

function Invoke-Clean {
    foreach ($path in $OutDir, $LibDir, (Join-Path $Root 'TestResults'), (Join-Path $Root 'en-US')) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
    Get-ChildItem $Root -Recurse -Directory -Include bin, obj | Where-Object { $_.FullName -notmatch '[/\\]\.git[/\\]' } | Remove-Item -Recurse -Force
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Build; Invoke-Test }
        'Package' { Invoke-Build; Invoke-Package }
        'Demo' { Invoke-Build; Invoke-Demo }
        'Bench' { Invoke-Build; Invoke-Bench }
        'Clean' { Invoke-Clean }
    }
}
