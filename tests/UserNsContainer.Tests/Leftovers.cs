using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Base of the tests that create containers: after every test there must be no helper
/// process of ours, no new host mount, and no state record, status, log or name file.
/// </summary>
public abstract class ContainerTest : IDisposable
{
    private readonly HashSet<string> _mountsBefore = HostMounts();

    public virtual void Dispose()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (HelperProcesses().Any() && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Empty(HelperProcesses());
        Assert.Equal(_mountsBefore.OrderBy(x => x), HostMounts().OrderBy(x => x));
        Assert.Empty(StateFiles());
    }

    /// <summary>Mount ids and points of this process's (the host's) mount namespace.</summary>
    public static HashSet<string> HostMounts() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => string.Join(' ', l.Split(' ').Take(5))).ToHashSet();

    /// <summary>Live usnc-helper processes (monitors and inits) of this user.</summary>
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
                if (uidLine.Split('\t')[1] == TestHost.Uid.ToString())
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
