using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Xml;

namespace UserNsContainer.HelpGen;

/// <summary>The MAML help file PowerShell reads for a binary module (what PlatyPS's
/// New-ExternalHelp writes): one command element per cmdlet.</summary>
public static class Maml
{
    private const string Msh = "http://msh", MamlNs = "http://schemas.microsoft.com/maml/2004/10",
        Command = "http://schemas.microsoft.com/maml/dev/command/2004/10", Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static void Write(IEnumerable<CommandPage> pages, string path)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
        using var w = XmlWriter.Create(path, settings);
        w.WriteStartDocument();
        w.WriteStartElement("helpItems", Msh);
        w.WriteAttributeString("schema", "maml");
        foreach (var page in pages)
            WriteCommand(w, page);
        w.WriteEndElement();
    }

    private static void Paras(XmlWriter w, IEnumerable<string> paragraphs)
    {
        foreach (var p in paragraphs)
            w.WriteElementString("para", MamlNs, p);
    }

    private static void Description(XmlWriter w, IEnumerable<string> paragraphs)
    {
        w.WriteStartElement("description", MamlNs);
        Paras(w, paragraphs);
        w.WriteEndElement();
    }

    private static void WriteCommand(XmlWriter w, CommandPage page)
    {
        w.WriteStartElement("command", "command", Command);
        w.WriteAttributeString("xmlns", "maml", null, MamlNs);
        w.WriteAttributeString("xmlns", "dev", null, Dev);
        w.WriteStartElement("details", Command);
        w.WriteElementString("name", Command, page.Name);
        w.WriteElementString("verb", Command, page.Name.Split('-')[0]);
        w.WriteElementString("noun", Command, page.Name.Split('-', 2).Last());
        Description(w, new[] { page.Synopsis });
        w.WriteEndElement();
        Description(w, page.Description);

        w.WriteStartElement("syntax", Command);
        foreach (var (set, _) in page.Syntax)
        {
            w.WriteStartElement("syntaxItem", Command);
            w.WriteElementString("name", MamlNs, page.Name);
            foreach (var p in page.Parameters.Where(p => InSet(p, set)))
                WriteParameter(w, p);
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("parameters", Command);
        foreach (var p in page.Parameters)
            WriteParameter(w, p);
        w.WriteEndElement();

        TypeList(w, "inputTypes", "inputType", page.Inputs);
        TypeList(w, "returnValues", "returnValue", page.Outputs);

        w.WriteStartElement("alertSet", MamlNs);
        w.WriteStartElement("alert", MamlNs);
        Paras(w, page.Notes);
        w.WriteEndElement();
        w.WriteEndElement();

        w.WriteStartElement("examples", Command);
        int n = 1;
        foreach (var e in page.Examples)
        {
            w.WriteStartElement("example", Command);
            w.WriteElementString("title", MamlNs, $"-------------------------- Example {n++} --------------------------");
            w.WriteElementString("code", Dev, e.Code);
            w.WriteStartElement("remarks", Dev);
            Paras(w, e.Remarks);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        w.WriteEndElement();

        w.WriteStartElement("relatedLinks", Command);
        foreach (var link in page.Links)
        {
            w.WriteStartElement("navigationLink", MamlNs);
            w.WriteElementString("linkText", MamlNs, link);
            w.WriteElementString("uri", MamlNs, "");
            w.WriteEndElement();
        }
        w.WriteEndElement();
        w.WriteEndElement();
    }

    /// <summary>True when the parameter belongs to the syntax block's parameter set.</summary>
    private static bool InSet(CommandPage.Parameter p, string set)
    {
        var sets = p.Get("Parameter Sets", "(All)");
        if (sets == "(All)")
            return true;
        var name = set.Split(' ')[0];
        return sets.Split(',').Select(s => s.Trim()).Contains(name);
    }

    private static void WriteParameter(XmlWriter w, CommandPage.Parameter p)
    {
        var type = p.Get("Type", "Object");
        bool isSwitch = type == "SwitchParameter";
        w.WriteStartElement("parameter", Command);
        w.WriteAttributeString("required", p.Get("Required", "False").ToLowerInvariant());
        w.WriteAttributeString("variableLength", type.EndsWith("[]") ? "true" : "false");
        w.WriteAttributeString("globbing", p.Get("Accept wildcard characters", "False").ToLowerInvariant());
        w.WriteAttributeString("pipelineInput", p.Get("Accept pipeline input", "False"));
        w.WriteAttributeString("position", p.Get("Position", "Named").ToLowerInvariant() == "named" ? "named" : p.Get("Position"));
        w.WriteAttributeString("aliases", p.Get("Aliases", "none"));
        w.WriteElementString("name", MamlNs, p.Name);
        Description(w, p.Description);
        if (!isSwitch)
        {
            w.WriteStartElement("parameterValue", Command);
            w.WriteAttributeString("required", "true");
            w.WriteAttributeString("variableLength", "false");
            w.WriteString(type);
            w.WriteEndElement();
        }
        w.WriteStartElement("type", Dev);
        w.WriteElementString("name", MamlNs, type);
        w.WriteElementString("uri", MamlNs, "");
        w.WriteEndElement();
        w.WriteElementString("defaultValue", Dev, p.Get("Default value", isSwitch ? "False" : "None"));
        w.WriteEndElement();
    }

    private static void TypeList(XmlWriter w, string list, string item, IEnumerable<(string Type, string Text)> types)
    {
        w.WriteStartElement(list, Command);
        foreach (var (type, text) in types)
        {
            w.WriteStartElement(item, Command);
            w.WriteStartElement("type", Dev);
            w.WriteElementString("name", MamlNs, type);
            w.WriteElementString("uri", MamlNs, "");
            w.WriteEndElement();
            Description(w, new[] { text });
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }
}
