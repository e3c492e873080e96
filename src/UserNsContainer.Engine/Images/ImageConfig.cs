using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace UserNsContainer.Engine.Images;

/// <summary>What an OCI image configuration says about running it: Env, Entrypoint, Cmd,
/// WorkingDir and User, and the platform it was built for.</summary>
public sealed record ImageConfig
{
    public string[] Env { get; init; } = Array.Empty<string>();
    public string[]? Entrypoint { get; init; }
    public string[]? Cmd { get; init; }
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public string Architecture { get; init; } = "";
    public string Os { get; init; } = "";
    public DateTime? Created { get; init; }

    /// <summary>As a list view shows it: what runs, where and as whom.</summary>
    public override string ToString()
    {
        var command = (Entrypoint ?? Array.Empty<string>()).Concat(Cmd ?? Array.Empty<string>()).ToArray();
        return $"Cmd: {(command.Length > 0 ? Untrusted.Join(command) : "(none)")}; WorkingDir: {Untrusted.Escape(WorkingDir ?? "/")}; User: {Untrusted.Escape(User ?? "root")}; Env: {Env.Length} variables";
    }

    /// <summary>Reads an OCI (or Docker v2) image configuration blob.</summary>
    public static ImageConfig Parse(JsonElement root)
    {
        string[]? Strings(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array
                ? a.EnumerateArray().Select(e => e.GetString() ?? "").ToArray() : null;
        string? Text(JsonElement parent, string name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 } v ? v : null;
        var config = root.TryGetProperty("config", out var c) ? c : default;
        return new ImageConfig
        {
            Env = Strings(config, "Env") ?? Array.Empty<string>(),
            Entrypoint = Strings(config, "Entrypoint"),
            Cmd = Strings(config, "Cmd"),
            WorkingDir = Text(config, "WorkingDir"),
            User = Text(config, "User"),
            Architecture = Text(root, "architecture") ?? "",
            Os = Text(root, "os") ?? "",
            Created = Text(root, "created") is { } t && DateTime.TryParse(t, null, System.Globalization.DateTimeStyles.RoundtripKind, out var d) ? d.ToUniversalTime() : null,
        };
    }

    /// <summary>Env as name to value (an entry without '=' is left out; a later one wins).</summary>
    public Dictionary<string, string> EnvironmentMap()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in Env)
        {
            var eq = kv.IndexOf('=');
            if (eq > 0)
                env[kv[..eq]] = kv[(eq + 1)..];
        }
        return env;
    }

    /// <summary>The image's defaults under what the caller gave: its Env is the base
    /// environment (the caller's -Environment wins), Entrypoint + Cmd run when no command was
    /// given (-Command replaces Cmd, as podman run does, and keeps no Entrypoint: -Command
    /// is the whole command line), WorkingDir and User apply unless given.</summary>
    public void ApplyTo(ContainerSpec spec, bool applyCommand = true)
    {
        var env = EnvironmentMap();
        foreach (var (k, v) in spec.Environment)
            env[k] = v;
        spec.Environment = env;
        if (applyCommand && spec.Command is null)
        {
            var command = (Entrypoint ?? Array.Empty<string>()).Concat(Cmd ?? Array.Empty<string>()).ToArray();
            if (command.Length > 0)
                spec.Command = command;
        }
        if (spec.WorkingDirectory is null && WorkingDir is not null)
            spec.WorkingDirectory = WorkingDir;
        if (spec.User is null && spec.UserName is null && User is { } user)
        {
            var colon = user.IndexOf(':');
            var (u, g) = colon >= 0 ? (user[..colon], user[(colon + 1)..]) : (user, null);
            if (uint.TryParse(u, out var uid))
                spec.User = uid;
            else if (u.Length > 0)
                spec.UserName = u;
            if (spec.Group is not null || spec.GroupName is not null)
                return; // -Group given
            if (g is not null && uint.TryParse(g, out var gid))
                spec.Group = gid;
            else if (!string.IsNullOrEmpty(g))
                spec.GroupName = g;
        }
    }
}
