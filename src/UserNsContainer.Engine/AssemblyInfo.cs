// The engine drives Linux namespaces; nothing in it runs elsewhere.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
