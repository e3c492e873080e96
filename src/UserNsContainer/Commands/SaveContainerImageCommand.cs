using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Saves a running -WriteFake container's writes as a new image on top of its image (podman commit).</para>
/// </summary>
[Cmdlet(VerbsData.Save, "ContainerImage", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ImageInfo))]
public sealed class SaveContainerImageCommand : UserNsContainerCmdlet
{
    private const string ByContainer = "Container", ById = "ContainerId", ByName = "ContainerName";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByContainer)]
    [ValidateNotNull]
    [HandleArgument]
    public ContainerHandle Container { get; set; } = null!;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerIdCompleter))]
    public string ContainerId { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string ContainerName { get; set; } = "";

    /// <summary>The new image's name[:tag].</summary>
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>The tag, when -Name has none (default: latest).</summary>
    [Parameter]
    public string? Tag { get; set; }

    [Parameter]
    public Hashtable? Environment { get; set; }

    [Parameter]
    [AllowEmptyCollection]
    public string[]? Entrypoint { get; set; }

    /// <summary>The image's Cmd: what runs (after the Entrypoint) when a container gives no -Command.</summary>
    [Parameter]
    [AllowEmptyCollection]
    public string[]? Command { get; set; }

    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>USER[:GROUP], names or numbers, as the image's User.</summary>
    [Parameter]
    public string? User { get; set; }

    [Parameter]
    public Hashtable? Label { get; set; }

    /// <summary>PORT[/tcp|udp|sctp]: metadata only, as EXPOSE.</summary>
    [Parameter]
    public string[]? ExposedPort { get; set; }

    /// <summary>The history entry's comment.</summary>
    [Parameter]
    public string? Message { get; set; }

    protected override void ProcessRecord()
    {
        var (name, tag) = Terminating(() => ImageReference.LocalNameAndTag(Name, Tag));
        var changes = Terminating(Changes);
        var handle = ParameterSetName switch
        {
            ByContainer => Engine.FindById(Container.Id),
            ById => Engine.FindById(ContainerId),
            _ => Engine.FindByName(ContainerName),
        };
        if (handle is null)
        {
            WriteError(ToErrorRecord(ContainerCmdletBase.NotFound(
                ParameterSetName == ByContainer ? Container.Id : ParameterSetName == ById ? ContainerId : null,
                ParameterSetName == ByContainer ? Container.Name : ParameterSetName == ByName ? ContainerName : null)));
            return;
        }
        if (!ShouldProcess($"{handle.Name} ({handle.Id})", $"Save its writes as the image {name}:{tag}"))
            return;
        var activity = $"Saving container '{handle.Name}' as {name}:{tag}";
        var committer = new ImageCommitter(ImageStore.ForCurrentUser(), VerboseUnlessStopping, ImageProgress(2, activity));
        try
        {
            WriteObject(committer.Commit(Engine, handle, new CommitRequest { Name = name, Tag = tag, Changes = changes, Message = Message }, Cancel));
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (UserNsContainerException e)
        {
            WriteError(ToErrorRecord(e));
        }
    }

    private ImageChanges Changes()
    {
        var changes = new ImageChanges
        {
            Entrypoint = Entrypoint,
            Cmd = Command,
            WorkingDir = WorkingDirectory,
            User = User,
        };
        if (WorkingDirectory is not null && !WorkingDirectory.StartsWith('/'))
            throw new InvalidSpecException("InvalidWorkingDirectory", "WorkingDirectory", WorkingDirectory, "an absolute path inside the image");
        if (Environment is not null)
            foreach (var (k, v) in Arguments.Environment(Environment))
                changes.Environment[k] = v;
        if (Label is not null)
            foreach (DictionaryEntry e in Label)
                changes.Labels[e.Key.ToString() ?? ""] = e.Value?.ToString() ?? "";
        foreach (var p in ExposedPort ?? Array.Empty<string>())
            changes.ExposedPorts.Add(ImageChanges.NormalizePort(p, "ExposedPort"));
        return changes;
    }
}
