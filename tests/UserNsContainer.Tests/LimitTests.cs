using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What the payload starts with: default signal dispositions, nothing blocked, the
/// caller's resource limits (not the ones the .NET runtime raised for itself), and -Limit.</summary>
public sealed class LimitTests : ContainerTest
{
    [Fact]
    public void TheMainAndEnteredProcessesStartWithEverySignalDefaultAndNoneBlocked()
    {
        // glibc's posix_spawn leaves its own signals 32 and 33 ignored, and an ignored
        // disposition survives exec: SigIgn was 0x180000000
        var r = TestHost.Run(@"$c = New-UserNsContainer
            Invoke-UserNsContainer -Command grep, -E, '^Sig(Blk|Ign)', /proc/self/status
            $c | Enter-ContainerNamespace -Command grep, -E, '^Sig(Blk|Ign)', /proc/self/status
            $c | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "SigBlk:\t0000000000000000", "SigIgn:\t0000000000000000" }, r.Lines.Take(2));
        Assert.Equal(r.Lines.Take(2), r.Lines.Skip(2));
    }

    [Fact]
    public void TheContainerGetsTheCallersOpenFilesLimitNotTheRuntimesRaisedOne()
    {
        // a shell at 'ulimit -Sn 512' starts a PowerShell process (which raises its own soft
        // limit to the hard one): the container gets 512, as bwrap started from that shell does
        var script = Path.Combine(TestHost.Scratch, $"limits-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(script, "Invoke-UserNsContainer -Command sh, -c, 'ulimit -Sn; ulimit -Hn'\nInvoke-UserNsContainer -Limit @{ OpenFiles = 64 } -Command sh, -c, 'ulimit -Sn; ulimit -Hn'\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b110_100_100);
        var psi = new ProcessStartInfo("sh", new[] { "-c", "ulimit -Sn 512 && dotnet \"$0\" -NoProfile -NonInteractive -File \"$1\"; ulimit -Hn", RealPwsh.Dll, script })
        { RedirectStandardOutput = true, RedirectStandardError = true };
        var p = Track(Process.Start(psi)!);
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        File.Delete(script);
        Assert.True(lines.Length == 5, string.Join("|", lines) + p.StandardError.ReadToEnd());
        var hard = lines[4];
        Assert.Equal(new[] { "512", hard, "64", "64" }, lines.Take(4));
    }

    [Fact]
    public void AProcessLimitContainsAForkBombInsideAndTheContainerGoesAtOnce()
    {
        // RLIMIT_NPROC counts per user namespace (5.14+). Host uid 0 is exempt from it, so the
        // bomb runs as a container uid mapped to an unprivileged host id, for root too
        var (uid, gid) = TestHost.Uid == 0
            ? ("0:0:1,1:100000:65536", "0:0:1,1:100000:65536")
            : ($"0:{TestHost.Uid}:1,1:{Sub("/etc/subuid")}:65536", $"0:{TestHost.Gid}:1,1:{Sub("/etc/subgid")}:65536");
        var r = TestHost.Run(@"$c = New-UserNsContainer -UidMap $u -GidMap $g -User 1000 -Group 1000 -Limit @{ Processes = 200 } -Command sh, -c, '
                (i=0; while [ $i -lt 1000 ]; do sleep 600 & i=$((i+1)); done) 2>/dev/null   # ends at the first fork refused
                n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n > /tmp/count; exec sleep 600'
            $c | Enter-ContainerNamespace -User 0 -Command sh, -c, 'while [ ! -s /tmp/count ]; do sleep 0.1; done; cat /tmp/count'   # uid 1000 cannot fork any more
            $p = [System.Diagnostics.Process]::Start('/bin/true'); $p.WaitForExit(); $p.ExitCode   # the host still forks
            $c | Remove-UserNsContainer -Force
            @(Get-UserNsContainer | Where-Object Id -eq $c.Id).Count", Vars(("u", uid), ("g", gid)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        int n = int.Parse(r.Lines[0]);
        // the init (root inside) and the entered shell are not uid 1000's: up to 200 of its
        // processes, and well over 100 (the bomb really ran)
        Assert.InRange(n, 150, 203);
        Assert.Equal(new[] { "0", "0" }, r.Lines.Skip(1));
    }

    private static uint Sub(string file) =>
        Engine.SubordinateIds.For(file, Engine.SubordinateIds.UserName(TestHost.Uid), TestHost.Uid).First().Start;
}
