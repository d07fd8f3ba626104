#Requires -Version 7.0
<#
.SYNOPSIS
    Starts and drives the simulated Windows fleet (tests/Simulator) from Pester tests and scripts.
.DESCRIPTION
    Start-AppBanSimulator runs AppBan.Simulator.dll as a child process, waits for READY and returns an object with
    .Hosts (Name, Url, ComputerName = '127.0.0.1:<port>', Port, Reachable, Credential for the host's admin
    account), .ControlUrl and .Process. Stop-AppBanSimulator closes its standard input, which stops it cleanly.
    The other functions read and reset state through the control endpoint (docs/simulator.md).
#>

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-SimulatorDll {
    param([string] $Configuration = 'Release')
    if ($env:APPBAN_SIMULATOR_DLL) { return $env:APPBAN_SIMULATOR_DLL }
    foreach ($c in $Configuration, 'Release', 'Debug') {
        $dll = Join-Path $script:RepositoryRoot "tests/Simulator/bin/$c/net10.0/AppBan.Simulator.dll"
        if (Test-Path -LiteralPath $dll) { return $dll }
    }
    throw "AppBan.Simulator.dll is not built. Run: dotnet build tests/Simulator -c $Configuration"
}

function Resolve-SimulatorHostPath {
    param([string] $Path)
    if (Test-Path -LiteralPath $Path) { return (Resolve-Path -LiteralPath $Path).Path }
    $inHosts = Join-Path $script:RepositoryRoot "tests/hosts/$Path"
    if (Test-Path -LiteralPath $inHosts) { return (Resolve-Path -LiteralPath $inHosts).Path }
    throw "No host file '$Path' (looked in tests/hosts too)."
}

function Start-AppBanSimulator {
    <#
    .SYNOPSIS
        Starts the simulator with host files (bare names are looked up in tests/hosts) and waits until it is ready.
    .EXAMPLE
        $sim = Start-AppBanSimulator -HostPath laptop-01.json, clean-01.json
        $sim.Hosts | Format-Table Name, ComputerName
    .EXAMPLE
        $sim = Start-AppBanSimulator -HostPath laptop-01.json -AddressBase 127.0.1.1 -Port 5985
    #>
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated fleet it controls.')]
    [CmdletBinding()]
    param(
        [string[]] $HostPath = @(),
        [string[]] $ArgumentList = @(),
        [string] $AddressBase,
        [int] $Port,
        [switch] $UseSsl,
        [int] $TimeoutSeconds = 60,
        [string] $Configuration = 'Release'
    )
    $arguments = [System.Collections.Generic.List[string]]::new()
    $arguments.Add((Get-SimulatorDll -Configuration $Configuration))
    foreach ($p in $HostPath) { $arguments.Add('--hosts'); $arguments.Add((Resolve-SimulatorHostPath $p)) }
    if ($AddressBase) { $arguments.Add('--address-base'); $arguments.Add($AddressBase) }
    if ($Port) { $arguments.Add('--port'); $arguments.Add([string]$Port) }
    if ($UseSsl) { $arguments.Add('--https') }
    foreach ($a in $ArgumentList) { $arguments.Add($a) }

    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $stderr = $process.StandardError.ReadToEndAsync()

    $hostLines = [System.Collections.Generic.List[object]]::new()
    $controlUrl = $null
    $certificate = $null
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    try {
        while ($true) {
            $read = $process.StandardOutput.ReadLineAsync()
            $left = $deadline - [DateTime]::UtcNow
            if ($left -le [TimeSpan]::Zero -or -not $read.Wait($left)) { throw "The simulator did not print READY within $TimeoutSeconds s." }
            $line = $read.Result
            if ($null -eq $line) {
                $null = $stderr.Wait(2000)
                throw "The simulator exited before READY: $($stderr.Result)"
            }
            $parts = $line.Split(' ', 3)
            switch ($parts[0]) {
                'HOST' { $hostLines.Add([pscustomobject]@{ Name = $parts[1]; Url = $parts[2] }) }
                'CONTROL' { $controlUrl = $parts[1] }
                'CERTIFICATE' { $certificate = $line.Substring('CERTIFICATE '.Length) }
            }
            if ($parts[0] -eq 'READY') { break }
        }
    } catch {
        if (-not $process.HasExited) { $process.Kill($true) }
        throw
    }
    $null = $process.StandardOutput.ReadToEndAsync()

    $summary = Invoke-RestMethod -Uri ($controlUrl + 'hosts') -Method Get
    # A lookup, not a Where-Object per host: that is quadratic and took most of a minute for a 1,000-host fleet.
    $byName = @{}
    foreach ($entry in $summary) { $byName[$entry.name] = $entry }
    $hosts = foreach ($h in $hostLines) {
        $entry = $byName[$h.Name]
        $accounts = @($entry.accounts)
        $admin = @($accounts.Where({ $_.isAdmin }, 'First')) + $accounts | Select-Object -First 1
        $uri = [uri]$h.Url
        [pscustomobject]@{
            PSTypeName   = 'AppBan.SimulatedHost'
            Name         = $h.Name
            Url          = $h.Url
            ComputerName = $uri.Authority
            Address      = $uri.Host
            Port         = $uri.Port
            Reachable    = [bool]$entry.reachable
            UserName     = $admin ? $admin.user : $null
            # Simulated accounts only.
            Credential   = $admin ? [pscredential]::new($admin.user, (ConvertTo-SecureString $admin.password -AsPlainText -Force)) : $null
            Accounts     = @($entry.accounts)
        }
    }
    $simulator = [pscustomobject]@{
        PSTypeName      = 'AppBan.Simulator'
        Hosts           = @($hosts)
        ControlUrl      = $controlUrl
        CertificatePath = $certificate
        Process         = $process
    }
    $script:LastSimulator = $simulator
    $simulator
}

function Export-SimulatorFleet {
    <#
    .SYNOPSIS
        Writes the host files of a generated fleet (--generate with --out) to a folder and returns their paths, so that a
        test can serve them with Start-AppBanSimulator -HostPath <folder> and still read what each host was given.
    .EXAMPLE
        $files = Export-SimulatorFleet -Template tests/hosts/templates/fleet-template-signed-out.json -Count 20 -Path $TestDrive/fleet
        $sim = Start-AppBanSimulator -HostPath $TestDrive/fleet
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Template,
        [Parameter(Mandatory)] [int] $Count,
        [Parameter(Mandatory)] [string] $Path,
        [int] $Seed = 1,
        [string] $Configuration = 'Release'
    )
    $templatePath = Resolve-SimulatorHostPath $Template
    $output = & dotnet (Get-SimulatorDll -Configuration $Configuration) --generate $Count --template $templatePath --seed $Seed --out $Path 2>&1
    if ($LASTEXITCODE -ne 0) { throw "The simulator could not write the fleet (exit code $LASTEXITCODE): $output" }
    Get-ChildItem -LiteralPath $Path -Filter '*.json' | Sort-Object Name | ForEach-Object FullName
}

function Resolve-Simulator {
    param($Simulator)
    if ($Simulator) { return $Simulator }
    if ($script:LastSimulator) { return $script:LastSimulator }
    throw 'No simulator: pass -Simulator or call Start-AppBanSimulator first.'
}

function Stop-AppBanSimulator {
    <#
    .SYNOPSIS
        Stops the simulator by closing its standard input; kills it if it has not exited within 5 seconds.
    #>
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated fleet it controls.')]
    [CmdletBinding()]
    param([Parameter(ValueFromPipeline)] $Simulator)
    process {
        $sim = Resolve-Simulator $Simulator
        $p = $sim.Process
        if (-not $p.HasExited) {
            try { $p.StandardInput.Close() } catch { }
            if (-not $p.WaitForExit(5000)) { $p.Kill($true); $null = $p.WaitForExit(2000) }
        }
        if ($script:LastSimulator -eq $sim) { $script:LastSimulator = $null }
    }
}

function Invoke-SimulatorControl {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated fleet it controls.')]
    param($Simulator, [string] $Path, [string] $Method = 'Get')
    $sim = Resolve-Simulator $Simulator
    # Through a variable, so that a JSON array comes out as its items.
    $result = Invoke-RestMethod -Uri ($sim.ControlUrl + $Path) -Method $Method
    $result
}

function Get-SimulatorOperation {
    <#
    .SYNOPSIS
        The host's WS-Man operations: -Count gives counts by operation (Enumerate, Pull, StdRegProv.EnumKey, ...), otherwise the ordered log.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, [switch] $Count, $Simulator)
    $result = Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/operations"
    if ($Count) { $result.counts } else { $result.log }
}

function Get-SimulatorCommandLine {
    <#
    .SYNOPSIS
        Every command the host started (Win32_Process.Create and scheduled tasks); -Detailed gives the full records
        (source, user as DOMAIN\name, sid, elevated, executed statements, exit code); -Source keeps those from one
        source ('Win32_Process' or 'task:\AppBan\<name>', wildcards allowed).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, [switch] $Detailed, [string] $Source, $Simulator)
    $records = @(Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/commands")
    if ($Source) { $records = @($records | Where-Object { $_.source -like $Source }) }
    if ($Detailed) { $records } else { $records | ForEach-Object commandLine }
}

function Get-SimulatorUser {
    <#
    .SYNOPSIS
        The host's users: sid, name, signedIn, sessionId, temporaryProfile, loadedAs (the HKU key their NTUSER.DAT is loaded as, or nothing).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, $Simulator)
    @(Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/users")
}

function Invoke-SimulatorSignIn {
    <#
    .SYNOPSIS
        Signs a user in: their hives load (or a temporary profile), a session starts, their logon tasks run, the browsers read policy.
        Returns sid, signedIn, sessionId, temporaryProfile, tasksStarted.
    #>
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated fleet it controls.')]
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, [Parameter(Mandatory)] [string] $Sid, $Simulator)
    Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/users/$([uri]::EscapeDataString($Sid))/signin" 'Post'
}

function Invoke-SimulatorSignOut {
    <#
    .SYNOPSIS
        Signs a user out: their session's processes end, their hives are written back to their files and unloaded.
    #>
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated fleet it controls.')]
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, [Parameter(Mandatory)] [string] $Sid, $Simulator)
    Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/users/$([uri]::EscapeDataString($Sid))/signout" 'Post'
}

function Get-SimulatorTask {
    <#
    .SYNOPSIS
        The host's scheduled tasks: path, name, principal, triggers, actions, securityDescriptor, registeredBy, endBoundary, runs.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, $Simulator)
    @(Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/tasks")
}

function Get-SimulatorRegistry {
    <#
    .SYNOPSIS
        A registry subtree of the host (physical path, e.g. HKLM\SOFTWARE\WOW6432Node\...); nothing when the key does not exist.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, [Parameter(Mandatory)] [string] $Path, $Simulator)
    $sim = Resolve-Simulator $Simulator
    $uri = $sim.ControlUrl + "hosts/$([uri]::EscapeDataString($ComputerName))/registry?path=$([uri]::EscapeDataString($Path))"
    $response = Invoke-WebRequest -Uri $uri -SkipHttpErrorCheck
    if ($response.StatusCode -eq 404) { return }
    if ($response.StatusCode -ne 200) { throw "GET $uri answered $($response.StatusCode): $($response.Content)" }
    ($response.Content | ConvertFrom-Json).key
}

function Get-SimulatorPackage {
    <#
    .SYNOPSIS
        The host's Store packages: fullName, users (SIDs), provisioned.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $ComputerName, $Simulator)
    @(Invoke-SimulatorControl $Simulator "hosts/$([uri]::EscapeDataString($ComputerName))/packages")
}

function Reset-SimulatorHost {
    <#
    .SYNOPSIS
        Puts a host back to its description; -CountersOnly clears only operation counts and logs.
    #>
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated fleet it controls.')]
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipelineByPropertyName)] [Alias('Name')] [string] $ComputerName, [switch] $CountersOnly, $Simulator)
    process {
        $path = "hosts/$([uri]::EscapeDataString($ComputerName))/" + ($CountersOnly ? 'counters/reset' : 'reset')
        $null = Invoke-SimulatorControl $Simulator $path 'Post'
    }
}

Export-ModuleMember -Function Start-AppBanSimulator, Stop-AppBanSimulator, Export-SimulatorFleet, Get-SimulatorOperation, Get-SimulatorCommandLine,
    Get-SimulatorRegistry, Get-SimulatorPackage, Get-SimulatorUser, Get-SimulatorTask, Invoke-SimulatorSignIn, Invoke-SimulatorSignOut,
    Reset-SimulatorHost
