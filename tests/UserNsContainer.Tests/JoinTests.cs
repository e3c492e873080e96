using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Coordinated join (Charliecloud's --join) across real processes.</summary>
public sealed class JoinTests : ContainerTest
{

    [Fact]
    public async System.Threading.Tasks.Task FourPeersWithOneTagShareOneContainerAndLeaveNothing()
    {
        var script = Path.Combine(TestHost.Scratch, "peer.ps1");
        File.WriteAllText(script, "Invoke-UserNsContainer -JoinTag ranks -JoinCount 4 -JoinTimeout 60 -Command sh, -c, 'readlink /proc/self/ns/mnt; readlink /proc/self/ns/pid; echo rank-done'\n\"exit=$LASTEXITCODE\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)0b110_100_100);
        var peers = Enumerable.Range(0, 4).Select(_ => Track(Process.Start(new ProcessStartInfo("dotnet", RealPwsh.Arguments(script))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!)).ToList();
        var outputs = peers.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        foreach (var p in peers)
            Assert.True(p.WaitForExit(90_000), "a peer did not finish");
        var results = new System.Collections.Generic.List<string[]>();
        for (int i = 0; i < outputs.Count; i++)
        {
            var lines = (await outputs[i].Out).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 4 && lines[2] == "rank-done" && lines[3] == "exit=0", $"peer {i}: {string.Join(" | ", lines)} {await outputs[i].Err}");
            results.Add(lines);
        }
        Assert.Single(results.Select(l => l[0]).Distinct());  // one mount namespace
        Assert.Single(results.Select(l => l[1]).Distinct());  // one pid namespace
        Assert.NotEqual(new FileInfo("/proc/self/ns/mnt").LinkTarget, results[0][0]);
        peers.ForEach(p => p.Dispose());
        // the last peer removed the container and the coordination files (checked again by ContainerTest)
        Assert.Empty(Directory.Exists(Path.Combine(TestHost.StateDir, "join")) ? Directory.GetFiles(Path.Combine(TestHost.StateDir, "join")) : Array.Empty<string>());
    }

    [Fact]
    public void ALonePeerTimesOutWithAClearErrorAndLeavesNothing()
    {
        var sw = Stopwatch.StartNew();
        var r = TestHost.Run("try { Invoke-UserNsContainer -JoinTag lonely -JoinCount 2 -JoinTimeout 1 -Command /bin/true } catch { $_ }");
        var e = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
        Assert.Equal("JoinTimeout,UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
        Assert.Contains("only 1 of 2 peers", e.Exception.Message);
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 10);
        Assert.Empty(TestHost.Run("Get-UserNsContainer").Output);
    }

    [Fact]
    public void ASinglePeerGroupRunsAtOnce()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -JoinTag solo -Command hostname; $LASTEXITCODE");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "join-solo", "0" }, r.Lines);
    }

    [Fact]
    public void JoinTakesTheGroupFromSlurmsEnvironmentAndSaysWhichVariablesDecided()
    {
        var r = TestHost.Run("""
            $names = 'SLURM_JOB_ID', 'SLURM_STEP_ID', 'SLURMD_NODENAME', 'SLURM_STEP_TASKS_PER_NODE', 'SLURM_NODEID'
            $env:SLURM_JOB_ID = '77'; $env:SLURM_STEP_ID = '2'; $env:SLURMD_NODENAME = 'cn1'
            $env:SLURM_STEP_TASKS_PER_NODE = '3,1'; $env:SLURM_NODEID = '1'
            try { Invoke-UserNsContainer -Join -Command hostname -Verbose 4>&1 | ForEach-Object { "$_" } | Where-Object { $_ -notlike 'Starting the helper*' } }
            finally { foreach ($n in $names) { [Environment]::SetEnvironmentVariable($n, [NullString]::Value) } }
            """);
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal("Join group '77.2.cn1' (from SLURM_JOB_ID, SLURM_STEP_ID, SLURMD_NODENAME) of 1 peers (from SLURM_STEP_TASKS_PER_NODE=3,1 at SLURM_NODEID=1).", r.Lines[0]);
        Assert.Contains("join-77.2.cn1", r.Lines);
        Assert.Null(System.Environment.GetEnvironmentVariable("SLURM_JOB_ID"));
    }

    [Fact]
    public void ABadTagIsRefused()
    {
        var r = TestHost.Run("try { Invoke-UserNsContainer -JoinTag 'bad tag' -Command /bin/true } catch { $_.FullyQualifiedErrorId }");
        Assert.Equal(new[] { "InvalidJoinTag,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
    }
}
