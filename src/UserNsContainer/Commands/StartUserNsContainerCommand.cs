using System.Management.Automation;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Starts a container made with New-UserNsContainer -NoStart.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "UserNsContainer", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ContainerHandle))]
public sealed class StartUserNsContainerCommand : ContainerCmdletBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessContainer(ContainerHandle container)
    {
        if (!ShouldProcess($"{container.Name} (pid {container.Pid})", "Start container"))
            return;
        Engine.Start(container);
        if (PassThru)
            WriteObject(container);
    }
}
