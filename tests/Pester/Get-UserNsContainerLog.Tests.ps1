BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-UserNsContainerLog' {
    BeforeEach { $made = [System.Collections.Generic.List[object]]::new() }
    AfterEach { $made | Remove-UserNsContainer -Force }

    It 'returns stdout lines as strings and stderr lines as errors, in order of their stream' {
        $c = New-UserNsContainer -Command sh, -c, 'echo one; echo two >&2; echo three'
        $made.Add($c)
        $null = $c | Wait-UserNsContainer -Timeout 20
        $out = $c | Get-UserNsContainerLog -ErrorVariable err 2>$null
        $out | Should -Be @('one', 'three')
        $err.Count | Should -Be 1
        $err[0].ToString() | Should -Be 'two'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NativeCommandError*'
    }

    It 'shows the last lines with -Tail and the time with -Timestamps' {
        $c = New-UserNsContainer -Command sh, -c, 'for i in 1 2 3 4 5; do echo line$i; done'
        $made.Add($c)
        $null = $c | Wait-UserNsContainer -Timeout 20
        $c | Get-UserNsContainerLog -Tail 2 | Should -Be @('line4', 'line5')
        $stamped = @($c | Get-UserNsContainerLog -Tail 1 -Timestamps)[0]
        $time, $text = $stamped -split ' ', 2
        $text | Should -Be 'line5'
        ([datetime]$time) | Should -BeGreaterThan (Get-Date).AddMinutes(-5)
    }

    It 'keeps only the lines of a time window with -Since and -Until' {
        $c = New-UserNsContainer -Command sh, -c, 'echo early; sleep 1; echo late'
        $made.Add($c)
        $null = $c | Wait-UserNsContainer -Timeout 20
        $late = [datetime](@($c | Get-UserNsContainerLog -Timestamps)[1] -split ' ')[0]
        $c | Get-UserNsContainerLog -Since $late.AddMilliseconds(-1) | Should -Be 'late'
        $c | Get-UserNsContainerLog -Until $late.AddMilliseconds(-500) | Should -Be 'early'
    }

    It 'follows until the container exits, then returns' {
        $c = New-UserNsContainer -Command sh, -c, 'echo first; sleep 1; echo second'
        $made.Add($c)
        $c | Get-UserNsContainerLog -Follow | Should -Be @('first', 'second')
        (Get-UserNsContainer -Id $c.Id).State | Should -Be 'Exited'
    }

    It 'takes names from the pipeline' {
        $c = New-UserNsContainer -Name "pester-log-$PID" -Command echo, by-name
        $made.Add($c)
        $null = $c | Wait-UserNsContainer -Timeout 20
        "pester-log-$PID" | Get-UserNsContainerLog | Should -Be 'by-name'
    }
}
