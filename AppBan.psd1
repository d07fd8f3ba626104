@{
    RootModule           = 'module/lib/AppBan.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0b7a3e-2f7c-4c1e-9a55-6a0f3e8b2c41'
    Author               = 'AppBan contributors'
    CompanyName          = 'AppBan'
    Copyright            = '(c) 2026 AppBan contributors. MIT License.'
    Description          = 'Finds and removes apps an organisation has banned (TikTok and other ByteDance apps) on Windows machines, locally or remotely through CIM, honouring exemptions and a phase-out date, and reports on every device.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    RequiredAssemblies   = @()
    FormatsToProcess     = @('module/AppBan.format.ps1xml')
    CmdletsToExport      = @(
        'Get-AppBanPolicy'
        'New-AppBanPolicy'
        'Test-AppBanPolicy'
        'Export-AppBanReport'
        'Import-AppBanReport'
        'Invoke-AppBanRemediation'
        'Export-AppBanConfigMgrScript'
        'Export-AppBanIntuneScript'
        'Test-AppBanConnection'
        'Grant-AppExemption'
        'Revoke-AppExemption'
        'Get-AppExemption'
        'Get-BannedApp'
        'Test-AppBanCompliance'
        'Remove-BannedApp'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS', 'TikTok', 'AppBan', 'Compliance', 'CIM', 'Intune', 'ConfigMgr')
            ProjectUri   = 'https://github.com/appban/AppBan'
            LicenseUri   = 'https://github.com/appban/AppBan/blob/main/LICENSE'
            ReleaseNotes = 'See README.md.'
        }
    }
}
