using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>A container given a terminal never shares the caller's: it gets a pty of its own,
/// so TIOCSTI cannot type into the caller's shell (bubblewrap's CVE-2017-5226), and the
/// caller's terminal comes back as it was however the container ends. The caller is bash on a
/// real pty made by script(1), running real pwsh and then reading its own
/// terminal the way an attacked shell would.</summary>
public sealed class TerminalTests : ContainerTest
{

    /// <summary>bash under script(1): BEFORE, then pwsh running SCRIPT, then AFTER.</summary>
    private Process OnATerminal(string script, string before, string after)
    {
        var ps1 = Path.Combine(TestHost.Scratch, $"term-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(ps1, script);
        File.SetUnixFileMode(ps1, (UnixFileMode)0b110_100_100);
        var sh = Path.Combine(TestHost.Scratch, $"term-{Guid.NewGuid():N}.sh");
        File.WriteAllText(sh, $"{before}\n{RealPwsh.CommandLine(ps1)}\n{after}\n");
        var psi = new ProcessStartInfo("script", new[] { "-qec", $"bash {sh}", "/dev/null" })
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Track(Process.Start(psi)!);
    }

    private static string Finish(Process p)
    {
        var output = p.StandardOutput.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000), "the terminal session did not end");
        return output.Result;
    }

    [Fact]
    public void TiocstiInsideNeverReachesTheCallersShell()
    {
        // unconfined, so that only the pty stands between the container and the caller
        var probe = Probe.Path;
        using var p = OnATerminal(
            $"Invoke-UserNsContainer -Interactive -Seccomp Unconfined -Bind '{probe}:/tmp/probe:ro' -Command /tmp/probe, tiocsti, \"echo PWNED`n\"",
            "", "read -t 2 line; echo \"after:[$line]\"");
        var output = Finish(p);
        Assert.Contains("tiocsti ok", output); // it typed, into its own terminal
        Assert.Contains("after:[]", output);
        Assert.DoesNotContain("after:[echo PWNED", output);
    }

    [Fact]
    public void TheCallersTerminalModeAndForegroundGroupComeBackAfterSigkillOfTheMainProcess()
    {
        using var p = OnATerminal(
            "Invoke-UserNsContainer -Interactive -Command sh, -c, 'stty -echo -icanon; kill -9 $$'; \"code=$LASTEXITCODE\"",
            "a=$(stty -g)",
            "[ \"$a\" = \"$(stty -g)\" ] && echo mode-restored || echo mode-changed\n" +
            "[ \"$(ps -o tpgid= -p $$ | tr -d ' ')\" = \"$(ps -o pgid= -p $$ | tr -d ' ')\" ] && echo foreground-restored || echo foreground-lost");
        var output = Finish(p);
        Assert.Contains("code=137", output);
        Assert.Contains("mode-restored", output);
        Assert.Contains("foreground-restored", output);
    }

    [Fact]
    public void CtrlCReachesTheContainersForegroundJob()
    {
        using var p = OnATerminal(
            "Invoke-UserNsContainer -Interactive -Command sh, -c, 'echo ready; sleep 30; echo not-interrupted'; \"code=$LASTEXITCODE\"",
            "", "echo done");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null && !line.Contains("ready", StringComparison.Ordinal))
            Assert.True(DateTime.UtcNow < deadline, "the container did not start");
        Assert.NotNull(line);
        p.StandardInput.Write("\x03");
        p.StandardInput.Flush();
        var output = Finish(p);
        Assert.Contains("code=130", output);
        Assert.DoesNotContain("not-interrupted", output);
    }

    [Fact]
    public void CtrlCOnACapturedInvokeSendsSigintThenSigtermThenSigkill()
    {
        // output captured (piped on), so the container is not on the terminal: Ctrl+C reaches
        // pwsh, which asks the command to end: SIGINT, 3 s later SIGTERM, 3 s later SIGKILL;
        // the command traps the first two and carries on, so all three are needed
        var d = Path.Combine(TestHost.Scratch, "ctrlc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        using var p = OnATerminal(
            $"Invoke-UserNsContainer -Bind '{d}:/out' -Command sh, -c, 'trap \"echo int >> /out/log\" INT; trap \"echo term >> /out/log\" TERM; echo ready; while :; do sleep 0.1; done' | ForEach-Object {{ [Console]::WriteLine(\"got $_\") }}",
            "", $"echo \"log:$(sort -u '{d}/log' | tr '\\n' ' ')\"");
        var seen = new System.Text.StringBuilder();
        ReadUntil(p, "got ready", seen);
        var clock = Stopwatch.StartNew();
        p.StandardInput.Write("\x03");
        p.StandardInput.Flush();
        var output = seen + Finish(p);
        Assert.Contains("log:int term", output);
        Assert.InRange(clock.Elapsed.TotalSeconds, 5, 30);
        Directory.Delete(d, recursive: true);
    }

    [Fact]
    public void CtrlCOnWaitEndsTheWaitAndLeavesTheContainerRunning()
    {
        var name = "ctrlc-wait-" + Guid.NewGuid().ToString("N")[..8];
        var check = Path.Combine(TestHost.Scratch, $"term-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(check, $"\"state:$((Get-UserNsContainer -Name {name}).State)\"; Get-UserNsContainer -Name {name} | Remove-UserNsContainer -Force");
        using var p = OnATerminal(
            $"$c = New-UserNsContainer -Name {name} -Command sh, -c, 'mkfifo /tmp/f; read x < /tmp/f'; 'waiting'; $c | Wait-UserNsContainer; 'not-stopped'",
            "", RealPwsh.CommandLine(check));
        var seen = new System.Text.StringBuilder();
        ReadUntil(p, "waiting", seen);
        Thread.Sleep(300); // inside the wait
        p.StandardInput.Write("\x03");
        p.StandardInput.Flush();
        var output = seen + Finish(p);
        Assert.DoesNotContain("not-stopped", output);
        Assert.Contains("state:Running", output);
    }

    /// <summary>Reads the session's output until <paramref name="marker"/> appears.</summary>
    internal static void ReadUntil(Process p, string marker, System.Text.StringBuilder seen)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var buf = new char[256];
        while (!seen.ToString().Contains(marker, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{marker}' did not appear; output so far: {seen}");
            var read = p.StandardOutput.ReadAsync(buf, 0, buf.Length);
            if (!read.Wait(TimeSpan.FromSeconds(30)) || read.Result == 0)
                break;
            seen.Append(buf, 0, read.Result);
        }
        Assert.Contains(marker, seen.ToString());
    }

    [Theory]
    [InlineData("sh")]   // dash
    [InlineData("bash")]
    public void JobControlWorksInAnInteractiveShellAndItsExitLeavesNoComplaint(string shell)
    {
        using var p = OnATerminal($"Invoke-UserNsContainer -Interactive -Command {shell}, -i; \"code=$LASTEXITCODE\"", "", "echo session-over");
        var seen = new System.Text.StringBuilder();
        p.StandardInput.Write("echo shell-up\n");
        p.StandardInput.Flush();
        ReadUntil(p, "shell-up\r\n", seen);
        p.StandardInput.Write("sleep 30 &\njobs\nkill %1\necho jobs-done\n");
        p.StandardInput.Flush();
        ReadUntil(p, "jobs-done\r\n", seen);
        p.StandardInput.Write("exit 7\n");
        p.StandardInput.Flush();
        seen.Append(Finish(p));
        var output = seen.ToString();
        Assert.Contains("Running", output);     // jobs lists the background job
        Assert.Contains("code=7", output);
        Assert.Contains("session-over", output);
        Assert.DoesNotContain("Cannot set tty process group", output);
        Assert.DoesNotContain("no job control", output);
    }

    [Fact]
    public void AnEnteredShellGetsAPtyOfItsOwnToo()
    {
        using var p = OnATerminal(
            "$c = New-UserNsContainer -Name term-enter -Command sleep, 60\n" +
            "$c | Enter-ContainerNamespace -Interactive -Command sh, -c, 'tty; test -t 0 && echo in-a-terminal'\n" +
            "$c | Remove-UserNsContainer -Force",
            "", "");
        var output = Finish(p);
        Assert.Contains("/dev/pts/0", output); // the container's own devpts, not the caller's pty
        Assert.Contains("in-a-terminal", output);
    }

    [Theory]
    [InlineData("", "-WorkingDirectory /nonexistent", "WorkingDirectoryUnusable")]
    [InlineData("", "-Command /nonexistent/usnc-program", "CommandNotFound")]
    [InlineData("init@setup", "", "SetupInterrupted")]
    [InlineData("init@main", "", "SetupInterrupted")]
    [InlineData("monitor@go", "", "HelperDied")]
    [InlineData("monitor@running", "", "HelperDied")]
    public void WithATerminalAFailedOrKilledStartEndsWithItsErrorAndTheTerminalBack(string fault, string args, string errorId)
    {
        // the init sends the pty to the monitor over a socket that must report its end: one
        // run hung for 726 s when exec or chdir failed and the monitor waited for a pty that
        // never came
        using var p = OnATerminal(
            $"$env:USERNSCONTAINER_FAULT = '{fault}'; $s = [Diagnostics.Stopwatch]::StartNew()\n" +
            $"try {{ Invoke-UserNsContainer -Interactive {args} -ErrorAction Stop }} catch {{ 'error=' + $_.FullyQualifiedErrorId.Split(',')[0] }}\n" +
            "'seconds=' + [int]$s.Elapsed.TotalSeconds",
            "", "stty -a | grep -o ' -\\?icanon'");
        var output = Finish(p);
        Assert.Contains("error=" + errorId, output);
        Assert.Matches("seconds=[0-4]\\b", output);
        Assert.Contains(" icanon", output); // the caller's line discipline is back
    }
}
