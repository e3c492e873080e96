using System.Management.Automation;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Removes a bind: from a Created container's plan, or live from a running container.</para>
/// </summary>
[Cmdlet(VerbsData.Dismount, "ContainerBind", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ContainerHandle))]
public sealed class DismountContainerBindCommand : ContainerCmdletBase
{
    /// <summary>The bind's path inside the container.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessContainer(ContainerHandle container)
    {
        if (!ShouldProcess($"{container.Name}:{Target}", "Remove bind"))
            return;
        Engine.RemoveBind(container, Target);
        if (PassThru)
            WriteObject(container);
    }
}
