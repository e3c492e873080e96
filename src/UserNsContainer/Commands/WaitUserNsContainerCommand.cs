using System;
using System.Management.Automation;
using System.Threading;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Waits until containers have exited and returns their handles; Ctrl+C or -Timeout ends the wait, not the containers.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "UserNsContainer", DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ContainerHandle))]
public sealed class WaitUserNsContainerCommand : ContainerCmdletBase
{
    /// <summary>Seconds to wait; -1 (default) waits for ever.</summary>
    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int Timeout { get; set; } = -1;

    protected override void ProcessContainer(ContainerHandle container)
    {
        var timeout = Timeout < 0 ? System.Threading.Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Timeout);
        bool done;
        try
        {
            done = Engine.Wait(container, timeout, Cancel);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C stops the waiting, not the container (as Wait-Process, Wait-Job and podman wait)
            throw new PipelineStoppedException();
        }
        if (!done)
        {
            WriteError(ToErrorRecord(new UserNsContainerException("WaitTimeout", FailureKind.OperationTimeout,
                $"Container '{container.Name}' was still running after {Timeout} s.", container,
                "Wait longer, or end it with Stop-UserNsContainer.")));
            return;
        }
        WriteObject(container);
    }
}
