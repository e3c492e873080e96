BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Get-UserNsContainer' {
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'finds a container created by another pwsh process' {
        $manifest = $script:ModuleManifest
        $id = pwsh -NoProfile -Command "Import-Module '$manifest'; (New-UserNsContainer -Name pester-other -Command sleep, 60).Id"
        $c = Get-UserNsContainer -Name pester-other
        $c.Id | Should -Be $id
        $c.State | Should -Be 'Running'
    }

    It 'filters by wildcard name and by Id' {
        $a = New-UserNsContainer -Name pester-a
        New-UserNsContainer -Name other-b | Out-Null
        (Get-UserNsContainer -Name pester-*).Name | Should -Be 'pester-a'
        (Get-UserNsContainer -Id $a.Id).Name | Should -Be 'pester-a'
    }

    It 'writes ObjectNotFound for an unknown name' {
        Get-UserNsContainer -Name no-such -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'ContainerNotFound,UserNsContainer.Commands.GetUserNsContainerCommand'
    }
}
