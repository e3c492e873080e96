using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using UserNsContainer.Engine;

namespace UserNsContainer.Commands;

/// <summary>
/// <para type="synopsis">Opens a PowerShell session (PSSession) inside a container: Invoke-Command, Enter-PSSession, Copy-Item -ToSession and implicit remoting work through it.</para>
/// </summary>
[Cmdlet(VerbsCommon.New, "UserNsContainerSession", SupportsShouldProcess = true, DefaultParameterSetName = NewContainer)]
[OutputType("System.Management.Automation.Runspaces.PSSession")]
public sealed class NewUserNsContainerSessionCommand : SpecCmdletBase, IDisposable
{
    private const string NewContainer = "New";
    private const string ByContainer = "Container";
    private const string ById = "ContainerId";
    private const string ByName = "ContainerName";

    /// <summary>What an entered server takes from the parameters of New-UserNsContainer.</summary>
    private static readonly HashSet<string> ForEnteredServer = new(StringComparer.OrdinalIgnoreCase)
    {
        nameof(Container), nameof(ContainerId), nameof(ContainerName), nameof(SessionName),
        nameof(User), nameof(Group), nameof(Environment), nameof(WorkingDirectory), nameof(Limit),
    };

    /// <summary>A running container to open the session in (from the pipeline too).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByContainer)]
    [ValidateNotNull]
    [HandleArgument]
    public ContainerHandle[] Container { get; set; } = Array.Empty<ContainerHandle>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ById)]
    [Alias("Id")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerIdCompleter))]
    public string[] ContainerId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerNameCompleter))]
    public string[] ContainerName { get; set; } = Array.Empty<string>();

    /// <summary>The session's name (Get-PSSession); default: the container's name.</summary>
    [Parameter]
    public string? SessionName { get; set; }

    private PowerShellInstall? _pwsh;

    protected override void BeginProcessing()
    {
        Terminating(() =>
        {
            SessionsAssembly.Check();
            if (Command is { Length: > 0 })
                throw new InvalidSpecException("SessionCommandNotAccepted", nameof(Command), string.Join(' ', Command),
                    "nothing: a session's container runs pwsh in server mode as its command (use New-UserNsContainer for a container with a command of its own, then open the session on it with -Container)");
            if (ParameterSetName != NewContainer && MyInvocation.BoundParameters.Keys.FirstOrDefault(p => !ForEnteredServer.Contains(p) && !CommonParameters.Contains(p) && !OptionalCommonParameters.Contains(p)) is { } other)
                throw new InvalidSpecException("SessionParameterNotApplicable", other, MyInvocation.BoundParameters[other],
                    $"no value with -{ParameterSetName}: the container exists already; a server entered into it takes only -User, -Group, -Environment, -WorkingDirectory and -Limit");
            _pwsh = PowerShellInstall.OfThisProcess(SessionState.PSVariable.GetValue("PSHOME") as string ?? "");
            return true;
        });
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByContainer:
                foreach (var c in Container)
                    InExisting(Engine.FindById(c.Id), c.Id, c.Name);
                break;
            case ById:
                foreach (var id in ContainerId)
                    InExisting(Engine.FindById(id), id, null);
                break;
            case ByName:
                foreach (var name in ContainerName)
                    InExisting(Engine.FindByName(name), null, name);
                break;
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == NewContainer)
        {
            var spec = BuildSpec();
            if (!ShouldProcess(spec.Name ?? "new container", "Create a container running a PowerShell session server"))
                return;
            _servers.Add(Terminating(() => SessionServer.InNewContainer(Engine, spec, _pwsh!)));
        }
        if (_servers.Count > 0)
            OpenAll(terminating: ParameterSetName == NewContainer);
    }

    /// <summary>Servers started for the containers of the pipeline: their sessions open together
    /// at the end, so opening N takes about as long as opening one.</summary>
    private readonly List<SessionServer> _servers = new();

    private void InExisting(ContainerHandle? container, string? id, string? name)
    {
        if (container is null)
        {
            WriteError(ToErrorRecord(ContainerCmdletBase.NotFound(id, name)));
            return;
        }
        if (!ShouldProcess($"{container.Name} ({container.Id})", "Start a PowerShell session server in the container"))
            return;
        NonTerminating(() =>
        {
            var process = new ContainerSpec { WorkingDirectory = WorkingDirectory };
            Arguments.EnteredProcess(process, MyInvocation.BoundParameters, User, Group, Environment, Limit);
            _servers.Add(SessionServer.InContainer(Engine, container, _pwsh!, process));
        });
    }

    /// <summary>The PSSessions over the started servers; a server whose session did not open is ended.</summary>
    private void OpenAll(bool terminating)
    {
        var servers = _servers.ToArray();
        _servers.Clear();
        var names = servers.Select(s => (string?)(SessionName ?? s.Container.Name)).ToArray();
        var results = SessionsAssembly.OpenAll(this, servers, names);
        for (int i = 0; i < servers.Length; i++)
        {
            if (results[i] is not Exception e)
            {
                WriteObject(results[i]);
                continue;
            }
            var failure = new UserNsContainerException("SessionOpenFailed", FailureKind.InvalidOperation,
                $"The session in container '{servers[i].Container.Name}' did not open: {e.Message}", servers[i].Container.Name,
                "Read the reason above; Enter-ContainerNamespace with the same container shows whether pwsh runs in it.", e);
            if (terminating)
                ThrowTerminatingError(ToErrorRecord(failure));
            WriteError(ToErrorRecord(failure));
        }
    }

    /// <summary>Ctrl+C or a failure before the sessions opened: the servers started so far end.</summary>
    public void Dispose()
    {
        foreach (var server in _servers)
            server.Dispose();
        _servers.Clear();
    }
}
