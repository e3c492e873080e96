using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Base of the tests that create containers: after every test there must be no helper
/// process the test started, no new host mount, and no state record, status, log or name
/// file. Containers that already ran when the test began (other work of the same user on a
/// shared machine) are not the test's and are neither counted nor touched.
/// </summary>
public abstract class ContainerTest : IDisposable
{
    private readonly HashSet<string> _mountsBefore = HostMounts();
    private readonly List<int> _pastasBefore = PastaProcesses();
    private readonly HashSet<(int, string)> _helpersBefore = HelperProcesses().Select(Identity).ToHashSet();

    /// <summary>Live helper processes of this user that were not there when the test began, and
    /// not this process's spares. A spare being spawned is awaited first: its process exists a
    /// moment before it is listed as a spare.</summary>
    public List<int> NewHelperProcesses()
    {
        UserNsContainer.Engine.Native.SpareHelpers.AwaitRefills(TimeSpan.FromSeconds(5));
        var spares = UserNsContainer.Engine.Native.SpareHelpers.Pids; // warm helpers waiting for the next container
        return HelperProcesses().Where(p => !_helpersBefore.Contains(Identity(p)) && !spares.Contains(p)).ToList();
    }

    /// <summary>A pid with its start time, so that a reused pid is not taken for an old process.</summary>
    private static (int, string) Identity(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return (pid, stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19]);
        }
        catch (IOException)
        {
            return (pid, "");
        }
    }

    /// <summary>Entries of the shared scratch directory that outlive a test, made once on first
    /// use: the busybox root, the probe and sanitized helper builds, the private state directory.</summary>
    private static readonly string[] Persistent = { "busybox-root", "state", "probe", "usnc-helper-asan", "doc-images" };
    private readonly HashSet<string> _scratchBefore = ScratchEntries();

    private static HashSet<string> ScratchEntries() => Directory.EnumerateFileSystemEntries(TestHost.Scratch).ToHashSet();

    /// <summary>Script variables for TestHost.Run.</summary>
    protected static Dictionary<string, object?> Vars(params (string, object?)[] kv) => kv.ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>A host directory of the test's own with one file, f, saying "from-host".</summary>
    protected static string HostDir(string name)
    {
        var d = Path.Combine(TestHost.Scratch, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        File.WriteAllText(Path.Combine(d, "f"), "from-host\n");
        return d;
    }

    private readonly List<System.Diagnostics.Process> _spawned = new();

    /// <summary>A process the test started (a second PowerShell, a terminal session): killed,
    /// with its children, when the test ends, whether it passed or not.</summary>
    protected System.Diagnostics.Process Track(System.Diagnostics.Process p)
    {
        _spawned.Add(p);
        return p;
    }

    /// <summary>A second PowerShell process (real pwsh) running <paramref name="script"/>,
    /// optionally on a terminal of its own (script(1)); tracked, so it ends with the test.</summary>
    protected System.Diagnostics.Process StartShell(string script, bool viaTerminal = false)
    {
        var file = Path.Combine(TestHost.Scratch, $"script-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, script);
        File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        var psi = viaTerminal
            ? new System.Diagnostics.ProcessStartInfo("script", new[] { "-qec", RealPwsh.CommandLine(file), "/dev/null" })
            : new System.Diagnostics.ProcessStartInfo("dotnet", RealPwsh.Arguments(file));
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = viaTerminal;
        return Track(System.Diagnostics.Process.Start(psi)!);
    }

    /// <summary>pasta processes serving containers of this test run (their log is in its state directory).</summary>
    public static List<int> PastaProcesses(string? containerId = null)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var args = cmdline.Split('\0');
                if (args.Length > 0 && Path.GetFileName(args[0]) is "pasta" or "passt" or "pasta.avx2" or "passt.avx2" &&
                    cmdline.Contains(Path.Combine(TestHost.StateDir, containerId ?? ""), StringComparison.Ordinal))
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>Checks that the test left nothing behind, after removing what it did leave (so
    /// that a failing test does not break the next): its helper processes are killed, its
    /// state records and scratch files deleted. Then the checks fail the test if there were any.</summary>
    public virtual void Dispose()
    {
        foreach (var p in _spawned)
        {
            try
            {
                if (!p.HasExited)
                    p.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // it ended meanwhile
            }
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while ((NewHelperProcesses().Any() || PastaProcesses().Except(_pastasBefore).Any()) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        var helpers = NewHelperProcesses();
        foreach (var pid in helpers)
            Kill(pid);
        var pastas = PastaProcesses().Except(_pastasBefore).ToList();
        foreach (var pid in pastas)
            Kill(pid);
        var state = StateFiles();
        foreach (var f in state)
            File.Delete(f);
        foreach (var entry in ScratchEntries().Except(_scratchBefore).Where(e => !Persistent.Contains(Path.GetFileName(e))))
            Remove(entry);
        Assert.Empty(helpers);
        Assert.Empty(pastas);
        Assert.Equal(_mountsBefore.OrderBy(x => x), HostMounts().OrderBy(x => x));
        Assert.Empty(state);
    }

    private static void Kill(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            p.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // gone already
        }
    }

    /// <summary>Deletes a file, symlink or directory tree the test made (never following a symlink).</summary>
    private static void Remove(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null || !Directory.Exists(path))
        {
            File.Delete(path);
            return;
        }
        File.SetUnixFileMode(path, (UnixFileMode)0b111_000_000);
        foreach (var child in Directory.EnumerateFileSystemEntries(path))
            Remove(child);
        Directory.Delete(path);
    }

    /// <summary>Mount ids and points of this process's (the host's) mount namespace.</summary>
    public static HashSet<string> HostMounts() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => string.Join(' ', l.Split(' ').Take(5))).ToHashSet();

    /// <summary>Live usnc-helper processes (monitors, inits, entering helpers) of this test run:
    /// those whose third argument is this run's state directory (the engine passes it to every
    /// helper, and the monitor to the init). Containers of this user made by anyone else (their
    /// own state directory) are never counted, let alone killed.</summary>
    public static List<int> HelperProcesses()
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var status = File.ReadAllText(Path.Combine(dir, "status"));
                if (!status.StartsWith("Name:\tusnc-helper", StringComparison.Ordinal) || status.Contains("State:\tZ"))
                    continue;
                var uidLine = status.Split('\n').First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (uidLine.Split('\t')[1] == TestHost.Uid.ToString() && argv.Length > 2 && argv[2] == TestHost.StateDir)
                    found.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return found;
    }

    public static string[] StateFiles() =>
        Directory.Exists(TestHost.StateDir)
            ? Directory.EnumerateFiles(TestHost.StateDir, "*", SearchOption.AllDirectories).ToArray()
            : Array.Empty<string>();
}
