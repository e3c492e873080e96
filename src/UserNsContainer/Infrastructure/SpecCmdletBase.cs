using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>The parameters that describe a new container (New- and Invoke-UserNsContainer).</summary>
public abstract class SpecCmdletBase : UserNsContainerCmdlet
{
    /// <summary>The program to run, then its arguments: bare words after the cmdlet's own
    /// parameters, as for bwrap or podman run (or a list: -Command ls,-la).</summary>
    [Parameter(Position = 0, ValueFromRemainingArguments = true)]
    [AllowEmptyCollection]
    public string[]? Command { get; set; }

    /// <summary>A directory holding the root file system; by default the host's / read-only.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Root")]
    public string? RootFs { get; set; }

    /// <summary>An imported image (name[:tag] or Id) to run: its rootfs, shared read-only, and its defaults.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Reference")]
    [ArgumentCompleter(typeof(ImageNameCompleter))]
    public string? Image { get; set; }

    [Parameter]
    public string? Name { get; set; }

    /// <summary>Namespaces to create; user is always one of them.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Namespace { get; set; }

    [Parameter]
    public string? Hostname { get; set; }

    /// <summary>Variables for the container's otherwise clean environment.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    [Parameter]
    public string? WorkingDirectory { get; set; }

    /// <summary>Mount the root read-write (default: read-only).</summary>
    [Parameter]
    public SwitchParameter Writable { get; set; }

    /// <summary>Writes go to a throw-away overlay over the read-only image (Charliecloud's --write-fake).</summary>
    [Parameter]
    public SwitchParameter WriteFake { get; set; }

    /// <summary>The overlay's size in bytes (1GB, 512MB); default: half of this machine's memory.</summary>
    [Parameter]
    public long WriteFakeSize { get; set; }

    /// <summary>Bind the host's /tmp instead of a private tmpfs.</summary>
    [Parameter]
    public SwitchParameter HostTmp { get; set; }

    /// <summary>Bind your home directory at /home/USER and set HOME and USER.</summary>
    [Parameter]
    public SwitchParameter BindHome { get; set; }

    /// <summary>Uid ranges: "0:100000:65536" strings, hashtables or objects with ContainerId, HostId, Count.</summary>
    [Parameter]
    public object[]? UidMap { get; set; }

    /// <summary>Gid ranges, written as for -UidMap.</summary>
    [Parameter]
    public object[]? GidMap { get; set; }

    /// <summary>Guix's host-uids: container ids 0..n-1 (root: from its own id up; others: 0 to
    /// themselves and the rest from their subordinate range).</summary>
    [Parameter]
    public uint HostIdCount { get; set; }

    /// <summary>Auto: 0 to you and 1..65536 to your /etc/subuid and /etc/subgid range.</summary>
    [Parameter]
    public string? IdMap { get; set; }

    /// <summary>The main process's user inside: a uid (it must be mapped) or a name the container's /etc/passwd defines.</summary>
    [Parameter]
    public string User { get; set; } = "";

    /// <summary>The main process's group inside: a gid (it must be mapped) or a name the container's /etc/group defines;
    /// default: the user's primary group when -User is a name, else the uid's number if mapped, else 0.</summary>
    [Parameter]
    public string Group { get; set; } = "";

    /// <summary>Host paths to bind in: 'SOURCE:TARGET[:ro]' strings or hashtables (Source, Target,
    /// ReadOnly, Optional, NoCreate, NonRecursive), mounted in the order given.</summary>
    [Parameter]
    public object[]? Bind { get; set; }

    /// <summary>None (default: loopback only), Host (the host's network) or Private (its own
    /// network joined to the outside by pasta: outbound NAT, -Publish, -Dns).</summary>
    [Parameter]
    public NetworkMode Network { get; set; }

    /// <summary>Ports to publish with -Network Private: '[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]'; the host address defaults to 127.0.0.1.</summary>
    [Parameter]
    public string[]? Publish { get; set; }

    /// <summary>Resolvers for the container's /etc/resolv.conf (-Network Private), instead of the host's.</summary>
    [Parameter]
    public string[]? Dns { get; set; }

    /// <summary>With -Network Private: the gateway address reaches services on the host's 127.0.0.1.</summary>
    [Parameter]
    public SwitchParameter AllowHostLoopback { get; set; }

    /// <summary>Default: the main process runs under the default seccomp filter (about_UserNsContainer
    /// lists it); Unconfined: no filter.</summary>
    [Parameter]
    public SeccompMode Seccomp { get; set; }

    /// <summary>Root emulation without subordinate ids: chown, setuid and their kind, setgroups
    /// and mknod of devices answer success and do nothing (a seccomp filter, as ch-run --seccomp).</summary>
    [Parameter]
    public SwitchParameter FakeRoot { get; set; }

    /// <summary>Resource limits of the main process: Processes, OpenFiles, AddressSpace, CpuSeconds,
    /// FileSize, CoreSize, LockedMemory, each a count, 'unlimited' or @(soft, hard).</summary>
    [Parameter]
    public Hashtable? Limit { get; set; }

    /// <summary>Builds the spec from the bound parameters; checks that only the engine can't make.</summary>
    protected ContainerSpec BuildSpec(string[]? defaultCommand = null)
    {
        var spec = new ContainerSpec
        {
            Name = Name,
            Command = Command,
            DefaultCommand = defaultCommand,
            Image = Image,
            Hostname = Hostname,
            WorkingDirectory = WorkingDirectory,
            Writable = Writable,
            WriteFake = WriteFake,
            HostTmp = HostTmp,
            BindHome = BindHome,
            Seccomp = Seccomp,
            FakeRoot = FakeRoot,
            NamespacesGiven = Namespace is not null,
            Dns = Dns,
            AllowHostLoopback = AllowHostLoopback,
        };
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Network)))
            spec.Network = Network;
        if (Publish is not null)
            spec.Publish = new List<string>(Publish);
        if (RootFs is not null)
            spec.RootFs = RootFs.Length == 0 ? RootFs : SessionState.Path.GetUnresolvedProviderPathFromPSPath(RootFs);
        spec.Namespaces = Terminating(() => Namespaces.Parse(Namespace));
        var bound = MyInvocation.BoundParameters;
        if (UidMap is not null)
            spec.UidMap = Terminating(() => IdMapArgument.Convert(UidMap, nameof(UidMap)));
        if (GidMap is not null)
            spec.GidMap = Terminating(() => IdMapArgument.Convert(GidMap, nameof(GidMap)));
        if (bound.ContainsKey(nameof(HostIdCount)))
            spec.HostIdCount = HostIdCount;
        if (IdMap is not null)
            spec.AutoIdMap = IdMap.Equals("Auto", StringComparison.OrdinalIgnoreCase)
                ? true
                : Terminating<bool>(() => throw new InvalidSpecException("InvalidIdMapMode", nameof(IdMap), IdMap, "Auto (or give -UidMap and -GidMap)"));
        if (Bind is not null)
            spec.Binds = Terminating(() => BindArgument.Convert(this, Bind, nameof(Bind)));
        if (bound.ContainsKey(nameof(WriteFakeSize)))
            spec.WriteFakeSize = WriteFakeSize;
        if (bound.ContainsKey(nameof(User)))
            Arguments.Account(User, id => spec.User = id, name => spec.UserName = name);
        if (bound.ContainsKey(nameof(Group)))
            Arguments.Account(Group, id => spec.Group = id, name => spec.GroupName = name);
        if (Environment is not null)
            spec.Environment = Terminating(() => Arguments.Environment(Environment));
        if (Limit is not null)
            spec.Limits = Terminating(() => Arguments.Limits(Limit));
        return spec;
    }
}
