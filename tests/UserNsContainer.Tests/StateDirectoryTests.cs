using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What a container running as your uid would do to your state directory: read other
/// containers' secrets and logs, and rewrite their records so that your next Enter, Mount or Stop
/// lands on a process it chose. The directory is never visible inside, and a record that names
/// processes other than its container's ends in ContainerRecordForged, removed, with nothing done.</summary>
public sealed class StateDirectoryTests : ContainerTest
{
    [BusyboxFact]
    public void NoHostTmpOrBindOrLiveBindShowsTheStateDirectory()
    {
        // the tests' state directory is under /tmp, as the fallback for root without
        // XDG_RUNTIME_DIR used to be: -HostTmp and a bind of /tmp would show it
        var state = TestHost.StateDir;
        _ = Busybox.RootFs; // the scratch root below holds busybox-root beside the state directory
        var r = TestHost.Run(@"$v = New-UserNsContainer -Name sd-victim -Environment @{ SECRET = 'hunter2' } -Command sleep, 60
            Invoke-UserNsContainer -HostTmp -Command sh, -c, ""ls -A $state | wc -l; cat $state/*.json 2>/dev/null | grep -c hunter2; touch $state/x 2>/dev/null || echo refused""
            Invoke-UserNsContainer -Bind /tmp:/host-tmp -Command sh, -c, ""ls -A /host-tmp/$($state.Substring(5)) | wc -l""
            Invoke-UserNsContainer -RootFs ([IO.Path]::GetDirectoryName($state)) -Command /busybox-root/bin/busybox, sh, -c, 'ls -A /state | /busybox-root/bin/busybox wc -l'   # a root that holds it
            try { Invoke-UserNsContainer -Bind ""${state}:/s"" -Command true } catch { $_.FullyQualifiedErrorId }
            $w = New-UserNsContainer -Command sleep, 60
            try { $w | Mount-ContainerBind -Source /tmp -Target /tmp/host -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            $w, $v | Remove-UserNsContainer -Force", Vars(("state", state)));
        Assert.True(r.Succeeded || r.Errors.All(e => e.FullyQualifiedErrorId.StartsWith("BindExposes", StringComparison.Ordinal)), string.Join("\n", r.Errors));
        Assert.Equal(new[] { "0", "0", "refused", "0", "0",
            "BindExposesPrivateDirectory,UserNsContainer.Commands.InvokeUserNsContainerCommand",
            "BindExposesPrivateDirectory,UserNsContainer.Commands.MountContainerBindCommand" }, r.Lines);
        Assert.False(File.Exists(Path.Combine(state, "x")));
    }

    /// <summary>Rewrites the record of the container with <paramref name="id"/> to name other processes.</summary>
    private static void Forge(string id, int pid, ulong pidStart, int monitor, ulong monitorStart)
    {
        var path = Path.Combine(TestHost.StateDir, id + ".json");
        var record = JsonNode.Parse(File.ReadAllText(path))!;
        record["Pid"] = pid;
        record["PidStartTime"] = pidStart;
        record["MonitorPid"] = monitor;
        record["MonitorStartTime"] = monitorStart;
        File.WriteAllText(path, record.ToJsonString());
    }

    private static ulong Start(int pid) => Engine.ProcessInfo.StartTime(pid)!.Value;

    [Fact]
    public void ARecordRewrittenToNameAnotherContainerIsRefusedForEnterAndMountAndRemoved()
    {
        var d = HostDir("forged-secret");
        var made = TestHost.Run(@"$v = New-UserNsContainer -Name sd-forged -Command sleep, 60
            $a = New-UserNsContainer -Name sd-attacker -Hostname attacker -Command sleep, 60
            $v.Id; $a.Id; $a.Pid; [UserNsContainer.ContainerHandle].GetProperty('MonitorPid', [System.Reflection.BindingFlags]'NonPublic,Instance').GetValue($a)");
        Assert.True(made.Succeeded, string.Join("\n", made.Errors));
        var (victim, attacker, init, monitor) = (made.Lines[0], made.Lines[1], int.Parse(made.Lines[2]), int.Parse(made.Lines[3]));
        var victims = new System.Collections.Generic.List<int> { MonitorOf(victim) };
        Forge(victim, init, Start(init), monitor, Start(monitor));
        var r = TestHost.Run(@"try { Get-UserNsContainer -Name sd-forged | Enter-ContainerNamespace -Command hostname -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            @(Get-UserNsContainer | Where-Object Name -eq sd-forged).Count", Vars());
        Assert.Equal(new[] { "ContainerRecordForged,UserNsContainer.Commands.EnterContainerNamespaceCommand", "0" }, r.Lines);
        // the same forgery against a live bind of a secret directory
        var again = TestHost.Run(@"$v = New-UserNsContainer -Name sd-forged -Command sleep, 60; $v.Id");
        victims.Add(MonitorOf(again.Lines[0]));
        Forge(again.Lines[0], init, Start(init), monitor, Start(monitor));
        r = TestHost.Run(@"try { Get-UserNsContainer -Name sd-forged | Mount-ContainerBind -Source $d -Target /tmp/secret -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            @(Get-UserNsContainer | Where-Object Name -eq sd-forged).Count
            Get-UserNsContainer -Name sd-attacker | Enter-ContainerNamespace -Command sh, -c, 'test -e /tmp/secret/f && echo leaked || echo clean'", Vars(("d", d)));
        Assert.Equal(new[] { "ContainerRecordForged,UserNsContainer.Commands.MountContainerBindCommand", "0", "clean" }, r.Lines);
        // the victims' own helpers still run without a record: end them through their monitors
        TestHost.Run("Get-UserNsContainer -Name sd-attacker | Remove-UserNsContainer -Force");
        KillMonitors(victims);
    }

    /// <summary>The monitor pid a record names (read before it is forged).</summary>
    private static int MonitorOf(string id) =>
        (int)JsonNode.Parse(File.ReadAllText(Path.Combine(TestHost.StateDir, id + ".json")))!["MonitorPid"]!;

    /// <summary>Ends containers whose records were forged away (their init dies with the monitor).</summary>
    private static void KillMonitors(System.Collections.Generic.IEnumerable<int> monitors)
    {
        foreach (var pid in monitors)
            using (var p = Process.GetProcessById(pid))
            {
                p.Kill();
                p.WaitForExit(5000);
            }
    }

    [Fact]
    public void ARecordRewrittenToNameAnUnrelatedProcessIsNeverSignalled()
    {
        using var bystander = Track(Process.Start(new ProcessStartInfo("sleep", "60"))!);
        var made = TestHost.Run(@"(New-UserNsContainer -Name sd-unrelated -Command sleep, 60).Id");
        Assert.True(made.Succeeded, string.Join("\n", made.Errors));
        var real = MonitorOf(made.Lines[0]);
        Forge(made.Lines[0], bystander.Id, Start(bystander.Id), Environment.ProcessId, Start(Environment.ProcessId));
        var r = TestHost.Run(@"try { Get-UserNsContainer -Name sd-unrelated | Stop-UserNsContainer -ErrorAction Stop } catch { $_.FullyQualifiedErrorId }
            @(Get-UserNsContainer | Where-Object Name -eq sd-unrelated).Count");
        Assert.Equal(new[] { "ContainerRecordForged,UserNsContainer.Commands.StopUserNsContainerCommand", "0" }, r.Lines);
        Assert.False(bystander.HasExited);
        KillMonitors(new[] { real });
    }

    /// <summary>A genuine container whose command ends while Remove checks its record is not
    /// forged: its init turns zombie and its monitor exits between the checks (CI saw one
    /// ContainerRecordForged from the doc example New -NoStart | Start, then Remove).</summary>
    [Fact]
    public void AContainerEndingWhileItIsRemovedIsNeverCalledForged()
    {
        var r = TestHost.Run(@"$forged = 0
            foreach ($i in 1..60) {
                $c = New-UserNsContainer -NoStart -Command /bin/true | Start-UserNsContainer -PassThru
                try { $c | Remove-UserNsContainer -Force -ErrorAction Stop } catch { if ($_.FullyQualifiedErrorId -like 'ContainerRecordForged*') { $forged++ } else { throw } }
            }
            $forged");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "0" }, r.Lines);
    }
}
