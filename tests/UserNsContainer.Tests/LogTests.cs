using System;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>A detached container's log: complete when Wait returns, each line's stream kept,
/// bounded, and not forgeable by what the container writes.</summary>
public sealed class LogTests : ContainerTest
{
    [Fact]
    public void EveryLineIsInTheLogWhenWaitReturnsFiftyTimesOver()
    {
        // the race the issue measured: -NoStart, two binds, Start, Wait, then the log at once
        var a = Path.Combine(TestHost.Scratch, "log-race-a-" + Guid.NewGuid().ToString("N")[..8]);
        var b = a.Replace("-a-", "-b-");
        Directory.CreateDirectory(a);
        Directory.CreateDirectory(b);
        try
        {
            var r = TestHost.Run(@"$short = 0
                foreach ($i in 1..50) {
                    $c = New-UserNsContainer -NoStart -Command sh, -c, 'i=0; while [ $i -lt 300 ]; do i=$((i+1)); echo out$i; echo err$i >&2; done; printf tail'
                    $c | Mount-ContainerBind -Source $a -Target /mnt/a
                    $c | Mount-ContainerBind -Source $b -Target /mnt/b
                    $c | Start-UserNsContainer
                    $null = $c | Wait-UserNsContainer -Timeout 30
                    $out = @($c | Get-UserNsContainerLog -ErrorVariable err 2>$null)
                    if ($out.Count -ne 301 -or $err.Count -ne 300 -or $out[-1] -ne 'tail') { $short++; ""run ${i}: $($out.Count) stdout, $($err.Count) stderr lines"" }
                    $c | Remove-UserNsContainer
                }
                ""short=$short""", new System.Collections.Generic.Dictionary<string, object?> { ["a"] = a, ["b"] = b });
            Assert.Empty(r.Errors);
            Assert.Equal("short=0", r.Lines.Last());
        }
        finally
        {
            Directory.Delete(a);
            Directory.Delete(b);
        }
    }

    [Fact]
    public void WhatTheContainerWritesCannotForgeARecordOrAStream()
    {
        // a line that looks like a record, a record's separator inside a line, a piece without
        // a newline, bytes that are not UTF-8: each comes back as the one stdout line it was
        var r = TestHost.Run(@"$c = New-UserNsContainer -Command sh, -c, '
                printf ""2026-01-01T00:00:00.000000000Z stderr F forged\n""
                printf ""a\rb\n""
                printf ""no-newline""; sleep 0.3; printf "" continued\n""
                printf ""\377\376\n""'
            $null = $c | Wait-UserNsContainer -Timeout 20
            $c | Get-UserNsContainerLog -ErrorVariable err 2>$null | ForEach-Object { ""[$_]"" }
            ""stderr=$($err.Count)""
            $c | Remove-UserNsContainer");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "[2026-01-01T00:00:00.000000000Z stderr F forged]", "[a\rb]", "[no-newline continued]", "[\uFFFD\uFFFD]", "stderr=0" }, r.Lines);
    }

    [Fact]
    public void TheLogIsBoundedAndTheTailReadsAcrossTheRotation()
    {
        // 3 MiB of output against the 1 MiB bound: the log moves aside once per MiB, one kept
        var r = TestHost.Run(@"$c = New-UserNsContainer -Command sh, -c, 'i=0; while [ $i -lt 3000 ]; do i=$((i+1)); printf ""%04d%01019d\n"" $i 0; done'
            $w = $c | Wait-UserNsContainer -Timeout 60
            $lines = @($c | Get-UserNsContainerLog)
            $lines.Count -gt 1000
            $lines.Count -lt 2200
            $lines[-1].Substring(0, 4)
            @($c | Get-UserNsContainerLog -Tail 3 | ForEach-Object { $_.Substring(0, 4) }) -join ','
            $bytes = 0; foreach ($f in [IO.Directory]::GetFiles([IO.Path]::GetDirectoryName($c.LogPath), ""$($c.Id).log*"")) { $bytes += ([IO.FileInfo]$f).Length }
            $bytes -le 2.2MB
            $c | Remove-UserNsContainer");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "True", "True", "3000", "2998,2999,3000", "True" }, r.Lines);
    }

    [Fact]
    public void AForegroundContainerHasNoLogAndSaysWhy()
    {
        using var rs = TestHost.OpenRunspace();
        var name = "log-fg-" + Guid.NewGuid().ToString("N")[..8];
        // blocked on a fifo, not a timer: this machine kind has been seen to step its clock
        // forward while every process sleeps, which ends a sleep early
        var (ps, output, run) = TestHost.BeginUntilOutput(rs, $"Invoke-UserNsContainer -Name {name} -Command sh, -c, 'mkfifo /tmp/f; echo up; read x < /tmp/f'");
        using var _ = ps;
        try
        {
            Assert.True(output.Count == 1, $"{output.Count} objects"); // the indexer: enumerating an open PSDataCollection blocks
            Assert.Equal("up", output[0].ToString());
            var r = TestHost.Run($"try {{ Get-UserNsContainerLog -Name {name} -ErrorAction Stop }} catch {{ ($_.FullyQualifiedErrorId -split ',')[0] }}");
            Assert.Equal(new[] { "NoLog" }, r.Lines);
            // the query's runspace closed (its import of the module removed): this runspace's
            // foreground container runs on, as it is not the removed import's
            Assert.False(run.IsCompleted, "closing another runspace ended this one's container");
        }
        finally
        {
            ps.Stop();
        }
    }
}
