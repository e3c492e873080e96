// Diagnostics: typed errors with stable ErrorIds, the helper's error records explained, host
// checks (Test-UserNsSupport), per-phase timings, and untrusted text made printable.
using System;
using System.Runtime.InteropServices;

namespace UserNsContainer.Engine;

/// <summary>How a failure is classified; the cmdlets map it to an ErrorCategory.</summary>
public enum FailureKind
{
    InvalidArgument,
    ObjectNotFound,
    ResourceExists,
    PermissionDenied,
    NotInstalled,
    InvalidOperation,
    ResourceUnavailable,
    OperationStopped,
    OperationTimeout,
}

/// <summary>Base of every engine failure: a stable ErrorId, a kind, a target, a fix.</summary>
public class UserNsContainerException : Exception
{
    public UserNsContainerException(string errorId, FailureKind kind, string message,
        object? target = null, string? recommendedAction = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
        RecommendedAction = recommendedAction;
    }

    public string ErrorId { get; }
    public FailureKind Kind { get; }
    public object? Target { get; }
    public string? RecommendedAction { get; }
}

/// <summary>A parameter value refused before anything was created.</summary>
public sealed class InvalidSpecException : UserNsContainerException
{
    public InvalidSpecException(string errorId, string parameter, object? value, string accepted)
        : base(errorId, FailureKind.InvalidArgument,
            $"Cannot use {Show(value)} for -{parameter}: {accepted}", value,
            $"Correct -{parameter} and run the command again; nothing was created.")
    {
        Parameter = parameter;
        Value = value;
    }

    public string Parameter { get; }
    public object? Value { get; }

    /// <summary>The value as the message shows it: control characters spelled out (\n, \0).</summary>
    private static string Show(object? v) => v is null ? "nothing" : $"'{ContainerSpec.Printable(v.ToString() ?? "")}'";
}

/// <summary>A system call made by the engine itself failed.</summary>
public sealed class SystemCallException : UserNsContainerException
{
    public SystemCallException(string call, string? path, int errno)
        : base("SystemCallFailed", Classify(errno),
            $"{call}{(path is null ? "" : $" '{path}'")} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})",
            path)
    {
        Call = call;
        Path = path;
        Errno = errno;
    }

    public string Call { get; }
    public string? Path { get; }
    public int Errno { get; }

    internal static FailureKind Classify(int errno) => errno switch
    {
        1 or 13 => FailureKind.PermissionDenied,    // EPERM, EACCES
        2 or 3 => FailureKind.ObjectNotFound,       // ENOENT, ESRCH
        17 => FailureKind.ResourceExists,           // EEXIST
        28 or 24 or 23 or 11 => FailureKind.ResourceUnavailable, // ENOSPC, EMFILE, ENFILE, EAGAIN
        _ => FailureKind.InvalidOperation,
    };
}

/// <summary>
/// A step of the container's setup failed inside the helper: which step, which
/// operation, which path, the errno, and the likely cause.
/// </summary>
public sealed class ContainerSetupException : UserNsContainerException
{
    /// <param name="showErrno">False where the cause says more than the errno would (a tool's own words).</param>
    public ContainerSetupException(string errorId, int step, string operation, string path, int errno,
        string cause, string? recommendedAction, bool showErrno = true)
        : base(errorId, SystemCallException.Classify(errno),
            $"Container setup failed ({operation}{(path.Length > 0 ? $" '{path}'" : "")}): " +
            (showErrno ? $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}). {cause}" : cause).TrimEnd(),
            path.Length > 0 ? path : operation, recommendedAction)
    {
        Step = step;
        Operation = operation;
        Path = path;
        Errno = errno;
    }

    public int Step { get; }
    public string Operation { get; }
    public string Path { get; }
    public int Errno { get; }
}
