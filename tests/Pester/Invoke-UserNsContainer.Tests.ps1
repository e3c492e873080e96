BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Invoke-UserNsContainer' {
    AfterEach {
        Get-NewHelperProcess | Should -BeNullOrEmpty
        Get-UserNsContainer | Should -BeNullOrEmpty
    }

    It 'maps the caller to root inside' {
        $out = Invoke-UserNsContainer -Command sh, -c, 'id -u; cat /proc/self/uid_map'
        $out[0] | Should -Be '0'
        ($out[1] -split '\s+' | Where-Object { $_ })[1] | Should -Be (& id -u)
        $LASTEXITCODE | Should -Be 0
    }

    It 'runs the init as PID 1 of a new pid namespace' {
        Invoke-UserNsContainer -Command cat, /proc/1/comm | Should -Be 'usnc-helper'
    }

    It 'runs the main process under the default seccomp filter, or none with -Seccomp Unconfined' {
        Invoke-UserNsContainer -Command grep, '^Seccomp:', /proc/self/status | Should -Match 'Seccomp:\s+2'
        Invoke-UserNsContainer -Seccomp Unconfined -Command grep, '^Seccomp:', /proc/self/status | Should -Match 'Seccomp:\s+0'
    }

    It 'leaves /proc/sys read-only and /proc/keys masked' {
        Invoke-UserNsContainer -Command sh, -c, '(cat /proc/sys/kernel/hostname > /proc/sys/kernel/hostname) 2>/dev/null || echo refused; wc -c < /proc/keys' |
            Should -Be @('refused', '0')
    }

    It 'sets the host name' {
        Invoke-UserNsContainer -Hostname pester-box -Command hostname | Should -Be 'pester-box'
    }

    It 'keeps the default root read-only and /tmp writable' {
        Invoke-UserNsContainer -Command sh, -c, 'touch /usr/x 2>/dev/null || echo ro; echo ok > /tmp/f && cat /tmp/f' |
            Should -Be @('ro', 'ok')
    }

    It 'starts with a clean environment' {
        $env:USNC_PESTER_LEAK = 'leak'
        try {
            $names = Invoke-UserNsContainer -Environment @{ A = 1 } -Command /usr/bin/env | ForEach-Object { ($_ -split '=')[0] }
            $names | Sort-Object | Should -Be @('A', 'HOME', 'PATH', 'TERM')
        }
        finally { Remove-Item Env:USNC_PESTER_LEAK }
    }

    It 'reports exit code <Code> in $LASTEXITCODE and on the handle' -ForEach @(
        @{ Script = 'exit 0'; Code = 0 }
        @{ Script = 'exit 9'; Code = 9 }
        @{ Script = 'kill -KILL $$'; Code = 137 }
    ) {
        $h = Invoke-UserNsContainer -PassThru -Command sh, -c, $Script
        $LASTEXITCODE | Should -Be $Code
        $h.ExitCode | Should -Be $Code
        $h.State | Should -Be 'Exited'
    }

    It 'lets 2>&1 capture stderr without failing the command' {
        $ErrorActionPreference = 'Stop'
        $all = Invoke-UserNsContainer -Command sh, -c, 'echo out; echo err >&2' 2>&1
        $? | Should -BeTrue
        $all | Where-Object { $_ -is [string] } | Should -Be 'out'
        ($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }).ToString() | Should -Be 'err'
    }

    It 'runs a busybox root file system' -Skip:(-not $script:HasBusybox) {
        $root = New-BusyboxRoot -Path (Join-Path $TestDrive 'bb')
        Invoke-UserNsContainer -RootFs $root -Command cat, /etc/marker | Should -Be 'busybox-root'
    }

    It 'binds to targets the image lacks without writing into it' -Skip:(-not $script:HasBusybox) {
        $root = New-BusyboxRoot -Path (Join-Path $TestDrive 'untouched')
        $before = Get-ChildItem -Recurse -Force $root | ForEach-Object { "$($_.FullName) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }
        Invoke-UserNsContainer -RootFs $root -Bind "$($TestDrive):/srv/data:ro" -WorkingDirectory /srv/data -Command sh, -c, 'test -d /srv/data && pwd' |
            Should -Be '/srv/data'
        $after = Get-ChildItem -Recurse -Force $root | ForEach-Object { "$($_.FullName) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }
        $after | Should -Be $before
        Test-Path (Join-Path $root 'srv') | Should -BeFalse
    }

    It 'shares the namespaces left out of -Namespace' {
        $hostNet = (Get-Item /proc/self/ns/net).Target
        Invoke-UserNsContainer -Namespace user, mnt -Command readlink, /proc/self/ns/net | Should -Be $hostNet
    }

    It 'refuses <Case> with ErrorId <ErrorId>' -ForEach @(
        @{ Case = 'a missing root'; Arguments = @{ RootFs = '/nonexistent/usnc'; Command = '/bin/true' }; ErrorId = 'RootFsNotFound' }
        @{ Case = 'a file as root'; Arguments = @{ RootFs = '/etc/hostname'; Command = '/bin/true' }; ErrorId = 'RootFsNotDirectory' }
        @{ Case = 'an unknown namespace'; Arguments = @{ Namespace = 'time'; Command = '/bin/true' }; ErrorId = 'InvalidNamespace' }
        @{ Case = 'a relative working directory'; Arguments = @{ WorkingDirectory = 'tmp'; Command = '/bin/true' }; ErrorId = 'InvalidWorkingDirectory' }
        @{ Case = 'an empty command'; Arguments = @{ Command = @() }; ErrorId = 'EmptyCommand' }
        @{ Case = 'a missing program'; Arguments = @{ Command = 'no-such-program-usnc' }; ErrorId = 'CommandNotFound' }
    ) {
        { Invoke-UserNsContainer @Arguments } |
            Should -Throw -ErrorId "$ErrorId,UserNsContainer.Commands.InvokeUserNsContainerCommand"
    }
}

Describe 'Invoke-UserNsContainer -FakeRoot' {
    AfterEach {
        Get-UserNsContainer | Remove-UserNsContainer -Force
    }

    BeforeAll {
        $script:Probe = 'touch /tmp/f; chown 42:42 /tmp/f; echo "chown $? $(stat -c %u:%g /tmp/f)"; mknod /tmp/d c 1 3; echo "mknod $? $(test -e /tmp/d && echo made || echo none)"; mkfifo /tmp/p; echo "fifo $? $(test -p /tmp/p && echo made)"'
    }

    It 'refuses owner changes with one id, and without -FakeRoot says so' {
        $out = Invoke-UserNsContainer -- sh -c $script:Probe 2>$null
        $out[0] | Should -Be 'chown 1 0:0'
        $out[1] | Should -Be 'mknod 1 none'
        $out[2] | Should -Be 'fifo 0 made'
    }

    It 'answers success for chown and device mknod, and changes nothing' {
        $out = Invoke-UserNsContainer -FakeRoot -- sh -c $script:Probe
        $out | Should -Be @('chown 0 0:0', 'mknod 0 none', 'fifo 0 made')
    }

    It 'lets a program drop to another uid and stay root, and keeps the default filter' {
        # perl is Essential in Debian: $( and $) call setgid/setgroups, $< and $> setresuid
        $out = Invoke-UserNsContainer -FakeRoot -- perl -e '$) = "42 42"; $( = 42; $> = 42; $< = 42; print "$< $> ", ($! + 0), "\n"; print syscall(250, 0, 0, 0, 0) == -1 ? "keyctl refused\n" : "keyctl ran\n"'
        $out | Should -Be @('0 0 0', 'keyctl refused')
    }

    It 'reaches processes entered into the container too' {
        $c = New-UserNsContainer -FakeRoot -Command sleep, 600
        $c.FakeRoot | Should -BeTrue
        $c | Enter-ContainerNamespace -Command sh, -c, 'touch /tmp/e; chown 7 /tmp/e; echo $?' | Should -Be '0'
    }
}

Describe 'Invoke-UserNsContainer id maps' {
    BeforeAll {
        $script:Uid = & id -u
        $script:SubStart = (Get-Content /etc/subuid -ErrorAction SilentlyContinue | Where-Object { $_ -match "^($(& id -un)|$script:Uid):" } | Select-Object -First 1) -split ':' | Select-Object -Index 1
    }

    It 'maps container ids 0..n-1 with -HostIdCount' {
        $expected = if ($script:IsRoot) { @('0 0 10') } else { @("0 $script:Uid 1", "1 $script:SubStart 9") }
        Invoke-UserNsContainer -HostIdCount 10 -Command cat, /proc/self/uid_map | ForEach-Object { ($_.Trim() -split '\s+') -join ' ' } |
            Should -Be $expected
    }

    It 'runs the main process as -User' -Skip:(-not $script:IsRoot -and -not $script:SubStart) {
        $mapArgs = if ($script:IsRoot) { @{ UidMap = '0:100000:65536'; GidMap = '0:100000:65536' } } else { @{ IdMap = 'Auto' } }
        Invoke-UserNsContainer @mapArgs -User 1000 -Command sh, -c, 'id -u; id -un' | Should -Be @('1000', 'user1000')
    }

    It 'refuses an unmapped -User' {
        { Invoke-UserNsContainer -User 1000 -Command /bin/true } |
            Should -Throw -ErrorId 'UserNotMapped,UserNsContainer.Commands.InvokeUserNsContainerCommand'
    }
}

Describe 'Invoke-UserNsContainer -JoinTag' {
    It 'puts peers with one tag in one container and removes it after the last' {
        $manifest = $script:ModuleManifest
        $jobs = 1..3 | ForEach-Object {
            Start-Job { param($m) Import-Module $m; Invoke-UserNsContainer -JoinTag pester-join -JoinCount 3 -Command readlink, /proc/self/ns/mnt } -ArgumentList $manifest
        }
        $inodes = $jobs | Wait-Job | Receive-Job
        @($inodes | Select-Object -Unique).Count | Should -Be 1
        Get-UserNsContainer | Should -BeNullOrEmpty
    }

    It 'fails a lone peer after -JoinTimeout' {
        { Invoke-UserNsContainer -JoinTag pester-lonely -JoinCount 2 -JoinTimeout 1 -Command /bin/true } |
            Should -Throw -ErrorId 'JoinTimeout,UserNsContainer.Commands.InvokeUserNsContainerCommand'
    }
}

Describe 'Invoke-UserNsContainer -Join' {
    BeforeAll { $script:SlurmVars = 'SLURM_JOB_ID', 'SLURM_STEP_ID', 'SLURMD_NODENAME', 'SLURM_STEP_TASKS_PER_NODE', 'SLURM_NODEID' }
    AfterEach { foreach ($n in $script:SlurmVars) { Remove-Item "env:$n" -ErrorAction Ignore } }

    It 'takes the group from the environment srun sets and says which variables decided' {
        $env:SLURM_JOB_ID = '77'; $env:SLURM_STEP_ID = '2'; $env:SLURMD_NODENAME = 'cn1'
        $env:SLURM_STEP_TASKS_PER_NODE = '3,1'; $env:SLURM_NODEID = '1'
        $out = Invoke-UserNsContainer -Join -Command hostname -Verbose 4>&1 | ForEach-Object { "$_" }
        $out | Should -Contain 'join-77.2.cn1'
        $out | Should -Contain "Join group '77.2.cn1' (from SLURM_JOB_ID, SLURM_STEP_ID, SLURMD_NODENAME) of 1 peers (from SLURM_STEP_TASKS_PER_NODE=3,1 at SLURM_NODEID=1)."
    }

    It 'refuses -Join outside a scheduler before anything is created' {
        { Invoke-UserNsContainer -Join -Command /bin/true } |
            Should -Throw -ErrorId 'JoinOutsideScheduler,UserNsContainer.Commands.InvokeUserNsContainerCommand'
    }
}
