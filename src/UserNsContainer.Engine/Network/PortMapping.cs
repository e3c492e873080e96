using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace UserNsContainer.Engine;

/// <summary>A published port (-Publish): a port of the host, on one of its addresses,
/// forwarded to a port inside the container.</summary>
public sealed record PortMapping(string HostAddress, int HostPort, int ContainerPort, string Protocol)
{
    /// <summary>The form -Publish takes, for messages.</summary>
    public const string Accepted =
        "'[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|/udp]' with ports 1 to 65535, such as '8080:80', '127.0.0.1:8080:80/tcp' " +
        "or '[::1]:5353:53/udp'; the host address defaults to 127.0.0.1";

    /// <summary>Parses one -Publish value; throws <see cref="InvalidSpecException"/> naming it.</summary>
    public static PortMapping Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || ContainerSpec.HasControlCharacter(text))
            throw Invalid(text);
        var protocol = "tcp";
        var rest = text;
        int slash = rest.LastIndexOf('/');
        if (slash >= 0)
        {
            protocol = rest[(slash + 1)..].ToLowerInvariant();
            rest = rest[..slash];
            if (protocol is not ("tcp" or "udp"))
                throw Invalid(text);
        }
        string address = "127.0.0.1";
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0)
                throw Invalid(text);
            address = rest[1..close];
            rest = rest[(close + 2)..];
            if (!IPAddress.TryParse(address, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6 || address.Contains('%'))
                throw Invalid(text);
            address = v6.ToString();
        }
        var parts = rest.Split(':');
        if (parts.Length == 3 && !text.StartsWith('['))
        {
            if (!IPAddress.TryParse(parts[0], out var v4) || v4.AddressFamily != AddressFamily.InterNetwork || parts[0].Split('.').Length != 4)
                throw Invalid(text);
            address = v4.ToString();
            parts = parts[1..];
        }
        if (parts.Length != 2 || Port(parts[0]) is not { } hostPort || Port(parts[1]) is not { } containerPort)
            throw Invalid(text);
        return new PortMapping(address, hostPort, containerPort, protocol);
    }

    private static int? Port(string s) =>
        s.Length is > 0 and <= 5 && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535 ? p : null;

    private static InvalidSpecException Invalid(string? text) => new InvalidSpecException("InvalidPublish", "Publish", text, Accepted);

    /// <summary>pasta's form: ADDRESS/HOSTPORT:CONTAINERPORT.</summary>
    internal string PastaSpec => $"{HostAddress}/{HostPort}:{ContainerPort}";

    /// <summary>As podman shows it: 127.0.0.1:8080->80/tcp.</summary>
    public override string ToString() =>
        $"{(HostAddress.Contains(':') ? $"[{HostAddress}]" : HostAddress)}:{HostPort}->{ContainerPort}/{Protocol}";
}
