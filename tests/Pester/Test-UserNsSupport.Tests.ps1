BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Test-UserNsSupport' {
    It 'returns one object per check with a status from Pass, Warn, Fail, NotApplicable' {
        $checks = Test-UserNsSupport
        $checks.Count | Should -BeGreaterThan 10
        $checks | ForEach-Object { $_.Status.ToString() | Should -BeIn 'Pass', 'Warn', 'Fail', 'NotApplicable' }
        ($checks | Where-Object Name -eq UserNamespaces).Status.ToString() | Should -Be 'Pass'
    }

    It 'attaches a fix to every failed check' {
        Test-UserNsSupport | Where-Object { $_.Status.ToString() -eq 'Fail' } | ForEach-Object { $_.RecommendedAction | Should -Not -BeNullOrEmpty }
    }

    It 'answers -Quiet with one boolean' {
        Test-UserNsSupport -Quiet | Should -BeOfType [bool]
    }

    It 'checks whether a path can be idmapped, with the steps an idmapped bind takes' {
        (Test-UserNsSupport -Path /proc | Where-Object Name -eq IdmapMount).Status.ToString() | Should -Be 'Fail'
    }
}
