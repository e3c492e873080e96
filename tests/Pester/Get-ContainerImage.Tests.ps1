BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($script:HasImageTools) {
        $layout = New-TestImageLayout -Path (Join-Path $TestDrive 'image')
        $null = Import-ContainerImage "oci:${layout}:latest" -Name pester/one:a
        $null = Import-ContainerImage "oci:${layout}:latest" -Name pester/two:b
    }
}

Describe 'Get-ContainerImage' -Skip:(-not $script:HasImageTools) {
    It 'lists every image you imported' {
        (Get-ContainerImage).Reference | Should -Be @('pester/one:a', 'pester/two:b')
    }

    It 'finds images by name, name:tag, wildcard and Id' {
        (Get-ContainerImage pester/one).Reference | Should -Be 'pester/one:a'
        (Get-ContainerImage pester/two:b).Reference | Should -Be 'pester/two:b'
        @(Get-ContainerImage 'pester/*').Count | Should -Be 2
        $id = (Get-ContainerImage pester/one).Digest.Substring(7, 16)
        @(Get-ContainerImage $id).Count | Should -Be 2   # one image, two names
    }

    It 'pipes into -Image' {
        Get-ContainerImage pester/one | Invoke-UserNsContainer | Should -Be 'busybox-root'
    }

    It 'writes ImageNotFound for a name nobody imported' {
        Get-ContainerImage pester/none -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'ImageNotFound,UserNsContainer.Commands.GetContainerImageCommand'
    }
}
