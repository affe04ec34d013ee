using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LlmOps.ServiceDefaults.Hosting;

/// <summary>
/// <c>ValidateDataAnnotations()</c> checks an options class's own properties only; a nested settings object's ranges
/// (<c>Evaluator:Loop</c>, <c>InferenceProxy:Budgets</c>) would otherwise never be checked, and a 0 where a timer period
/// or a concurrency belongs fails later, far from the setting.
/// </summary>
public static class NestedOptionsValidation
{
    /// <summary>Validates the data annotations of each nested object, naming the section and the failing members.</summary>
    public static OptionsBuilder<T> ValidateNested<T>(this OptionsBuilder<T> builder, string section, params (string Name, Func<T, object> Get)[] members)
        where T : class =>
        builder.Validate(options =>
        {
            foreach (var (_, get) in members)
            {
                var value = get(options);
                if (!Validator.TryValidateObject(value, new ValidationContext(value), null, validateAllProperties: true))
                    return false;
            }
            return true;
        }, $"{section} has a nested setting out of range ({string.Join(", ", members.Select(m => $"{section}:{m.Name}"))}): check the ranges documented on its options class.");
}
