using System.Text.RegularExpressions;
using CustomerLifecycle.Testing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CustomerLifecycle.Docs.Tests;

/// <summary>Every C# block in README.md, docs/ and the package READMEs is a whole program that compiles as pasted, so the docs cannot drift from the API.</summary>
public sealed partial class DocSnippetTests
{
    public static TheoryData<string, int> Snippets() => BlocksOf(CSharpBlock());

    public static TheoryData<string, int> JsonBlocks() => BlocksOf(JsonBlock());

    /// <summary>Every block a regex finds in README.md, docs/ and the package READMEs, by file and line.</summary>
    private static TheoryData<string, int> BlocksOf(Regex block)
    {
        var root = PublicApi.RepositoryRoot();
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories).Append(Path.Combine(root, "README.md"))
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories));
        var data = new TheoryData<string, int>();
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            foreach (var (line, _) in Blocks(File.ReadAllText(file), block))
            {
                data.Add(Path.GetRelativePath(root, file).Replace('\\', '/'), line);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(JsonBlocks))]
    public void TheJsonBlock_IsAWholeDocument(string file, int line)
    {
        // A configuration block is pasted into appsettings.json: it must be a document, not a fragment.
        var json = Blocks(File.ReadAllText(Path.Combine(PublicApi.RepositoryRoot(), file)), JsonBlock()).Single(b => b.Line == line).Code;
        var error = Record.Exception(() => System.Text.Json.JsonDocument.Parse(json).Dispose());
        Assert.True(error is null, $"{file}:{line}: the JSON block is not a whole document ({error?.Message}); start it with {{ and the section's key, as appsettings.json has it.\n---\n{json}");
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void TheSnippet_Compiles(string file, int line)
    {
        var code = Blocks(File.ReadAllText(Path.Combine(PublicApi.RepositoryRoot(), file)), CSharpBlock()).Single(b => b.Line == line).Code;
        Assert.True(IsWholeProgram(code), $"{file}:{line}: the C# block is a fragment; start it with its using lines and its set-up, so it compiles as pasted into a new project.");
        var errors = Compile(code);
        Assert.True(errors.Count == 0, $"{file}:{line}: the C# block does not compile:\n{string.Join("\n", errors)}\n---\n{code}");
    }

    [Fact]
    public void TheDocsHaveSnippets() => Assert.True(Snippets().Count() >= 20);

    private static IEnumerable<(int Line, string Code)> Blocks(string markdown, Regex block)
    {
        foreach (Match m in block.Matches(markdown))
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
        // A program as pasted into a new console project (or, without top-level statements, a file of a class library
        // or test project): implicit usings only, no globals, nullable on.
        var syntax = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest));
        var kind = syntax.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any() ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var program = CSharpCompilation.Create(
            "program",
            [syntax, CSharpSyntaxTree.ParseText(string.Concat(ImplicitUsings.Select(u => $"global using {u};\n")), new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        return [.. program.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())];
    }

    private static bool IsWholeProgram(string code) => code.TrimStart().StartsWith("using ", StringComparison.Ordinal) && code.Contains(';', StringComparison.Ordinal);

    [GeneratedRegex("```csharp\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
