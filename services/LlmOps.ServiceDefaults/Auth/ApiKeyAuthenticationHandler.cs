using System.Text.Encodings.Web;
using LlmOps.ServiceDefaults.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> on every <c>/api</c> and <c>/v1</c> route (the same header the OpenAI SDKs
/// send). Challenges answer in the route's error shape, so an SDK raises its authentication error.
/// </summary>
public sealed partial class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    AdminKeyProvider adminKey,
    IEnumerable<IApiKeyResolver> resolvers)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
            return AuthenticateResult.NoResult();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <key>'.");

        var key = header[BearerPrefix.Length..].Trim();
        if (key.Length == 0)
            return AuthenticateResult.Fail("The Authorization header carries an empty key.");

        CallerIdentity? caller = adminKey.Matches(key) ? CallerIdentity.Admin : null;
        foreach (var resolver in resolvers)
        {
            if (caller is not null)
                break;
            caller = await resolver.ResolveAsync(key, Context.RequestAborted);
        }

        if (caller is null)
        {
            LogRejected(Logger, Request.Method, Request.Path);
            return AuthenticateResult.Fail("The API key is not valid, or it has been revoked.");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(LlmOpsClaims.ToPrincipal(caller, SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var message = result.Failure?.Message
            ?? "Missing credentials: send 'Authorization: Bearer <key>'.";
        Response.Headers.WWWAuthenticate = "Bearer";
        await ErrorResponses.WriteAsync(Context, StatusCodes.Status401Unauthorized, message, "invalid_api_key");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ErrorResponses.WriteAsync(Context, StatusCodes.Status403Forbidden,
            "This key is not allowed to do that.", "permission_denied");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected an invalid API key on {Method} {Path}")]
    private static partial void LogRejected(ILogger logger, string method, string path);
}
