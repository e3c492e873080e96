@{
    RootModule           = 'UserNsContainer.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f4a7e-9a51-4c4e-8f7e-3c1d2a6b9e10'
    Author               = 'UserNsContainer developers'
    CompanyName          = 'UserNsContainer developers'
    Copyright            = '(c) 2026 UserNsContainer developers. MIT License.'
    Description          = 'Rootless Linux containers from user namespaces: no daemon, no root, every container an object in the pipeline. Read-only images that stay untouched, write-fake overlays, SquashFS roots, binds at start and live, seccomp, and Test-UserNsSupport to check a host.'
    # 7.4 for the module; New-UserNsContainerSession needs 7.6 (its transport, in
    # UserNsContainer.Sessions.dll, is built against 7.6's remoting API and loaded on first use)
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('UserNsContainer.format.ps1xml')
    CmdletsToExport      = @(
        'Invoke-UserNsContainer'
        'New-UserNsContainerSession'
        'New-UserNsContainer'
        'Start-UserNsContainer'
        'Get-UserNsContainer'
        'Wait-UserNsContainer'
        'Get-UserNsContainerLog'
        'Stop-UserNsContainer'
        'Remove-UserNsContainer'
        'Set-IdMap'
        'Get-IdMap'
        'Enter-ContainerNamespace'
        'Mount-ContainerBind'
        'Dismount-ContainerBind'
        'Test-UserNsSupport'
        'Import-ContainerImage'
        'Get-ContainerImage'
        'Remove-ContainerImage'
        'Save-ContainerImage'
        'Export-ContainerImage'
        'Build-ContainerImage'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Linux', 'Container', 'Namespace', 'Sandbox', 'Rootless', 'PSEdition_Core')
            ProjectUri   = 'https://example.invalid/UserNsContainer'
            LicenseUri   = 'https://example.invalid/UserNsContainer/blob/main/LICENSE'
            ReleaseNotes = 'See CHANGELOG.md in the module''s repository.'
        }
    }
}
