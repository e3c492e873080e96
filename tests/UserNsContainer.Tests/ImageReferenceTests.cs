using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>How Import-ContainerImage reads -Reference and -Name, and what it hands skopeo.</summary>
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker://busybox:latest", "busybox", "latest")]
    [InlineData("busybox:1.36", "docker://busybox:1.36", "busybox", "1.36")]
    [InlineData("127.0.0.1:5000/team/app:2", "docker://127.0.0.1:5000/team/app:2", "127.0.0.1:5000/team/app", "2")]
    [InlineData("docker://quay.io/team/app", "docker://quay.io/team/app:latest", "quay.io/team/app", "latest")]
    [InlineData("docker-archive:/srv/img/Busy_Box.tar", "docker-archive:/srv/img/Busy_Box.tar", "busy_box", "latest")]
    [InlineData("docker-archive:/srv/b.tar:tools/bb:1", "docker-archive:/srv/b.tar:tools/bb:1", "tools/bb", "1")]
    [InlineData("oci:rel/layout:v2", "oci:/work/rel/layout:v2", "layout", "v2")]
    [InlineData("oci-archive:/srv/a.tar", "oci-archive:/srv/a.tar", "a", "latest")]
    public void ReferencesBecomeASkopeoSourceAndAStoredName(string text, string source, string name, string tag)
    {
        var r = ImageReference.Parse(text, "/work");
        Assert.Equal(source, r.Source);
        Assert.Equal(name, r.Name);
        Assert.Equal(tag, r.Tag);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Busybox")]
    [InlineData("../../etc/x")]
    [InlineData("team//app")]
    [InlineData("app:bad tag")]
    [InlineData("docker-archive:")]
    [InlineData("docker-archive:/a.tar:notag")]
    [InlineData("busybox\n")]
    [InlineData("busybox:" + "t12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890")]
    public void MalformedReferencesAreRefusedNamingTheParameter(string text)
    {
        var e = Assert.Throws<InvalidSpecException>(() => ImageReference.Parse(text, "/work"));
        Assert.Equal("InvalidImageReference", e.ErrorId);
        Assert.Equal("Reference", e.Parameter);
    }

    [Theory]
    [InlineData("../x", false)]
    [InlineData("a/./b", false)]
    [InlineData("UPPER", false)]
    [InlineData("mine/plain:v1", true)]
    [InlineData("localhost:5000/app", true)]
    [InlineData("a..b", false)]
    public void LocalNamesAreCheckedLikeRegistryNames(string text, bool ok)
    {
        if (ok)
            ImageReference.CheckLocalName(text, "Name");
        else
            Assert.Equal("InvalidImageName", Assert.Throws<InvalidSpecException>(() => ImageReference.CheckLocalName(text, "Name")).ErrorId);
    }

    [Theory]
    [InlineData("linux/amd64", "linux", "amd64", null)]
    [InlineData("linux/arm/v7", "linux", "arm", "v7")]
    public void PlatformsAreOsArchitectureAndVariant(string text, string os, string arch, string? variant) =>
        Assert.Equal((os, arch, variant), ImageImporter.ParsePlatform(text));

    [Theory]
    [InlineData("linux")]
    [InlineData("Linux/AMD64")]
    [InlineData("linux/amd64/v1/x")]
    [InlineData("linux//v1")]
    public void OtherPlatformsAreRefused(string text) =>
        Assert.Equal("InvalidPlatform", Assert.Throws<InvalidSpecException>(() => ImageImporter.ParsePlatform(text)).ErrorId);
}
