BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Capabilities.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    if ($script:HasImageTools) { $script:Layout = New-TestImageLayout -Path (Join-Path $TestDrive 'image') }
}

Describe 'Remove-ContainerImage' -Skip:(-not $script:HasImageTools) {
    BeforeEach {
        $script:Image = Import-ContainerImage "oci:$($script:Layout):latest" -Name pester/rm:1
    }

    AfterEach {
        Get-UserNsContainer | Remove-UserNsContainer -Force
        Get-ContainerImage | Remove-ContainerImage -Force
    }

    It 'removes the image and its files' {
        Remove-ContainerImage pester/rm:1
        Get-ContainerImage | Should -BeNullOrEmpty
        Test-Path $script:Image.RootFsPath | Should -BeFalse
    }

    It 'keeps an image a container uses, unless -Force' {
        $c = New-UserNsContainer -Image pester/rm:1 -Command sleep, 60
        { Remove-ContainerImage pester/rm:1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageInUse,UserNsContainer.Commands.RemoveContainerImageCommand'
        (Get-ContainerImage).Reference | Should -Be 'pester/rm:1'
        $script:Image | Remove-ContainerImage -Force
        Get-UserNsContainer -Id $c.Id -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-ContainerImage | Should -BeNullOrEmpty
    }

    It 'honours -WhatIf' {
        Remove-ContainerImage pester/rm:1 -WhatIf
        (Get-ContainerImage).Reference | Should -Be 'pester/rm:1'
    }
}
