using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>New / Start / Get / Wait / Stop / Remove on long-lived containers.</summary>
public sealed class LifecycleTests : ContainerTest
{
    [Fact]
    public void DetachedContainerIsFoundFromAnotherRunspaceAndStopped()
    {
        var created = TestHost.Run("New-UserNsContainer -Name lc-sleeper -Command sleep, 300 | ForEach-Object { $_.State.ToString(); $_.Pid }");
        Assert.True(created.Succeeded, string.Join("\n", created.Errors));
        Assert.Equal("Running", created.Lines[0]);
        int pid = int.Parse(created.Lines[1]);
        Assert.True(Directory.Exists($"/proc/{pid}"));

        // the creating runspace is gone; a new one finds the container through the state directory
        var found = TestHost.Run("$c = Get-UserNsContainer -Name lc-sleeper; $c.Pid; $c.State.ToString(); (Get-UserNsContainer lc-s*).Count");
        Assert.Equal(new[] { pid.ToString(), "Running", "1" }, found.Lines);

        var stopped = TestHost.Run("Get-UserNsContainer -Name lc-sleeper | Stop-UserNsContainer -Timeout 5 -PassThru | ForEach-Object { $_.State.ToString(); $_.ExitCode }");
        Assert.Equal(new[] { "Exited", "143" }, stopped.Lines); // sleep ended by the forwarded SIGTERM
        Assert.False(Directory.Exists($"/proc/{pid}"));

        var removed = TestHost.Run("Remove-UserNsContainer -Name lc-sleeper; @(Get-UserNsContainer).Count");
        Assert.Equal(new[] { "0" }, removed.Lines);
    }

    [Fact]
    public void WaitReturnsTheExitCodeAndTheLogKeepsTheOutput()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Command sh, -c, 'echo to-log; echo err-log >&2; exit 3'
            $w = $c | Wait-UserNsContainer -Timeout 20
            $w.State.ToString(); $w.ExitCode
            $w | Get-UserNsContainerLog -ErrorVariable ev
            'stderr:' + ($ev -join ',')
            $w | Remove-UserNsContainer");
        Assert.Equal(new[] { "Exited", "3", "to-log", "stderr:err-log" }, r.Lines);
    }

    [Fact]
    public void TheHandleShowsWhatUsersNeedAndKeepsBookkeepingInternal()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Name lc-surface -NoStart
            $c.PSObject.Properties.Name -join ','
            $c | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        var shown = r.Lines[0].Split(',');
        foreach (var hidden in new[] { "MonitorPid", "PidStartTime", "MonitorStartTime", "OwnerPid", "OwnerStartTime", "Foreground", "Nested" })
            Assert.DoesNotContain(hidden, shown);
        foreach (var needed in new[] { "Id", "Name", "Pid", "State", "ExitCode", "Signal", "RootFs", "Namespaces", "UidMap", "GidMap", "User", "Group", "Command", "Hostname", "Writable", "Seccomp", "Binds", "Created", "LogPath" })
            Assert.Contains(needed, shown);
    }

    [Fact]
    public void IdleContainerRunsUntilStoppedAndExitsCleanly()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Name lc-idle
            $c.State.ToString()
            ($c | Wait-UserNsContainer -Timeout 1 -ErrorAction SilentlyContinue) -eq $null
            $s = $c | Stop-UserNsContainer -PassThru
            $s.State.ToString(); $s.ExitCode
            $c | Remove-UserNsContainer");
        Assert.Equal(new[] { "Running", "True", "Exited", "0" }, r.Lines);
    }

    [Fact]
    public void NoStartParksTheContainerUntilStart()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart -Command sh, -c, 'echo started; sleep 300'
            $c.State.ToString()
            [IO.File]::ReadAllText(""/proc/$($c.Pid)/uid_map"").Length
            $c | Start-UserNsContainer -PassThru | ForEach-Object { $_.State.ToString() }
            [IO.File]::ReadAllText(""/proc/$($c.Pid)/uid_map"").Trim() -replace '\s+', ' '
            $c | Remove-UserNsContainer -Force
            @(Get-UserNsContainer).Count");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "Created", "0", "Running", $"0 {TestHost.Uid} 1", "0" }, r.Lines);
    }

    [Fact]
    public void RemoveStopsARunningContainer()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Command sleep, 300
            $c | Remove-UserNsContainer
            [IO.Directory]::Exists(""/proc/$($c.Pid)"")
            @(Get-UserNsContainer).Count");
        Assert.Equal(new[] { "False", "0" }, r.Lines);
    }

    [Fact]
    public void ThePipelineCarriesHandlesByPropertyName()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Name lc-byprop -Command sleep, 300
            [pscustomobject]@{ Name = 'lc-byprop' } | Stop-UserNsContainer -Timeout 0
            [pscustomobject]@{ Id = $c.Id } | Get-UserNsContainer | ForEach-Object { $_.State.ToString() }
            [pscustomobject]@{ Id = $c.Id } | Remove-UserNsContainer
            @(Get-UserNsContainer).Count");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "Exited", "0" }, r.Lines);
    }

    [Fact]
    public void WaitCtrlCStopsTheWaitingAndLeavesTheContainerRunning()
    {
        // as Wait-Process, Wait-Job and podman wait: the wait is what Ctrl+C ends
        using var rs = TestHost.OpenRunspace();
        var created = TestHost.Run(rs, "$c = New-UserNsContainer -Command sh, -c, 'mkfifo /tmp/f; read x < /tmp/f'; $c.Pid");
        int pid = int.Parse(created.Lines[0]);
        var (ps, _, _) = TestHost.BeginUntilOutput(rs, "'waiting'; $c | Wait-UserNsContainer");
        using (ps)
        {
            System.Threading.Thread.Sleep(300); // now inside Wait-UserNsContainer's poll loop
            ps.Stop();
        }
        Assert.True(Directory.Exists($"/proc/{pid}"));
        var r = TestHost.Run(rs, "(Get-UserNsContainer -Id $c.Id).State.ToString(); $c | Remove-UserNsContainer -Force");
        Assert.Equal(new[] { "Running" }, r.Lines);
    }

    /// <summary>A foreground container is recorded only once it runs; until then its name file
    /// holds the name for the live creator, and a creator that died leaves nothing for good.</summary>
    [Fact]
    public void ANameHeldByALiveCreatorIsRefusedAndOneLeftByADeadCreatorIsSweptAway()
    {
        TestHost.Run("$null = Get-UserNsContainer"); // the store, made private by the module
        var names = Path.Combine(TestHost.StateDir, "names");
        ulong myStart = ulong.Parse(File.ReadAllText($"/proc/{Environment.ProcessId}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19]);
        // a start in progress in a live process (this one): no record yet, the name is taken
        File.WriteAllText(Path.Combine(names, "lc-starting"), $"aaaaaaaaaaaa {Environment.ProcessId} {myStart}");
        // a creator killed before its container was recorded: pid 1's start time never matches 1
        File.WriteAllText(Path.Combine(names, "lc-orphan"), "bbbbbbbbbbbb 1 1");
        File.WriteAllText(Path.Combine(TestHost.StateDir, "bbbbbbbbbbbb.json.tmp"), "{");
        File.WriteAllText(Path.Combine(TestHost.StateDir, "bbbbbbbbbbbb.network.log"), "pasta");
        try
        {
            var r = TestHost.Run("""
                try { Invoke-UserNsContainer -Name lc-starting -Command /bin/true } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
                Invoke-UserNsContainer -Name lc-orphan -Command /bin/echo, reused
                """);
            Assert.Equal(new[] { "NameInUse", "reused" }, r.Lines);
            File.WriteAllText(Path.Combine(names, "lc-orphan2"), "cccccccccccc 1 1");
            File.WriteAllText(Path.Combine(TestHost.StateDir, "cccccccccccc.network.log"), "pasta");
            TestHost.Run("$null = Get-UserNsContainer");
            Assert.False(File.Exists(Path.Combine(names, "lc-orphan2")), "a listing sweeps a dead creator's name away");
            Assert.False(File.Exists(Path.Combine(TestHost.StateDir, "cccccccccccc.network.log")), "and the files its helper began");
            Assert.False(File.Exists(Path.Combine(TestHost.StateDir, "bbbbbbbbbbbb.json.tmp")));
            Assert.True(File.Exists(Path.Combine(names, "lc-starting")), "a live creator's name stays");
        }
        finally
        {
            File.Delete(Path.Combine(names, "lc-starting"));
        }
    }

    [Fact]
    public void NamesBindFromThePipelineAsStrings()
    {
        var r = TestHost.Run(@"$null = New-UserNsContainer -Name lc-piped -Command sleep, 60
            ('lc-piped' | Stop-UserNsContainer -Timeout 1 -PassThru).State.ToString()
            'lc-piped' | Remove-UserNsContainer
            @(Get-UserNsContainer | Where-Object Name -eq lc-piped).Count
            'lc-absent' | Remove-UserNsContainer -ErrorVariable e -ErrorAction SilentlyContinue; $e[0].FullyQualifiedErrorId");
        Assert.Equal(new[] { "Exited", "0", "ContainerNotFound,UserNsContainer.Commands.RemoveUserNsContainerCommand" }, r.Lines);
    }

    [Fact]
    public void IdAndNameCompleteTheContainersOfThisUser()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Name lc-complete -Command sleep, 60
            $line = ""Stop-UserNsContainer -Id $($c.Id.Substring(0, 5))""; (@((TabExpansion2 $line $line.Length).CompletionMatches.CompletionText) -join ',') -eq $c.Id
            $line = 'Remove-UserNsContainer -Name lc-comp'; @((TabExpansion2 $line $line.Length).CompletionMatches.CompletionText)
            $c | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "True", "lc-complete" }, r.Lines);
    }

    /// <summary>The helper processes an idle container keeps (monitor, init) hold under
    /// 1 MiB resident together: the helper is linked with musl where musl-tools is installed.</summary>
    [MuslFact]
    public void AnIdleContainerHoldsUnderOneMebibyteAcrossItsHelperProcesses()
    {
        var r = TestHost.Run("$c = New-UserNsContainer -Name lc-footprint; $c.Pid");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        int init = int.Parse(r.Lines[0]);
        try
        {
            static string Status(int pid) => File.ReadAllText($"/proc/{pid}/status");
            static long Field(string status, string name) =>
                long.Parse(status.Split('\n').First(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split(' ', '\t').Where(x => x.Length > 0).ElementAt(1));
            int monitor = (int)Field(Status(init), "PPid");
            var children = Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)).Where(d => d.All(char.IsDigit)).Select(d => int.Parse(d))
                .Where(p => { try { var st = Status(p); return Field(st, "PPid") == init; } catch (IOException) { return false; } })
                .ToArray();
            Assert.Empty(children); // an idle init has no main process, and no helper of its own: the monitor holds the outer namespaces
            var helpers = new[] { monitor, init };
            var rss = helpers.ToDictionary(p => $"{File.ReadAllText($"/proc/{p}/comm").Trim()}/{p}", p => Field(Status(p), "VmRSS"));
            Assert.True(rss.Values.Sum() <= 1024, "resident KiB: " + string.Join(", ", rss.Select(kv => $"{kv.Key} {kv.Value}")));
        }
        finally
        {
            TestHost.Run("Remove-UserNsContainer -Name lc-footprint -Force");
        }
    }
}

/// <summary>Runs where the helper is built with musl (musl-tools installed at build time).</summary>
public sealed class MuslFactAttribute : FactAttribute
{
    public MuslFactAttribute()
    {
        if (!File.Exists("/usr/bin/musl-gcc"))
            Skip = "the helper is linked with glibc here (about 600 KiB resident per process): apt-get install musl-tools and rebuild (.ci/run does)";
    }
}
