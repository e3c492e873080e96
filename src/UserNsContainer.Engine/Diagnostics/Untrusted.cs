using System.Collections.Generic;
using System.Linq;

namespace UserNsContainer.Engine;

/// <summary>
/// Text that an image, a registry or a container chose (configuration fields, labels, names,
/// commands, paths, tools' messages) as it may be printed: every control character spelled out
/// (\n, \t, \0, \x1b), so that no escape sequence reaches the terminal of whoever reads a view,
/// a message or a log line about it. The values themselves are kept exact for running.
/// </summary>
public static class Untrusted
{
    public static string Escape(string? text) => text is null ? "" : string.Concat(text.Select(c => c switch
    {
        '\n' => "\\n",
        '\0' => "\\0",
        '\t' => "\\t",
        '\r' => "\\r",
        _ when char.IsControl(c) || c is '\u2028' or '\u2029' or '\u200e' or '\u200f' || (c >= '\u202a' && c <= '\u202e') => $"\\x{(int)c:x2}",
        _ => c.ToString(),
    }));

    /// <summary>Several values, escaped and joined with <paramref name="separator"/>.</summary>
    public static string Join(IEnumerable<string>? values, string separator = " ") =>
        values is null ? "" : string.Join(separator, values.Select(Escape));
}
