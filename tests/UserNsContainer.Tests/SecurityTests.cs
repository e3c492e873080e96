using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What a hostile image or a hostile user inside would try: the host's sysctls and
/// kernel interfaces through /proc, a setup cut short by many binds, device nodes and
/// setuid files in an image, the init's fds. Each fails on a runtime that lacks the defence.</summary>
public sealed class SecurityTests : ContainerTest
{
    [Fact]
    public void AHostSysctlWrittenBackToItsOwnValueIsRefusedAndProcSysIsLocked()
    {
        // the value written is the one already there: the host is never changed, even when
        // this test fails
        var r = TestHost.Run(@"Invoke-UserNsContainer -Command sh, -c, '
            v=$(cat /proc/sys/kernel/core_pattern)
            (printf ""%s\n"" ""$v"" > /proc/sys/kernel/core_pattern) 2>/dev/null && echo core_pattern-written || echo core_pattern-refused
            (cat /proc/sys/vm/overcommit_memory > /proc/sys/vm/overcommit_memory) 2>/dev/null && echo overcommit-written || echo overcommit-refused
            umount /proc/sys 2>/dev/null && echo unmounted || echo umount-refused
            mount -o remount,rw /proc/sys 2>/dev/null && echo remounted || echo remount-refused
            awk ""\$5 == \""/proc/sys\"" { print \$6 }"" /proc/self/mountinfo | cut -d, -f1'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "core_pattern-refused", "overcommit-refused", "umount-refused", "remount-refused", "ro" }, r.Lines);
    }

    [Fact]
    public void KernelInterfacesAreMaskedAndTheMasksCannotBeUnmounted()
    {
        // /proc/keys and /proc/timer_list exist on this kernel; kcore, sched_debug, sysrq-trigger
        // where they exist are checked the same way
        var r = TestHost.Run(@"Invoke-UserNsContainer -Command sh, -c, '
            for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug /proc/latency_stats; do
                [ -e $f ] || continue
                n=$(cat $f 2>/dev/null | wc -c); echo ""$f $n""
                umount $f 2>/dev/null && echo ""$f unmounted""
            done
            if [ -e /proc/sysrq-trigger ]; then (echo h > /proc/sysrq-trigger) 2>/dev/null && echo sysrq-written; fi
            ls -A /sys/firmware | wc -l
            umount /sys/firmware 2>/dev/null && echo firmware-unmounted; true'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Contains("/proc/keys 0", r.Lines);
        Assert.Contains("/proc/timer_list 0", r.Lines);
        Assert.DoesNotContain(r.Lines, l => l.EndsWith("unmounted", StringComparison.Ordinal) || l == "sysrq-written");
        Assert.All(r.Lines.Where(l => l.StartsWith("/proc/", StringComparison.Ordinal)), l => Assert.EndsWith(" 0", l));
        Assert.Equal("0", r.Lines.Last());
    }

    [Fact]
    public void TheHostsProcIsMaskedToWhenThereIsNoPidNamespace()
    {
        var r = TestHost.Run(@"Invoke-UserNsContainer -Namespace user, mnt -Command sh, -c, '
            cat /proc/keys | wc -c
            (cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern) 2>/dev/null && echo written || echo refused'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "0", "refused" }, r.Lines);
    }

    [Fact]
    public void TwoThousandBindsAllLandAndTheSetupIsNotCutShort()
    {
        var src = Path.Combine(TestHost.Scratch, "many-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "f"), "x");
        // past the old fixed array of 512 operations the lock and pivot_root were lost: the
        // root became writable and the host sat under /oldroot
        var r = TestHost.Run(@"$binds = 1..2000 | ForEach-Object { ""${src}:/tmp/b/${_}:ro"" }
            Invoke-UserNsContainer -Bind $binds -Command sh, -c, '
                ls /tmp/b | wc -l; cat /tmp/b/1/f /tmp/b/2000/f; echo
                touch /usnc-should-not-exist 2>/dev/null && echo root-writable || echo root-read-only
                [ -e /oldroot ] && echo oldroot || echo pivoted
                wc -l < /proc/self/mountinfo'", Vars(("src", src)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "2000", "xx", "root-read-only", "pivoted" }, r.Lines.Take(4));
        Assert.True(int.Parse(r.Lines[4]) >= 2000);
        Assert.False(File.Exists("/usnc-should-not-exist"));
    }

    [Fact]
    public void ACommandLineTooLargeForOneRecordIsRefusedBeforeAnythingExists()
    {
        var r = TestHost.Run("try { Invoke-UserNsContainer -Command (@('/bin/true') + @('x' * 70000) + @('y' * 70000)) } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }");
        Assert.Equal("CommandTooLarge,UserNsContainer.Commands.InvokeUserNsContainerCommand", r.Lines[0]);
        Assert.Contains("-Command", r.Lines[1]);
        Assert.Contains("KiB", r.Lines[1]);
    }

    [Fact]
    public void InsideNothingReachesTheInitsFdsMemoryOrRoot()
    {
        // the init runs as the same host uid as root inside (as root itself for a root caller);
        // only its being non-dumpable keeps its fds, memory and environment out of reach
        var r = TestHost.Run(@"Invoke-UserNsContainer -Command sh, -c, '
            for f in /proc/1/fd/*; do readlink $f; done 2>/dev/null | grep -c . || true
            for f in environ mem; do cat /proc/1/$f >/dev/null 2>&1 && echo ""$f read"" || echo ""$f refused""; done
            ls /proc/1/root/ >/dev/null 2>&1 && echo root-open || echo root-refused
            cat /proc/1/fd/0 </dev/null >/dev/null 2>&1 && echo fd0-open || echo fd0-refused'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "0", "environ refused", "mem refused", "root-refused", "fd0-refused" }, r.Lines);
    }

    [BusyboxFact]
    public void TheInitHoldsOnlyStdioItsSignalfdAndTheEndPipe()
    {
        // an image whose /etc is a file: every soft bind into /etc (passwd, group, resolv.conf,
        // hosts) fails to make its target and is skipped; each once leaked its source fd into PID 1
        var image = Busybox.Copy("sec-fds-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Delete(Path.Combine(image, "etc"), recursive: true);
        File.WriteAllText(Path.Combine(image, "etc"), "not a directory\n");
        var r = TestHost.Run("$c = New-UserNsContainer -Name sec-fds -RootFs $image -Command sleep, 60; $c.Pid", Vars(("image", image)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        var pid = int.Parse(r.Lines.Single());
        try
        {
            if (TestHost.Uid != 0)
            {
                // non-dumpable: its /proc files belong to root, not to the caller whose uid it runs
                // as, so even the caller (and so anything of that uid inside) cannot list them
                Assert.Equal(0u, Engine.Native.Libc.OwnerOf($"/proc/{pid}/fd", followLinks: false));
                Assert.Throws<UnauthorizedAccessException>(() => Directory.GetFiles($"/proc/{pid}/fd"));
                return;
            }
            var fds = Directory.GetFiles($"/proc/{pid}/fd").Select(f => (int.Parse(Path.GetFileName(f)), new FileInfo(f).LinkTarget ?? "")).OrderBy(f => f.Item1).ToList();
            var beyondStdio = fds.Where(f => f.Item1 > 2).Select(f => f.Item2).ToList();
            Assert.Equal(2, beyondStdio.Count);
            Assert.Contains(beyondStdio, t => t.Contains("signalfd", StringComparison.Ordinal));
            Assert.Contains(beyondStdio, t => t.StartsWith("pipe:", StringComparison.Ordinal));
        }
        finally
        {
            TestHost.Run("Remove-UserNsContainer -Name sec-fds -Force");
        }
    }

    [Fact]
    public void StateRecordsAre0600InA0700Directory()
    {
        var r = TestHost.Run("$c = New-UserNsContainer -Name sec-modes -NoStart; $c.Id; $env:USERNSCONTAINER_STATE_DIR");
        try
        {
            Assert.True(r.Succeeded, string.Join("\n", r.Errors));
            var files = StateFiles();
            Assert.True(files.Length > 0, $"no state files under {TestHost.StateDir} (container {r.Text})");
            foreach (var f in files)
                Assert.True(File.GetUnixFileMode(f) == (UnixFileMode)0b110_000_000, $"{f} is {Convert.ToString((int)File.GetUnixFileMode(f), 8)}");
            Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(TestHost.StateDir));
        }
        finally
        {
            TestHost.Run("Remove-UserNsContainer -Name sec-modes -Force");
        }
    }

    [RootFact("only root can make a device node or a setuid-root file in an image")]
    public void DeviceNodesAndSetuidFilesInAnImageGiveNothing()
    {
        if (!Busybox.Available)
            throw new InvalidOperationException("busybox-static is required in the root pass (.ci/run installs it)");
        var image = Busybox.Copy("sec-image-" + Guid.NewGuid().ToString("N")[..8]);
        // /dev/null's numbers: readable and writable by anyone if the node were honoured
        Run("mknod", "-m", "666", Path.Combine(image, "devnode"), "c", "1", "3");
        var euid = Path.Combine(image, "euid");
        var c = Path.Combine(TestHost.Scratch, "euid-" + Guid.NewGuid().ToString("N")[..8] + ".c");
        File.WriteAllText(c, "#include <stdio.h>\n#include <unistd.h>\nint main(void){printf(\"%d\\n\",(int)geteuid());return 0;}\n");
        Run("cc", "-static", "-o", euid, c);
        Run("chmod", "4755", euid); // setuid root
        var r = TestHost.Run(@"Invoke-UserNsContainer -RootFs $image -HostIdCount 2000 -User 1000 -Command sh, -c, '
            (echo x > /devnode) 2>/dev/null && echo node-open || echo node-refused
            /euid
            awk ""\$5 == \""/\"" { print \$6 }"" /proc/self/mountinfo | tr , ""\n"" | grep -E ""^no(dev|suid)$"" | sort'", Vars(("image", image)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "node-refused", "1000", "nodev", "nosuid" }, r.Lines);
    }

    [Fact]
    public void TheDefaultSeccompFilterRefusesKeyctlOnEveryAbiAndTiocstiWithHighBits()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Name sec-seccomp -NoStart; $c.Seccomp.ToString(); $c | Remove-UserNsContainer -Force
            Invoke-UserNsContainer -Bind ""${probe}:/tmp/probe:ro"" -Command sh, -c, 'grep ^Seccomp: /proc/self/status; /tmp/probe keyctl tiocsti x'", Vars(("probe", Probe.Path)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "Default", "Seccomp:\t2", "keyctl EPERM", "tiocsti EPERM EPERM" }, r.Lines);
    }

    [I386Fact]
    public void TheDefaultSeccompFilterRefusesKeyctlThroughTheI386Abi()
    {
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind ""${probe}:/tmp/probe:ro"" -Command /tmp/probe, keyctl-i386", Vars(("probe", Probe.Path)));
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "keyctl-i386 EPERM" }, r.Lines);
    }

    [Fact]
    public void SeccompUnconfinedTurnsTheFilterOffForTheContainerAndForAnEnteredProcess()
    {
        var probe = Probe.Path;
        var r = TestHost.Run(@"Invoke-UserNsContainer -Seccomp Unconfined -Bind ""${probe}:/tmp/probe:ro"" -Command sh, -c, 'grep ^Seccomp: /proc/self/status; /tmp/probe keyctl'
            $c = New-UserNsContainer -Name sec-enter -Bind ""${probe}:/tmp/probe:ro"" -Command sleep, 60
            $c | Enter-ContainerNamespace -Command sh, -c, 'grep ^Seccomp: /proc/self/status; /tmp/probe keyctl'
            $c | Enter-ContainerNamespace -Seccomp Unconfined -Command sh, -c, 'grep ^Seccomp: /proc/self/status'
            $c | Remove-UserNsContainer -Force
            try { Invoke-UserNsContainer -Seccomp Strict -Command /bin/true } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }", Vars(("probe", probe)));
        Assert.Equal("Seccomp:\t0", r.Lines[0]);
        Assert.NotEqual("keyctl EPERM", r.Lines[1]);
        Assert.Equal(new[] { "Seccomp:\t2", "keyctl EPERM", "Seccomp:\t0" }, r.Lines[2..5]);
        Assert.StartsWith("CannotConvertArgumentNoMessage,", r.Lines[5]); // PowerShell's own: names the parameter and the accepted values
        Assert.Contains("Seccomp", r.Lines[6]);
        Assert.Contains("Default, Unconfined", r.Lines[6]);
    }

    [BusyboxFact]
    public void ARootSwappedForASymlinkWhileContainersStartNeverYieldsAnotherRoot()
    {
        // an attacker owns the directory that holds the root: "d" is a real directory holding
        // image A, or a symlink to a directory holding image B, exchanged in a loop
        var top = Path.Combine(TestHost.Scratch, "swap-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(top, "d"));
        Directory.CreateDirectory(Path.Combine(top, "private"));
        var a = Busybox.Copy(Path.Combine(top, "d", "root"));
        var b = Busybox.Copy(Path.Combine(top, "private", "root"));
        File.WriteAllText(Path.Combine(a, "marker"), "A");
        File.WriteAllText(Path.Combine(b, "marker"), "B");
        File.CreateSymbolicLink(Path.Combine(top, "link"), Path.Combine(top, "private"));
        using var stop = new System.Threading.CancellationTokenSource();
        var swapper = System.Threading.Tasks.Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                RenameExchange(Path.Combine(top, "d"), Path.Combine(top, "link"));
        });
        try
        {
            var r = TestHost.Run(@"foreach ($i in 1..40) {
                    try {
                        $out = @(Invoke-UserNsContainer -RootFs ""$top/d/root"" -PassThru -Command cat, /marker)
                        ""$($out[0]) $($out[-1].RootFs)""
                    } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
                }", Vars(("top", top)));
            Assert.Equal(40, r.Lines.Length);
            foreach (var line in r.Lines)
            {
                if (line.StartsWith("A ", StringComparison.Ordinal))
                    Assert.Equal($"A {top}/d/root", line);
                else if (line.StartsWith("B ", StringComparison.Ordinal))
                    Assert.Equal($"B {top}/private/root", line); // resolved through the link when checked: what the handle says
                else
                    Assert.Contains(line, new[] { "RootFsChanged", "RootFsNotFound", "RootFsNotDirectory", "CommandNotFound" }); // clean errors only
            }
        }
        finally
        {
            stop.Cancel();
            swapper.Wait();
        }
    }

    [BusyboxFact]
    public void ARootReplacedBetweenCreateAndStartIsRefusedAndNothingIsLeft()
    {
        var image = Busybox.Copy("swap-once-" + Guid.NewGuid().ToString("N")[..8]);
        var other = Busybox.Copy("swap-other-" + Guid.NewGuid().ToString("N")[..8]);
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart -RootFs $image -Command /bin/true
            [IO.Directory]::Move($image, ""$image.orig""); [IO.Directory]::Move($other, $image)
            try { $c | Start-UserNsContainer -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            @(Get-UserNsContainer).Count", Vars(("image", image), ("other", other)));
        Assert.Equal(new[] { "RootFsChanged", "0" }, r.Lines);
    }

    [Fact]
    public void ABindSourceReplacedBetweenCreateAndStartIsRefusedAndNothingIsLeft()
    {
        var d = Path.Combine(TestHost.Scratch, "src-once-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        var r = TestHost.Run(@"$c = New-UserNsContainer -NoStart -Bind ""${d}:/tmp/x"" -Command /bin/true
            [IO.Directory]::Move($d, ""$d.orig""); $null = [IO.Directory]::CreateDirectory($d)
            try { $c | Start-UserNsContainer -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            @(Get-UserNsContainer).Count", Vars(("d", d)));
        Assert.Equal(new[] { "BindSourceChanged", "0" }, r.Lines);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    /// <summary>renameat2(RENAME_EXCHANGE): both names swap atomically.</summary>
    private static void RenameExchange(string x, string y) =>
        syscall(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? 276 : 316, -100, x, -100, y, 2);

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }
}

/// <summary>Runs where the i386 system call ABI (int 0x80) works on the host itself: some virtual
/// machines fault on it outside any container (the probe dies with SIGSEGV), and there is then
/// no i386 path for a filter to close.</summary>
public sealed class I386FactAttribute : FactAttribute
{
    public I386FactAttribute()
    {
        if (!System.Runtime.InteropServices.RuntimeInformation.OSArchitecture.Equals(System.Runtime.InteropServices.Architecture.X64))
        {
            Skip = "the i386 ABI exists only on x86_64";
            return;
        }
        using var p = Process.Start(new ProcessStartInfo(Probe.Path, "keyctl-i386") { RedirectStandardOutput = true })!;
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            Skip = $"int 0x80 fails on this host outside any container (the probe ended with {p.ExitCode}; 139 is SIGSEGV): this machine has no i386 system calls to filter";
    }
}
