#Requires -Version 7.0
# Issue #17 end to end: per-user apps are removed by a task that runs as their user (never elevated), web apps by
# browser policy in the user's hive, signed-out users at their next sign-in. Every assertion reads the simulated host
# (registry, tasks, the commands it ran and as whom), not the module's own account of what it did.
# Run build.ps1 Build first.

BeforeAll {
    $RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    Import-Module (Join-Path $RepoRoot 'AppBan.psd1') -Force
    Import-Module (Join-Path $RepoRoot 'tests/TestHelpers/AppBanSimulator.psm1') -Force

    $script:Simulator = Start-AppBanSimulator -HostPath 'laptop-01.json', 'malicious-01.json'

    # What each host was given: whose profile a path is in, and which command lines users wrote themselves.
    $HostFiles = @{
        'LAPTOP-01'    = Join-Path $RepoRoot 'tests/hosts/laptop-01.json'
        'MALICIOUS-01' = Join-Path $RepoRoot 'tests/hosts/malicious-01.json'
    }

    $Alex = 'S-1-5-21-3623811015-3361044348-30300820-1001'
    $Sam = 'S-1-5-21-3623811015-3361044348-30300820-1002'
    $Jo = 'S-1-5-21-3623811015-3361044348-30300820-1003'
    $Mallory = 'S-1-5-21-1975329648-1486730290-3590125540-1001'
    $UserUninstall = 'Software\Microsoft\Windows\CurrentVersion\Uninstall'
    $AlexWebAppKey = '0a7e4c1f9b2d43e58f6a1c2b3d4e5f60'
    $TikTokManifest = 'https://www.tiktok.com/'
    $BrowserKeys = @{ Edge = 'Microsoft\Edge'; Chrome = 'Google\Chrome' }

    # Everything the hosts did in this file, kept before each reset; the last Describe judges all of it.
    $Evidence = [System.Collections.Generic.List[object]]::new()
    $TaskSnapshots = [System.Collections.Generic.List[object]]::new()

    function Get-Target([string] $Name, $Simulator = $script:Simulator) {
        $simulated = $Simulator.Hosts | Where-Object Name -EQ $Name
        @{ ComputerName = $simulated.ComputerName; Credential = $simulated.Credential; Authentication = 'Basic' }
    }

    # The program a command line starts: inside its first quotes, else up to the first ".exe" that ends a word.
    function Get-ProgramPath([string] $CommandLine) {
        $line = $CommandLine.TrimStart()
        if ($line.StartsWith('"')) {
            $end = $line.IndexOf('"', 1)
            return $end -gt 0 ? $line.Substring(1, $end - 1) : $line.Substring(1)
        }
        $exe = [regex]::Match($line, '^(.*?\.exe)(?=[\s"/]|$)', 'IgnoreCase')
        if ($exe.Success) { return $exe.Groups[1].Value }
        ($line -split '\s+', 2)[0]
    }

    # Every UninstallString and QuietUninstallString a host description puts in a user's hive.
    function Get-UserCommandLine([string] $HostFile) {
        $description = Get-Content -Raw -LiteralPath $HostFile | ConvertFrom-Json
        foreach ($entry in @($description.uninstallEntries | Where-Object { $_.view -eq 'user' })) {
            foreach ($name in 'UninstallString', 'QuietUninstallString') {
                $value = $entry.values.PSObject.Properties[$name]
                if (-not $value) { continue }
                $text = $value.Value -is [string] ? $value.Value : $value.Value.value
                [pscustomobject]@{ UserSid = $entry.user; Key = $entry.key; Text = $text; Program = Get-ProgramPath $text }
            }
        }
    }

    # The task XML of every RegisterByXml the host answered, parsed; the operation log keeps it after the task is deleted.
    function Get-RegisteredTask([string] $Name, $Simulator = $script:Simulator) {
        $calls = Get-SimulatorOperation -ComputerName $Name -Simulator $Simulator | Where-Object operation -EQ 'PS_ScheduledTask.RegisterByXml'
        foreach ($call in $calls) {
            $parts = [regex]::Match($call.detail, '(?s)^Xml=<\?xml[^>]*\?>\s*(<Task\b.*</Task>)\s+TaskPath=(\S+)\s+TaskName=(\S+)')
            if (-not $parts.Success) { throw "RegisterByXml on $Name carried no task XML: $($call.detail)" }
            $task = ([xml]$parts.Groups[1].Value).Task
            foreach ($exec in @($task.Actions.Exec)) {
                [pscustomobject]@{
                    TaskPath    = $parts.Groups[2].Value
                    TaskName    = $parts.Groups[3].Value
                    Result      = $call.result
                    UserId      = $task.Principals.Principal.UserId
                    LogonType   = $task.Principals.Principal.LogonType
                    RunLevel    = $task.Principals.Principal.RunLevel
                    LogonUserId = $task.Triggers.LogonTrigger.UserId
                    Command     = $exec.Command
                    Arguments   = $exec.Arguments
                }
            }
        }
    }

    # The host's tasks under \AppBan\, remembered so that the last Describe also sees tasks deleted since.
    function Get-AppBanTask([string] $Name, $Simulator = $script:Simulator) {
        $tasks = @(Get-SimulatorTask -ComputerName $Name -Simulator $Simulator | Where-Object path -EQ '\AppBan\')
        foreach ($task in $tasks) { $TaskSnapshots.Add([pscustomobject]@{ Host = $Name; Task = $task }) }
        $tasks
    }

    function Save-HostEvidence([string] $Name, [string] $HostFile, $Simulator = $script:Simulator) {
        $simulated = $Simulator.Hosts | Where-Object Name -EQ $Name
        $null = Get-AppBanTask $Name -Simulator $Simulator
        $Evidence.Add([pscustomobject]@{
                Host             = $Name
                Users            = @(Get-SimulatorUser -ComputerName $Name -Simulator $Simulator)
                AdminSids        = @($simulated.Accounts | Where-Object isAdmin | ForEach-Object sid)
                Commands         = @(Get-SimulatorCommandLine -ComputerName $Name -Detailed -Simulator $Simulator)
                Registered       = @(Get-RegisteredTask $Name -Simulator $Simulator)
                UserCommandLines = @(Get-UserCommandLine $HostFile)
            })
    }

    # A reset throws the host's logs away: keep what they show first.
    function Reset-TestHost {
        [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated host it names.')]
        param([string] $Name)
        Save-HostEvidence $Name $HostFiles[$Name]
        Reset-SimulatorHost -ComputerName $Name
    }

    # Every user signs in; one already signed in signs out first, as a browser reads its policy when it starts.
    function Invoke-EveryoneSignsIn {
        [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it changes only the simulated host it names.')]
        param([string] $Name, $Simulator = $script:Simulator)
        $sessions = @{}
        foreach ($user in Get-SimulatorUser -ComputerName $Name -Simulator $Simulator) {
            if ($user.signedIn) { $null = Invoke-SimulatorSignOut -ComputerName $Name -Sid $user.sid -Simulator $Simulator }
            $sessions[$user.sid] = Invoke-SimulatorSignIn -ComputerName $Name -Sid $user.sid -Simulator $Simulator
        }
        $sessions
    }

    # A task run lasts as long as its uninstaller (a declared duration); wait for every run to end, within a bound.
    function Wait-TaskRunEnd([string] $Name, $Simulator = $script:Simulator) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ($true) {
            $running = @(Get-SimulatorTask -ComputerName $Name -Simulator $Simulator | ForEach-Object { @($_.runs) } | Where-Object { $_ -and -not $_.finished })
            if ($running.Count -eq 0) { return }
            if ([DateTime]::UtcNow -gt $deadline) { throw "$($running.Count) task run(s) on $Name had not ended after 60 s." }
            Start-Sleep -Milliseconds 100
        }
    }

    # workId of the contract: the first 12 bytes of SHA-256 over "<SID>|<rule>|<AppIdentity>", as hex.
    function Get-WorkId([string] $Sid, [string] $RuleId, [string] $AppIdentity) {
        $bytes = [System.Security.Cryptography.SHA256]::HashData([System.Text.Encoding]::UTF8.GetBytes("$($Sid.ToUpperInvariant())|$($RuleId.ToLowerInvariant())|$AppIdentity"))
        [Convert]::ToHexString($bytes, 0, 12).ToLowerInvariant()
    }

    function Get-ValueData($Key, [string] $Name) {
        if (-not $Key -or -not $Key.values) { return }
        $value = $Key.values.PSObject.Properties[$Name]
        if ($value) { $value.Value.value }
    }

    function Get-SubkeyName($Key) { @($Key.keys | Where-Object { $_ } | ForEach-Object name) }

    # The browser policy a user's hive holds for one browser: URLBlocklist entries and WebAppSettings objects.
    function Get-BrowserPolicy([string] $Name, [string] $Sid, [string] $BrowserKey) {
        $key = Get-SimulatorRegistry -ComputerName $Name -Path "HKU\$Sid\Software\Policies\$BrowserKey"
        $blocklist = @($key.keys | Where-Object { $_ -and $_.name -eq 'URLBlocklist' })
        $settings = Get-ValueData $key 'WebAppSettings'
        [pscustomobject]@{
            Exists         = [bool]$key
            UrlBlocklist   = @(if ($blocklist) { $blocklist[0].values.PSObject.Properties | ForEach-Object { $_.Value.value } })
            WebAppSettings = @(if ($settings) { $settings | ConvertFrom-Json })
        }
    }

    # Windows paths, taken apart the same way on every platform this suite runs on.
    function Get-WindowsParent([string] $Path) { $Path.Substring(0, [Math]::Max(0, $Path.LastIndexOf('\'))) }
    function Get-WindowsLeaf([string] $Path) { $Path.Substring($Path.LastIndexOf('\') + 1) }

    # Whose profile folder a path is in (the folder of their NTUSER.DAT), or nothing.
    function Get-ProfileOwner([string] $Path, $Users) {
        foreach ($user in $Users) {
            $profileFolder = Get-WindowsParent $user.profileHive
            if ($Path.StartsWith("$profileFolder\", [StringComparison]::OrdinalIgnoreCase)) { return $user }
        }
    }

    # Everything in one host's evidence that breaks "nothing from a user's profile runs elevated or as anyone else".
    function Get-UserContextViolation($Record) {
        $userSids = @($Record.Users | ForEach-Object sid)
        $hiveFiles = @($Record.Users | ForEach-Object { $_.profileHive; $_.classesHive })
        foreach ($command in $Record.Commands) {
            $where = "$($Record.Host) #$($command.sequence) ($($command.source) as $($command.user), elevated $($command.elevated))"
            $programs = [System.Collections.Generic.List[string]]::new()
            $programs.Add((Get-ProgramPath $command.commandLine))
            if ($command.source -like 'task:*') {
                if ($command.elevated) { "$($where): a task ran elevated" }
                $registration = @($Record.Registered | Where-Object { "task:$($_.TaskPath)$($_.TaskName)" -eq $command.source })
                if ($registration.Count -eq 0) { "$where ran a task nobody saw registered: $($command.commandLine)" }
                elseif ($command.sid -ne $registration[-1].UserId) { "$where ran as $($command.sid), not as its principal $($registration[-1].UserId)" }
                foreach ($task in $registration) { $programs.Add($task.Command) }
            } else {
                foreach ($statement in @($command.executed | Where-Object { $_ })) { $programs.Add((Get-ProgramPath $statement)) }
            }
            foreach ($program in $programs) {
                if ($program -notmatch '^[A-Za-z]:\\Users\\') { continue }
                if ($command.elevated) { "$where ran $program from a user-writable folder elevated"; continue }
                if ($command.sid -in $Record.AdminSids -or $command.sid -notin $userSids) { "$where ran $program as $($command.user), not a standard user of the host" }
                $owner = Get-ProfileOwner $program $Record.Users
                if ($owner -and $owner.sid -ne $command.sid) { "$where ran $program from $($owner.name)'s profile as $($command.user)" }
                if (-not $owner -and -not ($Record.UserCommandLines | Where-Object { $_.UserSid -eq $command.sid -and $_.Program -eq $program })) {
                    "$where ran $program, in no profile and named by none of $($command.user)'s own entries"
                }
            }
            if (-not $command.elevated) { continue }
            foreach ($written in $Record.UserCommandLines) {
                if ($command.commandLine.IndexOf($written.Text, [StringComparison]::OrdinalIgnoreCase) -ge 0) { "$where carries $($written.UserSid)'s uninstall string '$($written.Text)'" }
                if ($written.Program -match '^[A-Za-z]:\\Users\\' -and $command.commandLine.IndexOf($written.Program, [StringComparison]::OrdinalIgnoreCase) -ge 0) {
                    "$where names $($written.UserSid)'s program $($written.Program)"
                }
            }
            # The one path in a user's profile an elevated command may name is a hive file that reg.exe loads.
            foreach ($path in [regex]::Matches($command.commandLine, '[A-Za-z]:\\Users\\[^"]*', 'IgnoreCase').Value) {
                if ($path -notin $hiveFiles) { "$where names $path, which is not a user's hive file" }
            }
            if ($command.commandLine -match '%(USERPROFILE|LOCALAPPDATA|APPDATA|TEMP|TMP|HOMEPATH)%') { "$where expands a per-user variable: $($Matches[0])" }
        }
        foreach ($task in $Record.Registered) {
            $where = "$($Record.Host) registered $($task.TaskPath)$($task.TaskName)"
            if ($task.TaskPath -ne '\AppBan\') { "$where outside \AppBan\" }
            if ($task.UserId -notin $userSids -or $task.UserId -in $Record.AdminSids) { "$where for $($task.UserId), not a standard user of the host" }
            if ($task.LogonType -ne 'InteractiveToken') { "$where with LogonType $($task.LogonType)" }
            if ($task.RunLevel -ne 'LeastPrivilege') { "$where with RunLevel $($task.RunLevel)" }
        }
    }

    function Get-HostState([string] $Name) {
        [pscustomobject]@{
            Hklm     = Get-SimulatorRegistry -ComputerName $Name -Path 'HKLM\SOFTWARE' | ConvertTo-Json -Depth 100 -Compress
            Hku      = Get-SimulatorRegistry -ComputerName $Name -Path 'HKU' | ConvertTo-Json -Depth 100 -Compress
            Tasks    = @(Get-SimulatorTask -ComputerName $Name)
            Commands = @(Get-SimulatorCommandLine -ComputerName $Name -Detailed)
            Packages = Get-SimulatorPackage -ComputerName $Name | ConvertTo-Json -Depth 10 -Compress
        }
    }

    # -WhatIf writes to the host only: a transcript catches its lines.
    function Invoke-WithTranscript {
        [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'A test helper: it runs the calling test''s script block and writes only the transcript file it is given.')]
        param([scriptblock] $Script, [string] $Path)
        $null = Start-Transcript -LiteralPath $Path -UseMinimalHeader
        try { $output = @(& $Script) } finally { $null = Stop-Transcript }
        [pscustomobject]@{ Output = $output; WhatIf = @(Get-Content -LiteralPath $Path | Where-Object { $_ -like 'What if:*' }) }
    }
}

AfterAll {
    if ($script:Simulator) { Stop-AppBanSimulator $script:Simulator }
}

Describe 'On the sample laptop, per-user apps go in their users'' own context' {
    BeforeAll {
        Reset-TestHost LAPTOP-01
        $target = Get-Target LAPTOP-01
        $first = @(Remove-BannedApp @target -Force)
        $registered = @(Get-RegisteredTask LAPTOP-01)
        $tasksAfterFirst = @(Get-AppBanTask LAPTOP-01)
        $commandsAfterFirst = @(Get-SimulatorCommandLine -ComputerName LAPTOP-01 -Detailed)
        $records = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\AppBan\Scheduled'
        $policies = @{}
        foreach ($browser in $BrowserKeys.Keys) { $policies[$browser] = Get-BrowserPolicy LAPTOP-01 $Alex $BrowserKeys[$browser] }
        $samKeyAfterFirst = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Sam\$UserUninstall\CapCut"

        $sessions = Invoke-EveryoneSignsIn LAPTOP-01
        Wait-TaskRunEnd LAPTOP-01
        $users = @(Get-SimulatorUser -ComputerName LAPTOP-01)
        $commandsAfterSignIn = @(Get-SimulatorCommandLine -ComputerName LAPTOP-01 -Detailed)
        $joHive = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Jo\Software"
        $joCapCut = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Jo\$UserUninstall\CapCut"
        $samCapCut = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Sam\$UserUninstall\CapCut"
        $alexWebApp = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Alex\$UserUninstall\$AlexWebAppKey"

        $second = @(Remove-BannedApp @target -Force)
        $tasksAfterSecond = @(Get-AppBanTask LAPTOP-01)
        $recordsAfterSecond = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\AppBan\Scheduled'
        $compliance = Test-AppBanCompliance @target
    }

    It 'removes sam''s CapCut by a task that runs as sam, InteractiveToken and LeastPrivilege, in \AppBan\' {
        $result = @($first | Where-Object { $_.AppName -eq 'CapCut' -and $_.UserSid -eq $Sam })
        $result.Count | Should -Be 1
        $result[0].Method | Should -Be 'UserTask'
        $result[0].Status | Should -BeIn 'Removed', 'Scheduled'

        $task = @($registered | Where-Object UserId -EQ $Sam)
        $task.Count | Should -Be 1
        $task[0].Result | Should -Be 'ReturnValue=0'
        $task[0].TaskPath | Should -Be '\AppBan\'
        $task[0].TaskName | Should -Be "AppBan-$(Get-WorkId $Sam 'capcut' 'CapCut')"
        $task[0].LogonType | Should -Be 'InteractiveToken'
        $task[0].RunLevel | Should -Be 'LeastPrivilege'
        $task[0].LogonUserId | Should -Be $Sam
        $task[0].Command | Should -Be 'C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe'
        $task[0].Arguments | Should -Be '/S'

        # sam is signed in: the registration trigger ran it at once, in sam's session, as sam.
        $runs = @($commandsAfterFirst | Where-Object source -EQ "task:\AppBan\$($task[0].TaskName)")
        $runs.Count | Should -Be 1
        $runs[0].sid | Should -Be $Sam
        $runs[0].user | Should -Be 'LAPTOP-01\sam'
        $runs[0].elevated | Should -BeFalse
        if ($result[0].Status -eq 'Removed') {
            $runs[0].exitCode | Should -Be 0
            $samKeyAfterFirst | Should -BeNullOrEmpty
        } else {
            $listed = @($tasksAfterFirst | Where-Object name -EQ $task[0].TaskName)
            $listed.Count | Should -Be 1
            $listed[0].principal.sid | Should -Be $Sam
            $listed[0].principal.privileged | Should -BeFalse
        }
    }

    It 'schedules jo''s CapCut: a task that runs as jo at sign-in, nothing run yet, and its record' {
        $result = @($first | Where-Object { $_.AppName -eq 'CapCut' -and $_.UserSid -eq $Jo })
        $result.Count | Should -Be 1
        $result[0].Status | Should -Be 'Scheduled'
        $result[0].Method | Should -Be 'UserTask'

        $workId = Get-WorkId $Jo 'capcut' 'CapCut'
        $task = @($tasksAfterFirst | Where-Object name -EQ "AppBan-$workId")
        $task.Count | Should -Be 1
        $task[0].principal.sid | Should -Be $Jo
        $task[0].principal.logonType | Should -Be 'InteractiveToken'
        $task[0].principal.runLevel | Should -Be 'LeastPrivilege'
        $task[0].principal.privileged | Should -BeFalse
        @($task[0].triggers | Where-Object { $_.type -eq 'Logon' -and $_.userId -eq $Jo }).Count | Should -Be 1
        @($task[0].actions).Count | Should -Be 1
        $task[0].actions[0].command | Should -Be 'C:\Users\jo\AppData\Local\CapCut\Apps\uninst.exe'
        $task[0].actions[0].arguments | Should -Be '/S'
        $task[0].runs | Should -BeNullOrEmpty -Because 'jo is signed out, and an InteractiveToken task runs only in its user''s session'
        $start = [DateTimeOffset]$task[0].triggers[0].startBoundary
        ([DateTimeOffset]$task[0].endBoundary - $start).TotalDays | Should -Be 30

        $record = @($records.keys | Where-Object { $_ -and $_.name -eq $workId })
        $record.Count | Should -Be 1
        Get-ValueData $record[0] 'UserSid' | Should -Be $Jo
        Get-ValueData $record[0] 'RuleId' | Should -Be 'capcut'
        Get-ValueData $record[0] 'TaskPath' | Should -Be '\AppBan\'
        Get-ValueData $record[0] 'TaskName' | Should -Be "AppBan-$workId"
        Get-ValueData $record[0] 'Command' | Should -Be 'C:\Users\jo\AppData\Local\CapCut\Apps\uninst.exe'
    }

    It 'neutralises alex''s TikTok web app with policy in alex''s hive, for <_>, and records it' -ForEach 'Edge', 'Chrome' {
        $browser = $_
        $result = @($first | Where-Object { $_.Kind -eq 'WebApp' -and $_.UserSid -eq $Alex })
        $result.Count | Should -Be 1
        $result[0].Status | Should -Be 'Scheduled'
        $result[0].Method | Should -Be 'BrowserPolicy'

        $policy = $policies[$browser]
        $policy.UrlBlocklist | Should -Contain 'tiktok.com'
        $setting = @($policy.WebAppSettings | Where-Object manifest_id -EQ $TikTokManifest)
        $setting.Count | Should -Be 1
        $setting[0].force_unregister_os_integration | Should -BeTrue

        $record = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKLM\SOFTWARE\AppBan\BrowserPolicy\$Alex\$browser"
        @(Get-ValueData $record 'URLBlocklist') | Should -Contain '1=tiktok.com'
        @(Get-ValueData $record 'WebAppSettings') | Should -Contain $TikTokManifest
    }

    It 'runs jo''s task when jo signs in, as jo and not elevated' {
        $name = "AppBan-$(Get-WorkId $Jo 'capcut' 'CapCut')"
        @($sessions[$Jo].tasksStarted) | Should -Contain $name
        $runs = @($commandsAfterSignIn | Where-Object source -EQ "task:\AppBan\$name")
        $runs.Count | Should -Be 1
        $runs[0].sid | Should -Be $Jo
        $runs[0].user | Should -Be 'LAPTOP-01\jo'
        $runs[0].elevated | Should -BeFalse
        $runs[0].exitCode | Should -Be 0
    }

    It 'leaves no CapCut in sam''s or jo''s hive, read while they are signed in' {
        foreach ($sid in $Sam, $Jo) {
            $user = $users | Where-Object sid -EQ $sid
            $user.signedIn | Should -BeTrue
            $user.temporaryProfile | Should -BeFalse -Because 'a temporary profile is an empty hive, where nothing would be found anyway'
            $user.loadedAs | Should -Be $sid
        }
        $joHive | Should -Not -BeNullOrEmpty
        $joCapCut | Should -BeNullOrEmpty
        $samCapCut | Should -BeNullOrEmpty
    }

    It 'lets the browser take alex''s web app away at sign-in' {
        $alexWebApp | Should -BeNullOrEmpty
    }

    It 'confirms on the next run (Removed), and deletes the tasks and their records' {
        $second.Count | Should -BeGreaterOrEqual 2
        $second | ForEach-Object { $_.Status | Should -Be 'Removed' -Because "$($_.AppName) for $($_.UserName) was confirmed gone: $($_.Message)" }
        @($second | Where-Object { $_.AppName -eq 'CapCut' -and $_.UserSid -eq $Jo }).Count | Should -Be 1
        @($second | Where-Object { $_.Kind -eq 'WebApp' -and $_.UserSid -eq $Alex }).Count | Should -Be 1
        $tasksAfterSecond | Should -BeNullOrEmpty
        Get-SubkeyName $recordsAfterSecond | Should -BeNullOrEmpty
    }

    It 'is Compliant afterwards' {
        $compliance.Status | Should -Be 'Compliant'
        $compliance.IsCompliant | Should -BeTrue
        $compliance.ViolationCount | Should -Be 0
        $compliance.ScheduledCount | Should -Be 0
        $compliance.UsersNotScanned | Should -BeNullOrEmpty
    }
}

Describe 'Removing twice before anyone signs in' {
    BeforeAll {
        Reset-TestHost LAPTOP-01
        # sam signs out too, so that two users' CapCut wait for their sign-in.
        $null = Invoke-SimulatorSignOut -ComputerName LAPTOP-01 -Sid $Sam
        $target = Get-Target LAPTOP-01
        $rules = 'capcut', 'tiktok-webapp'
        $first = @(Remove-BannedApp @target -Rule $rules -Force)
        $second = @(Remove-BannedApp @target -Rule $rules -Force)
        $tasks = @(Get-AppBanTask LAPTOP-01)
        $records = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\AppBan\Scheduled'
        $policies = @{}
        foreach ($browser in $BrowserKeys.Keys) { $policies[$browser] = Get-BrowserPolicy LAPTOP-01 $Alex $BrowserKeys[$browser] }
    }

    It 'registers exactly one task per user and app' {
        $tasks.Count | Should -Be 2
        @($tasks | Group-Object { "$($_.principal.sid)|$($_.actions[0].command)" } | Where-Object Count -NE 1) | Should -BeNullOrEmpty
        @($tasks.principal.sid | Sort-Object) | Should -Be @($Sam, $Jo | Sort-Object)
    }

    It 'keeps exactly one record per user and app' {
        $names = @(Get-SubkeyName $records)
        $names.Count | Should -Be 3 -Because 'sam''s and jo''s CapCut and alex''s web app'
        $names | Should -Contain (Get-WorkId $Sam 'capcut' 'CapCut')
        $names | Should -Contain (Get-WorkId $Jo 'capcut' 'CapCut')
    }

    It 'adds the blocked site and the web app setting once, for <_>' -ForEach 'Edge', 'Chrome' {
        $policy = $policies[$_]
        @($policy.UrlBlocklist | Where-Object { $_ -eq 'tiktok.com' }).Count | Should -Be 1
        @($policy.WebAppSettings | Where-Object manifest_id -EQ $TikTokManifest).Count | Should -Be 1
    }

    It 'reports every per-user finding Scheduled both times, and runs nothing of theirs' {
        foreach ($results in $first, $second) {
            $results.Count | Should -Be 3
            $results | ForEach-Object { $_.Status | Should -Be 'Scheduled' -Because "$($_.AppName) for $($_.UserName) waits for its user" }
        }
        Get-SimulatorCommandLine -ComputerName LAPTOP-01 -Source 'task:*' | Should -BeNullOrEmpty
    }
}

Describe 'Remove-BannedApp -WhatIf on the sample laptop' {
    BeforeAll {
        Reset-TestHost LAPTOP-01
        $target = Get-Target LAPTOP-01
        $before = Get-HostState LAPTOP-01
        $run = Invoke-WithTranscript { Remove-BannedApp @target -WhatIf -Force } (Join-Path $TestDrive 'whatif.txt')
        $after = Get-HostState LAPTOP-01
        $appBanKeys = @(Get-SubkeyName (Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\AppBan'))
    }

    It 'runs no command' {
        $after.Commands | ForEach-Object commandLine | Should -BeNullOrEmpty
    }

    It 'registers no task' {
        $after.Tasks | Should -BeNullOrEmpty
        Get-RegisteredTask LAPTOP-01 | Should -BeNullOrEmpty
    }

    It 'writes nothing under HKLM\SOFTWARE: no record, no browser policy record, no copy of a hive' {
        $after.Hklm | Should -BeExactly $before.Hklm -Because "HKLM\SOFTWARE\AppBan did not exist before and now has the subkeys [$($appBanKeys -join ', ')]"
    }

    It 'changes no user hive: no browser policy' {
        $after.Hku | Should -BeExactly $before.Hku
        (Get-BrowserPolicy LAPTOP-01 $Alex $BrowserKeys.Edge).Exists | Should -BeFalse
    }

    It 'says which task it would register, and as whom; a signed-out user is not read, since loading a hive starts a command' {
        $line = @($run.WhatIf | Where-Object { $_ -like "*Schedule a task that runs as sam (never elevated)*" })
        $line.Count | Should -Be 1 -Because "the WhatIf output was:`n$($run.WhatIf -join "`n")"
        $line[0] | Should -BeLike "*C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe*/S*"
        @($run.WhatIf | Where-Object { $_ -like "*runs as jo*" }) | Should -BeNullOrEmpty
    }

    It 'says which browser policy it would write, and for whom' {
        $line = @($run.WhatIf | Where-Object { $_ -like "*Block tiktok.com*Edge and Chrome policy for $Alex*" })
        $line.Count | Should -Be 1 -Because "the WhatIf output was:`n$($run.WhatIf -join "`n")"
        $line[0] | Should -BeLike "*$TikTokManifest*"
    }

    It 'reports nothing as done' {
        @($run.Output | Where-Object Status -In 'Removed', 'Scheduled', 'RebootRequired', 'Failed') | Should -BeNullOrEmpty
    }

    Context 'with -SkipSignedOutUsers' {
        BeforeAll {
            Reset-TestHost LAPTOP-01
            $before = Get-HostState LAPTOP-01
            $run = Invoke-WithTranscript { Remove-BannedApp @target -WhatIf -Force -SkipSignedOutUsers 3>&1 } (Join-Path $TestDrive 'whatif-skip.txt')
            $warnings = @($run.Output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            $after = Get-HostState LAPTOP-01
        }

        It 'changes nothing at all on the host' {
            $after.Commands | ForEach-Object commandLine | Should -BeNullOrEmpty
            $after.Tasks | Should -BeNullOrEmpty
            $after.Hklm | Should -BeExactly $before.Hklm
            $after.Hku | Should -BeExactly $before.Hku
            $after.Packages | Should -BeExactly $before.Packages
        }

        It 'still names the signed-in users'' tasks and policy, and no task for jo, whose hive it did not read' {
            @($warnings | Where-Object Message -Like "*jo ($Jo): HiveNotLoaded*").Count | Should -Be 1
            @($run.WhatIf | Where-Object { $_ -like '*Schedule a task that runs as sam (never elevated)*' }).Count | Should -Be 1
            @($run.WhatIf | Where-Object { $_ -like "*Edge and Chrome policy for $Alex*" }).Count | Should -Be 1
            @($run.WhatIf | Where-Object { $_ -like '*runs as jo*' }) | Should -BeNullOrEmpty
        }
    }
}

Describe 'An exempt user''s app is left alone' {
    BeforeAll {
        Reset-TestHost LAPTOP-01
        $target = Get-Target LAPTOP-01
        $grant = Grant-AppExemption @target -Rule capcut -User $Sam -Reason 'Edits the press office''s videos' -ApprovedBy 'CISO' `
            -Expires ([DateTime]::UtcNow.AddDays(30)) -Confirm:$false
        $exemptions = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path 'HKLM\SOFTWARE\AppBan\Exemptions'
        $first = @(Remove-BannedApp @target -Rule capcut -Force)
        $tasksAfterFirst = @(Get-AppBanTask LAPTOP-01)

        $sessions = Invoke-EveryoneSignsIn LAPTOP-01
        Wait-TaskRunEnd LAPTOP-01
        $samUser = Get-SimulatorUser -ComputerName LAPTOP-01 | Where-Object sid -EQ $Sam
        $samCapCut = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Sam\$UserUninstall\CapCut"
        $joCapCut = Get-SimulatorRegistry -ComputerName LAPTOP-01 -Path "HKU\$Jo\$UserUninstall\CapCut"

        $second = @(Remove-BannedApp @target -Rule capcut -Force)
        $registered = @(Get-RegisteredTask LAPTOP-01)
        $commands = @(Get-SimulatorCommandLine -ComputerName LAPTOP-01 -Detailed)
    }

    It 'has sam''s exemption on the laptop' {
        $grant.UserSid | Should -Be $Sam
        $stored = @($exemptions.keys | Where-Object { $_ -and (Get-ValueData $_ 'UserSid') -eq $Sam -and (Get-ValueData $_ 'RuleId') -eq 'capcut' })
        $stored.Count | Should -Be 1
    }

    It 'skips sam''s CapCut and asks for no task as sam' {
        @($first | Where-Object UserSid -EQ $Sam).Status | Should -Be 'SkippedExempt'
        @($second | Where-Object UserSid -EQ $Sam).Status | Should -Be 'SkippedExempt'
        @($registered | Where-Object { $_.UserId -eq $Sam -or $_.LogonUserId -eq $Sam }) | Should -BeNullOrEmpty
        @($tasksAfterFirst | Where-Object { $_.principal.sid -eq $Sam }) | Should -BeNullOrEmpty
        @($commands | Where-Object { $_.sid -eq $Sam -or $_.commandLine -like '*\Users\sam\*' }) | Should -BeNullOrEmpty
    }

    It 'keeps sam''s CapCut after sam signs in again' {
        $samUser.signedIn | Should -BeTrue
        $samUser.temporaryProfile | Should -BeFalse
        @($sessions[$Sam].tasksStarted) | Should -BeNullOrEmpty
        $samCapCut | Should -Not -BeNullOrEmpty
    }

    It 'still removes jo''s CapCut at jo''s sign-in, and confirms it' {
        @($first | Where-Object UserSid -EQ $Jo).Status | Should -Be 'Scheduled'
        @($sessions[$Jo].tasksStarted).Count | Should -Be 1
        $joCapCut | Should -BeNullOrEmpty
        @($second | Where-Object UserSid -EQ $Jo).Status | Should -Be 'Removed'
    }
}

Describe 'Planted per-user entries on MALICIOUS-01' {
    BeforeAll {
        Reset-TestHost MALICIOUS-01
        $target = Get-Target MALICIOUS-01
        $results = @(Remove-BannedApp @target -Force -WarningAction SilentlyContinue)
        $sessions = Invoke-EveryoneSignsIn MALICIOUS-01
        Wait-TaskRunEnd MALICIOUS-01
        $registered = @(Get-RegisteredTask MALICIOUS-01)
        $tasks = @(Get-AppBanTask MALICIOUS-01)
        $commands = @(Get-SimulatorCommandLine -ComputerName MALICIOUS-01 -Detailed)
        $taskRuns = @($commands | Where-Object source -Like 'task:*')
        $written = @(Get-UserCommandLine $HostFiles['MALICIOUS-01'])
    }

    It 'refuses the planted entries, each with its reason in Error' {
        $refused = @($results | Where-Object Status -EQ 'Refused')
        # Eight planted strings, and C:\Users\Public\tiktok-remover.exe: any user could replace it and have it run as mallory.
        $refused.Count | Should -Be 9
        $refused | ForEach-Object {
            $_.Error | Should -Not -BeNullOrEmpty
            $_.Message | Should -BeNullOrEmpty
            $_.CommandLine | Should -BeNullOrEmpty
        }
        $reasons = $refused.Error -join "`n"
        foreach ($reason in "metacharacter '|'", "metacharacter '&'", "metacharacter '^'", 'line break', 'runs other commands', 'not absolute', 'another user could replace it') {
            $reasons | Should -BeLike "*$reason*"
        }
    }

    It 'handles the rest in mallory''s own context: a task or browser policy' {
        $rest = @($results | Where-Object Status -NE 'Refused')
        $rest.Count | Should -BeGreaterOrEqual 1
        $rest | ForEach-Object {
            $_.Method | Should -BeIn 'UserTask', 'BrowserPolicy'
            $_.Status | Should -BeIn 'Removed', 'Scheduled'
            $_.UserSid | Should -Be $Mallory
        }
    }

    It 'gives its tasks only an absolute .exe path and arguments without cmd.exe metacharacters' {
        $registered.Count | Should -BeGreaterOrEqual 1
        foreach ($task in $registered) {
            $task.Command | Should -Match '^[A-Za-z]:\\[^"&|^<>%\r\n]+\.exe$'
            (Get-WindowsLeaf $task.Command) | Should -Not -BeIn 'cmd.exe', 'powershell.exe', 'pwsh.exe', 'rundll32.exe', 'mshta.exe', 'wscript.exe', 'cscript.exe'
            $task.Arguments | Should -Not -Match '[&|^<>%\r\n]'
            $task.UserId | Should -Be $Mallory
        }
    }

    It 'ran its tasks as mallory, never elevated, and nothing from an entry as it was written' {
        # Her own MSI entry ran at once, in her session (she is signed in), and its task was deleted once confirmed.
        $ownMsi = @($results | Where-Object Method -EQ 'UserTask')
        $ownMsi.Count | Should -BeGreaterOrEqual 1
        $ownMsi | ForEach-Object { $_.CommandLine | Should -BeLike '"C:\WINDOWS\System32\msiexec.exe" /x {*} /qn /norestart' }
        @($commands | Where-Object elevated) | Should -BeNullOrEmpty
        foreach ($run in $taskRuns) {
            $run.sid | Should -Be $Mallory
            $run.user | Should -Be 'MALICIOUS-01\mallory'
            $run.elevated | Should -BeFalse
            $run.commandLine | Should -Not -Match '[&|^<>]'
            @($run.executed) | ForEach-Object { (Get-WindowsLeaf (Get-ProgramPath $_)) | Should -Not -BeIn 'cmd.exe', 'powershell.exe', 'pwsh.exe' }
        }
        foreach ($command in $commands | Where-Object elevated) {
            foreach ($line in $written) { $command.commandLine | Should -Not -BeLike "*$([WildcardPattern]::Escape($line.Text))*" }
        }
        $tasks | ForEach-Object { $_.principal.privileged | Should -BeFalse }
    }
}

Describe 'A fleet of 20 with signed-out users'' CapCut' {
    BeforeAll {
        $fleetDir = Join-Path $TestDrive 'fleet'
        $files = @(Export-SimulatorFleet -Template 'templates/fleet-template-signed-out.json' -Count 20 -Seed 17 -Path $fleetDir)
        $descriptions = @{}
        foreach ($file in $files) { $descriptions[[IO.Path]::GetFileNameWithoutExtension($file)] = Get-Content -Raw -LiteralPath $file | ConvertFrom-Json }
        $fleet = Start-AppBanSimulator -HostPath $fleetDir
        $computers = @($fleet.Hosts | ForEach-Object ComputerName)
        $credential = $fleet.Hosts[0].Credential
        $connection = @{ ComputerName = $computers; Credential = $credential; Authentication = 'Basic' }
        # The CapCut each host was given, with its user.
        $capCuts = @(foreach ($name in $descriptions.Keys) {
                foreach ($entry in @($descriptions[$name].uninstallEntries | Where-Object { $_.view -eq 'user' -and $_.key -eq 'CapCut' })) {
                    $user = $descriptions[$name].users | Where-Object sid -EQ $entry.user
                    [pscustomobject]@{ Host = $name; Sid = $entry.user; SignedIn = [bool]$user.hiveLoaded }
                }
            })

        $first = Invoke-AppBanRemediation @connection -Confirm:$false
        $tasksAfterFirst = @{}
        foreach ($h in $fleet.Hosts) { $tasksAfterFirst[$h.Name] = @(Get-AppBanTask $h.Name -Simulator $fleet) }

        # Every user of every host signs in once.
        $started = @{}
        foreach ($h in $fleet.Hosts) {
            foreach ($user in Get-SimulatorUser -ComputerName $h.Name -Simulator $fleet | Where-Object { -not $_.signedIn }) {
                $started["$($h.Name)|$($user.sid)"] = @((Invoke-SimulatorSignIn -ComputerName $h.Name -Sid $user.sid -Simulator $fleet).tasksStarted)
            }
        }
        foreach ($h in $fleet.Hosts) { Wait-TaskRunEnd $h.Name -Simulator $fleet }
        $capCutKeys = @(foreach ($capCut in $capCuts) {
                Get-SimulatorRegistry -ComputerName $capCut.Host -Path "HKU\$($capCut.Sid)\$UserUninstall\CapCut" -Simulator $fleet
            })
        $notSignedIn = @(foreach ($h in $fleet.Hosts) { Get-SimulatorUser -ComputerName $h.Name -Simulator $fleet | Where-Object { -not $_.signedIn -or $_.temporaryProfile } })

        $second = Invoke-AppBanRemediation @connection -Confirm:$false
        $compliance = @(Test-AppBanCompliance @connection)
        $tasksAfterSecond = @(foreach ($h in $fleet.Hosts) { Get-AppBanTask $h.Name -Simulator $fleet })
        $recordsAfterSecond = @(foreach ($h in $fleet.Hosts) {
                Get-SubkeyName (Get-SimulatorRegistry -ComputerName $h.Name -Path 'HKLM\SOFTWARE\AppBan\Scheduled' -Simulator $fleet)
            })

        $fleetEvidence = @(foreach ($h in $fleet.Hosts) {
                Save-HostEvidence $h.Name (Join-Path $fleetDir "$($h.Name).json") -Simulator $fleet
                $Evidence[$Evidence.Count - 1]
            })
    }

    AfterAll {
        if ($fleet) { Stop-AppBanSimulator $fleet }
    }

    It 'gave every host a CapCut of a signed-out user' {
        $fleet.Hosts.Count | Should -Be 20
        @($capCuts.Host | Sort-Object -Unique).Count | Should -Be 20
        $capCuts | ForEach-Object { $_.SignedIn | Should -BeFalse }
    }

    It 'registers one task per signed-out CapCut, as its user, that nothing has run yet' {
        foreach ($h in $fleet.Hosts) {
            $expected = @($capCuts | Where-Object Host -EQ $h.Name)
            $tasks = $tasksAfterFirst[$h.Name]
            $tasks.Count | Should -Be $expected.Count -Because "$($h.Name) has $($expected.Count) signed-out CapCut"
            @($tasks.principal.sid | Sort-Object) | Should -Be @($expected.Sid | Sort-Object)
            $tasks | ForEach-Object {
                $_.principal.privileged | Should -BeFalse
                $_.runs | Should -BeNullOrEmpty
            }
        }
    }

    It 'runs each task when its user signs in, and the CapCut goes' {
        $notSignedIn | Should -BeNullOrEmpty
        foreach ($capCut in $capCuts) { @($started["$($capCut.Host)|$($capCut.Sid)"]).Count | Should -Be 1 }
        $capCutKeys | Should -BeNullOrEmpty
    }

    It 'confirms every removal on the second run, and every host is Compliant' {
        $second.Failed | Should -Be 0
        $second.Removed | Should -Be $capCuts.Count
        $compliance.Count | Should -Be 20
        @($compliance | Where-Object Status -NE 'Compliant') | Should -BeNullOrEmpty
        $tasksAfterSecond | Should -BeNullOrEmpty
        $recordsAfterSecond | Should -BeNullOrEmpty
    }

    It 'ran nothing from a user''s profile elevated or as anyone but its owner' {
        @($fleetEvidence.Commands | Where-Object source -Like 'task:*').Count | Should -Be $capCuts.Count
        @($fleetEvidence | ForEach-Object { Get-UserContextViolation $_ }) | Should -BeNullOrEmpty
    }
}

Describe 'Across this file: nothing from a user''s profile ran elevated or as anyone else' {
    BeforeAll {
        foreach ($name in 'LAPTOP-01', 'MALICIOUS-01') { Save-HostEvidence $name $HostFiles[$name] }
        $all = @($Evidence)
        $commands = @($all.Commands)
        $violations = @($all | ForEach-Object { Get-UserContextViolation $_ })
    }

    It 'saw the commands of every scenario: tasks on every host, elevated commands on the laptop and the fleet' {
        $hostsWithTaskRuns = @($all | Where-Object { $_.Commands | Where-Object source -Like 'task:*' } | ForEach-Object Host | Sort-Object -Unique)
        $hostsWithTaskRuns | Should -Contain 'LAPTOP-01'
        $hostsWithTaskRuns | Should -Contain 'MALICIOUS-01'
        @($hostsWithTaskRuns | Where-Object { $_ -like 'SO-*' }).Count | Should -Be 20
        $hostsElevated = @($all | Where-Object { $_.Commands | Where-Object elevated } | ForEach-Object Host | Sort-Object -Unique)
        $hostsElevated | Should -Contain 'LAPTOP-01'
        @($hostsElevated | Where-Object { $_ -like 'SO-*' }).Count | Should -Be 20
    }

    It 'ran every program under C:\Users\ unelevated as its owner, named nothing of a user''s in an elevated command, registered only standard users'' tasks' {
        $violations | Should -BeNullOrEmpty
    }

    It 'would notice a user''s program run elevated, or as another user, or a task for an administrator' {
        $laptop = @($all | Where-Object Host -EQ 'LAPTOP-01')[0]
        $samsUninstaller = 'C:\Users\sam\AppData\Local\CapCut\Apps\uninst.exe'
        $planted = [pscustomobject]@{
            Host             = 'PLANTED'
            Users            = $laptop.Users
            AdminSids        = $laptop.AdminSids
            UserCommandLines = $laptop.UserCommandLines
            Registered       = @([pscustomobject]@{ TaskPath = '\AppBan\'; TaskName = 'AppBan-1'; UserId = $Jo; LogonType = 'InteractiveToken'; RunLevel = 'HighestAvailable'; Command = $samsUninstaller })
            Commands         = @(
                [pscustomobject]@{ sequence = 1; source = 'Win32_Process'; user = 'LAPTOP-01\it-admin'; sid = $laptop.AdminSids[0]; elevated = $true
                    commandLine = "cmd.exe /d /s /c `"`"$samsUninstaller`" /S`""; executed = @("`"$samsUninstaller`" /S") }
                [pscustomobject]@{ sequence = 2; source = 'task:\AppBan\AppBan-1'; user = 'LAPTOP-01\jo'; sid = $Jo; elevated = $false
                    commandLine = "$samsUninstaller /S"; executed = @("$samsUninstaller /S") }
            )
        }
        $found = @(Get-UserContextViolation $planted) -join "`n"
        $found | Should -BeLike "*#1*ran $samsUninstaller from a user-writable folder elevated*"
        $found | Should -BeLike "*#1*carries $Sam's uninstall string*"
        $found | Should -BeLike "*#2*ran $samsUninstaller from sam's profile as LAPTOP-01\jo*"
        $found | Should -BeLike '*RunLevel HighestAvailable*'
    }

    It 'never had a privileged task under \AppBan\' {
        $TaskSnapshots.Count | Should -BeGreaterThan 0
        @($TaskSnapshots | Where-Object { $_.Task.principal.privileged }) | ForEach-Object { "$($_.Host) $($_.Task.name)" } | Should -BeNullOrEmpty
    }
}
