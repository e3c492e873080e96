using System;
using System.IO;
using UserNsContainer.Engine;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What a container session decides before any server runs (the sessions themselves
/// run in real pwsh: tests/Pester/New-UserNsContainerSession.Tests.ps1, SessionTerminalTests).</summary>
public sealed class SessionTests : ContainerTest
{
    /// <summary>This process hosts PowerShell (the test host): there is no pwsh to run in server
    /// mode beside its $PSHOME, which is said before anything is made.</summary>
    [Fact]
    public void AProgramThatHostsPowerShellIsToldItIsNotPwshBeforeAnythingIsMade()
    {
        var r = TestHost.Run(@"try { New-UserNsContainerSession -Name sess-hosted -ErrorAction Stop } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
            @(Get-UserNsContainer).Count");
        Assert.Equal("SessionServerNotFound,UserNsContainer.Commands.NewUserNsContainerSessionCommand", r.Lines[0]);
        Assert.Contains("not pwsh", r.Lines[1]);
        Assert.Equal("0", r.Lines[^1]);
    }

    [Fact]
    public void TheDynamicLoaderIsReadFromTheExecutable()
    {
        Assert.Equal(ExpectedLoader(), PowerShellInstall.Interpreter("/bin/sh"));
        Assert.Null(PowerShellInstall.Interpreter("/bin/busybox")); // static: no loader at all
        Assert.Null(PowerShellInstall.Interpreter("/etc/passwd"));  // not ELF
    }

    /// <summary>An executable is a file the container's image may supply: a header that claims
    /// a huge program header table, or an interpreter past the end, gives no loader, not a
    /// crash or a long read.</summary>
    [Fact]
    public void AForgedElfHeaderGivesNoLoader()
    {
        var path = Path.Combine(TestHost.Scratch, "forged-elf-" + Guid.NewGuid().ToString("N")[..8]);
        var bytes = File.ReadAllBytes("/bin/sh")[..4096];
        BitConverter.GetBytes((ushort)0xffff).CopyTo(bytes, 0x38);          // e_phnum
        BitConverter.GetBytes(long.MaxValue / 2).CopyTo(bytes, 0x20);       // e_phoff far past the end
        File.WriteAllBytes(path, bytes);
        Assert.Null(PowerShellInstall.Interpreter(path));
        File.WriteAllBytes(path, bytes[..40]);                               // cut inside the header
        Assert.Null(PowerShellInstall.Interpreter(path));
        File.Delete(path);
    }

    private static string ExpectedLoader() =>
        System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64
            ? "/lib/ld-linux-aarch64.so.1" : "/lib64/ld-linux-x86-64.so.2";
}
