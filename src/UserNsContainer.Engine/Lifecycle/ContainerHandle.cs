using System;
using System.Text.Json.Serialization;

namespace UserNsContainer;

/// <summary>Where a container is in its life.</summary>
public enum ContainerState
{
    /// <summary>Namespaces made; the init waits before any mount (id maps can still be set).</summary>
    Created,
    /// <summary>Set up and running (or idling, with no main command).</summary>
    Running,
    /// <summary>Ended; <see cref="ContainerHandle.ExitCode"/> says how.</summary>
    Exited,
}

/// <summary>
/// A container as the pipeline carries it. The same record is kept in the per-user state
/// directory, so any PowerShell process of the same user can find and act on it.
/// </summary>
public sealed class ContainerHandle
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    /// <summary>Host pid of the container's init (PID 1 inside when it has a pid namespace).</summary>
    public int Pid { get; set; }
    public ContainerState State { get; set; }
    /// <summary>The main process's exit code; 128+N when signal N ended it; 125 when setup failed.</summary>
    public int? ExitCode { get; set; }
    /// <summary>Signal that ended the main process, if one did.</summary>
    public int? Signal { get; set; }
    /// <summary>The root directory; "/" is the host's root bound read-only.</summary>
    public string RootFs { get; set; } = "/";
    /// <summary>What the root is: Host (the host's / read-only), Directory, SquashFS or Image.</summary>
    public Engine.RootKind RootKind { get; set; }
    /// <summary>The imported image (name:tag) whose rootfs is the root, for -Image.</summary>
    public string? Image { get; set; }
    /// <summary>Where writes to the root go: None (read-only), Image (-Writable) or Overlay (-WriteFake, gone at exit).</summary>
    public Engine.RootWrites Writes { get; set; }
    public string[] Namespaces { get; set; } = Array.Empty<string>();
    public Engine.IdMapRange[] UidMap { get; set; } = Array.Empty<Engine.IdMapRange>();
    public Engine.IdMapRange[] GidMap { get; set; } = Array.Empty<Engine.IdMapRange>();
    /// <summary>The main process's uid and gid inside (null: root).</summary>
    public uint? User { get; set; }
    public uint? Group { get; set; }
    public DateTime Created { get; set; }
    public string? LogPath { get; set; }
    public string[]? Command { get; set; }
    public string? Hostname { get; set; }
    public bool Writable { get; set; }
    /// <summary>The seccomp filter in force for the main process: Default or Unconfined.</summary>
    public Engine.SeccompMode Seccomp { get; set; }
    /// <summary>Root emulation (-FakeRoot): owner and id changes answer success and do nothing, for this container's processes and those entered into it.</summary>
    public bool FakeRoot { get; set; }
    /// <summary>None (loopback only), Host (the host's network) or Private (its own, joined to the outside by pasta).</summary>
    public Engine.NetworkMode Network { get; set; }
    /// <summary>Ports published on the host (-Publish), as 127.0.0.1:8080->80/tcp.</summary>
    public Engine.PortMapping[] Ports { get; set; } = Array.Empty<Engine.PortMapping>();
    /// <summary>pasta's log, for a private network.</summary>
    public string? NetworkLogPath { get; set; }
    /// <summary>Host paths bound in, in the order they are mounted.</summary>
    public Engine.BindMount[] Binds { get; set; } = Array.Empty<Engine.BindMount>();

    // ---- bookkeeping: kept in the state record, not shown to users ----------------------

    /// <summary>Host pid of the helper that watches the init and records its exit.</summary>
    [JsonInclude]
    internal int MonitorPid { get; set; }
    /// <summary>Start times (clock ticks since boot) guarding against pid reuse.</summary>
    [JsonInclude]
    internal ulong PidStartTime { get; set; }
    [JsonInclude]
    internal ulong MonitorStartTime { get; set; }
    /// <summary>Pid of the PowerShell process that owns a foreground or not-yet-started container.</summary>
    [JsonInclude]
    internal int OwnerPid { get; set; }
    [JsonInclude]
    internal ulong OwnerStartTime { get; set; }
    /// <summary>True for Invoke-UserNsContainer's one-shot containers.</summary>
    [JsonInclude]
    internal bool Foreground { get; set; }
    /// <summary>The container runs in a nested user namespace that locks its mounts; the
    /// outer one maps host ids to themselves (docs/design.md).</summary>
    [JsonInclude]
    internal bool Nested { get; set; }

    /// <summary>What Enter-ContainerNamespace starts from, as docker exec does: the container's
    /// environment as given (without the PATH, HOME and TERM defaults) and working directory.</summary>
    [JsonInclude]
    internal System.Collections.Generic.Dictionary<string, string> Environment { get; set; } = new();
    [JsonInclude]
    internal string? WorkingDirectory { get; set; }
    /// <summary>/tmp is the host's (-HostTmp): live binds never make mount points in it.</summary>
    [JsonInclude]
    internal bool HostTmp { get; set; }

    [JsonIgnore]
    public bool IsRunning => State == ContainerState.Running;

    public override string ToString() => $"{Name} ({Id}, {State})";
}
