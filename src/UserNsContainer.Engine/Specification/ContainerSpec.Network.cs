using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using UserNsContainer.Engine.Native;

namespace UserNsContainer.Engine;

/// <summary>The network: none (loopback only), the host's, or a private one joined to the
/// outside by pasta, with published ports and the resolvers the container can reach.</summary>
public sealed partial class ContainerSpec
{
    /// <summary>null: from -Namespace (net in it: None; else Host).</summary>
    public NetworkMode? Network { get; set; }
    /// <summary>-Namespace was given: a -Network that contradicts it is an error, not a change.</summary>
    public bool NamespacesGiven { get; set; }
    /// <summary>-Publish values as given; parsed into <see cref="Ports"/>.</summary>
    public List<string> Publish { get; set; } = new();
    /// <summary>Resolvers for the container's /etc/resolv.conf instead of the host's.</summary>
    public string[]? Dns { get; set; }
    /// <summary>The gateway address reaches the host's loopback (pasta maps it).</summary>
    public bool AllowHostLoopback { get; set; }

    /// <summary>Published ports, checked.</summary>
    public PortMapping[] Ports { get; private set; } = Array.Empty<PortMapping>();
    /// <summary>Things the user should know that do not stop the container (resolvers left out).</summary>
    public List<string> Warnings { get; } = new();
    /// <summary>The pasta that joins a private network to the outside.</summary>
    internal string? Pasta { get; private set; }
    /// <summary>The private network's /etc/resolv.conf (null: the container keeps what it has).</summary>
    internal string? ResolvConfText { get; private set; }

    /// <summary>The device pasta makes the container's interface with (a test points it elsewhere).</summary>
    internal static string TunDevice { get; set; } = "/dev/net/tun";

    private void ValidateNetwork()
    {
        bool hasNet = Namespaces.HasFlag(NamespaceSet.Net);
        var names = string.Join(",", UserNsContainer.Engine.Namespaces.ToNames(Namespaces));
        switch (Network)
        {
            case null:
                Network = hasNet ? NetworkMode.None : NetworkMode.Host;
                break;
            case NetworkMode.Host when NamespacesGiven && hasNet:
                throw new InvalidSpecException("NetworkConflict", "Network", "Host",
                    $"-Network Host shares the host's network, and -Namespace {names} asks for a network namespace of its own: drop 'net' from -Namespace or choose -Network None or Private");
            case NetworkMode.Host:
                Namespaces &= ~NamespaceSet.Net;
                break;
            case NetworkMode.None or NetworkMode.Private when NamespacesGiven && !hasNet:
                throw new InvalidSpecException("NetworkConflict", "Network", Network,
                    $"-Network {Network} needs a network namespace, and -Namespace {names} leaves 'net' out: add it, or choose -Network Host");
            default:
                Namespaces |= NamespaceSet.Net;
                break;
        }
        if (Network != NetworkMode.Private)
        {
            var (parameter, value) = Publish.Count > 0 ? ("Publish", (object?)Publish[0]) : Dns is not null ? ("Dns", string.Join(",", Dns)) : AllowHostLoopback ? ("AllowHostLoopback", true) : ("", null);
            if (parameter.Length > 0)
                throw new InvalidSpecException("NetworkOptionNeedsPrivate", parameter, value,
                    $"-{parameter} applies to a private network: add -Network Private (this container's network is {Network})");
            return;
        }
        if (!Namespaces.HasFlag(NamespaceSet.Mnt))
            throw new InvalidSpecException("PrivateNetworkNeedsMountNamespace", "Namespace", names,
                "-Network Private needs the mnt namespace as well (the container gets its own /etc/resolv.conf): add 'mnt' to -Namespace");
        Ports = ParsePorts(Publish);
        if (Dns is not null)
            foreach (var d in Dns)
                if (d is null || !IPAddress.TryParse(d, out var ip) || d.Contains('%') || (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && d.Split('.').Length != 4))
                    throw new InvalidSpecException("InvalidDns", "Dns", d, "IPv4 or IPv6 addresses of resolvers, such as 9.9.9.9 or 2620:fe::fe");
        Pasta = IdMapWriter.FindTool("pasta")
            ?? throw new UserNsContainerException("PastaMissing", FailureKind.NotInstalled,
                "-Network Private joins the container to the network with pasta, which is not on PATH.", "pasta",
                "Install it: apt-get install passt (Debian, Ubuntu), dnf install passt (Fedora); or use -Network None or Host.");
        if (!File.Exists(TunDevice) || !Libc.CanReadWrite(TunDevice))
            throw new UserNsContainerException("TunUnavailable", FailureKind.PermissionDenied,
                $"-Network Private needs {TunDevice}, which is {(File.Exists(TunDevice) ? "not open to you (read and write)" : "missing")}: pasta makes the container's interface with it.",
                TunDevice, "As root: modprobe tun, and chmod 666 /dev/net/tun (its usual mode on most distributions); or use -Network None or Host.");
        var (text, warnings) = ResolvConf.Build(ResolvConf.ReadHost(), Dns, AllowHostLoopback, ResolvConf.HostGateway());
        ResolvConfText = text;
        Warnings.AddRange(warnings);
    }

    private static PortMapping[] ParsePorts(IEnumerable<string> values)
    {
        var ports = values.Select(PortMapping.Parse).ToArray();
        var clash = ports.GroupBy(p => (p.HostAddress, p.HostPort, p.Protocol)).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new InvalidSpecException("PublishConflict", "Publish", clash.First().ToString(),
                $"each host address, port and protocol at most once; {clash.Key.HostAddress} port {clash.Key.HostPort}/{clash.Key.Protocol} is published {clash.Count()} times");
        return ports;
    }
}
