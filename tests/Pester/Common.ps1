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

# A state directory of this spec file's own, in its TestDrive (removed by Pester with it):
# Get-UserNsContainer then lists, and AfterEach removes, only the containers the spec made,
# never other containers of the same user on the machine.
$script:StateRoot = if ($TestDrive) { $TestDrive } else { Join-Path ([System.IO.Path]::GetTempPath()) "usnc-pester-$PID" }
$env:USERNSCONTAINER_STATE_DIR = Join-Path $script:StateRoot 'usnc-state'

# The usnc-helper processes of this spec file that are alive (zombies are not leftovers), as
# "pid/start time" so that a reused pid is not taken for an old process. A helper's third
# argument is its engine's state directory: helpers of other state directories (other
# containers of this user, other spec files) are not this spec's, and neither is this
# session's warm spare helper (the engine keeps one ready for the next container).
function Get-HelperProcess {
    $uid = [string](& id -u)
    $spares = Get-SpareHelperPid
    foreach ($dir in [System.IO.Directory]::EnumerateDirectories('/proc')) {
        if ((Split-Path -Leaf $dir) -notmatch '^\d+$' -or [int](Split-Path -Leaf $dir) -in $spares) { continue }
        try {
            $status = [System.IO.File]::ReadAllText("$dir/status"); $stat = [System.IO.File]::ReadAllText("$dir/stat")
            $argv = [System.IO.File]::ReadAllText("$dir/cmdline").Split([char]0)
        } catch { continue }
        if ($status -notmatch '^Name:\tusnc-helper' -or $status -match 'State:\tZ' -or $status -notmatch "Uid:\t$uid\t") { continue }
        if ($argv.Count -lt 3 -or $argv[2] -ne $env:USERNSCONTAINER_STATE_DIR) { continue }
        $fields = $stat.Substring($stat.LastIndexOf([char]41) + 2) -split ' '   # after "(comm) "
        (Split-Path -Leaf $dir) + '/' + $fields[19]
    }
}

# The pids of this session's spare helpers (the engine's own list, read as the xUnit suite
# reads it), once any refill under way has been listed.
function Get-SpareHelperPid {
    $engine = [System.AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'UserNsContainer.Engine' } | Select-Object -First 1
    if (-not $engine) { return @() }
    $spares = $engine.GetType('UserNsContainer.Engine.Native.SpareHelpers')
    $null = $spares.GetMethod('AwaitRefills', [System.Reflection.BindingFlags]'Static,Public,NonPublic').Invoke($null, @([TimeSpan]::FromSeconds(5)))
    @($spares.GetProperty('Pids', [System.Reflection.BindingFlags]'Static,Public,NonPublic').GetValue($null))
}

# The helpers that appeared since the spec file started.
function Get-NewHelperProcess {
    Get-HelperProcess | Where-Object { $_ -notin $script:HelpersBefore }
}

$script:HelpersBefore = @(Get-HelperProcess)

# An OCI layout made with umoci from a busybox root, tagged latest: Env GREETING=hello, Cmd
# cat /etc/marker, WorkingDir /etc, no User. Returns the layout's path.
function New-TestImageLayout {
    param([Parameter(Mandatory)] [string] $Path)
    $layout = Join-Path $Path 'layout'
    $bundle = Join-Path $Path 'bundle'
    $arch = if ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'Arm64') { 'arm64' } else { 'amd64' }
    & umoci init --layout $layout
    & umoci new --image "${layout}:base"
    & umoci unpack --rootless --image "${layout}:base" $bundle
    New-BusyboxRoot -Path (Join-Path $bundle 'rootfs') | Out-Null
    & umoci repack --image "${layout}:base" $bundle
    & umoci config --image "${layout}:base" --tag latest --architecture $arch --os linux `
        --config.env GREETING=hello --config.cmd cat --config.cmd /etc/marker --config.workingdir /etc
    if ($LASTEXITCODE) { throw "umoci config exited with $LASTEXITCODE" }
    $layout
}

# An image store of the spec file's own, in its TestDrive: the spec counts only what it imported.
$env:USERNSCONTAINER_IMAGE_DIR = Join-Path $script:StateRoot 'usnc-images'
