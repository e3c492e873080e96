using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Import-ContainerImage, Get-ContainerImage, Remove-ContainerImage and -Image against real
/// skopeo, umoci and docker-registry (<see cref="OciImageFixture"/>). Every test has an image
/// store of its own (USERNSCONTAINER_IMAGE_DIR), so it counts only what it imported.
/// </summary>
public sealed class OciImageTests : OwnImageStoreTest, IClassFixture<OciImageFixture>
{
    private readonly OciImageFixture _f;

    public OciImageTests(OciImageFixture fixture) => _f = fixture;

    private string Registry(string tag = "test") => $"127.0.0.1:{_f.Port}/busybox:{tag}";

    private PsResult Run(string script, params (string, object?)[] vars) =>
        TestHost.Run(script, Vars(vars.Append(("reg", Registry())).Append(("port", _f.Port)).ToArray()));

    private string[] ImageDirs() => Directory.Exists(Path.Combine(StoreDir, "images"))
        ? Directory.GetDirectories(Path.Combine(StoreDir, "images")) : Array.Empty<string>();

    private string[] TmpEntries() => Directory.Exists(Path.Combine(StoreDir, "tmp"))
        ? Directory.GetFileSystemEntries(Path.Combine(StoreDir, "tmp")) : Array.Empty<string>();

    private static string Errors(PsResult r) => string.Join("; ", r.Errors.Select(e => e.ToString())) + r.Terminating?.Message;

    [ImageFact]
    public void AnImageFromARegistryRunsWithItsOwnDefaults()
    {
        var r = Run("""
            $i = Import-ContainerImage $reg -TlsVerify:$false
            "$($i.Name)|$($i.Tag)|$($i.Architecture)|$($i.Os)|$($i.Size -gt 100000)|$($i.Id.Length)|$($i.Created -ne $null)"
            Invoke-UserNsContainer -Image $i.Reference -HostIdCount 65536
            Invoke-UserNsContainer -Image $reg -HostIdCount 65536 -Command sh, -c, 'echo $GREETING $PATH'
            $c = New-UserNsContainer -Image $reg -HostIdCount 65536 -Command sleep, 30
            "$($c.RootKind)|$($c.Image)|$($c.Writes)|$($c.RootFs -eq $i.RootFsPath)"
            $c | Enter-ContainerNamespace -Command sh, -c, 'echo entered with $GREETING'
            $c | Remove-UserNsContainer -Force
            """);
        Assert.True(r.Succeeded, Errors(r));
        Assert.Equal(new[]
        {
            $"127.0.0.1:{_f.Port}/busybox|test|{OciImageFixture.Arch}|linux|True|12|True",
            "image-cmd in /srv as 1000:1000 says hello",
            "hello /bin",
            $"Image|127.0.0.1:{_f.Port}/busybox:test|None|True",
            "entered with hello",
        }, r.Lines);
    }

    [ImageFact]
    public void WhatTheCallerGivesWinsOverTheImage()
    {
        var r = Run("""
            $null = Import-ContainerImage $reg -TlsVerify:$false
            Invoke-UserNsContainer -Image $reg -User 0 -Environment @{ GREETING = 'mine' } -WorkingDirectory / -Command sh, -c, 'echo $(pwd) $(id -u):$(id -g) $GREETING'
            Invoke-UserNsContainer -Image $reg -HostIdCount 65536 -Group 0 -Command id, -g
            Get-ContainerImage '*busybox*' | Invoke-UserNsContainer -User 0 -Command cat, /srv/marker
            """);
        Assert.True(r.Succeeded, Errors(r));
        Assert.Equal(new[] { "/ 0:0 mine", "0", "from-image" }, r.Lines);
    }

    [ImageFact]
    public void ArchivesAndLayoutsImportAndTheSameImageIsStoredOnce()
    {
        var r = Run("""
            $a = Import-ContainerImage "docker-archive:$archive"
            $b = Import-ContainerImage "oci:${layout}:plain" -Name mine/plain:v1
            $c = Import-ContainerImage "oci:${layout}:latest"
            $d = Import-ContainerImage $reg -TlsVerify:$false
            "$($a.Reference) $($b.Reference) $($c.Reference)"
            "same: $($c.Id -eq $d.Id) $($c.RootFsPath -eq $d.RootFsPath)"
            Invoke-UserNsContainer -Image mine/plain:v1
            Invoke-UserNsContainer -Image $a.Id -User 0 -Command cat, /srv/marker
            (Get-ContainerImage).Count
            (Get-ContainerImage layout).Reference
            """, ("archive", _f.Archive), ("layout", _f.Layout));
        Assert.True(r.Succeeded, Errors(r));
        Assert.Equal(new[]
        {
            "busybox:archived mine/plain:v1 layout:latest", "same: True True", "from-image", "from-image", "4", "layout:latest",
        }, r.Lines);
        Assert.Equal(3, ImageDirs().Length); // the layout's latest and the registry's test are one image
        Assert.Empty(TmpEntries());
    }

    [ImageFact]
    public void AnArchiveKeepsItsTagAndAUniqueShortNameRuns()
    {
        var dir = Path.Combine(TestHost.Scratch, "tagged-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        OciImageFixture.Tool("skopeo", "copy", $"oci:{_f.Layout}:plain", $"oci-archive:{dir}/bb.tar:registry.example.org/tools/bb:1.0");
        OciImageFixture.Tool("skopeo", "copy", $"oci:{_f.Layout}:plain", $"docker-archive:{dir}/cc.tar:localhost/tools/cc:2.0");
        var r = Run("""
            (Import-ContainerImage "oci-archive:$dir/bb.tar").Reference
            (Import-ContainerImage "docker-archive:$dir/cc.tar").Reference
            Invoke-UserNsContainer -Image bb -User 0 -Command cat, /srv/marker
            Invoke-UserNsContainer -Image cc:2.0 -User 0 -Command cat, /srv/marker
            $null = Import-ContainerImage "oci:${layout}:plain" -Name other/bb:2.0
            try { Invoke-UserNsContainer -Image bb -Command true -ErrorAction Stop } catch { ($_.FullyQualifiedErrorId -split ',')[0]; $_.Exception.Message }
            Invoke-UserNsContainer -Image bb:1.0 -User 0 -Command cat, /srv/marker
            """, ("dir", dir), ("layout", _f.Layout));
        Directory.Delete(dir, recursive: true);
        Assert.Equal(new[]
        {
            "registry.example.org/tools/bb:1.0", "localhost/tools/cc:2.0", "from-image", "from-image", "AmbiguousImageName",
            "'bb' names 2 images: other/bb:2.0, registry.example.org/tools/bb:1.0.", "from-image",
        }, r.Lines);
    }

    [ImageFact]
    public void TheSharedRootfsStaysAsImported()
    {
        var rootfs = Run("(Import-ContainerImage $reg -TlsVerify:$false).RootFsPath").Lines.Single();
        var before = TreeSnapshot.Of(rootfs);
        var r = Run("""
            Invoke-UserNsContainer -Image $reg -User 0 -WriteFake -Command sh, -c, 'echo new > /srv/new; rm /srv/marker; rm /bin/ls; echo changed >> /etc/marker; ls /srv'
            Invoke-UserNsContainer -Image $reg -User 0 -Command sh, -c, 'echo x > /srv/new 2>/dev/null || echo read-only'
            try { New-UserNsContainer -Image $reg -Writable } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.ErrorDetails.RecommendedAction }
            """);
        Assert.Equal("new", r.Lines[0]);
        Assert.Equal("read-only", r.Lines[1]);
        Assert.Equal("ImageNotWritable", r.Lines[2]);
        Assert.Contains("-WriteFake", r.Lines[3]);
        Assert.Equal(before, TreeSnapshot.Of(rootfs));
    }

    [ImageFact]
    public void AnImageInUseIsKeptUnlessForced()
    {
        var r = Run("""
            $i = Import-ContainerImage $reg -TlsVerify:$false
            $c = New-UserNsContainer -Image $reg -User 0 -Command sleep, 60
            try { Remove-ContainerImage $i.Reference -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.Message.Contains($c.Name) }
            (Get-ContainerImage).Count
            $i | Remove-ContainerImage -Force
            (Get-ContainerImage).Count
            @(Get-UserNsContainer -Id $c.Id -ErrorAction SilentlyContinue).Count
            [System.IO.Directory]::Exists($i.RootFsPath)
            """);
        Assert.Equal(new[] { "ImageInUse", "True", "1", "0", "0", "False" }, r.Lines);
        Assert.Empty(ImageDirs());
        Assert.Empty(TmpEntries());
    }

    [ImageFact]
    public void TwoImportsOfOneImageAtOnceKeepOneCopy()
    {
        var tasks = new[] { "one:1", "two:1", "three:1" }.Select(name => Task.Run(() =>
            Run("(Import-ContainerImage $reg -TlsVerify:$false -Name $name).Id", ("name", name)))).ToArray();
        Task.WaitAll(tasks);
        foreach (var t in tasks)
            Assert.True(t.Result.Succeeded, Errors(t.Result));
        Assert.Single(tasks.Select(t => t.Result.Lines.Single()).Distinct());
        Assert.Single(ImageDirs());
        Assert.Empty(TmpEntries());
        Assert.Equal("3", Run("(Get-ContainerImage).Count").Lines.Single());
    }

    /// <summary>Each failure with its ErrorId; none leaves an image, a reference or a work directory.</summary>
    [ImageFact]
    public void FailuresAreNamedAndLeaveNothing()
    {
        var r = Run("""
            function Id([scriptblock] $s) { try { $null = & $s; 'no error' } catch { $_.FullyQualifiedErrorId.Split(',')[0] } }
            Id { Import-ContainerImage 'Bad/Name' -ErrorAction Stop }
            [System.IO.Directory]::Exists($env:USERNSCONTAINER_IMAGE_DIR)
            Id { Import-ContainerImage "127.0.0.1:$free/busybox:test" -TlsVerify:$false -ErrorAction Stop }
            Id { Import-ContainerImage "127.0.0.1:$port/busybox:nope" -TlsVerify:$false -ErrorAction Stop }
            Id { Import-ContainerImage $reg -ErrorAction Stop }
            Id { Import-ContainerImage "oci:${layout}:foreign" -ErrorAction Stop }
            Id { Import-ContainerImage "oci:${layout}:latest" -Platform Linux/AMD64 -ErrorAction Stop }
            Id { Import-ContainerImage "oci:${layout}:latest" -Name 'UPPER:x' -ErrorAction Stop }
            Id { Import-ContainerImage "oci:/nonexistent/layout:latest" -ErrorAction Stop }
            Id { Invoke-UserNsContainer -Image nothing:here -Command /bin/true }
            $null = Import-ContainerImage $reg -TlsVerify:$false
            Id { Invoke-UserNsContainer -Image $reg -RootFs / -Command /bin/true }
            try { Invoke-UserNsContainer -Image $reg } catch { $_.FullyQualifiedErrorId.Split(',')[0]; $_.Exception.Message }
            Id { Get-ContainerImage nothing -ErrorAction Stop }
            Id { Remove-ContainerImage nothing -ErrorAction Stop }
            $path = $env:PATH
            try { $env:PATH = '/nonexistent'; Id { Import-ContainerImage $reg -ErrorAction Stop } } finally { $env:PATH = $path }
            """, ("free", OciImageFixture.FreePort()), ("layout", _f.Layout));
        Assert.Equal(new[]
        {
            "InvalidImageReference", "False", "RegistryUnreachable", "ImageNotFound", "RegistryTlsFailed", "NoImageForPlatform",
            "InvalidPlatform", "InvalidImageName", "ImageNotFound", "ImageNotFound", "ImageConflict",
            "UserNotMapped", $"Cannot use '127.0.0.1:{_f.Port}/busybox:test (its configured User 1000)' for -Image: the image runs as uid 1000, which the container's uid map does not cover; map more ids with -HostIdCount 65536 or -IdMap Auto, or run as root inside with -User 0",
            "ImageNotFound", "ImageNotFound", "ImageToolMissing",
        }, r.Lines);
        Assert.Single(ImageDirs());
        Assert.Empty(TmpEntries());
    }

    [ImageFact]
    public void CredentialsReachSkopeoOnlyThroughAPrivateFileThatIsDeleted()
    {
        // a skopeo of the test's own, first on PATH: it records how it was called and what the
        // auth file it was given looks like, then runs the real one
        var bin = Path.Combine(TestHost.Scratch, "fakebin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(bin);
        var log = Path.Combine(bin, "log");
        File.WriteAllText(Path.Combine(bin, "skopeo"), $$"""
            #!/bin/sh
            echo "argv: $*" >> {{log}}
            prev=
            for a in "$@"; do
              if [ "$prev" = --src-authfile ]; then echo "file: $(stat -c %a "$a") dir: $(stat -c %a "$(dirname "$a")") path: $a" >> {{log}}; fi
              prev=$a
            done
            exec /usr/bin/skopeo "$@"
            """);
        File.SetUnixFileMode(Path.Combine(bin, "skopeo"), (UnixFileMode)0b111_101_101);
        var r = Run("""
            $path = $env:PATH
            $env:PATH = "${bin}:$path"
            try {
                $wrong = [pscredential]::new($user, [System.Net.NetworkCredential]::new('', 'wrong-pw').SecurePassword)
                try { Import-ContainerImage "127.0.0.1:$auth/busybox:test" -TlsVerify:$false -Credential $wrong -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
                try { Import-ContainerImage "127.0.0.1:$auth/busybox:test" -TlsVerify:$false -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
                $right = [pscredential]::new($user, [System.Net.NetworkCredential]::new('', $password).SecurePassword)
                (Import-ContainerImage "127.0.0.1:$auth/busybox:test" -TlsVerify:$false -Credential $right).Tag
            } finally { $env:PATH = $path }
            """, ("bin", bin), ("auth", _f.AuthPort), ("user", OciImageFixture.User), ("password", OciImageFixture.Password));
        Assert.Equal(new[] { "ImageAuthenticationFailed", "ImageAuthenticationFailed", "test" }, r.Lines);
        var calls = File.ReadAllLines(log);
        Assert.DoesNotContain(calls, l => l.Contains(OciImageFixture.Password) || l.Contains("wrong-pw"));
        var files = calls.Where(l => l.StartsWith("file: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, files.Count);
        foreach (var f in files)
        {
            Assert.StartsWith("file: 600 dir: 700 path: " + Path.Combine(StoreDir, "tmp"), f);
            Assert.False(File.Exists(f[(f.IndexOf("path: ", StringComparison.Ordinal) + 6)..]), "the auth file outlived the import");
        }
        Assert.Empty(TmpEntries());
    }

    [ImageFact]
    public void StoppingAnImportKillsTheToolAndLeavesNothing()
    {
        // a skopeo that starts writing the copy, then hangs, as a slow registry would
        var bin = Path.Combine(TestHost.Scratch, "fakebin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(bin);
        var pidFile = Path.Combine(bin, "pid");
        File.WriteAllText(Path.Combine(bin, "skopeo"), $$"""
            #!/bin/sh
            for a in "$@"; do dest=$a; done
            dir=${dest#oci:}; dir=${dir%:image}
            mkdir -p "$dir/blobs/sha256" && head -c 1048576 /dev/zero > "$dir/blobs/sha256/partial"
            echo $$ > {{pidFile}}.tmp && mv {{pidFile}}.tmp {{pidFile}}
            exec sleep 60
            """);
        File.SetUnixFileMode(Path.Combine(bin, "skopeo"), (UnixFileMode)0b111_101_101);
        using var rs = TestHost.OpenRunspace();
        using var ps = PowerShell.Create();
        ps.Runspace = rs;
        ps.AddScript("$env:PATH = \"${bin}:$env:PATH\"; Import-ContainerImage $reg -TlsVerify:$false");
        rs.SessionStateProxy.SetVariable("bin", bin);
        rs.SessionStateProxy.SetVariable("reg", Registry());
        var path = Environment.GetEnvironmentVariable("PATH");
        try
        {
            var async = ps.BeginInvoke();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!File.Exists(pidFile) && DateTime.UtcNow < deadline)
                Thread.Sleep(20);
            Assert.True(File.Exists(pidFile), "the fake skopeo never started");
            var pid = int.Parse(File.ReadAllText(pidFile).Trim());
            Assert.NotEmpty(TmpEntries()); // the import's work directory, with a partial copy
            ps.Stop();
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(async));
            Assert.False(Directory.Exists($"/proc/{pid}"), "skopeo outlived the stopped import");
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
        }
        Assert.Empty(TmpEntries());
        Assert.Empty(ImageDirs());
        Assert.Empty(Directory.GetFiles(Path.Combine(StoreDir, "refs")));
    }

    [ImageFact]
    public void AHostileLayerWritesNothingOutsideItsRootfs()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var escapes = new[] { $"/tmp/usnc-escape1-{tag}", $"/tmp/usnc-escape2-{tag}" };
        var hostile = HostileLayout.Write(Path.Combine(TestHost.Scratch, "hostile-" + tag), tag, hardLinkToShadow: false);
        var withLink = HostileLayout.Write(Path.Combine(TestHost.Scratch, "hostile-link-" + tag), tag, hardLinkToShadow: true);
        var r = Run("""
            $i = Import-ContainerImage "oci:${hostile}:latest"
            Invoke-UserNsContainer -Image $i.Reference -Command sh, -c, 'ls -ld /etc/evil; [ -c /dev/evilnull ] && echo device || echo no-device; cat /tmp/usnc-escape* 2>/dev/null; echo done'
            try { Import-ContainerImage "oci:${link}:latest" -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            """, ("hostile", hostile), ("link", withLink));
        Assert.True(r.Lines.Length >= 4, Errors(r) + r.Text);
        Assert.EndsWith("/etc/evil -> /", r.Lines[0]);
        Assert.Equal(new[] { "no-device", "done", "ImageUnpackFailed" }, r.Lines[1..]);
        foreach (var e in escapes)
            Assert.False(File.Exists(e), $"{e} was written on the host");
        // the store is the barrier for what the image brings (a setuid file stays setuid, as in podman's store)
        Assert.Equal((UnixFileMode)0b111_000_000, File.GetUnixFileMode(StoreDir));
        Assert.Empty(TmpEntries());
    }

    [ImageFact]
    public void EscapeSequencesInAnImagesConfigReachNoTerminal()
    {
        // an image author's config: a title-setting OSC in the entrypoint, a clear-screen CSI as
        // the working directory, a colour in a variable; shown by pwsh's views and messages
        var tag = Guid.NewGuid().ToString("N")[..8];
        var layout = HostileLayout.Write(Path.Combine(TestHost.Scratch, "escapes-" + tag), tag, hardLinkToShadow: false,
            new { Entrypoint = new[] { "/bin/\u001b]0;pwned\u0007sh" }, WorkingDir = "/\u001b[2J", Env = new[] { "COLOUR=\u001b[31mred" } });
        var imported = Run("(Import-ContainerImage \"oci:${layout}:latest\").Reference", ("layout", layout));
        Assert.True(imported.Succeeded, Errors(imported));
        var reference = imported.Lines.Single();
        var (output, errors, _) = RealPwsh.Run($$"""
            Import-Module '{{TestHost.ModuleManifest}}'
            Get-ContainerImage | Format-List | Out-String -Width 300
            Get-ContainerImage | Format-Table | Out-String -Width 300
            try { New-UserNsContainer -Image {{reference}} -NoStart -ErrorAction Stop } catch { $_.Exception.Message }
            """, ("USERNSCONTAINER_IMAGE_DIR", StoreDir));
        var all = output + errors;
        Assert.DoesNotContain('\u001b', all);
        Assert.DoesNotContain('\u0007', all);
        Assert.Contains("/bin/\\x1b]0;pwned\\x07sh", output);
        Assert.Contains("/\\x1b[2J", output);
        Assert.Contains("COLOUR=\\x1b[31mred", output);
        Assert.Contains(reference.Split(':')[0], output);
    }
}
