BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Remove-UserNsContainer' {
    It 'stops a running container and deletes its state' {
        $c = New-UserNsContainer -Command sleep, 60
        $c | Remove-UserNsContainer
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
        Get-UserNsContainer | Should -BeNullOrEmpty
        Test-Path $c.LogPath | Should -BeFalse
    }

    It 'frees the name for reuse' {
        New-UserNsContainer -Name pester-reuse | Remove-UserNsContainer -Force
        $again = New-UserNsContainer -Name pester-reuse
        $again | Remove-UserNsContainer -Force
        Get-NewHelperProcess | Should -BeNullOrEmpty
    }

    It 'honours -WhatIf' {
        $c = New-UserNsContainer
        $c | Remove-UserNsContainer -WhatIf
        (Get-UserNsContainer -Id $c.Id).State | Should -Be 'Running'
        $c | Remove-UserNsContainer -Force
    }
}
