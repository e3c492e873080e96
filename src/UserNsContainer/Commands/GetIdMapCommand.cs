using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>The uid and gid maps of one process, as Get-IdMap returns them.</summary>
public sealed class ProcessIdMap
{
    public int ProcessId { get; init; }
    public string? Container { get; init; }
    public IdMapRange[] UidMap { get; init; } = System.Array.Empty<IdMapRange>();
    public IdMapRange[] GidMap { get; init; } = System.Array.Empty<IdMapRange>();
}

/// <summary>Which map -HostId and -ContainerId translate through.</summary>
public enum IdKind { Uid, Gid }

/// <summary>
/// <para type="synopsis">Reads the id maps of a container or a process, or translates one id through them.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "IdMap", DefaultParameterSetName = ByContainer)]
[OutputType(typeof(ProcessIdMap), typeof(uint))]
public sealed class GetIdMapCommand : ContainerCmdletBase
{
    private const string ByProcess = "ProcessId";

    [Parameter(Mandatory = true, ParameterSetName = ByProcess)]
    [ValidateRange(1, int.MaxValue)]
    public int ProcessId { get; set; }

    /// <summary>Translate this host id to the id it appears as inside (65534 when unmapped).</summary>
    [Parameter]
    public uint? HostId { get; set; }

    /// <summary>Translate this id inside to the host id behind it (65534 when unmapped).</summary>
    [Parameter]
    public uint? ContainerId { get; set; }

    /// <summary>Translate through the uid map (default) or the gid map.</summary>
    [Parameter]
    public IdKind Kind { get; set; } = IdKind.Uid;

    protected override void BeginProcessing()
    {
        if (HostId is not null && ContainerId is not null)
            ThrowTerminatingError(ToErrorRecord(new InvalidSpecException("TranslationConflict", "ContainerId", ContainerId,
                "either -HostId or -ContainerId, not both")));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByProcess)
            NonTerminating(() => Emit(ProcessId, null));
        else
            base.ProcessRecord();
    }

    protected override void ProcessContainer(ContainerHandle container)
    {
        Engine.Refresh(container);
        if (container.State == ContainerState.Exited || (container.State == ContainerState.Created && container.Nested))
        {
            // exited: the kernel's maps are gone with the process; created: the nested namespace
            // that takes the real map does not exist yet. The handle keeps the container's map.
            EmitMaps(container.Pid, container.Name, container.UidMap, container.GidMap);
            return;
        }
        Emit(container.Pid, container.Name);
    }

    private void Emit(int pid, string? name) =>
        EmitMaps(pid, name, IdMapWriter.Read(pid, IdMapWriter.Kind.Uid), IdMapWriter.Read(pid, IdMapWriter.Kind.Gid));

    private void EmitMaps(int pid, string? name, IdMapRange[] uid, IdMapRange[] gid)
    {
        var map = Kind == IdKind.Uid ? uid : gid;
        if (HostId is { } h)
            WriteObject(IdMapRange.ToContainer(map, h));
        else if (ContainerId is { } c)
            WriteObject(IdMapRange.ToHost(map, c));
        else
            WriteObject(new ProcessIdMap { ProcessId = pid, Container = name, UidMap = uid, GidMap = gid });
    }
}
