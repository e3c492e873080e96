@{
    RootModule           = 'UserNsContainer.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f4a7e-9a51-4c4e-8f7e-3c1d2a6b9e10'
    Author               = 'UserNsContainer developers'
    CompanyName          = 'UserNsContainer'
    Copyright            = '(c) UserNsContainer developers. All rights reserved.'
    Description          = 'Rootless Linux containers from user namespaces: no daemon, no root, every container an object in the pipeline.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('UserNsContainer.format.ps1xml')
    CmdletsToExport      = @(
        'Invoke-UserNsContainer'
        'New-UserNsContainer'
        'Start-UserNsContainer'
        'Get-UserNsContainer'
        'Wait-UserNsContainer'
        'Stop-UserNsContainer'
        'Remove-UserNsContainer'
        'Set-IdMap'
        'Get-IdMap'
        'Enter-ContainerNamespace'
        'Mount-ContainerBind'
        'Dismount-ContainerBind'
        'Test-UserNsSupport'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Linux', 'Container', 'Namespace', 'Sandbox', 'Rootless')
            ProjectUri = 'https://example.invalid/UserNsContainer'
        }
    }
}
