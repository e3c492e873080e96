BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($script:HasImageTools) {
        $script:Layout = New-TestImageLayout -Path (Join-Path $TestDrive 'image')
        $script:Image = Import-ContainerImage "oci:$($script:Layout):latest" -Name pester/exported:1.2
    }
}

# Registries: ImageExportTests pushes to a real docker-registry on 127.0.0.1, with and without a password.
Describe 'Export-ContainerImage' -Skip:(-not $script:HasImageTools) {
    It 'writes a docker-archive and an oci-archive that import again under the same name and digest' {
        $docker = Join-Path $TestDrive 'img-docker.tar'
        $oci = Join-Path $TestDrive 'img-oci.tar'
        Export-ContainerImage pester/exported:1.2 "docker-archive:$docker"
        $script:Image | Export-ContainerImage -Destination "oci-archive:$oci"
        Remove-ContainerImage pester/exported:1.2
        (Import-ContainerImage "docker-archive:$docker").Reference | Should -Be 'pester/exported:1.2'
        $back = Import-ContainerImage "oci-archive:$oci" -Name pester/exported:1.2
        $back.Digest | Should -Be $script:Image.Digest
        Invoke-UserNsContainer -Image pester/exported:1.2 -Command cat, /etc/marker | Should -Be 'busybox-root'
    }

    It 'writes an OCI layout directory, and -PassThru returns the image' {
        $dir = Join-Path $TestDrive 'layout-out'
        $i = Export-ContainerImage pester/exported:1.2 "oci:$dir" -PassThru
        $i.Reference | Should -Be 'pester/exported:1.2'
        Test-Path (Join-Path $dir 'index.json') | Should -BeTrue
        (Get-Content (Join-Path $dir 'index.json') -Raw | ConvertFrom-Json).manifests[0].annotations.'org.opencontainers.image.ref.name' | Should -Be '1.2'
    }

    It 'refuses <Case> with <ErrorId> and writes nothing' -ForEach @(
        @{ Case = 'an image that is not in the store'; Name = 'pester/none:1'; Destination = 'oci-archive:DRIVE/none.tar'; ErrorId = 'ImageNotFound' }
        @{ Case = 'a destination skopeo cannot read'; Name = 'pester/exported:1.2'; Destination = 'Bad Destination'; ErrorId = 'InvalidImageReference' }
        @{ Case = 'a file in a missing directory'; Name = 'pester/exported:1.2'; Destination = 'oci-archive:DRIVE/missing/x.tar'; ErrorId = 'ExportDestinationNotFound' }
    ) {
        $before = @(Get-ChildItem $TestDrive).Count
        { Export-ContainerImage $Name ($Destination -replace 'DRIVE', $TestDrive) -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,UserNsContainer.Commands.ExportContainerImageCommand"
        @(Get-ChildItem $TestDrive).Count | Should -Be $before
        @(Get-ChildItem (Join-Path $env:USERNSCONTAINER_IMAGE_DIR 'tmp')).Count | Should -Be 0
    }

    It 'honours -WhatIf' {
        $file = Join-Path $TestDrive 'whatif.tar'
        Export-ContainerImage pester/exported:1.2 "oci-archive:$file" -WhatIf
        Test-Path $file | Should -BeFalse
    }
}
