using System.Runtime.InteropServices;
using System.Text.Json;

namespace LlmOps.Evaluator.Features.Checks;

/// <summary>
/// A JSON number held as <see cref="decimal"/> when that is exact and as <see cref="double"/> otherwise, so that
/// <c>0.3</c> is a multiple of <c>0.1</c> and <c>1e-30</c> is above 0 (decimal parsing would round it to 0).
/// </summary>
internal readonly struct JsonNumber
{
    private readonly decimal _decimal;
    private readonly double _double;
    private readonly bool _isDecimal;

    private JsonNumber(decimal value)
    {
        _decimal = value;
        _double = (double)value;
        _isDecimal = true;
    }

    private JsonNumber(double value) => _double = value;

    public static JsonNumber Of(JsonElement number)
    {
        if (FitsDecimalExactly(JsonMarshal.GetRawUtf8Value(number)) && number.TryGetDecimal(out var exact))
            return new JsonNumber(exact);
        // Out of decimal's range or precision; TryGetDouble yields ±Infinity past double's range, which still orders.
        return new JsonNumber(number.TryGetDouble(out var approximate) ? approximate : double.NaN);
    }

    public bool IsInteger => _isDecimal ? decimal.Truncate(_decimal) == _decimal : double.IsInteger(_double);

    public static int Compare(JsonNumber left, JsonNumber right) =>
        left._isDecimal && right._isDecimal ? left._decimal.CompareTo(right._decimal) : left._double.CompareTo(right._double);

    public bool IsMultipleOf(JsonNumber divisor)
    {
        if (_isDecimal && divisor._isDecimal && divisor._decimal != 0)
        {
            try
            {
                return _decimal % divisor._decimal == 0;
            }
            catch (OverflowException)
            {
                // Falls through to the double form.
            }
        }
        var quotient = _double / divisor._double;
        return double.IsFinite(quotient) && double.IsInteger(quotient);
    }

    /// <summary>
    /// Whether the literal has at most 28 significant digits and none below 10^-28: within those bounds decimal
    /// parsing is exact, outside them it rounds silently.
    /// </summary>
    private static bool FitsDecimalExactly(ReadOnlySpan<byte> literal)
    {
        var significant = 0;
        var trailingZeros = 0;
        var fractionDigits = 0;
        var inFraction = false;
        var i = 0;
        if (i < literal.Length && literal[i] == (byte)'-')
            i++;
        for (; i < literal.Length; i++)
        {
            var c = literal[i];
            if (c == (byte)'.')
            {
                inFraction = true;
                continue;
            }
            if (c is (byte)'e' or (byte)'E')
                break;
            if (inFraction)
                fractionDigits++;
            if (c == (byte)'0')
            {
                if (significant > 0)
                    trailingZeros++;
                continue;
            }
            significant += trailingZeros + 1;
            trailingZeros = 0;
        }
        var exponent = 0;
        if (i < literal.Length)
        {
            i++;
            var negative = false;
            if (i < literal.Length && literal[i] is (byte)'+' or (byte)'-')
                negative = literal[i++] == (byte)'-';
            for (; i < literal.Length; i++)
            {
                exponent = exponent * 10 + (literal[i] - '0');
                if (exponent > 10_000)
                    return false;
            }
            if (negative)
                exponent = -exponent;
        }
        if (significant == 0)
            return true;
        // The power of ten of the last significant digit.
        var lowestPower = exponent - fractionDigits + trailingZeros;
        return significant <= 28 && lowestPower >= -28;
    }
}
