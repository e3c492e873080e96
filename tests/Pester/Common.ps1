# Dot-sourced by every spec: imports the built module (out/UserNsContainer) and gives
# helpers. Build first: dotnet build -c Release (or ./build.ps1 -Task Build).
$ErrorActionPreference = 'Stop'
$script:ModuleManifest = Join-Path $PSScriptRoot '../../out/UserNsContainer/UserNsContainer.psd1'
if (-not (Test-Path $script:ModuleManifest)) { throw "Build the module first: $script:ModuleManifest is missing." }
Import-Module $script:ModuleManifest -Force

. (Join-Path $PSScriptRoot 'Capabilities.ps1')

function New-BusyboxRoot {
    param([Parameter(Mandatory)] [string] $Path)
    foreach ($d in 'bin', 'proc', 'dev', 'tmp', 'sys', 'run', 'etc') { New-Item -ItemType Directory -Path (Join-Path $Path $d) -Force | Out-Null }
    Copy-Item /bin/busybox (Join-Path $Path 'bin/busybox')
    foreach ($applet in (& /bin/busybox --list)) {
        if ($applet -ne 'busybox') { New-Item -ItemType SymbolicLink -Path (Join-Path $Path "bin/$applet") -Target /bin/busybox | Out-Null }
    }
    Set-Content -Path (Join-Path $Path 'etc/marker') -Value 'busybox-root'
    $Path
}

function Get-HelperProcess {
    Get-Process -Name usnc-helper -ErrorAction SilentlyContinue
}
