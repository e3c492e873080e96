using System;
using System.Collections;
using System.Management.Automation;
using UserNsContainer.Engine;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Commands;

/// <summary>What Enter-ContainerNamespace -PassThru reports.</summary>
public sealed class EnterResult
{
    public string? Container { get; init; }
    public int TargetPid { get; init; }
    public string[] Joined { get; init; } = Array.Empty<string>();
    public string[] Command { get; init; } = Array.Empty<string>();
    public int? ExitCode { get; init; }
    public int? Signal { get; init; }
}

/// <summary>
/// <para type="synopsis">Runs a command inside a running container's namespaces (like nsenter or docker exec).</para>
/// </summary>
[Cmdlet(VerbsCommon.Enter, "ContainerNamespace", SupportsShouldProcess = true, DefaultParameterSetName = ByContainer)]
[OutputType(typeof(string), typeof(EnterResult))]
public sealed class EnterContainerNamespaceCommand : ContainerCmdletBase
{
    private const string ByProcess = "ProcessId";
    private static readonly string[] DefaultShell = { "/bin/sh" };

    /// <summary>Any process whose namespaces you may join (yours, or any as root).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ByProcess)]
    [ValidateRange(1, int.MaxValue)]
    public int ProcessId { get; set; }

    [Parameter(Position = 1, ValueFromRemainingArguments = true)]
    [AllowEmptyCollection]
    public string[]? Command { get; set; }

    /// <summary>Namespaces to join (user is always joined); default: all the target has.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string[]? Namespace { get; set; }

    [Parameter]
    public string User { get; set; } = "";

    [Parameter]
    public string Group { get; set; } = "";

    [Parameter]
    public string? WorkingDirectory { get; set; }

    [Parameter]
    public Hashtable? Environment { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Interactive { get; set; }

    /// <summary>Default: the entered process runs under the default seccomp filter; Unconfined: no filter.</summary>
    [Parameter]
    public SeccompMode Seccomp { get; set; }

    /// <summary>Resource limits of the entered process, as for New-UserNsContainer -Limit.</summary>
    [Parameter]
    public Hashtable? Limit { get; set; }

    protected override void BeginProcessing()
    {
        if (Command is { Length: 0 } || (Command is { Length: > 0 } && string.IsNullOrEmpty(Command[0])))
            ThrowTerminatingError(ToErrorRecord(new InvalidSpecException("EmptyCommand", nameof(Command), "",
                "a program to run, then its arguments, such as -Command /bin/sh, -c, 'echo hi'")));
        if (Namespace is not null)
            Terminating(() => Namespaces.Parse(Namespace));
        if (Limit is not null)
            Terminating(() => Arguments.Limits(Limit));
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByProcess)
            NonTerminating(() => Run(new EnterRequest { TargetPid = ProcessId }));
        else
            base.ProcessRecord();
    }

    protected override void ProcessContainer(ContainerHandle container)
    {
        Engine.Refresh(container);
        if (container.State != ContainerState.Running)
            throw new UserNsContainerException("ContainerNotRunning", FailureKind.InvalidOperation,
                $"Container '{container.Name}' is {container.State}; only a running container can be entered.", container,
                container.State == ContainerState.Created ? "Start it first with Start-UserNsContainer." : "Create a new container.");
        Run(new EnterRequest { TargetPid = container.Pid, TargetStartTime = container.PidStartTime, ContainerName = container.Name, Container = container });
    }

    private void Run(EnterRequest request)
    {
        var spec = new ContainerSpec
        {
            Command = Command ?? DefaultShell,
            WorkingDirectory = WorkingDirectory,
            Seccomp = Seccomp,
        };
        var bound = MyInvocation.BoundParameters;
        Arguments.EnteredProcess(spec, bound, User, Group, null, null);
        if (Environment is not null)
            spec.Environment = Terminating(() => Arguments.Environment(Environment));
        if (Limit is not null)
            spec.Limits = Terminating(() => Arguments.Limits(Limit));
        request.Process = spec;
        request.Namespaces = Namespace;
        var target = request.ContainerName is null ? $"process {request.TargetPid}" : $"{request.ContainerName} (pid {request.TargetPid})";
        if (!ShouldProcess(target, $"Run '{string.Join(' ', spec.Command)}' in its namespaces"))
            return;
        bool terminal = ForegroundOutput.UseTerminal(this, bound.ContainsKey(nameof(Interactive)), Interactive, Command is not null);
        using var entered = Engine.Enter(request, terminal ? StdioMode.Inherit : StdioMode.Capture);
        var exit = ForegroundRun.Without(this, entered.OpenIo, terminal, spec.Command[0], entered.ProcessId, Cancel);
        if (Cancel.IsCancellationRequested)
            throw new PipelineStoppedException();
        if (PassThru)
            WriteObject(new EnterResult
            {
                Container = request.ContainerName,
                TargetPid = request.TargetPid,
                Joined = entered.Joined,
                Command = spec.Command,
                ExitCode = exit?.ExitCode,
                Signal = exit?.Signal,
            });
    }
}
