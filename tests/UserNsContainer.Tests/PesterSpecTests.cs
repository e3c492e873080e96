using System;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The Pester 5 specs under tests/Pester, run as users run them: real pwsh 7.6.9 (the
/// repository's tool manifest) and real Pester 5.7.1 (restored from NuGet and copied beside
/// these tests), with Pester's own Discovery and Run phases; one pwsh for all spec files (each
/// keeps its containers in a state directory of its own), every file's totals reported.</summary>
public sealed class PesterSpecTests : ContainerTest
{
    [PesterSpecFact]
    public void EverySpecPassesInRealPester()
    {
        var specs = Directory.GetFiles(Path.Combine(TestHost.RepoRoot, "tests", "Pester"), "*.Tests.ps1");
        var (output, errors, code) = RealPwsh.Pester(Path.Combine(TestHost.RepoRoot, "tests", "Pester"), """
            foreach ($f in $r.Containers) { "file $([IO.Path]::GetFileName($f.Item)) $($f.Result) passed=$($f.PassedCount) failed=$($f.FailedCount) skipped=$($f.SkippedCount)" }
            "totals passed=$($r.PassedCount) failed=$($r.FailedCount) skipped=$($r.SkippedCount) notrun=$($r.NotRunCount)"
            foreach ($t in $r.Failed) { "failed: $($t.ExpandedPath): $(($t.ErrorRecord | Select-Object -First 1).ToString())" }
            foreach ($t in $r.Skipped) { "skipped: $($t.ExpandedPath)" }
            """);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var totals = lines.FirstOrDefault(l => l.StartsWith("totals ", StringComparison.Ordinal));
        Assert.True(totals is not null, $"Pester gave no result (exit {code}):\n{output}\n{errors}");
        Assert.True(totals.Contains(" failed=0 ", StringComparison.Ordinal), output);
        Assert.DoesNotContain(lines, l => l.StartsWith("failed: ", StringComparison.Ordinal));
        // every spec file ran, and ran tests here (a skip says why in the spec)
        var files = lines.Where(l => l.StartsWith("file ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(specs.Length, files.Length);
        Assert.All(files, f => Assert.Contains(" Passed passed=", f));
        Assert.All(files, f => Assert.DoesNotContain(" passed=0 ", f));
    }
}

/// <summary>Skipped where the same specs run through build.ps1 -Task Pester in the same pass
/// (.ci/run's root pass sets USERNSCONTAINER_PESTER_BY_BUILD; its unprivileged pass runs them here).</summary>
public sealed class PesterSpecFactAttribute : FactAttribute
{
    public PesterSpecFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("USERNSCONTAINER_PESTER_BY_BUILD") == "1")
            Skip = "this pass runs the specs through build.ps1 -Task Pester (USERNSCONTAINER_PESTER_BY_BUILD=1, as .ci/run's root pass does)";
    }
}
