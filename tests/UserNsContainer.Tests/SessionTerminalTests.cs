using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>A container session at an interactive pwsh in a real terminal emulator (tmux, which
/// answers the cursor queries PSReadLine makes), typed into as a user types: Enter-PSSession's
/// prompt names the container and exit comes back; Ctrl+C stops the remote pipeline and leaves
/// the session usable.</summary>
public sealed class SessionTerminalTests : ContainerTest
{
    private readonly string _socket = "usnc-" + Guid.NewGuid().ToString("N")[..12];

    private string Tmux(params string[] args)
    {
        var psi = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-L");
        psi.ArgumentList.Add(_socket);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(30_000), "tmux did not answer");
        Assert.True(p.ExitCode == 0 || args[0] == "kill-server", $"tmux {string.Join(' ', args)}: {err.Result}");
        return output;
    }

    /// <summary>Interactive pwsh in a tmux window, having run <paramref name="setup"/> first.</summary>
    private void InteractivePwsh(string setup)
    {
        var ps1 = Path.Combine(TestHost.Scratch, $"sess-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(ps1, setup);
        File.SetUnixFileMode(ps1, (UnixFileMode)0b110_100_100);
        Tmux("new-session", "-d", "-x", "200", "-y", "50", $"dotnet '{RealPwsh.Dll}' -NoProfile -NoLogo -NoExit -File '{ps1}'; echo pwsh-ended; sleep 30");
    }

    private void Type(string keys, bool enter = true)
    {
        if (enter)
            Tmux("send-keys", "-t", "0", "-l", keys);
        else
            Tmux("send-keys", "-t", "0", keys);
        if (enter)
            Tmux("send-keys", "-t", "0", "Enter");
    }

    /// <summary>The window's text (with its history) once <paramref name="marker"/> shows in it.</summary>
    private string Await(string marker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        string screen;
        while (!(screen = Tmux("capture-pane", "-p", "-J", "-t", "0", "-S", "-500")).Contains(marker, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{marker}' did not appear; the terminal shows:\n{screen}");
            Thread.Sleep(100);
        }
        return screen;
    }

    [Fact]
    public void EnterPSSessionShowsTheContainerInThePromptAndExitComesBack()
    {
        var name = "term-sess-" + Guid.NewGuid().ToString("N")[..8];
        InteractivePwsh($"$s = New-UserNsContainerSession -Name {name}; $outer = $PID; 'session-open'");
        Await("session-open");
        Type("Enter-PSSession $s");
        Await($"[{name}]: PS ");   // the prompt inside names the container
        Type("'inside:' + [System.Net.Dns]::GetHostName() + ':' + ((Get-Content /proc/self/uid_map) -replace '\\s+', ' ')");
        Await($"inside:{name}: 0 {Engine.ContainerEngine.CallerUid} 1");  // inside: root, mapped from your one id
        Type("exit");
        Type("'outside:' + ($PID -eq $outer) + ':' + (Get-PSSession).Count; Remove-PSSession $s; 'left:' + @(Get-UserNsContainer).Count; exit");
        var screen = Await("pwsh-ended");
        Assert.Contains("outside:True:1", screen);
        Assert.Contains("left:0", screen);
    }

    [Fact]
    public void CtrlCStopsTheRemotePipelineAndTheSessionGoesOn()
    {
        InteractivePwsh("$s = New-UserNsContainerSession; 'session-open'");
        Await("session-open");
        Type("Invoke-Command $s { 'remote-' + 'started'; Start-Sleep 60; 'not-' + 'stopped' }");
        Await("remote-started");
        var clock = Stopwatch.StartNew();
        Type("C-c", enter: false);
        Type("'state:' + $s.State; Invoke-Command $s { 'again:' + (1 + 1) }; Remove-PSSession $s; exit");
        var screen = Await("pwsh-ended");
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, 30);
        Assert.DoesNotContain("not-stopped", screen);
        Assert.Contains("state:Opened", screen);
        Assert.Contains("again:2", screen);
    }

    public override void Dispose()
    {
        Tmux("kill-server");
        base.Dispose();
    }
}
