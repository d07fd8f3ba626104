<#
.SYNOPSIS
    Records the public parameter surface of every exported AppBan cmdlet in tests/Pester/Surface/<Cmdlet>.json.
.DESCRIPTION
    The hygiene tests compare each cmdlet's live surface (parameter names, types, parameter sets, Mandatory,
    Position, pipeline binding, aliases, ShouldProcess, output types) with its snapshot and fail on any
    difference, so that a change to the public surface is always a deliberate, reviewed commit.

    After changing a cmdlet's parameters on purpose: build, run this script, review the diff of
    tests/Pester/Surface/ and commit it with the change. Snapshots of cmdlets that no longer exist are
    removed. Run it in a new process (it imports the module there, never in this one):

        dotnet pwsh -NoProfile -File ./build.ps1 Build
        dotnet pwsh -NoProfile -File ./tools/Update-SurfaceSnapshot.ps1
.EXAMPLE
    ./tools/Update-SurfaceSnapshot.ps1 -WhatIf
    Shows which snapshots would be created, updated or removed.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The module whose exported cmdlets are recorded.
    [string] $ManifestPath = (Join-Path $PSScriptRoot '../AppBan.psd1'),
    # Where the snapshots live.
    [string] $SnapshotPath = (Join-Path $PSScriptRoot '../tests/Pester/Surface')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'ModuleTooling.psm1') -Force

$surfaces = Get-ModuleCommandSurface -ManifestPath $ManifestPath -Isolated
New-Item -ItemType Directory -Force -Path $SnapshotPath -WhatIf:$false | Out-Null
$utf8 = [System.Text.UTF8Encoding]::new($false)

foreach ($name in $surfaces.Keys) {
    $file = Join-Path $SnapshotPath "$name.json"
    $text = (ConvertTo-SurfaceJson -Surface $surfaces[$name]) + "`n"
    $status = if (-not (Test-Path -LiteralPath $file)) { 'Created' }
    elseif ([System.IO.File]::ReadAllText($file) -ne $text) { 'Updated' }
    else { 'Unchanged' }
    if ($status -ne 'Unchanged' -and $PSCmdlet.ShouldProcess($file, "$status surface snapshot of $name")) {
        [System.IO.File]::WriteAllText([System.IO.Path]::GetFullPath($file), $text, $utf8)
    }
    [pscustomobject]@{ Cmdlet = $name; Status = $status; Path = $file }
}

foreach ($stale in Get-ChildItem -LiteralPath $SnapshotPath -Filter '*.json' -File) {
    if ($surfaces.Contains($stale.BaseName)) { continue }
    if ($PSCmdlet.ShouldProcess($stale.FullName, "Remove the snapshot of $($stale.BaseName), which the module no longer exports")) {
        Remove-Item -LiteralPath $stale.FullName
    }
    [pscustomobject]@{ Cmdlet = $stale.BaseName; Status = 'Removed'; Path = $stale.FullName }
}
