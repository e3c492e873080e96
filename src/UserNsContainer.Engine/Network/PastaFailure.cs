using System;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>Why pasta could not join a container to the network, from its own words (the
/// line of its log the helper sends), and what to change.</summary>
internal static class PastaFailure
{
    public static (string Id, string Cause, string? Fix) Explain(string said, ContainerSpec spec)
    {
        var words = $"pasta could not join the container to the network: {said.TrimEnd('.')}.";
        bool has(string s) => said.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (has("/dev/net/tun") || has("tun"))
            return ("TunUnavailable", words,
                "As root: modprobe tun, and chmod 666 /dev/net/tun (its usual mode on most distributions); or use -Network None or Host.");
        if (has("in use") || has("bind") && spec.Ports.Length > 0)
            return ("PublishedPortUnavailable", words,
                $"Publish on a free host port: something else holds one of {string.Join(", ", spec.Ports.Select(p => p.ToString()))}" +
                (ContainerEngine.CallerUid != 0 && spec.Ports.Any(p => p.HostPort < 1024) ? ", and ports below 1024 need root on the host" : "") + ".");
        if (has("route") || has("interface") || has("template"))
            return ("HostNetworkUnusable", words,
                "pasta copies the host's addresses and default route: give the host a default route (ip route), or use -Network None or Host.");
        if (has("did not configure"))
            return ("NetworkSetupTimeout", words, "Run it again with -Verbose to see pasta's whole log.");
        return ("NetworkSetupFailed", words, "Run it again with -Verbose to see pasta's whole log; or use -Network None or Host.");
    }
}
