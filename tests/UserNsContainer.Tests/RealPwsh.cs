using System;
using System.Diagnostics;
using System.IO;

namespace UserNsContainer.Tests;

/// <summary>Real pwsh 7.6.9, from the repository's local tool manifest (.config/dotnet-tools.json),
/// restored once per run: for what the hosted engine lacks (Format-*, Out-String and the other
/// Utility commands) and what users do in a pwsh of their own.</summary>
public static class RealPwsh
{
    private static readonly Lazy<string?> Restore = new(() =>
    {
        var (code, output) = Dotnet("tool", "restore");
        return code == 0 ? null : "dotnet tool restore failed: " + output;
    });

    private static (int Code, string Output) Dotnet(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", args) { WorkingDirectory = TestHost.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    /// <summary>Runs <paramref name="script"/> in a new pwsh with this run's state directory and the
    /// extra environment given; returns its standard output, standard error and exit code.</summary>
    public static (string Output, string Errors, int ExitCode) Run(string script, params (string Name, string Value)[] environment)
    {
        if (Restore.Value is { } failed)
            throw new InvalidOperationException(failed);
        var file = Path.Combine(TestHost.Scratch, $"pwsh-{Guid.NewGuid():N}.ps1");
        File.WriteAllText(file, script);
        try
        {
            var psi = new ProcessStartInfo("dotnet", new[] { "tool", "run", "pwsh", "-NoProfile", "-NonInteractive", "-File", file })
            {
                WorkingDirectory = TestHost.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true,
            };
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
