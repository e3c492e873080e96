using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Images stay as they were: mount points an image lacks come from overmounts
/// (a tmpfs over the parent that re-exposes its entries by bind), never from writing into the
/// image or the host; an image's own /etc/passwd and /etc/group are used as they are.</summary>
public sealed class ImageTests : ContainerTest
{
    /// <summary>A busybox image of the test's own, without /run, /sys and /tmp (mount points the
    /// container needs) and with its own passwd and group when asked.</summary>
    private static string BareImage(string name, bool accounts = false)
    {
        var image = Busybox.Copy(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var d in new[] { "run", "sys", "tmp" })
            Directory.Delete(Path.Combine(image, d));
        if (accounts)
        {
            File.WriteAllText(Path.Combine(image, "etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
            File.WriteAllText(Path.Combine(image, "etc", "group"), "root:x:0:\nnogroup:x:65534:\n");
        }
        return image;
    }

    private static void AssertSame(List<string> before, List<string> after)
    {
        Assert.True(before.SequenceEqual(after),
            "changed: " + string.Join("; ", after.Except(before).Concat(before.Except(after).Select(l => "gone " + l))));
    }

    [BusyboxFact]
    public void AReadOnlyRunWithBindsToMissingTargetsLeavesTheImageExactlyAsItWas()
    {
        var image = BareImage("ro-untouched");
        var d = HostDir("src");
        var before = TreeSnapshot.Of(image);
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/work"", ""${d}:/srv/a/b"", ""$d/f:/etc/extra.conf:ro"" -WorkingDirectory /work -Command sh, -c, '
            cat f /srv/a/b/f /etc/extra.conf; cat /etc/marker
            test -d /run && test -d /sys/kernel && test -d /tmp && echo mount-points
            ls / | tr ""\n"" "" ""; echo
            touch /new-entry 2>/dev/null || echo root-read-only
            (echo x > /etc/marker) 2>/dev/null || echo image-read-only'", Vars(("image", image), ("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "from-host", "from-host", "busybox-root", "mount-points",
            "bin dev etc proc root run srv sys tmp work ", "root-read-only", "image-read-only" }, r.Lines);
        AssertSame(before, TreeSnapshot.Of(image));
    }

    [BusyboxFact]
    public void AWritableRunLeavesOnlyWhatTheContainerWrote()
    {
        var image = BareImage("rw-untouched", accounts: true);
        var d = HostDir("src");
        var before = TreeSnapshot.Of(image);
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Writable -Bind ""${d}:/srv/data"" -Command sh, -c, '
            cat /srv/data/f; echo changed > /etc/marker; echo made > /root/made
            test -e /etc/hosts || echo no-hosts-in-image'", Vars(("image", image), ("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "no-hosts-in-image" }, r.Lines);
        Assert.Equal("changed\n", File.ReadAllText(Path.Combine(image, "etc", "marker")));
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(image, "root", "made")));
        // apart from what the command wrote (and the mtimes of the directories it wrote in),
        // everything is as it was: no mount point, no account file, no resolv.conf, hosts or machine-id
        static bool Written(string l) => l.StartsWith("etc/marker ", StringComparison.Ordinal) || l.StartsWith("root/made ", StringComparison.Ordinal) || l.StartsWith("root d ", StringComparison.Ordinal);
        AssertSame(before.Where(l => !Written(l)).ToList(), TreeSnapshot.Of(image).Where(l => !Written(l)).ToList());
    }

    [BusyboxFact]
    public void EntriesUnderAnOvermountKeepTheirOwnWritability()
    {
        var image = BareImage("rw-overmount", accounts: true);
        var d = HostDir("src");
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Writable -Bind ""${d}:/etc/new/deep"" -Command sh, -c, '
            echo through-the-bind > /etc/marker && cat /etc/marker
            touch /etc/brand-new 2>/dev/null || echo new-entry-refused
            mount -o remount,rw /etc 2>/dev/null && echo remounted || echo remount-refused'", Vars(("image", image), ("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "through-the-bind", "new-entry-refused", "remount-refused" }, r.Lines);
        Assert.Equal("through-the-bind\n", File.ReadAllText(Path.Combine(image, "etc", "marker")));
        Assert.False(Directory.Exists(Path.Combine(image, "etc", "new")));
    }

    [BusyboxFact]
    public void ALiveBindIntoAReadOnlyImageIsProvidedWithoutWritingIntoIt()
    {
        var image = BareImage("live");
        var d = HostDir("live-src");
        var before = TreeSnapshot.Of(image);
        var r = TestHost.Run(@"$c = New-UserNsContainer -RootFs $image -Command sleep, 60
            $c | Enter-ContainerNamespace -Command sh, -c, 'echo kept > /tmp/before'
            $c | Mount-ContainerBind -Source $d -Target /etc/live/deep -ReadOnly
            $c | Mount-ContainerBind -Source $d -Target /tmp/x/y
            $c | Enter-ContainerNamespace -Command sh, -c, 'cat /etc/live/deep/f /tmp/x/y/f /tmp/before /etc/marker; touch /tmp/after && echo tmp-still-writable; umount /etc/live/deep 2>/dev/null || echo locked'
            try { $c | Mount-ContainerBind -Source $d -Target /usnc-new-top -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            $c | Remove-UserNsContainer -Force", Vars(("image", image), ("d", d)));
        Assert.Equal(new[] { "from-host", "from-host", "kept", "busybox-root", "tmp-still-writable", "locked",
            "LiveBindNeedsParent,UserNsContainer.Commands.MountContainerBindCommand" }, r.Lines);
        AssertSame(before, TreeSnapshot.Of(image));
    }

    [BusyboxFact]
    public void AnImageSymlinkCannotTurnAnOvermountOntoAHostDirectory()
    {
        // /lnk points at a host directory by absolute path, /etc-lnk at the image's /etc: inside,
        // both resolve in the image; /lnk's target is missing there, so a bind below it is
        // refused; /etc-lnk's is covered in the image, never on the host
        var victim = HostDir("victim");
        var image = BareImage("symlink");
        File.CreateSymbolicLink(Path.Combine(image, "lnk"), victim);
        File.CreateSymbolicLink(Path.Combine(image, "etc-lnk"), "/etc");
        var d = HostDir("src");
        var hostBefore = TreeSnapshot.Of(victim);
        var hostEtc = Directory.GetFileSystemEntries("/etc").Length;
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/etc-lnk/sub"" -Command sh, -c, 'cat /etc/sub/f'
            try { Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/lnk/sub"" -Command /bin/true } catch { $_.FullyQualifiedErrorId }", Vars(("image", image), ("d", d)));
        Assert.Equal(new[] { "from-host", "SymlinkRefused,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
        AssertSame(hostBefore, TreeSnapshot.Of(victim));
        Assert.Equal(hostEtc, Directory.GetFileSystemEntries("/etc").Length);
        Assert.False(Directory.Exists(Path.Combine(image, "etc", "sub")));
    }

    [BusyboxFact]
    public void AHugeDirectoryIsNotOvermountedAndTheErrorSaysWhy()
    {
        var image = BareImage("huge");
        var big = Path.Combine(image, "big");
        Directory.CreateDirectory(big);
        for (int i = 0; i <= 10000; i++)
            File.WriteAllBytes(Path.Combine(big, i.ToString()), Array.Empty<byte>());
        var d = HostDir("src");
        var r = TestHost.Run(@"try { Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/big/missing"" -Command /bin/true } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }",
            Vars(("image", image), ("d", d)));
        Assert.Equal("MountPointUnavailable,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[0]);
        Assert.Contains("more than 10000 entries", r.Lines[1]);
        Assert.False(Directory.Exists(Path.Combine(big, "missing")));
    }

    /// <summary>Copies the host's useradd (shadow's, as Debian images have it) and the
    /// libraries it loads into <paramref name="image"/>.</summary>
    private static void AddUseradd(string image)
    {
        const string useradd = "/usr/sbin/useradd";
        var psi = new ProcessStartInfo("ldd", useradd) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var libs = System.Text.RegularExpressions.Regex.Matches(p.StandardOutput.ReadToEnd(), @"(/\S+)").Select(m => m.Value).ToList();
        p.WaitForExit();
        foreach (var file in libs.Append(useradd))
        {
            var dest = image + file;
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(new FileInfo(file).ResolveLinkTarget(true)?.FullName ?? file, dest, overwrite: true);
        }
    }

    [BusyboxFact]
    public void AWritableImageKeepsItsOwnAccountsAndUseraddAddsToThem()
    {
        var image = BareImage("accounts", accounts: true);
        AddUseradd(image);
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Writable -Command sh, -c, '/usr/sbin/useradd -M -U -u 1000 -s /bin/sh bob && grep -c . /etc/passwd && id -un'
            Invoke-UserNsContainer -RootFs $image -HostIdCount 2000 -User bob -Command sh, -c, 'id -u; id -g; id -un'
            try { Invoke-UserNsContainer -RootFs $image -User alice -Command /bin/true } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }",
            Vars(("image", image)));
        Assert.True(r.Lines.Length == 7, string.Join("\n", r.Lines.Concat(r.Errors.Select(e => e.ToString()))));
        Assert.Equal(new[] { "3", "root", "1000", "1000", "bob", "UnknownUser,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines.Take(6));
        Assert.Contains("root, nobody, bob", r.Lines[6]); // the names the image defines, listed
        Assert.Contains("bob:x:1000:1000:", File.ReadAllText(Path.Combine(image, "etc", "passwd")).Replace("bob:!:", "bob:x:"));
        Assert.Contains("bob:x:1000:", File.ReadAllText(Path.Combine(image, "etc", "group")).Replace("bob:!:", "bob:x:"));
    }

    [BusyboxFact]
    public void AnImageWithoutAccountsGetsSynthesizedOnesWithoutWritingThem()
    {
        var image = BareImage("no-accounts");
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -User nobody -HostIdCount 65535 -Command sh, -c, 'id -un; cut -d: -f1 /etc/passwd | tr ""\n"" "" ""'",
            Vars(("image", image)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "nobody", "root nobody " }, r.Lines);
        Assert.False(File.Exists(Path.Combine(image, "etc", "passwd")));
    }

    [BusyboxFact]
    public void ARelativeCommandRunsFromTheWorkingDirectoryEvenInABind()
    {
        var d = HostDir("prog");
        File.WriteAllText(Path.Combine(d, "rank.sh"), "#!/bin/sh\necho rank from $(pwd)\n");
        File.SetUnixFileMode(Path.Combine(d, "rank.sh"), (UnixFileMode)0b111_101_101);
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind ""${d}:/work"" -WorkingDirectory /work -Command ./rank.sh
            try { Invoke-UserNsContainer -WorkingDirectory /tmp -Command ./rank.sh } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }",
            Vars(("d", d)));
        Assert.Equal("rank from /work", r.Lines[0]);
        Assert.Equal("CommandNotFound,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[1]);
        Assert.Contains("/tmp/./rank.sh", r.Lines[2]);
    }
}
