using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Images;
using UserNsContainer.Engine.Images.Build;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Builds an image from a Containerfile (Dockerfile), rootless, with a layer cache (podman build).</para>
/// </summary>
[Cmdlet("Build", "ContainerImage", SupportsShouldProcess = true)]
[OutputType(typeof(ImageInfo))]
public sealed class BuildContainerImageCommand : UserNsContainerCmdlet
{
    /// <summary>The build context: COPY and ADD read from it. Default: the current directory.</summary>
    [Parameter(Position = 0)]
    public string Path { get; set; } = ".";

    /// <summary>The Containerfile; default: Containerfile, else Dockerfile, in -Path.</summary>
    [Parameter]
    public string? File { get; set; }

    /// <summary>The image's name[:tag].</summary>
    [Parameter(Mandatory = true)]
    public string Name { get; set; } = "";

    [Parameter]
    public string? Tag { get; set; }

    /// <summary>Values of the Containerfile's ARGs.</summary>
    [Parameter]
    public Hashtable? BuildArg { get; set; }

    /// <summary>Run every step, even those the cache has.</summary>
    [Parameter]
    public SwitchParameter NoCache { get; set; }

    /// <summary>RUN under root emulation (chown, setuid and their kind answer success), for a caller without subordinate ids.</summary>
    [Parameter]
    public SwitchParameter FakeRoot { get; set; }

    /// <summary>Auto: RUN as root with 65536 ids (your /etc/subuid range; for root without one, root's own ids 0-65535); Single: your own id only. Default: Auto where you have a range, and for root.</summary>
    [Parameter]
    [ValidateSet("Auto", "Single")]
    public string? IdMap { get; set; }

    /// <summary>RUN's network: Host (default, as podman build --network host), None or Private.</summary>
    [Parameter]
    public NetworkMode Network { get; set; } = NetworkMode.Host;

    /// <summary>Do not show the output of RUN.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        var (name, tag) = Terminating(() => ImageReference.LocalNameAndTag(Name, Tag));
        var context = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        if (!System.IO.Directory.Exists(context))
            Terminating<bool>(() => throw new InvalidSpecException("BuildContextNotFound", nameof(Path), Path, "a directory: the build context COPY and ADD read from"));
        var file = File is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(File);
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in BuildArg ?? new Hashtable())
            args[e.Key.ToString() ?? ""] = e.Value?.ToString() ?? "";
        bool auto = IdMap switch
        {
            "Auto" => true,
            "Single" => false,
            _ => ContainerEngine.CallerUid == 0 || IdMapPlanner.HasAutoRange(ContainerEngine.CallerUid, ContainerEngine.CallerGid, ContainerEngine.CallerUid),
        };
        if (!ShouldProcess(context, $"Build the image {name}:{tag}"))
            return;
        var store = Terminating(ImageStore.ForCurrentUser);
        var activity = $"Building {name}:{tag}";
        var builder = new ImageBuilder(Engine, store, VerboseUnlessStopping, e =>
        {
            if (Stopping)
                return;
            switch (e.Kind)
            {
                case "Step":
                    WriteProgress(new ProgressRecord(4, activity, $"Step {e.Step}/{e.Steps}: {Untrusted.Escape(e.Text)}") { PercentComplete = Math.Min(99, 100 * (e.Step - 1) / e.Steps) });
                    if (!Quiet)
                        Show($"STEP {e.Step}/{e.Steps}: {Untrusted.Escape(e.Text)}");
                    break;
                case "Cached":
                    if (!Quiet)
                        Show("--> Using cache");
                    break;
                default:
                    if (!Quiet)
                        Show(Untrusted.Escape(e.Text));
                    break;
            }
        });
        WriteVerbose($"RUN steps run {(auto ? "as root with -IdMap Auto (65536 ids)" : "with your own id only")}{(FakeRoot ? ", under root emulation (-FakeRoot)" : "")}, network {Network}.");
        try
        {
            var image = builder.Build(new BuildRequest
            {
                ContextDirectory = context, File = file, Name = name, Tag = tag, BuildArgs = args,
                NoCache = NoCache, FakeRoot = FakeRoot, AutoIdMap = auto, Network = Network,
            }, Cancel);
            WriteProgress(new ProgressRecord(4, activity, "Done") { RecordType = ProgressRecordType.Completed });
            WriteObject(image);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (UserNsContainerException e)
        {
            WriteProgress(new ProgressRecord(4, activity, "Failed") { RecordType = ProgressRecordType.Completed });
            WriteError(ToErrorRecord(e));
        }
    }

    private void Show(string text) =>
        WriteInformation(new HostInformationMessage { Message = text }, new[] { "PSHOST" });
}
