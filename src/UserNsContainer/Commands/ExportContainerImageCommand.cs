using System;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Sends an image of your store to a registry, a docker-archive or oci-archive file, or an OCI layout (podman push, podman save).</para>
/// </summary>
[Cmdlet(VerbsData.Export, "ContainerImage", SupportsShouldProcess = true, DefaultParameterSetName = ByNameSet)]
public sealed class ExportContainerImageCommand : UserNsContainerCmdlet
{
    private const string ByNameSet = "Name";
    private const string ByObjectSet = "InputObject";

    /// <summary>name[:tag] or Id of an image of your store.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>An image from Get-ContainerImage, Import-, Save- or Build-ContainerImage.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectSet)]
    public ImageInfo InputObject { get; set; } = null!;

    /// <summary>docker://REGISTRY/NAME:TAG (or REGISTRY/NAME:TAG), docker-archive:FILE[:NAME:TAG], oci-archive:FILE[:TAG], oci:DIRECTORY[:TAG].</summary>
    [Parameter(Mandatory = true, Position = 1)]
    public string Destination { get; set; } = "";

    /// <summary>$false: the registry speaks plain HTTP or has a certificate nobody vouches for.</summary>
    [Parameter]
    public bool TlsVerify { get; set; } = true;

    /// <summary>The registry account; the password goes to skopeo in a private file, never on a command line.</summary>
    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Write the image to the pipeline when it has been sent.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var destination = Terminating(() => ImageReference.Parse(Destination, SessionState.Path.CurrentFileSystemLocation.ProviderPath, nameof(Destination)));
        var store = Terminating(ImageStore.ForCurrentUser);
        var wanted = ParameterSetName == ByObjectSet ? InputObject.Reference : Name;
        var image = Terminating(() => store.Find(wanted) is { } found && (ParameterSetName != ByObjectSet || found.Digest == InputObject.Digest)
            ? found : throw ImageMatch.NotFound(wanted));
        var target = ImageExporter.Target(destination, image);
        if (!ShouldProcess($"{image.Reference} ({image.Id})", $"Export to {target}"))
            return;
        var network = Credential?.GetNetworkCredential();
        var activity = $"Exporting {image.Reference} to {target}";
        var exporter = new ImageExporter(store, VerboseUnlessStopping, ImageProgress(3, activity));
        try
        {
            exporter.Export(new ExportRequest { Image = image, Destination = destination, TlsVerify = TlsVerify, UserName = network?.UserName, Password = network?.Password }, Cancel);
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
        if (PassThru)
            WriteObject(image);
    }
}
