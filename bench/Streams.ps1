<#
.SYNOPSIS
    Stream benchmark: the stdout and stdin relays of Invoke-UserNsContainer next to a native
    command on the same data, in this pwsh.
.DESCRIPTION
    A file of text lines (-MiB, 1024 by default) goes through a container and through a native
    command: as lines into Measure-Object -Line; as bytes into a file (-RedirectStandardOutput,
    against cp); into the command's stdin (-RedirectStandardInput, against cp). Speed is the
    peer's median time over ours (1.00x: as fast as the native command), printed with its goal
    and whether it is met, then the peak memory of this pwsh (for all rows together), then the
    pty relay of -Interactive against script(1), both inside one outer terminal.
    Run by bench/run.sh after the start-up benchmark.
#>
param([int] $Iterations = 3, [int] $MiB = 1024)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../out/UserNsContainer/UserNsContainer.psd1')
$env:USERNSCONTAINER_STATE_DIR = Join-Path ([IO.Path]::GetTempPath()) "usnc-bench-streams-$PID"
$dir = Join-Path ([IO.Path]::GetTempPath()) "usnc-bench-streams-data-$PID"
New-Item -ItemType Directory -Path $dir | Out-Null

function Measure-Ms([scriptblock] $Block) { $sw = [Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $sw.Elapsed.TotalMilliseconds }
function Median([double[]] $Values) { ($Values | Sort-Object)[[int][Math]::Floor($Values.Count / 2)] }

function Row([string] $What, [double] $Goal, [scriptblock] $Ours, [string] $PeerName, [scriptblock] $Peer) {
    $null = & $Ours; $null = & $Peer   # warm-up, and both must work
    $a = @(); $b = @()
    for ($i = 0; $i -lt $Iterations; $i++) { $a += Measure-Ms $Ours; $b += Measure-Ms $Peer }
    $mo = Median $a; $mp = Median $b; $speed = $mp / $mo
    '{0,-50} ours {1,7:0} ms   {2,-34} {3,7:0} ms   speed {4:0.00}x (goal {5:0.0}x: {6})' -f $What, $mo, $PeerName, $mp, $speed, $Goal, $(if ($speed -ge $Goal) { 'met' } else { 'not met' })
}

# The pty relay of -Interactive against script(1). Both run inside one outer terminal (an outer
# script, its output to /dev/null), so each pays the same two terminal hops: cat, the inner pty,
# the relay (ours: the monitor; theirs: the inner script), the outer pty. Ours starts a pwsh:
# its start is measured with an empty file and taken off.
function PtyRow([string] $Data) {
    $ours = Join-Path $dir 'pty.ps1'
    Set-Content $ours "Import-Module '$(Join-Path $PSScriptRoot '../out/UserNsContainer/UserNsContainer.psd1')'; Invoke-UserNsContainer -Interactive -Bind `"`$(`$args[0]):/data:ro`" -- cat /data"
    $pwsh = "'$([Environment]::ProcessPath)' '$(Join-Path $PSHOME pwsh.dll)' -NoProfile -File '$ours'"
    function Outer([string] $Inner) { Measure-Ms { & bash -c 'script -q -c "$1" /dev/null < /dev/null > /dev/null' _ $Inner } }
    $null = Outer "$pwsh /dev/null"   # warm-up
    $a = @(); $b = @(); $z = @()
    for ($i = 0; $i -lt $Iterations; $i++) {
        $a += Outer "$pwsh '$Data'"; $z += Outer "$pwsh /dev/null"; $b += Outer "script -q -c `"cat '$Data'`" /dev/null"
    }
    $mo = (Median $a) - (Median $z); $mp = Median $b; $speed = $mp / $mo
    '{0,-50} ours {1,7:0} ms   {2,-34} {3,7:0} ms   speed {4:0.00}x (goal {5:0.0}x: {6})' -f 'the pty relay (-Interactive, pwsh start taken off)', $mo, "script -q -c 'cat FILE'", $mp, $speed, 0.8, $(if ($speed -ge 0.8) { 'met' } else { 'not met' })
}

# Resident memory stays flat: each way of reading the file's lines runs alone in a pwsh of its
# own, which prints its peak; a pwsh that ran nothing else is the baseline.
function MemoryRow([string] $Data) {
    $module = Join-Path $PSScriptRoot '../out/UserNsContainer/UserNsContainer.psd1'
    $peak = '; [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 -shr 20'
    $rows = [ordered]@{
        'a pwsh that ran nothing'                   = "Import-Module '$module'"
        'Invoke-UserNsContainer ... | Measure-Object -Line' = "Import-Module '$module'; `$null = Invoke-UserNsContainer -Bind '$($Data):/data:ro' -- cat /data | Measure-Object -Line"
        '& cat FILE | Measure-Object -Line'         = "`$null = & cat '$Data' | Measure-Object -Line"
        'Invoke-UserNsContainer -AsByteStream'      = "Import-Module '$module'; Invoke-UserNsContainer -Bind '$($Data):/data:ro' -AsByteStream -- cat /data | Out-Null"
    }
    foreach ($what in $rows.Keys) {
        $mib = & ([Environment]::ProcessPath) (Join-Path $PSHOME pwsh.dll) -NoProfile -Command ($rows[$what] + $peak)
        '{0,-50} peak resident memory {1,5} MiB' -f $what, $mib
    }
}

try {
    $data = Join-Path $dir 'data.txt'
    $line = [byte[]]::new(81); $rng = [Random]::new(1)
    $fs = [IO.File]::Create($data)
    try {
        $block = [byte[]]::new(81 * 12945)   # ~1 MiB of 80-character lines
        for ($o = 0; $o -lt $block.Length; $o += 81) { for ($i = 0; $i -lt 80; $i++) { $block[$o + $i] = 97 + $rng.Next(26) }; $block[$o + 80] = 10 }
        for ($m = 0; $m -lt $MiB; $m++) { $fs.Write($block, 0, $block.Length) }
    } finally { $fs.Dispose() }
    $out = Join-Path $dir 'out.bin'
    "`n== streams: a $MiB MiB file of 80-character lines, the default root; $Iterations runs each, interleaved, medians"
    Row 'lines out into Measure-Object -Line' 1.0 { Invoke-UserNsContainer -Bind "$($data):/data:ro" -- cat /data | Measure-Object -Line } `
        '& cat FILE | Measure-Object -Line' { & cat $data | Measure-Object -Line }
    Row 'bytes out into a file (-RedirectStandardOutput)' 0.8 { Invoke-UserNsContainer -Bind "$($data):/data:ro" -RedirectStandardOutput $out -- cat /data } `
        'cp FILE OUT' { & cp $data $out }
    Row 'bytes in through stdin (-RedirectStandardInput)' 0.8 { Invoke-UserNsContainer -RedirectStandardInput $data -Bind "$($dir):/out" -- sh -c 'cat > /out/out.bin' } `
        'cp FILE OUT' { & cp $data $out }
    'peak resident memory of this pwsh, ours and the native peers together: {0} MiB' -f ([Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 -shr 20)
    MemoryRow $data
    if (Get-Command script -ErrorAction Ignore) { PtyRow $data } else { '(the pty relay: skipped, script(1) is not installed: apt-get install bsdutils)' }
} finally {
    Remove-Item -Recurse -Force $dir, $env:USERNSCONTAINER_STATE_DIR -ErrorAction SilentlyContinue
}
