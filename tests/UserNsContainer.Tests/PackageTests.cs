using System;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>The package every build makes (out/UserNsContainer.VERSION.nupkg): a PowerShell
/// module package with the module at its root, the helpers for linux-x64 and linux-arm64
/// (static), tags for every cmdlet; unpacked, it imports and runs a container.</summary>
public sealed class PackageTests : ContainerTest
{
    private static string Version => TestHost.Run("(Get-Module UserNsContainer).Version.ToString()").Lines.Single();

    private static string Package => Path.Combine(TestHost.RepoRoot, "out", $"UserNsContainer.{Version}.nupkg");

    [Fact]
    public void ThePackageHoldsTheModuleAtItsRootWithTagsForEveryCmdlet()
    {
        Assert.True(File.Exists(Package), Package + " is missing: dotnet build -c Release makes it");
        using var zip = ZipFile.OpenRead(Package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var f in new[] { "UserNsContainer.psd1", "UserNsContainer.dll", "UserNsContainer.Engine.dll", "UserNsContainer.format.ps1xml",
                     "en-US/UserNsContainer.dll-Help.xml", "en-US/about_UserNsContainer.help.txt",
                     "linux-x64/usnc-helper", "linux-x64/Tmds.LibC.dll" })
            Assert.Contains(f, entries);
        // an architecture folder comes with its helper, or not at all (no module that loads and
        // then cannot start a container)
        var arm64 = new[] { "linux-arm64/usnc-helper", "linux-arm64/Tmds.LibC.dll" };
        if (CrossBuildFactAttribute.CanCrossBuild)
            Assert.All(arm64, f => Assert.Contains(f, entries));
        else
            Assert.DoesNotContain(entries, e => e.StartsWith("linux-arm64/", StringComparison.Ordinal));
        var nuspec = XDocument.Load(zip.GetEntry("UserNsContainer.nuspec")!.Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("UserNsContainer", (string?)metadata.Element(ns + "id"));
        Assert.Equal(Version, (string?)metadata.Element(ns + "version"));
        var tags = ((string?)metadata.Element(ns + "tags") ?? "").Split(' ');
        Assert.Contains("PSModule", tags);
        Assert.Contains("PSIncludes_Cmdlet", tags);
        Assert.Contains("Linux", tags);
        foreach (var cmdlet in TestHost.Run("(Get-Module UserNsContainer).ExportedCmdlets.Keys").Lines)
            Assert.Contains("PSCmdlet_" + cmdlet, tags);
    }

    /// <summary>e_machine of an ELF file, and whether it asks for a program interpreter (dynamic).</summary>
    private static (int Machine, bool Dynamic) Elf(byte[] b)
    {
        Assert.True(b.Length > 64 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F' && b[4] == 2, "not a 64-bit ELF file");
        int machine = BitConverter.ToUInt16(b, 18);
        long phoff = BitConverter.ToInt64(b, 32);
        int phentsize = BitConverter.ToUInt16(b, 54), phnum = BitConverter.ToUInt16(b, 56);
        bool dynamic = Enumerable.Range(0, phnum).Any(i => BitConverter.ToUInt32(b, (int)phoff + i * phentsize) == 3); // PT_INTERP
        return (machine, dynamic);
    }

    [CrossBuildFact]
    public void TheHelpersAreStaticForX64AndArm64AndTheArm64OneRunsUnderEmulation()
    {
        using var zip = ZipFile.OpenRead(Package);
        byte[] Read(string name)
        {
            using var s = zip.GetEntry(name)!.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return m.ToArray();
        }
        var x64 = Elf(Read("linux-x64/usnc-helper"));
        var arm64 = Elf(Read("linux-arm64/usnc-helper"));
        Assert.Equal((62, false), x64);     // EM_X86_64, static
        Assert.Equal((183, false), arm64);  // EM_AARCH64, static
        var qemu = "/usr/bin/qemu-aarch64-static";
        var helper = Path.Combine(TestHost.Scratch, "arm64-helper-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllBytes(helper, Read("linux-arm64/usnc-helper"));
        File.SetUnixFileMode(helper, (UnixFileMode)0b111_101_101);
        using var p = Process.Start(new ProcessStartInfo(qemu, new[] { helper }) { RedirectStandardError = true })!;
        var usage = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("internal program of UserNsContainer", usage);
    }

    [Fact]
    public async System.Threading.Tasks.Task UnpackedTheModuleImportsAndRunsAContainer()
    {
        var dir = Path.Combine(TestHost.Scratch, "unpacked-" + Guid.NewGuid().ToString("N")[..8]);
        ZipFile.ExtractToDirectory(Package, dir); // as a package manager does: no file modes kept
        var script = Path.Combine(dir, "run.ps1");
        File.WriteAllText(script, $"Import-Module '{Path.Combine(dir, "UserNsContainer.psd1")}'\n(Get-Module UserNsContainer).ModuleBase\nInvoke-UserNsContainer -Command sh, -c, 'echo from-the-package'\n");
        var psi = new ProcessStartInfo("dotnet", RealPwsh.Arguments(script)) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Track(Process.Start(psi)!);
        var err = p.StandardError.ReadToEndAsync();
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        Assert.True(lines.Length == 2, string.Join("\n", lines) + await err);
        Assert.Equal(dir, lines[0]);
        Assert.Equal("from-the-package", lines[1]);
    }
}

/// <summary>A fact about the arm64 helper: it needs Debian's cross compiler (which the build
/// uses when installed) and qemu-user-static to run it; .ci/run installs both.</summary>
public sealed class CrossBuildFactAttribute : FactAttribute
{
    public static bool CanCrossBuild => File.Exists("/usr/bin/aarch64-linux-gnu-gcc");

    public CrossBuildFactAttribute()
    {
        if (!CanCrossBuild || !File.Exists("/usr/bin/qemu-aarch64-static"))
            Skip = "needs gcc-aarch64-linux-gnu and qemu-user-static (apt-get install ...); .ci/run installs them";
    }
}
