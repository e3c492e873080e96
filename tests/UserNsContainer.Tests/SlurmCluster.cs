using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// A real Slurm cluster of two nodes on this machine, run by whoever runs the tests: munged
/// with a key of its own, slurmctld, and two slurmd (node1 and node2, each on a port of its
/// own, the "multiple slurmd" arrangement Slurm supports for testing), all on 127.0.0.1 with
/// a configuration in a private temporary directory, stopped by pid at the end. Nothing is
/// read from or written to /etc/slurm, /etc/munge or /var.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    public readonly string Dir;
    public readonly string Config;
    private readonly List<Process> _daemons = new();
    private readonly string _mungePidFile;

    public SlurmCluster()
    {
        Config = "";
        _mungePidFile = "";
        Dir = "";
        if (SlurmFactAttribute.Missing() is not null)
            return; // the tests are skipped, saying why
        Dir = Path.Combine(TestHost.Scratch, "slurm-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Dir);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_000_000);
        foreach (var sub in new[] { "state", "spool", "log" })
            Directory.CreateDirectory(Path.Combine(Dir, sub));
        var key = Path.Combine(Dir, "munge.key");
        File.WriteAllBytes(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(128));
        File.SetUnixFileMode(key, (UnixFileMode)0b110_000_000);
        _mungePidFile = Path.Combine(Dir, "munged.pid");
        try
        {
            // munged daemonizes once its socket is up; --force: the scratch directory is under /tmp
            Run("/usr/sbin/munged", $"--key-file={key}", $"--socket={Socket}", $"--pid-file={_mungePidFile}",
                $"--log-file={Path.Combine(Dir, "munged.log")}", $"--seed-file={Path.Combine(Dir, "munge.seed")}", "--force");
            Config = Path.Combine(Dir, "slurm.conf");
            File.WriteAllText(Config, ConfigText(FreePort(), FreePort(), FreePort()));
            _daemons.Add(Daemon("/usr/sbin/slurmctld", "-D", "-f", Config));
            _daemons.Add(Daemon("/usr/sbin/slurmd", "-D", "-f", Config, "-N", "node1"));
            _daemons.Add(Daemon("/usr/sbin/slurmd", "-D", "-f", Config, "-N", "node2"));
            WaitUntilIdle();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private string Socket => Path.Combine(Dir, "munge.sock");

    private string ConfigText(int ctldPort, int node1Port, int node2Port)
    {
        var user = Environment.UserName;
        return $"""
            ClusterName=usnctest
            SlurmctldHost=localhost(127.0.0.1)
            SlurmUser={user}
            SlurmdUser={user}
            SlurmctldPort={ctldPort}
            AuthType=auth/munge
            AuthInfo=socket={Socket}
            CredType=cred/munge
            StateSaveLocation={Dir}/state
            SlurmdSpoolDir={Dir}/spool/%n
            SlurmctldPidFile={Dir}/slurmctld.pid
            SlurmdPidFile={Dir}/slurmd.%n.pid
            SlurmctldLogFile={Dir}/log/slurmctld.log
            SlurmdLogFile={Dir}/log/slurmd.%n.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            SlurmdParameters=config_overrides
            ReturnToService=2
            MpiDefault=none
            JobCompType=jobcomp/none
            AccountingStorageType=accounting_storage/none
            SwitchType=switch/none
            NodeName=node1 NodeHostname=localhost NodeAddr=127.0.0.1 Port={node1Port} CPUs=8 State=UNKNOWN
            NodeName=node2 NodeHostname=localhost NodeAddr=127.0.0.1 Port={node2Port} CPUs=8 State=UNKNOWN
            PartitionName=debug Nodes=node1,node2 Default=YES OverSubscribe=YES MaxTime=INFINITE State=UP

            """;
    }

    private static int FreePort() => Daemons.FreePort();

    /// <summary>A client command (srun, sbatch, sinfo) against this cluster.</summary>
    public ProcessStartInfo Client(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Dir,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Config;
        return psi;
    }

    /// <summary>Runs a client command to its end; its standard output, or a failure with both streams.</summary>
    public string Run(ProcessStartInfo psi, int timeoutMs = 120_000)
    {
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish: {output} {err.Result}");
        }
        Assert.True(p.ExitCode == 0, $"{psi.FileName} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}:\n{output}\n{err.Result}\n{Logs()}");
        return output;
    }

    private void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} exited with {p.ExitCode}: {err}");
    }

    private Process Daemon(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["SLURM_CONF"] = Config;
        return Daemons.Start(psi);
    }

    private void WaitUntilIdle()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string states = "";
        while (DateTime.UtcNow < deadline)
        {
            using var p = Process.Start(Client("sinfo", "-h", "-N", "-o", "%N %t"))!;
            states = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var lines = states.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (p.ExitCode == 0 && lines.Length == 2 && lines.All(l => l.EndsWith(" idle", StringComparison.Ordinal)))
                return;
            Thread.Sleep(100);
        }
        throw new TimeoutException($"the Slurm nodes did not become idle: '{states}'\n{Logs()}");
    }

    /// <summary>The daemons' logs, for a failure message.</summary>
    public string Logs() =>
        string.Join("\n", Directory.Exists(Path.Combine(Dir, "log"))
            ? Directory.GetFiles(Path.Combine(Dir, "log")).Select(f => $"--- {Path.GetFileName(f)}\n" + string.Join("\n", File.ReadLines(f).TakeLast(15)))
            : Array.Empty<string>());

    public void Dispose()
    {
        foreach (var p in _daemons)
        {
            Daemons.Stop(p);
        }
        if (Dir.Length == 0)
            return;
        if (File.Exists(_mungePidFile) && int.TryParse(File.ReadAllText(_mungePidFile).Trim(), out var munged))
        {
            try
            {
                using var p = Process.GetProcessById(munged);
                p.Kill();
                p.WaitForExit(10_000);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A test that runs jobs under the real Slurm of <see cref="SlurmCluster"/>.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (Missing() is { } f)
            Skip = $"{f} is missing: apt-get install munge slurmctld slurmd slurm-client (.ci/run does)";
    }

    internal static string? Missing() =>
        new[] { "/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/srun", "/usr/bin/sbatch" }.FirstOrDefault(f => !File.Exists(f));
}
