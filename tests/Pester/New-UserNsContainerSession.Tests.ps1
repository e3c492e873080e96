BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # A busybox root with the C, C++ and OpenSSL libraries the .NET runtime and PSRP need
    # (copied from the host, no ICU): a minimal root where pwsh runs from the read-only binds.
    function New-GlibcRoot {
        param([Parameter(Mandatory)] [string] $Path, [switch] $NoOpenSsl)
        New-BusyboxRoot -Path $Path | Out-Null
        $loader = (Get-Item /lib64/ld-linux-x86-64.so.2 -ErrorAction SilentlyContinue) ?? (Get-Item /lib/ld-linux-aarch64.so.1)
        $libDir = Split-Path (& /bin/sh -c "readlink -f $($loader.FullName)")
        $inside = Join-Path $Path ($libDir.TrimStart('/'))
        New-Item -ItemType Directory -Path $inside -Force | Out-Null
        $ssl = if ($NoOpenSsl) { @() } else { 'libssl.so.3', 'libcrypto.so.3' }
        foreach ($lib in @('libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1') + $ssl + (Split-Path -Leaf (& /bin/sh -c "readlink -f $($loader.FullName)"))) {
            Copy-Item -Path (& /bin/sh -c "readlink -f $libDir/$lib") -Destination (Join-Path $inside $lib)
        }
        New-Item -ItemType Directory -Path (Join-Path $Path (Split-Path $loader.FullName).TrimStart('/')) -Force | Out-Null
        $link = Join-Path $Path $loader.FullName.TrimStart('/')
        if (-not (Test-Path $link)) { New-Item -ItemType SymbolicLink -Path $link -Target (Join-Path $libDir (Split-Path -Leaf (& /bin/sh -c "readlink -f $($loader.FullName)"))) | Out-Null }
        $Path
    }
}

Describe 'New-UserNsContainerSession' {
    BeforeEach { $sessions = [System.Collections.Generic.List[object]]::new() }
    AfterEach {
        $sessions | Remove-PSSession
        Get-UserNsContainer | Remove-UserNsContainer -Force
    }

    It 'gives typed objects back from a pwsh that runs inside its own container' {
        $s = New-UserNsContainerSession -Name "pester-sess-$PID"
        $sessions.Add($s)
        $s.State | Should -Be 'Opened'
        $s.ComputerName | Should -Be "pester-sess-$PID"
        $s.Transport | Should -Be 'UserNsContainer'
        (Get-PSSession -Id $s.Id).Name | Should -Be "pester-sess-$PID"

        $inside = Invoke-Command -Session $s { [pscustomobject]@{ Pid = $PID; UidMap = (Get-Content /proc/self/uid_map) -join ';'; Process = Get-Process -Id $PID } }
        $inside.Pid | Should -Not -Be $PID
        $inside.UidMap | Should -Not -Be ((Get-Content /proc/self/uid_map) -join ';')
        $inside.Process.PSObject.TypeNames[0] | Should -Be 'Deserialized.System.Diagnostics.Process'
        $inside.Process.Id | Should -Be $inside.Pid
        $inside.PSComputerName | Should -Be "pester-sess-$PID"

        Invoke-Command -Session $s { Write-Error 'inside' -ErrorId Inside } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0] | Should -BeOfType System.Management.Automation.ErrorRecord
        $err[0].FullyQualifiedErrorId | Should -BeLike 'Inside*'
        { Invoke-Command -Session $s { throw 'thrown inside' } -ErrorAction Stop } | Should -Throw 'thrown inside'
    }

    It 'copies files in and out, byte for byte' {
        $s = New-UserNsContainerSession
        $sessions.Add($s)
        $file = Join-Path $TestDrive 'payload.bin'
        $bytes = [byte[]]::new(3MB); [System.Random]::new(7).NextBytes($bytes); [System.IO.File]::WriteAllBytes($file, $bytes)
        Copy-Item -Path $file -Destination /tmp/payload.bin -ToSession $s
        Invoke-Command -Session $s { (Get-FileHash /tmp/payload.bin).Hash } | Should -Be (Get-FileHash $file).Hash
        Test-Path /tmp/payload.bin | Should -BeFalse -Because 'the container has a /tmp of its own'
        $back = Join-Path $TestDrive 'back.bin'
        Copy-Item -Path /tmp/payload.bin -Destination $back -FromSession $s
        (Get-FileHash $back).Hash | Should -Be (Get-FileHash $file).Hash
    }

    It 'imports a module from inside (implicit remoting)' {
        $s = New-UserNsContainerSession
        $sessions.Add($s)
        Invoke-Command -Session $s {
            New-Item -ItemType Directory /tmp/InsideTools -Force | Out-Null
            Set-Content /tmp/InsideTools/InsideTools.psm1 'function Get-InsideHostname { [System.Net.Dns]::GetHostName() }'
        }
        $module = Import-Module -PSSession $s -Name /tmp/InsideTools/InsideTools.psm1 -PassThru
        try {
            Get-InsideHostname | Should -Be (Invoke-Command -Session $s { [System.Net.Dns]::GetHostName() })
            (Get-Command Get-InsideHostname).Module.Name | Should -Be $module.Name
        } finally { Remove-Module $module }
    }

    It 'opens on a running container, binds pwsh live, and breaks when the container stops' {
        $c = New-UserNsContainer -Name "pester-host-$PID" -Hostname boxed
        $s = $c | New-UserNsContainerSession
        $sessions.Add($s)
        Invoke-Command -Session $s { [System.Net.Dns]::GetHostName() } | Should -Be 'boxed'
        (Get-UserNsContainer -Id $c.Id).Binds.Target | Should -Contain '/run/usnc-pwsh/home'
        $c | Stop-UserNsContainer -Timeout 5
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ($s.State -eq 'Opened' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $s.State | Should -Be 'Broken'
        $s.Runspace.RunspaceStateInfo.Reason.Message | Should -BeLike "*container 'pester-host-$PID' exited*"
    }

    It 'leaves nothing once Remove-PSSession returns' {
        $s = New-UserNsContainerSession -Name "pester-gone-$PID"
        $server = Invoke-Command -Session $s { $PID }
        $c = Get-UserNsContainer -Name "pester-gone-$PID"
        $c.Command[1] | Should -Be '/run/usnc-pwsh/home/pwsh.dll' -Because 'the session''s container runs the server as its command'
        $hostPid = $c.Pid
        Remove-PSSession $s
        $s.State | Should -Be 'Closed'
        @(Get-UserNsContainer) | Where-Object Id -eq $c.Id | Should -BeNullOrEmpty
        Test-Path "/proc/$hostPid" | Should -BeFalse
        Get-NewHelperProcess | Should -BeNullOrEmpty
        @(Get-ChildItem $env:USERNSCONTAINER_STATE_DIR -Filter "$($c.Id)*") | Should -BeNullOrEmpty
    }

    It 'runs the server under the container''s seccomp filter and limits' {
        $s = New-UserNsContainerSession -Limit @{ OpenFiles = 900 }
        $sessions.Add($s)
        $status = Invoke-Command -Session $s { Get-Content /proc/self/status }
        ($status | Where-Object { $_ -like 'Seccomp:*' }) | Should -Match 'Seccomp:\s+2'
        ($status | Where-Object { $_ -like 'NoNewPrivs:*' }) | Should -Match 'NoNewPrivs:\s+1'
        $files = Invoke-Command -Session $s { Get-Content /proc/self/limits } | Where-Object { $_ -like 'Max open files*' }
        ($files -split '\s+')[3, 4] | Should -Be @('900', '900')
    }

    It 'breaks the session, instead of filling memory, when the container floods the server''s stdout' {
        $s = New-UserNsContainerSession
        $sessions.Add($s)
        # code inside the container writes on the server's own stdout: a line without end
        { Invoke-Command -Session $s { $o = [Console]::OpenStandardOutput(); $b = [byte[]]::new(9MB); [Array]::Fill($b, [byte]120); $o.Write($b, 0, $b.Length); $o.Flush(); Start-Sleep 30 } -ErrorAction Stop } |
            Should -Throw
        $s.State | Should -Be 'Broken'
        $s.Runspace.RunspaceStateInfo.Reason.Message | Should -BeLike '*longer than 8 MiB*'
    }

    It 'opens eight sessions at once from the pipeline and runs them in parallel' {
        $containers = 1..8 | ForEach-Object { New-UserNsContainer }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $containers | New-UserNsContainerSession | ForEach-Object { $sessions.Add($_) }
        Write-Host "eight sessions opened in $($clock.ElapsedMilliseconds) ms"
        $sessions.Count | Should -Be 8
        $pids = Invoke-Command -Session $sessions -ThrottleLimit 8 { Start-Sleep -Milliseconds 200; "$PID@$(Get-Content /proc/sys/kernel/hostname)" }
        $pids.Count | Should -Be 8
        @($pids.PSComputerName | Sort-Object -Unique).Count | Should -Be 8
    }

    It 'runs pwsh from binds in a root of its own' {
        $root = New-GlibcRoot -Path (Join-Path $TestDrive 'glibc-root')
        $s = New-UserNsContainerSession -RootFs $root
        $sessions.Add($s)
        Invoke-Command -Session $s { Get-Content /etc/marker; $PSVersionTable.PSVersion.ToString() } | Should -Be @('busybox-root', $PSVersionTable.PSVersion.ToString())
    }

    It 'says why a server that cannot start did not open, and leaves nothing' {
        $root = New-GlibcRoot -Path (Join-Path $TestDrive 'no-ssl-root') -NoOpenSsl
        { New-UserNsContainerSession -RootFs $root } | Should -Throw -ErrorId 'SessionOpenFailed,UserNsContainer.Commands.NewUserNsContainerSessionCommand' -ExpectedMessage '*OpenSSL*'
        @(Get-UserNsContainer).Count | Should -Be 0
        Get-NewHelperProcess | Should -BeNullOrEmpty
    }

    It 'names what a root without glibc lacks' {
        $root = New-BusyboxRoot -Path (Join-Path $TestDrive 'busybox-root')
        { New-UserNsContainerSession -RootFs $root } | Should -Throw -ErrorId 'SessionRuntimeMissing,UserNsContainer.Commands.NewUserNsContainerSessionCommand'
        @(Get-UserNsContainer).Count | Should -Be 0
    }

    It 'refuses a command and parameters that do not apply, before making anything' {
        { New-UserNsContainerSession -Command ls } | Should -Throw -ErrorId 'SessionCommandNotAccepted,UserNsContainer.Commands.NewUserNsContainerSessionCommand'
        $c = New-UserNsContainer
        { $c | New-UserNsContainerSession -Hostname other } | Should -Throw -ErrorId 'SessionParameterNotApplicable,UserNsContainer.Commands.NewUserNsContainerSessionCommand'
        @(Get-UserNsContainer).Count | Should -Be 1
    }
}
