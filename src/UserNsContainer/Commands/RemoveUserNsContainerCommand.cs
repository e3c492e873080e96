using System;
using System.Management.Automation;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Removes containers, stopping them first if they still run.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "UserNsContainer", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ByContainer)]
public sealed class RemoveUserNsContainerCommand : ContainerCmdletBase
{
    /// <summary>Kill a running container at once (SIGKILL) instead of SIGTERM and a grace period.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(0, 3600)]
    public int Timeout { get; set; } = 10;

    protected override void ProcessContainer(ContainerHandle container)
    {
        if (!ShouldProcess($"{container.Name} (pid {container.Pid}, {container.State})", "Remove container"))
            return;
        WriteVerbose($"Removing container '{container.Name}' and its state files from '{Engine.Store.Directory}'.");
        Engine.Remove(container, Force, TimeSpan.FromSeconds(Timeout));
    }
}
