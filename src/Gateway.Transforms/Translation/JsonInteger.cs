namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>What a JSON number is, read as an integer of a given range.</summary>
internal enum JsonInteger
{
    /// <summary>A whole number within the range.</summary>
    Integer,

    /// <summary>A number with a fractional part.</summary>
    Fraction,

    /// <summary>A whole number above the range.</summary>
    TooLarge,

    /// <summary>A whole number below the range.</summary>
    TooSmall,
}
