using System.Globalization;
using System.Text;

namespace UserNsContainer.Engine;

/// <summary>The container's /etc/passwd and /etc/group: root, nobody, and the container's user
/// and group, named after the host account the id maps to when the host knows it.</summary>
public static class Accounts
{
    public const uint Nobody = 65534;

    public static (string Passwd, string Group) Synthesize(ContainerSpec spec)
    {
        var passwd = new StringBuilder()
            .Append("root:x:0:0:root:/root:/bin/sh\n")
            .Append($"nobody:x:{Nobody}:{Nobody}:nobody:/nonexistent:/usr/sbin/nologin\n");
        var group = new StringBuilder()
            .Append("root:x:0:\n")
            .Append($"nogroup:x:{Nobody}:\n");
        if (spec.User is { } uid && uid != 0 && uid != Nobody)
        {
            var gid = spec.Group ?? 0;
            passwd.Append($"{UserName(spec, uid)}:x:{uid}:{gid}:{UserName(spec, uid)}:/:/bin/sh\n");
        }
        if (spec.Group is { } g && g != 0 && g != Nobody)
            group.Append($"{GroupName(spec, g)}:x:{g}:\n");
        return (passwd.ToString(), group.ToString());
    }

    /// <summary>The host's name for the id <paramref name="uid"/> maps to, else "user" + uid.</summary>
    public static string UserName(ContainerSpec spec, uint uid) =>
        HostAccounts.NameOf("/etc/passwd", IdMapRange.ToHost(spec.UidMap, uid)) is { } n && n != "root"
            ? n : "user" + uid.ToString(CultureInfo.InvariantCulture);

    public static string GroupName(ContainerSpec spec, uint gid) =>
        HostAccounts.NameOf("/etc/group", IdMapRange.ToHost(spec.GidMap, gid)) is { } n && n != "root"
            ? n : "group" + gid.ToString(CultureInfo.InvariantCulture);
}
