#Requires -Version 7.0
# Get-AppBanPolicy, Test-AppBanPolicy and New-AppBanPolicy against the built module.

BeforeDiscovery {
    $BadPolicyDir = Join-Path $PSScriptRoot 'BadPolicies'
    # Each bad file holds exactly one problem, reported at this line and column with this message.
    $BadPolicies = @(
        @{ File = 'malformed-missing-comma.json'; Line = 4; Column = 3; Message = 'this is not valid JSON: a comma is missing before this point*' }
        @{ File = 'truncated.json'; Line = 5; Column = 89; Message = "this is not valid JSON: the file ends before every '{' and '``[' is closed" }
        @{ File = 'trailing-text.json'; Line = 8; Column = 1; Message = "this is not valid JSON: there is more text after the policy's closing '}'*" }
        @{ File = 'not-an-object.json'; Line = 1; Column = 1; Message = "a policy must be one JSON object that starts with '{'" }
        @{ File = 'empty.json'; Line = 0; Column = 0; Message = 'the file is empty*' }
        @{ File = 'unknown-property.json'; Line = 9; Column = 7; Message = "unknown property 'severity' in rule 'capcut' (allowed here: id, displayName, description, matchers, removal)" }
        @{ File = 'missing-display-name.json'; Line = 5; Column = 5; Message = "rule 'capcut' has no 'displayName'" }
        @{ File = 'duplicate-rule-id.json'; Line = 8; Column = 7; Message = "rule 'capcut' is defined twice (first on line 5)*" }
        @{ File = 'duplicate-property.json'; Line = 7; Column = 3; Message = "'name' appears twice in the same object*" }
        @{ File = 'invalid-regex.json'; Line = 9; Column = 11; Message = "matcher 1 of rule 'tiktok-live-studio': '^TikTok LIVE Studio( \d+' is not a valid regular expression*" }
        @{ File = 'invalid-wildcard.json'; Line = 10; Column = 11; Message = "matcher 2 of rule 'capcut': the wildcard 'CapCut ``[Pro' opens a character set*never closed*" }
        @{ File = 'match-everything.json'; Line = 9; Column = 11; Message = "matcher 1 of rule 'everything': { ""displayName"": ""``*"" } matches * of the * common Windows apps AppBan checks policies against*narrow it*" }
        @{ File = 'matcher-two-kinds.json'; Line = 9; Column = 32; Message = "matcher 1 of rule 'capcut' has both 'keyName' and 'displayName'*" }
        @{ File = 'bad-product-code.json'; Line = 8; Column = 23; Message = "*'{7E1D0B5C-1111-4AAA-8BBB-0123456789}' is not an MSI ProductCode*" }
        @{ File = 'unsafe-silent-switch.json'; Line = 10; Column = 35; Message = "'/S & net user eve P@ss /add' in 'silentSwitches' of rule 'tiktok-live-studio' is not a plain switch*" }
        @{ File = 'rules-not-a-list.json'; Line = 4; Column = 3; Message = "'rules' must be a list*" }
        @{ File = 'exemption-unknown-rule.json'; Line = 10; Column = 7; Message = "exemption 'ex-001' names rule 'tiktok', which this policy does not define (its rules: capcut*" }
        @{ File = 'exemption-without-reason.json'; Line = 9; Column = 5; Message = "exemption 'ex-002' has no reason; every exemption must say why it was granted*" }
        @{ File = 'exemption-covers-nobody.json'; Line = 8; Column = 5; Message = "exemption 'ex-001' does not say whom it covers*" }
        @{ File = 'exemption-ends-before-start.json'; Line = 14; Column = 7; Message = "exemption 'ex-001' expires (2027-02-01 00:00:00 UTC) before it starts*" }
        @{ File = 'bad-user-sid.json'; Line = 8; Column = 43; Message = "exemption 'ex-001': 'userSid' 'S-1-5-21-abc' is not a SID*" }
        @{ File = 'bad-date.json'; Line = 4; Column = 3; Message = "'enforceAfter' of the policy is '31/01/2027', which is not a date*" }
        @{ File = 'bad-exemption-date.json'; Line = 14; Column = 7; Message = "'expires' of exemption 'ex-001' is '2027-02-30T00:00:00Z', which is not a date*" }
        @{ File = 'wrong-schema-version.json'; Line = 3; Column = 3; Message = 'schemaVersion 2 is not supported; this version of AppBan reads schemaVersion 1' }
        @{ File = 'comment.json'; Line = 4; Column = 3; Message = 'comments are not allowed in a policy file*' }
        @{ File = 'single-quotes.json'; Line = 3; Column = 11; Message = 'text must be in double quotes*' }
    ) | ForEach-Object { $_.Path = Join-Path $BadPolicyDir $_.File; $_ }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../AppBan.psd1') -Force
    $BadPolicyDir = Join-Path $PSScriptRoot 'BadPolicies'
    $SchemaPath = Join-Path $PSScriptRoot '../../module/AppBan.policy.schema.json'
    $BuiltInRuleIds = @('tiktok-store', 'tiktok-live-studio', 'capcut', 'tiktok-webapp')

    function Write-Policy([string] $Path, [string] $Json) {
        Set-Content -LiteralPath $Path -Value $Json -Encoding utf8NoBOM
        $Path
    }
    $script:ValidJson = @'
{
  "schemaVersion": 1,
  "name": "Parliament",
  "enforceAfter": "2027-01-31T00:00:00Z",
  "rules": [
    { "id": "capcut", "displayName": "CapCut", "matchers": [ { "keyName": "CapCut" } ] }
  ],
  "exemptions": [
    { "id": "ex-001", "ruleId": "capcut", "user": "PARL\\jdoe", "reason": "Press office", "approvedBy": "Speaker", "expires": null }
  ]
}
'@
}

Describe 'Get-AppBanPolicy' {
    It 'returns the built-in policy, enforcing now, with its rules as objects' {
        $policy = Get-AppBanPolicy
        $policy | Should -BeOfType ([AppBan.Engine.Policy.AppBanPolicy])
        $policy.Rules.Id | Should -Be $BuiltInRuleIds
        $policy.Rules[0] | Should -BeOfType ([AppBan.Engine.Policy.PolicyRule])
        $policy.EnforceAfter | Should -BeNullOrEmpty
        $policy.Source | Should -Be '(built-in)'
        $policy.Sha256 | Should -Match '^[0-9A-F]{64}$'
    }

    It 'returns a built-in policy by name, the default one being TikTok and CapCut, and refuses other names' {
        @((Get-AppBanPolicy -Name TikTok).Rules.Id) | Should -Be @('tiktok-store', 'tiktok-live-studio', 'tiktok-webapp')
        @((Get-AppBanPolicy).Rules.Id) | Should -Be @('tiktok-store', 'tiktok-live-studio', 'capcut', 'tiktok-webapp')
        $bytedance = Get-AppBanPolicy -Name bytedance
        $bytedance.Source | Should -Be '(built-in)'
        $bytedance.EnforceAfter | Should -BeNullOrEmpty
        $bytedance.Rules.Id | Should -Contain 'trae'
        $bytedance.Rules.Id | Should -Contain 'lark'
        $bytedance.Rules.Id | Should -Contain 'tiktok-live-studio'
        { Get-AppBanPolicy -Name Parliament } | Should -Throw -ErrorId 'ParameterArgumentValidationError,AppBan.Cmdlets.GetAppBanPolicyCommand' -ExpectedMessage '*TikTok, ByteDance*'
        (TabExpansion2 -inputScript 'Get-BannedApp -PolicyName B' -cursorColumn 27).CompletionMatches.CompletionText | Should -Be 'ByteDance'
    }

    It 'takes -PolicyName wherever -PolicyPath goes, and refuses both at once' {
        $path = Write-Policy (Join-Path $TestDrive 'both.json') $ValidJson
        { Export-AppBanIntuneScript -PolicyPath $path -PolicyName ByteDance -Path $TestDrive } |
            Should -Throw -ErrorId 'PolicyAndPolicyPath,AppBan.Cmdlets.ExportAppBanIntuneScriptCommand'
        { Get-BannedApp -PolicyPath $path -PolicyName ByteDance -ComputerName nowhere } |
            Should -Throw -ErrorId 'PolicyAndPolicyPath,AppBan.Cmdlets.GetBannedAppCommand'
        foreach ($name in 'Get-BannedApp', 'Test-AppBanCompliance', 'Remove-BannedApp', 'Invoke-AppBanRemediation', 'Grant-AppExemption',
                          'Get-AppExemption', 'Export-AppBanConfigMgrScript', 'Export-AppBanIntuneScript', 'Export-AppBanReport', 'New-AppBanPolicy') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'PolicyName' -Because "$name takes -PolicyName"
        }
    }

    It 'loads a file relative to the current location, through PowerShell drives' {
        Write-Policy (Join-Path $TestDrive 'parliament.json') $ValidJson | Out-Null
        Push-Location TestDrive:\
        try { $policy = Get-AppBanPolicy -Path .\parliament.json } finally { Pop-Location }
        $policy.Name | Should -Be 'Parliament'
        $policy.SourcePath | Should -Be (Join-Path $TestDrive 'parliament.json')
        $policy.Sha256 | Should -Be (Get-FileHash -LiteralPath (Join-Path $TestDrive 'parliament.json') -Algorithm SHA256).Hash
        $policy.EnforceAfter | Should -Be ([DateTimeOffset]::new(2027, 1, 31, 0, 0, 0, [TimeSpan]::Zero))
        $policy.Exemptions[0].Reason | Should -Be 'Press office'
        $policy.Exemptions[0].Source | Should -Be 'Policy'
        $policy.Exemptions[0].Location | Should -Be (Join-Path $TestDrive 'parliament.json')
    }

    It 'takes policy files from the pipeline' {
        $path = Write-Policy (Join-Path $TestDrive 'piped.json') $ValidJson
        $policy = Get-Item -LiteralPath $path | Get-AppBanPolicy
        $policy.SourcePath | Should -Be $path
    }

    It 'stops with a terminating error naming file, line and column, and nothing after it runs' {
        $path = Join-Path $BadPolicyDir 'duplicate-rule-id.json'
        $ranOn = $false
        $caught = $null
        try {
            Get-AppBanPolicy -Path $path -ErrorAction SilentlyContinue
            $ranOn = $true
        } catch { $caught = $_ }
        $ranOn | Should -BeFalse
        $caught.FullyQualifiedErrorId | Should -Be 'InvalidPolicy,AppBan.Cmdlets.GetAppBanPolicyCommand'
        $caught.CategoryInfo.Category | Should -Be 'InvalidData'
        $caught.TargetObject | Should -Be $path
        $caught.Exception.Message | Should -BeLike "*duplicate-rule-id.json, line 8, column 7: rule 'capcut' is defined twice*"
        $caught.Exception.Problems[0].Line | Should -Be 8
    }

    It 'reports a missing file as ObjectNotFound' {
        { Get-AppBanPolicy -Path (Join-Path $TestDrive 'nothere.json') } |
            Should -Throw -ErrorId 'PolicyFileNotFound,AppBan.Cmdlets.GetAppBanPolicyCommand' -ExpectedMessage '*nothere.json*does not exist*'
    }

    It 'refuses a path that is not on the file system' {
        { Get-AppBanPolicy -Path 'Env:\PATH' } | Should -Throw -ErrorId 'InvalidPolicyPath,AppBan.Cmdlets.GetAppBanPolicyCommand'
    }

    It 'has default table views for the policy and its rules' {
        $policyTable = Get-AppBanPolicy | Out-String -Width 200
        $policyTable | Should -Match 'Name\s+EnforceAfter\s+Rules\s+Exemptions\s+Source'
        $policyTable | Should -Match 'AppBan built-in policy\s+now\s+tiktok-store, tiktok-live-studio'
        $ruleTable = (Get-AppBanPolicy).Rules | Out-String -Width 200
        $ruleTable | Should -Match 'Id\s+DisplayName\s+Matchers'
        $ruleTable | Should -Match "capcut\s+CapCut\s+KeyName 'CapCut'; DisplayName 'CapCut\*' and Publisher 'Bytedance\*'"
    }
}

Describe 'Test-AppBanPolicy' {
    Context 'bad policy files' {
        It '<File>: line <Line>, column <Column>' -ForEach $BadPolicies {
            $problems = @(Test-AppBanPolicy -Path $Path)
            $problems.Count | Should -Be 1 -Because ($problems | Out-String)
            $problems[0].Line | Should -Be $Line
            $problems[0].Column | Should -Be $Column
            $problems[0].Message | Should -BeLike $Message
            $problems[0].File | Should -Be $Path

            Test-AppBanPolicy -Path $Path -Quiet | Should -BeFalse

            $where = if ($Line -gt 0) { "$File, line $Line, column ${Column}: " } else { "${File}: " }
            { Get-AppBanPolicy -Path $Path } | Should -Throw -ErrorId 'InvalidPolicy,AppBan.Cmdlets.GetAppBanPolicyCommand' -ExpectedMessage "*$where$Message*"
        }

        It 'covers every file in BadPolicies' -ForEach @(@{ Listed = $BadPolicies.File }) {
            $listed = $Listed
            (Get-ChildItem -LiteralPath $BadPolicyDir -Filter '*.json').Name | Where-Object { $_ -notin $listed } | Should -BeNullOrEmpty
            $listed.Count | Should -BeGreaterOrEqual 12
        }
    }

    It 'reports every problem of a file, in line order' {
        $path = Write-Policy (Join-Path $TestDrive 'several.json') @'
{
  "schemaVersion": 1,
  "nmae": "Parliament",
  "rules": [
    { "id": "capcut", "displayName": "CapCut", "matchers": [ { "keyName": "CapCut" } ] },
    { "id": "capcut", "displayName": "CapCut", "matchers": [ { "displayNameRegex": "(" } ] }
  ],
  "exemptions": [ { "id": "e", "ruleId": "nope", "computer": "PC-1" } ]
}
'@
        $problems = @(Test-AppBanPolicy -Path $path)
        $problems | ForEach-Object { "$($_.Line):$($_.Message)" } | Should -Be @(
            "1:the policy has no 'name'"
            "3:unknown property 'nmae' in the policy (did you mean 'name'?)"
            "6:rule 'capcut' is defined twice (first on line 5); rule ids must be unique"
            "6:matcher 1 of rule 'capcut': '(' is not a valid regular expression: Not enough )'s (at character 1)"
            "8:exemption 'e' has no reason; every exemption must say why it was granted (`"reason`": `"...`")"
            "8:exemption 'e' names rule 'nope', which this policy does not define (its rules: capcut; `"*`" means every rule)"
        )
    }

    It 'returns nothing for a valid policy, and -Quiet returns only $true' {
        $path = Write-Policy (Join-Path $TestDrive 'valid.json') $ValidJson
        @(Test-AppBanPolicy -Path $path) | Should -HaveCount 0
        $result = @(Test-AppBanPolicy -Path $path -Quiet)
        $result | Should -HaveCount 1
        $result[0] | Should -BeOfType ([bool])
        $result[0] | Should -BeTrue
    }

    It 'reports a missing file as a problem instead of failing' {
        $missing = Join-Path $TestDrive 'missing.json'
        $problem = Test-AppBanPolicy -Path $missing
        $problem.Line | Should -Be 0
        $problem.Message | Should -Be 'the file does not exist'
        Test-AppBanPolicy -Path $missing -Quiet | Should -BeFalse
    }

    It 'takes several files from the pipeline, with one bool each under -Quiet' {
        $good = Write-Policy (Join-Path $TestDrive 'good.json') $ValidJson
        $results = Get-Item -LiteralPath $good, (Join-Path $BadPolicyDir 'bad-date.json') | Test-AppBanPolicy -Quiet
        $results | Should -Be @($true, $false)
    }

    It 'shows problems in a table grouped by file' {
        $text = Test-AppBanPolicy -Path (Join-Path $BadPolicyDir 'bad-date.json') | Out-String -Width 250
        $text | Should -Match 'Policy file: .*bad-date\.json'
        $text | Should -Match "Line\s+Column\s+Message"
        $text | Should -Match "4\s+3\s+'enforceAfter' of the policy is '31/01/2027'"
    }
}

Describe 'New-AppBanPolicy' {
    It 'writes a starter policy from the built-in one that passes Test-AppBanPolicy' {
        $path = Join-Path $TestDrive 'starter.json'
        $file = New-AppBanPolicy -Path $path
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.FullName | Should -Be $path
        Test-AppBanPolicy -Path $path -Quiet | Should -BeTrue
        @(Test-AppBanPolicy -Path $path) | Should -HaveCount 0
        $policy = Get-AppBanPolicy -Path $path
        $policy.Name | Should -Be 'starter'
        $policy.Rules.Id | Should -Be $BuiltInRuleIds
        ($policy.Rules.Matchers | ForEach-Object ToString) | Should -Be ((Get-AppBanPolicy).Rules.Matchers | ForEach-Object ToString)
        $policy.EnforceAfter | Should -BeNullOrEmpty
        # UTF-8 without a byte order mark, standard JSON
        [System.IO.File]::ReadAllBytes($path)[0] | Should -Be ([byte][char]'{')
        Get-Content -Raw -LiteralPath $path | ConvertFrom-Json | Select-Object -ExpandProperty schemaVersion | Should -Be 1
    }

    It 'writes what the shipped JSON schema accepts, and the schema rejects bad files' {
        $path = Join-Path $TestDrive 'schema.json'
        New-AppBanPolicy -Path $path | Out-Null
        Test-Json -Json (Get-Content -Raw -LiteralPath $path) -SchemaFile $SchemaPath | Should -BeTrue
        Test-Json -Json $ValidJson -SchemaFile $SchemaPath | Should -BeTrue
        foreach ($bad in 'unknown-property.json', 'missing-display-name.json', 'wrong-schema-version.json', 'exemption-without-reason.json',
                         'exemption-covers-nobody.json', 'matcher-two-kinds.json', 'bad-date.json', 'unsafe-silent-switch.json') {
            Test-Json -Json (Get-Content -Raw -LiteralPath (Join-Path $BadPolicyDir $bad)) -SchemaFile $SchemaPath -ErrorAction SilentlyContinue |
                Should -BeFalse -Because "$bad breaks the schema"
        }
    }

    It 'the schema and Test-AppBanPolicy agree on the SID <Sid>: valid <Valid>' -ForEach @(
        @{ Sid = 'S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14'; Valid = $true }
        @{ Sid = 'S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15'; Valid = $false }
        @{ Sid = 'S-1-5-21-12345678901'; Valid = $false }
    ) {
        $json = $ValidJson.Replace('"user": "PARL\\jdoe"', """userSid"": ""$Sid""")
        $json | Should -Match ([regex]::Escape($Sid))
        Test-Json -Json $json -SchemaFile $SchemaPath -ErrorAction SilentlyContinue | Should -Be $Valid
        Test-AppBanPolicy -Path (Write-Policy (Join-Path $TestDrive 'sid.json') $json) -Quiet | Should -Be $Valid
    }

    It 'writes the ByteDance policy out to edit when -Name or -PolicyName names it' {
        $byName = Join-Path $TestDrive 'bytedance.json'
        New-AppBanPolicy -Name ByteDance -Path $byName | Out-Null
        $policy = Get-AppBanPolicy -Path $byName
        $policy.Name | Should -Be 'ByteDance'
        $policy.Rules.Id | Should -Be (Get-AppBanPolicy -Name ByteDance).Rules.Id
        $fromParameter = Join-Path $TestDrive 'org.json'
        New-AppBanPolicy -PolicyName ByteDance -Name 'Org ban' -Path $fromParameter | Out-Null
        (Get-AppBanPolicy -Path $fromParameter).Rules.Id | Should -Be (Get-AppBanPolicy -Name ByteDance).Rules.Id
        Test-AppBanPolicy -Path $fromParameter -Quiet | Should -BeTrue
    }

    It 'uses -Name for the policy name' {
        $path = Join-Path $TestDrive 'named.json'
        New-AppBanPolicy -Path $path -Name 'Parliament of Somewhere' | Out-Null
        (Get-AppBanPolicy -Path $path).Name | Should -Be 'Parliament of Somewhere'
    }

    It 'refuses to overwrite an existing file without -Force and leaves it untouched' {
        $path = Join-Path $TestDrive 'existing.json'
        Set-Content -LiteralPath $path -Value 'my own policy'
        { New-AppBanPolicy -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'PolicyFileExists,AppBan.Cmdlets.NewAppBanPolicyCommand' -ExpectedMessage '*already exists*-Force*'
        $errors = $null
        New-AppBanPolicy -Path $path -ErrorAction SilentlyContinue -ErrorVariable errors | Should -BeNullOrEmpty
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $errors[0].TargetObject | Should -Be $path
        Get-Content -Raw -LiteralPath $path | Should -Be "my own policy$([Environment]::NewLine)"
    }

    It 'overwrites with -Force' {
        $path = Join-Path $TestDrive 'forced.json'
        Set-Content -LiteralPath $path -Value 'old'
        New-AppBanPolicy -Path $path -Force | Out-Null
        Test-AppBanPolicy -Path $path -Quiet | Should -BeTrue
        Get-ChildItem -LiteralPath $TestDrive -Force -Filter '.forced.json*' | Should -BeNullOrEmpty
    }

    It '-WhatIf writes nothing, for a new file or over an existing one' {
        $new = Join-Path $TestDrive 'whatif-new.json'
        New-AppBanPolicy -Path $new -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath $new | Should -BeFalse

        $existing = Join-Path $TestDrive 'whatif-existing.json'
        Set-Content -LiteralPath $existing -Value 'untouched'
        New-AppBanPolicy -Path $existing -Force -WhatIf | Should -BeNullOrEmpty
        Get-Content -LiteralPath $existing | Should -Be 'untouched'
        Get-ChildItem -LiteralPath $TestDrive -Force -Filter '.whatif*' | Should -BeNullOrEmpty
    }

    It 'reports a missing folder without creating anything' {
        $path = Join-Path $TestDrive 'no-such-folder/policy.json'
        { New-AppBanPolicy -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'PolicyFolderNotFound,AppBan.Cmdlets.NewAppBanPolicyCommand'
        Test-Path -LiteralPath (Join-Path $TestDrive 'no-such-folder') | Should -BeFalse
    }
}
