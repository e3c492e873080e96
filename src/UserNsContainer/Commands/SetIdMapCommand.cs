using System;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Writes the uid and gid maps of a Created container, or of any process waiting in a fresh user namespace.</para>
/// </summary>
[Cmdlet(VerbsCommon.Set, "IdMap", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ContainerHandle))]
public sealed class SetIdMapCommand : ContainerCmdletBase
{
    private const string ByProcess = "ProcessId";

    /// <summary>A process in a user namespace whose maps are not written yet.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByProcess)]
    [ValidateRange(1, int.MaxValue)]
    public int ProcessId { get; set; }

    [Parameter]
    public object[]? UidMap { get; set; }

    [Parameter]
    public object[]? GidMap { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private IdMapRange[]? _uid;
    private IdMapRange[]? _gid;

    protected override void BeginProcessing()
    {
        if (UidMap is null && GidMap is null)
            ThrowTerminatingError(ToErrorRecord(new InvalidSpecException("IdMapMissing", "UidMap", null, "-UidMap, -GidMap or both")));
        if (UidMap is not null)
            _uid = Terminating(() => IdMapArgument.Convert(UidMap, nameof(UidMap)));
        if (GidMap is not null)
            _gid = Terminating(() => IdMapArgument.Convert(GidMap, nameof(GidMap)));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName != ByProcess)
        {
            base.ProcessRecord();
            return;
        }
        if (!ShouldProcess($"process {ProcessId}", Describe()))
            return;
        NonTerminating(() => Engine.SetProcessIdMaps(ProcessId, _uid, _gid));
    }

    protected override void ProcessContainer(ContainerHandle container)
    {
        if (!ShouldProcess($"{container.Name} (pid {container.Pid})", Describe()))
            return;
        Engine.SetIdMaps(container, _uid, _gid);
        if (PassThru)
            WriteObject(container);
    }

    private string Describe() =>
        "Write id maps" + (_uid is null ? "" : $" uid {string.Join(",", (object[])_uid)}") + (_gid is null ? "" : $" gid {string.Join(",", (object[])_gid)}");
}
