using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>What crosses PowerShell processes: a detached container outlives the process that
/// made it, a foreground one dies with it, and -Interactive hands over a real terminal.
/// The other process is real pwsh (RealPwsh).</summary>
public sealed class ProcessBoundaryTests : ContainerTest
{
    [Fact]
    public void ADetachedContainerOutlivesTheProcessThatCreatedIt()
    {
        using (var p = StartShell("New-UserNsContainer -Name xproc-sleeper -Command sleep, 300 | ForEach-Object Pid"))
        {
            var pid = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
            Assert.True(Directory.Exists($"/proc/{pid}"), "the container died with its creator");
        }
        var r = TestHost.Run("$c = Get-UserNsContainer -Name xproc-sleeper; $c.State.ToString(); $c | Remove-UserNsContainer -Force");
        Assert.Equal(new[] { "Running" }, r.Lines);
    }

    [Fact]
    public void AForegroundContainerDiesWithItsProcessAndItsRecordIsCleanedAway()
    {
        using var p = StartShell("Invoke-UserNsContainer -Name xproc-fg -Command sleep, 300");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (NewHelperProcesses().Count < 2 && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        // the monitor and the init (and, for an instant, the main process before its exec)
        Assert.True(NewHelperProcesses().Count >= 2, "the container did not start");
        p.Kill(); // SIGKILL: no clean-up code runs in that process
        p.WaitForExit();
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (NewHelperProcesses().Any() && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Empty(NewHelperProcesses());
        // the dead process's record is found stale and removed by the next listing
        var r = TestHost.Run("@(Get-UserNsContainer).Count");
        Assert.Equal(new[] { "0" }, r.Lines);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("HUP")]
    [InlineData("INT")]
    [InlineData("KILL")]
    public void AnyEndOfTheCallerLeavesNoRecordNameOrHelper(string signal)
    {
        // no listing runs afterwards: the container's own monitor removes its files when its
        // caller goes, however the caller goes (a closed terminal, kill, Ctrl+C, SIGKILL)
        var name = "xproc-sig-" + signal.ToLowerInvariant();
        using var p = StartShell($"Invoke-UserNsContainer -Name {name} -Command sleep, 300");
        var nameFile = Path.Combine(TestHost.StateDir, "names", name);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(File.Exists(nameFile) && StateFiles().Any(f => f.EndsWith(".json", StringComparison.Ordinal)) && NewHelperProcesses().Count >= 2) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.True(File.Exists(nameFile) && NewHelperProcesses().Count >= 2, "the container did not start");
        using (var kill = Process.Start("kill", new[] { "-" + signal, p.Id.ToString() }))
            kill.WaitForExit();
        Assert.True(p.WaitForExit(10_000), $"the caller did not end on SIG{signal}");
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while ((NewHelperProcesses().Any() || StateFiles().Length > 0) && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Empty(NewHelperProcesses());
        Assert.Empty(StateFiles());
    }

    [Fact]
    public void InteractiveGivesTheContainerTheTerminal()
    {
        using var p = StartShell("Invoke-UserNsContainer -Interactive -Command sh, -c, 'test -t 0 && test -t 1 && echo both-are-terminals; exit 5'; \"code=$LASTEXITCODE\"", viaTerminal: true);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Contains("both-are-terminals", output);
        Assert.Contains("code=5", output);
    }

    [Fact]
    public void AtATerminalACommandWhoseOutputGoesToOutDefaultGetsTheTerminalAndACapturedOneDoesNot()
    {
        using var p = StartShell(
            "Invoke-UserNsContainer -Command sh, -c, 'test -t 0 && test -t 1 && echo editor-gets-terminal'\n" +
            "$x = Invoke-UserNsContainer -Command sh, -c, 'test -t 1 || echo captured-as-strings'\n" +
            "\"x=$x\"\n", viaTerminal: true);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Contains("editor-gets-terminal", output);
        Assert.Contains("x=captured-as-strings", output);
    }

    [Fact]
    public void WithoutATerminalTheOutputIsPipelineStrings()
    {
        var r = TestHost.Run("Invoke-UserNsContainer -Command sh, -c, 'test -t 1 || echo not-a-terminal' | ForEach-Object { $_.GetType().Name + ':' + $_ }");
        Assert.Equal(new[] { "String:not-a-terminal" }, r.Lines);
    }

    [Fact]
    public void ACreatedContainerOfAnotherLiveProcessCannotBeStartedHere()
    {
        using var p = StartShell("$c = New-UserNsContainer -NoStart -Name xproc-created; 'created'; [Threading.Thread]::Sleep(20000)");
        Assert.Equal("created", p.StandardOutput.ReadLine());
        try
        {
            var r = TestHost.Run("Get-UserNsContainer -Name xproc-created | Start-UserNsContainer -ErrorVariable err -ErrorAction SilentlyContinue; $err[0].FullyQualifiedErrorId; (Get-UserNsContainer -Name xproc-created).State.ToString()");
            Assert.Equal(new[] { "ContainerOwnedElsewhere,UserNsContainer.Commands.StartUserNsContainerCommand", "Created" }, r.Lines);
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
        }
        // its owner gone, the record is cleaned away at the next listing
        Assert.Equal(new[] { "0" }, TestHost.Run("@(Get-UserNsContainer).Count").Lines);
    }
}
