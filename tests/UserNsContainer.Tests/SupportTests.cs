using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using UserNsContainer.Engine;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Test-UserNsSupport against real conditions: each blocked feature gives its Fail (or
/// Warn) row with a fix, and the cmdlet that hits the same condition gives the matching ErrorId.</summary>
public sealed class SupportTests : ContainerTest
{
    /// <summary>"Name|Status|RecommendedAction" per check.</summary>
    private static Dictionary<string, string[]> Rows(string args = "")
    {
        var r = TestHost.Run($"Test-UserNsSupport {args} | ForEach-Object {{ $_.Name + '|' + $_.Status + '|' + $_.Detail + '|' + $_.RecommendedAction }}");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        return r.Lines.Select(l => l.Split('|')).ToDictionary(f => f[0], f => f[1..]);
    }

    [Fact]
    public void EveryCheckIsAnObjectAndThisHostPassesTheOnesContainersNeed()
    {
        var rows = Rows();
        Assert.Equal(new[] { "KernelVersion", "UserNamespaces", "MaxUserNamespaces", "ContainerCapacity", "UnprivilegedUsernsClone", "AppArmorUsernsRestriction",
            "SubordinateUids", "SubordinateGids", "newuidmap", "newgidmap", "OverlayUserxattr", "SquashFS", "PrivateNetwork", "Seccomp", "Pidfd", "CgroupV2" }, rows.Keys);
        // the PrivateNetwork row says what -Network Private would meet (this machine kind has a default route)
        Assert.Equal(File.Exists("/usr/bin/pasta") && Engine.Native.Libc.CanReadWrite("/dev/net/tun") ? "Pass" : "Warn", rows["PrivateNetwork"][0]);
        // the SquashFS row says what a SquashFS root would meet
        Assert.Equal(File.Exists("/usr/bin/squashfuse") && Engine.Native.Libc.CanReadWrite("/dev/fuse") ? "Pass" : "Warn", rows["SquashFS"][0]);
        // real probes, as root and as an ordinary user (-WriteFake works on this kernel for both)
        foreach (var name in new[] { "KernelVersion", "UserNamespaces", "MaxUserNamespaces", "OverlayUserxattr", "Seccomp", "Pidfd" })
            Assert.Equal("Pass", rows[name][0]);
        Assert.All(rows.Values, v => Assert.Contains(v[0], new[] { "Pass", "Warn", "Fail", "NotApplicable" }));
        Assert.All(rows.Values.Where(v => v[0] == "Fail"), v => Assert.NotEqual("", v[2]));
        // the limits that bind first, each named with the number this host allows (issue 27)
        var capacity = rows["ContainerCapacity"];
        var allows = long.Parse(System.Text.RegularExpressions.Regex.Match(capacity[1], @"^At most (\d+) idle containers").Groups[1].Value);
        long Setting(string file) => long.Parse(File.ReadAllText("/proc/sys/" + file).Trim());
        var expected = new[] { Setting("user/max_user_namespaces") / 2, Setting("user/max_mnt_namespaces") / 2, Setting("kernel/pid_max") / 2, Setting("kernel/threads-max") / 2 }.Min();
        Assert.True(allows <= expected, capacity[1]);
        Assert.Contains("kernel.pid_max", capacity[1] + rows["ContainerCapacity"][1]);
        Assert.Equal(allows >= 1000 ? "Pass" : "Warn", capacity[0]);
        var quiet = TestHost.Run("Test-UserNsSupport -Quiet");
        Assert.Equal(new[] { rows.Values.All(v => v[0] != "Fail") ? "True" : "False" }, quiet.Lines);
    }

    [Fact]
    public void TheSubordinateRangeRowSaysWhichLineToAddWhenAutoCannotWork()
    {
        var row = Rows()["SubordinateUids"];
        var ranges = SubordinateIds.For("/etc/subuid", SubordinateIds.UserName(TestHost.Uid), TestHost.Uid);
        if (ranges.Sum(r => (long)r.Count) >= 65536)
            Assert.Equal("Pass", row[0]);
        else
        {
            Assert.Equal("Warn", row[0]);
            Assert.Matches($"add the line '{SubordinateIds.UserName(TestHost.Uid)}:\\d+:65536' to /etc/subuid", row[2]);
            var r = TestHost.Run("try { Invoke-UserNsContainer -IdMap Auto -Command /bin/true } catch { $_.FullyQualifiedErrorId }");
            Assert.Equal(new[] { "SubordinateIdsMissing,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
        }
    }

    [Fact]
    public void ANewuidmapWithoutItsSetuidBitFirstOnPathIsFoundOut()
    {
        var dir = Path.Combine(TestHost.Scratch, "plain-tools-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var tool in new[] { "newuidmap", "newgidmap" })
            File.Copy("/usr/bin/" + tool, Path.Combine(dir, tool)); // a copy loses the setuid bit
        var saved = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", dir + ":" + saved);
        try
        {
            var row = Rows()["newuidmap"];
            Assert.Equal(TestHost.Uid == 0 ? "NotApplicable" : "Fail", row[0]);
            Assert.Contains(dir, row[1]);
            if (TestHost.Uid != 0)
            {
                Assert.Contains("chmod u+s", row[2]);
                var r = TestHost.Run("try { Invoke-UserNsContainer -HostIdCount 2 -Command /bin/true } catch { $_.FullyQualifiedErrorId }");
                Assert.Equal(new[] { "IdMapToolNotPrivileged,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", saved);
        }
    }

    [Fact]
    public void AFilesystemTheCallerCannotIdmapIsAFailRowAndTheBindsError()
    {
        // /proc: procfs has no idmapped mounts (root gets EINVAL); an ordinary user may idmap no
        // host filesystem at all (EPERM). /tmp: root may (tmpfs supports it)
        var proc = Rows("-Path /proc")["IdmapMount"];
        Assert.Equal("Fail", proc[0]);
        Assert.Contains(TestHost.Uid == 0 ? "does not support idmapped mounts" : "may not idmap", proc[1]);
        var tmp = Rows($"-Path {TestHost.Scratch}")["IdmapMount"];
        Assert.Equal(TestHost.Uid == 0 ? "Pass" : "Fail", tmp[0]);
        var r = TestHost.Run("try { Invoke-UserNsContainer -Bind @{ Source = '/proc/self/ns'; Target = '/tmp/x'; IdMap = $true } -Command /bin/true } catch { $_.FullyQualifiedErrorId }");
        Assert.Equal(new[] { (TestHost.Uid == 0 ? "IdmapUnsupported" : "IdmapNotPermitted") + ",UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
    }

    [Fact]
    public async System.Threading.Tasks.Task NoUserNamespacesLeftIsAFailRowAndTheErrorNamesTheSetting()
    {
        // user.max_user_namespaces is per user namespace: set to 0 in a fresh one (unshare -Ur),
        // where a second PowerShell then runs; the host's setting is never touched
        var pwsh = RealPwsh.Dll;
        var script = Path.Combine(TestHost.Scratch, $"nouserns-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(script, @"Test-UserNsSupport | Where-Object { $_.Name -in 'UserNamespaces', 'MaxUserNamespaces' } | ForEach-Object { $_.Name + '|' + $_.Status + '|' + $_.RecommendedAction }
            try { Invoke-UserNsContainer -Command /bin/true } catch { $_.FullyQualifiedErrorId }");
        File.SetUnixFileMode(script, (UnixFileMode)0b110_100_100);
        var psi = new System.Diagnostics.ProcessStartInfo("unshare", new[] { "-Ur", "sh", "-c",
            "echo 0 > /proc/sys/user/max_user_namespaces && exec dotnet \"$0\" -NoProfile -NonInteractive -File \"$1\"", pwsh, script }) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Track(System.Diagnostics.Process.Start(psi)!);
        var err = p.StandardError.ReadToEndAsync();
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        Assert.True(lines.Length == 3, string.Join("\n", lines) + await err);
        Assert.StartsWith("UserNamespaces|Fail|", lines[0]);
        Assert.Contains("max_user_namespaces", lines[0]);
        Assert.Equal("MaxUserNamespaces|Fail|sysctl -w user.max_user_namespaces=15000", lines[1]);
        Assert.Equal("UserNamespacesUnavailable,UserNsContainer.Commands.InvokeUserNsContainerCommand", lines[2]);
    }
}
