BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($script:HasImageTools) {
        $script:Layout = New-TestImageLayout -Path (Join-Path $TestDrive 'image')
        $null = Import-ContainerImage "oci:$($script:Layout):latest" -Name pester/bb:1
    }

    # A build context in the TestDrive with FILES (relative path = content) and a Containerfile.
    function New-Context([string] $Name, [string] $Containerfile, [hashtable] $Files = @{}) {
        $dir = Join-Path $TestDrive $Name
        New-Item -ItemType Directory -Force $dir | Out-Null
        foreach ($f in $Files.Keys) {
            $path = Join-Path $dir $f
            New-Item -ItemType Directory -Force (Split-Path $path) | Out-Null
            Set-Content -Path $path -Value $Files[$f] -NoNewline
        }
        Set-Content -Path (Join-Path $dir 'Containerfile') -Value $Containerfile
        $dir
    }

    # Builds and returns the image and what the build showed (STEP lines, cache hits, RUN output).
    function Invoke-Build([string] $Context, [string] $Name, [hashtable] $Extra = @{}) {
        $shown = [System.Collections.Generic.List[string]]::new()
        $image = Build-ContainerImage -Path $Context -Name $Name @Extra 6>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.InformationRecord]) { $shown.Add("$($_.MessageData)") } else { $_ }
        }
        [pscustomobject]@{ Image = $image; Shown = $shown.ToArray() }
    }
}

Describe 'Build-ContainerImage' -Skip:(-not $script:HasImageTools) {
    AfterEach {
        Get-UserNsContainer | Remove-UserNsContainer -Force
    }

    It 'builds with every supported instruction' {
        $ctx = New-Context 'every' -Files @{ 'sub/a.txt' = 'from-a'; 'sub/ignored.txt' = 'secret'; 'tool.sh' = 'echo tool' } -Containerfile @'
# every instruction the builder takes
ARG BASE=pester/bb:1
FROM ${BASE}
ARG GREETING=hi
ENV MODE=built \
    OTHER="two words"
WORKDIR /app
COPY sub/ ./data/
COPY --chown=7:8 --chmod=750 tool.sh /usr/local/bin/
ADD sub/a.txt /app/added.txt
RUN echo "$GREETING $MODE" > /app/run.txt
RUN ["/bin/sh", "-c", "echo exec-form > /app/exec.txt"]
USER 0:0
LABEL org.example.test=yes other="x y"
EXPOSE 8080 53/udp
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/run.txt /app/exec.txt; echo $OTHER"]
'@
        Set-Content (Join-Path $ctx '.containerignore') 'sub/ignored.txt'
        $b = Invoke-Build $ctx 'pester/every:1' @{ BuildArg = @{ GREETING = 'hello' } }
        $b.Image.Reference | Should -Be 'pester/every:1'
        Invoke-UserNsContainer -Image pester/every:1 | Should -Be @('hello built', 'exec-form', 'two words')
        $out = Invoke-UserNsContainer -Image pester/every:1 -Command sh, -c, 'pwd; ls /app/data; cat /app/added.txt; echo; stat -c %a /usr/local/bin/tool.sh'
        $out | Should -Be @('/app', 'a.txt', 'from-a', '750')
        $b.Shown | Should -Contain 'STEP 9/15: RUN echo "$GREETING $MODE" > /app/run.txt'
        $cfg = $b.Image.Config
        $cfg.WorkingDir | Should -Be '/app'
        $cfg.Env | Should -Contain 'MODE=built'
        $layout = Join-Path (Split-Path (Split-Path $b.Image.RootFsPath)) 'oci'
        $inspect = & skopeo inspect --config "oci:${layout}:image" | ConvertFrom-Json
        $inspect.config.Labels.'org.example.test' | Should -Be 'yes'
        $inspect.config.Labels.other | Should -Be 'x y'
        $inspect.config.ExposedPorts.PSObject.Properties.Name | Sort-Object | Should -Be @('53/udp', '8080/tcp')
        # the layer keeps the owner --chown gave (the store's unpacked copy is all yours)
        $manifest = & skopeo inspect "oci:${layout}:image" | ConvertFrom-Json
        $blob = Join-Path $layout "blobs/sha256/$($manifest.Layers[3].Substring(7))"
        (& tar -tvzf $blob) -join "`n" | Should -Match '7/8 .*usr/local/bin/tool.sh'
    }

    It 'runs no step again from the cache, and reruns only from a changed file on' {
        $ctx = New-Context 'cache' -Files @{ 'one.txt' = '1'; 'two.txt' = '2' } -Containerfile @'
FROM pester/bb:1
COPY one.txt /one.txt
RUN cat /one.txt > /copy-of-one
COPY two.txt /two.txt
RUN cat /two.txt > /copy-of-two
'@
        $first = Invoke-Build $ctx 'pester/cache:1'
        @($first.Shown | Where-Object { $_ -eq '--> Using cache' }).Count | Should -Be 0
        $again = Invoke-Build $ctx 'pester/cache:1'
        @($again.Shown | Where-Object { $_ -eq '--> Using cache' }).Count | Should -Be 4
        $again.Image.Digest | Should -Be $first.Image.Digest
        Set-Content (Join-Path $ctx 'two.txt') '2b' -NoNewline
        $changed = Invoke-Build $ctx 'pester/cache:1'
        $changed.Shown | Should -Be @('STEP 1/5: FROM pester/bb:1', 'STEP 2/5: COPY one.txt /one.txt', '--> Using cache',
            'STEP 3/5: RUN cat /one.txt > /copy-of-one', '--> Using cache', 'STEP 4/5: COPY two.txt /two.txt', 'STEP 5/5: RUN cat /two.txt > /copy-of-two')
        Invoke-UserNsContainer -Image pester/cache:1 -Command cat, /copy-of-two | Should -Be '2b'
        (Invoke-Build $ctx 'pester/cache:1' @{ NoCache = $true }).Shown | Should -Not -Contain '--> Using cache'
        # -BuildCache forgets the step images; the named image stays and runs, and the next build runs every step
        Remove-ContainerImage -BuildCache
        $named = @(Get-ContainerImage | ForEach-Object { $_.Digest.Substring(7) } | Sort-Object -Unique)
        @(Get-ChildItem (Join-Path $env:USERNSCONTAINER_IMAGE_DIR 'images') | ForEach-Object Name | Sort-Object) | Should -Be $named
        Invoke-UserNsContainer -Image pester/cache:1 -Command cat, /copy-of-two | Should -Be '2b'
        (Invoke-Build $ctx 'pester/cache:1').Shown | Should -Not -Contain '--> Using cache'
    }

    It 'shows the output of RUN and stops at a failing one, naming its line' {
        $ctx = New-Context 'fail' -Containerfile @'
FROM pester/bb:1
RUN echo visible-output; echo on-stderr >&2
RUN exit 3
RUN echo never
'@
        $before = @(Get-ContainerImage).Count
        $shown = [System.Collections.Generic.List[string]]::new()
        { Build-ContainerImage -Path $ctx -Name pester/fail -ErrorAction Stop 6>&1 | ForEach-Object { $shown.Add("$($_.MessageData)") } } |
            Should -Throw -ErrorId 'BuildStepFailed,UserNsContainer.Commands.BuildContainerImageCommand'
        $shown | Should -Contain 'visible-output'
        $shown | Should -Contain 'on-stderr'
        $shown | Should -Not -Contain 'STEP 4/4: RUN echo never'
        @(Get-ContainerImage).Count | Should -Be $before
        Get-UserNsContainer | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $env:USERNSCONTAINER_IMAGE_DIR 'tmp')).Count | Should -Be 0
    }

    It 'makes an image FROM scratch with ADD of a tar archive' {
        $root = Join-Path $TestDrive 'scratch-root'
        New-BusyboxRoot -Path $root | Out-Null
        $ctx = New-Context 'scratch' -Containerfile @'
FROM scratch
ADD root.tar.gz /
CMD ["/bin/cat", "/etc/marker"]
'@
        & tar -C $root -czf (Join-Path $ctx 'root.tar.gz') .
        $b = Invoke-Build $ctx 'pester/scratch'
        Invoke-UserNsContainer -Image pester/scratch | Should -Be 'busybox-root'
        $b.Image.Config.Cmd | Should -Be @('/bin/cat', '/etc/marker')
    }

    It 'refuses <Case> before any step runs, naming the line' -ForEach @(
        @{ Case = 'a source that leaves the context with ..'; File = "FROM pester/bb:1`nCOPY ../outside /x"; ErrorId = 'ContainerfileInvalid'; Line = 'line 2' }
        @{ Case = 'an unsupported instruction'; File = "FROM pester/bb:1`nRUN true`nHEALTHCHECK CMD true"; ErrorId = 'ContainerfileInvalid'; Line = 'line 3' }
        @{ Case = 'a multi-stage build'; File = "FROM pester/bb:1 AS one`nRUN true"; ErrorId = 'ContainerfileInvalid'; Line = 'line 1' }
        @{ Case = 'an image that is not in the store'; File = "FROM pester/none:1`nRUN true"; ErrorId = 'ImageNotFound'; Line = 'line 1' }
        @{ Case = 'a file .containerignore leaves out'; File = "FROM pester/bb:1`nCOPY secret.txt /"; ErrorId = 'ContainerfileInvalid'; Line = 'line 2' }
    ) {
        $ctx = New-Context ("refuse-" + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Files @{ 'secret.txt' = 'x' } -Containerfile $File
        Set-Content (Join-Path $ctx '.containerignore') 'secret.txt'
        $before = @(Get-ContainerImage).Count
        $err = $null
        try { Build-ContainerImage -Path $ctx -Name pester/refused -ErrorAction Stop 6>$null } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be "$ErrorId,UserNsContainer.Commands.BuildContainerImageCommand"
        "$err" | Should -Match $Line
        @(Get-ContainerImage).Count | Should -Be $before
        Get-UserNsContainer | Should -BeNullOrEmpty
    }

    It 'refuses a context without a Containerfile, a -Path that is no directory, and a bad EXPOSE' {
        $before = @(Get-ContainerImage).Count
        $empty = Join-Path $TestDrive 'empty-context'
        New-Item -ItemType Directory $empty | Out-Null
        { Build-ContainerImage -Path $empty -Name pester/none -ErrorAction Stop 6>$null } |
            Should -Throw -ErrorId 'ContainerfileNotFound,UserNsContainer.Commands.BuildContainerImageCommand'
        { Build-ContainerImage -Path (Join-Path $TestDrive 'no-such-dir') -Name pester/none -ErrorAction Stop 6>$null } |
            Should -Throw -ErrorId 'BuildContextNotFound,UserNsContainer.Commands.BuildContainerImageCommand'
        $ctx = New-Context 'bad-port' -Containerfile "FROM pester/bb:1`nEXPOSE 99999"
        { Build-ContainerImage -Path $ctx -Name pester/none -ErrorAction Stop 6>$null } |
            Should -Throw -ErrorId 'InvalidExposedPort,UserNsContainer.Commands.BuildContainerImageCommand'
        @(Get-ContainerImage).Count | Should -Be $before
    }

    It 'never follows a link out of the context, and refuses an archive entry that climbs out' {
        $ctx = New-Context 'links' -Containerfile "FROM pester/bb:1`nCOPY escape /x"
        New-Item -ItemType SymbolicLink -Path (Join-Path $ctx 'escape') -Target /etc/passwd | Out-Null
        { Build-ContainerImage -Path $ctx -Name pester/links -ErrorAction Stop 6>$null } | Should -Throw '*symbolic link out of the build context*'
        # a link inside a copied directory is copied as a link, not followed
        $ctx2 = New-Context 'links2' -Containerfile "FROM pester/bb:1`nCOPY dir /dir"
        New-Item -ItemType Directory (Join-Path $ctx2 'dir') | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $ctx2 'dir/host-passwd') -Target /etc/passwd | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $ctx2 'dir/dangling') -Target /nonexistent/at/all | Out-Null
        $i = (Invoke-Build $ctx2 'pester/links2').Image
        Invoke-UserNsContainer -Image pester/links2 -Command readlink, /dir/host-passwd | Should -Be '/etc/passwd'
        Invoke-UserNsContainer -Image pester/links2 -Command readlink, /dir/dangling | Should -Be '/nonexistent/at/all'
        (Get-Item -Force -LiteralPath (Join-Path $i.RootFsPath 'dir/host-passwd')).LinkTarget | Should -Be '/etc/passwd' -Because 'the link is copied, not what it points at'
        # an archive whose entry climbs out with ..
        $ctx3 = New-Context 'climb' -Containerfile "FROM pester/bb:1`nADD evil.tar /"
        $py = "import tarfile,io`nt=tarfile.open('$ctx3/evil.tar','w')`ni=tarfile.TarInfo('../../evil')`ni.size=1`nt.addfile(i,io.BytesIO(b'x'))`nt.close()"
        & python3 -c $py
        { Build-ContainerImage -Path $ctx3 -Name pester/climb -ErrorAction Stop 6>$null } | Should -Throw "*climbs out with '..'*"
    }
}
