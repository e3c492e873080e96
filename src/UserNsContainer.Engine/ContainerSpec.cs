using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace UserNsContainer.Engine;

/// <summary>What a container should be. <see cref="Validate"/> checks and completes it
/// before anything is created; the helper never sees an unchecked spec.</summary>
public sealed class ContainerSpec
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public string? Name { get; set; }
    public string[]? Command { get; set; }
    /// <summary>A directory on the host; null means the host's / bound read-only.</summary>
    public string? RootFs { get; set; }
    public NamespaceSet Namespaces { get; set; } = NamespaceSet.All;
    public string? Hostname { get; set; }
    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);
    public string? WorkingDirectory { get; set; }
    public bool Writable { get; set; }
    public IdMapRange[] UidMap { get; set; } = Array.Empty<IdMapRange>();
    public IdMapRange[] GidMap { get; set; } = Array.Empty<IdMapRange>();

    private static readonly Regex NamePattern = new("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", RegexOptions.CultureInvariant);
    private static readonly Regex HostnamePattern = new("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$", RegexOptions.CultureInvariant);
    private static readonly Regex EnvNamePattern = new("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

    /// <summary>True when <paramref name="name"/> is a valid container name.</summary>
    public static bool IsValidName(string name) => NamePattern.IsMatch(name);

    /// <summary>Checks every field, fills defaults, and resolves the command inside the root.
    /// Throws <see cref="InvalidSpecException"/> naming the parameter, the value and what is accepted.</summary>
    public void Validate(uint callerUid, uint callerGid, string? hostTerm)
    {
        Namespaces |= NamespaceSet.User;
        if (Name is not null && !IsValidName(Name))
            throw new InvalidSpecException("InvalidName", "Name", Name,
                "1 to 63 characters: letters, digits, '_', '.', '-', starting with a letter or digit");
        ValidateRoot();
        ValidateHostname();
        ValidateWorkingDirectory();
        ValidateEnvironment(hostTerm);
        ValidateCommand();
        if (UidMap.Length == 0)
            UidMap = new[] { new IdMapRange(0, callerUid, 1) };
        if (GidMap.Length == 0)
            GidMap = new[] { new IdMapRange(0, callerGid, 1) };
    }

    private void ValidateRoot()
    {
        if (RootFs is null)
            return;
        if (!Namespaces.HasFlag(NamespaceSet.Mnt))
            throw new InvalidSpecException("RootFsNeedsMountNamespace", "RootFs", RootFs,
                "a root directory needs the mnt namespace: add 'mnt' to -Namespace or drop -RootFs");
        if (RootFs.Length == 0 || !Path.IsPathFullyQualified(RootFs))
            throw new InvalidSpecException("InvalidRootFs", "RootFs", RootFs, "an absolute path to an existing directory");
        if (!Directory.Exists(RootFs))
            throw new InvalidSpecException(File.Exists(RootFs) ? "RootFsNotDirectory" : "RootFsNotFound", "RootFs", RootFs,
                "an existing directory holding the container's root file system (e.g. one made with 'busybox --install' or debootstrap)");
        RootFs = Path.GetFullPath(RootFs).TrimEnd('/');
        if (RootFs.Length == 0)
            RootFs = null; // "/" is the default root
    }

    private void ValidateHostname()
    {
        if (Hostname is null)
        {
            if (Namespaces.HasFlag(NamespaceSet.Uts))
                Hostname = Name ?? "usernscontainer";
            return;
        }
        if (!Namespaces.HasFlag(NamespaceSet.Uts))
            throw new InvalidSpecException("HostnameNeedsUtsNamespace", "Hostname", Hostname,
                "a host name needs the uts namespace: add 'uts' to -Namespace");
        if (Hostname.Length > 64 || !HostnamePattern.IsMatch(Hostname))
            throw new InvalidSpecException("InvalidHostname", "Hostname", Hostname,
                "at most 64 characters of letters, digits, '-' and '.', as in RFC 1123");
    }

    private void ValidateWorkingDirectory()
    {
        if (WorkingDirectory is null)
            return;
        if (WorkingDirectory.Length == 0 || WorkingDirectory[0] != '/' || WorkingDirectory.Contains('\0'))
            throw new InvalidSpecException("InvalidWorkingDirectory", "WorkingDirectory", WorkingDirectory,
                "an absolute path inside the container, such as /tmp");
    }

    private void ValidateEnvironment(string? hostTerm)
    {
        foreach (var (key, value) in Environment)
        {
            if (!EnvNamePattern.IsMatch(key))
                throw new InvalidSpecException("InvalidEnvironmentName", "Environment", key,
                    "variable names of letters, digits and '_', not starting with a digit");
            if (value.Contains('\0'))
                throw new InvalidSpecException("InvalidEnvironmentValue", "Environment", key,
                    "values without NUL characters");
        }
        Environment.TryAdd("PATH", DefaultPath);
        Environment.TryAdd("HOME", "/root");
        Environment.TryAdd("TERM", string.IsNullOrEmpty(hostTerm) ? "dumb" : hostTerm);
    }

    private void ValidateCommand()
    {
        if (Command is null)
            return;
        if (Command.Length == 0 || string.IsNullOrEmpty(Command[0]))
            throw new InvalidSpecException("EmptyCommand", "Command", Command.Length == 0 ? "" : Command[0],
                "a program to run, then its arguments, such as -Command /bin/sh, -c, 'echo hi'");
        if (Command.Any(a => a is null || a.Contains('\0')))
            throw new InvalidSpecException("InvalidCommand", "Command", string.Join(' ', Command),
                "arguments without NUL characters");
        if (RootPath.FindExecutable(RootFs ?? "/", Command[0], Environment["PATH"]) is null)
            throw new InvalidSpecException("CommandNotFound", "Command", Command[0],
                $"a program that exists in the container root {RootFs ?? "/ (the host's root)"}" +
                (Command[0].Contains('/') ? "" : $" on PATH {Environment["PATH"]}"));
    }

    /// <summary>Environment as the helper takes it, sorted for a stable order.</summary>
    public string[] EnvironmentBlock() =>
        Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}").ToArray();
}
