BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Uid = & id -u
}

Describe 'Get-IdMap' {
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'reads the maps of a running container' {
        $m = New-UserNsContainer | Get-IdMap
        $m.UidMap | ForEach-Object ToString | Should -Be "0:$($script:Uid):1"
    }

    It 'translates a host id to the id inside and back' {
        $c = New-UserNsContainer
        $c | Get-IdMap -HostId $script:Uid | Should -Be 0
        $c | Get-IdMap -ContainerId 0 | Should -Be $script:Uid
    }

    It 'translates an unmapped id to the overflow id' {
        New-UserNsContainer | Get-IdMap -ContainerId 4242 | Should -Be 65534
    }

    It 'reads any process by -ProcessId' {
        (Get-IdMap -ProcessId $PID).UidMap[0].Count | Should -Be 4294967295
    }
}
