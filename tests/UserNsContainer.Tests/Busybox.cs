using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>A root file system made on the fly from busybox-static: /bin with busybox and its
/// applet links, the usual mount points, and a marker file.</summary>
public static class Busybox
{
    public const string Binary = "/bin/busybox";
    private static readonly Lazy<string> Root = new(Make);

    public static bool Available => File.Exists(Binary) && IsStatic(Binary);

    public static string RootFs => Root.Value;

    private static bool IsStatic(string path)
    {
        var psi = new ProcessStartInfo("ldd", path) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return text.Contains("not a dynamic executable", StringComparison.Ordinal);
    }

    /// <summary>A private, writable copy of the busybox root (for -Writable tests).</summary>
    public static string Copy(string name)
    {
        var dest = Path.Combine(TestHost.Scratch, name);
        var psi = new ProcessStartInfo("cp", new[] { "-a", RootFs, dest });
        using (var p = Process.Start(psi)!)
            p.WaitForExit();
        return dest;
    }

    private static string Make()
    {
        var root = Path.Combine(TestHost.Scratch, "busybox-root");
        foreach (var d in new[] { "bin", "proc", "dev", "tmp", "sys", "run", "etc", "root" })
            Directory.CreateDirectory(Path.Combine(root, d));
        File.Copy(Binary, Path.Combine(root, "bin", "busybox"));
        var psi = new ProcessStartInfo(Binary, "--list") { RedirectStandardOutput = true };
        using (var p = Process.Start(psi)!)
        {
            foreach (var applet in p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                if (applet != "busybox")
                    File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "/bin/busybox");
            p.WaitForExit();
        }
        File.WriteAllText(Path.Combine(root, "etc", "marker"), "busybox-root\n");
        return root;
    }
}

/// <summary>A fact that needs busybox-static; .ci/run installs it, so CI always runs these.</summary>
public sealed class BusyboxFactAttribute : FactAttribute
{
    public BusyboxFactAttribute()
    {
        if (!Busybox.Available)
            Skip = "needs a static busybox at /bin/busybox (apt-get install busybox-static; .ci/run installs it)";
    }
}

/// <summary>A fact about what an ordinary user may not do; as root the kernel allows it, so
/// the test would prove nothing. .ci/run runs the suite as an unprivileged user too.</summary>
public sealed class UnprivilegedFactAttribute : FactAttribute
{
    public UnprivilegedFactAttribute()
    {
        if (Engine.ContainerEngine.CallerUid == 0)
            Skip = "meaningful only for an unprivileged caller (root may write any image); .ci/run runs it as the unprivileged user";
    }
}

/// <summary>A fact that needs root's privilege (over host filesystems, or to act as another
/// user). .ci/run runs the suite as root too, so CI always runs these.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute(string why)
    {
        if (Engine.ContainerEngine.CallerUid != 0)
            Skip = $"needs root ({why}); .ci/run runs it in its root pass";
    }
}
