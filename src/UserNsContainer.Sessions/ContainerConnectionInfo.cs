using System;
using System.Management.Automation;
using System.Management.Automation.Internal;
using System.Management.Automation.Remoting.Client;
using System.Management.Automation.Runspaces;
using UserNsContainer.Engine;

namespace UserNsContainer.Sessions;

/// <summary>Where a container session connects: a server already started in a container
/// (the transport takes its streams). ComputerName is the container's name, which
/// Get-PSSession and Enter-PSSession's prompt show.</summary>
public sealed class ContainerConnectionInfo : RunspaceConnectionInfo
{
    private readonly SessionServer _server;

    internal ContainerConnectionInfo(SessionServer server)
    {
        _server = server;
        ComputerName = server.Container.Name;
    }

    public override string ComputerName { get; set; }
    public override PSCredential? Credential { get => null; set => throw new NotSupportedException("A container session has no credential: it runs as the container's user."); }
    public override AuthenticationMechanism AuthenticationMechanism { get => AuthenticationMechanism.Default; set => throw new NotSupportedException("A container session has no authentication."); }
    public override string? CertificateThumbprint { get => null; set => throw new NotSupportedException("A container session has no certificate."); }

    /// <summary>The container's Id.</summary>
    public string ContainerId => _server.Container.Id;

    internal SessionServer Server => _server;

    public override RunspaceConnectionInfo Clone() => new ContainerConnectionInfo(_server) { ComputerName = ComputerName };

    public override BaseClientSessionTransportManager CreateClientSessionTransportManager(Guid instanceId, string sessionName, PSRemotingCryptoHelper cryptoHelper) =>
        new ContainerTransport(_server, instanceId, cryptoHelper);
}
