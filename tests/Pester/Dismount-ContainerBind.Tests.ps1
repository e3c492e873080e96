BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Dismount-ContainerBind' {
    BeforeAll {
        $script:Src = Join-Path $TestDrive 'src'
        New-Item -ItemType Directory -Path $script:Src | Out-Null
        Set-Content -Path (Join-Path $script:Src 'f') -Value 'x'
    }
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'detaches a live bind' {
        $c = New-UserNsContainer
        $c | Mount-ContainerBind -Source $script:Src -Target /tmp/live
        $c | Dismount-ContainerBind -Target /tmp/live
        $c | Enter-ContainerNamespace -Command sh, -c, 'test -e /tmp/live/f || echo gone' | Should -Be 'gone'
    }

    It 'drops a bind from a Created container''s plan' {
        $c = New-UserNsContainer -NoStart | Mount-ContainerBind -Source $script:Src -Target /tmp/p -PassThru
        $c | Dismount-ContainerBind -Target /tmp/p -PassThru | ForEach-Object { $_.Binds } | Should -BeNullOrEmpty
    }

    It 'refuses a bind mounted at start' {
        $c = New-UserNsContainer -Bind "$($script:Src):/tmp/fixed"
        { $c | Dismount-ContainerBind -Target /tmp/fixed -ErrorAction Stop } |
            Should -Throw -ErrorId 'BindLocked,UserNsContainer.Commands.DismountContainerBindCommand'
    }
}
