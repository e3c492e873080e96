using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;

namespace UserNsContainer.Engine.Images;

/// <summary>Runs skopeo and umoci: found on PATH, standard output read line by line on the
/// calling thread (progress and -Verbose come from it), standard error kept for the error
/// message, killed when the caller cancels (Ctrl+C).</summary>
internal static class Tools
{
    public static string Find(string tool)
    {
        if (IdMapWriter.FindTool(tool) is { } path && Native.Libc.CanExecute(path))
            return path;
        throw new UserNsContainerException("ImageToolMissing", FailureKind.NotInstalled,
            $"{tool} is not installed (or not on PATH): images are copied with skopeo and unpacked with umoci.", tool,
            $"Install it: apt-get install {tool} (Debian, Ubuntu), dnf install {tool} (Fedora).");
    }

    public static void Run(string file, IEnumerable<string> args, Action<string> onLine, CancellationToken cancel,
        Func<string, UserNsContainerException> failure)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stderr = new StringBuilder();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (stderr)
                    stderr.AppendLine(e.Data);
        };
        p.BeginErrorReadLine();
        using var kill = cancel.Register(() =>
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        });
        string? line;
        while ((line = p.StandardOutput.ReadLine()) is not null)
            if (line.Length > 0)
                onLine(line);
        p.WaitForExit();
        cancel.ThrowIfCancellationRequested();
        string err;
        lock (stderr)
            err = stderr.ToString();
        foreach (var l in err.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            onLine(l.TrimEnd('\r'));
        if (p.ExitCode != 0)
            throw failure(err);
    }

    /// <summary>What skopeo prints, as -Verbose lines and progress: each blob copied moves the
    /// bar on by 10, up to <paramref name="maxPercent"/>.</summary>
    public static Action<string> SkopeoProgress(Action<string> verbose, Action<ImportProgress> progress, int maxPercent)
    {
        int blobs = 0;
        return line =>
        {
            verbose("skopeo: " + line);
            if (line.StartsWith("Copying blob", StringComparison.Ordinal))
                blobs++;
            progress(new ImportProgress("Copying", line, Math.Min(maxPercent, 10 + 10 * blobs)));
        };
    }

    /// <summary>skopeo's credentials as a registry auth file, 0600 in a private 0700 work
    /// directory: never on a command line (ps shows those to everyone), deleted with it.</summary>
    public static string WriteAuthFile(string work, string registry, string user, string? password)
    {
        var path = Path.Combine(work, "auth.json");
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        using var fs = StateStore.CreatePrivate(path, FileMode.CreateNew);
        System.Text.Json.JsonSerializer.Serialize(fs, new { auths = new Dictionary<string, object> { [registry] = new { auth = token } } });
        return path;
    }

    /// <summary>The last non-empty line, with logrus' time="..." level=... msg="..." unwrapped.</summary>
    public static string LastLine(string text) => Untrusted.Escape(LastLineRaw(text));

    private static string LastLineRaw(string text)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "(no message)";
        var msg = line.IndexOf("msg=\"", StringComparison.Ordinal);
        if (msg >= 0)
        {
            line = line[(msg + 5)..];
            if (line.EndsWith('"'))
                line = line[..^1];
            line = line.Replace("\\\"", "\"");
        }
        return line;
    }
}

/// <summary>skopeo's failure, sorted by its own words into an ErrorId with a fix.</summary>
internal static class SkopeoFailure
{
    public static UserNsContainerException From(string stderr, ImageReference reference)
    {
        var reason = Tools.LastLine(stderr);
        var source = reference.Source;
        bool Has(params string[] words) => words.Any(w => reason.Contains(w, StringComparison.OrdinalIgnoreCase));
        if (Has("no space left on device"))
            return new UserNsContainerException("ImageDiskFull", FailureKind.ResourceUnavailable, $"Copying {source} ran out of disk space: {reason}", source,
                "Free space where the image store is (Remove-ContainerImage), or move it with USERNSCONTAINER_IMAGE_DIR.");
        if (reference.IsFile && Has("no such file or directory"))
            return new UserNsContainerException("ImageNotFound", FailureKind.ObjectNotFound, $"No image {source}: {reason}", source,
                "Check the file or directory path and, for oci:, the tag.");
        if (Has("invalid reference format", "Invalid source name", "invalid transport"))
            return new UserNsContainerException("InvalidImageReference", FailureKind.InvalidArgument, $"skopeo cannot read the reference {source}: {reason}", source,
                "Write it as name[:tag], registry/name[:tag], docker-archive:FILE, oci-archive:FILE or oci:DIRECTORY[:tag].");
        if (Has("server gave HTTP response to HTTPS client", "x509:", "certificate", "tls:"))
            return new UserNsContainerException("RegistryTlsFailed", FailureKind.PermissionDenied, $"The registry of {source} failed the TLS check: {reason}", source,
                "If you trust this registry (one on 127.0.0.1, say), import with -TlsVerify:$false; otherwise fix its certificate.");
        if (Has("unauthorized", "authentication required", "denied:", "invalid username/password"))
            return new UserNsContainerException("ImageAuthenticationFailed", FailureKind.PermissionDenied, $"The registry refused the credentials for {source}: {reason}", source,
                "Pass -Credential (Get-Credential) with a user and password or token the registry accepts.");
        if (Has("no image found in manifest list", "choosing an image from manifest list"))
            return new UserNsContainerException("NoImageForPlatform", FailureKind.ObjectNotFound, $"{source} has no image for this platform: {reason}", source,
                "Name a platform it has with -Platform (skopeo inspect --raw shows its list).");
        if (Has("manifest unknown", "name unknown", "not found", "no such file or directory", "does not exist"))
            return new UserNsContainerException("ImageNotFound", FailureKind.ObjectNotFound, $"No image {source}: {reason}", source,
                reference.IsFile ? "Check the file or directory path and, for oci:, the tag." : "Check the name and tag (skopeo list-tags docker://REGISTRY/NAME lists the tags).");
        if (Has("connection refused", "no such host", "dial tcp", "i/o timeout", "network is unreachable", "connection reset", "TLS handshake timeout"))
            return new UserNsContainerException("RegistryUnreachable", FailureKind.ResourceUnavailable, $"Cannot reach the registry of {source}: {reason}", source,
                "Check the registry's host and port and this machine's network (and proxy settings: HTTPS_PROXY).");
        return new UserNsContainerException("ImageImportFailed", FailureKind.InvalidOperation, $"skopeo could not copy {source}: {reason}", source,
            "Run with -Verbose for skopeo's own messages.");
    }
}
