BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'New-UserNsContainer' {
    AfterEach {
        Get-UserNsContainer | Remove-UserNsContainer -Force
        Get-NewHelperProcess | Should -BeNullOrEmpty
    }

    It 'returns a Running handle at once and logs the output' {
        $c = New-UserNsContainer -Name pester-new -Command sh, -c, 'echo logged; sleep 60'
        $c | Should -BeOfType ([UserNsContainer.ContainerHandle])
        $c.State | Should -Be 'Running'
        $c.Namespaces | Should -Be @('user', 'ipc', 'uts', 'net', 'pid', 'cgroup', 'mnt')
        Start-Sleep -Milliseconds 300
        $c | Get-UserNsContainerLog | Should -Be 'logged'
    }

    It 'idles without -Command' {
        (New-UserNsContainer).State | Should -Be 'Running'
    }

    It 'stops in state Created with -NoStart' {
        $c = New-UserNsContainer -NoStart -Command /bin/true
        $c.State | Should -Be 'Created'
        (Get-Content "/proc/$($c.Pid)/uid_map" -Raw) | Should -BeNullOrEmpty
    }

    It 'refuses a name already taken' {
        New-UserNsContainer -Name pester-dup | Out-Null
        { New-UserNsContainer -Name pester-dup } | Should -Throw -ErrorId 'NameInUse,UserNsContainer.Commands.NewUserNsContainerCommand'
        @(Get-UserNsContainer).Count | Should -Be 1
    }

    It 'supports -WhatIf' {
        New-UserNsContainer -Name pester-whatif -WhatIf
        Get-UserNsContainer | Should -BeNullOrEmpty
    }
}
