BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Wait-UserNsContainer' {
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'returns the handle with the exit code' {
        $w = New-UserNsContainer -Command sh, -c, 'exit 4' | Wait-UserNsContainer -Timeout 20
        $w.State | Should -Be 'Exited'
        $w.ExitCode | Should -Be 4
    }

    It 'writes WaitTimeout when the container outlives -Timeout' {
        $c = New-UserNsContainer -Command sleep, 60
        $c | Wait-UserNsContainer -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'WaitTimeout,UserNsContainer.Commands.WaitUserNsContainerCommand'
    }
}
