using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Enter-ContainerNamespace against real containers and processes.</summary>
public sealed class EnterTests : ContainerTest
{
    [Fact]
    public void EnteringSeesTheContainersHostnameMountsPidsUidAndFiles()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Hostname enter-box -Command sh, -c, 'echo from-main > /tmp/mark; exec sleep 300'
            $n = 0; while (-not (Enter-ContainerNamespace -Container $c -Command sh, -c, 'test -e /tmp/mark && echo y') -and $n -lt 100) { $n++ }
            $c | Enter-ContainerNamespace -Command sh, -c, 'hostname; cat /tmp/mark; echo $$; cat /proc/1/comm; id -u; grep -c '' /tmp '' /proc/mounts'
            $c | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        var lines = r.Lines.SkipWhile(l => l == "y").ToArray();
        Assert.Equal("enter-box", lines[0]);
        Assert.Equal("from-main", lines[1]);
        Assert.NotEqual("1", lines[2]);              // our own pid, not the init's
        Assert.Equal("usnc-helper", lines[3]);       // pid 1 is the container's init
        Assert.Equal("0", lines[4]);
        Assert.Equal("1", lines[5]);                 // the container's fresh /tmp
    }

    [Fact]
    public void EnteringStartsFromTheContainersEnvironmentDirectoryAndUserAsExecDoes()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -HostIdCount 2000 -User 1000 -WorkingDirectory /tmp -Environment @{ FOO = 'from-container'; KEEP = 'kept' }
            $c | Enter-ContainerNamespace -Command sh, -c, 'echo $FOO $KEEP; pwd; id -u'
            $c | Enter-ContainerNamespace -Environment @{ FOO = 'overridden'; NEW = 'added' } -WorkingDirectory / -User root -Command sh, -c, 'echo $FOO $KEEP $NEW; pwd; id -u'
            try { $c | Enter-ContainerNamespace -User no-such-user -Command /bin/true -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            $c | Remove-UserNsContainer -Force");
        Assert.Equal(new[] { "from-container kept", "/tmp", "1000", "overridden kept added", "/", "0",
            "UnknownUser,UserNsContainer.Commands.EnterContainerNamespaceCommand" }, r.Lines);
    }

    [Fact]
    public void ExitCodesAndPassThruBehaveAsInInvoke()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer
            $res = $c | Enter-ContainerNamespace -PassThru -Command sh, -c, 'echo out; echo err >&2; exit 6' 2>&1
            ""code=$LASTEXITCODE""
            $res | ForEach-Object { if ($_ -is [string]) { ""s:$_"" } elseif ($_ -is [System.Management.Automation.ErrorRecord]) { ""e:$_"" } else { ""r:$($_.ExitCode):$($_.Joined -join ',')"" } }
            $c | Remove-UserNsContainer -Force");
        Assert.Empty(r.Errors); // the non-zero exit sets $? false (HadErrors), as a native command's does, and writes no error
        Assert.Equal("code=6", r.Lines[0]);
        Assert.Contains("s:out", r.Lines);
        Assert.Contains("e:err", r.Lines);
        Assert.Contains("r:6:user,ipc,uts,net,pid,cgroup,mnt", r.Lines);
    }

    [Fact]
    public void ANamespaceSubsetJoinsOnlyThose()
    {
        var hostUts = new FileInfo("/proc/self/ns/uts").LinkTarget;
        var r = TestHost.Run(@"$c = New-UserNsContainer -Hostname subset-box
            $c | Enter-ContainerNamespace -Namespace user, pid, mnt -Command sh, -c, 'readlink /proc/self/ns/uts; hostname'
            $c | Remove-UserNsContainer -Force");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(hostUts, r.Lines[0]);          // uts not joined: the host's

        Assert.NotEqual("subset-box", r.Lines[1]);
    }

    [Fact]
    public void EnteringAnUnshareProcessByProcessId()
    {
        using var p = Track(Process.Start(new ProcessStartInfo("unshare", new[] { "-Urm", "sh", "-c", "mkdir -p /tmp/usnc-probe-dir && mount -t tmpfs x /tmp/usnc-probe-dir && touch /tmp/usnc-probe-dir/inside && exec sleep 60" }))!);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            var ours = new FileInfo("/proc/self/ns/mnt").LinkTarget;
            while (DateTime.UtcNow < deadline && (new FileInfo($"/proc/{p.Id}/ns/mnt").LinkTarget == ours || !File.ReadAllText($"/proc/{p.Id}/cmdline").StartsWith("sleep")))
                Thread.Sleep(10);
            var r = TestHost.Run("Enter-ContainerNamespace -ProcessId $p -Command sh, -c, 'ls /tmp/usnc-probe-dir; id -u'", Vars(("p", p.Id)));
            Assert.True(r.Succeeded, string.Join("\n", r.Errors));
            Assert.Equal(new[] { "inside", "0" }, r.Lines);
            Assert.False(File.Exists("/tmp/usnc-probe-dir/inside")); // the tmpfs exists only in its mount namespace
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
            try { Directory.Delete("/tmp/usnc-probe-dir"); } catch (IOException) { }
        }
    }

    [Fact]
    public void AStoppedContainerIsRefused()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer -Command /bin/true
            $null = $c | Wait-UserNsContainer
            $c | Enter-ContainerNamespace -Command /bin/true -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId
            $c | Remove-UserNsContainer");
        Assert.Equal(new[] { "ContainerNotRunning,UserNsContainer.Commands.EnterContainerNamespaceCommand" }, r.Lines);
    }

    [Fact]
    public void ACommandMissingInTheContainerIsRefusedBeforeJoining()
    {
        var r = TestHost.Run(@"$c = New-UserNsContainer
            $c | Enter-ContainerNamespace -Command no-such-tool-usnc -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId
            $err[0].Exception.Message
            $c | Remove-UserNsContainer -Force");
        Assert.Equal("CommandNotFound,UserNsContainer.Commands.EnterContainerNamespaceCommand", r.Lines[0]);
        Assert.Contains("a program that exists in the running container", r.Lines[1]); // not "the host's root"
    }

    [UnprivilegedFact]
    public void AnotherUsersProcessIsRefusedWithTheReason()
    {
        var r = TestHost.Run(@"Enter-ContainerNamespace -ProcessId 1 -Command /bin/true -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId; $err[0].Exception.Message");
        Assert.Equal("NamespaceAccessDenied,UserNsContainer.Commands.EnterContainerNamespaceCommand", r.Lines[0]);
        Assert.Contains("belong to uid 0", r.Lines[1]);
    }

    [RootFact("entering another user's container; the unprivileged pass tests the refusal")]
    public void RootEntersAnOrdinaryUsersContainerAsItsRoot()
    {
        using var p = Track(Process.Start(new ProcessStartInfo("runuser", new[] { "-u", "nobody", "--", "unshare", "-Ur", "sleep", "60" }))!);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
            int target = 0;
            while (DateTime.UtcNow < deadline && target == 0)
            {
                target = Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                    .FirstOrDefault(pid => pid > 0 && SafeRead($"/proc/{pid}/cmdline").StartsWith("sleep\060") && SafeRead($"/proc/{pid}/uid_map").Contains("65534"));
                Thread.Sleep(10);
            }
            Assert.NotEqual(0, target);
            var r = TestHost.Run("Enter-ContainerNamespace -ProcessId $p -Command sh, -c, 'id -u; cat /proc/self/uid_map'", Vars(("p", target)));
            Assert.True(r.Succeeded, string.Join("\n", r.Errors));
            Assert.Equal("0", r.Lines[0]);
            Assert.Equal("0 65534 1", string.Join(' ', r.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
    }

    private static string SafeRead(string path)
    {
        try { return File.ReadAllText(path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}
