using System.Security.Claims;
using LlmOps.ServiceDefaults.Auth;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>What a caller's key allows on the gateway. The admin key may use every model.</summary>
public sealed class KeyPolicy(ProjectKeyDirectory directory)
{
    public bool MayUse(ClaimsPrincipal caller, string model)
    {
        if (caller.IsAdmin() || caller.KeyIdOf() is not { } keyId || directory.Find(keyId) is not { } key)
            return caller.IsAdmin();
        return key.AllowedModels.Count == 0 || key.AllowedModels.Contains(model, StringComparer.Ordinal);
    }
}
