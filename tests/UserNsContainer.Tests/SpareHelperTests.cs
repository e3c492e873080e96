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
        // it waits for a plan, holding no directory of the caller's busy
        Assert.Equal("/", new DirectoryInfo($"/proc/{spare}/cwd").LinkTarget);
        Assert.Equal("usnc-helper", File.ReadAllText($"/proc/{spare}/comm").Trim());

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
}
