using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using UserNsContainer;
using UserNsContainer.Engine;

namespace UsncBench;

/// <summary>What grows with use: the cost per bind (1, 10, 100), a live bind against a restart
/// with the bind, 100 containers started at once (total time, resident memory), and 1000 idle
/// containers at once (total time, memory per container, every one started).</summary>
public static class Scaling
{
    private static double MedianMs(int runs, Action run)
    {
        run(); // warm-up
        var times = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    internal static void Foreground(ContainerEngine engine, ContainerSpec spec)
    {
        var handle = engine.Create(spec, new CreateOptions { Foreground = true });
        foreach (var _ in engine.ReadOutput(handle, CancellationToken.None)) { }
        engine.ReleaseForeground(handle);
    }

    private static List<BindMount> Binds(string source, int n) =>
        Enumerable.Range(0, n).Select(i => new BindMount { Source = source, Target = $"/mnt/b{i}", ReadOnly = true }).ToList();

    public static void Run(ContainerEngine engine, string image, int runs)
    {
        var source = Directory.CreateTempSubdirectory("usnc-bench-src-").FullName;
        try
        {
            Console.WriteLine();
            // all eight (ours and bwrap's, 0, 1, 10 and 100 binds) interleaved, round after round,
            // so that machine noise hits them alike; 3x the runs of the other tables
            int rounds = runs * 3;
            Console.WriteLine($"== binds into a busybox image (/mnt/bN, read-only); {rounds} runs each, interleaved, medians");
            Console.WriteLine($"{"binds",-8} {"ours ms",10} {"bwrap ms",10}   (bwrap with --tmpfs /mnt: it cannot make mount points in a read-only image)");
            var counts = new[] { 0, 1, 10, 100 };
            var runners = new List<(int N, bool Ours, Action Run)>();
            foreach (var n in counts)
            {
                var binds = Binds(source, n);
                runners.Add((n, true, () => Foreground(engine, new ContainerSpec { Command = new[] { "/bin/true" }, RootFs = image, Binds = binds })));
                // bwrap cannot make mount points in a read-only image: it needs a tmpfs over /mnt
                // (which hides /mnt's own entries); ours come from an overmount that keeps them
                var args = new List<string> { "--unshare-all", "--ro-bind", image, "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/mnt" };
                for (int i = 0; i < n; i++)
                    args.AddRange(new[] { "--ro-bind", source, $"/mnt/b{i}" });
                args.Add("/bin/true");
                runners.Add((n, false, () => Peer("bwrap", args)));
            }
            var usable = runners.Where(r =>
            {
                try
                {
                    r.Run(); // warm-up; bwrap may be missing
                    return true;
                }
                catch (Exception e) when (!r.Ours && e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    return false;
                }
            }).ToList();
            var samples = usable.ToDictionary(r => (r.N, r.Ours), _ => new List<double>());
            for (int round = 0; round < rounds; round++)
                foreach (var r in usable)
                {
                    var sw = Stopwatch.StartNew();
                    r.Run();
                    samples[(r.N, r.Ours)].Add(sw.Elapsed.TotalMilliseconds);
                }
            double Med(int n, bool o) => samples.TryGetValue((n, o), out var l) ? l.Order().ElementAt(l.Count / 2) : double.NaN;
            var ours = counts.ToDictionary(n => n, n => Med(n, true));
            var peer = counts.ToDictionary(n => n, n => Med(n, false));
            foreach (var n in counts)
                Console.WriteLine($"{n,-8} {ours[n],10:0.00} {peer[n],10:0.00}");
            double oursBinds = ours[100] - ours[0], peerBinds = peer[100] - peer[0];
            Console.WriteLine($"cost per extra bind: ours {(ours[100] - ours[1]) / 99:0.000} ms, bwrap {(peer[100] - peer[1]) / 99:0.000} ms; " +
                $"the 100 binds over none: ours {oursBinds:0.00} ms, bwrap {peerBinds:0.00} ms");
            if (double.IsNaN(peerBinds))
                Goals.Add("100 read-only binds, their cost over none: ours / bwrap's", "not measured (bwrap missing)", "<= 0.50", false);
            else
                Goals.Add("100 read-only binds, their cost over none: ours / bwrap's", $"{oursBinds / peerBinds:0.00} ({oursBinds:0.0} / {peerBinds:0.0} ms)",
                    "<= 0.50", oursBinds / peerBinds <= 0.5);

            var target = engine.Create(new ContainerSpec { RootFs = image }, new CreateOptions());
            try
            {
                int k = 0;
                var live = MedianMs(runs, () =>
                {
                    var t = $"/mnt/live{k++}";
                    engine.AddBind(target, new BindMount { Source = source, Target = t, ReadOnly = true });
                    engine.RemoveBind(target, t);
                });
                var restart = MedianMs(runs, () =>
                {
                    var h = engine.Create(new ContainerSpec { RootFs = image, Binds = Binds(source, 1) }, new CreateOptions());
                    engine.Remove(h, force: true, TimeSpan.Zero);
                });
                Console.WriteLine();
                Console.WriteLine($"== adding a bind to a running container: live (Mount-ContainerBind and Dismount) {live:0.00} ms, " +
                    $"a new container with the bind (create and remove) {restart:0.00} ms");
            }
            finally
            {
                engine.Remove(target, force: true, TimeSpan.Zero);
            }

            Concurrent(engine, image, 100);
            Thousand(engine, image);
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    /// <summary>Resident memory (KiB) of one container's helper processes: its monitor and its
    /// init (a spare helper waiting for the next container is not counted).</summary>
    internal static long ContainerRssKiB(ContainerHandle h) => Rss(h.MonitorPid) + Rss(h.Pid);

    private static long Rss(int pid)
    {
        try
        {
            return Field(File.ReadAllText($"/proc/{pid}/status"), "VmRSS:");
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long Field(string status, string name) =>
        status.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1]) : 0;

    /// <summary>Resident memory (KiB) of the processes (that this user can see) whose name starts so.</summary>
    internal static long RssKiB(params string[] namePrefixes)
    {
        long total = 0;
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var status = File.ReadAllText(Path.Combine(d, "status"));
                if (!namePrefixes.Any(p => status.StartsWith("Name:\t" + p, StringComparison.Ordinal)))
                    continue;
                var line = status.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null)
                    total += long.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        return total;
    }

    private static void Concurrent(ContainerEngine engine, string image, int count)
    {
        var handles = new ContainerHandle[count];
        var sw = Stopwatch.StartNew();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = count }, i =>
            handles[i] = engine.Create(new ContainerSpec { RootFs = image, Command = new[] { "/bin/sh", "-c", "exec sleep 60" } }, new CreateOptions()));
        var started = sw.Elapsed.TotalMilliseconds;
        Thread.Sleep(500);
        var rss = handles.Sum(ContainerRssKiB);
        sw.Restart();
        Parallel.ForEach(handles, h => engine.Remove(h, force: true, TimeSpan.Zero));
        Console.WriteLine();
        Console.WriteLine($"== {count} containers started at once: {started:0} ms in all ({started / count:0.00} ms each), " +
            $"{rss / 1024.0:0.0} MiB resident across their helper processes ({rss / (double)count:0} KiB each), removed in {sw.Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>Issue 27's thousand: COUNT idle containers (no main process: the init waits) of
    /// one user at once, 32 being made at a time; the total time, the resident memory per
    /// container (RSS counts the helper's shared pages in every process; PSS shares them out),
    /// and whether every one started. Each goal is printed as met or not.</summary>
    internal static void Thousand(ContainerEngine engine, string image) => Idle(engine, image, 1000);

    private static void Idle(ContainerEngine engine, string image, int count)
    {
        var handles = new ContainerHandle?[count];
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var sw = Stopwatch.StartNew();
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 32 }, i =>
        {
            try
            {
                handles[i] = engine.Create(new ContainerSpec { RootFs = image, Idle = true }, new CreateOptions());
            }
            catch (Exception e)
            {
                failures.Add(e.Message);
            }
        });
        var started = sw.Elapsed.TotalMilliseconds;
        Thread.Sleep(1000);
        var live = handles.Where(h => h is not null).Select(h => h!).ToList();
        long rss = live.Sum(ContainerRssKiB), pss = live.Sum(h => Pss(h.MonitorPid) + Pss(h.Pid));
        sw.Restart();
        Parallel.ForEach(live, new ParallelOptions { MaxDegreeOfParallelism = 32 }, h => engine.Remove(h, force: true, TimeSpan.Zero));
        double perRss = live.Count == 0 ? 0 : rss / (double)live.Count, perPss = live.Count == 0 ? 0 : pss / (double)live.Count;
        Console.WriteLine();
        Console.WriteLine($"== {count} idle containers at once: {live.Count} started in {started / 1000:0.0} s ({started / count:0.00} ms each), removed in {sw.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine($"   resident per container (monitor and init): {perPss:0} KiB PSS, {perRss:0} KiB RSS; goal <= 500 KiB: {(perPss <= 500 ? "met" : "not met")} (PSS)");
        Console.WriteLine($"   every one started: {(failures.IsEmpty ? "met" : $"not met ({failures.Count} failed: {failures.First()})")}");
        Goals.Add($"{count} idle containers at once: every one starts", $"{live.Count} in {started / 1000:0.0} s", "all", failures.IsEmpty);
        Goals.Add($"{count} idle containers: resident memory each (PSS)", $"{perPss:0} KiB (RSS {perRss:0} KiB)", "<= 500 KiB", perPss <= 500);
    }

    /// <summary>Proportional resident memory (KiB) of a process: its shared pages divided among their users.</summary>
    private static long Pss(int pid)
    {
        try
        {
            return Field(File.ReadAllText($"/proc/{pid}/smaps_rollup"), "Pss:");
        }
        catch (IOException)
        {
            return 0;
        }
    }

    internal static void Peer(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} exited with {p.ExitCode}");
    }
}
