using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace UserNsContainer.HelpGen;

/// <summary>One cmdlet page in PlatyPS's markdown schema: the sections Get-Help shows.</summary>
public sealed class CommandPage
{
    public string Name { get; private set; } = "";
    public string Synopsis { get; private set; } = "";
    public List<string> Description { get; } = new();
    public List<(string Set, string Line)> Syntax { get; } = new();
    public List<Example> Examples { get; } = new();
    public List<Parameter> Parameters { get; } = new();
    public List<(string Type, string Text)> Inputs { get; } = new();
    public List<(string Type, string Text)> Outputs { get; } = new();
    public List<string> Notes { get; } = new();
    public List<string> Links { get; } = new();

    public sealed record Example(string Title, string Code, List<string> Remarks);

    public sealed class Parameter
    {
        public string Name { get; init; } = "";
        public List<string> Description { get; } = new();
        public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);
        public string Get(string key, string fallback = "") => Fields.TryGetValue(key, out var v) && v.Length > 0 ? v : fallback;
    }

    /// <summary>A cmdlet page, or null for any other page (the module page, about topics).</summary>
    public static CommandPage? TryParse(string path)
    {
        var lines = File.ReadAllLines(path);
        if (!lines.Any(l => l == "## SYNTAX"))
            return null;
        var page = new CommandPage();
        string section = "", sub = "";
        Parameter? parameter = null;
        Example? example = null;
        (string Type, string Text)? io = null;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("# ", StringComparison.Ordinal) && page.Name.Length == 0)
            {
                page.Name = line[2..].Trim();
                continue;
            }
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                section = line[3..].Trim();
                sub = "";
                continue;
            }
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                sub = line[4..].Trim();
                if (section == "PARAMETERS" && sub.StartsWith('-'))
                    page.Parameters.Add(parameter = new Parameter { Name = sub[1..] });
                else if (section == "EXAMPLES")
                    page.Examples.Add(example = new Example(sub, "", new List<string>()));
                else if (section is "INPUTS" or "OUTPUTS")
                {
                    io = (sub, "");
                    (section == "INPUTS" ? page.Inputs : page.Outputs).Add(io.Value);
                }
                continue;
            }
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                var block = new List<string>();
                for (i++; i < lines.Length && !lines[i].StartsWith("```", StringComparison.Ordinal); i++)
                    block.Add(lines[i]);
                if (section == "SYNTAX")
                    page.Syntax.Add((sub, string.Join(" ", block).Trim()));
                else if (section == "EXAMPLES" && example is not null)
                {
                    page.Examples[^1] = example = example with { Code = string.Join("\n", block) };
                }
                else if (section == "PARAMETERS" && parameter is not null)
                    foreach (var f in block.Where(b => b.Contains(':')))
                        parameter.Fields[f[..f.IndexOf(':')].Trim()] = f[(f.IndexOf(':') + 1)..].Trim();
                continue;
            }
            if (line.Trim().Length == 0)
                continue;
            switch (section)
            {
                case "SYNOPSIS":
                    page.Synopsis = (page.Synopsis + " " + line.Trim()).Trim();
                    break;
                case "DESCRIPTION":
                    page.Description.Add(line.Trim());
                    break;
                case "EXAMPLES" when example is not null:
                    example.Remarks.Add(line.Trim());
                    break;
                case "PARAMETERS" when parameter is not null && sub != "CommonParameters":
                    parameter.Description.Add(line.Trim());
                    break;
                case "INPUTS" or "OUTPUTS" when io is not null:
                    var list = section == "INPUTS" ? page.Inputs : page.Outputs;
                    list[^1] = (list[^1].Type, (list[^1].Text + " " + line.Trim()).Trim());
                    break;
                case "NOTES":
                    page.Notes.Add(line.Trim());
                    break;
                case "RELATED LINKS":
                    if (line.StartsWith('[') && line.Contains(']'))
                        page.Links.Add(line[1..line.IndexOf(']')]);
                    break;
            }
        }
        return page;
    }
}
