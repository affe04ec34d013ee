using System.Reflection;
using LlmOps.Contracts.Inference;
using MassTransit;

namespace LlmOps.Contracts.Tests;

public class ContractWireNamesTests
{
    public static TheoryData<Type> MessageTypes() => [.. ContractCatalog.Messages.Keys];

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_message_keeps_its_pinned_wire_name(Type messageType)
    {
        Assert.Equal(ContractCatalog.Messages[messageType], MessageUrn.ForTypeString(messageType));
    }

    [Fact]
    public void Every_contract_type_is_classified_as_message_part_or_values()
    {
        var types = typeof(InferenceCompleted).Assembly.GetExportedTypes();
        var unclassified = types
            .Where(t => !ContractCatalog.Messages.ContainsKey(t) && !ContractCatalog.Parts.Contains(t) && !ContractCatalog.Values.Contains(t))
            .Select(t => t.FullName)
            .ToList();

        Assert.True(unclassified.Count == 0,
            "New contract types must be pinned in ContractCatalog (a message's wire name is forever): " + string.Join(", ", unclassified));
    }

    [Fact]
    public void Enumerated_values_travel_as_strings_never_as_enums()
    {
        var enumProperties = typeof(InferenceCompleted).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            .Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType).IsEnum)
            .Select(p => $"{p.DeclaringType!.Name}.{p.Name}")
            .ToList();

        Assert.Empty(enumProperties);
    }

    [Fact]
    public void Every_message_lives_in_an_area_namespace_of_the_contracts_assembly()
    {
        string[] areas = ["Inference", "Tracing", "Evaluation", "Feedback", "Cost", "Alerting", "Actions", "Access", "Prompts"];
        foreach (var type in ContractCatalog.Messages.Keys)
            Assert.Contains(type.Namespace!["LlmOps.Contracts.".Length..], areas);
    }
}
