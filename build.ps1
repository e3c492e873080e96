<#
.SYNOPSIS
    Build, test, document and package UserNsContainer (pwsh 7.4+ on Linux).
.DESCRIPTION
    A thin wrapper, run in the pwsh of the repository's tool manifest (dotnet tool restore;
    dotnet pwsh ./build.ps1): the build itself is 'dotnet build -c Release' (which also
    compiles the native helper with cc and stages out/UserNsContainer); Test is
    'dotnet test -c Release', which runs the xUnit suite and the Pester specs in real pwsh;
    Pester runs the specs alone, in a child pwsh so the loaded module never locks this
    session's build output. Pester 5.7.1 comes from NuGet (the test project restores it and
    copies it beside the tests): this project needs no PowerShell Gallery, which some
    machines (this project's CI among them) cannot reach.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Pester', 'Docs', 'Package', 'Demo', 'Bench')]
    [string[]] $Task = @('Build', 'Test')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$PesterVersion = '5.7.1'   # pinned tool versions (tests/UserNsContainer.Tests restores this one)
$PlatyPSVersion = '0.14.2'
$Root = $PSScriptRoot
$ModuleOut = Join-Path $Root 'out/UserNsContainer'
$PesterModule = Join-Path $Root 'tests/UserNsContainer.Tests/bin/Release/net10.0/Pester/Pester.psd1'

function Invoke-Native([string] $File, [string[]] $Arguments) {
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# A child pwsh like this one: the .NET tool's (dotnet PSHOME/pwsh.dll) or an installed pwsh.
function Invoke-ChildPwsh([string] $Script) {
    $exe = [System.Environment]::ProcessPath
    [string[]] $arguments = @(if ((Split-Path -Leaf $exe) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' }) + @('-NoProfile', '-NonInteractive', '-Command', $Script)
    Invoke-Native $exe $arguments
}

function Invoke-Build { Invoke-Native dotnet @('build', (Join-Path $Root 'UserNsContainer.sln'), '-c', 'Release') }

function Invoke-Test { Invoke-Native dotnet @('test', (Join-Path $Root 'UserNsContainer.sln'), '-c', 'Release') }

function Invoke-PesterSpecs {
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/UserNsContainer.Tests'), '-c', 'Release')   # restores Pester
    $script = "Import-Module '$PesterModule' -RequiredVersion $PesterVersion; " +
              "`$c = New-PesterConfiguration; `$c.Run.Path = '$Root/tests/Pester'; `$c.Run.Exit = `$true; " +
              "`$c.Output.Verbosity = 'Detailed'; Invoke-Pester -Configuration `$c"
    Invoke-ChildPwsh $script
}

function Invoke-Docs {
    Invoke-Build
    # PlatyPS where it is installed; otherwise the project's own generator over the same
    # schema (help files are made from docs/cmdlets by every build, tools/HelpGen)
    $script = if (Get-Module -ListAvailable PlatyPS | Where-Object Version -EQ ([version] $PlatyPSVersion)) {
        "Import-Module PlatyPS -RequiredVersion $PlatyPSVersion; Import-Module '$ModuleOut/UserNsContainer.psd1'; " +
        "Update-MarkdownHelpModule -Path '$Root/docs/cmdlets' -RefreshModulePage -AlphabeticParamsOrder:`$false | Out-Null"
    } else {
        "Import-Module '$ModuleOut/UserNsContainer.psd1'; & '$Root/tools/Update-CmdletDocs.ps1' '$Root/docs/cmdlets'"
    }
    Invoke-ChildPwsh $script
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
