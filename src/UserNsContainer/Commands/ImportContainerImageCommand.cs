using System;
using System.Management.Automation;
using System.Net;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Copies an OCI image (a registry, a docker-archive or oci-archive file, an OCI layout) into your image store and unpacks it, rootless.</para>
/// </summary>
[Cmdlet(VerbsData.Import, "ContainerImage", SupportsShouldProcess = true)]
[OutputType(typeof(ImageInfo))]
public sealed class ImportContainerImageCommand : UserNsContainerCmdlet
{
    /// <summary>docker://REGISTRY/NAME:TAG, docker-archive:FILE, oci-archive:FILE, oci:DIR:TAG; a bare NAME:TAG means docker://.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string Reference { get; set; } = "";

    /// <summary>$false: the registry speaks plain HTTP or has a certificate nobody vouches for.</summary>
    [Parameter]
    public bool TlsVerify { get; set; } = true;

    /// <summary>The registry account; the password goes to skopeo in a private file, never on a command line.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>os/architecture[/variant]; default: this machine's (linux/amd64, linux/arm64).</summary>
    [Parameter]
    public string? Platform { get; set; }

    /// <summary>Store the image under this name[:tag] instead of the reference's.</summary>
    [Parameter]
    public string? Name { get; set; }

    private ImageStore? _store;

    protected override void ProcessRecord()
    {
        var reference = Terminating(() => ImageReference.Parse(Reference, SessionState.Path.CurrentFileSystemLocation.ProviderPath));
        if (Platform is not null)
            Terminating(() => ImageImporter.ParsePlatform(Platform));
        if (Name is not null)
            Terminating(() => { ImageReference.CheckLocalName(Name, nameof(Name)); return true; });
        if (!ShouldProcess(reference.Source, "Import image"))
            return;
        _store ??= Terminating(ImageStore.ForCurrentUser);
        var network = Credential?.GetNetworkCredential();
        var request = new ImportRequest
        {
            Reference = reference,
            TlsVerify = TlsVerify,
            UserName = network?.UserName,
            Password = network?.Password,
            Platform = Platform,
            LocalName = Name,
        };
        var activity = $"Importing {reference.Source}";
        var importer = new ImageImporter(_store, VerboseUnlessStopping, ImageProgress(1, activity));
        ImageInfo image;
        try
        {
            image = importer.Import(request, Cancel);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (UserNsContainerException e)
        {
            WriteError(ToErrorRecord(e));
            return;
        }
        WriteObject(image);
    }
}
