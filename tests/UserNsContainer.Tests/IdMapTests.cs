using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using UserNsContainer.Engine;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Id maps as root and as an ordinary user: what each may map, how it is written,
/// what the container sees, and every refusal with its ErrorId and fix.</summary>
public sealed class IdMapTests : ContainerTest
{
    private static bool IsRoot => TestHost.Uid == 0;

    /// <summary>The caller's first subordinate uid range (CI gives its test user one).</summary>
    private static SubordinateIds.Range SubUid =>
        SubordinateIds.For("/etc/subuid", SubordinateIds.UserName(TestHost.Uid), TestHost.Uid).First();

    private static SubordinateIds.Range SubGid =>
        SubordinateIds.For("/etc/subgid", SubordinateIds.UserName(TestHost.Uid), TestHost.Uid).First();

    /// <summary>A two-range map this caller may use: root any ids, others 0 to self plus their range.</summary>
    private static (string Uid, string Gid, uint UidBase, uint GidBase) TwoRanges() => IsRoot
        ? ("0:0:1,1:100000:65536", "0:0:1,1:100000:65536", 100000, 100000)
        : ($"0:{TestHost.Uid}:1,1:{SubUid.Start}:65536", $"0:{TestHost.Gid}:1,1:{SubGid.Start}:65536", SubUid.Start, SubGid.Start);

    private static string[] Lines(string procText) =>
        procText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();

    [Fact]
    public void SetgroupsIsDeniedWhereTheGidMapHoldsOneIdAndAllowedWithARange()
    {
        // as bwrap and ch-run: one group, nothing to set, and setgroups() fails with EPERM (not
        // the EINVAL of an allowed call with an unmapped group, which apt and CPython misread);
        // with a range (a root caller, or newgidmap) it stays allowed and works
        var (uid, gid, _, _) = TwoRanges();
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind ""${probe}:/tmp/probe:ro"" -Command sh, -c, 'cat /proc/self/setgroups; /tmp/probe setgroups'
            Invoke-UserNsContainer -UidMap $u -GidMap $g -Bind ""${probe}:/tmp/probe:ro"" -Command sh, -c, 'cat /proc/self/setgroups; /tmp/probe setgroups'",
            Vars(("probe", Probe.Path), ("u", uid), ("g", gid)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "deny", "setgroups EPERM", "allow", "setgroups ok" }, r.Lines);
    }

    [Fact]
    public void AMultiRangeMapIsWhatTheContainerSees()
    {
        var (uid, gid, ub, gb) = TwoRanges();
        // inside (a nested namespace whose parent maps host ids to themselves) and from the host:
        // the same map, in host ids
        var r = TestHost.Run(@"$c = New-UserNsContainer -UidMap $u -GidMap $g -Command sleep, 60
            $c | Enter-ContainerNamespace -Command sh, -c, 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map'
            '--'
            [IO.File]::ReadAllText(""/proc/$($c.Pid)/uid_map"").Trim()
            [IO.File]::ReadAllText(""/proc/$($c.Pid)/gid_map"").Trim()
            $c | Remove-UserNsContainer -Force", Vars(("u", uid), ("g", gid)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        var owner = IsRoot ? 0u : TestHost.Uid;
        var ownerG = IsRoot ? 0u : TestHost.Gid;
        Assert.Equal(new[] { $"0 {owner} 1", $"1 {ub} 65536", "--", $"0 {ownerG} 1", $"1 {gb} 65536", "--", $"0 {owner} 1", $"1 {ub} 65536", $"0 {ownerG} 1", $"1 {gb} 65536" },
            Lines(string.Join("\n", r.Lines)));
    }

    [BusyboxFact]
    public void ChownInsideLandsOnTheMappedHostIds()
    {
        var root = Busybox.Copy("chown-root-" + Guid.NewGuid().ToString("N")[..8]);
        string uidMap, gidMap;
        uint ub, gb;
        if (IsRoot)
        {
            // the container's root is host 100000: give it the image, as a rootless image would be
            uidMap = gidMap = "0:100000:65536";
            ub = gb = 100000; // container 1000 is host 101000
            using var p = Process.Start("chown", new[] { "-hR", "100000:100000", root });
            p.WaitForExit();
        }
        else
        {
            (uidMap, gidMap, ub, gb) = TwoRanges();
            ub -= 1; gb -= 1; // container id 1 is the range's first id
        }
        var r = TestHost.Run("Invoke-UserNsContainer -RootFs $root -Writable -UidMap $u -GidMap $g -Command sh, -c, 'touch /owned && chown 1000:1000 /owned && stat -c %u:%g /owned'",
            Vars(("root", root), ("u", uidMap), ("g", gidMap)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "1000:1000" }, r.Lines);
        var st = new Mono_Stat(Path.Combine(root, "owned"));
        Assert.Equal(ub + 1000, st.Uid);
        Assert.Equal(gb + 1000, st.Gid);
    }

    [Fact]
    public void UserRunsTheMainProcessAsThatUidWithASynthesizedPasswd()
    {
        var (uid, gid, _, _) = TwoRanges();
        var r = TestHost.Run("Invoke-UserNsContainer -UidMap $u -GidMap $g -User 1000 -Command sh, -c, 'id -u; id -g; id -un; grep -c . /etc/passwd; echo $HOME'",
            Vars(("u", uid), ("g", gid)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "1000", "1000", "user1000", "3", "/" }, r.Lines);
    }

    [Fact]
    public void HostIdCountMapsContainerIdsZeroToNMinusOne()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -HostIdCount 10 -Command cat, /proc/self/uid_map");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        var expected = IsRoot ? new[] { "0 0 10" } : new[] { $"0 {TestHost.Uid} 1", $"1 {SubUid.Start} 9" };
        Assert.Equal(expected, Lines(r.Text));
    }

    [Fact]
    public void IdMapAutoMapsTheSubordinateRangeOrSaysWhichLineToAdd()
    {
        var r = TestHost.Run("try { Invoke-UserNsContainer -IdMap Auto -Command cat, /proc/self/uid_map } catch { $_ }");
        var hasRange = SubordinateIds.For("/etc/subuid", SubordinateIds.UserName(TestHost.Uid), TestHost.Uid).Count > 0;
        if (!hasRange)
        {
            // root usually has no range of its own: the error names the exact line to add
            var e = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
            Assert.Equal("SubordinateIdsMissing,UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
            Assert.Matches($"add the line '{SubordinateIds.UserName(TestHost.Uid)}:\\d+:65536' to /etc/subuid", e.ErrorDetails.RecommendedAction);
            return;
        }
        Assert.Equal(new[] { $"0 {TestHost.Uid} 1", $"1 {SubUid.Start} 65536" }, Lines(r.Text));
    }

    [Fact]
    public void NoStartSetIdMapStartPipeline()
    {
        var (uid, gid, ub, _) = TwoRanges();
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart -Command sleep, 60 | Set-IdMap -UidMap $u -GidMap $g -PassThru | Start-UserNsContainer -PassThru
            $c.State.ToString()
            [IO.File]::ReadAllText(""/proc/$($c.Pid)/uid_map"")
            ($c.UidMap -join ',')
            $c | Remove-UserNsContainer -Force", Vars(("u", uid), ("g", gid)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal("Running", r.Lines[0]);
        Assert.Contains($"1 {ub} 65536", Lines(r.Lines[1]));
        Assert.Equal(uid, r.Lines[2]);
    }

    [Fact]
    public void ASecondWriteIsRefusedWithAClearError()
    {
        var (uid, _, _, _) = TwoRanges();
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart
            $c | Set-IdMap -UidMap $u
            $c | Set-IdMap -UidMap ""0:${me}:2"" -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId
            $err[0].ErrorDetails.RecommendedAction
            $c | Remove-UserNsContainer -Force", Vars(("u", uid), ("me", TestHost.Uid)));
        Assert.Equal("IdMapAlreadyWritten,UserNsContainer.Commands.SetIdMapCommand", r.Lines[0]);
        Assert.Contains("-NoStart", r.Lines[1]);
    }

    [Fact]
    public void SetIdMapWritesTheMapOfAnUnshareUserProcess()
    {
        using var p = Track(Process.Start(new ProcessStartInfo("unshare", new[] { "--user", "sleep", "30" }))!);
        try
        {
            var ours = new FileInfo("/proc/self/ns/user").LinkTarget;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            while (new FileInfo($"/proc/{p.Id}/ns/user").LinkTarget == ours && DateTime.UtcNow < deadline)
                Thread.Sleep(5);
            var r = TestHost.Run("Set-IdMap -ProcessId $p -UidMap \"0:${u}:1\" -GidMap \"0:${g}:1\"; (Get-IdMap -ProcessId $p).UidMap -join ','; Get-IdMap -ProcessId $p -HostId $u",
                Vars(("p", p.Id), ("u", TestHost.Uid), ("g", TestHost.Gid)));
            Assert.True(r.Succeeded, string.Join("\n", r.Errors));
            Assert.Equal(new[] { $"0:{TestHost.Uid}:1", "0" }, r.Lines);
            Assert.Equal($"0 {TestHost.Uid} 1", Lines(File.ReadAllText($"/proc/{p.Id}/uid_map"))[0]);
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    [Fact]
    public void GetIdMapTranslatesBothWaysAndUnmappedIsOverflow()
    {
        var (uid, gid, ub, _) = TwoRanges();
        var r = TestHost.Run(@"$c = New-UserNsContainer -UidMap $u -GidMap $g
            $c | Get-IdMap -HostId ($b + 4)
            $c | Get-IdMap -ContainerId 5
            $c | Get-IdMap -HostId 7
            ($c | Get-IdMap).UidMap.Count
            $c | Remove-UserNsContainer -Force", Vars(("u", uid), ("g", gid), ("b", ub)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "5", (ub + 4).ToString(), "65534", "2" }, r.Lines);
    }

    public static IEnumerable<object[]> BadMaps() => new[]
    {
        new object[] { "-UidMap 0:1000", "InvalidIdMap", "UidMap" },
        new object[] { "-UidMap '0:100000:0'", "InvalidIdMap", "UidMap" },
        new object[] { "-UidMap '-1:100000:1'", "InvalidIdMap", "UidMap" },
        new object[] { "-UidMap '4294967295:100000:2'", "InvalidIdMap", "UidMap" },
        new object[] { "-GidMap '0:100000:10','5:200000:10'", "IdMapOverlap", "GidMap" },
        new object[] { "-UidMap '0:100000:10','20:100005:10'", "IdMapOverlap", "UidMap" },
        new object[] { "-UidMap (0..340 | ForEach-Object { \"$($_ * 2):$(100000 + $_ * 2):1\" })", "IdMapTooLarge", "UidMap" },
        new object[] { "-UidMap @{ ContainerId = 0; HostId = 1 }", "InvalidIdMap", "UidMap" },
        new object[] { "-IdMap Auto -UidMap 0:0:1", "IdMapConflict", "IdMap" },
        new object[] { "-HostIdCount 5 -GidMap 0:0:1", "IdMapConflict", "HostIdCount" },
        new object[] { "-IdMap Manual", "InvalidIdMapMode", "IdMap" },
        new object[] { "-User 1000", "UserNotMapped", "User" },
        new object[] { "-HostIdCount 2000 -User 1000 -Group 5000", "GroupNotMapped", "Group" },
    };

    [Theory]
    [MemberData(nameof(BadMaps))]
    public void BadMapsAreRefusedBeforeAnythingExists(string arguments, string errorId, string parameter)
    {
        var r = TestHost.Run($"try {{ Invoke-UserNsContainer {arguments} -Command /bin/true }} catch {{ $_ }}");
        var e = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
        if (errorId == "GroupNotMapped" && !IsRoot && SubUid.Count < 1999)
            return; // the user's range is too small for the premise; covered as root
        Assert.Equal($"{errorId},UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
        Assert.Contains($"-{parameter}", e.Exception.Message);
    }

    [Fact]
    public void HostIdsTheUserDoesNotOwnAreRefusedWithTheLineToAdd()
    {
        var r = TestHost.Run("try { Invoke-UserNsContainer -UidMap '0:1:1','1:2000000000:65536' -Command /bin/true } catch { $_ }");
        if (IsRoot)
        {
            Assert.Empty(r.Output); // root may map any ids
            return;
        }
        var e = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
        Assert.Equal("SubordinateRangeTooSmall,UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
        Assert.Contains("/etc/subuid", e.ErrorDetails.RecommendedAction);
    }

    [UnprivilegedFact]
    public void AHostIdCountBeyondTheRangeIsRefused()
    {
        var r = TestHost.Run($"try {{ Invoke-UserNsContainer -HostIdCount {SubUid.Count + 2} -Command /bin/true }} catch {{ $_ }}");
        var e = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
        Assert.Equal("SubordinateRangeTooSmall,UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
        Assert.Matches(@"'\S+:\d+:\d+'", e.ErrorDetails.RecommendedAction);
    }

    [UnprivilegedFact]
    public void AMissingNewuidmapIsNamedWithThePackage()
    {
        var empty = Directory.CreateDirectory(Path.Combine(TestHost.Scratch, "empty-path")).FullName;
        var e = WithPath(empty, () => TestHost.Run("try { Invoke-UserNsContainer -IdMap Auto -Command /bin/true } catch { $_ }"));
        Assert.Equal("IdMapToolMissing,UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
        Assert.Contains("apt-get install uidmap", e.ErrorDetails.RecommendedAction);
    }

    [UnprivilegedFact]
    public void ANewuidmapWithoutItsSetuidBitIsNamed()
    {
        var dir = Directory.CreateDirectory(Path.Combine(TestHost.Scratch, "plain-tools")).FullName;
        foreach (var tool in new[] { "newuidmap", "newgidmap" })
            File.Copy("/usr/bin/" + tool, Path.Combine(dir, tool), overwrite: true); // a copy loses the setuid bit
        var e = WithPath(dir, () => TestHost.Run("try { Invoke-UserNsContainer -IdMap Auto -Command /bin/true } catch { $_ }"));
        Assert.Equal("IdMapToolNotPrivileged,UserNsContainer.Commands.InvokeUserNsContainerCommand", e.FullyQualifiedErrorId);
        Assert.Contains("chmod u+s", e.ErrorDetails.RecommendedAction);
    }

    private static System.Management.Automation.ErrorRecord WithPath(string path, Func<PsResult> run)
    {
        var saved = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", path);
        try
        {
            return Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(run().Output).BaseObject);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", saved);
        }
    }

    [Fact]
    public void SubordinateFilesAreParsedByNameAndByNumericUid()
    {
        var file = Path.Combine(TestHost.Scratch, "subuid-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "# comment\nalice:100000:65536\n1234:300000:1000\nbob:200000:65536\nalice:500000:10\n");
        Assert.Equal(new[] { new SubordinateIds.Range(100000, 65536), new SubordinateIds.Range(500000, 10) }, SubordinateIds.For(file, "alice", 999));
        Assert.Equal(new[] { new SubordinateIds.Range(300000, 1000) }, SubordinateIds.For(file, "carol", 1234));
        Assert.Empty(SubordinateIds.For(file, "dave", 42));
        Assert.Equal("dave:500010:65536", SubordinateIds.SuggestedLine(file, "dave", 65536)); // past every range given out
    }

    /// <summary>The monitor writes the maps itself right after the clone (the one-burst start):
    /// a map the kernel refuses there (a zero count) comes back as IdMapWriteFailed naming the
    /// file, and the init it had cloned is killed and reaped (the leftover check).</summary>
    [Fact]
    public void AMapTheKernelRefusesAtTheCloneIsNamedAndLeavesNothing()
    {
        var spec = new ContainerSpec { Command = new[] { "/bin/true" } };
        spec.Validate(ContainerEngine.CallerUid, ContainerEngine.CallerGid, null);
        var plan = PlanBuilder.Settings(spec, new PlanBuilder.LaunchOptions(false, null, 0, null,
            Maps: ($"0 {ContainerEngine.CallerUid} 0", $"0 {ContainerEngine.CallerGid} 1", ContainerEngine.CallerUid != 0)));
        var e = Assert.ThrowsAny<UserNsContainerException>(() =>
            ContainerSession.Launch(spec, plan, Engine.Native.StdioMode.Capture, release: new[] { new[] { "go" } }).Dispose());
        Assert.Equal("IdMapWriteFailed", e.ErrorId);
        Assert.Matches(@"/proc/\d+/uid_map", e.Message);
    }
}

/// <summary>Owner of a host file, read with lstat.</summary>
internal readonly struct Mono_Stat
{
    public Mono_Stat(string path)
    {
        var psi = new ProcessStartInfo("stat", new[] { "-c", "%u %g", path }) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var f = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        Uid = uint.Parse(f[0]);
        Gid = uint.Parse(f[1]);
    }

    public uint Uid { get; }
    public uint Gid { get; }
}
