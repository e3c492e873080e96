using System;
using System.IO;
using System.Linq;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Images you make leave the machine: Save-ContainerImage, then Export-ContainerImage to a real
/// docker-registry on 127.0.0.1 (<see cref="OciImageFixture"/>) or to archives, and back with
/// Import-ContainerImage, compared by digest. Every test has an image store of its own.
/// </summary>
public sealed class ImageExportTests : OwnImageStoreTest, IClassFixture<OciImageFixture>
{
    private readonly OciImageFixture _f;

    public ImageExportTests(OciImageFixture fixture) => _f = fixture;

    private static string Errors(PsResult r) => string.Join("; ", r.Errors.Select(e => e.ToString())) + r.Terminating?.Message;

    /// <summary>Imports the fixture's layout as base:1 and saves a container of it that wrote /made as NAME.</summary>
    private const string MakeImage = """
        $null = Import-ContainerImage "oci:${layout}:plain" -Name base:1
        $c = New-UserNsContainer -Image base:1 -WriteFake -Command sh, -c, 'echo made-here > /made; echo ready; exec sleep 600'
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (@($c | Get-UserNsContainerLog 2>$null) -notcontains 'ready' -and [DateTime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(50) }
        $made = $c | Save-ContainerImage -Name $name -Label @{ made = 'by-test' }
        $c | Remove-UserNsContainer -Force

        """;

    [ImageFact]
    public void AnImageYouMadeGoesToARegistryAndComesBackWithItsDigest()
    {
        var r = TestHost.Run(MakeImage + """
            Export-ContainerImage $made "docker://127.0.0.1:$port/made:1" -TlsVerify:$false
            $digest = $made.Digest
            Remove-ContainerImage $made.Reference
            (Get-ContainerImage).Reference -join ','
            $back = Import-ContainerImage "127.0.0.1:$port/made:1" -TlsVerify:$false
            $back.Digest -eq $digest
            Invoke-UserNsContainer -Image $back -- cat /made
            """, Vars(("layout", _f.Layout), ("port", _f.Port), ("name", "mine/made:1")));
        Assert.True(r.Succeeded, Errors(r));
        Assert.Equal(new[] { "base:1", "True", "made-here" }, r.Lines);
    }

    [ImageFact]
    public void ARegistryThatWantsAPasswordGetsItFromCredential()
    {
        var r = TestHost.Run(MakeImage + """
            try { Export-ContainerImage $made "127.0.0.1:$auth/made:2" -TlsVerify:$false -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            $right = [pscredential]::new($user, [System.Net.NetworkCredential]::new('', $password).SecurePassword)
            (Export-ContainerImage -Name $made.Reference -Destination "127.0.0.1:$auth/made:2" -TlsVerify:$false -Credential $right -PassThru).Reference
            (Import-ContainerImage "127.0.0.1:$auth/made:2" -TlsVerify:$false -Credential $right).Digest -eq $made.Digest
            [System.IO.Directory]::GetFileSystemEntries("$env:USERNSCONTAINER_IMAGE_DIR/tmp").Count
            """, Vars(("layout", _f.Layout), ("auth", _f.AuthPort), ("name", "made:2"), ("user", OciImageFixture.User), ("password", OciImageFixture.Password)));
        Assert.True(r.Terminating is null, Errors(r));
        Assert.Equal(new[] { "ImageAuthenticationFailed", "made:2", "True", "0" }, r.Lines);
    }

    [ImageFact]
    public void ArchivesCarryTheImageNameAndTag()
    {
        var dir = Path.Combine(TestHost.Scratch, "export-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var r = TestHost.Run(MakeImage + """
                Export-ContainerImage $made "docker-archive:$dir/made.tar"
                Export-ContainerImage $made "oci-archive:$dir/made-oci.tar"
                Remove-ContainerImage $made.Reference
                (Import-ContainerImage "docker-archive:$dir/made.tar").Reference
                $oci = Import-ContainerImage "oci-archive:$dir/made-oci.tar"
                "$($oci.Tag) $($oci.Digest -eq $made.Digest)"
                """, Vars(("layout", _f.Layout), ("name", "tools/made:3.1"), ("dir", dir)));
            Assert.True(r.Succeeded, Errors(r));
            Assert.Equal(new[] { "tools/made:3.1", "3.1 True" }, r.Lines);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [ImageFact]
    public void ABadDestinationIsRefusedBeforeAnythingIsWritten()
    {
        var dir = Path.Combine(TestHost.Scratch, "export-" + Guid.NewGuid().ToString("N")[..8]);
        var r = TestHost.Run(MakeImage + """
            foreach ($d in 'Bad Name:1', "oci-archive:$dir/missing/x.tar", 'ftp://example.org/x') {
                try { Export-ContainerImage $made $d -ErrorAction Stop; 'exported' } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            }
            try { Export-ContainerImage nosuch:1 "oci-archive:$dir/x.tar" -ErrorAction Stop } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
            [System.IO.Directory]::Exists($dir)
            """, Vars(("layout", _f.Layout), ("name", "made:4"), ("dir", dir)));
        Assert.True(r.Terminating is null, Errors(r));
        Assert.Equal(new[] { "InvalidImageReference", "ExportDestinationNotFound", "InvalidImageReference", "ImageNotFound", "False" }, r.Lines);
    }
}
