using System;
using System.IO;
using System.Linq;
using UserNsContainer.Engine;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The engine without a runspace: parsing, validation, plans, paths.</summary>
public sealed class EngineTests
{
    [Fact]
    public void NamespacesDefaultToAllAndAlwaysIncludeUser()
    {
        Assert.Equal(NamespaceSet.All, Namespaces.Parse(null));
        Assert.Equal(NamespaceSet.User | NamespaceSet.Mnt, Namespaces.Parse(new[] { "mnt" }));
        Assert.Equal(new[] { "user", "pid", "mnt" }, Namespaces.ToNames(Namespaces.Parse(new[] { "PID", "mnt" })));
        Assert.Equal(0x10000000UL | 0x00020000UL, Namespaces.CloneFlags(NamespaceSet.User | NamespaceSet.Mnt));
    }

    [Fact]
    public void UnknownNamespaceNamesTheParameterAndTheAcceptedValues()
    {
        var e = Assert.Throws<InvalidSpecException>(() => Namespaces.Parse(new[] { "time" }));
        Assert.Equal("InvalidNamespace", e.ErrorId);
        Assert.Equal("Namespace", e.Parameter);
        Assert.Contains("'time'", e.Message);
        Assert.Contains("user, ipc, uts, net, pid, cgroup, mnt", e.Message);
    }

    [Theory]
    [InlineData("relative/dir", "InvalidRootFs")]
    [InlineData("/nonexistent/usnc-root", "RootFsNotFound")]
    [InlineData("/etc/hostname", "RootFsNotDirectory")]
    public void BadRootFsIsRefused(string root, string errorId)
    {
        var spec = new ContainerSpec { RootFs = root, Command = new[] { "/bin/true" } };
        var e = Assert.Throws<InvalidSpecException>(() => spec.Validate(1000, 1000, null));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal("RootFs", e.Parameter);
    }

    [Theory]
    [InlineData(new string[0], "EmptyCommand")]
    [InlineData(new[] { "" }, "EmptyCommand")]
    [InlineData(new[] { "no-such-program-usnc" }, "CommandNotFound")]
    [InlineData(new[] { "/no/such/program" }, "CommandNotFound")]
    public void BadCommandIsRefused(string[] command, string errorId)
    {
        var spec = new ContainerSpec { Command = command };
        var e = Assert.Throws<InvalidSpecException>(() => spec.Validate(1000, 1000, null));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal("Command", e.Parameter);
    }

    [Theory]
    [InlineData("tmp", "InvalidWorkingDirectory", "WorkingDirectory")]
    [InlineData("-bad-", "InvalidHostname", "Hostname")]
    [InlineData("bad name", "InvalidName", "Name")]
    public void OtherBadValuesAreRefused(string value, string errorId, string parameter)
    {
        var spec = new ContainerSpec { Command = new[] { "/bin/true" } };
        switch (parameter)
        {
            case "WorkingDirectory": spec.WorkingDirectory = value; break;
            case "Hostname": spec.Hostname = value; break;
            default: spec.Name = value; break;
        }
        var e = Assert.Throws<InvalidSpecException>(() => spec.Validate(1000, 1000, null));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(parameter, e.Parameter);
    }

    [Fact]
    public void HostnameWithoutUtsNamespaceIsRefused()
    {
        var spec = new ContainerSpec { Command = new[] { "/bin/true" }, Hostname = "box", Namespaces = Namespaces.Parse(new[] { "mnt" }) };
        Assert.Equal("HostnameNeedsUtsNamespace", Assert.Throws<InvalidSpecException>(() => spec.Validate(0, 0, null)).ErrorId);
    }

    [Fact]
    public void ValidateFillsTheCleanEnvironmentAndTheDefaultMap()
    {
        var spec = new ContainerSpec { Command = new[] { "sh" } };
        spec.Environment["FOO"] = "bar";
        spec.Validate(1234, 5678, "xterm");
        Assert.Equal(new[] { "FOO=bar", "HOME=/root", $"PATH={ContainerSpec.DefaultPath}", "TERM=xterm" }, spec.EnvironmentBlock());
        Assert.Equal(new[] { new IdMapRange(0, 1234, 1) }, spec.UidMap);
        Assert.Equal(new[] { new IdMapRange(0, 5678, 1) }, spec.GidMap);
        Assert.Equal("usernscontainer", spec.Hostname);
    }

    [Fact]
    public void PlanForTheDefaultRootIsReadOnlyWithFreshProcDevTmpRun()
    {
        var spec = new ContainerSpec { Command = new[] { "/bin/true" } };
        spec.Validate(0, 0, null);
        var settings = PlanBuilder.Settings(spec, new PlanBuilder.LaunchOptions(false, null, 0, null));
        var ops = PlanBuilder.Ops(spec, spec.Binds).Select(r => r[1] + " " + string.Join(' ', r.Skip(2).Take(2))).ToList();
        Assert.Equal("base /tmp", ops[0]);
        var root = PlanBuilder.Ops(spec, spec.Binds)[1];
        var identity = Engine.Native.Libc.IdentityOf("/")!.Value;
        Assert.Equal(new[] { "op", "root", "/", identity.Device.ToString(), identity.Inode.ToString() }, root); // open once, mount that
        Assert.Equal("rdonly /", ops[2].Trim());
        Assert.Contains("mount proc /proc", ops);
        Assert.Contains("mount tmpfs /dev", ops);
        Assert.Contains("mount tmpfs /tmp", ops);
        Assert.Contains("mount tmpfs /run", ops);
        Assert.Contains("mount devpts /dev/pts", ops);
        // pivot, then the nested namespace that locks every mount and makes the namespaces root
        // inside must own; the host name and loopback are set in those
        int lockAt = ops.FindIndex(o => o.StartsWith("lock", StringComparison.Ordinal));
        Assert.Equal("pivot", ops[lockAt - 1].Trim());
        Assert.Equal(new[] { "op", "lock", "ipc", "uts", "net", "cgroup" }, PlanBuilder.Ops(spec, spec.Binds)[lockAt]);
        Assert.Equal(new[] { "hostname", "loopback" }, ops.Skip(lockAt + 1).Select(o => o.Split(' ')[0]));
        var clone = ulong.Parse(settings.Single(r => r[0] == "clone")[1]);
        Assert.Equal(0x10000000UL | 0x00020000 | 0x20000000, clone); // user, mnt, pid: the rest comes with the lock
        Assert.Equal("end", settings[^1][0]);
        Assert.DoesNotContain(settings, r => r[0] == "op"); // the ops follow at release
    }

    [Fact]
    public void PlanWithoutPidNamespaceBindsTheHostProcAndWithoutMntMountsNothing()
    {
        var noPid = new ContainerSpec { Command = new[] { "/bin/true" }, Namespaces = Namespaces.Parse(new[] { "mnt" }) };
        noPid.Validate(0, 0, null);
        Assert.Contains(PlanBuilder.Ops(noPid, noPid.Binds), r => r.SequenceEqual(new[] { "op", "bind", "/proc", "/proc", "rc" }));

        var noMnt = new ContainerSpec { Command = new[] { "/bin/true" }, Namespaces = Namespaces.Parse(new[] { "user" }) };
        noMnt.Validate(0, 0, null);
        Assert.DoesNotContain(PlanBuilder.Ops(noMnt, noMnt.Binds), r => r[1] is "base" or "root" or "bind" or "mount" or "lock");
    }

    [Fact]
    public void RootPathFollowsAbsoluteSymlinksInsideTheRoot()
    {
        var root = Directory.CreateTempSubdirectory("usnc-rootpath-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "bin"));
            File.WriteAllText(Path.Combine(root, "bin", "tool"), "#!/bin/sh\n");
            File.SetUnixFileMode(Path.Combine(root, "bin", "tool"), (UnixFileMode)0b111_101_101);
            File.CreateSymbolicLink(Path.Combine(root, "bin", "alias"), "/bin/tool");
            File.CreateSymbolicLink(Path.Combine(root, "escape"), "/../../etc");
            Assert.Equal(root + "/bin/tool", RootPath.FindExecutable(root, "alias", "/usr/bin:/bin"));
            Assert.Null(RootPath.FindExecutable(root, "sh", "/bin"));
            // an absolute symlink with .. cannot climb out of the root
            Assert.Null(RootPath.Resolve(root, "/escape/hostname"));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void ExitRecordsBecomeShellStyleExitCodes()
    {
        Assert.Equal(3, new ContainerExit("exited", 3).ExitCode);
        Assert.Equal(143, new ContainerExit("signaled", 15).ExitCode);
        Assert.Equal(15, new ContainerExit("signaled", 15).Signal);
        Assert.Equal(125, new ContainerExit("failed", 2).ExitCode);
    }

    [Fact]
    public void IdMapTextRoundTrips()
    {
        var ranges = new[] { new IdMapRange(0, 1000, 1), new IdMapRange(1, 100000, 65536) };
        var text = IdMapRange.ToProcText(ranges);
        Assert.Equal("0 1000 1\n1 100000 65536\n", text);
        Assert.Equal(ranges, IdMapRange.ParseProcText("         0       1000          1\n         1     100000      65536\n"));
    }

    [Theory]
    [InlineData(28, FailureKind.ResourceUnavailable)] // ENOSPC: max_user_namespaces reached (or 0)
    [InlineData(1, FailureKind.PermissionDenied)]     // EPERM: disabled for unprivileged users, or a security module
    public void AClonRefusalFromTheHelperNamesTheSettingsToCheck(int errno, FailureKind kind)
    {
        // the record the helper sends when clone(CLONE_NEWUSER|...) fails; /proc/sys is read-only
        // on this machine kind, so the kernel's refusal itself cannot be provoked here
        var e = Assert.IsType<UserNamespaceUnavailableException>(
            SetupErrors.FromRecord(new[] { "error", "-1", "clone", "", errno.ToString(), "" }, new ContainerSpec()));
        Assert.Equal("UserNamespacesUnavailable", e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Contains("max_user_namespaces", e.RecommendedAction);
        Assert.Contains("unprivileged_userns_clone", e.RecommendedAction);
        Assert.Contains("apparmor_restrict_unprivileged_userns", e.RecommendedAction);
    }
}
