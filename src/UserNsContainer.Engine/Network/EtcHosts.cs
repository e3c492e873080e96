using System;
using System.IO;
using System.Linq;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>The /etc/hosts of a container with a host name of its own (a uts namespace): the
/// name resolves, on the loopback, as podman's and Docker's do (CPython's socket tests and many
/// servers look their own name up). On the host's root the host's other entries are kept; an
/// image's own file is never read (it may be a symlink to anywhere on the host).</summary>
internal static class EtcHosts
{
    /// <summary>Host entries kept at most (a blocklist-sized hosts file would not fit a plan record).</summary>
    private const int MaxHostText = 16 * 1024;

    public static string Build(string hostname, string? hostText)
    {
        var text = new StringBuilder("# written by UserNsContainer: the container's host name on its loopback\n");
        text.Append("127.0.0.1\tlocalhost\n");
        text.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        var shortName = hostname.Split('.')[0];
        text.Append("127.0.1.1\t").Append(hostname).Append(shortName != hostname ? "\t" + shortName : "").Append('\n');
        if (hostText is { Length: > 0 and <= MaxHostText })
        {
            text.Append("# the host's entries\n");
            foreach (var line in hostText.Split('\n').Select(l => l.TrimEnd('\r')))
            {
                var address = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
                if (address is null || address.StartsWith('#') || address is "127.0.0.1" or "::1" or "127.0.1.1")
                    continue; // the loopback names are the container's own
                text.Append(line).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>The host's /etc/hosts ("" when missing or unreadable).</summary>
    public static string ReadHost()
    {
        try
        {
            return File.ReadAllText("/etc/hosts");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
