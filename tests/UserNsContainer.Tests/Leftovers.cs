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
    private readonly HashSet<(int, string)> _helpersBefore = HelperProcesses().Select(Identity).ToHashSet();

    /// <summary>Live helper processes of this user that were not there when the test began.</summary>
    public List<int> NewHelperProcesses() => HelperProcesses().Where(p => !_helpersBefore.Contains(Identity(p))).ToList();

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

    public virtual void Dispose()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (NewHelperProcesses().Any() && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Empty(NewHelperProcesses());
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
