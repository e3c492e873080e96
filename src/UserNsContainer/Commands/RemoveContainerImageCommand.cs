using System;
using System.Collections.Generic;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Removes imported images; refuses while a container of the image exists, unless -Force.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ContainerImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByNameSet)]
public sealed class RemoveContainerImageCommand : UserNsContainerCmdlet
{
    private const string ByNameSet = "Name";
    private const string ByObjectSet = "InputObject";
    private const string BuildCacheSet = "BuildCache";

    /// <summary>name (all its tags), name:tag or Id; wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Images from Get-ContainerImage or Import-ContainerImage.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObjectSet)]
    public ImageInfo[] InputObject { get; set; } = Array.Empty<ImageInfo>();

    /// <summary>Remove the containers of the image first (killed at once if running).</summary>
    [Parameter(ParameterSetName = ByNameSet)]
    [Parameter(ParameterSetName = ByObjectSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>Forget the build cache: its keys and the unnamed images of build steps.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BuildCacheSet)]
    public SwitchParameter BuildCache { get; set; }

    protected override void ProcessRecord()
    {
        var store = Terminating(() => ImageStore.OpenExisting());
        if (ParameterSetName == BuildCacheSet)
        {
            if (store is not null && ShouldProcess(store.Directory, "Remove the build cache and the unnamed images of build steps"))
                NonTerminating(() => WriteVerbose($"Deleted {ImageRemoval.ClearBuildCache(Engine, store, WriteVerbose)} unnamed image(s) of build steps."));
            return;
        }
        var targets = new List<ImageInfo>();
        if (ParameterSetName == ByObjectSet)
            targets.AddRange(InputObject);
        else
            foreach (var n in Name)
            {
                var hits = store is null ? new List<ImageInfo>() : ImageMatch.Select(store.List(), n);
                if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                    WriteError(ToErrorRecord(ImageMatch.NotFound(n)));
                targets.AddRange(hits);
            }
        foreach (var image in targets)
        {
            if (store?.Find(image.Reference) is not { } current || current.Digest != image.Digest)
            {
                WriteError(ToErrorRecord(ImageMatch.NotFound(image.Reference)));
                continue;
            }
            if (!ShouldProcess($"{image.Reference} ({image.Id})", "Remove image"))
                continue;
            NonTerminating(() =>
            {
                bool deleted = ImageRemoval.Remove(Engine, store, current, Force, WriteVerbose);
                WriteVerbose(deleted
                    ? $"Removed {image.Reference} and its files ({image.Size} bytes)."
                    : $"Removed the name {image.Reference}; its files stay for the image's other names.");
            });
        }
    }
}
