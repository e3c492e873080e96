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
    /// <summary>Ours: a cmdlet in the warm runspace, or the engine called directly. A peer is
    /// started directly (Process.Start), or from the same runspace as a pwsh user starts it.</summary>
    private enum Kind { Cmdlet, Engine, Direct, InRunspace }

    private sealed record Contender(string Name, Action Run, Kind Kind);

    public static int Main(string[] args)
    {
        int iterations = args.Length > 1 && args[0] == "--iterations" ? int.Parse(args[1]) : 40;
        Environment.SetEnvironmentVariable("USER", Environment.GetEnvironmentVariable("USER") ?? "bench"); // ch-run wants it
        Machine.Print();
        var image = MakeImage();
        if (args.Contains("--thousand"))
        {
            // only the thousand idle containers: bash bench/run.sh --thousand
            try
            {
                Scaling.Thousand(Engine, image);
                Goals.Print();
            }
            finally
            {
                Directory.Delete(image, recursive: true);
            }
            return 0;
        }
        try
        {
            using var rs = OpenRunspace();
            const string bwrapDefault = "bwrap --unshare-all --ro-bind / / --proc /proc --dev /dev --tmpfs /tmp /bin/true";
            const string invoke = "Invoke-UserNsContainer (warm runspace)", engine = "UserNsContainer engine, no PowerShell",
                bwrap = "bwrap --unshare-all --ro-bind / / --proc --dev --tmpfs", bwrapHere = "& bwrap ... from the same runspace (as a pwsh user runs it)";
            const string imageEngine = "UserNsContainer engine -RootFs, no PowerShell", imageBwrap = "bwrap --unshare-all --ro-bind IMAGE / --proc --dev --tmpfs", userMntEngine = "UserNsContainer engine -RootFs, user+mnt, no PowerShell", chRun = "ch-run IMAGE", enterEngine = "UserNsContainer engine Enter, no PowerShell", nsenter = "nsenter --preserve-credentials -U -m -p -i -u -n -t PID";
            var m = Report("default root: the host's / read-only, fresh /proc /dev /tmp, all namespaces", iterations, new List<Contender>
            {
                new(invoke, () => Invoke(rs, "Invoke-UserNsContainer -Command /bin/true"), Kind.Cmdlet),
                new(engine, () => EngineRun(null), Kind.Engine),
                Peer(bwrap, bwrapDefault.Split(' ')),
                new(bwrapHere, () => Invoke(rs, "& " + bwrapDefault), Kind.InRunspace),
                new("& /bin/true from the same runspace (PowerShell's own cost)", () => Invoke(rs, "& /bin/true"), Kind.InRunspace),
                Peer("unshare -Urmpf --mount-proc (no root bind, no /dev)", "unshare", "-Urmpf", "--mount-proc", "/bin/true"),
            });
            Goal("start, default root: the engine against bwrap --unshare-all", m, engine, bwrap, 0.85);
            Goal("start, default root: Invoke-UserNsContainer against & bwrap", m, invoke, bwrapHere, 0.70);
            m = Report($"directory root: a busybox image ({image})", iterations, new List<Contender>
            {
                new("Invoke-UserNsContainer -RootFs (warm runspace)", () => Invoke(rs, $"Invoke-UserNsContainer -RootFs {image} -Command /bin/true"), Kind.Cmdlet),
                new(imageEngine, () => EngineRun(image), Kind.Engine),
                Peer(imageBwrap, "bwrap", "--unshare-all", "--ro-bind", image, "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "/bin/true"),
                Peer("ch-run IMAGE (user+mnt namespaces only)", "ch-run", image, "--", "/bin/true"),
            });
            Goal("start, busybox image: the engine against bwrap", m, imageEngine,
                imageBwrap, 0.85);
            m = Report($"the same image, user and mount namespaces only (what ch-run makes)", iterations, new List<Contender>
            {
                new("Invoke-UserNsContainer -RootFs -Namespace user,mnt", () => Invoke(rs, $"Invoke-UserNsContainer -RootFs {image} -Namespace user,mnt -Command /bin/true"), Kind.Cmdlet),
                new(userMntEngine, () => EngineRun(image, NamespaceSet.User | NamespaceSet.Mnt), Kind.Engine),
                Peer(chRun, "ch-run", image, "--", "/bin/true"),
                new("& ch-run IMAGE from the same runspace", () => Invoke(rs, $"& ch-run {image} -- /bin/true"), Kind.InRunspace),
            });
            Goal("start, busybox image, user+mnt: the engine against ch-run", m, userMntEngine, chRun, 1.20);
            var target = Engine.Create(new ContainerSpec { Name = "bench-enter-" + Environment.ProcessId }, new CreateOptions());
            try
            {
                var pid = target.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Invoke(rs, $"$script:target = Get-UserNsContainer -Id {target.Id}");
                m = Report($"entering a running container ({target.Name}, pid {pid})", iterations, new List<Contender>
                {
                    new("Enter-ContainerNamespace (warm runspace)", () => Invoke(rs, "$script:target | Enter-ContainerNamespace -Command /bin/true"), Kind.Cmdlet),
                    new(enterEngine, () => EngineEnter(target), Kind.Engine),
                    Peer(nsenter, "nsenter", "--preserve-credentials", "-U", "-m", "-p", "-i", "-u", "-n", "-t", pid, "/bin/true"),
                    new("& nsenter ... from the same runspace", () => Invoke(rs, $"& nsenter --preserve-credentials -U -m -p -i -u -n -t {pid} /bin/true"), Kind.InRunspace),
                });
                Goal("enter: the engine against nsenter (held below 1.00)", m, enterEngine,
                    nsenter, 1.00);
            }
            finally
            {
                Engine.Remove(target, force: true, TimeSpan.Zero);
            }
            Scaling.Run(Engine, image, Math.Max(5, iterations / 4));
            Network.Run(Engine, image, Math.Max(5, iterations / 4));
            ParallelInvoke(rs);
            Goals.Print();
        }
        finally
        {
            Directory.Delete(image, recursive: true);
        }
        return 0;
    }

    private static Contender Peer(string name, params string[] command) => new(name, () =>
    {
        var file = command[0];
        var args = command.Skip(1);
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} exited with {p.ExitCode}");
    }, Kind.Direct);

    /// <summary>Runs the contenders interleaved, prints the table and returns each one's median (ms) by name.</summary>
    private static Dictionary<string, double> Report(string title, int iterations, List<Contender> contenders)
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
        var cmdlet = available.FirstOrDefault(c => c.Kind == Kind.Cmdlet);
        var engine = available.FirstOrDefault(c => c.Kind == Kind.Engine);
        Console.WriteLine($"{"contender",-64} {"median ms",9} {"p90 ms",7} {"cmdlet/it",9} {"engine/it",9}");
        foreach (var c in available)
        {
            var m = Median(times[c]);
            bool peer = c.Kind is Kind.Direct or Kind.InRunspace;
            string Ratio(Contender? ours) => peer && ours is not null ? (Median(times[ours]) / m).ToString("0.00") : "";
            // the engine is compared with peers started directly: neither pays PowerShell
            var engineRatio = c.Kind == Kind.Direct ? Ratio(engine) : "";
            Console.WriteLine($"{c.Name,-64} {m,9:0.00} {Percentile(times[c], 0.9),7:0.00} {Ratio(cmdlet),9} {engineRatio,9}");
        }
        Console.WriteLine("ratio = our median / the peer's median (below 1.00: we start faster); engine/it only against peers started directly");
        foreach (var c in contenders.Except(available))
            Console.WriteLine($"skipped: {c.Name} (not installed or failed; apt-get install bubblewrap charliecloud-runtime)");
        return available.ToDictionary(c => c.Name, c => Median(times[c]));
    }

    private static void Goal(string what, Dictionary<string, double> medians, string ours, string peer, double max)
    {
        if (medians.TryGetValue(ours, out var o) && medians.TryGetValue(peer, out var p))
            Goals.Ratio(what, o, p, max);
        else
            Goals.Add(what, "not measured (a contender is missing)", $"<= {max:0.00}", false);
    }

    /// <summary>100 Invoke-UserNsContainer from ForEach-Object -Parallel -ThrottleLimit 16 in the
    /// runspace: the total time, and every one must succeed.</summary>
    private static void ParallelInvoke(Runspace rs)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("$m = $args[0]; 1..100 | ForEach-Object -ThrottleLimit 16 -Parallel { Import-Module $using:m; " +
                     "Invoke-UserNsContainer -Command sh, -c, \"echo $_\" } -ErrorVariable +failed 2>$null; @($failed).Count")
          .AddArgument(FindModule());
        var sw = Stopwatch.StartNew();
        var output = ps.Invoke();
        var ms = sw.Elapsed.TotalMilliseconds;
        var lines = output.Take(output.Count - 1).Select(o => o.ToString()).ToHashSet();
        int failed = Convert.ToInt32(output[^1].BaseObject, System.Globalization.CultureInfo.InvariantCulture) + ps.Streams.Error.Count;
        bool all = failed == 0 && Enumerable.Range(1, 100).All(i => lines.Contains(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Console.WriteLine();
        Console.WriteLine($"== 100 Invoke-UserNsContainer from ForEach-Object -Parallel -ThrottleLimit 16: {ms:0} ms in all, {failed} errors, every output {(all ? "back" : "not back")}");
        Goals.Add("100 concurrent Invoke-UserNsContainer (-Parallel, throttle 16)", $"{failed} errors, {ms:0} ms", "no error", all);
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

    private static void EngineRun(string? root, NamespaceSet? namespaces = null)
    {
        var spec = new ContainerSpec { Command = new[] { "/bin/true" }, RootFs = root };
        if (namespaces is { } ns)
            spec.Namespaces = ns;
        var handle = Engine.Create(spec, new CreateOptions { Foreground = true });
        foreach (var _ in Engine.ReadOutput(handle, CancellationToken.None)) { }
        Engine.ReleaseForeground(handle);
    }

    private static void EngineEnter(ContainerHandle target)
    {
        var request = new EnterRequest { TargetPid = target.Pid, TargetStartTime = target.PidStartTime, Process = new ContainerSpec { Command = new[] { "/bin/true" } } };
        using var entered = Engine.Enter(request, UserNsContainer.Engine.Native.StdioMode.Capture);
        foreach (var _ in entered.OpenIo(OutputForms.Lines).Finish(CancellationToken.None)) { }
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
