<#
.SYNOPSIS
    Session benchmark: New-UserNsContainerSession next to PowerShell's out-of-process session
    (the transport Start-Job uses) and Start-Job itself, run side by side in this pwsh.
.DESCRIPTION
    Times, interleaved, medians: opening a session; the round trip of Invoke-Command -Session
    $s { 1 }; copying a 100 MB file in with Copy-Item -ToSession. Ratios are ours divided by
    the peer's (below 1.00: we are faster). Invoke-Command -HostName localhost over ssh is a
    peer only where sshd runs on this machine. Run by bench/run.sh after the start-up benchmark.
#>
param([int] $Iterations = 10)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../out/UserNsContainer/UserNsContainer.psd1')
$env:USERNSCONTAINER_STATE_DIR = Join-Path ([IO.Path]::GetTempPath()) "usnc-bench-sessions-$PID"

function Open-OutOfProcessSession {
    [CmdletBinding()] param()
    $rs = [runspacefactory]::CreateOutOfProcessRunspace($null)
    $rs.Open()
    [System.Management.Automation.Runspaces.PSSession]::Create($rs, 'OutOfProcess', $PSCmdlet)
}

function Measure-Ms([scriptblock] $Block) {
    $sw = [Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $sw.Elapsed.TotalMilliseconds
}
function Median([double[]] $Values) { ($Values | Sort-Object)[[int][Math]::Floor($Values.Count / 2)] }

function Report([string] $Title, [System.Collections.Specialized.OrderedDictionary] $Times) {
    "`n== $Title; $(@($Times[0]).Count) runs each, interleaved, medians"
    $ours = Median $Times[0]
    foreach ($name in $Times.Keys) {
        $m = Median $Times[$name]
        $ratio = if ($name -eq ($Times.Keys | Select-Object -First 1)) { '' } else { 'ratio {0:0.00}' -f ($ours / $m) }
        '{0,-62} {1,9:0.0} ms  {2}' -f $name, $m, $ratio
    }
}

$ssh = $false
if (Get-Command sshd -ErrorAction SilentlyContinue) { & ssh -o BatchMode=yes -o ConnectTimeout=2 localhost true 2>$null; $ssh = $LASTEXITCODE -eq 0 }

# opening: a session ready for commands, then removed (removal not timed)
$open = [ordered]@{ 'New-UserNsContainerSession (a new container)' = @(); 'out-of-process session (Start-Job''s transport)' = @(); 'Start-Job { 1 } | Receive-Job -Wait' = @() }
if ($ssh) { $open['New-PSSession -HostName localhost (ssh)'] = @() }
for ($i = 0; $i -le $Iterations; $i++) {
    $s = $null; $t = Measure-Ms { $script:s = New-UserNsContainerSession }; Remove-PSSession $s; if ($i) { $open[0] += $t }
    $t = Measure-Ms { $script:s = Open-OutOfProcessSession }; Remove-PSSession $s; if ($i) { $open[1] += $t }
    $t = Measure-Ms { Start-Job { 1 } | Receive-Job -Wait -AutoRemoveJob }; if ($i) { $open[2] += $t }
    if ($ssh) { $t = Measure-Ms { $script:s = New-PSSession -HostName localhost }; Remove-PSSession $s; if ($i) { $open[3] += $t } }
}
Report 'opening a session' $open

$ours = New-UserNsContainerSession
$peer = Open-OutOfProcessSession
$sshSession = if ($ssh) { New-PSSession -HostName localhost }
try {
    $rt = [ordered]@{ 'Invoke-Command -Session (container) { 1 }' = @(); 'Invoke-Command -Session (out-of-process) { 1 }' = @() }
    if ($ssh) { $rt['Invoke-Command -Session (ssh) { 1 }'] = @() }
    for ($i = 0; $i -le $Iterations * 5; $i++) {
        $t = Measure-Ms { Invoke-Command -Session $ours { 1 } }; if ($i) { $rt[0] += $t }
        $t = Measure-Ms { Invoke-Command -Session $peer { 1 } }; if ($i) { $rt[1] += $t }
        if ($ssh) { $t = Measure-Ms { Invoke-Command -Session $sshSession { 1 } }; if ($i) { $rt[2] += $t } }
    }
    Report 'round trip' $rt

    $file = Join-Path ([IO.Path]::GetTempPath()) "usnc-bench-100mb-$PID"
    $bytes = [byte[]]::new(100MB); [Random]::new(1).NextBytes($bytes); [IO.File]::WriteAllBytes($file, $bytes); $bytes = $null
    $copy = [ordered]@{ 'Copy-Item -ToSession (container), 100 MB' = @(); 'Copy-Item -ToSession (out-of-process), 100 MB' = @() }
    if ($ssh) { $copy['Copy-Item -ToSession (ssh), 100 MB'] = @() }
    $copies = [Math]::Max(3, [int]($Iterations / 3))
    for ($i = 0; $i -le $copies; $i++) {
        $t = Measure-Ms { Copy-Item $file -Destination /tmp/in.bin -ToSession $ours }; if ($i) { $copy[0] += $t }
        $t = Measure-Ms { Copy-Item $file -Destination "$file.copy" -ToSession $peer }; if ($i) { $copy[1] += $t }
        if ($ssh) { $t = Measure-Ms { Copy-Item $file -Destination "$file.ssh" -ToSession $sshSession }; if ($i) { $copy[2] += $t } }
    }
    Report 'copying a file in' $copy
    Remove-Item "$file", "$file.copy", "$file.ssh" -ErrorAction SilentlyContinue
} finally {
    Remove-PSSession $ours, $peer
    if ($sshSession) { Remove-PSSession $sshSession }
    Remove-Item -Recurse -Force $env:USERNSCONTAINER_STATE_DIR -ErrorAction SilentlyContinue
}
if (-not $ssh) { "`n(Invoke-Command -HostName localhost over ssh: skipped, no sshd answers on this machine; apt-get install openssh-server and a key for this user make it a peer)" }
