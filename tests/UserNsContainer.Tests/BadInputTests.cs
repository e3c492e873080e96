using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Invalid input across every cmdlet: each gives its exact FullyQualifiedErrorId, and nothing is
/// left behind (no process, state record or host mount: ContainerTest; no temp directory under
/// /tmp; nothing written into the image the case names as $img).
/// </summary>
public sealed class BadInputTests : ContainerTest
{
    private const string II = "ImportContainerImageCommand", GCI = "GetContainerImageCommand", RCI = "RemoveContainerImageCommand";
    private const string I = "InvokeUserNsContainerCommand", N = "NewUserNsContainerCommand", S = "StartUserNsContainerCommand",
        G = "GetUserNsContainerCommand", W = "WaitUserNsContainerCommand", T = "StopUserNsContainerCommand", R = "RemoveUserNsContainerCommand",
        SI = "SetIdMapCommand", GI = "GetIdMapCommand", E = "EnterContainerNamespaceCommand", M = "MountContainerBindCommand", D = "DismountContainerBindCommand";

    private static readonly string Long = new('a', 300);

    public static TheoryData<string, string, string> Cases() => new()
    {
        // -RootFs
        { "Invoke-UserNsContainer -RootFs /nonexistent/usnc -Command /bin/true", "RootFsNotFound", I },
        { "Invoke-UserNsContainer -RootFs /etc/hostname -Command /bin/true", "RootFsNotDirectory", I },
        { "Invoke-UserNsContainer -RootFs no-such-relative-root -Command /bin/true", "RootFsNotFound", I },
        { "Invoke-UserNsContainer -RootFs '' -Command /bin/true", "InvalidRootFs", I },
        { "Invoke-UserNsContainer -RootFs \"/tmp`n\" -Command /bin/true", "InvalidRootFs", I },
        { "Invoke-UserNsContainer -RootFs \"$img`0\" -Command /bin/true", "InvalidRootFs", I },
        { "Invoke-UserNsContainer -Namespace user -RootFs $img -Command /bin/true", "RootFsNeedsMountNamespace", I },
        // -Limit
        { "Invoke-UserNsContainer -Limit @{ Bogus = 1 } -Command /bin/true", "InvalidLimitName", I },
        { "New-UserNsContainer -Limit @{ Processes = -1 } -Command /bin/true", "InvalidLimitValue", N },
        { "Invoke-UserNsContainer -Limit @{ OpenFiles = 'many' } -Command /bin/true", "InvalidLimitValue", I },
        { "Invoke-UserNsContainer -Limit @{ OpenFiles = 10, 5 } -Command /bin/true", "InvalidLimitValue", I },
        { "Invoke-UserNsContainer -Limit @{ OpenFiles = 1, 2, 3 } -Command /bin/true", "InvalidLimitValue", I },
        { "Invoke-UserNsContainer -Limit @{ OpenFiles = 'unlimited' } -Command /bin/true", "InvalidLimitValue", I },
        { "Enter-ContainerNamespace -Id 000000000000 -Limit @{ Bogus = 1 } -Command /bin/true", "InvalidLimitName", E },
        // -Namespace
        { "Invoke-UserNsContainer -Namespace bogus -Command /bin/true", "InvalidNamespace", I },
        { "Invoke-UserNsContainer -Namespace user, mnt2 -Command /bin/true", "InvalidNamespace", I },
        { "Invoke-UserNsContainer -Namespace user -Bind /etc:/x -Command /bin/true", "BindNeedsMountNamespace", I },
        { "Invoke-UserNsContainer -Namespace user, mnt -Hostname h -Command /bin/true", "HostnameNeedsUtsNamespace", I },
        // -Network, -Publish, -Dns, -AllowHostLoopback
        { "Invoke-UserNsContainer -Network Bogus -Command /bin/true", "CannotConvertArgumentNoMessage", I },
        { "Invoke-UserNsContainer -Network Host -Namespace user, mnt, net -Command /bin/true", "NetworkConflict", I },
        { "Invoke-UserNsContainer -Network Private -Namespace user, mnt -Command /bin/true", "NetworkConflict", I },
        { "Invoke-UserNsContainer -Network Private -Namespace user, net -Command /bin/true", "PrivateNetworkNeedsMountNamespace", I },
        { "Invoke-UserNsContainer -Publish 8080:80 -Command /bin/true", "NetworkOptionNeedsPrivate", I },
        { "Invoke-UserNsContainer -Network Host -Dns 9.9.9.9 -Command /bin/true", "NetworkOptionNeedsPrivate", I },
        { "Invoke-UserNsContainer -AllowHostLoopback -Command /bin/true", "NetworkOptionNeedsPrivate", I },
        { "Invoke-UserNsContainer -Network Private -Publish 80 -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish 0:80 -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish 8080:65536 -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish 8080:80/sctp -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish 300.1.1.1:8080:80 -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish 1:8080:80 -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish '[::1:8080:80' -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish '[fe80::1%eth0]:8080:80' -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish \"8080:80`n\" -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish ' 8080:80' -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish '' -Command /bin/true", "InvalidPublish", I },
        { "Invoke-UserNsContainer -Network Private -Publish 8080:80, 127.0.0.1:8080:81 -Command /bin/true", "PublishConflict", I },
        { "Invoke-UserNsContainer -Network Private -Dns example.org -Command /bin/true", "InvalidDns", I },
        { "Invoke-UserNsContainer -Network Private -Dns 9.9.9 -Command /bin/true", "InvalidDns", I },
        { "Invoke-UserNsContainer -Network Private -Dns '9.9.9.9:53' -Command /bin/true", "InvalidDns", I },
        // -Hostname, -Name
        { "Invoke-UserNsContainer -Hostname bad_host -Command /bin/true", "InvalidHostname", I },
        { $"Invoke-UserNsContainer -Hostname {new string('h', 65)} -Command /bin/true", "InvalidHostname", I },
        { "Invoke-UserNsContainer -Hostname \"box`n\" -Command /bin/true", "InvalidHostname", I },
        { "Invoke-UserNsContainer -Hostname '-box' -Command /bin/true", "InvalidHostname", I },
        { "New-UserNsContainer -Name a/b", "InvalidName", N },
        { $"New-UserNsContainer -Name {Long}", "InvalidName", N },
        { "New-UserNsContainer -Name ''", "InvalidName", N },
        { "New-UserNsContainer -Name '-x'", "InvalidName", N },
        { "New-UserNsContainer -Name 'a b'", "InvalidName", N },
        { "New-UserNsContainer -Name \"web`n\"", "InvalidName", N },
        { "New-UserNsContainer -Name \"web`0\"", "InvalidName", N },
        // -WorkingDirectory
        { "Invoke-UserNsContainer -WorkingDirectory tmp -Command /bin/true", "InvalidWorkingDirectory", I },
        { "Invoke-UserNsContainer -WorkingDirectory \"/tmp`0\" -Command /bin/true", "InvalidWorkingDirectory", I },
        { "Invoke-UserNsContainer -WorkingDirectory \"/tmp`n\" -Command /bin/true", "InvalidWorkingDirectory", I },
        { "Invoke-UserNsContainer -WorkingDirectory /no/such/dir -Command /bin/true", "WorkingDirectoryUnusable", I },
        { "Invoke-UserNsContainer -RootFs $img -WorkingDirectory /no/such/dir -Command /bin/true", "WorkingDirectoryUnusable", I },
        { $"Invoke-UserNsContainer -WorkingDirectory /{new string('d', 5000)} -Command /bin/true", "InvalidWorkingDirectory", I },
        // -Command
        { "Invoke-UserNsContainer -Command @()", "EmptyCommand", I },
        { "Invoke-UserNsContainer -Command ''", "EmptyCommand", I },
        { "Invoke-UserNsContainer -Command no-such-program-usnc", "CommandNotFound", I },
        { "Invoke-UserNsContainer -Command ./no-such-relative-program", "CommandNotFound", I },
        { "Invoke-UserNsContainer -Command /proc/version", "CommandNotFound", I }, // a file without execute bits
        { "Invoke-UserNsContainer -RootFs $img -Command /usr/bin/dotnet", "CommandNotFound", I },
        { "Invoke-UserNsContainer -Command \"/bin/sh`0\"", "InvalidCommand", I },
        { "Invoke-UserNsContainer -Command sh, \"-c`0\"", "InvalidCommand", I },
        { "Invoke-UserNsContainer -Command echo, ('x' * 200000)", "CommandTooLarge", I },
        { "New-UserNsContainer -Command no-such-program-usnc", "CommandNotFound", N },
        // -Environment
        { "Invoke-UserNsContainer -Environment @{ 'A-B' = 1 } -Command /bin/true", "InvalidEnvironmentName", I },
        { "Invoke-UserNsContainer -Environment @{ '1A' = 1 } -Command /bin/true", "InvalidEnvironmentName", I },
        { "Invoke-UserNsContainer -Environment @{ \"A`n\" = 1 } -Command /bin/true", "InvalidEnvironmentName", I },
        { "Invoke-UserNsContainer -Environment @{ '' = 1 } -Command /bin/true", "InvalidEnvironmentName", I },
        { "Invoke-UserNsContainer -Environment @{ A = $null } -Command /bin/true", "InvalidEnvironmentValue", I },
        { "Invoke-UserNsContainer -Environment @{ A = \"x`0y\" } -Command /bin/true", "InvalidEnvironmentValue", I },
        { "Invoke-UserNsContainer -Environment @{ A = ('x' * 200000) } -Command /bin/true", "EnvironmentTooLarge", I },
        // -Bind
        { "Invoke-UserNsContainer -Bind 'a:b:c:d' -Command /bin/true", "InvalidBind", I },
        { "Invoke-UserNsContainer -Bind '/etc:/x:rx' -Command /bin/true", "InvalidBind", I },
        { "Invoke-UserNsContainer -Bind 42 -Command /bin/true", "InvalidBind", I },
        { "Invoke-UserNsContainer -Bind '/etc:relative' -Command /bin/true", "InvalidBindTarget", I },
        { "Invoke-UserNsContainer -Bind '/etc:/' -Command /bin/true", "InvalidBindTarget", I },
        { "Invoke-UserNsContainer -RootFs $img -Bind \"/etc:/x`ny\" -Command /bin/true", "InvalidBindTarget", I },
        { $"Invoke-UserNsContainer -RootFs $img -Bind '/etc:/{new string('t', 5000)}' -Command /bin/true", "InvalidBindTarget", I },
        { "Invoke-UserNsContainer -Bind '/nonexistent/usnc:/x' -Command /bin/true", "BindSourceNotFound", I },
        { "Invoke-UserNsContainer -Bind \"/etc`n:/x\" -Command /bin/true", "InvalidBindSource", I },
        { "Invoke-UserNsContainer -RootFs $img -Bind @{ Source = '/etc'; Target = '/x'; ReadOnyl = $true } -Command /bin/true", "InvalidBindKey", I },
        { "Invoke-UserNsContainer -Bind @{ Target = '/x' } -Command /bin/true", "InvalidBindSource", I },
        { "Invoke-UserNsContainer -Bind @{ Source = '/etc' } -Command /bin/true", "InvalidBindTarget", I },
        { "Invoke-UserNsContainer -Bind @{ Source = '/etc'; Target = $null } -Command /bin/true", "InvalidBindTarget", I },
        // -User, -Group
        { "Invoke-UserNsContainer -User 5 -Command /bin/true", "UserNotMapped", I },
        { "Invoke-UserNsContainer -User no-such-user-usnc -Command /bin/true", "UnknownUser", I },
        { "Invoke-UserNsContainer -RootFs $img -User \"root`n\" -Command /bin/true", "UnknownUser", I },
        { "Invoke-UserNsContainer -Group 5 -Command /bin/true", "GroupNotMapped", I },
        { "Invoke-UserNsContainer -Group no-such-group-usnc -Command /bin/true", "UnknownGroup", I },
        { "Invoke-UserNsContainer -User -1 -Command /bin/true", "UnknownUser", I },
        // id maps
        { "Invoke-UserNsContainer -HostIdCount 0 -Command /bin/true", "InvalidHostIdCount", I },
        { "Invoke-UserNsContainer -HostIdCount -1 -Command /bin/true", "CannotConvertArgumentNoMessage", I },
        { "Invoke-UserNsContainer -HostIdCount 5 -UidMap 0:0:1 -Command /bin/true", "IdMapConflict", I },
        { "Invoke-UserNsContainer -IdMap Auto -UidMap 0:0:1 -Command /bin/true", "IdMapConflict", I },
        { "Invoke-UserNsContainer -IdMap Manual -Command /bin/true", "InvalidIdMapMode", I },
        { "Invoke-UserNsContainer -UidMap x -Command /bin/true", "InvalidIdMap", I },
        { "Invoke-UserNsContainer -UidMap 0:0:0 -Command /bin/true", "InvalidIdMap", I },
        { "Invoke-UserNsContainer -UidMap '-1:0:1' -Command /bin/true", "InvalidIdMap", I },
        { "Invoke-UserNsContainer -UidMap 0:4294967295:2 -Command /bin/true", "InvalidIdMap", I },
        { "Invoke-UserNsContainer -UidMap @{ ContainerId = 0 } -Command /bin/true", "InvalidIdMap", I },
        { "Invoke-UserNsContainer -UidMap '0:0:1', '0:5:1' -Command /bin/true", "IdMapOverlap", I },
        { "Invoke-UserNsContainer -UidMap '0:0:2', '5:1:1' -Command /bin/true", "IdMapOverlap", I },
        { "Invoke-UserNsContainer -UidMap (0..340 | ForEach-Object { \"${_}:$(1000 + $_):1\" }) -Command /bin/true", "IdMapTooLarge", I },
        // -Seccomp, -JoinTag
        { "Invoke-UserNsContainer -Seccomp Strict -Command /bin/true", "CannotConvertArgumentNoMessage", I },
        { "Invoke-UserNsContainer -JoinTag 'bad tag' -JoinCount 2 -Command /bin/true", "InvalidJoinTag", I },
        { "Invoke-UserNsContainer -JoinTag t -JoinCount 0 -Command /bin/true", "InvalidJoinCount", I },
        { "Invoke-UserNsContainer -JoinTag t -JoinCount 2 -JoinTimeout -1 -Command /bin/true", "InvalidJoinTimeout", I },
        { "Invoke-UserNsContainer -JoinTag ('t' * 59) -Command /bin/true", "InvalidJoinTag", I },
        { "Invoke-UserNsContainer -Join -Command /bin/true", "JoinOutsideScheduler", I },
        { "Invoke-UserNsContainer -Join -JoinCount 2 -Command /bin/true", "JoinOutsideScheduler", I },
        // containers that do not exist, were removed, or were made up
        { "Start-UserNsContainer -Name nope-usnc", "ContainerNotFound", S },
        { "Get-UserNsContainer -Name nope-usnc", "ContainerNotFound", G },
        { "Get-UserNsContainer -Id 000000000000", "ContainerNotFound", G },
        { "Wait-UserNsContainer -Name nope-usnc", "ContainerNotFound", W },
        { "Stop-UserNsContainer -Name nope-usnc", "ContainerNotFound", T },
        { "Remove-UserNsContainer -Name nope-usnc", "ContainerNotFound", R },
        { "$c = New-UserNsContainer; $c | Remove-UserNsContainer -Force; $c | Stop-UserNsContainer", "ContainerNotFound", T },
        { "[UserNsContainer.ContainerHandle]@{ Id = 'fabricated01'; Name = 'fake'; Pid = 1 } | Stop-UserNsContainer", "ContainerNotFound", T },
        { "[UserNsContainer.ContainerHandle]@{ Id = '../../etc'; Name = 'fake'; Pid = 1 } | Remove-UserNsContainer -Force", "ContainerNotFound", R },
        { "$c = New-UserNsContainer; $c | Start-UserNsContainer", "ContainerNotCreated", S },
        { "$c = New-UserNsContainer -Command sleep, 60; $c | Wait-UserNsContainer -Timeout 1", "WaitTimeout", W },
        // Set-IdMap, Get-IdMap
        { "Set-IdMap -ProcessId 999999999 -UidMap 0:0:1", "ProcessNotFound", SI },
        { "Set-IdMap -Name nope-usnc -UidMap 0:0:1", "ContainerNotFound", SI },
        { "New-UserNsContainer -NoStart | Set-IdMap", "IdMapMissing", SI },
        { "$c = New-UserNsContainer; $c | Set-IdMap -UidMap 0:1:1 -GidMap 0:1:1", "ContainerNotCreated", SI },
        { "$c = New-UserNsContainer; Set-IdMap -ProcessId $c.Pid -UidMap 0:1:1 -GidMap 0:1:1", "IdMapAlreadyWritten", SI },
        { "Get-IdMap -ProcessId 999999999", "ProcessNotFound", GI },
        { "Get-IdMap -ProcessId $PID -HostId 1 -ContainerId 1", "TranslationConflict", GI },
        // Enter-ContainerNamespace
        { "Enter-ContainerNamespace -Name nope-usnc -Command /bin/true", "ContainerNotFound", E },
        { "Enter-ContainerNamespace -ProcessId 999999999 -Command /bin/true", "ProcessNotFound", E },
        { "$c = New-UserNsContainer -Command /bin/true; $null = $c | Wait-UserNsContainer; $c | Enter-ContainerNamespace -Command /bin/true", "ContainerNotRunning", E },
        { "$c = New-UserNsContainer -NoStart; $c | Enter-ContainerNamespace -Command /bin/true", "ContainerNotRunning", E },
        { "$c = New-UserNsContainer; $c | Enter-ContainerNamespace -Command @()", "EmptyCommand", E },
        { "$c = New-UserNsContainer; $c | Enter-ContainerNamespace -Command no-such-program-usnc", "CommandNotFound", E },
        { "$c = New-UserNsContainer; $c | Enter-ContainerNamespace -WorkingDirectory rel -Command /bin/true", "InvalidWorkingDirectory", E },
        { "$c = New-UserNsContainer; $c | Enter-ContainerNamespace -Namespace bogus -Command /bin/true", "InvalidNamespace", E },
        { "$c = New-UserNsContainer; $c | Enter-ContainerNamespace -User 77 -Command /bin/true", "UserNotMapped", E },
        // Mount-ContainerBind, Dismount-ContainerBind
        { "$c = New-UserNsContainer; $c | Mount-ContainerBind -Source /etc -Target rel", "InvalidBindTarget", M },
        { "$c = New-UserNsContainer; $c | Mount-ContainerBind -Source /nonexistent/usnc -Target /tmp/x", "BindSourceNotFound", M },
        { "$c = New-UserNsContainer -RootFs $img; $c | Mount-ContainerBind -Source /etc -Target /usnc-new-top", "LiveBindNeedsParent", M },
        { "$c = New-UserNsContainer -Command /bin/true; $null = $c | Wait-UserNsContainer; $c | Mount-ContainerBind -Source /etc -Target /tmp/x", "ContainerNotRunning", M },
        { "$c = New-UserNsContainer; $c | Dismount-ContainerBind -Target /tmp/none", "BindNotFound", D },
        { "$c = New-UserNsContainer -Bind /etc:/tmp/fixed; $c | Dismount-ContainerBind -Target /tmp/fixed", "BindLocked", D },
        // -WriteFake, -BindHome
        { "Invoke-UserNsContainer -RootFs $img -WriteFake -Writable -Command /bin/true", "WriteFakeConflict", I },
        { "Invoke-UserNsContainer -WriteFake -Command /bin/true", "WriteFakeNeedsRootFs", I },
        { "Invoke-UserNsContainer -RootFs $img -WriteFake -WriteFakeSize 0 -Command /bin/true", "InvalidWriteFakeSize", I },
        { "Invoke-UserNsContainer -RootFs $img -WriteFakeSize 1MB -Command /bin/true", "InvalidWriteFakeSize", I },
        { "Invoke-UserNsContainer -RootFs $img -WriteFakeSize 1.5 -Command /bin/true", "InvalidWriteFakeSize", I },
        { "Invoke-UserNsContainer -Namespace user -HostTmp -Command /bin/true", "BindNeedsMountNamespace", I },
        { "$savedHome = $env:HOME; try { $env:HOME = '/nonexistent/usnc-home'; Invoke-UserNsContainer -BindHome -Command /bin/true } finally { $env:HOME = $savedHome }", "HomeNotFound", I },
        // images (in a store of the case's own, $store, which nothing may create)
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Import-ContainerImage 'Bad/Name'", "InvalidImageReference", II },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Import-ContainerImage \"docker-archive:$img`n\"", "InvalidImageReference", II },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Import-ContainerImage busybox -Platform linux", "InvalidPlatform", II },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Import-ContainerImage busybox -Name '../x'", "InvalidImageName", II },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Invoke-UserNsContainer -Image nothing-usnc -Command /bin/true", "ImageNotFound", I },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Invoke-UserNsContainer -Image \"x`n\" -Command /bin/true", "InvalidImageReference", I },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Invoke-UserNsContainer -Image nothing-usnc -Writable -Command /bin/true", "ImageNotWritable", I },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Get-ContainerImage nothing-usnc", "ImageNotFound", GCI },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $store; Remove-ContainerImage nothing-usnc", "ImageNotFound", RCI },
        { "$env:USERNSCONTAINER_IMAGE_DIR = '/proc/usnc-images'; Import-ContainerImage docker-archive:/nonexistent.tar", "ImageStoreUnusable", II },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $link; Import-ContainerImage docker-archive:/nonexistent.tar", "ImageStoreUnusable", II },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $link; Invoke-UserNsContainer -Image busybox -Command /bin/true", "ImageStoreUnusable", I },
        { "$env:USERNSCONTAINER_IMAGE_DIR = $open; Get-ContainerImage", "ImageStoreUnusable", GCI },
        // the state directory
        { "$env:USERNSCONTAINER_STATE_DIR = '/proc/usnc-state'; New-UserNsContainer", "StateDirectoryUnusable", N },
        { "$env:USERNSCONTAINER_STATE_DIR = $link; New-UserNsContainer", "StateDirectoryUnsafe", N },
    };

    /// <summary>Entries of /tmp this suite could have made (names starting with usnc).</summary>
    private static string[] TmpEntries() => TestHost.ModuleTmpEntries();

    [BusyboxTheory]
    [MemberData(nameof(Cases))]
    public void IsRefusedWithItsErrorIdAndLeavesNothing(string script, string errorId, string command)
    {
        var img = Busybox.RootFs;
        var link = Path.Combine(TestHost.Scratch, "state-link-" + Guid.NewGuid().ToString("N")[..8]);
        var linkTarget = Directory.CreateDirectory(link + "-target").FullName;
        File.SetUnixFileMode(linkTarget, (UnixFileMode)0b111_000_000);
        File.CreateSymbolicLink(link, linkTarget);
        var image = TreeSnapshot.Of(img);
        var tmp = TmpEntries();
        var store = Path.Combine(TestHost.Scratch, "images-" + Guid.NewGuid().ToString("N")[..8]);
        var open = Directory.CreateDirectory(store + "-open").FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0b111_101_101); // a store others may enter
        var r = TestHost.Run(@"$usncStateDir = $env:USERNSCONTAINER_STATE_DIR
            try { $ErrorActionPreference = 'Stop'; " + script + @" } catch { $_.FullyQualifiedErrorId }
            finally { $env:USERNSCONTAINER_STATE_DIR = $usncStateDir; [Environment]::SetEnvironmentVariable('USERNSCONTAINER_IMAGE_DIR', [NullString]::Value)
                $ErrorActionPreference = 'Continue'; Get-UserNsContainer | Remove-UserNsContainer -Force }",
            new Dictionary<string, object?> { ["img"] = img, ["link"] = link, ["store"] = store, ["open"] = open });
        Assert.False(Directory.Exists(store), "the image store was created");
        Assert.Equal(new[] { $"{errorId},UserNsContainer.Commands.{command}" }, r.Lines);
        Assert.Equal(image, TreeSnapshot.Of(img));
        Assert.Equal(tmp, TmpEntries());
    }
}

/// <summary>A theory over busybox roots; .ci/run installs busybox-static, so CI always runs it.</summary>
public sealed class BusyboxTheoryAttribute : TheoryAttribute
{
    public BusyboxTheoryAttribute()
    {
        if (!Busybox.Available)
            Skip = "needs busybox-static (apt-get install busybox-static); .ci/run installs it";
    }
}
