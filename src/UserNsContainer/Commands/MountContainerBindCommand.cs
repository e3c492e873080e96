using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Binds a host directory or file into a container: into the plan of a Created one, or live into a running one.</para>
/// </summary>
[Cmdlet(VerbsData.Mount, "ContainerBind", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ContainerHandle))]
public sealed class MountContainerBindCommand : ContainerCmdletBase
{
    /// <summary>The host path (resolved as you, relative to the current location).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Source { get; set; } = "";

    /// <summary>The absolute path inside the container.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    [ValidateNotNullOrEmpty]
    public string Target { get; set; } = "";

    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    [Parameter]
    public SwitchParameter Optional { get; set; }

    [Parameter]
    public SwitchParameter NoCreate { get; set; }

    [Parameter]
    public SwitchParameter NonRecursive { get; set; }

    /// <summary>An idmapped bind: files keep their on-disk owners inside (root only).</summary>
    [Parameter]
    public SwitchParameter IdMap { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessContainer(ContainerHandle container)
    {
        var bind = new BindMount
        {
            Source = BindArgument.HostPath(this, Source),
            Target = Target,
            ReadOnly = ReadOnly,
            Optional = Optional,
            NoCreate = NoCreate,
            NonRecursive = NonRecursive,
            IdMap = IdMap,
        };
        if (!ShouldProcess($"{container.Name}:{Target}", $"Bind '{bind.Source}'{(ReadOnly ? " read-only" : "")}"))
            return;
        Engine.AddBind(container, bind);
        if (PassThru)
            WriteObject(container);
    }
}
