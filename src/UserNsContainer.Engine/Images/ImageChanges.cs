using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;

namespace UserNsContainer.Engine.Images;

/// <summary>What a new image's configuration changes from its base (podman commit --change,
/// a Containerfile's ENV, ENTRYPOINT, CMD, WORKDIR, USER, LABEL, EXPOSE). Null: unchanged.</summary>
public sealed class ImageChanges
{
    /// <summary>Variables set (added, or replacing the base's of the same name).</summary>
    public IDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    public string[]? Entrypoint { get; set; }
    public string[]? Cmd { get; set; }
    public string? WorkingDir { get; set; }
    public string? User { get; set; }
    public IDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
    /// <summary>PORT/PROTOCOL, as EXPOSE gives them (80, 80/tcp, 53/udp).</summary>
    public IList<string> ExposedPorts { get; init; } = new List<string>();

    /// <summary>Checks an exposed port: NUMBER[/tcp|udp|sctp]; returns it as the config keeps it.</summary>
    public static string NormalizePort(string text, string parameter)
    {
        var parts = text.Split('/');
        if (parts.Length > 2 || !ushort.TryParse(parts[0], out var port) || port == 0 || (parts.Length == 2 && parts[1] is not ("tcp" or "udp" or "sctp")))
            throw new InvalidSpecException("InvalidExposedPort", parameter, text, "a port number from 1 to 65535, optionally with /tcp, /udp or /sctp (80, 53/udp)");
        return $"{port}/{(parts.Length == 2 ? parts[1] : "tcp")}";
    }

    /// <summary>Applies the changes to an OCI image configuration (its "config" object).</summary>
    public void ApplyTo(JsonObject image)
    {
        var config = image["config"] as JsonObject ?? new JsonObject();
        image["config"] = config;
        if (Environment.Count > 0)
        {
            var env = (config["Env"] as JsonArray)?.Select(e => e?.GetValue<string>() ?? "").ToList() ?? new List<string>();
            foreach (var (name, value) in Environment)
            {
                env.RemoveAll(e => e == name || e.StartsWith(name + "=", StringComparison.Ordinal));
                env.Add($"{name}={value}");
            }
            config["Env"] = new JsonArray(env.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        }
        if (Entrypoint is not null)
        {
            config["Entrypoint"] = Strings(Entrypoint);
            if (Cmd is null)
                config.Remove("Cmd"); // as docker: a new ENTRYPOINT drops the base's CMD
        }
        if (Cmd is not null)
            config["Cmd"] = Strings(Cmd);
        if (WorkingDir is not null)
            config["WorkingDir"] = WorkingDir;
        if (User is not null)
            config["User"] = User;
        if (Labels.Count > 0)
        {
            var labels = config["Labels"] as JsonObject ?? new JsonObject();
            foreach (var (k, v) in Labels)
                labels[k] = v;
            config["Labels"] = labels;
        }
        if (ExposedPorts.Count > 0)
        {
            var ports = config["ExposedPorts"] as JsonObject ?? new JsonObject();
            foreach (var p in ExposedPorts)
                ports[p] = new JsonObject();
            config["ExposedPorts"] = ports;
        }
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
