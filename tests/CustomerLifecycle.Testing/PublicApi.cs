using System.Reflection;
using System.Text;

namespace CustomerLifecycle.Testing;

/// <summary>
/// Writes the public surface of an assembly as sorted text lines, and compares it with the committed
/// <c>src/&lt;Assembly&gt;/api/&lt;Assembly&gt;.txt</c>. Set the environment variable <c>UPDATE_PUBLIC_API=1</c>
/// to rewrite the committed file after an intended change.
/// </summary>
public static class PublicApi
{
    public static string Generate(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var typeName = Name(type);
            lines.Add(TypeLine(type));
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = new List<string>();
            foreach (var member in type.GetMembers(flags))
            {
                if (MemberLine(member) is { } line)
                {
                    members.Add(typeName + "::" + line);
                }
            }

            members.Sort(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        var sb = new StringBuilder();
        foreach (var line in lines)
        {
            sb.Append(line).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Throws with a readable difference when the surface differs from the committed file.</summary>
    public static void AssertMatchesCommitted(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var name = assembly.GetName().Name!;
        var path = Path.Combine(RepositoryRoot(), "src", name, "api", name + ".txt");
        var actual = Generate(assembly);
        var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
        if (actual == expected)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("UPDATE_PUBLIC_API") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        var expectedLines = (expected ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var actualLines = actual.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var added = actualLines.Where(l => !expectedLines.Contains(l)).Select(l => "+ " + l);
        var removed = expectedLines.Where(l => !actualLines.Contains(l)).Select(l => "- " + l);
        File.WriteAllText(Path.ChangeExtension(path, ".received.txt"), actual);
        throw new InvalidOperationException(
            $"The public API of {name} differs from {path}. Review the change; if it is intended, run the tests with UPDATE_PUBLIC_API=1 and commit the file.\n"
            + string.Join("\n", removed.Concat(added).Take(200)));
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CustomerLifecycle.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("CustomerLifecycle.sln was not found above " + AppContext.BaseDirectory);
    }

    private static string TypeLine(Type type)
    {
        var kind = type.IsInterface ? "interface"
            : type.IsEnum ? "enum"
            : type.IsValueType ? (type.GetCustomAttributes().Any(a => a.GetType().Name == "IsReadOnlyAttribute") ? "readonly struct" : "struct")
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
            : type.IsAbstract && type.IsSealed ? "static class"
            : type.IsAbstract ? "abstract class"
            : type.IsSealed ? "sealed class" : "class";
        var bases = new List<string>();
        if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
        {
            bases.Add(Name(b));
        }

        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        return $"{kind} {Name(type)}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : string.Empty);
    }

    private static string? MemberLine(MemberInfo member)
    {
        switch (member)
        {
            case ConstructorInfo c when Visible(c):
                return $"{Access(c)}{(c.IsStatic ? "static " : string.Empty)}.ctor({Parameters(c)})";
            case MethodInfo m when Visible(m) && !m.IsSpecialName:
                return $"{Access(m)}{Modifiers(m)}{Name(m.ReturnType)} {m.Name}{Generics(m)}({Parameters(m)})";
            case MethodInfo m when Visible(m) && m.Name.StartsWith("op_", StringComparison.Ordinal):
                return $"{Access(m)}static {Name(m.ReturnType)} {m.Name}({Parameters(m)})";
            case PropertyInfo p:
                var accessors = new[] { p.GetMethod, p.SetMethod }.Where(a => a is not null && Visible(a)).ToArray();
                if (accessors.Length == 0)
                {
                    return null;
                }

                var parts = accessors.Select(a => a == p.GetMethod ? "get" : IsInit(a!) ? "init" : "set");
                var indexer = p.GetIndexParameters();
                var name = indexer.Length > 0 ? $"this[{string.Join(", ", indexer.Select(i => Name(i.ParameterType) + " " + i.Name))}]" : p.Name;
                return $"{Access(accessors[0]!)}{Modifiers(accessors[0]!)}{Name(p.PropertyType)} {name} {{ {string.Join("; ", parts)}; }}";
            case FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly:
                if (f.DeclaringType!.IsEnum)
                {
                    return f.IsSpecialName ? null : $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
                }

                return $"{(f.IsFamily ? "protected " : "public ")}{(f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty)}{(f.IsInitOnly ? "readonly " : string.Empty)}{Name(f.FieldType)} {f.Name}";
            case EventInfo e when e.AddMethod is { } add && Visible(add):
                return $"{Access(add)}event {Name(e.EventHandlerType!)} {e.Name}";
            case Type:
                return null; // nested types are listed on their own
            default:
                return null;
        }
    }

    private static bool IsInit(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";

    private static string Modifiers(MethodInfo m) =>
        m.IsStatic ? "static "
        : m.IsAbstract && !m.DeclaringType!.IsInterface ? "abstract "
        : m.IsVirtual && !m.IsFinal && !m.DeclaringType!.IsInterface ? (m.GetBaseDefinition() != m ? "override " : "virtual ")
        : m.IsVirtual && m.GetBaseDefinition() != m ? "override "
        : string.Empty;

    private static string Generics(MethodInfo m) =>
        m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;

    private static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p =>
        (p.IsOut ? "out " : p.ParameterType.IsByRef ? (p.IsIn ? "in " : "ref ") : string.Empty)
        + (p.GetCustomAttributes().Any(a => a.GetType().Name is "ParamArrayAttribute" or "ParamCollectionAttribute") ? "params " : string.Empty)
        + Name(p.ParameterType) + " " + p.Name
        + (p.HasDefaultValue ? " = " + (p.DefaultValue is null ? "null" : p.DefaultValue is string s ? "\"" + s + "\"" : Convert.ToString(p.DefaultValue, System.Globalization.CultureInfo.InvariantCulture)) : string.Empty)));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.Namespace + "." + type.Name;
        if (type.IsGenericType)
        {
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            name = (tick >= 0 ? name[..tick] : name) + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
        }

        return name;
    }
}
