using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]

namespace UserNsContainer.Tests;

/// <summary>What a script run in the real PowerShell engine produced.</summary>
public sealed record PsResult(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors,
    RuntimeException? Terminating, object? LastExitCode, bool Succeeded)
{
    public string[] Lines => Output.Select(o => o?.BaseObject?.ToString() ?? "").ToArray();
    public string Text => string.Join("\n", Lines);
}

/// <summary>
/// Runs scripts in the real PowerShell engine (System.Management.Automation) with the built
/// module imported from out/UserNsContainer/UserNsContainer.psd1, and holds the test-wide
/// setup: a private state directory and a busybox root file system.
/// </summary>
public static class TestHost
{
    public static readonly string RepoRoot = FindRepoRoot();
    public static readonly string ModuleManifest = Path.Combine(RepoRoot, "out", "UserNsContainer", "UserNsContainer.psd1");
    public static readonly string Scratch = Directory.CreateTempSubdirectory("usnc-tests-").FullName;
    public static readonly string StateDir = Path.Combine(Scratch, "state");

    static TestHost()
    {
        // world-traversable so the busybox root is usable whoever runs the tests
        File.SetUnixFileMode(Scratch, (UnixFileMode)0b111_101_101);
        Environment.SetEnvironmentVariable("USERNSCONTAINER_STATE_DIR", StateDir);
        // a second pwsh (RealPwsh) finds the built module by name, as an installed one
        var modules = Path.GetDirectoryName(Path.GetDirectoryName(ModuleManifest))!;
        Environment.SetEnvironmentVariable("PSModulePath", modules + Path.PathSeparator + Environment.GetEnvironmentVariable("PSModulePath"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(Scratch, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }

    /// <summary>/tmp entries named like the module's own (usnc*), without those of test runs
    /// and CI jobs (this one's or others' running on the machine at the same time).</summary>
    public static string[] ModuleTmpEntries() =>
        Directory.EnumerateFileSystemEntries("/tmp", "usnc*")
            .Where(e => !Path.GetFileName(e).StartsWith("usnc-tests-", StringComparison.Ordinal) &&
                        !Path.GetFileName(e).StartsWith("usnc-ci.", StringComparison.Ordinal) &&
                        !Path.GetFileName(e).StartsWith("usnc-bystander.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();

    public static uint Uid => Engine.ContainerEngine.CallerUid;
    public static uint Gid => Engine.ContainerEngine.CallerGid;

    private static string FindRepoRoot()
    {
        var over = Environment.GetEnvironmentVariable("USERNSCONTAINER_REPO");
        if (!string.IsNullOrEmpty(over))
            return over;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "out", "UserNsContainer", "UserNsContainer.psd1")))
                return dir.FullName;
        throw new InvalidOperationException("out/UserNsContainer/UserNsContainer.psd1 not found above " + AppContext.BaseDirectory + ": build with 'dotnet build -c Release' first.");
    }

    public static Runspace OpenRunspace()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { ModuleManifest });
        iss.ThrowOnRunspaceOpenError = true;
        var rs = RunspaceFactory.CreateRunspace(iss);
        rs.Open();
        return rs;
    }

    /// <summary>Runs <paramref name="script"/> in a fresh runspace; variables are set first.</summary>
    public static PsResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var rs = OpenRunspace();
        return Run(rs, script, variables);
    }

    /// <summary>Starts <paramref name="script"/> in <paramref name="rs"/> and returns once it has
    /// written its first object (or after 10 s): for tests that stop a pipeline midway (Ctrl+C).
    /// The caller disposes the returned PowerShell.</summary>
    public static (PowerShell Ps, PSDataCollection<PSObject> Output, IAsyncResult Run) BeginUntilOutput(Runspace rs, string script)
    {
        var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script);
        var output = new PSDataCollection<PSObject>();
        var run = ps.BeginInvoke<PSObject, PSObject>(null, output);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (output.Count == 0 && DateTime.UtcNow < deadline)
            System.Threading.Thread.Sleep(5);
        return (ps, output, run);
    }

    public static PsResult Run(Runspace rs, string script, IDictionary<string, object?>? variables = null)
    {
        foreach (var (k, v) in variables ?? new Dictionary<string, object?>())
            rs.SessionStateProxy.SetVariable(k, v);
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript(script);
        IReadOnlyList<PSObject> output = Array.Empty<PSObject>();
        RuntimeException? terminating = null;
        try
        {
            output = ps.Invoke().ToList();
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }
        return new PsResult(output, ps.Streams.Error.ToList(), terminating,
            rs.SessionStateProxy.GetVariable("LASTEXITCODE"), !ps.HadErrors);
    }
}
