BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($script:HasImageTools) { $script:Layout = New-TestImageLayout -Path (Join-Path $TestDrive 'image') }
}

Describe 'Import-ContainerImage' -Skip:(-not $script:HasImageTools) {
    It 'imports an OCI layout and returns the image' {
        $i = Import-ContainerImage "oci:$($script:Layout):latest"
        $i.Reference | Should -Be 'layout:latest'
        $i.Id | Should -Match '^[0-9a-f]{12}$'
        $i.Config.Env | Should -Contain 'GREETING=hello'
        Test-Path (Join-Path $i.RootFsPath 'etc/marker') | Should -BeTrue
    }

    It 'imports a docker-archive under the name -Name gives' {
        $tar = Join-Path $TestDrive 'busybox.tar'
        & skopeo copy "oci:$($script:Layout):latest" "docker-archive:$tar"
        (Import-ContainerImage "docker-archive:$tar" -Name tools/busybox:1).Reference | Should -Be 'tools/busybox:1'
    }

    It 'keeps the store private to you' {
        $null = Import-ContainerImage "oci:$($script:Layout):latest"
        (Get-Item $env:USERNSCONTAINER_IMAGE_DIR).UnixMode | Should -Be 'drwx------'
    }

    It 'refuses <Reference> with <ErrorId> and imports nothing' -ForEach @(
        @{ Reference = 'Bad/Name'; Platform = $null; ErrorId = 'InvalidImageReference' }
        @{ Reference = 'oci:/nonexistent/layout:latest'; Platform = $null; ErrorId = 'ImageNotFound' }
        @{ Reference = 'oci:LAYOUT:latest'; Platform = 'linux/s390x'; ErrorId = 'NoImageForPlatform' }
        @{ Reference = 'oci:LAYOUT:latest'; Platform = 'Linux'; ErrorId = 'InvalidPlatform' }
    ) {
        $before = @(Get-ContainerImage).Count
        $ref = $Reference -replace 'LAYOUT', $script:Layout
        $params = @{ Reference = $ref; ErrorAction = 'Stop' }
        if ($Platform) { $params.Platform = $Platform }
        { Import-ContainerImage @params } | Should -Throw -ErrorId "$ErrorId,UserNsContainer.Commands.ImportContainerImageCommand"
        @(Get-ContainerImage).Count | Should -Be $before
    }
}
