using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Bad input and failed setups: a stable ErrorId naming the parameter and value,
/// raised before anything exists; and nothing left behind (checked by ContainerTest).</summary>
public sealed class ErrorTests : ContainerTest
{
    public static IEnumerable<object[]> BadInput() => new[]
    {
        new object[] { "Invoke-UserNsContainer -RootFs /nonexistent/usnc -Command /bin/true", "RootFsNotFound,UserNsContainer.Commands.InvokeUserNsContainerCommand", "/nonexistent/usnc" },
        new object[] { "Invoke-UserNsContainer -RootFs /etc/hostname -Command /bin/true", "RootFsNotDirectory,UserNsContainer.Commands.InvokeUserNsContainerCommand", "/etc/hostname" },
        new object[] { "Invoke-UserNsContainer -Namespace user, bogus -Command /bin/true", "InvalidNamespace,UserNsContainer.Commands.InvokeUserNsContainerCommand", "bogus" },
        new object[] { "Invoke-UserNsContainer -WorkingDirectory tmp -Command /bin/true", "InvalidWorkingDirectory,UserNsContainer.Commands.InvokeUserNsContainerCommand", "tmp" },
        new object[] { "Invoke-UserNsContainer -Command @()", "EmptyCommand,UserNsContainer.Commands.InvokeUserNsContainerCommand", "" },
        new object[] { "New-UserNsContainer -Command no-such-program-usnc", "CommandNotFound,UserNsContainer.Commands.NewUserNsContainerCommand", "no-such-program-usnc" },
        new object[] { "Invoke-UserNsContainer -Namespace user -RootFs / -Command /bin/true", "RootFsNeedsMountNamespace,UserNsContainer.Commands.InvokeUserNsContainerCommand", "/" },
        new object[] { "Invoke-UserNsContainer -Environment @{ 'A-B' = 1 } -Command /bin/true", "InvalidEnvironmentName,UserNsContainer.Commands.InvokeUserNsContainerCommand", "A-B" },
        new object[] { "Invoke-UserNsContainer -Environment @{ EMPTY = $null } -Command /bin/true", "InvalidEnvironmentValue,UserNsContainer.Commands.InvokeUserNsContainerCommand", "EMPTY" },
        new object[] { "Invoke-UserNsContainer -Bind @{ Source = '/etc'; Target = '/x'; ReadOnyl = $true } -Command /bin/true", "InvalidBindKey,UserNsContainer.Commands.InvokeUserNsContainerCommand", "ReadOnyl" },
        new object[] { "New-UserNsContainer -Name \"web`n\"", "InvalidName,UserNsContainer.Commands.NewUserNsContainerCommand", "web\\n" },
        new object[] { "Invoke-UserNsContainer -Hostname \"box`n\" -Command /bin/true", "InvalidHostname,UserNsContainer.Commands.InvokeUserNsContainerCommand", "box\\n" },
        new object[] { "Invoke-UserNsContainer -WorkingDirectory \"/tmp`nx\" -Command /bin/true", "InvalidWorkingDirectory,UserNsContainer.Commands.InvokeUserNsContainerCommand", "/tmp\\nx" },
        new object[] { "Invoke-UserNsContainer -Bind \"/etc:/x`0y\" -Command /bin/true", "InvalidBindTarget,UserNsContainer.Commands.InvokeUserNsContainerCommand", "/x\\0y" },
        new object[] { "Invoke-UserNsContainer -RootFs \"/tmp`n\" -Command /bin/true", "InvalidRootFs,UserNsContainer.Commands.InvokeUserNsContainerCommand", "/tmp\\n" },
        new object[] { "Invoke-UserNsContainer -User no-such-user-usnc -Command /bin/true", "UnknownUser,UserNsContainer.Commands.InvokeUserNsContainerCommand", "no-such-user-usnc" },
        new object[] { "Invoke-UserNsContainer -Group no-such-group-usnc -Command /bin/true", "UnknownGroup,UserNsContainer.Commands.InvokeUserNsContainerCommand", "no-such-group-usnc" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void BadInputIsATerminatingErrorWithAStableId(string script, string fullyQualifiedErrorId, string value)
    {
        // try/catch catches only terminating errors
        var r = TestHost.Run("try { " + script + " } catch { $_ }");
        var record = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
        Assert.Equal(fullyQualifiedErrorId, record.FullyQualifiedErrorId);
        Assert.Equal(System.Management.Automation.ErrorCategory.InvalidArgument, record.CategoryInfo.Category);
        Assert.Contains($"'{value}'", record.Exception.Message);
        Assert.Contains("-", record.Exception.Message);
        var action = record.ErrorDetails?.RecommendedAction;
        Assert.False(string.IsNullOrEmpty(action));
        Assert.DoesNotContain(action!, record.Exception.Message);   // a fix, not the message again
        Assert.DoesNotContain(record.Exception.Message.Split(": ", 2)[1], action!);
    }

    [Fact]
    public void AMissingRootAFileAndAnUnreadableOneReadDifferently()
    {
        // /root is root's and closed: an ordinary user may not list it (root may list anything)
        var roots = TestHost.Uid == 0 ? "'/nonexistent/usnc', '/etc/hostname'" : "'/nonexistent/usnc', '/etc/hostname', '/root'";
        var r = TestHost.Run(@"foreach ($root in " + roots + @") {
                try { Invoke-UserNsContainer -RootFs $root -Command /bin/true } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.Message }
            }");
        Assert.Equal("RootFsNotFound", r.Lines[0]);
        Assert.Contains("nothing is there", r.Lines[1]);
        Assert.Equal("RootFsNotDirectory", r.Lines[2]);
        Assert.Contains("this file is neither", r.Lines[3]);
        Assert.NotEqual(r.Lines[1].Split(": ", 2)[1], r.Lines[3].Split(": ", 2)[1]);
        if (TestHost.Uid != 0)
        {
            Assert.Equal("RootFsUnreadable", r.Lines[4]);
            Assert.Contains("read or search permission", r.Lines[5]);
        }
    }

    [UnprivilegedFact]
    public void AStateDirectoryYouCannotWriteIsNamedWithTheVariableThatMovesIt()
    {
        var dir = Path.Combine(TestHost.Scratch, "ro-state-" + System.Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (System.IO.UnixFileMode)0b101_000_000);
        var r = TestHost.Run(@"$saved = $env:USERNSCONTAINER_STATE_DIR
            $env:USERNSCONTAINER_STATE_DIR = $dir
            try { New-UserNsContainer } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.Message; $_.ErrorDetails.RecommendedAction }
            finally { $env:USERNSCONTAINER_STATE_DIR = $saved }", new Dictionary<string, object?> { ["dir"] = dir });
        Assert.Equal("StateDirectoryUnusable", r.Lines[0]);
        Assert.Contains(dir, r.Lines[1]);
        Assert.Contains("USERNSCONTAINER_STATE_DIR", r.Lines[2]);
    }

    [Fact]
    public void DuplicateNameIsRefusedBeforeAnythingIsCreated()
    {
        var r = TestHost.Run(@"$a = New-UserNsContainer -Name err-dup
            try { New-UserNsContainer -Name err-dup } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
            @(Get-UserNsContainer).Count
            $a | Remove-UserNsContainer");
        Assert.Equal("NameInUse,UserNsContainer.Commands.NewUserNsContainerCommand", r.Lines[0]);
        Assert.Contains("'err-dup'", r.Lines[1]);
        Assert.Equal("1", r.Lines[2]);
    }

    [Fact]
    public void AFailedSetupStepNamesStepOperationPathAndErrnoAndLeavesNothing()
    {
        var r = TestHost.Run("try { Invoke-UserNsContainer -WorkingDirectory /no/such/dir -Command /bin/true } catch { $_ }");
        var record = Assert.IsType<System.Management.Automation.ErrorRecord>(Assert.Single(r.Output).BaseObject);
        Assert.Equal("WorkingDirectoryUnusable,UserNsContainer.Commands.InvokeUserNsContainerCommand", record.FullyQualifiedErrorId);
        Assert.Contains("chdir '/no/such/dir'", record.Exception.Message);
        Assert.DoesNotContain("step", record.Exception.Message);   // nothing users cannot act on
        Assert.Contains("errno 2", record.Exception.Message);
        Assert.Equal("/no/such/dir", record.TargetObject);
    }

    [Fact]
    public void AnImageLackingMountPointsThatNobodyMayWriteStillRunsAndIsNotWritten()
    {
        // /usr has bin/sh and no /proc, /dev, /tmp or /etc; it is root's: an ordinary user
        // could not create them there, and root must not
        var before = string.Join(",", Directory.GetFileSystemEntries("/usr").Order());
        var r = TestHost.Run("Invoke-UserNsContainer -RootFs /usr -Command /bin/sh, -c, 'test -r /proc/self/status && test -c /dev/null && test -d /tmp && echo ok'");
        Assert.True(r.Succeeded, string.Join("\n", r.Errors));
        Assert.Equal(new[] { "ok" }, r.Lines);
        Assert.Equal(before, string.Join(",", Directory.GetFileSystemEntries("/usr").Order()));
    }

    [Fact]
    public void ActingOnAMissingContainerWritesObjectNotFoundAndGoesOn()
    {
        var r = TestHost.Run("Stop-UserNsContainer -Name nope-1, nope-2; 'after'");
        Assert.Equal(new[] { "after" }, r.Lines);
        Assert.Equal(2, r.Errors.Count);
        Assert.All(r.Errors, e => Assert.Equal("ContainerNotFound,UserNsContainer.Commands.StopUserNsContainerCommand", e.FullyQualifiedErrorId));
        Assert.Equal("nope-1", r.Errors[0].TargetObject);
    }

    [Theory]
    [InlineData(0b111_111_111)] // world-writable, like a bare /tmp
    [InlineData(0b111_101_101)] // 0755: others could read the records and logs
    public void AStateDirectoryOpenToOthersIsRefused(int mode)
    {
        var dir = Path.Combine(TestHost.Scratch, "unsafe-state-" + System.Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)mode);
        var saved = System.Environment.GetEnvironmentVariable("USERNSCONTAINER_STATE_DIR");
        System.Environment.SetEnvironmentVariable("USERNSCONTAINER_STATE_DIR", dir);
        try
        {
            var r = TestHost.Run("try { Get-UserNsContainer } catch { $_.FullyQualifiedErrorId; $_.ErrorDetails.RecommendedAction }");
            Assert.Equal("StateDirectoryUnsafe,UserNsContainer.Commands.GetUserNsContainerCommand", r.Lines[0]);
            Assert.Contains(dir, r.Lines[1]);
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("USERNSCONTAINER_STATE_DIR", saved);
        }
    }

    [Fact]
    public void AStateDirectoryOfAnotherOwnerIsRefusedNamingTheOwner()
    {
        // as root: a directory given to nobody; as anyone else: root's own home
        var dir = TestHost.Uid == 0 ? Path.Combine(TestHost.Scratch, "others-state-" + System.Guid.NewGuid().ToString("N")[..8]) : "/root";
        if (TestHost.Uid == 0)
        {
            Directory.CreateDirectory(dir);
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_000_000);
            using var chown = System.Diagnostics.Process.Start("chown", new[] { "65534:65534", dir })!;
            chown.WaitForExit();
        }
        var saved = System.Environment.GetEnvironmentVariable("USERNSCONTAINER_STATE_DIR");
        System.Environment.SetEnvironmentVariable("USERNSCONTAINER_STATE_DIR", dir);
        try
        {
            var r = TestHost.Run("try { Get-UserNsContainer } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }");
            Assert.Equal("StateDirectoryUnsafe,UserNsContainer.Commands.GetUserNsContainerCommand", r.Lines[0]);
            Assert.Contains(TestHost.Uid == 0 ? "owned by nobody (uid 65534)" : "owned by root (uid 0)", r.Lines[1]);
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("USERNSCONTAINER_STATE_DIR", saved);
        }
    }
}
