using System.Collections;
using System.Reflection;

namespace LlmOps.Contracts.Tests;

/// <summary>
/// Builds an instance of a contract with every property set to a non-default value, so a round trip proves every
/// property survives serialization (a property the serializer silently skips would come back as its default).
/// </summary>
public static class SampleFactory
{
    private static readonly DateTimeOffset When = new(2026, 11, 21, 10, 30, 15, 123, TimeSpan.Zero);

    public static object Create(Type type)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null))
            property.SetValue(instance, ValueFor(property.PropertyType, property.Name));
        return instance;
    }

    private static object ValueFor(Type type, string name)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string)) return $"{name}-value";
        if (underlying == typeof(Guid)) return new Guid("0193a5b2-7c1d-7e4f-8a9b-0c1d2e3f4a5b");
        if (underlying == typeof(int)) return 7;
        if (underlying == typeof(long)) return 11L;
        if (underlying == typeof(double)) return 1.5;
        if (underlying == typeof(decimal)) return 2.25m;
        if (underlying == typeof(bool)) return true;
        if (underlying == typeof(DateTimeOffset)) return When;
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            var valueType = underlying.GetGenericArguments()[1];
            var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType))!;
            dictionary["key"] = valueType == typeof(string) ? "value" : ValueFor(valueType, name + "Value");
            return dictionary;
        }
        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
        {
            var element = underlying.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
            list.Add(ValueFor(element, name + "Item"));
            return list;
        }
        if (underlying.IsClass && underlying.Namespace?.StartsWith("LlmOps.Contracts", StringComparison.Ordinal) == true)
            return Create(underlying);
        throw new NotSupportedException($"No sample value for {type} ({name}); teach SampleFactory about it.");
    }
}
