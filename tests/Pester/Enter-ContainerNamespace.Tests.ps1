BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Enter-ContainerNamespace' {
    BeforeAll {
        $script:C = New-UserNsContainer -Name pester-enter -Hostname pester-enter -Command sh, -c, 'echo mark > /tmp/mark; exec sleep 300'
        Start-Sleep -Milliseconds 300
    }
    AfterAll { $script:C | Remove-UserNsContainer -Force }

    It 'sees the container''s host name, files and pid namespace' {
        $out = $script:C | Enter-ContainerNamespace -Command sh, -c, 'hostname; cat /tmp/mark; cat /proc/1/comm; id -u'
        $out | Should -Be @('pester-enter', 'mark', 'usnc-helper', '0')
    }

    It 'starts from the container''s environment and working directory, as docker exec does' {
        $c = New-UserNsContainer -WorkingDirectory /tmp -Environment @{ FROM = 'container' }
        try {
            $c | Enter-ContainerNamespace -Command sh, -c, 'echo $FROM; pwd' | Should -Be @('container', '/tmp')
            $c | Enter-ContainerNamespace -Environment @{ FROM = 'enter' } -Command sh, -c, 'echo $FROM' | Should -Be 'enter'
        }
        finally { $c | Remove-UserNsContainer -Force }
    }

    It 'sets $LASTEXITCODE and returns a result with -PassThru' {
        $r = $script:C | Enter-ContainerNamespace -PassThru -Command sh, -c, 'exit 4'
        $LASTEXITCODE | Should -Be 4
        $r.ExitCode | Should -Be 4
        $r.Joined | Should -Contain 'mnt'
    }

    It 'runs the entered process under the default seccomp filter unless -Seccomp Unconfined' {
        $script:C | Enter-ContainerNamespace -Command grep, '^Seccomp:', /proc/self/status | Should -Match 'Seccomp:\s+2'
        $script:C | Enter-ContainerNamespace -Seccomp Unconfined -Command grep, '^Seccomp:', /proc/self/status | Should -Match 'Seccomp:\s+0'
    }

    It 'joins only the namespaces asked for' {
        $hostUts = (Get-Item /proc/self/ns/uts).Target
        $script:C | Enter-ContainerNamespace -Namespace user, pid, mnt -Command readlink, /proc/self/ns/uts | Should -Be $hostUts
    }

    It 'refuses a program the container lacks' {
        { $script:C | Enter-ContainerNamespace -Command no-such-tool -ErrorAction Stop } |
            Should -Throw -ErrorId 'CommandNotFound,UserNsContainer.Commands.EnterContainerNamespaceCommand'
    }

    It 'refuses another user''s process with the reason' -Skip:$script:IsRoot {
        { Enter-ContainerNamespace -ProcessId 1 -Command /bin/true -ErrorAction Stop } |
            Should -Throw -ErrorId 'NamespaceAccessDenied,UserNsContainer.Commands.EnterContainerNamespaceCommand'
    }
}
