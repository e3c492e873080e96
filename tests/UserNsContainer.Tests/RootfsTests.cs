using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Where writes go: -WriteFake (a throw-away overlay over the read-only image), the
/// private or host /tmp, and -BindHome; the handle says which.</summary>
public sealed class RootfsTests : ContainerTest
{
    private static string Image(string name)
    {
        var image = Busybox.Copy(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(image, "usr"));
        return image;
    }

    [BusyboxFact]
    public void WriteFakeWritesVanishDeletesAreWhiteoutsAndTheSizeLimitHolds()
    {
        var image = Image("write-fake");
        var before = TreeSnapshot.Of(image);
        var r = TestHost.Run(@"$c = New-UserNsContainer -RootFs $image -WriteFake -WriteFakeSize 4MB -Command sleep, 60
            $c.RootKind.ToString(); $c.Writes.ToString()
            $c | Enter-ContainerNamespace -Command sh, -c, 'mkdir -p /usr/share/new && echo written > /usr/share/new/f && rm /etc/marker && echo deleted'
            $c | Enter-ContainerNamespace -Command sh, -c, 'cat /usr/share/new/f; test -e /etc/marker || echo still-deleted'
            $c | Enter-ContainerNamespace -Command sh, -c, 'dd if=/dev/zero of=/usr/big bs=1M count=8 2>&1 | grep -o ""No space left on device"" | head -1'
            $c | Remove-UserNsContainer -Force", Vars(("image", image)));
        Assert.Equal(new[] { "Directory", "Overlay", "deleted", "written", "still-deleted", "No space left on device" }, r.Lines);
        Assert.Equal(before, TreeSnapshot.Of(image));     // the marker is still there; nothing new
        Assert.False(Directory.Exists("/usr/share/new"));  // nor on the host
    }

    [BusyboxFact]
    public void MissingMountPointsAndBindTargetsAreMadeInTheOverlay()
    {
        var image = Image("write-fake-binds");
        foreach (var d in new[] { "run", "sys", "tmp" })
            Directory.Delete(Path.Combine(image, d));
        var src = Directory.CreateDirectory(Path.Combine(TestHost.Scratch, "wf-src-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        File.WriteAllText(Path.Combine(src, "f"), "from-host\n");
        var before = TreeSnapshot.Of(image);
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -WriteFake -Bind ""${src}:/srv/data"" -Command sh, -c, 'cat /srv/data/f; touch /new-top && echo root-writable'",
            Vars(("image", image), ("src", src)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "root-writable" }, r.Lines);
        Assert.Equal(before, TreeSnapshot.Of(image));
    }

    [Fact]
    public void TmpIsPrivateUnlessHostTmp()
    {
        var marker = Path.Combine("/tmp", "usnc-hosttmp-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(marker, "host\n");
        try
        {
            var r = TestHost.Run(@"Invoke-UserNsContainer -Command sh, -c, ""test -e $marker || echo private""
                Invoke-UserNsContainer -HostTmp -Command sh, -c, ""cat $marker; echo inside > $marker.in""", Vars(("marker", marker)));
            Assert.True(r.Succeeded, string.Join("\n", r.Errors));
            Assert.Equal(new[] { "private", "host" }, r.Lines);
            Assert.Equal("inside\n", File.ReadAllText(marker + ".in"));
        }
        finally
        {
            File.Delete(marker);
            File.Delete(marker + ".in");
        }
    }

    [BusyboxFact]
    public void BindHomeBindsTheHomeWritableAndSetsHomeAndUser()
    {
        var image = Image("home");
        var home = Directory.CreateDirectory(Path.Combine(TestHost.Scratch, "home-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var user = Engine.SubordinateIds.UserName(TestHost.Uid);
        var before = TreeSnapshot.Of(image);
        var r = TestHost.Run(@"$saved = $env:HOME
            try { $env:HOME = $homeDir; Invoke-UserNsContainer -RootFs $image -BindHome -Command sh, -c, 'echo $HOME $USER; echo note > $HOME/made; pwd' }
            finally { $env:HOME = $saved }", Vars(("image", image), ("homeDir", home)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { $"/home/{user} {user}", "/" }, r.Lines);
        Assert.Equal("note\n", File.ReadAllText(Path.Combine(home, "made")));
        Assert.Equal(before, TreeSnapshot.Of(image)); // /home/USER came from an overmount
    }

    /// <summary>A SquashFS image of the busybox root, made with mksquashfs.</summary>
    private static string SquashImage()
    {
        var image = Path.Combine(TestHost.Scratch, "busybox-" + Guid.NewGuid().ToString("N")[..8] + ".sqfs");
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mksquashfs",
            new[] { Busybox.RootFs, image, "-quiet", "-noappend", "-no-progress" }) { RedirectStandardOutput = true })!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return image;
    }

    /// <summary>squashfuse processes of this user (the monitor's children serving SquashFS roots).</summary>
    private static int[] SquashFuseProcesses() => Directory.EnumerateDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
        .Where(pid => pid > 0 && ProcessIs(pid, "squashfuse")).ToArray();

    private static bool ProcessIs(int pid, string name)
    {
        try
        {
            var status = File.ReadAllText($"/proc/{pid}/status");
            return status.StartsWith($"Name:\t{name}\n", StringComparison.Ordinal) && !status.Contains("State:\tZ")
                && status.Split('\n').First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t')[1] == TestHost.Uid.ToString();
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool FuseOpen => Engine.Native.Libc.CanReadWrite("/dev/fuse");

    [SquashFsFact]
    public void ASquashFsImageIsARootAlsoWithWriteFakeAndLeavesNoMountOrFuseProcess()
    {
        var image = SquashImage();
        var fuseBefore = SquashFuseProcesses();
        var r = TestHost.Run(@"try {
                Invoke-UserNsContainer -RootFs $image -Command sh, -c, 'cat /etc/marker; touch /x 2>/dev/null || echo read-only'
                Invoke-UserNsContainer -RootFs $image -WriteFake -Command sh, -c, 'echo written > /x && cat /x'
                $c = New-UserNsContainer -RootFs $image -Command sleep, 60
                $c.RootKind.ToString()
                $c | Enter-ContainerNamespace -Command cat, /etc/marker
                $c | Remove-UserNsContainer -Force
                Invoke-UserNsContainer -RootFs $image -Command sh, -c, 'kill -9 $$'
                ""code=$LASTEXITCODE""
            } catch { $_.FullyQualifiedErrorId }", Vars(("image", image)));
        if (!FuseOpen)
        {
            // this machine keeps /dev/fuse closed to ordinary users (mode 0600)
            Assert.Equal(new[] { "FuseUnavailable,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
            return;
        }
        Assert.Equal(new[] { "busybox-root", "read-only", "written", "SquashFS", "busybox-root", "code=137" }, r.Lines);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (SquashFuseProcesses().Except(fuseBefore).Any() && DateTime.UtcNow < deadline)
            System.Threading.Thread.Sleep(20);
        Assert.Empty(SquashFuseProcesses().Except(fuseBefore));
    }

    [SquashFsFact]
    public void ASquashFsImageCannotBeWritableOrWithoutAPidNamespace()
    {
        var image = SquashImage();
        var r = TestHost.Run(@"try { Invoke-UserNsContainer -RootFs $image -Writable -Command /bin/true } catch { $_.FullyQualifiedErrorId }
            try { Invoke-UserNsContainer -RootFs $image -Namespace user, mnt -Command /bin/true } catch { $_.FullyQualifiedErrorId }", Vars(("image", image)));
        var expected = FuseOpen ? new[] { "SquashFsReadOnly", "SquashFsNeedsPidNamespace" } : new[] { "FuseUnavailable", "FuseUnavailable" };
        Assert.Equal(expected.Select(id => id + ",UserNsContainer.Commands.InvokeUserNsContainerCommand"), r.Lines);
    }

    [Fact]
    public void AFileThatIsNotASquashFsImageIsNamedAsNeither()
    {
        var r = TestHost.Run("try { Invoke-UserNsContainer -RootFs /etc/hostname -Command /bin/true } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }");
        Assert.Equal("RootFsNotDirectory,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[0]);
        Assert.Contains("or a SquashFS image; this file is neither", r.Lines[1]);
    }
}

/// <summary>A fact that needs busybox-static, mksquashfs and squashfuse; .ci/run installs them.</summary>
public sealed class SquashFsFactAttribute : FactAttribute
{
    public SquashFsFactAttribute()
    {
        if (!Busybox.Available || !File.Exists("/usr/bin/mksquashfs") || !File.Exists("/usr/bin/squashfuse"))
            Skip = "needs busybox-static, squashfs-tools and squashfuse (apt-get install ...); .ci/run installs them";
    }
}
