namespace LlmOps.Contracts.Actions;

/// <summary>The three repair paths a failed evaluation can call for.</summary>
public static class ActionPaths
{
    public const string Prompt = "prompt";
    public const string Rag = "rag";
    public const string FineTune = "fine_tune";
    public const string Routing = "routing";
}
