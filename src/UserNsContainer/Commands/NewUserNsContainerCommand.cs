using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Creates a long-lived container and returns its handle at once.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "UserNsContainer", SupportsShouldProcess = true)]
[OutputType(typeof(ContainerHandle))]
public sealed class NewUserNsContainerCommand : SpecCmdletBase
{
    /// <summary>Stop in state Created: namespaces made, init waiting before any mount.</summary>
    [Parameter]
    public SwitchParameter NoStart { get; set; }

    protected override void EndProcessing()
    {
        var spec = BuildSpec();
        var target = spec.Name ?? (spec.Command is null ? "idle container" : string.Join(' ', spec.Command));
        if (!ShouldProcess(target, NoStart ? "Create container (not started)" : "Create and start container"))
            return;
        var handle = Terminating(() => Engine.Create(spec, new CreateOptions { Foreground = false, Start = !NoStart }));
        WriteObject(handle);
    }
}
