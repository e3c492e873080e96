using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>What pasta is told for a private network. The helper adds only what its own
/// mechanism needs (-f, -P and the init's pid).</summary>
internal static class PastaArguments
{
    public static IEnumerable<string> For(ContainerSpec spec, string log)
    {
        // the interface, addresses and routes made in the namespace before the pid file is
        // written; the log in the state directory (without -l it wants /dev/log); run as the
        // caller, also for root (pasta would switch to nobody, who cannot join root's namespaces)
        var args = new List<string>
        {
            "--config-net", "-l", log,
            "--runas", $"{ContainerEngine.CallerUid.ToString(CultureInfo.InvariantCulture)}:{ContainerEngine.CallerGid.ToString(CultureInfo.InvariantCulture)}",
        };
        Forward(args, "-t", spec.Ports.Where(p => p.Protocol == "tcp"));
        Forward(args, "-u", spec.Ports.Where(p => p.Protocol == "udp"));
        // nothing from inside onto the host's loopback ports (pasta's default re-binds them all)
        args.AddRange(new[] { "-T", "none", "-U", "none" });
        if (!spec.AllowHostLoopback)
            args.Add("--no-map-gw"); // else the gateway address is the host's 127.0.0.1
        return args;
    }

    /// <summary>Only what was published, on the address given (pasta's default: every port the
    /// container listens on, on every host address).</summary>
    private static void Forward(List<string> args, string option, IEnumerable<PortMapping> ports)
    {
        var list = ports.ToList();
        if (list.Count == 0)
            args.AddRange(new[] { option, "none" });
        foreach (var p in list)
            args.AddRange(new[] { option, p.PastaSpec });
    }
}
