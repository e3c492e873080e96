BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Mount-ContainerBind' {
    BeforeAll {
        $script:Src = Join-Path $TestDrive 'src'
        New-Item -ItemType Directory -Path $script:Src | Out-Null
        Set-Content -Path (Join-Path $script:Src 'f') -Value 'from-host'
    }
    AfterEach { Get-UserNsContainer | Remove-UserNsContainer -Force }

    It 'adds a bind to a Created container''s plan' {
        $c = New-UserNsContainer -NoStart | Mount-ContainerBind -Source $script:Src -Target /tmp/planned -PassThru | Start-UserNsContainer -PassThru
        $c | Enter-ContainerNamespace -Command cat, /tmp/planned/f | Should -Be 'from-host'
        $c.Binds.Target | Should -Be '/tmp/planned'
    }

    It 'binds live into a running container, read-only holding against root inside' {
        $c = New-UserNsContainer
        $c | Mount-ContainerBind -Source $script:Src -Target /tmp/live -ReadOnly
        $c | Enter-ContainerNamespace -Command sh, -c, 'cat /tmp/live/f; mount -o remount,rw /tmp/live 2>/dev/null || echo refused; umount /tmp/live 2>/dev/null || echo umount-refused' |
            Should -Be @('from-host', 'refused', 'umount-refused')
    }

    It 'skips an -Optional missing source' {
        $c = New-UserNsContainer
        $c | Mount-ContainerBind -Source /nonexistent/usnc -Target /tmp/x -Optional
        (Get-UserNsContainer -Id $c.Id).Binds | Should -BeNullOrEmpty
    }

    It 'keeps a hostile image''s symlink from redirecting the bind' -Skip:(-not $script:HasBusybox) {
        $image = New-BusyboxRoot -Path (Join-Path $TestDrive 'img')
        $link = New-Item -ItemType SymbolicLink -Path (Join-Path $image 'to-etc') -Target /etc
        try {
            Invoke-UserNsContainer -RootFs $image -Bind "$($script:Src):/to-etc/usnc-pester" -Command cat, /etc/usnc-pester/f | Should -Be 'from-host'
            Test-Path /etc/usnc-pester | Should -BeFalse
        }
        finally {
            # never leave a link to the host's /etc in the TestDrive: Pester's clean-up walks
            # through directory links (an ordinary user then cannot read /etc/munge)
            $link.Delete()
        }
    }
}

Describe 'Mount-ContainerBind -IdMap' {
    It 'shows on-disk owners inside an idmapped bind' -Skip:(-not $script:IsRoot) {
        $d = Join-Path $TestDrive 'idmap'
        New-Item -ItemType Directory -Path $d | Out-Null
        Set-Content -Path (Join-Path $d 'root-file') -Value 'x'
        $c = New-UserNsContainer -NoStart -UidMap 0:100000:65536 -GidMap 0:100000:65536 -Command sleep, 60 |
            Mount-ContainerBind -Source $d -Target /tmp/m -IdMap -PassThru | Start-UserNsContainer -PassThru
        try { $c | Enter-ContainerNamespace -Command stat, -c, '%u', /tmp/m/root-file | Should -Be '0' }
        finally { $c | Remove-UserNsContainer -Force }
    }

    It 'refuses an ordinary user with the reason' -Skip:$script:IsRoot {
        { Invoke-UserNsContainer -Bind @{ Source = $TestDrive; Target = '/tmp/m'; IdMap = $true } -Command /bin/true } |
            Should -Throw -ErrorId 'IdmapNotPermitted,UserNsContainer.Commands.InvokeUserNsContainerCommand'
    }
}
