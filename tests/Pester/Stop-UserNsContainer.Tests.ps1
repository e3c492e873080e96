BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Stop-UserNsContainer' {
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'forwards SIGTERM to the main process' {
        $s = New-UserNsContainer -Command sleep, 60 | Stop-UserNsContainer -PassThru
        $s.State | Should -Be 'Exited'
        $s.ExitCode | Should -Be 143
    }

    It 'kills after -Timeout when SIGTERM is ignored' {
        $c = New-UserNsContainer -Command sh, -c, 'trap "" TERM; while :; do sleep 1; done'
        $s = $c | Stop-UserNsContainer -Timeout 1 -PassThru
        $s.State | Should -Be 'Exited'
        Test-Path "/proc/$($c.Pid)" | Should -BeFalse
    }

    It 'takes names by property from the pipeline' {
        New-UserNsContainer -Name pester-stop | Out-Null
        [pscustomobject]@{ Name = 'pester-stop' } | Stop-UserNsContainer
        (Get-UserNsContainer -Name pester-stop).State | Should -Be 'Exited'
    }

    It 'acts on a handle that came back from a background job (serialized), and not on a stale one' {
        $manifest = $script:ModuleManifest
        $h = Start-Job { param($m) Import-Module $m; New-UserNsContainer -Name pester-ser -Command sleep, 60 } -ArgumentList $manifest |
            Wait-Job | Receive-Job
        $h.PSObject.TypeNames[0] | Should -Be 'Deserialized.UserNsContainer.ContainerHandle'
        ($h | Stop-UserNsContainer -PassThru).State | Should -Be 'Exited'
        $h | Remove-UserNsContainer
        { $h | Stop-UserNsContainer -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContainerNotFound,UserNsContainer.Commands.StopUserNsContainerCommand'
    }
}
