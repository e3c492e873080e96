BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($script:HasImageTools) {
        $script:Layout = New-TestImageLayout -Path (Join-Path $TestDrive 'image')
        $script:Base = Import-ContainerImage "oci:$($script:Layout):latest" -Name pester/base:1
        $script:BaseTree = (Get-ChildItem -Recurse -Force $script:Base.RootFsPath | ForEach-Object { "$($_.FullName) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }) -join "`n"
    }

    # A -WriteFake container of the base that ran SCRIPT and now waits.
    function New-Changed([string] $Script) {
        $c = New-UserNsContainer -Image pester/base:1 -WriteFake -Command sh, -c, "$Script; echo ready; exec sleep 600"
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (@($c | Get-UserNsContainerLog 2>$null) -notcontains 'ready' -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 50
        }
        $c
    }
}

Describe 'Save-ContainerImage' -Skip:(-not $script:HasImageTools) {
    AfterEach {
        Get-UserNsContainer | Remove-UserNsContainer -Force
        Get-ContainerImage | Where-Object Reference -ne 'pester/base:1' | Remove-ContainerImage -Force
    }

    It 'saves a file added, one changed and one deleted, and leaves the base as it was' {
        $c = New-Changed 'echo added > /added; echo changed >> /etc/marker; rm /bin/vi'
        $i = $c | Save-ContainerImage -Name pester/saved -Tag 2
        $i.Reference | Should -Be 'pester/saved:2'
        (Get-ContainerImage pester/saved:2).Digest | Should -Be $i.Digest
        $out = Invoke-UserNsContainer -Image pester/saved:2 -- sh -c 'cat /added /etc/marker; test -e /bin/vi && echo vi-still-there; echo end'
        $out | Should -Contain 'added'
        $out | Should -Contain 'changed'
        $out | Should -Not -Contain 'vi-still-there'
        # the empty files the overlay got only to mount /etc/hosts and its kind on are not writes
        foreach ($f in 'hosts', 'passwd', 'group', 'resolv.conf') { Test-Path (Join-Path $i.RootFsPath "etc/$f") | Should -BeFalse }
        $out[-1] | Should -Be 'end'
        $base = Invoke-UserNsContainer -Image pester/base:1 -- sh -c 'test -e /added && echo added-in-base; grep -c changed /etc/marker; test -e /bin/vi && echo vi'
        $base | Should -Be @('0', 'vi')
        ((Get-ChildItem -Recurse -Force $script:Base.RootFsPath | ForEach-Object { "$($_.FullName) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }) -join "`n") | Should -Be $script:BaseTree
    }

    It 'keeps a directory made anew where one of the image was (opaque), links, modes and fifos' {
        $c = New-Changed 'mkdir -p /data/old && echo a > /data/a && echo b > /data/old/b'
        $null = $c | Save-ContainerImage -Name pester/layered
        $c | Remove-UserNsContainer -Force
        $c = New-UserNsContainer -Image pester/layered -WriteFake -Command sh, -c, 'rm -rf /data && mkdir /data && echo only > /data/only; mkdir -p /d; ln -s /etc/shadow /d/link; echo x > /d/f; ln /d/f /d/hard; chmod 4750 /d/f; mkfifo /d/fifo; echo ready; exec sleep 600'
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (@($c | Get-UserNsContainerLog 2>$null) -notcontains 'ready' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $i = $c | Save-ContainerImage -Name pester/opaque
        $out = Invoke-UserNsContainer -Image pester/opaque -- sh -c 'ls /data; readlink /d/link; stat -c "%a %h %F" /d/f /d/fifo'
        $out[0] | Should -Be 'only'
        $out.Count | Should -Be 4
        $out[1] | Should -Be '/etc/shadow'
        $out[2] | Should -Be '4750 2 regular file'
        $out[3] | Should -Match 'fifo'
    }

    It 'applies configuration changes and records the history' {
        $c = New-Changed 'true'
        $i = $c | Save-ContainerImage -Name pester/config -Environment @{ MODE = 'saved' } -Command sh, -c, 'echo $MODE $GREETING' `
            -WorkingDirectory /tmp -Label @{ owner = 'pester' } -ExposedPort 8080, 53/udp -Message 'from the spec'
        Invoke-UserNsContainer -Image pester/config | Should -Be 'saved hello'
        $layout = Join-Path (Split-Path (Split-Path $i.RootFsPath)) 'oci'
        $inspect = & skopeo inspect --config "oci:${layout}:image" | ConvertFrom-Json
        $inspect.config.Labels.owner | Should -Be 'pester'
        $inspect.config.ExposedPorts.PSObject.Properties.Name | Sort-Object | Should -Be @('53/udp', '8080/tcp')
        $inspect.config.WorkingDir | Should -Be '/tmp'
        $inspect.history[-1].comment | Should -Be 'from the spec'
        $inspect.rootfs.diff_ids.Count | Should -Be 2
    }

    It 'makes a layer skopeo copies and verifies by digest' {
        $c = New-Changed 'echo data > /data'
        $i = $c | Save-ContainerImage -Name pester/copy
        $layout = Join-Path (Split-Path (Split-Path $i.RootFsPath)) 'oci'
        $archive = Join-Path $TestDrive 'copy.tar'
        & skopeo copy --quiet "oci:${layout}:image" "oci-archive:${archive}:copy"
        $LASTEXITCODE | Should -Be 0
        $again = Import-ContainerImage "oci-archive:${archive}" -Name pester/again
        $again.Digest | Should -Be $i.Digest
        Invoke-UserNsContainer -Image pester/again -- cat /data | Should -Be 'data'
    }

    It 'saves names a tar header cannot hold and a hostile tree without following it' {
        $long = 'x' * 200
        $c = New-Changed "mkdir -p /h/$long && echo deep > /h/$long/f; touch '/h/new
line'; ln -s /proc/self/root /h/proc; ln -s ../../../../../../etc /h/up"
        $i = $c | Save-ContainerImage -Name pester/hostile
        $out = Invoke-UserNsContainer -Image pester/hostile -- sh -c "cat /h/$long/f; ls /h | wc -l; readlink /h/proc; readlink /h/up"
        $out | Should -Be @('deep', '4', '/proc/self/root', '../../../../../../etc')
    }

    It 'refuses <Case> with <ErrorId> and makes no image' -ForEach @(
        @{ Case = 'a container without -WriteFake'; ErrorId = 'CommitNeedsWriteFake'; Make = { New-UserNsContainer -Image pester/base:1 -Command sleep, 600 }; Name = 'pester/no' }
        @{ Case = 'a container that has exited'; ErrorId = 'ContainerNotRunning'; Make = { $x = New-UserNsContainer -Image pester/base:1 -WriteFake -Command true; $null = $x | Wait-UserNsContainer; $x }; Name = 'pester/no' }
        @{ Case = 'a directory root'; ErrorId = 'CommitNeedsImage'; Make = { New-UserNsContainer -RootFs $script:Base.RootFsPath -WriteFake -Command sleep, 600 }; Name = 'pester/no' }
        @{ Case = 'a bad name'; ErrorId = 'InvalidImageName'; Make = { New-Changed 'true' }; Name = 'Bad Name' }
    ) {
        $c = & $Make
        $before = @(Get-ContainerImage).Count
        { $c | Save-ContainerImage -Name $Name -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,UserNsContainer.Commands.SaveContainerImageCommand"
        @(Get-ContainerImage).Count | Should -Be $before
        @(Get-ChildItem (Join-Path $env:USERNSCONTAINER_IMAGE_DIR 'tmp')).Count | Should -Be 0
    }

    It 'refuses a sparse file bigger than the overlay holds, instead of writing its holes out' {
        $c = New-UserNsContainer -Image pester/base:1 -WriteFake -WriteFakeSize 16MB -Command sh, -c, 'truncate -s 1G /holes; echo ready; exec sleep 600'
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (@($c | Get-UserNsContainerLog 2>$null) -notcontains 'ready' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $before = @(Get-ContainerImage).Count
        { $c | Save-ContainerImage -Name pester/sparse -ErrorAction Stop } | Should -Throw -ErrorId 'ImageCommitFailed,UserNsContainer.Commands.SaveContainerImageCommand' -ExpectedMessage '*sparse*'
        @(Get-ContainerImage).Count | Should -Be $before
        @(Get-ChildItem (Join-Path $env:USERNSCONTAINER_IMAGE_DIR 'tmp')).Count | Should -Be 0
    }

    It 'honours -WhatIf' {
        $c = New-Changed 'true'
        $c | Save-ContainerImage -Name pester/whatif -WhatIf
        Get-ContainerImage pester/whatif -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
