using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;
using Xunit.Abstractions;

namespace UserNsContainer.Tests;

/// <summary>
/// A real Debian root made with mmdebstrap from the Debian archive: the tarball named by
/// USERNSCONTAINER_TEST_DEBIAN_TAR (.ci/run makes it once for both of its passes and keeps it
/// in /var/tmp), else made here. Imported once per run as an image (FROM scratch, ADD the
/// tarball), in a store of the class's own, which every test builds on.
/// </summary>
public sealed class DebianBaseFixture : IDisposable
{
    public readonly string Store = "";
    public readonly string? Skip;
    public readonly string Timings = "";
    private readonly string _dir = "";

    public DebianBaseFixture()
    {
        if (ImageFactAttribute.Missing() is { } missing)
        {
            Skip = $"{missing} is missing: apt-get install skopeo umoci docker-registry (.ci/run does)";
            return;
        }
        _dir = Path.Combine(TestHost.Scratch, "debian-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        Store = Path.Combine(_dir, "store");
        var tar = Environment.GetEnvironmentVariable("USERNSCONTAINER_TEST_DEBIAN_TAR");
        var watch = Stopwatch.StartNew();
        if (string.IsNullOrEmpty(tar) || !File.Exists(tar))
        {
            if (!File.Exists("/usr/bin/mmdebstrap"))
            {
                Skip = "mmdebstrap is missing: apt-get install mmdebstrap (.ci/run does)";
                return;
            }
            tar = Path.Combine(_dir, "debian.tar");
            var psi = new ProcessStartInfo("/usr/bin/mmdebstrap") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "--variant=apt", "--skip=output/dev", TestHost.Uid == 0 ? "--mode=root" : "--mode=unshare", "bookworm", tar })
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"mmdebstrap failed ({p.ExitCode}): {err.Result}");
        }
        var made = watch.Elapsed;
        var context = Path.Combine(_dir, "context");
        Directory.CreateDirectory(context);
        File.Copy(tar, Path.Combine(context, "debian.tar"));
        File.WriteAllText(Path.Combine(context, "Containerfile"), "FROM scratch\nADD debian.tar /\nCMD [\"/bin/bash\"]\n");
        watch.Restart();
        var r = TestHost.Run("""
            $env:USERNSCONTAINER_IMAGE_DIR = $store
            try { (Build-ContainerImage -Path $context -Name debian:base 6>$null).Reference } finally { $env:USERNSCONTAINER_IMAGE_DIR = $null }
            """, new System.Collections.Generic.Dictionary<string, object?> { ["store"] = Store, ["context"] = context });
        if (!r.Succeeded || r.Lines.FirstOrDefault() != "debian:base")
            throw new InvalidOperationException("the Debian base image could not be built: " + string.Join("; ", r.Errors.Select(e => e.ToString())) + r.Terminating?.Message);
        File.Delete(Path.Combine(context, "debian.tar"));
        Timings = $"base: mmdebstrap {made.TotalSeconds:F1} s (0 when the tarball was given), import as an image {watch.Elapsed.TotalSeconds:F1} s";
    }

    public void Dispose()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir))
            Engine.Images.Tree.Delete(_dir);
    }
}

public sealed class DebianBuildFactAttribute : FactAttribute
{
    public DebianBuildFactAttribute()
    {
        if (ImageFactAttribute.Missing() is { } f)
            Skip = $"{f} is missing: apt-get install skopeo umoci docker-registry (.ci/run does)";
        else if (!File.Exists("/usr/bin/mmdebstrap") && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("USERNSCONTAINER_TEST_DEBIAN_TAR")))
            Skip = "mmdebstrap is missing: apt-get install mmdebstrap (.ci/run does)";
    }
}

/// <summary>
/// `apt-get install hello` in a RUN step on a real Debian base, then `hello` run from the
/// image: as root inside with 65536 ids (-IdMap Auto), and with one id under root emulation
/// (-FakeRoot). The second build of each runs no step (the cache). Reaches the Debian archive.
/// </summary>
public sealed class DebianBuildTests : ContainerTest, IClassFixture<DebianBaseFixture>
{
    private readonly DebianBaseFixture _f;
    private readonly ITestOutputHelper _out;

    public DebianBuildTests(DebianBaseFixture fixture, ITestOutputHelper output)
    {
        _f = fixture;
        _out = output;
    }

    private const string Containerfile = """
        FROM debian:base
        RUN apt-get update && apt-get install -y --no-install-recommends hello && rm -rf /var/lib/apt/lists/*
        CMD ["hello"]
        """;

    private string[] BuildAndRun(string name, string mode)
    {
        var context = Path.Combine(TestHost.Scratch, "ctx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "Containerfile"), Containerfile);
        try
        {
            var r = TestHost.Run("""
                $env:USERNSCONTAINER_IMAGE_DIR = $store
                try {
                    $extra = if ($mode -eq 'auto') { @{ IdMap = 'Auto' } } else { @{ IdMap = 'Single'; FakeRoot = $true } }
                    $cold = [Diagnostics.Stopwatch]::StartNew()
                    $shown = Build-ContainerImage -Path $context -Name $name @extra -Verbose 6>&1 4>&1 | ForEach-Object { "$_" }
                    $cold.Stop()
                    $warm = [Diagnostics.Stopwatch]::StartNew()
                    $again = Build-ContainerImage -Path $context -Name $name @extra 6>&1 | ForEach-Object { "$_" }
                    $warm.Stop()
                    "cold $($cold.Elapsed.TotalSeconds) cached $($warm.Elapsed.TotalSeconds)"
                    "cache hits: $(@($again | Where-Object { $_ -eq '--> Using cache' }).Count)"
                    Invoke-UserNsContainer -Image $name
                    $i = Get-ContainerImage $name
                    $layout = [IO.Path]::GetDirectoryName([IO.Path]::GetDirectoryName($i.RootFsPath)) + '/oci'
                    $index = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText("$layout/index.json")).RootElement
                    $manifest = $index.GetProperty('manifests')[0].GetProperty('digest').GetString().Substring(7)
                    $layers = [Text.Json.JsonDocument]::Parse([IO.File]::ReadAllText("$layout/blobs/sha256/$manifest")).RootElement.GetProperty('layers')
                    $blob = "$layout/blobs/sha256/" + $layers[$layers.GetArrayLength() - 1].GetProperty('digest').GetString().Substring(7)
                    [string[]] $owners = [Linq.Enumerable]::ToArray([Linq.Enumerable]::Distinct([string[]] @(& tar -tvzf $blob | ForEach-Object { ($_ -split '\s+')[1] })))
                    [Array]::Sort($owners)
                    "owners: $($owners -join ',')"
                    $shown | Where-Object { $_ -match 'owned by root|RUN steps run' }
                } finally { $env:USERNSCONTAINER_IMAGE_DIR = $null }
                """, new System.Collections.Generic.Dictionary<string, object?> { ["store"] = _f.Store, ["context"] = context, ["name"] = name, ["mode"] = mode });
            Assert.True(r.Terminating is null, r.Terminating?.Message + string.Join("; ", r.Errors.Select(e => e.ToString())));
            _out.WriteLine($"{_f.Timings}; {mode}: {r.Lines.FirstOrDefault()}");
            return r.Lines;
        }
        finally
        {
            Directory.Delete(context, recursive: true);
        }
    }

    [DebianBuildFact]
    public void AptInstallsHelloAsRootInsideWithSubordinateIds()
    {
        Assert.True(_f.Skip is null, _f.Skip);
        var lines = BuildAndRun("debian-hello:auto", "auto");
        Assert.Equal("cache hits: 1", lines[1]);
        Assert.Equal("Hello, world!", lines[2]);
        // apt's own files keep their owner in the layer (_apt is 42 in Debian)
        Assert.Contains("42/", lines[3]);
        Assert.Contains(lines, l => l.Contains("RUN steps run as root with -IdMap Auto"));
    }

    [DebianBuildFact]
    public void AptInstallsHelloWithOneIdUnderFakeRoot()
    {
        Assert.True(_f.Skip is null, _f.Skip);
        var lines = BuildAndRun("debian-hello:fakeroot", "fakeroot");
        Assert.Equal("cache hits: 1", lines[1]);
        Assert.Equal("Hello, world!", lines[2]);
        Assert.Equal("owners: 0/0", lines[3]);
        Assert.Contains(lines, l => l.Contains("owned by root"));
    }
}
