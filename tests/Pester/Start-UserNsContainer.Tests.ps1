BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Start-UserNsContainer' {
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'writes the default map and releases a Created container' {
        $c = New-UserNsContainer -NoStart -Command sleep, 60
        $s = $c | Start-UserNsContainer -PassThru
        $s.State | Should -Be 'Running'
        ((Get-Content "/proc/$($c.Pid)/uid_map" -Raw).Trim() -split '\s+') | Should -Be @('0', (& id -u), '1')
    }

    It 'refuses a container that is not Created' {
        $c = New-UserNsContainer
        $c | Start-UserNsContainer -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ContainerNotCreated,UserNsContainer.Commands.StartUserNsContainerCommand'
    }
}
