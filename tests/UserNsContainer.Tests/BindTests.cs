using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Binds at creation, in a Created container's plan, and live; read-only that holds
/// against root inside; hostile images whose symlinks try to redirect a bind.</summary>
public sealed class BindTests : ContainerTest
{
    [Fact]
    public void ReadWriteAndReadOnlyBindsUnderTmp()
    {
        var rw = HostDir("rw");
        var ro = HostDir("ro");
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind ""${rw}:/tmp/rw"", ""${ro}:/tmp/ro:ro"" -Command sh, -c, '
            cat /tmp/rw/f; echo made > /tmp/rw/new
            cat /tmp/ro/f; (echo x > /tmp/ro/new) 2>/dev/null || echo ro-write-refused
            mount -o remount,rw /tmp/ro 2>/dev/null && echo remounted || echo remount-refused
            umount /tmp/ro 2>/dev/null && echo unmounted || echo umount-refused'", Vars(("rw", rw), ("ro", ro)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "from-host", "ro-write-refused", "remount-refused", "umount-refused" }, r.Lines);
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(rw, "new")));
        Assert.False(File.Exists(Path.Combine(ro, "new")));
    }

    [Fact]
    public void AFileSourceIsBoundOntoAFile()
    {
        var d = HostDir("file");
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind @{ Source = ""$d/f""; Target = '/tmp/one-file' } -Command sh, -c, 'test -f /tmp/one-file && cat /tmp/one-file'",
            Vars(("d", d)));
        Assert.Equal(new[] { "from-host" }, r.Lines);
    }

    [Fact]
    public void AnOptionalMissingSourceIsSkippedAndAMissingOneIsRefused()
    {
        var r = TestHost.Run(@"Invoke-UserNsContainer -Verbose -Bind @{ Source = '/nonexistent/usnc'; Target = '/tmp/x'; Optional = $true } -Command sh, -c, 'test -e /tmp/x || echo skipped'
            try { Invoke-UserNsContainer -Bind '/nonexistent/usnc:/tmp/x' -Command /bin/true } catch { $_.FullyQualifiedErrorId }");
        Assert.Equal(new[] { "skipped", "BindSourceNotFound,UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
    }

    [Theory]
    [InlineData("'a:b:c:d'", "InvalidBind")]
    [InlineData("'/etc:relative'", "InvalidBindTarget")]
    [InlineData("'/etc:/'", "InvalidBindTarget")]
    public void BadBindsAreRefusedBeforeAnythingExists(string bind, string errorId)
    {
        var r = TestHost.Run($"try {{ Invoke-UserNsContainer -Bind {bind} -Command /bin/true }} catch {{ $_.FullyQualifiedErrorId }}");
        Assert.Equal(new[] { $"{errorId},UserNsContainer.Commands.InvokeUserNsContainerCommand" }, r.Lines);
    }

    [BusyboxFact]
    public void MissingTargetsOfAReadOnlyImageAreProvidedWithoutWritingIntoIt()
    {
        var image = Busybox.Copy("bind-image-" + Guid.NewGuid().ToString("N")[..8]);
        var d = HostDir("img");
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/srv/data"", ""$d/f:/etc/extra.conf:ro"" -Command sh, -c, 'cat /srv/data/f; cat /etc/extra.conf; touch /etc/x 2>/dev/null || echo image-read-only'",
            Vars(("image", image), ("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "from-host", "image-read-only" }, r.Lines);
        // the mount points came from overmounts: nothing was made in the image
        Assert.False(Directory.Exists(Path.Combine(image, "srv")));
        Assert.False(File.Exists(Path.Combine(image, "etc", "extra.conf")));
    }

    [Fact]
    public void AMissingTargetOnTheDefaultRootIsProvidedAndTheHostRootIsUnchanged()
    {
        var d = HostDir("hostroot");
        var target = "/usnc-not-on-host-" + Guid.NewGuid().ToString("N")[..8];
        var before = string.Join(",", Directory.GetFileSystemEntries("/").Order());
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind ""${d}:$target/deep"" -WorkingDirectory $target/deep -Command sh, -c, 'cat f; test -d /usr/bin && test -e /etc/passwd && echo host-root-entries-still-there'",
            Vars(("d", d), ("target", target)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "host-root-entries-still-there" }, r.Lines);
        Assert.False(Directory.Exists(target));
        Assert.Equal(before, string.Join(",", Directory.GetFileSystemEntries("/").Order()));
    }

    [BusyboxFact]
    public void HostileSymlinksInTheImageCannotRedirectABindOutOfIt()
    {
        var image = Busybox.Copy("hostile-" + Guid.NewGuid().ToString("N")[..8]);
        File.CreateSymbolicLink(Path.Combine(image, "to-root"), "/");
        File.CreateSymbolicLink(Path.Combine(image, "to-etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(image, "up"), "../../../..");
        File.CreateSymbolicLink(Path.Combine(image, "loop"), "/loop");
        var d = HostDir("hostile");
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/to-root/usnc-h1"", ""${d}:/to-etc/usnc-h2"", ""${d}:/up/usnc-h3"", ""${d}:/../../usnc-h4"" -Command sh, -c, 'cat /usnc-h1/f /etc/usnc-h2/f /usnc-h3/f /usnc-h4/f'
            try { Invoke-UserNsContainer -RootFs $image -Bind ""${d}:/loop/x"" -Command /bin/true } catch { $_.FullyQualifiedErrorId }",
            Vars(("image", image), ("d", d)));
        Assert.True(r.Output.Count == 5, string.Join("\n", r.Lines.Concat(r.Errors.Select(e => e.ToString()))));
        Assert.Equal(new[] { "from-host", "from-host", "from-host", "from-host" }, r.Lines.Take(4));
        Assert.Equal("SymlinkRefused,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[4]);
        // every target landed inside the container's root, made in overmounts: neither the
        // image nor the host has any of them
        foreach (var p in new[] { "/usnc-h1", "/etc/usnc-h2", "/usnc-h3", "/usnc-h4" })
        {
            Assert.False(Directory.Exists(p), p);
            Assert.False(Directory.Exists(image + p), image + p);
        }
    }

    [Fact]
    public void BindsAddedToACreatedContainerAreMountedAtStartAndListed()
    {
        var d = HostDir("created");
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart | Mount-ContainerBind -Source $d -Target /tmp/planned -PassThru | Start-UserNsContainer -PassThru
            ($c.Binds | ForEach-Object ToString) -join ';'
            $c | Enter-ContainerNamespace -Command cat, /tmp/planned/f
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { $"{d}:/tmp/planned", "from-host" }, r.Lines);
    }

    [Fact]
    public void HotPlugIntoARunningContainerReadOnlyHoldsAndDismountRemovesIt()
    {
        var d = HostDir("hot");
        var r = TestHost.Run(@"$c = New-UserNsContainer
            $c | Mount-ContainerBind -Source $d -Target /tmp/hot
            $c | Mount-ContainerBind -Source $d -Target /tmp/hot-ro -ReadOnly
            $c | Enter-ContainerNamespace -Command sh, -c, 'cat /tmp/hot/f; echo w > /tmp/hot/w; (echo x > /tmp/hot-ro/x) 2>/dev/null || echo ro-refused; mount -o remount,rw /tmp/hot-ro 2>/dev/null && echo remounted || echo remount-refused'
            (Get-UserNsContainer -Id $c.Id).Binds.Count
            $c | Dismount-ContainerBind -Target /tmp/hot
            $c | Enter-ContainerNamespace -Command sh, -c, 'test -e /tmp/hot/f || echo gone'
            (Get-UserNsContainer -Id $c.Id).Binds.Count
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-host", "ro-refused", "remount-refused", "2", "gone", "1" }, r.Lines);
        Assert.Equal("w\n", File.ReadAllText(Path.Combine(d, "w")));
    }

    [Fact]
    public void ALiveBindCannotBeUnmountedOrRemountedByRootInsideYetDismountWorks()
    {
        var d = HostDir("live-lock");
        var r = TestHost.Run(@"$c = New-UserNsContainer
            $c | Mount-ContainerBind -Source $d -Target /tmp/live -ReadOnly
            $c | Enter-ContainerNamespace -Command sh, -c, '
                umount /tmp/live 2>/dev/null && echo unmounted || echo umount-refused
                umount -l /tmp/live 2>/dev/null && echo lazily-unmounted || echo lazy-umount-refused
                mount -o remount,rw /tmp/live 2>/dev/null && echo remounted || echo remount-refused
                cat /tmp/live/f'
            $c | Dismount-ContainerBind -Target /tmp/live
            $c | Enter-ContainerNamespace -Command sh, -c, 'test -e /tmp/live/f || echo gone'
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "umount-refused", "lazy-umount-refused", "remount-refused", "from-host", "gone" }, r.Lines);
    }

    [Fact]
    public void RootInsideKillingAndImpersonatingHelpersCannotUnlockALiveReadOnlyBind()
    {
        // the attack on the old keeper process: root inside kills every process it can see, and
        // a child of the init (orphaned to it) names itself after the helper that held the
        // outer namespaces and waits; the bind
        // must still land in the outer namespace, locked, and the host source stay untouched
        var d = HostDir("impostor");
        var r = TestHost.Run(@"$c = New-UserNsContainer -Command sh, -c, '
                printf ""echo \$\$ > /tmp/imp\nprintf usnc-keeper > /proc/self/comm\nwhile :; do sleep 1; done\n"" > /tmp/imp.sh
                sh -c ""sh /tmp/imp.sh & exit""
                while [ ! -s /tmp/imp ]; do sleep 0.05; done; imp=$(cat /tmp/imp)
                for p in /proc/[0-9]*; do p=${p#/proc/}; [ $p = 1 ] || [ $p = $$ ] || [ $p = $imp ] || kill -9 $p 2>/dev/null; done
                touch /tmp/ready; exec sleep 600'
            # an entered process may meet the killing (its shell then says Killed on stderr, or
            # it is killed itself): entered again until it saw the end of it
            do { $c | Enter-ContainerNamespace -Command sh, -c, 'while [ ! -e /tmp/ready ]; do sleep 0.05; done' 2>$null } until ($LASTEXITCODE -eq 0)
            $c | Mount-ContainerBind -Source $d -Target /tmp/secret -ReadOnly
            $c | Enter-ContainerNamespace -Command sh, -c, '
                mount -o remount,bind,rw /tmp/secret 2>/dev/null && echo remounted || echo remount-refused
                umount -l /tmp/secret 2>/dev/null && echo unmounted || echo umount-refused
                (echo forged > /tmp/secret/f) 2>/dev/null && echo written || echo write-refused
                cat /tmp/secret/f'
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "remount-refused", "umount-refused", "write-refused", "from-host" }, r.Lines);
        Assert.Equal("from-host\n", File.ReadAllText(Path.Combine(d, "f")));
    }

    [Fact]
    public void DismountingALiveBindOverAStartTimeBindLeavesTheStartTimeBind()
    {
        var under = HostDir("under");
        var over = HostDir("over");
        File.WriteAllText(Path.Combine(over, "f"), "from-over\n");
        var r = TestHost.Run(@"$c = New-UserNsContainer -Bind ""${under}:/tmp/fixed""
            $c | Mount-ContainerBind -Source $over -Target /tmp/fixed
            $c | Enter-ContainerNamespace -Command cat, /tmp/fixed/f
            $c | Dismount-ContainerBind -Target /tmp/fixed
            $c | Enter-ContainerNamespace -Command cat, /tmp/fixed/f
            $c | Remove-UserNsContainer -Force", Vars(("under", under), ("over", over)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "from-over", "from-host" }, r.Lines);
    }

    [Fact]
    public void ALiveBindIntoAContainerThatMadeItsMountsPrivateFailsCleanly()
    {
        // root inside cuts the propagation the live binds travel by: the bind must fail with
        // the reason, and leave no mount behind on the outer side
        var d = HostDir("live-private");
        var r = TestHost.Run(@"$c = New-UserNsContainer
            $c | Enter-ContainerNamespace -Command sh, -c, 'mount --make-rprivate / && echo private'
            try { $c | Mount-ContainerBind -Source $d -Target /tmp/cut -ErrorAction Stop } catch { $_.Exception.Message }
            (Get-UserNsContainer -Id $c.Id).Binds.Count
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.Equal("private", r.Lines[0]);
        Assert.Contains("did not reach the container", r.Lines[1]);
        Assert.Contains("private", r.Lines[1]);
        Assert.Equal("0", r.Lines[2]);
    }

    [Fact]
    public void ARelativeTargetOfMountContainerBindIsBlamedOnTarget()
    {
        var d = HostDir("rel");
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart
            $c | Mount-ContainerBind -Source $d -Target rel -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId; $err[0].Exception.Message
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.Equal("InvalidBindTarget,UserNsContainer.Commands.MountContainerBindCommand", r.Lines[0]);
        Assert.Contains("for -Target", r.Lines[1]);
    }

    [Fact]
    public void ABindFromStartIsLockedAndCannotBeDismountedLive()
    {
        var d = HostDir("locked");
        var r = TestHost.Run(@"$c = New-UserNsContainer -Bind ""${d}:/tmp/fixed""
            $c | Dismount-ContainerBind -Target /tmp/fixed -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId
            $c | Remove-UserNsContainer -Force", Vars(("d", d)));
        Assert.Equal(new[] { "BindLocked,UserNsContainer.Commands.DismountContainerBindCommand" }, r.Lines);
    }

    [BusyboxFact]
    public void AnImageWithoutResolvConfHostsOrMachineIdGetsTheHostsReadOnly()
    {
        var image = Busybox.Copy("defaults-" + Guid.NewGuid().ToString("N")[..8]);
        var r = TestHost.Run(@"$c = New-UserNsContainer -RootFs $image -Command sleep, 60
            ($c.Binds | Where-Object Default | ForEach-Object Target) -join ','
            $c | Enter-ContainerNamespace -Command sh, -c, 'cat /etc/hosts; (echo x >> /etc/hosts) 2>/dev/null || echo read-only'
            $c | Remove-UserNsContainer -Force", new Dictionary<string, object?> { ["image"] = image });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        // /etc/hosts is the container's own: its host name on the loopback, then the host's entries
        var expected = new[] { "/etc/resolv.conf", "/etc/machine-id" }.Where(f => BindMountExists(f));
        Assert.Equal(string.Join(",", expected), r.Lines[0]);
        var hosts = r.Lines.Skip(1).Take(r.Lines.Length - 2).ToList();
        Assert.Contains(hosts, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^127\.0\.1\.1\s+usernscontainer$"));
        foreach (var line in File.ReadAllLines("/etc/hosts").Where(l => l.Length > 0 && !l.StartsWith('#') && !System.Text.RegularExpressions.Regex.IsMatch(l, @"^(127\.0\.0\.1|::1|127\.0\.1\.1)\s")))
            Assert.Contains(line, hosts);
        Assert.Equal("read-only", r.Lines[^1]);
    }

    [BusyboxFact]
    public void AnImageWithItsOwnHostsKeepsItUnlessItSharesTheHostsNetwork()
    {
        var image = Busybox.Copy("own-hosts-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(Path.Combine(image, "etc", "hosts"), "10.9.9.9 image-own\n");
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -Command cat, /etc/hosts
            Invoke-UserNsContainer -RootFs $image -Namespace user, mnt, pid -Command cat, /etc/hosts", new Dictionary<string, object?> { ["image"] = image });
        Assert.Equal("10.9.9.9 image-own", r.Lines[0]);
        Assert.DoesNotContain("10.9.9.9 image-own", r.Lines.Skip(1));
    }

    private static bool BindMountExists(string file) => File.Exists(file);

    [RootFact("only root may idmap a host filesystem; an ordinary user's refusal is tested below")]
    public void AnIdmappedBindShowsOnDiskOwnersAndWritesThem()
    {
        var d = HostDir("idmap");
        File.WriteAllText(Path.Combine(d, "owned-by-0"), "x"); // created by root: owner 0
        var r = TestHost.Run(@"Invoke-UserNsContainer -UidMap 0:100000:65536 -GidMap 0:100000:65536 -Bind ""${d}:/tmp/plain"", @{ Source = $d; Target = '/tmp/mapped'; IdMap = $true } -Command sh, -c, '
            stat -c %u /tmp/plain/owned-by-0; stat -c %u /tmp/mapped/owned-by-0; touch /tmp/mapped/made-inside && echo made'",
            new Dictionary<string, object?> { ["d"] = d });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "65534", "0", "made" }, r.Lines); // plain: nobody; idmapped: root
        Assert.Equal(0u, new Mono_Stat(Path.Combine(d, "made-inside")).Uid); // on disk: 0, not 100000
    }

    [UnprivilegedFact]
    public void AnOrdinaryUsersIdmappedBindIsRefusedWithTheReason()
    {
        var d = HostDir("idmap-user");
        var r = TestHost.Run(@"try { Invoke-UserNsContainer -Bind @{ Source = $d; Target = '/tmp/m'; IdMap = $true } -Command /bin/true } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }",
            new Dictionary<string, object?> { ["d"] = d });
        Assert.Equal("IdmapNotPermitted,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[0]);
        Assert.Contains("own user namespace", r.Lines[1]);
    }

    [RootFact("only root may idmap a host filesystem")]
    public void AnIdmappedBindCanBeAddedLiveReadOnlyToo()
    {
        var d = HostDir("idmap-live");
        File.WriteAllText(Path.Combine(d, "owned-by-0"), "x");
        var r = TestHost.Run(@"$c = New-UserNsContainer -UidMap 0:100000:65536 -GidMap 0:100000:65536
            $c | Mount-ContainerBind -Source $d -Target /tmp/live-mapped -IdMap
            $c | Mount-ContainerBind -Source $d -Target /tmp/live-mapped-ro -IdMap -ReadOnly
            $c | Enter-ContainerNamespace -Command sh, -c, 'stat -c %u /tmp/live-mapped/owned-by-0; touch /tmp/live-mapped/live-made && echo made; (touch /tmp/live-mapped-ro/x) 2>/dev/null || echo ro-refused; mount -o remount,rw /tmp/live-mapped-ro 2>/dev/null || echo remount-refused'
            $c | Remove-UserNsContainer -Force", new Dictionary<string, object?> { ["d"] = d });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "0", "made", "ro-refused", "remount-refused" }, r.Lines);
        Assert.Equal(0u, new Mono_Stat(Path.Combine(d, "live-made")).Uid);
    }
}
