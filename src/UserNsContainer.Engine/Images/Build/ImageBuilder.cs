using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace UserNsContainer.Engine.Images.Build;

/// <summary>What Build-ContainerImage asks for.</summary>
public sealed class BuildRequest
{
    /// <summary>The build context: COPY and ADD read from here.</summary>
    public required string ContextDirectory { get; init; }
    /// <summary>The Containerfile; null: Containerfile, else Dockerfile, in the context.</summary>
    public string? File { get; init; }
    public required string Name { get; init; }
    public required string Tag { get; init; }
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public bool NoCache { get; init; }
    /// <summary>RUN under root emulation (SeccompProfile.Faked), for one id.</summary>
    public bool FakeRoot { get; init; }
    /// <summary>RUN with -IdMap Auto (65536 ids); false: your own id only.</summary>
    public bool AutoIdMap { get; init; }
    public NetworkMode Network { get; init; } = NetworkMode.Host;
}

/// <summary>What a build reports as it goes: a step begins (Text is the instruction), was
/// taken from the cache, or a line of a RUN's output (IsError: from its stderr).</summary>
public sealed record BuildEvent(string Kind, int Step, int Steps, string Text, bool IsError = false);

/// <summary>
/// Build-ContainerImage: a Containerfile's instructions, one after another, on the image store.
/// Each RUN, COPY and ADD makes a layer and a stored step image (unnamed), cached under a key
/// made of the step before it, the instruction as substituted and what it reads (the bytes of
/// COPY's sources; RUN's environment, user, directory and ids). ENV, WORKDIR, USER, CMD,
/// ENTRYPOINT, LABEL and EXPOSE change the configuration of the next image made. A RUN runs
/// entered into an idle -WriteFake container of the step before, and its writes become the
/// layer (ContainerEngine.CaptureLayer); the container is removed whatever happens.
/// </summary>
public sealed class ImageBuilder
{
    private readonly ContainerEngine _engine;
    private readonly ImageStore _store;
    private readonly ImageCommitter _committer;
    private readonly Action<string> _verbose;
    private readonly Action<BuildEvent> _event;

    public ImageBuilder(ContainerEngine engine, ImageStore store, Action<string> verbose, Action<BuildEvent> onEvent)
    {
        _engine = engine;
        _store = store;
        _verbose = verbose;
        _event = onEvent;
        _committer = new ImageCommitter(store, verbose, _ => { });
    }

    /// <summary>The Containerfile a build reads: the one given, else Containerfile, else Dockerfile in the context.</summary>
    public static string FindFile(string context, string? file)
    {
        if (file is not null)
            return File.Exists(file) ? file : throw new UserNsContainerException("ContainerfileNotFound", FailureKind.ObjectNotFound,
                $"No Containerfile '{Untrusted.Escape(file)}'.", file, "Give the path of a Containerfile or Dockerfile with -File.");
        foreach (var name in new[] { "Containerfile", "Dockerfile" })
            if (File.Exists(Path.Combine(context, name)))
                return Path.Combine(context, name);
        throw new UserNsContainerException("ContainerfileNotFound", FailureKind.ObjectNotFound,
            $"The build context '{Untrusted.Escape(context)}' has no Containerfile or Dockerfile.", context, "Write one there, or name it with -File.");
    }

    /// <summary>State that carries from one instruction to the next.</summary>
    private sealed class State
    {
        public ImageInfo? Image;
        public ImageChanges Pending = new();
        public string Key = "";
        public readonly Dictionary<string, string> Env = new(StringComparer.Ordinal);
        public readonly Dictionary<string, string> Args = new(StringComparer.Ordinal);
        public string WorkDir = "/";
        public string? User;
        public int Layers;
    }

    private bool _noCache;

    public ImageInfo Build(BuildRequest request, CancellationToken cancel)
    {
        _noCache = request.NoCache;
        var file = FindFile(request.ContextDirectory, request.File);
        var instructions = Containerfile.Parse(File.ReadAllText(file), file);
        var context = new BuildContext(request.ContextDirectory);
        var s = new State();
        var declared = new HashSet<string>(StringComparer.Ordinal);
        int steps = instructions.Count;
        for (int i = 0; i < instructions.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var ins = instructions[i];
            _event(new BuildEvent("Step", i + 1, steps, ins.ToString()));
            var vars = new Dictionary<string, string>(s.Args, StringComparer.Ordinal);
            foreach (var (k, v) in s.Env)
                vars[k] = v;
            switch (ins.Keyword)
            {
                case "ARG":
                    foreach (var (name, value) in ArgDeclarations(ins, file))
                    {
                        declared.Add(name);
                        s.Args[name] = request.BuildArgs.TryGetValue(name, out var given) ? given : Containerfile.Substitute(value ?? "", vars);
                    }
                    Chain(s, ins, string.Join(",", s.Args.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")));
                    break;
                case "FROM":
                    From(s, Containerfile.Substitute(ins.Text, vars), file, ins.Line);
                    break;
                case "ENV":
                    foreach (var (k, v) in Containerfile.Pairs(Containerfile.Substitute(ins.Text, vars), allowOldForm: true, file, ins.Line))
                    {
                        s.Env[k] = v;
                        s.Pending.Environment[k] = v;
                    }
                    Chain(s, ins, "");
                    break;
                case "WORKDIR":
                    s.WorkDir = Absolute(Containerfile.Substitute(ins.Text, vars), s.WorkDir) is var w && w.Length > 1 ? w.TrimEnd('/') : "/";
                    s.Pending.WorkingDir = s.WorkDir;
                    Chain(s, ins, s.WorkDir);
                    if (s.Image is not null && RootPath.Resolve(s.Image.RootFsPath, s.WorkDir) is { } resolved && Directory.Exists(resolved))
                        break;
                    Layer(s, ins, $"WORKDIR {s.WorkDir}", stream => WriteDirectory(stream, s.WorkDir), cancel);
                    break;
                case "USER":
                    s.User = Containerfile.Substitute(ins.Text, vars).Trim();
                    s.Pending.User = s.User;
                    Chain(s, ins, s.User);
                    break;
                case "CMD":
                case "ENTRYPOINT":
                    var command = ins.Exec ?? (ins.Text.Length == 0 ? Array.Empty<string>() : new[] { "/bin/sh", "-c", ins.Text });
                    if (ins.Keyword == "CMD")
                        s.Pending.Cmd = command;
                    else
                        s.Pending.Entrypoint = command;
                    Chain(s, ins, string.Join("\0", command));
                    break;
                case "LABEL":
                    foreach (var (k, v) in Containerfile.Pairs(Containerfile.Substitute(ins.Text, vars), allowOldForm: false, file, ins.Line))
                        s.Pending.Labels[k] = v;
                    Chain(s, ins, "");
                    break;
                case "EXPOSE":
                    foreach (var port in Containerfile.Words(Containerfile.Substitute(ins.Text, vars)))
                        s.Pending.ExposedPorts.Add(ImageChanges.NormalizePort(port, $"EXPOSE (line {ins.Line})"));
                    Chain(s, ins, "");
                    break;
                case "COPY":
                case "ADD":
                    Copy(s, ins, context, vars, file, cancel);
                    break;
                case "RUN":
                    Run(s, ins, request, file, cancel);
                    break;
            }
        }
        foreach (var unused in request.BuildArgs.Keys.Where(k => !declared.Contains(k)))
            _verbose($"-BuildArg {unused} was not used: the Containerfile declares no ARG {unused}.");
        if (s.Image is null || !IsEmpty(s.Pending))
        {
            // the configuration of the last steps, cached too: a build of the same input gives the same digest
            s.Key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s.Key + "\nconfig"))).ToLowerInvariant();
            if (!_noCache && _store.CacheLookup(s.Key) is { } cached)
                s.Image = cached;
            else
            {
                s.Image = _committer.Derive(s.Image, null, s.Pending, "Build-ContainerImage", null, null, null, cancel);
                _store.CacheSave(s.Key, s.Image.Digest);
            }
        }
        var final = Name(s.Image, request.Name, request.Tag);
        _verbose($"Built {request.Name}:{request.Tag} ({final.Digest}) with {s.Layers} new layer(s).");
        return final;
    }

    private ImageInfo Name(ImageInfo image, string name, string tag)
    {
        _store.WriteRef(name, tag, image.Digest);
        return _store.Find($"{name}:{tag}")!;
    }

    private static bool IsEmpty(ImageChanges c) =>
        c.Environment.Count == 0 && c.Entrypoint is null && c.Cmd is null && c.WorkingDir is null && c.User is null && c.Labels.Count == 0 && c.ExposedPorts.Count == 0;

    private static IEnumerable<(string, string?)> ArgDeclarations(Instruction ins, string file)
    {
        foreach (var word in Containerfile.Words(ins.Text))
        {
            var eq = word.IndexOf('=');
            var name = eq < 0 ? word : word[..eq];
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw Containerfile.Error(file, ins.Line, $"declares ARG '{Untrusted.Escape(word)}'", "Write ARG NAME or ARG NAME=DEFAULT.");
            yield return (name, eq < 0 ? null : word[(eq + 1)..]);
        }
    }

    /// <summary>PATH made absolute from WORKDIR, with "." and ".." taken away (never above /);
    /// a trailing '/' is kept (it makes a COPY destination a directory).</summary>
    private static string Absolute(string path, string workDir)
    {
        var full = path.StartsWith('/') ? path : workDir.TrimEnd('/') + "/" + path;
        var parts = new List<string>();
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
                parts.Add(part);
        return "/" + string.Join('/', parts) + (full.EndsWith('/') && parts.Count > 0 ? "/" : "");
    }

    private static void Chain(State s, Instruction ins, string extra)
    {
        var data = Encoding.UTF8.GetBytes($"{s.Key}\n{ins.Keyword} {ins.Text}\n{extra}");
        s.Key = Convert.ToHexString(SHA256.HashData(data)).ToLowerInvariant();
    }

    private void From(State s, string reference, string file, int line)
    {
        if (reference == "scratch")
        {
            s.Image = null;
            s.Key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("FROM scratch"))).ToLowerInvariant();
            return;
        }
        s.Image = _store.Find(reference) ?? throw new UserNsContainerException("ImageNotFound", FailureKind.ObjectNotFound,
            $"{Untrusted.Escape(file)}, line {line}: FROM {Untrusted.Escape(reference)} names no image of your store.", reference,
            $"Import it first (Import-ContainerImage {reference}), or build it; Get-ContainerImage lists your images. Nothing was built.");
        s.Key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("FROM " + s.Image.Digest))).ToLowerInvariant();
        foreach (var (name, value) in s.Image.Config.EnvironmentMap())
            s.Env[name] = value;
        s.WorkDir = s.Image.Config.WorkingDir ?? "/";
        s.User = s.Image.Config.User;
    }

    /// <summary>A step that makes a layer: from the cache when its key is known, else made now.</summary>
    private void Layer(State s, Instruction ins, string createdBy, Action<Stream> write, CancellationToken cancel)
    {
        if (!_noCache && _store.CacheLookup(s.Key) is { } cached)
        {
            _event(new BuildEvent("Cached", 0, 0, ins.ToString()));
            s.Image = cached;
        }
        else
        {
            s.Image = _committer.Derive(s.Image, write, s.Pending, createdBy, null, null, null, cancel);
            _store.CacheSave(s.Key, s.Image.Digest);
        }
        s.Pending = new ImageChanges();
        s.Layers++;
    }

    private static void WriteDirectory(Stream stream, string path)
    {
        using var tar = new System.Formats.Tar.TarWriter(stream, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true);
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 1; i <= parts.Length; i++)
            tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.Directory, string.Join('/', parts[..i]))
            {
                Mode = (UnixFileMode)0b111_101_101,
                ModificationTime = DateTimeOffset.UnixEpoch,
            });
    }

    private void Copy(State s, Instruction ins, BuildContext context, Dictionary<string, string> vars, string file, CancellationToken cancel)
    {
        var words = ins.Exec ?? Containerfile.Words(ins.Text).ToArray();
        words = words.Select(w => Containerfile.Substitute(w, vars)).ToArray();
        var destText = words[^1];
        if (words[..^1].FirstOrDefault(w => w.Contains("://", StringComparison.Ordinal)) is { } url)
            throw Containerfile.Error(file, ins.Line, $"adds the URL {Untrusted.Escape(url)}: this builder copies only from the build context",
                "Download it into the build context first, then ADD or COPY the file.");
        var sources = words[..^1].SelectMany(w => context.Resolve(w, file, ins.Line)).ToList();
        var dest = Absolute(destText, s.WorkDir);
        bool destIsDir = destText.EndsWith('/') || sources.Count > 1 ||
            (s.Image is not null && RootPath.Resolve(s.Image.RootFsPath, dest) is { } existing && Directory.Exists(existing));
        var (uid, gid) = Owner(s, ins, file);
        UnixFileMode? chmod = null;
        if (ins.Flags.TryGetValue("chmod", out var modeText))
            chmod = modeText.Length is > 0 and <= 4 && modeText.All(c => c is >= '0' and <= '7')
                ? (UnixFileMode)Convert.ToInt32(modeText, 8)
                : throw Containerfile.Error(file, ins.Line, $"gives --chmod={Untrusted.Escape(modeText)}", "Give an octal mode such as 755 or 0644.");
        var archives = ins.Keyword == "ADD" ? sources.Where(Archive.IsArchive(context)).ToList() : new List<string>();
        var digest = context.Digest(sources);
        Chain(s, ins, $"{digest}\n{dest}\n{destIsDir}\n{uid}:{gid}\n{chmod}");
        Layer(s, ins, $"{ins.Keyword} {ins.Text}", stream =>
        {
            var plain = sources.Except(archives).ToList();
            if (plain.Count > 0)
                context.WriteLayer(stream, plain, dest, destIsDir || archives.Count > 0, uid, gid, chmod);
            foreach (var a in archives)
                Archive.Rebase(context.Full(a), stream, dest, file, ins.Line);
        }, cancel);
    }

    /// <summary>--chown=USER[:GROUP], numbers or names of the image's /etc/passwd and /etc/group.</summary>
    private static (uint, uint) Owner(State s, Instruction ins, string file)
    {
        if (!ins.Flags.TryGetValue("chown", out var text))
            return (0, 0);
        var colon = text.IndexOf(':');
        var (user, group) = colon < 0 ? (text, (string?)null) : (text[..colon], text[(colon + 1)..]);
        uint Lookup(string name, string db, bool isGroup, out uint? primary)
        {
            primary = null;
            if (uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                return id;
            var lines = AccountNames.Lines(s.Image is null ? null : RootPath.Resolve(s.Image.RootFsPath, db));
            var entry = AccountNames.Find(lines, name) ?? throw Containerfile.Error(file, ins.Line,
                $"gives --chown the {(isGroup ? "group" : "user")} '{Untrusted.Escape(name)}', which the image's {db} does not have", "Give a number, or a name the image knows.");
            primary = entry.PrimaryGid;
            return entry.Id;
        }
        var uid = Lookup(user, "/etc/passwd", false, out var primaryGid);
        var gid = group is null ? primaryGid ?? uid : Lookup(group, "/etc/group", true, out _);
        return (uid, gid);
    }

    private void Run(State s, Instruction ins, BuildRequest request, string file, CancellationToken cancel)
    {
        if (s.Image is null)
            throw Containerfile.Error(file, ins.Line, "runs a command on an empty image (FROM scratch with nothing copied yet)", "COPY or ADD a root file system with a shell first, or start FROM an image.");
        var command = ins.Exec ?? new[] { "/bin/sh", "-c", ins.Text };
        var env = new Dictionary<string, string>(s.Args, StringComparer.Ordinal);
        foreach (var (k, v) in s.Env)
            env[k] = v;
        Chain(s, ins, string.Join("\0", env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")) +
            $"\n{s.User}\n{s.WorkDir}\n{request.FakeRoot}\n{request.AutoIdMap}");
        Layer(s, ins, $"RUN {ins.Text}", stream => new RunStep(_engine, _verbose, _event).Execute(s.Image!, command, env, s.WorkDir, s.User, request, ins, file, stream, cancel), cancel);
    }
}
