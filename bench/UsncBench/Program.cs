using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using UserNsContainer;
using UserNsContainer.Engine;

namespace UsncBench;

/// <summary>
/// Times "run /bin/true in a fresh container" for each contender, interleaved round-robin so
/// that machine noise hits all of them alike, and prints median, p90 and the ratio of our
/// median to each peer's (below 1.00: we start faster); then what grows with use (Scaling).
/// </summary>
public static class Program
{
    private sealed record Contender(string Name, Action Run, bool Ours = false);

    public static int Main(string[] args)
    {
        int iterations = args.Length > 1 && args[0] == "--iterations" ? int.Parse(args[1]) : 40;
        Environment.SetEnvironmentVariable("USER", Environment.GetEnvironmentVariable("USER") ?? "bench"); // ch-run wants it
        var image = MakeImage();
        try
        {
            using var rs = OpenRunspace();
            Report("default root: the host's / read-only, fresh /proc /dev /tmp, all namespaces", iterations, new List<Contender>
            {
                new("Invoke-UserNsContainer (warm runspace)", () => Invoke(rs, "Invoke-UserNsContainer -Command /bin/true"), true),
                new("UserNsContainer engine, no PowerShell", () => EngineRun(null), true),
                Peer("bwrap --unshare-all --ro-bind / / --proc --dev --tmpfs", "bwrap", "--unshare-all", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "/bin/true"),
                Peer("unshare -Urmpf --mount-proc (no root bind, no /dev)", "unshare", "-Urmpf", "--mount-proc", "/bin/true"),
            });
            Report($"directory root: a busybox image ({image})", iterations, new List<Contender>
            {
                new("Invoke-UserNsContainer -RootFs (warm runspace)", () => Invoke(rs, $"Invoke-UserNsContainer -RootFs {image} -Command /bin/true"), true),
                new("UserNsContainer engine -RootFs, no PowerShell", () => EngineRun(image), true),
                Peer("bwrap --unshare-all --ro-bind IMAGE / --proc --dev --tmpfs", "bwrap", "--unshare-all", "--ro-bind", image, "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "/bin/true"),
                Peer("ch-run IMAGE (user+mnt namespaces only)", "ch-run", image, "--", "/bin/true"),
            });
            var target = Engine.Create(new ContainerSpec { Name = "bench-enter-" + Environment.ProcessId }, new CreateOptions());
            try
            {
                var pid = target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Invoke(rs, $"$script:target = Get-UserNsContainer -Id {target.Id}");
                Report($"entering a running container ({target.Name}, pid {pid})", iterations, new List<Contender>
                {
                    new("Enter-ContainerNamespace (warm runspace)", () => Invoke(rs, "$script:target | Enter-ContainerNamespace -Command /bin/true"), true),
                    new("UserNsContainer engine Enter, no PowerShell", () => EngineEnter(target), true),
                    Peer("nsenter --preserve-credentials -U -m -p -i -u -n -t PID", "nsenter", "--preserve-credentials", "-U", "-m", "-p", "-i", "-u", "-n", "-t", pid, "/bin/true"),
                });
            }
            finally
            {
                Engine.Remove(target, force: true, TimeSpan.Zero);
            }
            Scaling.Run(Engine, image, Math.Max(5, iterations / 4));
            Network.Run(Engine, image, Math.Max(5, iterations / 4));
        }
        finally
        {
            Directory.Delete(image, recursive: true);
        }
        return 0;
    }

    private static Contender Peer(string name, string file, params string[] args) => new(name, () =>
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} exited with {p.ExitCode}");
    });

    private static void Report(string title, int iterations, List<Contender> contenders)
    {
        var available = contenders.Where(c => Works(c)).ToList();
        var times = available.ToDictionary(c => c, _ => new List<double>());
        for (int i = 0; i < iterations; i++)
            foreach (var c in available)
            {
                var sw = Stopwatch.StartNew();
                c.Run();
                times[c].Add(sw.Elapsed.TotalMilliseconds);
            }
        Console.WriteLine();
        Console.WriteLine($"== {title}; {iterations} runs each, /bin/true, interleaved");
        var ours = available.First(c => c.Ours);
        double oursMedian = Median(times[ours]);
        Console.WriteLine($"{"contender",-62} {"median ms",10} {"p90 ms",8} {"ratio",8}");
        foreach (var c in available)
        {
            var m = Median(times[c]);
            var ratio = c.Ours ? "" : (oursMedian / m).ToString("0.00");
            Console.WriteLine($"{c.Name,-62} {m,10:0.00} {Percentile(times[c], 0.9),8:0.00} {ratio,8}");
        }
        Console.WriteLine($"ratio = median of '{ours.Name}' / median of the peer (below 1.00: we start faster)");
        foreach (var c in contenders.Except(available))
            Console.WriteLine($"skipped: {c.Name} (not installed or failed; apt-get install bubblewrap charliecloud-runtime)");
    }

    private static bool Works(Contender c)
    {
        try
        {
            for (int i = 0; i < 3; i++)
                c.Run(); // warm-up
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or UserNsContainerException)
        {
            Console.Error.WriteLine($"{c.Name}: {e.Message}");
            return false;
        }
    }

    private static double Median(List<double> xs) => Percentile(xs, 0.5);

    private static double Percentile(List<double> xs, double q)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s[(int)Math.Min(s.Length - 1, Math.Floor(q * s.Length))];
    }

    private static Runspace OpenRunspace()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { FindModule() });
        var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        return rs;
    }

    private static void Invoke(Runspace rs, string script)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script).Invoke();
        if (ps.HadErrors)
            throw new InvalidOperationException(string.Join("; ", ps.Streams.Error));
    }

    private static readonly ContainerEngine Engine = new(StateStore.ForCurrentUser());

    private static void EngineRun(string? root)
    {
        var spec = new ContainerSpec { Command = new[] { "/bin/true" }, RootFs = root };
        var handle = Engine.Create(spec, new CreateOptions { Foreground = true });
        foreach (var _ in Engine.ReadOutput(handle, CancellationToken.None)) { }
        Engine.ReleaseForeground(handle);
    }

    private static void EngineEnter(ContainerHandle target)
    {
        var request = new EnterRequest { TargetPid = target.Pid, TargetStartTime = target.PidStartTime, Process = new ContainerSpec { Command = new[] { "/bin/true" } } };
        using var entered = Engine.Enter(request, UserNsContainer.Engine.Native.StdioMode.Capture);
        foreach (var _ in entered.ReadOutput(CancellationToken.None)) { }
    }

    private static string FindModule()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "out", "UserNsContainer", "UserNsContainer.psd1");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("out/UserNsContainer/UserNsContainer.psd1 not found: build first.");
    }

    /// <summary>A busybox image with what ch-run binds (etc/passwd, group, hosts, resolv.conf).</summary>
    private static string MakeImage()
    {
        var root = Directory.CreateTempSubdirectory("usnc-bench-").FullName;
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        foreach (var d in new[] { "bin", "proc", "dev", "tmp", "sys", "run", "etc", "home", "mnt", "root" })
            Directory.CreateDirectory(Path.Combine(root, d));
        File.Copy("/bin/busybox", Path.Combine(root, "bin", "busybox"));
        File.CreateSymbolicLink(Path.Combine(root, "bin", "true"), "/bin/busybox");
        File.CreateSymbolicLink(Path.Combine(root, "bin", "sh"), "/bin/busybox");
        foreach (var f in new[] { "passwd", "group", "hosts", "resolv.conf" })
            File.WriteAllText(Path.Combine(root, "etc", f), "");
        return root;
    }
}
