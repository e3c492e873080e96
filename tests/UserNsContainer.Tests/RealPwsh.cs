using System;
using System.Diagnostics;
using System.IO;

namespace UserNsContainer.Tests;

/// <summary>Real pwsh 7.6.9, from the repository's local tool manifest (.config/dotnet-tools.json),
/// restored once per run: the second PowerShell process of the cross-process tests (Slurm tasks,
/// terminals, a killed caller), and whatever the hosted engine lacks (Format-*, Out-String).
/// It is started as `dotnet PSHOME/pwsh.dll`, one process, so that a signal sent to it reaches
/// PowerShell itself; out/ is on PSModulePath (TestHost), so the module loads by name.</summary>
public static class RealPwsh
{
    private static readonly Lazy<string> Home = new(() =>
    {
        var (code, output) = Dotnet("tool", "restore");
        if (code != 0)
            throw new InvalidOperationException("dotnet tool restore failed: " + output);
        (code, output) = Dotnet("tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-Command", "$PSHOME");
        var home = output.Trim();
        if (code != 0 || !File.Exists(Path.Combine(home, "pwsh.dll")))
            throw new InvalidOperationException("pwsh did not say where it lives: " + output);
        return home;
    });

    /// <summary>pwsh.dll of the restored tool (run with dotnet).</summary>
    public static string Dll => Path.Combine(Home.Value, "pwsh.dll");

    /// <summary>The arguments of `dotnet` that run <paramref name="script"/> in a new pwsh.</summary>
    public static string[] Arguments(string script) => new[] { Dll, "-NoProfile", "-NonInteractive", "-File", script };

    /// <summary>The same as one shell command line (paths quoted for sh).</summary>
    public static string CommandLine(string script) => $"dotnet '{Dll}' -NoProfile -NonInteractive -File '{script}'";

    private static (int Code, string Output) Dotnet(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", args) { WorkingDirectory = TestHost.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    /// <summary>Pester 5.7.1, restored from NuGet by this project and copied beside the tests.</summary>
    public static string PesterModule => Path.Combine(AppContext.BaseDirectory, "Pester", "Pester.psd1");

    /// <summary>Runs the Pester specs at <paramref name="path"/> (a file or folder) in a new pwsh;
    /// <paramref name="report"/> then writes what the test reads from the result, $r.</summary>
    public static (string Output, string Errors, int ExitCode) Pester(string path, string report) => Run($$"""
        Import-Module '{{PesterModule}}' -RequiredVersion 5.7.1
        $c = New-PesterConfiguration
        $c.Run.Path = '{{path}}'
        $c.Run.PassThru = $true
        $c.Output.Verbosity = 'None'
        $r = Invoke-Pester -Configuration $c
        {{report}}
        """);

    /// <summary>Runs <paramref name="script"/> in a new pwsh with this run's state directory and the
    /// extra environment given; returns its standard output, standard error and exit code.</summary>
    public static (string Output, string Errors, int ExitCode) Run(string script, params (string Name, string Value)[] environment)
    {
        var file = Path.Combine(TestHost.Scratch, $"pwsh-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, script);
        try
        {
            var psi = new ProcessStartInfo("dotnet", Arguments(file)) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (name, value) in environment)
                psi.Environment[name] = value;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (output, err.Result, p.ExitCode);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
