<#
.SYNOPSIS
    Build, test, document and package UserNsContainer (pwsh 7.4+ on Linux).
.DESCRIPTION
    A thin wrapper: the build itself is 'dotnet build -c Release' (which also compiles the
    native helper with cc and stages out/UserNsContainer); tests are 'dotnet test -c Release'
    plus, where Pester is installed, the Pester specs in a child pwsh so the loaded module
    never locks this session's build output.
.EXAMPLE
    ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Docs', 'Package', 'Demo', 'Bench')]
    [string[]] $Task = @('Build', 'Test')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$PesterVersion = '5.6.1'   # pinned tool versions
$PlatyPSVersion = '0.14.2'
$Root = $PSScriptRoot
$ModuleOut = Join-Path $Root 'out/UserNsContainer'

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Invoke-Build { Invoke-Native dotnet @('build', (Join-Path $Root 'UserNsContainer.sln'), '-c', 'Release') }

function Invoke-Test {
    Invoke-Native dotnet @('test', (Join-Path $Root 'UserNsContainer.sln'), '-c', 'Release')
    Invoke-PesterSpecs
}

function Invoke-PesterSpecs {
    if (-not (Get-Module -ListAvailable Pester | Where-Object Version -GE ([version] $PesterVersion))) {
        Write-Warning "Pester $PesterVersion or later is not installed; skipping tests/Pester (Install-Module Pester -RequiredVersion $PesterVersion)."
        return
    }
    $script = "Import-Module Pester -MinimumVersion $PesterVersion; " +
              "`$c = New-PesterConfiguration; `$c.Run.Path = '$Root/tests/Pester'; `$c.Run.Exit = `$true; " +
              "`$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"
    Invoke-Native pwsh @('-NoProfile', '-NonInteractive', '-Command', $script)
}

function Invoke-Docs {
    Invoke-Build
    $script = "Import-Module PlatyPS -RequiredVersion $PlatyPSVersion; Import-Module '$ModuleOut/UserNsContainer.psd1'; " +
              "Update-MarkdownHelpModule -Path '$Root/docs/cmdlets' -RefreshModulePage -AlphabeticParamsOrder:`$false | Out-Null; " +
              "New-ExternalHelp -Path '$Root/docs/cmdlets' -OutputPath '$ModuleOut/en-US' -Force | Out-Null"
    Invoke-Native pwsh @('-NoProfile', '-NonInteractive', '-Command', $script)
}

function Invoke-Package {
    # the same file 'dotnet pack -c Release' makes: out/UserNsContainer.<version>.nupkg
    Invoke-Native dotnet @('pack', (Join-Path $Root 'UserNsContainer.sln'), '-c', 'Release', '-nologo')
    $manifest = Import-PowerShellDataFile (Join-Path $ModuleOut 'UserNsContainer.psd1')
    $package = Join-Path $Root "out/UserNsContainer.$($manifest.ModuleVersion).nupkg"
    Write-Verbose "Packaged $package"
    $package
}

function Invoke-Demo {
    Invoke-Build
    Import-Module (Join-Path $ModuleOut 'UserNsContainer.psd1') -Force
    & (Join-Path $Root 'samples/demo.ps1')
}

function Invoke-Bench { Invoke-Native bash @((Join-Path $Root 'bench/run.sh')) }

foreach ($t in $Task) {
    Write-Verbose "Task $t"
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Pester' { Invoke-PesterSpecs }
        'Docs' { Invoke-Docs }
        'Package' { Invoke-Package }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
    }
}
