using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;
using Xunit.Abstractions;

namespace UserNsContainer.Tests;

/// <summary>
/// Many create/run/remove cycles of every kind, with failures injected at random steps: bad
/// roots, missing bind sources, SIGKILL of the monitor, the init or the main process, a
/// stopped pipeline (Ctrl+C), the calling process killed. Afterwards nothing may be left: no helper process, host mount, state
/// record, /tmp entry or open fd of this process, and no user namespace more than before.
/// CI runs a reduced form; the full one: USERNSCONTAINER_SOAK=1000 dotnet test -c Release
/// --filter FullyQualifiedName~SoakTests.
/// The counts are of the whole process, so the soak runs alone, after the parallel tests.
/// </summary>
[CollectionDefinition(nameof(SoakTests), DisableParallelization = true)]
public sealed class SoakCollection
{
}

[Collection(nameof(SoakTests))]
public sealed class SoakTests : ContainerTest
{
    private readonly ITestOutputHelper _out;

    public SoakTests(ITestOutputHelper output) => _out = output;

    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("USERNSCONTAINER_SOAK"), out var n) && n > 0 ? n : 60;

    /// <summary>
    /// The runtime opens an assembly's file the first time any code in the process needs it
    /// (another test's fixture, the engine's lazy paths), and keeps it for the process's life:
    /// not something a container cycle leaks, so not counted. Nor is the listing's own fd.
    /// </summary>
    private static bool IsRuntimeOwn(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) ||
        target == $"/proc/{Environment.ProcessId}/fd";

    /// <summary>This process's open fds and what each is (a file, pipe:[N], socket:[N], anon_inode:[pidfd]).</summary>
    private static Dictionary<string, string> OpenFds()
    {
        var fds = new Dictionary<string, string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget ?? "?";
                if (!IsRuntimeOwn(target))
                    fds[Path.GetFileName(fd)] = target;
            }
            catch (IOException)
            {
            }
        }
        return fds;
    }

    /// <summary>Fds open now that were not before, with what they are.</summary>
    private static string[] NewFds(Dictionary<string, string> before) =>
        OpenFds().Where(kv => !before.TryGetValue(kv.Key, out var t) || t != kv.Value).Select(kv => $"{kv.Key}->{kv.Value}").ToArray();

    private static string[] TmpEntries() => TestHost.ModuleTmpEntries();

    /// <summary>Distinct user namespaces among the processes this user can see.</summary>
    /// <summary>User namespaces held by this test process, this run's helpers and their
    /// descendants (the containers' processes); other containers of this user (a bystander
    /// started meanwhile) are not this run's to count.</summary>
    private static int UserNamespaces()
    {
        var seen = new HashSet<string>();
        var ours = HelperProcesses().Append(Environment.ProcessId).ToHashSet();
        bool Ours(int pid)
        {
            for (int depth = 0; depth < 32 && pid > 1; depth++, pid = Engine.ProcessInfo.ParentOf(pid) ?? 0)
                if (ours.Contains(pid))
                    return true;
            return false;
        }
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(d), out var pid) && Ours(pid) && new FileInfo(Path.Combine(d, "ns", "user")).LinkTarget is { } ns)
                    seen.Add(ns);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return seen.Count;
    }

    /// <summary>Starts a container and SIGKILLs its monitor, its init or its main process ($which).</summary>
    private const string KillScript = @"
        $c = New-UserNsContainer -Command sh, -c, 'sleep 30'
        $victim = switch ($which) {
            'monitor' { [UserNsContainer.ContainerHandle].GetProperty('MonitorPid', [System.Reflection.BindingFlags]'NonPublic,Instance').GetValue($c) }
            'init' { $c.Pid }
            default {
                $kids = ([System.IO.File]::ReadAllText(""/proc/$($c.Pid)/task/$($c.Pid)/children"")).Trim().Split(' ')
                [int]$kids[0]
            }
        }
        [System.Diagnostics.Process]::GetProcessById($victim).Kill()
        $null = $c | Wait-UserNsContainer -Timeout 10
        $c | Remove-UserNsContainer -Force
        'killed'";

    private static readonly string[] Kinds = { "oneshot", "enter", "bind", "hotplug", "badroot", "badsource", "kill-monitor", "kill-init", "kill-main", "stop", "ctrlc", "caller" };

    /// <summary>Ctrl+C: the pipeline running Invoke-UserNsContainer is stopped while the container runs.</summary>
    private static string CtrlC()
    {
        using var rs = TestHost.OpenRunspace();
        var (ps, output, run) = TestHost.BeginUntilOutput(rs, "Invoke-UserNsContainer -Command sh, -c, 'echo up; sleep 30'");
        using var _ = ps;
        ps.Stop();
        return output.Count == 1 && run.IsCompleted && ps.InvocationStateInfo.State == System.Management.Automation.PSInvocationState.Stopped ? "stopped" : $"{output.Count} lines, {ps.InvocationStateInfo.State}";
    }

    /// <summary>The calling process killed (SIGKILL) while its foreground container runs; the
    /// next listing of this process finds the record orphaned and cleans it away.</summary>
    private string CallerKilled()
    {
        using var shell = StartShell("Invoke-UserNsContainer -Command sh, -c, 'echo up; sleep 30'");
        var line = shell.StandardOutput.ReadLine();
        shell.Kill();
        shell.WaitForExit();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (TestHost.Run("@(Get-UserNsContainer).Count").Lines.FirstOrDefault() != "0" && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        return line == "up" ? "killed" : $"the shell said '{line}'";
    }

    /// <summary>Open fds once the runtime has settled (handles waiting for finalizers closed).</summary>
    private static Dictionary<string, string> SettledFds()
    {
        UserNsContainer.Engine.Native.SpareHelpers.DiscardAll(); // a warm helper's socket and pipes are not a leak
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return OpenFds();
    }

    [Fact]
    public void ManyCyclesWithInjectedFailuresLeaveNothing()
    {
        var src = HostDir("soak");
        // one cycle of each kind first: the engine, the runspaces and the runtime open what they
        // keep for the process's life (assemblies, the epoll and signal fds) before the count
        var kinds = Kinds.Concat(Enumerable.Range(0, Cycles).Select(_ => "")).ToArray();
        var random = new Random(20261123);
        var counts = Kinds.ToDictionary(k => k, _ => 0);
        var fds = new Dictionary<string, string>();
        int namespaces = 0;
        string[] tmp = Array.Empty<string>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < kinds.Length; i++)
        {
            if (i == Kinds.Length)
            {
                fds = SettledFds();
                tmp = TmpEntries();
                namespaces = UserNamespaces();
                sw.Restart();
            }
            var kind = kinds[i].Length > 0 ? kinds[i] : Kinds[random.Next(Kinds.Length)];
            if (i >= Kinds.Length)
                counts[kind]++;
            var (script, expected) = kind switch
            {
                "oneshot" => ("Invoke-UserNsContainer -Command sh, -c, 'echo ok'", "ok"),
                "enter" => ("$c = New-UserNsContainer; $c | Enter-ContainerNamespace -Command sh, -c, 'echo ok'; $c | Remove-UserNsContainer -Force", "ok"),
                "bind" => ("Invoke-UserNsContainer -Bind \"${src}:/srv/soak:ro\" -Command cat, /srv/soak/f", "from-host"),
                "hotplug" => ("$c = New-UserNsContainer; $c | Mount-ContainerBind -Source $src -Target /tmp/live; $c | Enter-ContainerNamespace -Command cat, /tmp/live/f; $c | Remove-UserNsContainer -Force", "from-host"),
                "badroot" => ("try { Invoke-UserNsContainer -RootFs /nonexistent/usnc-soak -Command /bin/true } catch { $_.FullyQualifiedErrorId.Split(',')[0] }", "RootFsNotFound"),
                "badsource" => ("try { Invoke-UserNsContainer -Bind /nonexistent/usnc-soak:/x -Command /bin/true } catch { $_.FullyQualifiedErrorId.Split(',')[0] }", "BindSourceNotFound"),
                "stop" => ("$c = New-UserNsContainer -Command sleep, 30; $c | Stop-UserNsContainer -Timeout 1 -PassThru | Remove-UserNsContainer; 'stopped'", "stopped"),
                _ => (KillScript, "killed"),
            };
            if (kind is "ctrlc" or "caller")
            {
                var outcome = kind == "ctrlc" ? CtrlC() : CallerKilled();
                Assert.True(outcome == (kind == "ctrlc" ? "stopped" : "killed"), $"cycle {i} ({kind}): {outcome}");
                continue;
            }
            var which = kind.StartsWith("kill-", StringComparison.Ordinal) ? kind[5..] : "";
            var r = TestHost.Run(script, Vars(("src", src), ("which", which)));
            Assert.True(r.Lines.LastOrDefault() == expected, $"cycle {i} ({kind}): {r.Text} {string.Join("; ", r.Errors)}");
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while ((NewHelperProcesses().Any() || UserNamespaces() > namespaces) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        var leftHelpers = NewHelperProcesses().Count;
        var leftState = StateFiles().Length;
        var fdsNow = SettledFds();
        var fdDelta = fdsNow.Count - fds.Count;
        var newFds = NewFds(fds);
        var nsDelta = UserNamespaces() - namespaces;
        _out.WriteLine($"{Cycles} cycles in {sw.Elapsed.TotalSeconds:F1} s ({string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"))}); " +
            $"left: {leftHelpers} helpers, {leftState} state files, {fdDelta} fds, {nsDelta} user namespaces, {TmpEntries().Except(tmp).Count()} /tmp entries");
        Assert.Equal(0, leftHelpers);
        Assert.Equal(0, leftState);
        Assert.Equal(tmp, TmpEntries());
        Assert.True(nsDelta <= 0, $"{nsDelta} more user namespaces than before");
        Assert.True(fdDelta <= 2, $"{fdDelta} more open fds in the test process than before: {string.Join(", ", newFds)}"); // the runtime's own may come and go
    }
}
