using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine;

namespace UsncBench;

/// <summary>What -Network Private costs: start-up against -Network None, and resident memory per container.
/// (pasta spawning /bin/true itself is not a peer: started from a .NET process it fails with
/// "Couldn't install signal handlers".)</summary>
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
        Console.WriteLine($"Private costs {Median("Private") - Median("None"):0.00} ms more than None");

        long pastaBefore = Scaling.RssKiB("passt", "pasta");
        var handle = engine.Create(new ContainerSpec { RootFs = image, Network = NetworkMode.Private, Command = new[] { "/bin/sh", "-c", "exec sleep 60" } }, new CreateOptions());
        try
        {
            Thread.Sleep(300);
            long helpers = Scaling.ContainerRssKiB(handle), pasta = Scaling.RssKiB("passt", "pasta") - pastaBefore;
            Console.WriteLine($"resident memory of one idle private-network container: pasta {pasta} KiB, its helpers {helpers} KiB");
        }
        finally
        {
            engine.Remove(handle, force: true, TimeSpan.Zero);
        }
    }
}
