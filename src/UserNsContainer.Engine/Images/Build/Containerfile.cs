using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace UserNsContainer.Engine.Images.Build;

/// <summary>One instruction of a Containerfile: its keyword, its line, the --flags before its
/// arguments, and the arguments as written (Exec: the JSON array form).</summary>
public sealed record Instruction(int Line, string Keyword, IReadOnlyDictionary<string, string> Flags, string Text, string[]? Exec)
{
    public override string ToString() => $"{Keyword} {Text}";
}

/// <summary>
/// A Containerfile (Dockerfile) read as podman and docker read it: comments, line continuations
/// with a backslash, keywords in any case, --flags, the shell and the JSON (exec) forms. Only
/// what the builder supports is accepted: anything else is an error naming the instruction and
/// its line, before any step runs.
/// </summary>
public static class Containerfile
{
    public static readonly string[] Supported = { "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "LABEL", "EXPOSE" };

    private static readonly Dictionary<string, string> Unsupported = new(StringComparer.Ordinal)
    {
        ["VOLUME"] = "volumes are binds given when a container is made (-Bind)",
        ["HEALTHCHECK"] = "there is no daemon to run health checks",
        ["ONBUILD"] = "triggers for later builds are not kept",
        ["SHELL"] = "RUN's shell form always uses /bin/sh -c",
        ["STOPSIGNAL"] = "Stop-UserNsContainer sends SIGTERM, then SIGKILL",
        ["MAINTAINER"] = "it is deprecated: use LABEL maintainer=...",
    };

    public static List<Instruction> Parse(string text, string file)
    {
        var result = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            int start = i + 1;
            var joined = new StringBuilder();
            while (true)
            {
                var current = lines[i].TrimEnd();
                if (current.EndsWith('\\') && i + 1 < lines.Length)
                {
                    joined.Append(current[..^1]).Append(' ');
                    // comment lines inside a continuation are skipped, as docker does
                    do
                        i++;
                    while (i + 1 < lines.Length && lines[i].TrimStart().StartsWith('#'));
                    continue;
                }
                joined.Append(current.EndsWith('\\') ? current[..^1] : current);
                break;
            }
            result.Add(ParseOne(joined.ToString().Trim(), start, file));
        }
        if (!result.Any(r => r.Keyword == "FROM"))
            throw Error(file, 1, "has no FROM instruction", "Begin it with FROM NAME[:TAG] (an image of your store) or FROM scratch.");
        var first = result.First(r => r.Keyword != "ARG");
        if (first.Keyword != "FROM")
            throw Error(file, first.Line, $"begins with {first.Keyword} where FROM must come first (only ARG may come before it)", "Put FROM before it.");
        if (result.Count(r => r.Keyword == "FROM") > 1)
            throw Error(file, result.Where(r => r.Keyword == "FROM").ElementAt(1).Line, "has a second FROM: multi-stage builds are not supported",
                "Build each stage as an image of its own and start the next with FROM that image.");
        return result;
    }

    private static Instruction ParseOne(string line, int number, string file)
    {
        var space = line.IndexOfAny(new[] { ' ', '\t' });
        var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : line[(space + 1)..].Trim();
        if (Unsupported.TryGetValue(keyword, out var why))
            throw Error(file, number, $"uses {keyword}, which this builder does not support: {why}", $"Remove the {keyword} instruction at line {number}.");
        if (!Supported.Contains(keyword))
            throw Error(file, number, $"has an unknown instruction '{Untrusted.Escape(keyword)}'", $"Use one of {string.Join(", ", Supported)}.");
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny(new[] { ' ', '\t' });
            var flag = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[(end + 1)..].TrimStart();
            var eq = flag.IndexOf('=');
            var name = eq < 0 ? flag[2..] : flag[2..eq];
            bool known = (keyword, name) is ("COPY" or "ADD", "chown") or ("COPY" or "ADD", "chmod");
            if (!known)
                throw Error(file, number, $"gives {keyword} the flag --{Untrusted.Escape(name)}, which this builder does not support{(name == "from" ? " (multi-stage builds)" : "")}",
                    keyword is "COPY" or "ADD" ? "COPY and ADD take --chown=USER[:GROUP] and --chmod=MODE." : $"{keyword} takes no flags.");
            flags[name] = eq < 0 ? "" : flag[(eq + 1)..];
        }
        if (rest.Length == 0 && keyword is not ("RUN" or "CMD" or "ENTRYPOINT"))
            throw Error(file, number, $"has {keyword} without arguments", $"Give {keyword} its arguments.");
        string[]? exec = null;
        if (rest.StartsWith('[') && keyword is "RUN" or "CMD" or "ENTRYPOINT" or "COPY" or "ADD")
        {
            try
            {
                exec = JsonSerializer.Deserialize<string[]>(rest);
            }
            catch (JsonException)
            {
                exec = null; // not JSON: the shell form, as docker reads it
            }
        }
        if (keyword == "FROM" && rest.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: > 1 })
            throw Error(file, number, "names a stage (FROM ... AS NAME): multi-stage builds are not supported", "Write FROM IMAGE alone.");
        if (keyword is "COPY" or "ADD" && (exec?.Length ?? rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length) < 2)
            throw Error(file, number, $"gives {keyword} no destination", $"Write {keyword} SOURCE... DESTINATION.");
        return new Instruction(number, keyword, flags, rest, exec);
    }

    internal static UserNsContainerException Error(string file, int line, string what, string fix) =>
        new UserNsContainerException("ContainerfileInvalid", FailureKind.InvalidArgument, $"{Untrusted.Escape(file)}, line {line}, {what}.", $"{file}:{line}", fix + " Nothing was built.");

    /// <summary>$NAME, ${NAME}, ${NAME:-default} and ${NAME:+alt} replaced from VARS, \$ kept as $
    /// (docker's rules for FROM, COPY, ADD, ENV, WORKDIR, USER, LABEL, EXPOSE).</summary>
    public static string Substitute(string text, IReadOnlyDictionary<string, string> vars)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\' && i + 1 < text.Length && text[i + 1] == '$')
            {
                sb.Append('$');
                i++;
                continue;
            }
            if (c != '$' || i + 1 >= text.Length)
            {
                sb.Append(c);
                continue;
            }
            if (text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    sb.Append(c);
                    continue;
                }
                var body = text[(i + 2)..close];
                var op = body.IndexOf(":-", StringComparison.Ordinal) is var d and >= 0 ? d : body.IndexOf(":+", StringComparison.Ordinal);
                var name = op >= 0 ? body[..op] : body;
                vars.TryGetValue(name, out var value);
                if (op >= 0 && body[op + 1] == '-')
                    value = string.IsNullOrEmpty(value) ? body[(op + 2)..] : value;
                else if (op >= 0)
                    value = string.IsNullOrEmpty(value) ? "" : body[(op + 2)..];
                sb.Append(value);
                i = close;
                continue;
            }
            int j = i + 1;
            while (j < text.Length && (char.IsAsciiLetterOrDigit(text[j]) || text[j] == '_'))
                j++;
            if (j == i + 1)
            {
                sb.Append(c);
                continue;
            }
            vars.TryGetValue(text[(i + 1)..j], out var v);
            sb.Append(v);
            i = j - 1;
        }
        return sb.ToString();
    }

    /// <summary>KEY=VALUE pairs (quotes and backslash escapes as the shell's), or the old "KEY VALUE" form of ENV.</summary>
    public static List<KeyValuePair<string, string>> Pairs(string text, bool allowOldForm, string file, int line)
    {
        var words = Words(text);
        var result = new List<KeyValuePair<string, string>>();
        if (allowOldForm && words.Count > 0 && !words[0].Contains('='))
        {
            var space = text.IndexOfAny(new[] { ' ', '\t' });
            if (space < 0)
                throw Error(file, line, "gives ENV a name without a value", "Write ENV NAME=VALUE.");
            result.Add(new(text[..space], text[(space + 1)..].Trim()));
            return result;
        }
        foreach (var w in words)
        {
            var eq = w.IndexOf('=');
            if (eq <= 0)
                throw Error(file, line, $"has '{Untrusted.Escape(w)}' where NAME=VALUE belongs", "Write NAME=VALUE pairs.");
            result.Add(new(w[..eq], w[(eq + 1)..]));
        }
        return result;
    }

    /// <summary>Splits on blanks outside quotes; quotes removed, backslash escapes kept literal.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        char quote = '\0';
        bool any = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (any)
                    words.Add(sb.ToString());
                sb.Clear();
                any = false;
                continue;
            }
            any = true;
            if (c == '\\' && i + 1 < text.Length && quote != '\'')
            {
                sb.Append(text[++i]);
                continue;
            }
            if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
                continue;
            }
            if (c == quote)
            {
                quote = '\0';
                continue;
            }
            sb.Append(c);
        }
        if (any)
            words.Add(sb.ToString());
        return words;
    }
}
