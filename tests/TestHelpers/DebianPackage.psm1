#Requires -Version 7.0
<#
    Installs a Debian package a test needs (chromium, python3-winrm) when this is a Debian-like system run as root.
#>

# Installs the package with apt-get; returns $null when apt-get ran, or why it could not be run. Whether the package
# then works is the caller's to check.
function Install-DebianPackage {
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([string])]
    param([Parameter(Mandatory)] [string] $Name)
    if (-not $IsLinux -or -not (Get-Command apt-get -CommandType Application -ErrorAction Ignore)) {
        return "$Name is not installed and apt-get is not available here"
    }
    if ((& id -u) -ne '0') { return "$Name is not installed and installing it needs root" }
    if (-not $PSCmdlet.ShouldProcess($Name, 'apt-get install')) { return "$Name was not installed (-WhatIf)" }
    $log = Get-DebianPackageLog $Name
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update *> $log
    & apt-get install -y $Name *>> $log
    $null
}

# Where apt-get wrote what it did for the package.
function Get-DebianPackageLog([string] $Name) { Join-Path ([System.IO.Path]::GetTempPath()) "appban-$Name-install.log" }

Export-ModuleMember -Function Install-DebianPackage, Get-DebianPackageLog
