using System;
using System.IO;
using System.Linq;

namespace UserNsContainer.Engine.Images;

/// <summary>
/// What Import-ContainerImage was asked for, in skopeo's words (its "transport:details"),
/// and the name and tag it is stored under. A bare "name[:tag]" or "host/path/name[:tag]" is
/// a registry image (docker://), as podman reads it; "docker-archive:FILE[:name:tag]",
/// "oci-archive:FILE[:tag]" and "oci:DIR[:tag]" are files on this machine.
/// </summary>
public sealed record ImageReference(string Transport, string Details, string Name, string Tag)
{
    private static readonly string[] Transports = { "docker", "docker-archive", "oci-archive", "oci" };

    /// <summary>What skopeo is given as the source.</summary>
    public string Source => Transport == "docker" ? "docker://" + Details : Transport + ":" + Details;

    /// <summary>The registry host of a docker:// reference ("docker.io" when none is named).</summary>
    public string? Registry => Transport != "docker" ? null
        : Details.Split('/') is { Length: > 1 } parts && (parts[0].Contains('.') || parts[0].Contains(':') || parts[0] == "localhost") ? parts[0] : "docker.io";

    public bool IsFile => Transport != "docker";

    public override string ToString() => Source;

    /// <summary>Parses <paramref name="text"/>; relative file paths are made absolute from
    /// <paramref name="currentDirectory"/>. Throws InvalidSpecException naming the parameter.</summary>
    public static ImageReference Parse(string text, string currentDirectory, string parameter = "Reference")
    {
        const string accepted = "an image skopeo can copy: name[:tag] or registry/name[:tag] (a registry image), " +
                                "docker://registry/name[:tag], docker-archive:FILE, oci-archive:FILE or oci:DIRECTORY[:tag]";
        if (string.IsNullOrWhiteSpace(text) || text.Any(char.IsControl) || text.Length > 4096)
            throw new InvalidSpecException("InvalidImageReference", parameter, text, accepted);
        var colon = text.IndexOf(':');
        var transport = colon > 0 ? text[..colon] : "";
        if (text.StartsWith("docker://", StringComparison.Ordinal))
            return ParseRegistry(text["docker://".Length..], text, parameter, accepted);
        if (Transports.Contains(transport) && transport != "docker")
        {
            var rest = text[(colon + 1)..];
            // FILE[:name:tag] (docker-archive), FILE[:tag] (oci-archive, oci): the path ends at the first ':'
            var sep = rest.IndexOf(':');
            var path = sep >= 0 ? rest[..sep] : rest;
            var refPart = sep >= 0 ? rest[(sep + 1)..] : "";
            if (path.Length == 0)
                throw new InvalidSpecException("InvalidImageReference", parameter, text, accepted);
            path = Path.GetFullPath(path, currentDirectory);
            var baseName = Path.GetFileNameWithoutExtension(path.TrimEnd('/')).ToLowerInvariant();
            string name = Sanitize(baseName), tag = "latest";
            if (refPart.Length > 0)
            {
                if (transport == "docker-archive" && refPart.Contains(':'))
                    (name, tag) = SplitNameTag(refPart, text, parameter, accepted);
                else if (transport == "docker-archive")
                    throw new InvalidSpecException("InvalidImageReference", parameter, text, "docker-archive:FILE or docker-archive:FILE:name:tag");
                else
                    tag = CheckTag(refPart, text, parameter, accepted);
            }
            return new ImageReference(transport, refPart.Length > 0 ? path + ":" + refPart : path, name, tag);
        }
        if (transport.Length > 0 && !text.Contains('/') && !IsNameTag(text))
            throw new InvalidSpecException("InvalidImageReference", parameter, text, accepted);
        return ParseRegistry(text, text, parameter, accepted);
    }

    private static bool IsNameTag(string s) => s.Count(c => c == ':') == 1 && s.IndexOf(':') < s.Length - 1 && !s.Contains("//");

    private static ImageReference ParseRegistry(string details, string text, string parameter, string accepted)
    {
        if (details.Contains("//") || details.StartsWith('/') || details.EndsWith('/') || details.Contains(' '))
            throw new InvalidSpecException("InvalidImageReference", parameter, text, accepted);
        var at = details.IndexOf('@');
        string nameTag = at >= 0 ? details[..at] : details;
        string name, tag;
        if (at >= 0)
        {
            name = nameTag;
            tag = details[(at + 1)..].Replace(':', '-');
        }
        else
        {
            var lastSlash = nameTag.LastIndexOf('/');
            var tagColon = nameTag.IndexOf(':', lastSlash + 1);
            (name, tag) = tagColon > 0 ? (nameTag[..tagColon], nameTag[(tagColon + 1)..]) : (nameTag, "latest");
            details = name + ":" + tag;
        }
        if (!IsValidName(name))
            throw new InvalidSpecException("InvalidImageReference", parameter, text, "a repository name in lowercase letters, digits, '.', '-', '_' and '/': " + accepted);
        return new ImageReference("docker", details, name, CheckTag(tag, text, parameter, accepted));
    }

    private static (string, string) SplitNameTag(string s, string text, string parameter, string accepted)
    {
        var i = s.LastIndexOf(':');
        var name = s[..i];
        if (name.Length == 0 || name.Any(char.IsUpper))
            throw new InvalidSpecException("InvalidImageReference", parameter, text, accepted);
        return (name, CheckTag(s[(i + 1)..], text, parameter, accepted));
    }

    private static string CheckTag(string tag, string text, string parameter, string accepted)
    {
        if (tag.Length is 0 or > 128 || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new InvalidSpecException("InvalidImageReference", parameter, text, "a tag of 1 to 128 letters, digits, '.', '-', '_': " + accepted);
        return tag;
    }

    private static string Sanitize(string s)
    {
        var chars = s.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '-').ToArray();
        var r = new string(chars).Trim('-', '.');
        return r.Length == 0 ? "image" : r;
    }

    /// <summary>Each path component as a registry has it: [a-z0-9]+ joined by single '.', '_'
    /// or '-' (so no '.' or '..', no empty component); the first may carry a :port.</summary>
    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 255 && name.Split('/').Select((part, i) => i == 0 && part.Contains(':') ? part.Replace(':', '.') : part)
            .All(part => System.Text.RegularExpressions.Regex.IsMatch(part, "^[a-z0-9]+(?:[._-][a-z0-9]+)*\\z"));

    /// <summary>Checks a name[:tag] to store an image under (Import-ContainerImage -Name).</summary>
    public static void CheckLocalName(string text, string parameter)
    {
        const string accepted = "name[:tag]: a name of lowercase letters, digits, '.', '-', '_' and '/', and a tag of 1 to 128 letters, digits, '.', '-', '_'";
        if (string.IsNullOrEmpty(text) || text.Any(char.IsControl) || text.Length > 256)
            throw new InvalidSpecException("InvalidImageName", parameter, text, accepted);
        var (name, tag) = SplitLocal(text);
        if (!IsValidName(name) ||
            tag.Length is 0 or > 128 || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new InvalidSpecException("InvalidImageName", parameter, text, accepted);
    }

    /// <summary>A new image's name: -Name with its tag, or -Name and -Tag apart; both checked
    /// as a local image name (the error names -Name, or -Tag when the tag is the fault).</summary>
    public static (string Name, string Tag) LocalNameAndTag(string text, string? tag)
    {
        CheckLocalName(text, "Name");
        var (name, own) = SplitLocal(text);
        if (tag is null)
            return (name, own);
        if (text.LastIndexOf(':') > text.LastIndexOf('/'))
            throw new InvalidSpecException("InvalidImageName", "Tag", tag, $"no -Tag when -Name carries one already ('{text}')");
        CheckLocalName($"{name}:{tag}", "Tag");
        return (name, tag);
    }

    /// <summary>"name[:tag]" as Get-ContainerImage and -Image take it (tag "latest" when none).</summary>
    public static (string Name, string Tag) SplitLocal(string text)
    {
        var lastSlash = text.LastIndexOf('/');
        var colon = text.IndexOf(':', lastSlash + 1);
        return colon > 0 ? (text[..colon], text[(colon + 1)..]) : (text, "latest");
    }
}
