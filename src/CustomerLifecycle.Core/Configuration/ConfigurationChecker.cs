using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace CustomerLifecycle.Configuration;

/// <summary>
/// Walks a configuration section against the options type it binds to, before binding, and reports what the binder
/// would throw on later (a value that does not convert), drop without a word (an element of a list or dictionary whose
/// value or key does not convert) or ignore (a key no property takes: <c>Weigth</c>). Each failure names its full key.
/// Runs at configuration time only; reflection is fine here.
/// </summary>
internal static class ConfigurationChecker
{
    /// <summary>Checks <paramref name="section"/> as <paramref name="type"/>.</summary>
    /// <param name="type">The options type.</param>
    /// <param name="section">The section bound to it.</param>
    /// <param name="otherSections">Paths bound by other options (a package's subsection), not unknown keys here.</param>
    /// <param name="errors">Receives one message per problem.</param>
    /// <param name="rejected">Receives the paths of the values that must not be bound.</param>
    public static void Check(Type type, IConfiguration section, IReadOnlySet<string> otherSections, List<string> errors, HashSet<string> rejected) =>
        CheckObject(type, section, otherSections, errors, rejected);

    private static void CheckObject(Type type, IConfiguration section, IReadOnlySet<string> otherSections, List<string> errors, HashSet<string> rejected)
    {
        var properties = Bindable(type);
        foreach (var child in section.GetChildren())
        {
            if (otherSections.Contains(child.Path))
            {
                continue;
            }

            if (!properties.TryGetValue(child.Key, out var property))
            {
                errors.Add($"{child.Path}: not a setting of {type.Name}{Suggestion(child.Key, properties.Keys)}.");
                rejected.Add(child.Path);
                continue;
            }

            CheckValue(property.PropertyType, child, otherSections, errors, rejected);
        }
    }

    private static void CheckValue(Type type, IConfigurationSection section, IReadOnlySet<string> otherSections, List<string> errors, HashSet<string> rejected)
    {
        var nullable = Nullable.GetUnderlyingType(type);
        var target = nullable ?? type;
        if (IsScalar(target))
        {
            if (section.Value is null)
            {
                if (section.GetChildren().Any())
                {
                    errors.Add($"{section.Path}: expects a single value ({Describe(target)}), found a section.");
                    rejected.Add(section.Path);
                }

                return;
            }

            if (section.Value.Length == 0 && (nullable is not null || target == typeof(string)))
            {
                return;
            }

            if (!TryConvert(target, section.Value))
            {
                errors.Add($"{section.Path}: '{section.Value}' is not {Describe(target)}.");
                rejected.Add(section.Path);
            }

            return;
        }

        if (section.Value is { Length: > 0 } text)
        {
            errors.Add($"{section.Path}: expects a section ({type.Name}), found the value '{text}'.");
            rejected.Add(section.Path);
            return;
        }

        if (DictionaryTypes(target) is { } dictionary)
        {
            foreach (var child in section.GetChildren())
            {
                if (!TryConvert(dictionary.Key, child.Key))
                {
                    errors.Add($"{child.Path}: '{child.Key}' is not {Describe(dictionary.Key)}.");
                    rejected.Add(child.Path);
                    continue;
                }

                CheckValue(dictionary.Value, child, otherSections, errors, rejected);
            }

            return;
        }

        if (ElementType(target) is { } element)
        {
            foreach (var child in section.GetChildren())
            {
                CheckValue(element, child, otherSections, errors, rejected);
            }

            return;
        }

        if (target.IsClass && target != typeof(object))
        {
            CheckObject(target, section, otherSections, errors, rejected);
        }
    }

    private static Dictionary<string, PropertyInfo> Bindable(Type type)
    {
        var result = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            // What the binder sets: a public setter, or a get-only collection or object it binds into.
            if (property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true }
                && (property.SetMethod is { IsPublic: true } || !IsScalar(Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType)))
            {
                result[property.Name] = property;
            }
        }

        return result;
    }

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);

    private static (Type Key, Type Value)? DictionaryTypes(Type type)
    {
        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() is var definition
                && (definition == typeof(IDictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)))
            {
                var arguments = candidate.GetGenericArguments();
                return (arguments[0], arguments[1]);
            }
        }

        return null;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        foreach (var candidate in type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces())
        {
            if (candidate.IsGenericType && candidate.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                return candidate.GetGenericArguments()[0];
            }
        }

        return typeof(IEnumerable).IsAssignableFrom(type) ? typeof(object) : null;
    }

    private static bool TryConvert(Type type, string value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type == typeof(object))
        {
            return true;
        }

        if (type.IsEnum)
        {
            // The binder would also take a number, even one that names no member; configuration must name a member.
            return Enum.TryParse(type, value, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!) && !IsNumber(value);
        }

        if (type == typeof(bool))
        {
            return bool.TryParse(value, out _);
        }

        if (type == typeof(double) || type == typeof(float))
        {
            // Finite or not is the options' own rule; here only whether it is a number at all.
            return double.TryParse(value, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _);
        }

        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException || e.InnerException is FormatException or OverflowException or ArgumentException)
        {
            return false;
        }
    }

    private static bool IsNumber(string value) => value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] is '-' or '+');

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type.IsEnum => $"one of {string.Join(", ", Enum.GetNames(type))}",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) => "a whole number from -2147483648 to 2147483647",
            _ when type == typeof(long) => "a whole number from -9223372036854775808 to 9223372036854775807",
            _ when type == typeof(uint) => "a whole number from 0 to 4294967295",
            _ when type == typeof(ulong) => "a whole number from 0 to 18446744073709551615",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number (with '.' for decimals)",
            _ when type == typeof(TimeSpan) => "a time span such as 00:05:00",
            _ => $"a valid {type.Name}",
        };
    }

    private static string Suggestion(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in known)
        {
            var distance = Distance(key.ToUpperInvariant(), name.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        var settings = string.Join(", ", known.Order(StringComparer.Ordinal));
        return best is not null && bestDistance <= Math.Max(1, key.Length / 3)
            ? $"; did you mean '{best}'? (settings: {settings})"
            : $" (settings: {settings})";
    }

    // Optimal string alignment distance: a transposition (Weigth) counts as one edit.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
