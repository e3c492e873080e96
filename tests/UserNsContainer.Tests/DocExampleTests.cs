using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>Every PowerShell example in README.md and docs/cmdlets runs as written: each block
/// in a fresh runspace, in a directory set up as the README says (./rootfs, ./src, ./site,
/// ./out), with the containers web and build running where an example refers to them without
/// making them. An example fails on any error but the documented one for a caller without a
/// /etc/subuid range.</summary>
public sealed class DocExampleTests : ContainerTest
{
    /// <summary>Examples that need more than one PowerShell process: JoinTests runs four
    /// peers, SlurmTests runs -Join under srun.</summary>
    private static readonly string[] ManyProcesses = { "-JoinCount 4", "srun " };

    /// <summary>Examples that pull from a registry on the internet (this machine kind has
    /// none): OciImageTests imports from real registries on 127.0.0.1, with and without a
    /// password, the same way.</summary>
    private static readonly string[] NeedsTheInternet = { "registry.example.org" };

    private static readonly Regex UsesImages = new(@"ContainerImage\b|-Image\b");

    /// <summary>Examples that use cmdlets this host lacks (it has only Microsoft.PowerShell.Core):
    /// they run in real pwsh.</summary>
    private static readonly Regex NeedsRealPwsh = new(@"New-UserNsContainerSession|Set-Content|-AsByteStream|Select-Object -(First|Last)|Format-|Out-String|Start-Sleep|ForEach-Object|Measure-Object");

    /// <summary>The images the examples name: ./busybox.tar (docker save's format) and
    /// ./busybox-oci (an OCI layout), made once with umoci and skopeo from the busybox root.</summary>
    private static readonly Lazy<(string Layout, string Archive)> ImageSources = new(() =>
    {
        var dir = Path.Combine(TestHost.Scratch, "doc-images");
        Directory.CreateDirectory(dir);
        var layout = Path.Combine(dir, "busybox-oci");
        OciImageFixture.MakeLayout(dir, layout);
        var archive = Path.Combine(dir, "busybox.tar");
        OciImageFixture.Tool("skopeo", "copy", $"oci:{layout}:plain", $"docker-archive:{archive}");
        return (layout, archive);
    });

    public static TheoryData<string, int> Examples()
    {
        var data = new TheoryData<string, int>();
        var files = new[] { "README.md" }.Concat(Directory.EnumerateFiles(Path.Combine(TestHost.RepoRoot, "docs", "cmdlets"), "*.md")
            .Select(f => Path.GetRelativePath(TestHost.RepoRoot, f)).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var blocks = Blocks(file);
            for (int i = 0; i < blocks.Count; i++)
                if (!ManyProcesses.Any(blocks[i].Contains) && !NeedsTheInternet.Any(blocks[i].Contains))
                    data.Add(file, i);
        }
        return data;
    }

    private static List<string> Blocks(string file) =>
        Regex.Matches(File.ReadAllText(Path.Combine(TestHost.RepoRoot, file)), "```powershell\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value).ToList();

    /// <summary>The README's setup: a busybox root, ./src with build.sh, ./site, and ./out (the built module).</summary>
    private static string Fixture()
    {
        var dir = Path.Combine(TestHost.Scratch, "examples-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using (var p = Process.Start(new ProcessStartInfo("cp", new[] { "-a", Busybox.RootFs, Path.Combine(dir, "rootfs") }))!)
            p.WaitForExit();
        Directory.CreateDirectory(Path.Combine(dir, "src"));
        File.WriteAllText(Path.Combine(dir, "src", "build.sh"), "#!/bin/sh\necho built in $(pwd)\n");
        File.SetUnixFileMode(Path.Combine(dir, "src", "build.sh"), (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(dir, "site"));
        File.WriteAllText(Path.Combine(dir, "site", "index.html"), "hello\n");
        File.CreateSymbolicLink(Path.Combine(dir, "out"), Path.Combine(TestHost.RepoRoot, "out"));
        return dir;
    }

    /// <summary>Stand-ins for the two non-core cmdlets the examples use (real pwsh has them;
    /// this host has only Microsoft.PowerShell.Core).</summary>
    private const string Shims = @"
        if (-not (Get-Command Get-Content -ErrorAction Ignore)) { function Get-Content([string] $Path) { [System.IO.File]::ReadAllLines((Join-Path $PWD $Path)) } }
        if (-not (Get-Command Select-Object -ErrorAction Ignore)) {
            function Select-Object { param([Parameter(ValueFromPipeline)] $InputObject, [Parameter(Position = 0)] [string[]] $Property)
                process { $o = [ordered]@{}; foreach ($p in $Property) { $o[$p] = $InputObject.$p }; [pscustomobject]$o } } }
        if (-not (Get-Command Join-Path -ErrorAction Ignore)) { function Join-Path($a, $b) { if ($b.StartsWith('/')) { $b } else { ""$a/$b"" } } }
    ";

    [RootTheory("the examples map 0:100000:65536, which root may write and an ordinary user only with that /etc/subuid range")]
    [MemberData(nameof(Examples))]
    public void TheExampleRunsAsWritten(string file, int index)
    {
        var block = Blocks(file)[index];
        var dir = Fixture();
        var prelude = Shims + $"$null = $ExecutionContext.SessionState.Path.SetLocation('{dir}')\n"; // Set-Location is not a Core cmdlet
        foreach (var name in new[] { "web", "build" })
            if (Regex.IsMatch(block, $"-Name {name}\\b") && !block.Contains($"New-UserNsContainer -Name {name}"))
                prelude += name == "web"
                    ? "$null = New-UserNsContainer -Name web -RootFs ./rootfs -Command httpd, -f, -h, /tmp\n"
                    : "$null = New-UserNsContainer -Name build -Command sleep, 60\n";
        if (UsesImages.IsMatch(block))
        {
            // a store of the example's own, with busybox:latest in it unless the example imports
            var (layout, archive) = ImageSources.Value;
            using (var p = Process.Start(new ProcessStartInfo("cp", new[] { "-a", layout, archive, dir }))!)
                p.WaitForExit();
            Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", Path.Combine(dir, "images"));
            if (!block.Contains("Import-ContainerImage"))
                prelude += "$null = Import-ContainerImage docker-archive:./busybox.tar\n";
        }
        var hasRange = Engine.SubordinateIds.For("/etc/subuid", Engine.SubordinateIds.UserName(TestHost.Uid), TestHost.Uid).Count > 0;
        bool Expected(string errorId) => !hasRange && errorId.StartsWith("SubordinateIdsMissing,", StringComparison.Ordinal);
        if (NeedsRealPwsh.IsMatch(block))
        {
            var images = Environment.GetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR") ?? "";
            Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", null);
            var (output, stderr, code) = RealPwsh.Run(prelude + block +
                "\nGet-UserNsContainer | Remove-UserNsContainer -Force\nforeach ($e in $Error) { 'error: ' + $e.FullyQualifiedErrorId + ': ' + $e }\n",
                ("USERNSCONTAINER_IMAGE_DIR", images));
            var failures = output.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal) && !Expected(l[7..])).ToList();
            Assert.True(failures.Count == 0 && code == 0, $"{file} example {index + 1} (real pwsh):\n{block}\n{string.Join("\n", failures)}\nexit {code}\n{output}\n{stderr}");
            return;
        }
        PsResult r;
        try
        {
            r = TestHost.Run(prelude + block + "\nGet-UserNsContainer | Remove-UserNsContainer -Force");
        }
        finally
        {
            Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", null);
        }
        var errors = r.Errors.Where(e => !Expected(e.FullyQualifiedErrorId)).ToList();
        Assert.True(errors.Count == 0 && r.Terminating is null,
            $"{file} example {index + 1}:\n{block}\nerrors: {string.Join("\n", errors.Select(e => e.FullyQualifiedErrorId + ": " + e))}\n{r.Terminating}\noutput: {r.Text}");
    }
}

/// <summary>A theory that needs root (see <see cref="RootFactAttribute"/>).</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute(string why)
    {
        if (Engine.ContainerEngine.CallerUid != 0)
            Skip = $"needs root ({why}); .ci/run runs it in its root pass";
    }
}
