using System.Text.RegularExpressions;
using CustomerLifecycle.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CustomerLifecycle.Docs.Tests;

/// <summary>Every C# block in README.md and docs/ compiles against the packages, so the docs cannot drift from the API.</summary>
public sealed partial class DocSnippetTests
{
    private static readonly string[] Usings =
    [
        "System", "System.Collections.Generic", "System.Linq", "System.Threading", "System.Threading.Tasks", "NodaTime",
        "CustomerLifecycle", "CustomerLifecycle.Stages", "CustomerLifecycle.Events", "CustomerLifecycle.Feedback", "CustomerLifecycle.Contacts", "CustomerLifecycle.Onboarding",
        "CustomerLifecycle.HealthScoring", "CustomerLifecycle.Segmentation", "CustomerLifecycle.Forecasting", "CustomerLifecycle.Playbooks", "CustomerLifecycle.Usage", "CustomerLifecycle.Hosting",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.Hosting", "CustomerLifecycle.Docs.Tests", "CustomerLifecycle.Sample",
    ];

    public static TheoryData<string, int> Snippets()
    {
        var root = PublicApi.RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Append(Path.Combine(root, "README.md"))
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories));
        var data = new TheoryData<string, int>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            foreach (var (line, _) in Blocks(File.ReadAllText(file)))
            {
                data.Add(Path.GetRelativePath(root, file).Replace('\\', '/'), line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void TheSnippet_Compiles(string file, int line)
    {
        var code = Blocks(File.ReadAllText(Path.Combine(PublicApi.RepositoryRoot(), file))).Single(b => b.Line == line).Code;
        var errors = Compile(code);
        Assert.True(errors.Count == 0, $"{file}:{line}: the C# block does not compile:\n{string.Join("\n", errors)}\n---\n{code}");
    }

    [Fact]
    public void TheDocsHaveSnippets() => Assert.True(Snippets().Count() >= 20);

    private static IEnumerable<(int Line, string Code)> Blocks(string markdown)
    {
        foreach (Match m in CSharpBlock().Matches(markdown))
        {
            var line = markdown[..m.Index].Count(c => c == '\n') + 1;
            yield return (line, m.Groups[1].Value);
        }
    }

    // What `dotnet new console` imports implicitly: all a whole program may assume.
    private static readonly string[] ImplicitUsings = ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static List<string> Compile(string code)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => MetadataReference.CreateFromFile(p));
        if (IsWholeProgram(code))
        {
            // A block that starts with its own using directives is a program as pasted into a new console project
            // (or, without top-level statements, a file of a class library or test project): implicit usings only, no
            // globals, nullable on.
            var syntax = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest));
            var kind = syntax.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any() ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
            var program = CSharpCompilation.Create(
                "program",
                [syntax, CSharpSyntaxTree.ParseText(string.Concat(ImplicitUsings.Select(u => $"global using {u};\n")), new CSharpParseOptions(LanguageVersion.Latest))],
                references,
                new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
            return [.. program.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())];
        }

        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        var compilation = CSharpCompilation.CreateScriptCompilation(
            "snippet",
            tree,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: Usings, nullableContextOptions: NullableContextOptions.Disable),
            globalsType: typeof(DocGlobals));
        return [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())];
    }

    private static bool IsWholeProgram(string code) => code.TrimStart().StartsWith("using ", StringComparison.Ordinal) && code.Contains(';', StringComparison.Ordinal);

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
