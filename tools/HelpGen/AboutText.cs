using System;
using System.Linq;
using System.Text;

namespace UserNsContainer.HelpGen;

/// <summary>An about page as the plain text Get-Help prints: TOPIC and the section names as
/// headings, the text indented, code and tables kept as they are.</summary>
public static class AboutText
{
    public static string From(string markdown)
    {
        var text = new StringBuilder();
        foreach (var raw in markdown.Replace("\r", "").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.StartsWith("```", StringComparison.Ordinal))
                continue;
            if (line.StartsWith("# ", StringComparison.Ordinal))
                text.Append("TOPIC\n    ").Append(line[2..].Trim()).Append('\n');
            else if (line.StartsWith("## ", StringComparison.Ordinal))
                text.Append('\n').Append(line[3..].Trim().ToUpperInvariant()).Append('\n');
            else if (line.StartsWith("### ", StringComparison.Ordinal))
                text.Append('\n').Append("  ").Append(line[4..].Trim()).Append('\n');
            else
                text.Append(line.Length == 0 ? "" : "    " + line.Replace("`", "")).Append('\n');
        }
        return text.ToString();
    }
}
