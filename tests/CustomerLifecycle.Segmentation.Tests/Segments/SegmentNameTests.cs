namespace CustomerLifecycle.Segmentation.Tests.Segments;

/// <summary>Issue 30: a segment name is kept in every snapshot store; one with a lone surrogate (which UTF-8 turns into U+FFFD) is refused.</summary>
public sealed class SegmentNameTests
{
    [Fact]
    public void ASegmentName_WithALoneSurrogate_IsRefused_AndAPairIsFine()
    {
        Assert.False(Segment.IsValidName("At risk \uD800"));
        Assert.False(Segment.IsValidName("\uDC00At risk"));
        Assert.False(Segment.IsValidName("At\0risk"));
        Assert.True(Segment.IsValidName("At risk \uD83D\uDD25"));
        Assert.True(Segment.IsValidName("Établis"));
    }
}
