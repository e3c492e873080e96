using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using Xunit;

namespace UserNsContainer.Tests;

/// <summary>
/// Images made with the field's own tools from the busybox test root, as a user would make
/// them: an OCI layout (umoci init, new, unpack --rootless, repack, config) with the tags
/// latest (Env GREETING=hello, a Cmd, WorkingDir /srv, User 1000:1000), plain (no User) and
/// foreign (another architecture); a docker-archive of latest (skopeo copy); and two
/// docker-registry instances on free ports of 127.0.0.1, one open and one behind a password,
/// each holding latest as busybox:test. Run by whoever runs the tests, in a private scratch
/// directory; the registries are stopped by pid at the end.
/// </summary>
public sealed class OciImageFixture : IDisposable
{
    public const string User = "usnc";
    public const string Password = "s3cret-pw";
    // bcrypt of Password (docker-registry's htpasswd takes only bcrypt; no tool here makes one)
    private const string PasswordHash = "$2b$12$PBhyb200b21NpCFGMcxUducHacU1EXQAdsS4iDXlIIkmv1f/rH3jS";

    public readonly string Dir = "";
    public readonly string Layout = "";
    public readonly string Archive = "";
    public int Port { get; }
    public int AuthPort { get; }
    private readonly List<Process> _registries = new();

    /// <summary>This machine's architecture and one it is not, as OCI names them.</summary>
    public static string Arch => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64";
    public static string OtherArch => Arch == "arm64" ? "amd64" : "arm64";

    public OciImageFixture()
    {
        if (ImageFactAttribute.Missing() is not null || !Busybox.Available)
            return; // the tests are skipped, saying why
        Dir = Path.Combine(TestHost.Scratch, "oci-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Dir);
        Layout = Path.Combine(Dir, "layout");
        Archive = Path.Combine(Dir, "busybox.tar");
        try
        {
            MakeLayout(Dir, Layout);
            Tool("skopeo", "copy", $"oci:{Layout}:latest", $"docker-archive:{Archive}:busybox:archived");
            Port = StartRegistry("open", auth: false);
            AuthPort = StartRegistry("auth", auth: true);
            Tool("skopeo", "copy", "--dest-tls-verify=false", $"oci:{Layout}:latest", $"docker://127.0.0.1:{Port}/busybox:test");
            Tool("skopeo", "copy", "--dest-tls-verify=false", $"oci:{Layout}:plain", $"docker://127.0.0.1:{Port}/busybox:plain");
            Tool("skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", $"{User}:{Password}", $"oci:{Layout}:latest", $"docker://127.0.0.1:{AuthPort}/busybox:test");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The OCI layout at <paramref name="layout"/>, with the tags latest, plain and
    /// foreign, made with umoci from the busybox root (work files under <paramref name="dir"/>).</summary>
    public static void MakeLayout(string dir, string layout)
    {
        var bundle = Path.Combine(dir, "bundle-" + Guid.NewGuid().ToString("N")[..8]);
        Tool("umoci", "init", "--layout", layout);
        Tool("umoci", "new", "--image", layout + ":base");
        Tool("umoci", "unpack", "--rootless", "--image", layout + ":base", bundle);
        Tool("cp", "-a", Busybox.RootFs + "/.", Path.Combine(bundle, "rootfs"));
        Directory.CreateDirectory(Path.Combine(bundle, "rootfs", "srv"));
        File.WriteAllText(Path.Combine(bundle, "rootfs", "srv", "marker"), "from-image\n");
        Tool("umoci", "repack", "--image", layout + ":base", bundle);
        Tool("umoci", "config", "--image", layout + ":base", "--tag", "latest", "--architecture", Arch, "--os", "linux",
            "--config.env", "GREETING=hello", "--config.env", "PATH=/bin",
            "--config.cmd", "sh", "--config.cmd", "-c", "--config.cmd", "echo \"image-cmd in $(pwd) as $(id -u):$(id -g) says $GREETING\"",
            "--config.workingdir", "/srv", "--config.user", "1000:1000");
        Tool("umoci", "config", "--image", layout + ":base", "--tag", "plain", "--architecture", Arch, "--os", "linux",
            "--config.env", "GREETING=plain", "--config.cmd", "cat", "--config.cmd", "/srv/marker");
        Tool("umoci", "config", "--image", layout + ":base", "--tag", "foreign", "--architecture", OtherArch, "--os", "linux");
    }

    /// <summary>A docker-registry on a free port, its storage and configuration in the scratch directory.</summary>
    private int StartRegistry(string name, bool auth)
    {
        int port = FreePort();
        var config = Path.Combine(Dir, $"registry-{name}.yml");
        var htpasswd = Path.Combine(Dir, "htpasswd");
        File.WriteAllText(htpasswd, $"{User}:{PasswordHash}\n");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(Dir, "registry-" + name)}
            {(auth ? $"auth:\n  htpasswd:\n    realm: usnc\n    path: {htpasswd}" : "")}
            http:
              addr: 127.0.0.1:{port}

            """);
        var p = Daemons.Start(new ProcessStartInfo("docker-registry", new[] { "serve", config }));
        _registries.Add(p);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return port;
            }
            catch (SocketException)
            {
                if (p.HasExited)
                    throw new InvalidOperationException($"docker-registry exited with {p.ExitCode}");
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException("docker-registry did not listen on port " + port);
    }

    public static int FreePort() => Daemons.FreePort();

    /// <summary>Runs a tool to its end; its standard output, or a failure with both streams.</summary>
    public static string Tool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {p.ExitCode}: {output} {err.Result}");
        return output;
    }

    public void Dispose()
    {
        foreach (var p in _registries)
        {
            Daemons.Stop(p);
        }
        // its own files go with it: the run's scratch directory is deleted at exit, when a
        // slow delete of many classes' files may be cut short
        if (Dir.Length > 0 && Directory.Exists(Dir))
            Engine.Images.Tree.Delete(Dir);
    }
}

/// <summary>A fact that needs skopeo, umoci and docker-registry; .ci/run installs them.</summary>
public sealed class ImageFactAttribute : FactAttribute
{
    public ImageFactAttribute()
    {
        if (Missing() is { } f)
            Skip = $"{f} is missing: apt-get install skopeo umoci docker-registry (.ci/run does)";
        else if (!Busybox.Available)
            Skip = "busybox-static is missing: apt-get install busybox-static (.ci/run does)";
    }

    internal static string? Missing() =>
        new[] { "/usr/bin/skopeo", "/usr/bin/umoci", "/usr/bin/docker-registry" }.FirstOrDefault(f => !File.Exists(f));
}

/// <summary>A test with an image store of its own (USERNSCONTAINER_IMAGE_DIR, under the run's
/// scratch directory), so that it counts only the images it made.</summary>
public abstract class OwnImageStoreTest : ContainerTest
{
    protected readonly string StoreDir = Path.Combine(TestHost.Scratch, "images-" + Guid.NewGuid().ToString("N")[..8]);

    protected OwnImageStoreTest() => Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", StoreDir);

    public override void Dispose()
    {
        Environment.SetEnvironmentVariable("USERNSCONTAINER_IMAGE_DIR", null);
        base.Dispose();
    }
}
