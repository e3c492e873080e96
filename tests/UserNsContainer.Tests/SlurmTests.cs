using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Invoke-UserNsContainer -Join under a real Slurm (<see cref="SlurmCluster"/>): every task
/// of a step on one node is one real pwsh process running the same script, as `srun pwsh
/// -File rank.ps1` would be, and reports the mount and pid namespaces its command saw.
/// </summary>
public sealed class SlurmTests : ContainerTest, IClassFixture<SlurmCluster>
{
    private static readonly Regex RankLine = new(@"rank=(\d+) node=(\S+) group=(\S+) ns=(mnt:\[\d+\]) (pid:\[\d+\]) exit=0$");

    private readonly SlurmCluster _cluster;
    private readonly string _script;

    public SlurmTests(SlurmCluster cluster)
    {
        _cluster = cluster;
        _script = Path.Combine(TestHost.Scratch, $"rank-{Guid.NewGuid():N}.ps1");
        // each rank arrives in /sync and waits there until all ranks of the test have arrived,
        // so that all the test's containers live at once (a namespace's inode number is unique
        // only among live namespaces); a rank that waits 30 s in vain exits with 3
        File.WriteAllText(_script, """
            $cmd = "mktemp /sync/rank.XXXXXX >/dev/null; i=0; until [ `$(ls /sync | wc -l) -ge $env:USNC_RANKS ] || [ `$i -ge 600 ]; do sleep 0.05; i=`$((i+1)); done; [ `$i -lt 600 ] || exit 3; " +
                   'echo $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/pid)'
            $ns = Invoke-UserNsContainer -Join -JoinTimeout 90 -Bind "$($env:USNC_SYNC):/sync" -Command sh, -c, $cmd
            "rank=$env:SLURM_PROCID node=$env:SLURMD_NODENAME group=$env:SLURM_JOB_ID.$env:SLURM_STEP_ID ns=$ns exit=$LASTEXITCODE"

            """);
        File.SetUnixFileMode(_script, (UnixFileMode)0b110_100_100);
    }

    private sealed record Rank(int Id, string Node, string Group, string Mnt, string Pid);

    private static List<Rank> Ranks(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => RankLine.Match(l))
            .Where(m => m.Success)
            .Select(m => new Rank(int.Parse(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value))
            .ToList();

    /// <summary>A client command whose ranks wait for <paramref name="ranks"/> ranks in all.</summary>
    private ProcessStartInfo Client(int ranks, string file, params string[] args)
    {
        var psi = _cluster.Client(file, args);
        var sync = Path.Combine(TestHost.Scratch, $"sync-{Guid.NewGuid():N}");
        Directory.CreateDirectory(sync);
        psi.Environment["USNC_SYNC"] = sync;
        psi.Environment["USNC_RANKS"] = ranks.ToString();
        return psi;
    }

    private string Srun(int ranks, params string[] args) =>
        _cluster.Run(Client(ranks, "srun", args.Append("dotnet").Concat(RealPwsh.Arguments(_script)).ToArray()));

    private static readonly string HostMnt = new FileInfo("/proc/self/ns/mnt").LinkTarget!;

    [SlurmFact]
    public void TheTasksOfAStepOnANodeShareOneContainerAndEachNodeHasItsOwn()
    {
        var output = Srun(4, "-N", "2", "--ntasks-per-node=2", "-w", "node1,node2");
        var ranks = Ranks(output);
        Assert.True(ranks.Count == 4, $"expected 4 ranks, got:\n{output}\n{_cluster.Logs()}");
        Assert.Equal(new[] { 0, 1, 2, 3 }, ranks.Select(r => r.Id).Order());
        foreach (var node in new[] { "node1", "node2" })
        {
            var on = ranks.Where(r => r.Node == node).ToList();
            Assert.Equal(2, on.Count);
            Assert.Single(on.Select(r => r.Mnt).Distinct());
            Assert.Single(on.Select(r => r.Pid).Distinct());
        }
        Assert.Equal(2, ranks.Select(r => r.Mnt).Distinct().Count());
        Assert.Equal(2, ranks.Select(r => r.Pid).Distinct().Count());
        Assert.DoesNotContain(HostMnt, ranks.Select(r => r.Mnt));
        AssertNoJoinFiles();
    }

    [SlurmFact]
    public void TwoConcurrentJobsOnOneNodeGetTheirOwnContainers()
    {
        // every plain srun is step 0 of a job of its own: ch-run's tag (the step id) would join them
        var srun = Client(6, "srun", "-w", "node1", "-n", "3", "dotnet", RealPwsh.Arguments(_script)[0], "-NoProfile", "-NonInteractive", "-File", _script);
        var jobs = Enumerable.Range(0, 2).Select(_ => Track(Process.Start(srun)!)).ToList();
        var outputs = jobs.Select(p => p.StandardOutput.ReadToEndAsync()).ToList();
        var errors = jobs.Select(p => p.StandardError.ReadToEndAsync()).ToList();
        foreach (var p in jobs)
            Assert.True(p.WaitForExit(120_000), "an srun did not finish");
        var byJob = outputs.Select((o, i) => (Ranks: Ranks(o.Result), Text: o.Result + errors[i].Result)).ToList();
        foreach (var (ranks, text) in byJob)
        {
            Assert.True(ranks.Count == 3, $"expected 3 ranks:\n{text}\n{_cluster.Logs()}");
            Assert.Single(ranks.Select(r => r.Mnt).Distinct());
            Assert.Single(ranks.Select(r => r.Group).Distinct());
        }
        Assert.NotEqual(byJob[0].Ranks[0].Group, byJob[1].Ranks[0].Group);
        Assert.EndsWith(".0", byJob[0].Ranks[0].Group);
        Assert.EndsWith(".0", byJob[1].Ranks[0].Group);
        Assert.NotEqual(byJob[0].Ranks[0].Mnt, byJob[1].Ranks[0].Mnt);
        Assert.NotEqual(byJob[0].Ranks[0].Pid, byJob[1].Ranks[0].Pid);
        AssertNoJoinFiles();
    }

    [SlurmFact]
    public void TwoStepsOfABatchJobGetTheirOwnContainers()
    {
        var output = Path.Combine(_cluster.Dir, $"batch-{Guid.NewGuid():N}.out");
        var batch = Path.Combine(_cluster.Dir, $"batch-{Guid.NewGuid():N}.sh");
        File.WriteAllText(batch, $"""
            #!/bin/sh
            srun --exact -n 2 {RealPwsh.CommandLine(_script)} &
            srun --exact -n 2 {RealPwsh.CommandLine(_script)} &
            wait

            """);
        File.SetUnixFileMode(batch, (UnixFileMode)0b111_000_000);
        // -o in a directory the job's user can write: an unwritable one kills the job without a word
        _cluster.Run(Client(4, "sbatch", "--wait", "-w", "node1", "-n", "4", "-o", output, batch));
        var text = File.ReadAllText(output);
        var ranks = Ranks(text);
        Assert.True(ranks.Count == 4, $"expected 4 ranks:\n{text}\n{_cluster.Logs()}");
        var steps = ranks.GroupBy(r => r.Group).ToList();
        Assert.Equal(2, steps.Count);
        foreach (var step in steps)
        {
            Assert.Equal(2, step.Count());
            Assert.Single(step.Select(r => r.Mnt).Distinct());
        }
        Assert.NotEqual(steps[0].First().Mnt, steps[1].First().Mnt);
        AssertNoJoinFiles();
    }

    private static void AssertNoJoinFiles()
    {
        var join = Path.Combine(TestHost.StateDir, "join");
        Assert.Empty(Directory.Exists(join) ? Directory.GetFiles(join) : Array.Empty<string>());
    }
}
