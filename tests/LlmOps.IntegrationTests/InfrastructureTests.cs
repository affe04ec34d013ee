using LlmOps.Testing;
using Npgsql;

namespace LlmOps.IntegrationTests;

/// <summary>Says plainly when the servers the test script starts are missing, instead of letting every test time out.</summary>
public class InfrastructureTests
{
    [Fact]
    public async Task The_test_broker_and_database_started_by_scripts_test_sh_are_reachable()
    {
        var vhost = await TestInfrastructure.CreateVirtualHostAsync();
        await TestInfrastructure.DeleteVirtualHostAsync(vhost);

        await using var connection = new NpgsqlConnection(TestInfrastructure.PostgresAdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }
}
