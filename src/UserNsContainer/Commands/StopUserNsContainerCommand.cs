using System;
using System.Management.Automation;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Stops containers: SIGTERM to the main process, SIGKILL after -Timeout seconds.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Stop, "UserNsContainer", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ContainerHandle))]
public sealed class StopUserNsContainerCommand : ContainerCmdletBase
{
    [Parameter]
    [ValidateRange(0, 3600)]
    public int Timeout { get; set; } = 10;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessContainer(ContainerHandle container)
    {
        if (ShouldProcess($"{container.Name} (pid {container.Pid})", "Stop container"))
            Engine.Stop(container, TimeSpan.FromSeconds(Timeout), Cancel);
        if (PassThru)
            WriteObject(container);
    }
}
