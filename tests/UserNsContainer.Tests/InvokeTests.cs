using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Invoke-UserNsContainer run for real in the PowerShell engine.</summary>
public sealed class InvokeTests : ContainerTest
{
    [Fact]
    public void RootInsideIsTheCallerMappedToZero()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -Command sh, -c, 'id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal("0", r.Lines[0]);
        Assert.Equal("0", r.Lines[1]);
        Assert.Equal(new[] { "0", TestHost.Uid.ToString(), "1" }, r.Lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(new[] { "0", TestHost.Gid.ToString(), "1" }, r.Lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0, r.LastExitCode);
    }

    [Fact]
    public void InitIsPidOneOfItsOwnPidNamespace()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -Command sh, -c, 'echo $$; cat /proc/1/comm; ls /proc | grep -c ''^[0-9]'''");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.NotEqual("1", r.Lines[0]);        // the main process is not the init
        Assert.Equal("usnc-helper", r.Lines[1]); // PID 1 is the helper acting as init
        // init, sh, ls, grep
        Assert.True(int.Parse(r.Lines[2]) <= 4, "only the container's own processes are visible: " + r.Lines[2]);
    }

    [Fact]
    public void RootInsideOwnsItsNetUtsAndIpcNamespaces()
    {
        // made in the container's own user namespace: root inside binds port 80 and sets the
        // host name itself, as in bwrap and podman
        var r = TestHost.Run(@"Invoke-UserNsContainer -Bind ""${probe}:/tmp/probe:ro"" -Command sh, -c, '
            /tmp/probe bind80
            hostname set-inside && hostname'", new System.Collections.Generic.Dictionary<string, object?> { ["probe"] = Probe.Path });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "bind80 ok", "set-inside" }, r.Lines);
    }

    [Fact]
    public void ARefusedRedirectionNamesItsParameterAndAFailedStartLeavesTheFilesAsTheyWere()
    {
        var dir = Path.Combine(TestHost.Scratch, "redirect-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var existing = Path.Combine(dir, "existing");
        File.WriteAllText(existing, "keep\n");
        var r = TestHost.Run(@"
            $calls = { Invoke-UserNsContainer -RedirectStandardInput ""$dir/missing"" -Command cat -ErrorAction Stop },
                { 'x' | Invoke-UserNsContainer -RedirectStandardInput $existing -Command cat -ErrorAction Stop },
                { Invoke-UserNsContainer -RedirectStandardOutput ""$dir/o"" -RedirectStandardError ""$dir/o"" -Command true -ErrorAction Stop },
                { Invoke-UserNsContainer -RedirectStandardOutput $dir -Command true -ErrorAction Stop }
            foreach ($call in $calls) {
                try { & $call; 'ran' } catch { ($_.FullyQualifiedErrorId -split ',')[0] + ' ' + ($_.Exception.Message -replace '^.* for (-\w+):.*$', '$1') }
            }
            # the files are open when the start fails: a new one goes again, an existing one is not emptied
            try { Invoke-UserNsContainer -RedirectStandardOutput ""$dir/new"" -RedirectStandardError $existing -Command /nonexistent/program -ErrorAction Stop }
            catch { ($_.FullyQualifiedErrorId -split ',')[0] }
            $LASTEXITCODE", new System.Collections.Generic.Dictionary<string, object?> { ["dir"] = dir, ["existing"] = existing });
        Assert.Equal(new[]
        {
            "InvalidRedirection -RedirectStandardInput", "InvalidRedirection -RedirectStandardInput",
            "InvalidRedirection -RedirectStandardError", "InvalidRedirection -RedirectStandardOutput", "CommandNotFound", "125",
        }, r.Lines);
        Assert.Equal(new[] { "existing" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Equal("keep\n", File.ReadAllText(existing));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void WhatIfWithPipelineInputAsksOnceAndRunsNothing()
    {
        // the first pipeline object starts the container; -WhatIf answers for the whole pipeline
        var file = Path.Combine(TestHost.Scratch, $"whatif-{Guid.NewGuid():N}.out");
        var (output, errors, code) = RealPwsh.Run($$"""
            $n = "whatif-$PID"
            'a', 'b', 'c' | Invoke-UserNsContainer -WhatIf -Name $n -RedirectStandardOutput '{{file}}' -Command cat
            'file:' + (Test-Path '{{file}}')
            'containers:' + @(Get-UserNsContainer | Where-Object Name -eq $n).Count
            """);
        Assert.True(code == 0 && errors.Length == 0, output + errors);
        Assert.Equal(1, output.Split('\n').Count(l => l.StartsWith("What if:", StringComparison.Ordinal)));
        Assert.Contains("file:False", output);
        Assert.Contains("containers:0", output);
    }

    [Fact]
    public void TheContainersHostNameResolvesToItsLoopback()
    {
        // as podman and Docker do: servers and test suites look their own name up
        var r = TestHost.Run("Invoke-UserNsContainer -Hostname web1.example -- sh -c 'getent hosts web1.example; getent hosts web1; hostname'");
        Assert.Empty(r.Errors);
        Assert.Equal(new[] { "127.0.1.1", "web1.example", "web1" }, r.Lines[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("127.0.1.1", r.Lines[1]);
        Assert.Equal("web1.example", r.Lines[2]);
    }

    [Fact]
    public void AnEnteredProcessJoinsTheNamespacesRootInsideOwns()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Hostname owned -Command sleep, 60
            $c | Enter-ContainerNamespace -Command sh, -c, 'hostname; hostname renamed; hostname'
            $c | Enter-ContainerNamespace -Command hostname
            $c | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "owned", "renamed", "renamed" }, r.Lines);
    }

    [Fact]
    public void HostnameIsSetInItsOwnUtsNamespace()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -Hostname box.example -Command hostname");
        Assert.Equal(new[] { "box.example" }, r.Lines);
        Assert.NotEqual("box.example", Environment.MachineName);
    }

    [Fact]
    public void DefaultRootIsReadOnlyButTmpIsWritable()
    {
        var r = TestHost.Run(@"Invoke-UserNsContainer -Command sh, -c, 'touch /usr/usnc-probe 2>/dev/null; echo ro=$?; echo hi > /tmp/x && cat /tmp/x; ls -A /tmp | wc -l'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "ro=1", "hi", "1" }, r.Lines); // /tmp is a fresh tmpfs: only our file
        Assert.False(File.Exists("/usr/usnc-probe"));
    }

    [Fact]
    public void TheReadOnlyRootHoldsAgainstRootInside()
    {
        // the mounts were made in an outer user namespace and the container runs in a nested
        // one, so the kernel has locked them (docs/design.md)
        var r = TestHost.Run(@"Invoke-UserNsContainer -Command sh, -c, 'id -u; mount -o remount,rw / 2>/dev/null && echo remounted; umount /tmp 2>/dev/null && echo unmounted; touch /usr/usnc-probe 2>/dev/null || echo still-read-only'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "0", "still-read-only" }, r.Lines);
        Assert.False(File.Exists("/usr/usnc-probe"));
    }

    /// <summary>USERNSCONTAINER_TIMINGS=1: one verbose line per container with the engine's
    /// phases, for a foreground and a detached one; without it, no such line.</summary>
    [Fact]
    public void TheTimingsSwitchReportsEveryPhaseInTheVerboseStream()
    {
        var r = TestHost.Run("""
            $env:USERNSCONTAINER_TIMINGS = '1'
            try {
                Invoke-UserNsContainer -Command /bin/true -Verbose 4>&1 | Where-Object { "$_" -like 'Timings*' } | ForEach-Object { "$_" }
                $c = New-UserNsContainer -Command sleep, 30 -Verbose 4>&1 | ForEach-Object { if ($_ -is [UserNsContainer.ContainerHandle]) { $script:h = $_ } elseif ("$_" -like 'Timings*') { "$_" } }
                $c
                $script:h | Remove-UserNsContainer -Force
            } finally { [Environment]::SetEnvironmentVariable('USERNSCONTAINER_TIMINGS', [NullString]::Value) }
            @(Invoke-UserNsContainer -Command /bin/true -Verbose 4>&1 | Where-Object { "$_" -like 'Timings*' }).Count
            """);
        Assert.True(r.Succeeded, string.Join("; ", r.Errors));
        Assert.Equal(3, r.Lines.Length);
        // a foreground container is recorded once, when it runs; a detached one from the start;
        // the monitor writes maps of your own ids (or root's) itself: no "maps" phase in the engine
        const string init = @"; in the init \(ms\): barrier [\d.]+, root [\d.]+, base [\d.]+(, [a-z]+ [\d.]+)*, pivot [\d.]+, lock [\d.]+(, [a-z]+ [\d.]+)*, main [\d.]+$";
        Assert.Matches(@"^Timings \(ms\): validate [\d.]+, plan [\d.]+, spawn [\d.]+, clone [\d.]+, setup\+exec [\d.]+, state [\d.]+, run [\d.]+, delete [\d.]+, reap [\d.]+; total [\d.]+" + init, r.Lines[0]);
        Assert.Matches(@"^Timings \(ms\): validate [\d.]+, state [\d.]+, plan [\d.]+, spawn [\d.]+, clone [\d.]+, setup\+exec [\d.]+, state [\d.]+; total [\d.]+" + init, r.Lines[1]);
        Assert.Equal("0", r.Lines[2]);
    }

    [Fact]
    public void EnvironmentIsCleanPlusWhatIsGiven()
    {
        Environment.SetEnvironmentVariable("USNC_HOST_SECRET", "leak");
        try
        {
            var r = TestHost.Run("Invoke-UserNsContainer -Environment @{ GREETING = 'hello'; N = 3 } -Command /usr/bin/env");
            var names = r.Lines.Select(l => l.Split('=')[0]).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "GREETING", "HOME", "N", "PATH", "TERM" }, names);
            Assert.Contains("GREETING=hello", r.Lines);
            Assert.Contains("N=3", r.Lines);
        }
        finally
        {
            Environment.SetEnvironmentVariable("USNC_HOST_SECRET", null);
        }
    }

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 7", 7)]
    [InlineData("kill -TERM $$", 143)]
    public void ExitCodeLandsInLastExitCodeAndOnThePassThruHandle(string script, int expected)
    {
        var r = TestHost.Run("$h = Invoke-UserNsContainer -PassThru -Command sh, -c, $script; $h.ExitCode; $h.State.ToString()",
            new System.Collections.Generic.Dictionary<string, object?> { ["script"] = script });
        Assert.Equal(expected, r.LastExitCode);
        Assert.Equal(new[] { expected.ToString(), "Exited" }, r.Lines);
    }

    [Fact]
    public void StderrIsCapturableWithoutMakingTheRunAnError()
    {
        var r = TestHost.Run(@"$ErrorActionPreference = 'Stop'
            $all = Invoke-UserNsContainer -Command sh, -c, 'echo out; echo err >&2' 2>&1
            $ok = $?
            $all | ForEach-Object { ""$($_.GetType().Name):$_"" }
            ""ok=$ok""");
        Assert.Null(r.Terminating);
        Assert.Contains("String:out", r.Lines);
        Assert.Contains("ErrorRecord:err", r.Lines);
        Assert.Contains("ok=True", r.Lines);
    }

    [Fact]
    public void WorkingDirectoryIsUsed()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -WorkingDirectory /tmp -Command pwd");
        Assert.Equal(new[] { "/tmp" }, r.Lines);
    }

    [BusyboxFact]
    public void DirectoryRootFsFromBusybox()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -RootFs $root -Command sh, -c, 'cat /etc/marker; ls /bin/busybox; test -e /usr/bin/dotnet || echo no-host-files; mount | grep -c '' / '''",
            new System.Collections.Generic.Dictionary<string, object?> { ["root"] = Busybox.RootFs });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "busybox-root", "/bin/busybox", "no-host-files", "1" }, r.Lines);
    }

    [BusyboxFact]
    public void ARootFsGivenThroughASymlinkIsResolvedAsTheCallerSeesIt()
    {
        var link = Path.Combine(TestHost.Scratch, "root-link-" + Guid.NewGuid().ToString("N")[..8]);
        File.CreateSymbolicLink(link, Busybox.RootFs); // an absolute symlink
        var r = TestHost.Run("Invoke-UserNsContainer -RootFs $root -Command cat, /etc/marker; (Invoke-UserNsContainer -RootFs $root -PassThru -Command /bin/true).RootFs",
            new System.Collections.Generic.Dictionary<string, object?> { ["root"] = link });
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "busybox-root", Busybox.RootFs }, r.Lines);
    }

    [Fact]
    public void NamespaceSubsetSharesTheOthersWithTheHost()
    {
        var hostNet = new FileInfo("/proc/self/ns/net").LinkTarget;
        var hostUts = new FileInfo("/proc/self/ns/uts").LinkTarget;
        var r = TestHost.Run("Invoke-UserNsContainer -Namespace user, mnt -Command sh, -c, 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/user'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(hostNet, r.Lines[0]);
        Assert.Equal(hostUts, r.Lines[1]);
        Assert.NotEqual(new FileInfo("/proc/self/ns/user").LinkTarget, r.Lines[2]);
    }

    [Fact]
    public void UserNamespaceAloneSeesTheHostFileSystem()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -Namespace user -Command sh, -c, 'id -u; test -d /proc/1 && echo host-proc'");
        Assert.Equal(new[] { "0", "host-proc" }, r.Lines);
    }

    [Fact]
    public void CtrlCEndsTheContainerPromptly()
    {
        using var rs = TestHost.OpenRunspace();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("Invoke-UserNsContainer -Command sleep, 60");
        var async = ps.BeginInvoke();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!NewHelperProcesses().Any() && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Thread.Sleep(200);
        Assert.NotEmpty(NewHelperProcesses());
        var sw = Stopwatch.StartNew();
        ps.Stop();
        Assert.True(async.IsCompleted);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {sw.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
    }
}
