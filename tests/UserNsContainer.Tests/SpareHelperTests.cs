using System;
using System.IO;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine.Native;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The warm helper a process keeps for its next container: spawned once a container
/// runs, used by the next one, replaced when it dies, and gone with the module.</summary>
public sealed class SpareHelperTests : ContainerTest
{
    private static int WaitForSpare()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (SpareHelpers.Pids.Count == 0 && DateTime.UtcNow < deadline)
            Thread.Sleep(10);
        return Assert.Single(SpareHelpers.Pids);
    }

    [Fact]
    public void TheNextContainerStartsFromTheSpareAndADeadSpareIsReplaced()
    {
        SpareHelpers.DiscardAll();
        TestHost.Run("Invoke-UserNsContainer -Command /bin/true");
        int spare = WaitForSpare();
        // listed once ready: it waits for a plan, non-dumpable (its /proc files are root's),
        // holding no directory of the caller's busy
        Assert.Equal("usnc-helper", File.ReadAllText($"/proc/{spare}/comm").Trim());
        Assert.Equal(0u, Libc.OwnerOf($"/proc/{spare}/fd", followLinks: false));
        if (TestHost.Uid == 0)
            Assert.Equal("/", new DirectoryInfo($"/proc/{spare}/cwd").LinkTarget);
        else
        {
            // the caller's own uid may not read where it works (.NET gives null for a link it
            // cannot read) nor its environment
            Assert.Null(new DirectoryInfo($"/proc/{spare}/cwd").LinkTarget);
            Assert.Throws<UnauthorizedAccessException>(() => File.ReadAllText($"/proc/{spare}/environ"));
        }

        // the next foreground container's monitor is that process
        var engine = new UserNsContainer.Engine.ContainerEngine(UserNsContainer.Engine.StateStore.ForCurrentUser());
        var handle = engine.Create(new UserNsContainer.Engine.ContainerSpec { Command = new[] { "/bin/true" } }, new UserNsContainer.Engine.CreateOptions { Foreground = true });
        Assert.Equal(spare, handle.MonitorPid);
        Assert.DoesNotContain(spare, SpareHelpers.Pids);
        foreach (var _ in engine.ReadOutput(handle, CancellationToken.None)) { }
        engine.ReleaseForeground(handle);
        PsResult r;

        // a spare killed from outside is reaped and replaced; the container starts all the same
        TestHost.Run("Invoke-UserNsContainer -Command /bin/true");
        int second = WaitForSpare();
        System.Diagnostics.Process.GetProcessById(second).Kill();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (File.Exists($"/proc/{second}/status") && !File.ReadAllText($"/proc/{second}/status").Contains("State:\tZ") && DateTime.UtcNow < deadline)
            Thread.Sleep(10);
        r = TestHost.Run("Invoke-UserNsContainer -Command /bin/echo, after-kill");
        Assert.Equal(new[] { "after-kill" }, r.Lines);
        Assert.False(Directory.Exists($"/proc/{second}"), "the dead spare was reaped");
    }

    [Fact]
    public void RemovingTheModuleEndsTheSpare()
    {
        SpareHelpers.DiscardAll();
        using var rs = TestHost.OpenRunspace();
        TestHost.Run(rs, "Invoke-UserNsContainer -Command /bin/true");
        int spare = WaitForSpare();
        TestHost.Run(rs, "Remove-Module UserNsContainer");
        Assert.Empty(SpareHelpers.Pids);
        Assert.False(Directory.Exists($"/proc/{spare}"), "the spare ended and was reaped");
    }

    /// <summary>A container that shares the host's pid namespace sees the spare and runs as the
    /// caller's uid, yet cannot open its fds (the engine's socket, the output pipes) or read
    /// its environment: the kernel refuses ptrace access from a user namespace to a process of
    /// its parent, and the spare is non-dumpable besides.</summary>
    [Fact]
    public void AContainerSharingThePidNamespaceCannotReachTheSpare()
    {
        SpareHelpers.DiscardAll();
        TestHost.Run("New-UserNsContainer -Name spare-probe -Command sleep, 30 | Out-Null");
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (SpareHelpers.PidOf(StdioMode.Detached) is null && DateTime.UtcNow < deadline)
                Thread.Sleep(10);
            int spare = SpareHelpers.PidOf(StdioMode.Detached) ?? throw new InvalidOperationException("no spare for detached containers");
            var r = TestHost.Run($$"""
                Invoke-UserNsContainer -Namespace user, mnt -Command sh, -c, '
                    test -d /proc/{{spare}} && echo seen
                    for f in /proc/{{spare}}/fd/*; do readlink $f; done 2>/dev/null | grep -c . || true
                    cat /proc/{{spare}}/fd/3 </dev/null >/dev/null 2>&1 && echo socket-open || echo socket-refused
                    cat /proc/{{spare}}/environ >/dev/null 2>&1 && echo environ-read || echo environ-refused'
                """);
            Assert.True(r.Succeeded, string.Join("; ", r.Errors));
            Assert.Equal(new[] { "seen", "0", "socket-refused", "environ-refused" }, r.Lines);
            Assert.Equal(spare, SpareHelpers.PidOf(StdioMode.Detached));
        }
        finally
        {
            TestHost.Run("Remove-UserNsContainer -Name spare-probe -Force");
        }
    }
}
