using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>The /etc/resolv.conf of a container with a private network: resolvers it can
/// reach. The host's own are kept, except those on the host's loopback, which a private
/// network namespace cannot reach (its 127.0.0.1 is its own); with -AllowHostLoopback the
/// host's 127.0.0.1 is reached through the gateway address, which pasta maps to it.</summary>
internal static class ResolvConf
{
    /// <summary>The file's text, and warnings for resolvers left out.</summary>
    public static (string Text, List<string> Warnings) Build(string hostText, string[]? dns, bool allowHostLoopback, IPAddress? gateway)
    {
        var warnings = new List<string>();
        var lines = hostText.Split('\n').Select(l => l.Trim()).ToList();
        var given = dns ?? lines.Where(l => Keyword(l) == "nameserver").Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "").ToArray();
        var servers = new List<string>();
        foreach (var server in given)
        {
            if (!IPAddress.TryParse(server, out var ip))
                continue;
            if (!IPAddress.IsLoopback(ip))
                servers.Add(ip.ToString());
            else if (allowHostLoopback && gateway is not null && ip.Equals(IPAddress.Loopback))
                servers.Add(gateway.ToString());
            else
                warnings.Add(allowHostLoopback
                    ? $"The resolver {ip} is on the host's loopback, and only 127.0.0.1 is reachable from a private network (through the gateway address {gateway?.ToString() ?? "(the host has no IPv4 default route)"}): it is left out of the container's /etc/resolv.conf."
                    : $"The resolver {ip} is on the host's loopback, which a private network cannot reach: it is left out of the container's /etc/resolv.conf. Give -Dns with a resolver the container can reach, or -AllowHostLoopback for one on the host's 127.0.0.1.");
        }
        if (servers.Count == 0)
            warnings.Add("The container has no DNS resolver it can reach: name lookups inside will fail. Give -Dns ADDRESS.");
        var text = new StringBuilder("# written by UserNsContainer for -Network Private\n");
        foreach (var line in lines.Where(l => Keyword(l) is "search" or "domain" or "options"))
            text.Append(line).Append('\n');
        foreach (var s in servers.Distinct(StringComparer.Ordinal))
            text.Append("nameserver ").Append(s).Append('\n');
        return (text.ToString(), warnings);
    }

    private static string Keyword(string line) =>
        line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";

    /// <summary>The host's resolv.conf as text ("" when it is missing or unreadable).</summary>
    public static string ReadHost()
    {
        try
        {
            return File.ReadAllText("/etc/resolv.conf");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The host's IPv4 default gateway (/proc/net/route), which pasta gives the container.</summary>
    public static IPAddress? HostGateway()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/net/route").Skip(1))
            {
                var f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (f.Length > 2 && f[1] == "00000000" && uint.TryParse(f[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var gw) && gw != 0)
                    return new IPAddress(gw); // little-endian, as the kernel prints it on this machine kind
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
