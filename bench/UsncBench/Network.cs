using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine;

namespace UsncBench;

/// <summary>What -Network Private costs: start-up against -Network None, pasta's own start on a
/// namespace that waits for it, and resident memory per container.</summary>
public static class Network
{
    public static void Run(ContainerEngine engine, string image, int runs)
    {
        if (!File.Exists("/usr/bin/pasta"))
        {
            Console.WriteLine("\n== -Network Private: skipped, pasta is not installed (apt-get install passt)");
            return;
        }
        Console.WriteLine();
        Console.WriteLine($"== -Network Private (pasta) against None, a busybox image, /bin/true; {runs} runs each, interleaved, medians");
        var times = new Dictionary<string, List<double>> { ["None"] = new(), ["Private"] = new() };
        for (int i = 0; i <= runs; i++)
        {
            foreach (var (name, run) in new (string, Action)[]
            {
                ("None", () => Scaling.Foreground(engine, new ContainerSpec { Command = new[] { "/bin/true" }, RootFs = image })),
                ("Private", () => Scaling.Foreground(engine, new ContainerSpec { Command = new[] { "/bin/true" }, RootFs = image, Network = NetworkMode.Private })),
            })
            {
                var sw = Stopwatch.StartNew();
                run();
                if (i > 0) // the first round warms up
                    times[name].Add(sw.Elapsed.TotalMilliseconds);
            }
        }
        double Median(string n) => times[n].Order().ElementAt(times[n].Count / 2);
        foreach (var n in times.Keys)
            Console.WriteLine($"{n,-14} {Median(n),8:0.00} ms");
        double extra = Median("Private") - Median("None");
        Console.WriteLine($"Private costs {extra:0.00} ms more than None");
        var alone = PastaAlone(runs);
        Console.WriteLine($"pasta alone, from its start to its pid file on a waiting namespace (no container): {alone:0.00} ms " +
            "(its own start: it zeroes its packet buffers and flow tables before it writes the pid file)");
        Goals.Add("-Network Private over None", $"+{extra:0} ms (pasta alone {alone:0} ms)", "<= +40 ms", extra <= 40);

        long pastaBefore = Scaling.RssKiB("passt", "pasta");
        var handle = engine.Create(new ContainerSpec { RootFs = image, Network = NetworkMode.Private, Command = new[] { "/bin/sh", "-c", "exec sleep 60" } }, new CreateOptions());
        try
        {
            Thread.Sleep(300);
            long helpers = Scaling.ContainerRssKiB(handle), pasta = Scaling.RssKiB("passt", "pasta") - pastaBefore;
            Console.WriteLine($"resident memory of one idle private-network container: pasta {pasta} KiB (private: its zeroed buffers, " +
                $"not shared with another pasta), its helpers {helpers} KiB");
            Goals.Add("-Network Private: pasta's memory stated", $"{pasta / 1024.0:0.0} MiB per container", "stated", true);
        }
        finally
        {
            engine.Remove(handle, force: true, TimeSpan.Zero);
        }
    }

    /// <summary>The floor under -Network Private: pasta started on a namespace that already
    /// waits (unshare -Urn sleep), timed until it writes its pid file, as the monitor waits for it.</summary>
    private static double PastaAlone(int runs)
    {
        var times = new List<double>();
        var dir = Directory.CreateTempSubdirectory("usnc-bench-pasta-").FullName;
        try
        {
            for (int i = 0; i <= runs; i++)
            {
                using var ns = Process.Start(new ProcessStartInfo("unshare", "-Urn sleep 60") { UseShellExecute = false })!;
                try
                {
                    Thread.Sleep(100); // until unshare has become sleep in its namespaces
                    var pidFile = Path.Combine(dir, $"pid{i}");
                    // .NET's children start with SIGPIPE ignored, which this pasta takes for a failure
                    // to install its handlers ("Couldn't install signal handlers"): env resets it
                    var psi = new ProcessStartInfo("env") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                    foreach (var a in new[] { "--default-signal=PIPE", "/usr/bin/pasta", "--config-net", "-l", Path.Combine(dir, "log"), "--runas", $"{UserNsContainer.Engine.ContainerEngine.CallerUid}",
                                 "-t", "none", "-u", "none", "-T", "none", "-U", "none", "--no-map-gw", "-f", "-P", pidFile, ns.Id.ToString() })
                        psi.ArgumentList.Add(a);
                    var sw = Stopwatch.StartNew();
                    using var pasta = Process.Start(psi)!;
                    while (!(File.Exists(pidFile) && new FileInfo(pidFile).Length > 0) && !pasta.HasExited && sw.ElapsedMilliseconds < 10000)
                        Thread.Sleep(1); // not a spin: pasta needs the CPU it would take
                    var ms = sw.Elapsed.TotalMilliseconds;
                    if (pasta.HasExited)
                        throw new InvalidOperationException($"pasta ended with {pasta.ExitCode}: {File.ReadAllText(Path.Combine(dir, "log")).Trim()}");
                    pasta.Kill();
                    pasta.WaitForExit();
                    if (i > 0)
                        times.Add(ms);
                }
                finally
                {
                    ns.Kill();
                    ns.WaitForExit();
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
