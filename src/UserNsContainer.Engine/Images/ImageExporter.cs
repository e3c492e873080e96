using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace UserNsContainer.Engine.Images;

/// <summary>What Export-ContainerImage asks for.</summary>
public sealed class ExportRequest
{
    public required ImageInfo Image { get; init; }
    /// <summary>Where to: a registry (docker://), a docker-archive, an oci-archive or an OCI layout.</summary>
    public required ImageReference Destination { get; init; }
    public bool TlsVerify { get; init; } = true;
    public string? UserName { get; init; }
    public string? Password { get; init; }
}

/// <summary>
/// Export-ContainerImage's work: skopeo copies the image's OCI layout from the store to the
/// destination, as it is (the manifest keeps its digest wherever the format allows). An
/// archive without a name in the reference gets the image's own (a docker-archive's RepoTags
/// name:tag, an oci-archive's or layout's ref.name tag), so that an import finds it again.
/// Credentials go to skopeo in a private auth file, never on a command line.
/// </summary>
public sealed class ImageExporter
{
    private readonly ImageStore _store;
    private readonly Action<string> _verbose;
    private readonly Action<ImportProgress> _progress;

    public ImageExporter(ImageStore store, Action<string> verbose, Action<ImportProgress> progress)
    {
        _store = store;
        _verbose = verbose;
        _progress = progress;
    }

    /// <summary>The destination as skopeo takes it, with the image's name added to an archive that names none.</summary>
    public static string Target(ImageReference destination, ImageInfo image) => destination.Transport switch
    {
        "docker-archive" when !destination.Details.Contains(':') => $"docker-archive:{destination.Details}:{image.Name}:{image.Tag}",
        "oci-archive" or "oci" when !destination.Details.Contains(':') => $"{destination.Transport}:{destination.Details}:{image.Tag}",
        _ => destination.Source,
    };

    public string Export(ExportRequest request, CancellationToken cancel)
    {
        var skopeo = Tools.Find("skopeo");
        var target = Target(request.Destination, request.Image);
        var work = _store.NewWorkDirectory(_verbose);
        try
        {
            var args = new List<string> { "copy" };
            if (request.Destination.Transport == "docker")
            {
                if (!request.TlsVerify)
                    args.Add("--dest-tls-verify=false");
                if (request.UserName is not null)
                    args.AddRange(new[] { "--dest-authfile", Tools.WriteAuthFile(work, request.Destination.Registry!, request.UserName, request.Password) });
            }
            else if (Path.GetDirectoryName(request.Destination.Details.Split(':')[0]) is { } dir && !Directory.Exists(dir))
                throw new UserNsContainerException("ExportDestinationNotFound", FailureKind.ObjectNotFound,
                    $"The directory '{dir}' of {request.Destination.Source} does not exist.", request.Destination.Source, "Create it first, or name a file in a directory that exists.");
            args.AddRange(new[] { "oci:" + _store.LayoutOf(request.Image) + ":image", target });
            _progress(new ImportProgress("Copying", $"skopeo copy to {target}", 5));
            Tools.Run(skopeo, args, Tools.SkopeoProgress(_verbose, _progress, 90), cancel, stderr => SkopeoFailure.From(stderr, request.Destination));
            _progress(new ImportProgress("Done", target, 100));
            return target;
        }
        finally
        {
            Tree.Delete(work);
        }
    }
}
