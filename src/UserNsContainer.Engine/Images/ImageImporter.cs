using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace UserNsContainer.Engine.Images;

/// <summary>How far an import is, for Write-Progress.</summary>
public sealed record ImportProgress(string Phase, string Status, int Percent);

/// <summary>What Import-ContainerImage asks for.</summary>
public sealed class ImportRequest
{
    public required ImageReference Reference { get; init; }
    /// <summary>false: talk to a registry without TLS, or with a certificate nobody signed.</summary>
    public bool TlsVerify { get; init; } = true;
    public string? UserName { get; init; }
    public string? Password { get; init; }
    /// <summary>os/arch[/variant]; null: this machine's.</summary>
    public string? Platform { get; init; }
    /// <summary>Store it under this name:tag instead of the reference's.</summary>
    public string? LocalName { get; init; }
}

/// <summary>
/// Import-ContainerImage's work: skopeo copies the image into an OCI layout in a private
/// directory of this process under the store's tmp/, umoci unpacks it there rootless, and
/// only the finished image is renamed into images/ (one rename: another process sees all of
/// it or none; of two concurrent imports of one image the second finds it there and drops its
/// copy). Any failure, or cancellation, deletes the directory; one left by a process that
/// died is deleted by the next import.
/// </summary>
public sealed class ImageImporter
{
    private readonly ImageStore _store;
    private readonly Action<string> _verbose;
    private readonly Action<ImportProgress> _progress;

    public ImageImporter(ImageStore store, Action<string> verbose, Action<ImportProgress> progress)
    {
        _store = store;
        _verbose = verbose;
        _progress = progress;
    }

    /// <summary>This machine's platform as OCI names it: linux/amd64, linux/arm64.</summary>
    public static string HostPlatform() => "linux/" + RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>Checks an os/arch[/variant] text; returns its parts.</summary>
    public static (string Os, string Arch, string? Variant) ParsePlatform(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
            throw new InvalidSpecException("InvalidPlatform", "Platform", text, "os/architecture[/variant] in lowercase, such as linux/amd64 or linux/arm64/v8");
        return (parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }

    public ImageInfo Import(ImportRequest request, CancellationToken cancel)
    {
        var skopeo = Tools.Find("skopeo");
        var umoci = Tools.Find("umoci");
        var (os, arch, variant) = ParsePlatform(request.Platform ?? HostPlatform());
        var (name, tag) = request.LocalName is { } local ? ImageReference.SplitLocal(local)
            : ArchiveTags.Of(request.Reference) ?? (request.Reference.Name, request.Reference.Tag);
        var work = _store.NewWorkDirectory(_verbose);
        try
        {
            var layout = Path.Combine(work, "oci");
            var args = new System.Collections.Generic.List<string> { "copy", "--override-os", os, "--override-arch", arch };
            if (variant is not null)
                args.AddRange(new[] { "--override-variant", variant });
            if (request.Reference.Transport == "docker")
            {
                if (!request.TlsVerify)
                    args.Add("--src-tls-verify=false");
                if (request.UserName is not null)
                    args.AddRange(new[] { "--src-authfile", Tools.WriteAuthFile(work, request.Reference.Registry!, request.UserName, request.Password) });
            }
            args.AddRange(new[] { request.Reference.Source, "oci:" + layout + ":image" });
            _progress(new ImportProgress("Copying", $"skopeo copy {request.Reference.Source}", 5));
            Tools.Run(skopeo, args, Tools.SkopeoProgress(_verbose, _progress, 60), cancel, stderr => SkopeoFailure.From(stderr, request.Reference));

            var (digest, config, size) = OciLayout.Summary(layout);
            if (config.Architecture != arch || (config.Os.Length > 0 && config.Os != os))
                throw new UserNsContainerException("NoImageForPlatform", FailureKind.ObjectNotFound,
                    $"The image {request.Reference.Source} is for {config.Os}/{config.Architecture}, not {os}/{arch}.", request.Reference.Source,
                    $"Import an image built for {os}/{arch}, or name another platform with -Platform (it will only run here through qemu-user-static).");

            File.Delete(Path.Combine(work, "auth.json"));
            return _store.Adopt(work, digest, size, config, name, tag, _verbose, _progress, cancel, request.Reference.Source);
        }
        finally
        {
            if (Directory.Exists(work))
                Tree.Delete(work);
        }
    }
}
