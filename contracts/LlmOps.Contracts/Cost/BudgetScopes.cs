namespace LlmOps.Contracts.Cost;

public static class BudgetScopes
{
    public const string Project = "project";
    public const string Feature = "feature";
    public const string Key = "key";
    public const string User = "user";
}
