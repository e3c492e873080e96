// Network: None, Host or Private (pasta), published ports, resolv.conf, pasta's failures.
namespace UserNsContainer.Engine;

/// <summary>How a container reaches the network.</summary>
public enum NetworkMode
{
    /// <summary>Its own network namespace with only a loopback interface.</summary>
    None,
    /// <summary>The host's network (no network namespace of its own).</summary>
    Host,
    /// <summary>Its own network namespace joined to the outside by pasta: outbound NAT and published ports.</summary>
    Private,
}
