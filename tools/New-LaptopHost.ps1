#Requires -Version 7.0
<#
.SYNOPSIS
    Writes tests/hosts/laptop-01.json: a realistic Windows 11 laptop for the simulated fleet.
.DESCRIPTION
    About 150 uninstall entries (64-bit, WOW6432Node and per-user), three users of whom two are logged on,
    about 100 Store packages per user, and the ByteDance apps of the first policy: TikTok from the Store (one
    user, also provisioned), TikTok LIVE Studio machine-wide, CapCut per-user and a TikTok web app from Edge,
    plus MSI products. The output is deterministic; the JSON is committed, this script documents where it came from.
.EXAMPLE
    dotnet pwsh -NoProfile -File ./tools/New-LaptopHost.ps1
#>
param([string] $Path = (Join-Path $PSScriptRoot '../tests/hosts/laptop-01.json'))
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$machine = 'S-1-5-21-3623811015-3361044348-30300820'
$alex = @{ sid = "$machine-1001"; name = 'alex' }
$sam = @{ sid = "$machine-1002"; name = 'sam' }
$jo = @{ sid = "$machine-1003"; name = 'jo' }

$entries = [System.Collections.Generic.List[object]]::new()
function Add-UninstallEntry {
    [Diagnostics.CodeAnalysis.SuppressMessageAttribute('PSUseShouldProcessForStateChangingFunctions', '', Justification = 'Appends to the in-memory list this generator writes out; it changes nothing else.')]
    param([string] $View, [string] $Key, [System.Collections.IDictionary] $Values, [string] $User)
    $e = [ordered]@{ view = $View }
    if ($User) { $e.user = $User }
    $e.key = $Key
    $e.values = $Values
    $entries.Add($e)
}
function Exe([string] $DisplayName, [string] $Version, [string] $Publisher, [string] $Folder, [string] $Uninstaller = 'uninstall.exe', [string] $Date = '20250310') {
    [ordered]@{
        DisplayName = $DisplayName; DisplayVersion = $Version; Publisher = $Publisher; InstallLocation = $Folder
        InstallDate = $Date; UninstallString = "`"$Folder\$Uninstaller`""; DisplayIcon = "$Folder\$Uninstaller,0"
        EstimatedSize = @{ type = 'REG_DWORD'; value = 20480 }; NoModify = @{ type = 'REG_DWORD'; value = 1 }
    }
}
function Msi([string] $Code, [string] $DisplayName, [string] $Version, [string] $Publisher, [string] $Folder = $null, [int] $SystemComponent = 0) {
    $v = [ordered]@{
        DisplayName = $DisplayName; DisplayVersion = $Version; Publisher = $Publisher; InstallDate = '20250214'
        UninstallString = "MsiExec.exe /X$Code"; ModifyPath = "MsiExec.exe /I$Code"
        WindowsInstaller = @{ type = 'REG_DWORD'; value = 1 }; EstimatedSize = @{ type = 'REG_DWORD'; value = 4096 }
        Language = @{ type = 'REG_DWORD'; value = 1033 }; VersionMajor = @{ type = 'REG_DWORD'; value = [int]($Version.Split('.')[0]) }
    }
    if ($Folder) { $v.InstallLocation = $Folder }
    if ($SystemComponent) { $v.SystemComponent = @{ type = 'REG_DWORD'; value = 1 } }
    $v
}
function Guid([int] $Seed) {
    # Stable, well-formed product codes for filler MSI entries.
    $bytes = [System.Security.Cryptography.MD5]::HashData([Text.Encoding]::UTF8.GetBytes("laptop-01-$Seed"))
    '{' + ([guid]::new($bytes)).ToString().ToUpperInvariant() + '}'
}

# --- 64-bit view -------------------------------------------------------------------------------------------
Add-UninstallEntry 64 'TikTok LIVE Studio' ([ordered]@{
        DisplayName = 'TikTok LIVE Studio'; DisplayVersion = '0.86.2'; Publisher = 'TikTok Pte. Ltd.'
        InstallLocation = 'C:\Program Files\TikTok LIVE Studio'; InstallDate = '20250402'
        UninstallString = '"C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe"'
        QuietUninstallString = '"C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe" /S'
        DisplayIcon = 'C:\Program Files\TikTok LIVE Studio\TikTok LIVE Studio.exe,0'
        EstimatedSize = @{ type = 'REG_DWORD'; value = 412160 }
    })
Add-UninstallEntry 64 '{23170F69-40C1-2702-2301-000001000000}' (Msi '{23170F69-40C1-2702-2301-000001000000}' '7-Zip 23.01 (x64 edition)' '23.01.00.0' 'Igor Pavlov' 'C:\Program Files\7-Zip\')
Add-UninstallEntry 64 '{5A9C5A84-8D2E-4B6F-A1E2-2F0D5C1B7A11}' (Msi '{5A9C5A84-8D2E-4B6F-A1E2-2F0D5C1B7A11}' 'Contoso VPN Client' '5.2.1.0' 'Contoso Ltd.' 'C:\Program Files\Contoso\VPN\')
Add-UninstallEntry 64 'Google Chrome' ([ordered]@{
        DisplayName = 'Google Chrome'; DisplayVersion = '131.0.6778.86'; Publisher = 'Google LLC'; InstallLocation = 'C:\Program Files\Google\Chrome\Application'
        UninstallString = '"C:\Program Files\Google\Chrome\Application\131.0.6778.86\Installer\setup.exe" --uninstall --channel=stable --system-level --verbose-logging'
        NoModify = @{ type = 'REG_DWORD'; value = 1 }; NoRepair = @{ type = 'REG_DWORD'; value = 1 }; InstallDate = '20241120'
    })
Add-UninstallEntry 64 'Mozilla Firefox 133.0 (x64 en-US)' ([ordered]@{
        DisplayName = 'Mozilla Firefox (x64 en-US)'; DisplayVersion = '133.0'; Publisher = 'Mozilla'; InstallLocation = 'C:\Program Files\Mozilla Firefox'
        UninstallString = '"C:\Program Files\Mozilla Firefox\uninstall\helper.exe"'; DisplayIcon = 'C:\Program Files\Mozilla Firefox\firefox.exe,0'
    })
Add-UninstallEntry 64 'Notepad++' (Exe 'Notepad++ (64-bit x64)' '8.7.1' 'Notepad++ Team' 'C:\Program Files\Notepad++')
Add-UninstallEntry 64 'VLC media player' (Exe 'VLC media player' '3.0.21' 'VideoLAN' 'C:\Program Files\VideoLAN\VLC')
Add-UninstallEntry 64 'Git_is1' (Exe 'Git' '2.47.0.2' 'The Git Development Community' 'C:\Program Files\Git' 'unins000.exe')
Add-UninstallEntry 64 'PowerToys_is1' (Exe 'PowerToys (Preview) x64' '0.86.0' 'Microsoft Corporation' 'C:\Program Files\PowerToys' 'unins000.exe')
Add-UninstallEntry 64 'O365HomePremRetail - en-us' ([ordered]@{
        DisplayName = 'Microsoft 365 - en-us'; DisplayVersion = '16.0.18129.20158'; Publisher = 'Microsoft Corporation'
        InstallLocation = 'C:\Program Files\Microsoft Office'
        UninstallString = '"C:\Program Files\Common Files\Microsoft Shared\ClickToRun\OfficeClickToRun.exe" scenario=install scenariosubtype=ARP sourcetype=None productstoremove=O365HomePremRetail.16_en-us_x-none culture=en-us version.16=16.0'
    })
Add-UninstallEntry 64 'Microsoft Teams Meeting Add-in' (Msi (Guid 901) 'Microsoft Teams Meeting Add-in for Microsoft Office' '1.24.25301.0' 'Microsoft')
$drivers = 'Intel(R) Graphics Driver', 'Intel(R) Wireless Bluetooth(R)', 'Intel(R) Wi-Fi 6E AX211 160MHz', 'Intel(R) Serial IO', 'Intel(R) Management Engine Components',
    'Intel(R) Chipset Device Software', 'Realtek Audio Driver', 'Realtek Card Reader', 'Synaptics Pointing Device Driver', 'Thunderbolt(TM) Software'
$i = 0
foreach ($d in $drivers) {
    $i++
    Add-UninstallEntry 64 (Guid (100 + $i)) (Msi (Guid (100 + $i)) $d "31.0.101.$i" ($d -match 'Realtek' ? 'Realtek Semiconductor Corp.' : ($d -match 'Synaptics' ? 'Synaptics Incorporated' : 'Intel Corporation')))
}
$runtimes = @(
    @('Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33816', '14.40.33816.0'), @('Microsoft Visual C++ 2022 X64 Minimum Runtime - 14.40.33816', '14.40.33816'),
    @('Microsoft Visual C++ 2022 X64 Additional Runtime - 14.40.33816', '14.40.33816'), @('Microsoft Visual C++ 2013 x64 Minimum Runtime - 12.0.40664', '12.0.40664'),
    @('Microsoft Visual C++ 2013 x64 Additional Runtime - 12.0.40664', '12.0.40664'), @('Microsoft Visual C++ 2012 x64 Minimum Runtime - 11.0.61030', '11.0.61030'),
    @('Microsoft Visual C++ 2012 x64 Additional Runtime - 11.0.61030', '11.0.61030'), @('Microsoft Visual C++ 2010  x64 Redistributable - 10.0.40219', '10.0.40219'),
    @('Microsoft .NET Runtime - 8.0.11 (x64)', '64.44.23753'), @('Microsoft Windows Desktop Runtime - 8.0.11 (x64)', '64.44.23806'),
    @('Microsoft ASP.NET Core 8.0.11 - Shared Framework (x64)', '8.0.11.24521'), @('Microsoft .NET Host - 8.0.11 (x64)', '64.44.23753'),
    @('Microsoft .NET Host FX Resolver - 8.0.11 (x64)', '64.44.23753'), @('Microsoft Update Health Tools', '5.72.0.0'),
    @('Windows PC Health Check', '3.7.2204.15001'), @('Microsoft GameInput', '10.1.26100.3034'), @('Office 16 Click-to-Run Extensibility Component', '16.0.18129.20116'),
    @('Office 16 Click-to-Run Licensing Component', '16.0.18129.20158'), @('PowerShell 7-x64', '7.4.6.0'), @('Node.js', '22.11.0'),
    @('Python Launcher', '3.12.7150.0'), @('Microsoft Windows Driver Kit Test Certificates', '10.1.26100.1'), @('Windows Subsystem for Linux', '2.3.26.0'),
    @('Microsoft Edge WebView2 Runtime Installer Helper', '1.0.0.0'), @('Dell Optimizer Core', '4.2.3.0'), @('Dell SupportAssist', '4.4.2.20226'),
    @('Dell SupportAssist OS Recovery Plugin for Dell Update', '5.5.13.18914'), @('Dell Command | Update for Windows Universal', '5.4.0'),
    @('Dell Digital Delivery Services', '5.2.2.0'), @('Dell Peripheral Manager', '1.7.6'), @('Microsoft Intune Management Extension', '1.83.107.0'),
    @('Zoom Workplace (64-bit)', '6.2.49583'), @('Microsoft Teams Machine-Wide Installer', '1.7.0.13456'), @('Adobe Genuine Service', '8.6.0.45'),
    @('Cisco Secure Client - AnyConnect VPN', '5.1.6.103'), @('Windows Software Development Kit - Windows 10.0.22621.3233', '10.1.22621.3233'),
    @('Microsoft OneDrive for Business Helper', '24.201.1006.0002'), @('Microsoft Policy Platform', '68.1.1010.0'), @('Configuration Manager Client', '5.00.9128.1000'),
    @('Microsoft Monitoring Agent', '10.20.18069.0'), @('Microsoft Defender for Endpoint add-on', '10.8760.0.0'), @('Local Administrator Password Solution', '6.2.0.0'),
    @('Microsoft Azure Information Protection', '2.18.26.0'), @('Microsoft SQL Server 2019 LocalDB ', '15.0.4382.1'), @('Microsoft ODBC Driver 18 for SQL Server', '18.4.1.1'),
    @('Microsoft OLE DB Driver for SQL Server', '18.7.4.0')
)
$i = 0
foreach ($r in $runtimes) {
    $i++
    $system = $r[0] -match 'Minimum Runtime|Additional Runtime|Host FX|Extensibility|Licensing' ? 1 : 0
    $publisher = $r[0] -match '^Dell' ? 'Dell Inc.' : ($r[0] -match 'Zoom' ? 'Zoom Video Communications, Inc.' : ($r[0] -match 'Adobe' ? 'Adobe Inc.' : ($r[0] -match 'Cisco' ? 'Cisco Systems, Inc.' : ($r[0] -match 'Node' ? 'Node.js Foundation' : ($r[0] -match 'Python' ? 'Python Software Foundation' : 'Microsoft Corporation')))))
    Add-UninstallEntry 64 (Guid (200 + $i)) (Msi (Guid (200 + $i)) $r[0] $r[1] $publisher $null $system)
}
# Updates hang under their product: ParentKeyName and ReleaseType mark them.
foreach ($kb in 'KB5044033', 'KB5043080', 'KB5041585') {
    Add-UninstallEntry 64 "{90160000-008C-0000-1000-0000000FF1CE}_$kb" ([ordered]@{
            DisplayName = "Security Update for Microsoft Office ($kb)"; Publisher = 'Microsoft'; ParentKeyName = 'O365HomePremRetail - en-us'
            ParentDisplayName = 'Microsoft 365 - en-us'; ReleaseType = 'Security Update'; UninstallString = 'msiexec /package {90160000-008C-0000-1000-0000000FF1CE} /uninstall {5C0F9D16-2B4E-4A3A-9F6B-0A5B4D8E2C11}'
        })
}
Add-UninstallEntry 64 'AddressBook' ([ordered]@{})
Add-UninstallEntry 64 'Connection Manager' ([ordered]@{ SystemComponent = @{ type = 'REG_DWORD'; value = 1 } })
Add-UninstallEntry 64 'DirectDrawEx' ([ordered]@{})
Add-UninstallEntry 64 'Fontcore' ([ordered]@{})
Add-UninstallEntry 64 'IE40' ([ordered]@{})
Add-UninstallEntry 64 'IE4Data' ([ordered]@{})
Add-UninstallEntry 64 'IE5BAKEX' ([ordered]@{})
Add-UninstallEntry 64 'IEData' ([ordered]@{})
Add-UninstallEntry 64 'MobileOptionPack' ([ordered]@{})
Add-UninstallEntry 64 'SchedulingAgent' ([ordered]@{})
Add-UninstallEntry 64 'WIC' ([ordered]@{ SystemComponent = @{ type = 'REG_DWORD'; value = 1 } })

# --- WOW6432Node (32-bit) ------------------------------------------------------------------------------------
Add-UninstallEntry 32 'Microsoft Edge' ([ordered]@{
        DisplayName = 'Microsoft Edge'; DisplayVersion = '131.0.2903.70'; Publisher = 'Microsoft Corporation'; InstallLocation = 'C:\Program Files (x86)\Microsoft\Edge\Application'
        UninstallString = '"C:\Program Files (x86)\Microsoft\Edge\Application\131.0.2903.70\Installer\setup.exe" --uninstall --msedge --channel=stable --system-level --verbose-logging'
        NoModify = @{ type = 'REG_DWORD'; value = 1 }; NoRepair = @{ type = 'REG_DWORD'; value = 1 }
    })
Add-UninstallEntry 32 'Microsoft EdgeWebView' ([ordered]@{
        DisplayName = 'Microsoft Edge WebView2 Runtime'; DisplayVersion = '131.0.2903.70'; Publisher = 'Microsoft Corporation'
        UninstallString = '"C:\Program Files (x86)\Microsoft\EdgeWebView\Application\131.0.2903.70\Installer\setup.exe" --uninstall --msedgewebview --system-level --verbose-logging'
    })
Add-UninstallEntry 32 'Steam' (Exe 'Steam' '2.10.91.91' 'Valve Corporation' 'C:\Program Files (x86)\Steam' 'uninstall.exe')
Add-UninstallEntry 32 'Adobe Acrobat DC' (Msi '{AC76BA86-1033-1033-7760-BC15014EA700}' 'Adobe Acrobat (64-bit)' '24.004.20220' 'Adobe' 'C:\Program Files\Adobe\Acrobat DC\')
Add-UninstallEntry 32 'WinRAR archiver' (Exe 'WinRAR 7.01 (32-bit)' '7.01.0' 'win.rar GmbH' 'C:\Program Files (x86)\WinRAR' 'uninstall.exe')
Add-UninstallEntry 32 'TeamViewer' (Exe 'TeamViewer' '15.59.5' 'TeamViewer' 'C:\Program Files (x86)\TeamViewer' 'uninstall.exe')
Add-UninstallEntry 32 'Dropbox' (Exe 'Dropbox' '212.4.5767' 'Dropbox, Inc.' 'C:\Program Files (x86)\Dropbox\Client' 'DropboxUninstaller.exe')
$wow = @(
    'Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.40.33816', 'Microsoft Visual C++ 2022 X86 Minimum Runtime - 14.40.33816',
    'Microsoft Visual C++ 2022 X86 Additional Runtime - 14.40.33816', 'Microsoft Visual C++ 2013 Redistributable (x86) - 12.0.40664',
    'Microsoft Visual C++ 2013 x86 Minimum Runtime - 12.0.40664', 'Microsoft Visual C++ 2013 x86 Additional Runtime - 12.0.40664',
    'Microsoft Visual C++ 2012 Redistributable (x86) - 11.0.61030', 'Microsoft Visual C++ 2012 x86 Minimum Runtime - 11.0.61030',
    'Microsoft Visual C++ 2012 x86 Additional Runtime - 11.0.61030', 'Microsoft Visual C++ 2010  x86 Redistributable - 10.0.40219',
    'Microsoft Visual C++ 2008 Redistributable - x86 9.0.30729.6161', 'Microsoft Visual C++ 2005 Redistributable', 'Microsoft .NET Runtime - 8.0.11 (x86)',
    'Microsoft Windows Desktop Runtime - 8.0.11 (x86)', 'Microsoft .NET Host - 8.0.11 (x86)', 'Microsoft .NET Host FX Resolver - 8.0.11 (x86)',
    'Microsoft ASP.NET Core 8.0.11 - Shared Framework (x86)', 'Microsoft .NET Framework 4.8 Targeting Pack', 'Microsoft .NET Framework 4.8.1 SDK',
    'Windows SDK AddOn', 'Windows App Certification Kit Native Components', 'WinRT Intellisense Desktop - en-us', 'Universal CRT Tools x86',
    'Universal CRT Redistributable', 'Kits Configuration Installer', 'Windows Team Extension SDK', 'Windows IoT Extension SDK', 'Windows Mobile Extension SDK',
    'Microsoft Teams classic', 'Java 8 Update 431', 'Java Auto Updater', 'Google Update Helper', 'Microsoft Silverlight', 'Citrix Workspace 2409',
    'Citrix Authentication Manager', 'Citrix Web Helper', 'Online Plug-in', 'Self-service Plug-in', 'Adobe Refresh Manager', 'Adobe Acrobat Reader DC - Extended Language Support',
    'Microsoft Office 2016 Primary Interop Assemblies', 'Microsoft Visual Studio Tools for Applications 2019', 'Microsoft Visual Studio Installer',
    'Bonjour', 'Apple Application Support (32-bit)', 'Apple Software Update', 'HP Support Solutions Framework', 'Logitech Options'
)
$i = 0
foreach ($w in $wow) {
    $i++
    $system = $w -match 'Minimum Runtime|Additional Runtime|Host FX|Helper|Plug-in|Kits Configuration' ? 1 : 0
    $publisher = $w -match 'Java' ? 'Oracle Corporation' : ($w -match 'Citrix|Plug-in' ? 'Citrix Systems, Inc.' : ($w -match 'Apple|Bonjour' ? 'Apple Inc.' : ($w -match 'Adobe' ? 'Adobe Systems Incorporated' : ($w -match 'Logitech' ? 'Logitech' : ($w -match 'HP ' ? 'HP Inc.' : ($w -match 'Google' ? 'Google LLC' : 'Microsoft Corporation'))))))
    Add-UninstallEntry 32 (Guid (400 + $i)) (Msi (Guid (400 + $i)) $w '1.0.0.0' $publisher $null $system)
}

# --- per-user (HKU) --------------------------------------------------------------------------------------------
$alexLocal = 'C:\Users\alex\AppData\Local'
$samLocal = 'C:\Users\sam\AppData\Local'
# A TikTok web app installed from Edge: key is an MD5 hex string, the uninstaller asks the user to confirm.
Add-UninstallEntry user '0a7e4c1f9b2d43e58f6a1c2b3d4e5f60' ([ordered]@{
        DisplayName = 'TikTok'; DisplayVersion = '1.0'; Publisher = 'Microsoft Edge'
        DisplayIcon = "$alexLocal\Microsoft\Edge\User Data\Default\Web Applications\_crx_fhnjmhpmbnbmchmmfkjbjjekiegkeeho\TikTok.ico"
        UninstallString = '"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe" --profile-directory=Default --uninstall-app-id=fhnjmhpmbnbmchmmfkjbjjekiegkeeho'
        NoModify = @{ type = 'REG_DWORD'; value = 1 }; NoRepair = @{ type = 'REG_DWORD'; value = 1 }; InstallDate = '20250511'
    }) $alex.sid
Add-UninstallEntry user 'CapCut' ([ordered]@{
        DisplayName = 'CapCut'; DisplayVersion = '5.1.0.2059'; Publisher = 'Bytedance Pte. Ltd.'; InstallLocation = "$samLocal\CapCut"
        UninstallString = "`"$samLocal\CapCut\Apps\uninst.exe`""; DisplayIcon = "$samLocal\CapCut\Apps\CapCut.exe"
        InstallDate = '20250601'; EstimatedSize = @{ type = 'REG_DWORD'; value = 998400 }
    }) $sam.sid
foreach ($u in $alex, $sam) {
    $local = "C:\Users\$($u.name)\AppData\Local"
    Add-UninstallEntry user 'OneDriveSetup.exe' ([ordered]@{
            DisplayName = 'Microsoft OneDrive'; DisplayVersion = '24.201.1006.0005'; Publisher = 'Microsoft Corporation'
            UninstallString = "$local\Microsoft\OneDrive\24.201.1006.0005\OneDriveSetup.exe  /uninstall "; NoRepair = @{ type = 'REG_DWORD'; value = 1 }
        }) $u.sid
    Add-UninstallEntry user 'Teams' (Exe 'Microsoft Teams classic' '1.7.00.13456' 'Microsoft Corporation' "$local\Microsoft\Teams" 'Update.exe') $u.sid
    Add-UninstallEntry user 'Spotify' ([ordered]@{
            DisplayName = 'Spotify'; DisplayVersion = '1.2.50.335.g'; Publisher = 'Spotify AB'; InstallLocation = "C:\Users\$($u.name)\AppData\Roaming\Spotify"
            UninstallString = "C:\Users\$($u.name)\AppData\Roaming\Spotify\Spotify.exe /uninstall"
        }) $u.sid
    Add-UninstallEntry user 'Discord' (Exe 'Discord' '1.0.9171' 'Discord Inc.' "$local\Discord" 'Update.exe') $u.sid
    Add-UninstallEntry user 'ZoomUMX' ([ordered]@{
            DisplayName = 'Zoom Workplace'; DisplayVersion = '6.2.49583'; Publisher = 'Zoom Video Communications, Inc.'
            UninstallString = "`"C:\Users\$($u.name)\AppData\Roaming\Zoom\uninstall\Installer.exe`" /uninstall"
        }) $u.sid
    Add-UninstallEntry user '{771FD6B0-FA20-440A-A002-3B3BAC16DC50}_is1' (Exe 'Microsoft Visual Studio Code (User)' '1.95.3' 'Microsoft Corporation' "$local\Programs\Microsoft VS Code" 'unins000.exe') $u.sid
    Add-UninstallEntry user 'slack' (Exe 'Slack' '4.41.97' 'Slack Technologies Inc.' "$local\slack" 'Update.exe') $u.sid
    Add-UninstallEntry user 'GitHubDesktop' (Exe 'GitHub Desktop' '3.4.9' 'GitHub, Inc.' "$local\GitHubDesktop" 'Update.exe') $u.sid
    Add-UninstallEntry user 'Figma' (Exe 'Figma' '124.5.5' 'Figma, Inc.' "$local\Figma" 'Update.exe') $u.sid
    Add-UninstallEntry user 'WhatsApp' (Exe 'WhatsApp' '2.2446.4' 'WhatsApp' "$local\WhatsApp" 'Update.exe') $u.sid
    Add-UninstallEntry user 'Obsidian' (Exe 'Obsidian' '1.7.7' 'Obsidian' "$local\Programs\Obsidian" 'Uninstall Obsidian.exe') $u.sid
    Add-UninstallEntry user 'Python 3.12' (Msi (Guid (700 + $entries.Count)) 'Python 3.12.7 (64-bit)' '3.12.7150.0' 'Python Software Foundation') $u.sid
}

# --- Store packages ----------------------------------------------------------------------------------------------
$pub = '8wekyb3d8bbwe'
$apps = @(
    "Microsoft.WindowsCalculator_11.2405.2.0_x64__$pub", "Microsoft.WindowsNotepad_11.2409.9.0_x64__$pub", "Microsoft.Paint_11.2410.28.0_x64__$pub",
    "Microsoft.Windows.Photos_2024.11100.16010.0_x64__$pub", "Microsoft.ScreenSketch_11.2409.25.0_x64__$pub", "Microsoft.WindowsTerminal_1.21.2911.0_x64__$pub",
    "Microsoft.WindowsStore_22410.1401.5.0_x64__$pub", "Microsoft.StorePurchaseApp_22408.1401.0.0_x64__$pub", "Microsoft.DesktopAppInstaller_1.24.25200.0_x64__$pub",
    "Microsoft.WindowsAlarms_11.2408.14.0_x64__$pub", "Microsoft.WindowsCamera_2024.2410.3.0_x64__$pub", "Microsoft.WindowsSoundRecorder_11.2409.11.0_x64__$pub",
    "Microsoft.WindowsFeedbackHub_1.2409.12761.0_x64__$pub", "Microsoft.GetHelp_10.2409.22951.0_x64__$pub", "Microsoft.Getstarted_10.2312.1.0_x64__$pub",
    "Microsoft.BingNews_4.55.62231.0_x64__$pub", "Microsoft.BingWeather_4.53.52892.0_x64__$pub", "Microsoft.BingSearch_1.0.94.0_x64__$pub",
    "Microsoft.Todos_2.114.7122.0_x64__$pub", "Microsoft.PowerAutomateDesktop_11.2410.100.0_x64__$pub", "Microsoft.ZuneMusic_11.2409.5.0_x64__$pub",
    "Microsoft.ZuneVideo_10.22091.10041.0_x64__$pub", "Microsoft.YourPhone_1.24102.107.0_x64__$pub", "Microsoft.XboxGamingOverlay_7.124.11072.0_x64__$pub",
    "Microsoft.XboxIdentityProvider_12.115.1001.0_x64__$pub", "Microsoft.XboxSpeechToTextOverlay_1.97.17002.0_x64__$pub", "Microsoft.Xbox.TCUI_1.24.10001.0_x64__$pub",
    "Microsoft.GamingApp_2410.1001.7.0_x64__$pub", "Microsoft.MicrosoftSolitaireCollection_4.21.10110.0_x64__$pub", "Microsoft.MicrosoftStickyNotes_6.1.4.0_x64__$pub",
    "Microsoft.MicrosoftOfficeHub_18.2410.1181.0_x64__$pub", "Microsoft.OutlookForWindows_1.2024.1113.200_x64__$pub", "Microsoft.People_10.2202.100.0_x64__$pub",
    "Microsoft.Windows.DevHome_0.1900.689.0_x64__$pub", "Microsoft.Copilot_1.24112.123.0_x64__$pub", "Microsoft.MicrosoftEdge.Stable_131.0.2903.70_neutral__$pub",
    "Microsoft.WindowsMaps_11.2409.4.0_x64__$pub", "Microsoft.HEIFImageExtension_1.2.3.0_x64__$pub", "Microsoft.HEVCVideoExtension_2.2.9.0_x64__$pub",
    "Microsoft.VP9VideoExtensions_1.2.2.0_x64__$pub", "Microsoft.WebMediaExtensions_1.1.1295.0_x64__$pub", "Microsoft.WebpImageExtension_1.1.1711.0_x64__$pub",
    "Microsoft.RawImageExtension_2.5.2.0_x64__$pub", "Microsoft.AV1VideoExtension_1.2.1.0_x64__$pub", "Microsoft.MPEG2VideoExtension_1.0.61931.0_x64__$pub",
    "Microsoft.SecHealthUI_1000.27703.1006.0_x64__$pub", "Microsoft.Windows.CloudExperienceHost_10.0.22621.3527_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.Windows.ShellExperienceHost_10.0.22621.4541_neutral_neutral_cw5n1h2txyewy", "Microsoft.Windows.StartMenuExperienceHost_10.0.22621.4541_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.Windows.Search_1.14.17.22621_neutral_neutral_cw5n1h2txyewy", "Microsoft.Windows.ContentDeliveryManager_10.0.22621.4391_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.Windows.PeopleExperienceHost_10.0.22621.1_neutral_neutral_cw5n1h2txyewy", "Microsoft.Windows.SecureAssessmentBrowser_10.0.22621.3527_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.Windows.ParentalControls_1000.22621.1.0_neutral_neutral_cw5n1h2txyewy", "Microsoft.Windows.NarratorQuickStart_10.0.22621.4541_neutral_neutral_$pub",
    "Microsoft.Windows.OOBENetworkConnectionFlow_10.0.21302.1000_neutral__cw5n1h2txyewy", "Microsoft.Windows.OOBENetworkCaptivePortal_10.0.21302.1000_neutral__cw5n1h2txyewy",
    "Microsoft.Windows.PinningConfirmationDialog_1000.22621.1.0_neutral__cw5n1h2txyewy", "Microsoft.Windows.CapturePicker_10.0.22621.4541_neutral__cw5n1h2txyewy",
    "Microsoft.Windows.AssignedAccessLockApp_1000.22621.1.0_neutral_neutral_cw5n1h2txyewy", "Microsoft.Windows.Apprep.ChxApp_1000.22621.1.0_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.Windows.CallingShellApp_1000.22621.1.0_neutral_neutral_cw5n1h2txyewy", "Microsoft.Windows.XGpuEjectDialog_10.0.22621.1_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.AAD.BrokerPlugin_1000.19580.1000.0_neutral_neutral_cw5n1h2txyewy", "Microsoft.AccountsControl_10.0.22621.1_neutral__cw5n1h2txyewy",
    "Microsoft.AsyncTextService_10.0.22621.1_neutral__$pub", "Microsoft.BioEnrollment_10.0.19587.1000_neutral__cw5n1h2txyewy",
    "Microsoft.CredDialogHost_10.0.22621.1_neutral__cw5n1h2txyewy", "Microsoft.ECApp_10.0.22621.1_neutral__$pub", "Microsoft.LockApp_10.0.22621.1_neutral__cw5n1h2txyewy",
    "Microsoft.MicrosoftEdgeDevToolsClient_1000.22621.1.0_neutral_neutral_$pub", "Microsoft.Win32WebViewHost_10.0.22621.1_neutral_neutral_cw5n1h2txyewy",
    "Microsoft.WindowsAppRuntime.CBS_1.0.0.0_x64__$pub", "MicrosoftWindows.Client.CBS_1000.22700.1047.0_x64__cw5n1h2txyewy",
    "MicrosoftWindows.Client.Core_1000.22700.1047.0_x64__cw5n1h2txyewy", "MicrosoftWindows.Client.FileExp_1000.22700.1047.0_x64__cw5n1h2txyewy",
    "MicrosoftWindows.Client.WebExperience_524.24200.50.0_x64__cw5n1h2txyewy", "MicrosoftWindows.CrossDevice_1.24102.47.0_x64__cw5n1h2txyewy",
    "MicrosoftWindows.UndockedDevKit_10.0.22621.4541_neutral_neutral_cw5n1h2txyewy", "NcsiUwpApp_1000.22621.1.0_neutral_neutral_8wekyb3d8bbwe",
    "Windows.CBSPreview_10.0.22621.1_neutral_neutral_cw5n1h2txyewy", "windows.immersivecontrolpanel_10.0.6.1000_neutral_neutral_cw5n1h2txyewy",
    "Windows.PrintDialog_6.2.3.0_neutral_neutral_cw5n1h2txyewy", "1527c705-839a-4832-9118-54d4Bd6a0c89_10.0.22621.1_neutral_neutral_cw5n1h2txyewy",
    "c5e2524a-ea46-4f67-841f-6a9465d9d515_10.0.22621.1_neutral_neutral_cw5n1h2txyewy", "E2A4F912-2574-4A75-9BB0-0D023378592B_10.0.22621.1_neutral_neutral_cw5n1h2txyewy",
    "F46D4000-FD22-4DB4-AC8E-4E1DDDE828FE_10.0.22621.1_neutral_neutral_cw5n1h2txyewy"
)
$frameworks = @(
    "Microsoft.VCLibs.140.00_14.0.33519.0_x64__$pub", "Microsoft.VCLibs.140.00_14.0.33519.0_x86__$pub", "Microsoft.VCLibs.140.00.UWPDesktop_14.0.33728.0_x64__$pub",
    "Microsoft.VCLibs.140.00.UWPDesktop_14.0.33728.0_x86__$pub", "Microsoft.UI.Xaml.2.8_8.2310.30001.0_x64__$pub", "Microsoft.UI.Xaml.2.8_8.2310.30001.0_x86__$pub",
    "Microsoft.NET.Native.Framework.2.2_2.2.29512.0_x64__$pub", "Microsoft.NET.Native.Framework.2.2_2.2.29512.0_x86__$pub",
    "Microsoft.NET.Native.Runtime.2.2_2.2.28604.0_x64__$pub", "Microsoft.NET.Native.Runtime.2.2_2.2.28604.0_x86__$pub",
    "Microsoft.WindowsAppRuntime.1.5_5001.311.2039.0_x64__$pub", "Microsoft.WindowsAppRuntime.1.5_5001.311.2039.0_x86__$pub",
    "Microsoft.WindowsAppRuntime.1.6_6000.311.13.0_x64__$pub", "Microsoft.Services.Store.Engagement_10.0.23012.0_x64__$pub"
)
$tiktok = 'BytedancePte.Ltd.TikTok_38.5.1.0_x64__6yccndn6064se'
$packages = [System.Collections.Generic.List[object]]::new()
foreach ($p in $apps + $frameworks) {
    $packages.Add([ordered]@{ fullName = $p; users = @($alex.sid, $sam.sid, $jo.sid); provisioned = -not ($p -match 'cw5n1h2txyewy$') })
}
$packages.Add([ordered]@{ fullName = "SpotifyAB.SpotifyMusic_1.250.1165.0_x64__zpdnekdrzrea0"; users = @($sam.sid); provisioned = $false })
$packages.Add([ordered]@{ fullName = "Clipchamp.Clipchamp_3.1.12010.0_neutral__yxz26nhyzhsrt"; users = @($alex.sid, $sam.sid); provisioned = $true })
$packages.Add([ordered]@{ fullName = $tiktok; users = @($alex.sid); provisioned = $true })

$laptop = [ordered]@{
    schemaVersion = 2
    computerName = 'LAPTOP-01'
    # Basic and unencrypted HTTP for the local test accounts, and an HTTPS listener (served with --https);
    # a fresh Windows has none of them.
    winRm = [ordered]@{ basic = $true; allowUnencrypted = $true; httpsListener = $true }
    domain = 'WORKGROUP'
    os = [ordered]@{ caption = 'Microsoft Windows 11 Pro'; version = '10.0.22631'; buildNumber = '22631'; osArchitecture = '64-bit'; installDate = '2025-03-01T09:12:00Z' }
    accounts = @(
        [ordered]@{ user = 'it-admin'; password = 'Adm1n-Simulated!'; isAdmin = $true; sid = "$machine-1010" }
        [ordered]@{ user = 'alex'; password = 'Alex-Simulated!'; isAdmin = $false; sid = $alex.sid }
    )
    users = @(
        [ordered]@{ sid = $alex.sid; name = 'alex'; profilePath = 'C:\Users\alex'; hiveLoaded = $true }
        [ordered]@{ sid = $sam.sid; name = 'sam'; profilePath = 'C:\Users\sam'; hiveLoaded = $true }
        [ordered]@{ sid = $jo.sid; name = 'jo'; profilePath = 'C:\Users\jo'; hiveLoaded = $false }
    )
    uninstallEntries = $entries
    packages = $packages
    msiProducts = @(
        [ordered]@{ productCode = '{23170F69-40C1-2702-2301-000001000000}'; exitCode = 0; durationMs = 1500 }
        [ordered]@{ productCode = '{5A9C5A84-8D2E-4B6F-A1E2-2F0D5C1B7A11}'; exitCode = 1603; durationMs = 2500 }
    )
    programs = @(
        # An NSIS (electron-builder) uninstaller: it starts a copy of itself from %TEMP% and exits at once.
        [ordered]@{ path = 'C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe'; arguments = '/S'; exitCode = 0; durationMs = 2500; relaunches = $true
            removesKeys = @('HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\TikTok LIVE Studio') }
        [ordered]@{ path = 'C:\Program Files\TikTok LIVE Studio\Uninstall TikTok LIVE Studio.exe'; waitsForUser = $true }
        [ordered]@{ path = "$samLocal\CapCut\Apps\uninst.exe"; exitCode = 0; durationMs = 2000; runsAsUser = $sam.sid
            removesKeys = @("HKU\$($sam.sid)\Software\Microsoft\Windows\CurrentVersion\Uninstall\CapCut") }
        [ordered]@{ path = 'C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe'; waitsForUser = $true }
    )
    processes = @(
        [ordered]@{ name = 'TikTok LIVE Studio.exe'; executablePath = 'C:\Program Files\TikTok LIVE Studio\TikTok LIVE Studio.exe'; processId = 9120 }
        [ordered]@{ name = 'msedge.exe'; executablePath = 'C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe'; processId = 9240 }
    )
    faults = [ordered]@{}
}
$json = $laptop | ConvertTo-Json -Depth 12
Set-Content -LiteralPath $Path -Value $json -Encoding utf8NoBOM
Write-Host "Wrote $Path ($($entries.Count) uninstall entries, $($packages.Count) packages)"
